//! The SQL of service accounts and client assertions, for both backends.

use super::service_account::CredentialRow;
use crate::auth::account::{SERVICE_KIND, UserRow};
use crate::db::DbConn;
use crate::db::schema::{agencies, client_assertions, service_credentials, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A service account's user row, as inserted.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewServiceUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub agency_id: &'a str,
    pub roles: &'a str,
    pub status: &'a str,
    /// Not an argon2 hash: no password ever matches it.
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub kind: &'a str,
}

pub fn insert(
    conn: &mut DbConn,
    user: &NewServiceUser,
    credential: &CredentialRow,
) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    diesel::insert_into(service_credentials::table)
        .values(credential)
        .execute(conn)
        .map(drop)
}

/// A service account: its user row, its credentials and its agency's country.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct ServiceAccountRow {
    #[diesel(embed)]
    pub user: UserRow,
    #[diesel(embed)]
    pub credential: CredentialRow,
    #[diesel(select_expression = agencies::country_code)]
    #[diesel(select_expression_type = agencies::country_code)]
    pub country: String,
}

/// Users that are service accounts, with their credentials and agencies.
macro_rules! accounts {
    () => {
        users::table
            .inner_join(service_credentials::table)
            .inner_join(agencies::table)
            .filter(users::kind.eq(SERVICE_KIND))
    };
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<ServiceAccountRow>> {
    accounts!()
        .filter(users::id.eq(id))
        .select(ServiceAccountRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<ServiceAccountRow>> {
    accounts!()
        .filter(users::username.eq(client_id))
        .select(ServiceAccountRow::as_select())
        .get_result(conn)
        .optional()
}

/// A page of the service accounts of `country` (all countries when `None`), by id.
pub fn list(
    conn: &mut DbConn,
    country: Option<&str>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<ServiceAccountRow>> {
    let mut query = accounts!()
        .select(ServiceAccountRow::as_select())
        .order(users::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(agencies::country_code.eq(country.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn)
}

pub fn update_credential(conn: &mut DbConn, row: &CredentialRow) -> QueryResult<()> {
    diesel::update(service_credentials::table.find(&row.user_id))
        .set(row)
        .execute(conn)
        .map(drop)
}

/// Spends a client assertion's `jti`: false when it was spent already. Assertions
/// past their expiry are forgotten first (they could not be replayed anyway).
pub fn spend_assertion(
    conn: &mut DbConn,
    client_id: &str,
    jti: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::delete(client_assertions::table.filter(client_assertions::expires_at.lt(now)))
        .execute(conn)?;
    let inserted = diesel::sql_query(
        "INSERT INTO client_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (client_id, jti) DO NOTHING",
    )
    .bind::<diesel::sql_types::Text, _>(client_id)
    .bind::<diesel::sql_types::Text, _>(jti)
    .bind::<diesel::sql_types::Timestamp, _>(expires_at)
    .execute(conn)?;
    Ok(inserted == 1)
}
