use crate::auth::roles::{Role, decode_roles};
use crate::db::schema::{agencies, users};
use crate::time::UtcTimestamp;
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
}

impl UserRow {
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
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        }
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
