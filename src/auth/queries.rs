//! The SQL of identity: the live principal behind a session.

use super::roles::decode_roles;
use super::{Principal, Principals, SessionKey};
use crate::db::DbConn;
use crate::db::schema::{agencies, sessions, users};
use crate::error::ApiResult;
use diesel::prelude::*;

/// A principal as read: a live session, its user and the user's agency.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct PrincipalRow {
    #[diesel(column_name = id)]
    user_id: String,
    username: String,
    display_name: String,
    agency_id: String,
    #[diesel(select_expression = agencies::kind)]
    #[diesel(select_expression_type = agencies::kind)]
    agency_kind: String,
    #[diesel(select_expression = agencies::country_code)]
    #[diesel(select_expression_type = agencies::country_code)]
    country: String,
    roles: String,
    must_change_password: bool,
    #[diesel(select_expression = sessions::id)]
    #[diesel(select_expression_type = sessions::id)]
    session_id: String,
}

impl From<PrincipalRow> for Principal {
    fn from(row: PrincipalRow) -> Principal {
        Principal {
            user_id: row.user_id,
            username: row.username,
            display_name: row.display_name,
            agency_id: row.agency_id,
            agency_kind: row.agency_kind,
            country: row.country,
            roles: decode_roles(&row.roles),
            session_id: row.session_id,
            must_change_password: row.must_change_password,
        }
    }
}

/// The live principals of these sessions: a session that is revoked or expired, or
/// whose user is disabled, yields nothing.
pub fn load_principals(conn: &mut DbConn, of: &[SessionKey]) -> ApiResult<Principals> {
    if of.is_empty() {
        return Ok(Principals::new());
    }
    let now = crate::db::now();
    let ids: Vec<&str> = of.iter().map(|s| s.session_id.as_str()).collect();
    let rows: Vec<PrincipalRow> = sessions::table
        .inner_join(users::table.inner_join(agencies::table))
        .filter(sessions::id.eq_any(ids))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select(PrincipalRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(Principal::from)
        .map(|p| {
            let key = SessionKey {
                user_id: p.user_id.clone(),
                session_id: p.session_id.clone(),
            };
            (key, p)
        })
        .collect())
}

/// The live principal of one session (a query of static shape, prepared once per
/// connection).
pub fn load_principal(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
) -> ApiResult<Option<Principal>> {
    let now = crate::db::now();
    let row: Option<PrincipalRow> = sessions::table
        .inner_join(users::table.inner_join(agencies::table))
        .filter(sessions::id.eq(session_id))
        .filter(users::id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select(PrincipalRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Principal::from))
}
