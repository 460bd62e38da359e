use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Investigator,
    Supervisor,
    Prosecutor,
    CentralAuthority,
    /// The 24/7 point of contact (Budapest Convention art. 35): sends and receives
    /// preservation requests directly, day and night.
    ContactPoint,
    Auditor,
    /// Manages the users and agencies of its own country; sees no case content.
    Admin,
    /// Manages countries, agencies and users everywhere; sees no case content.
    RegionalAdmin,
    /// The regional secretariat's and national coordinators' view: figures of the
    /// region's cooperation, never the content of a case or request.
    Monitor,
    /// A service provider's person (in an agency of kind `provider`): sees the orders
    /// addressed to that provider, and nothing else.
    ProviderLiaison,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Investigator,
        Role::Supervisor,
        Role::Prosecutor,
        Role::CentralAuthority,
        Role::ContactPoint,
        Role::Auditor,
        Role::Admin,
        Role::RegionalAdmin,
        Role::Monitor,
        Role::ProviderLiaison,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Investigator => "investigator",
            Role::Supervisor => "supervisor",
            Role::Prosecutor => "prosecutor",
            Role::CentralAuthority => "central_authority",
            Role::ContactPoint => "contact_point",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::RegionalAdmin => "regional_admin",
            Role::Monitor => "monitor",
            Role::ProviderLiaison => "provider_liaison",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Role, ()> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

/// A user's roles as stored in one column: sorted, unique, comma-separated.
pub fn encode_roles(roles: &[Role]) -> String {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads the stored column; a name this build does not know is dropped, so a role
/// can never be gained by a typo in the database.
pub fn decode_roles(stored: &str) -> Vec<Role> {
    stored.split(',').filter_map(|s| s.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_sorted_and_unique() {
        let stored = encode_roles(&[Role::Auditor, Role::Investigator, Role::Auditor]);
        assert_eq!(stored, "investigator,auditor");
        assert_eq!(
            decode_roles(&stored),
            vec![Role::Investigator, Role::Auditor]
        );
        assert_eq!(decode_roles("admin,superuser"), vec![Role::Admin]);
    }
}
