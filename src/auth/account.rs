//! An account as login sees it: the row, its status and how usernames are spelled.
//! The users feature manages accounts; authentication only reads them.

use crate::auth::roles::{Role, decode_roles};
use crate::db::schema::users;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub agency_id: String,
    pub roles: String,
    pub status: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `person`, or `service` for a national system's service account.
    pub kind: String,
    /// The language the person chose (`en`, `fr`, `nl`); `None` until chosen.
    pub language: Option<String>,
}

/// The kind of account a service account is.
pub const SERVICE_KIND: &str = "service";

/// Roles a service account may never hold: it administers nothing.
pub const SERVICE_REFUSED_ROLES: &[Role] = &[Role::Admin, Role::RegionalAdmin];

impl UserRow {
    /// A national system's account: it signs in with client credentials only.
    pub fn is_service(&self) -> bool {
        self.kind == SERVICE_KIND
    }

    pub fn roles(&self) -> Vec<Role> {
        decode_roles(&self.roles)
    }

    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active.as_str()
    }

    pub fn is_locked(&self, now: NaiveDateTime) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// Usernames are stored lower-case: `JDoe` and `jdoe` are one account.
pub fn normalize_username(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim().to_lowercase();
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !(3..=64).contains(&name.len()) || !valid_chars {
        return Err("must be 3 to 64 characters: letters, digits, '.', '_', '-' or '@'");
    }
    Ok(name)
}
