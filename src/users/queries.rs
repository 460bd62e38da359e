//! The SQL of user accounts.

use crate::auth::roles::{Role, decode_roles};
use crate::db::DbConn;
use crate::db::schema::users;
use diesel::prelude::*;

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
        .first(conn)
        .optional()?;
    Ok(found.is_some_and(|m| m.serves(agency_id, roles)))
}
