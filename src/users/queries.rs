//! The SQL of user accounts.

use super::model::{NewUser, UserInCountry};
use crate::auth::roles::{Role, decode_roles};
use crate::db::DbConn;
use crate::db::schema::{agencies, users};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

/// Where a user works and as what.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct Membership {
    pub id: String,
    pub agency_id: String,
    pub status: String,
    pub roles: String,
}

impl Membership {
    /// Active in `agency_id` with one of `roles` (a lead investigator, a receiving
    /// custodian).
    pub fn serves(&self, agency_id: &str, roles: &[Role]) -> bool {
        self.status == "active"
            && self.agency_id == agency_id
            && decode_roles(&self.roles).iter().any(|r| roles.contains(r))
    }
}

pub fn memberships(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Membership>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::id.eq_any(ids))
        .select(Membership::as_select())
        .load(conn)
}

/// Whether `user_id` is active in `agency_id` with one of `roles`.
pub fn serves(
    conn: &mut DbConn,
    user_id: &str,
    agency_id: &str,
    roles: &[Role],
) -> QueryResult<bool> {
    let found: Option<Membership> = users::table
        .find(user_id)
        .select(Membership::as_select())
        .get_result(conn)
        .optional()?;
    Ok(found.is_some_and(|m| m.serves(agency_id, roles)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    #[param(format = Uuid)]
    pub agency_id: Option<String>,
    /// Users of this country (ISO 3166-1 alpha-2). A country administrator sees only
    /// their own country's users, whatever this says.
    #[param(pattern = r"^[A-Z]{2}$")]
    pub country: Option<String>,
}

/// A page of users with their countries, in id order: those of `scope` (a country
/// administrator's own country) when given, matching `filter`, up to `limit + 1`.
pub fn list(
    conn: &mut DbConn,
    scope: Option<&str>,
    filter: &UserFilter,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<UserInCountry>> {
    let mut query = users::table
        .inner_join(agencies::table)
        .select(UserInCountry::as_select())
        .order(users::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(scope) = scope {
        query = query.filter(agencies::country_code.eq(scope.to_owned()));
    }
    if let Some(country) = &filter.country {
        query = query.filter(agencies::country_code.eq(country.clone()));
    }
    if let Some(agency_id) = &filter.agency_id {
        query = query.filter(users::agency_id.eq(agency_id.clone()));
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn)
}

/// What an administrator changes of an account.
#[derive(AsChangeset)]
#[diesel(table_name = users)]
pub struct AccountChange<'a> {
    pub display_name: &'a str,
    pub roles: &'a str,
    pub status: &'a str,
    pub language: Option<&'a str>,
    pub updated_at: chrono::NaiveDateTime,
}

pub fn change_account(conn: &mut DbConn, id: &str, change: &AccountChange) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(change)
        .execute(conn)?;
    Ok(())
}

/// Lifts a lockout caused by failed logins.
pub fn unlock(conn: &mut DbConn, id: &str, now: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<chrono::NaiveDateTime>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A user with their agency's country.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserInCountry>> {
    users::table
        .inner_join(agencies::table)
        .filter(users::id.eq(id))
        .select(UserInCountry::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, user: &NewUser) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// People's names by id (500 ids a query), for pages that say who did what.
pub fn display_names(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::display_name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
