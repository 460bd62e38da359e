pub use crate::auth::account::{UserRow, UserStatus, normalize_username};
use crate::auth::roles::Role;
use crate::db::schema::{agencies, users};
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// An account with its agency's country (users joined with agencies).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserInCountry {
    #[diesel(embed)]
    pub user: UserRow,
    #[diesel(select_expression = agencies::country_code)]
    #[diesel(select_expression_type = agencies::country_code)]
    pub country: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub agency_id: &'a str,
    pub roles: &'a str,
    pub status: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A user as administrators and the user themself see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub agency_id: String,
    pub country: String,
    pub roles: Vec<Role>,
    pub status: UserStatus,
    pub must_change_password: bool,
    /// True while failed logins keep the account locked.
    pub locked: bool,
    /// `person`, or `service` for a national system's service account (which signs
    /// in with client credentials only).
    #[schema(example = "person")]
    pub kind: String,
    /// The language the person chose for pages, reports and messages; `null` until
    /// chosen, when each request's `Accept-Language` decides.
    pub language: Option<crate::catalogue::Language>,
    pub created_at: UtcTimestamp,
    pub updated_at: UtcTimestamp,
}

impl User {
    pub fn new(found: UserInCountry, now: NaiveDateTime) -> User {
        let UserInCountry { user: row, country } = found;
        User {
            locked: row.is_locked(now),
            roles: row.roles(),
            status: if row.is_active() {
                UserStatus::Active
            } else {
                UserStatus::Disabled
            },
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            agency_id: row.agency_id,
            country,
            must_change_password: row.must_change_password,
            kind: row.kind,
            language: row
                .language
                .as_deref()
                .and_then(crate::catalogue::Language::parse),
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        }
    }
}
