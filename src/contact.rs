//! Who to contact, and when they can be reached: the contacts of a request, and a
//! provider's legal and emergency contacts.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who to contact, and when they can be reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 320)]
    pub email: Option<String>,
    #[schema(max_length = 50)]
    pub phone: Option<String>,
    /// Such as `Mon-Fri 08:30-16:30`.
    #[schema(max_length = 200)]
    pub office_hours: Option<String>,
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9_+/-]+$")]
    pub time_zone: Option<String>,
}

/// A name of the IANA time zone database (`America/Jamaica`, `Etc/UTC`), as
/// `chrono-tz` carries it; case matters, as in the database.
pub fn is_time_zone(tz: &str) -> bool {
    tz.len() <= 64 && tz.parse::<chrono_tz::Tz>().is_ok()
}

impl Contact {
    /// What is wrong with the contact, its fields named under `at` (`contacts[0]`).
    pub fn check(&self, at: &str, errors: &mut Vec<FieldError>) {
        if self
            .time_zone
            .as_deref()
            .is_some_and(|tz| !is_time_zone(tz))
        {
            errors.push(FieldError::new(
                format!("{at}.time_zone"),
                "must be an IANA time zone name, such as America/Jamaica",
            ));
        }
        if self.email.as_deref().is_some_and(|e| {
            let (user, host) = e.split_once('@').unwrap_or_default();
            user.is_empty() || !host.contains('.')
        }) {
            errors.push(FieldError::new(
                format!("{at}.email"),
                "must be an email address",
            ));
        }
    }
}
