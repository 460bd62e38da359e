//! Case vocabulary: offences, priorities, the status workflow and sharing levels.

use crate::auth::roles::Role;
use crate::db::schema::cases;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

crate::string_enum! {
    /// Offence categories: the Budapest Convention's offences, then common cybercrime
    /// types. Extend by adding a variant.
    Offence {
        IllegalAccess => "illegal_access",
        IllegalInterception => "illegal_interception",
        DataInterference => "data_interference",
        SystemInterference => "system_interference",
        MisuseOfDevices => "misuse_of_devices",
        ComputerRelatedForgery => "computer_related_forgery",
        ComputerRelatedFraud => "computer_related_fraud",
        ChildSexualAbuseMaterial => "child_sexual_abuse_material",
        CopyrightInfringement => "copyright_infringement",
        Ransomware => "ransomware",
        BusinessEmailCompromise => "business_email_compromise",
        OnlineFraud => "online_fraud",
        Sextortion => "sextortion",
        Phishing => "phishing",
        IdentityTheft => "identity_theft",
        Cyberstalking => "cyberstalking",
        DenialOfService => "denial_of_service",
    }
}

crate::string_enum! {
    Priority {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

crate::string_enum! {
    CaseStatus {
        Open => "open",
        UnderInvestigation => "under_investigation",
        ReferredToProsecution => "referred_to_prosecution",
        Charged => "charged",
        Closed => "closed",
        Archived => "archived",
    }
}

crate::string_enum! {
    /// What a participant agency may do in a shared case.
    Access {
        /// See the case and its evidence.
        Read => "read",
        /// Also register evidence and record custody.
        Contribute => "contribute",
    }
}

/// The caller's agency's standing in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Owner,
    Contribute,
    Read,
}

/// Stored in `case_participants.access` for the owning agency's own row: one table
/// answers "which cases may this agency see", for owners and participants alike.
pub const OWNER_ACCESS: &str = "owner";

impl Standing {
    pub fn from_access(access: Access) -> Standing {
        match access {
            Access::Read => Standing::Read,
            Access::Contribute => Standing::Contribute,
        }
    }

    /// Reads `case_participants.access`.
    pub fn from_stored(access: &str) -> Option<Standing> {
        if access == OWNER_ACCESS {
            Some(Standing::Owner)
        } else {
            Access::parse(access).map(Standing::from_access)
        }
    }
}

/// Roles that work with case content at all. Auditors and administrators never see it.
pub const CASE_ROLES: [Role; 4] = [
    Role::Investigator,
    Role::Supervisor,
    Role::Prosecutor,
    Role::CentralAuthority,
];

/// Who may move a case from one status to another.
pub struct Transition {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub roles: &'static [Role],
    /// When true, only the owning agency's users may make it; otherwise any agency
    /// that sees the case (a participating prosecution service).
    pub owner_only: bool,
}

use CaseStatus::*;

pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: Open,
        to: UnderInvestigation,
        roles: &[Role::Investigator, Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: Open,
        to: Closed,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: UnderInvestigation,
        to: ReferredToProsecution,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: UnderInvestigation,
        to: Closed,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: ReferredToProsecution,
        to: Charged,
        roles: &[Role::Prosecutor],
        owner_only: false,
    },
    Transition {
        from: ReferredToProsecution,
        to: UnderInvestigation,
        roles: &[Role::Prosecutor, Role::Supervisor],
        owner_only: false,
    },
    Transition {
        from: Charged,
        to: Closed,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: Closed,
        to: UnderInvestigation,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: Closed,
        to: Archived,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
    Transition {
        from: Archived,
        to: Closed,
        roles: &[Role::Supervisor],
        owner_only: true,
    },
];

pub fn transition(from: CaseStatus, to: CaseStatus) -> Option<&'static Transition> {
    TRANSITIONS.iter().find(|t| t.from == from && t.to == to)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: String,
    pub reference: String,
    pub owner_agency_id: String,
    pub owner_country: String,
    pub title: String,
    pub summary: String,
    pub offences: String,
    pub priority: String,
    pub status: String,
    pub lead_investigator_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl CaseRow {
    pub fn status(&self) -> CaseStatus {
        CaseStatus::parse(&self.status).unwrap_or(CaseStatus::Open)
    }

    pub fn etag(&self) -> String {
        etag(self.version)
    }
}

pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Case {
    pub id: String,
    /// Gapless per country and year, such as `JM-2026-000042`.
    #[schema(example = "JM-2026-000042")]
    pub reference: String,
    pub owner_agency_id: String,
    pub owner_country: String,
    pub title: String,
    pub summary: String,
    pub offences: Vec<Offence>,
    pub priority: Priority,
    pub status: CaseStatus,
    pub lead_investigator_id: Option<String>,
    pub created_by: String,
    pub created_at: UtcTimestamp,
    pub updated_at: UtcTimestamp,
    /// Increases with every change; the ETag is derived from it.
    pub version: i32,
}

impl From<CaseRow> for Case {
    fn from(row: CaseRow) -> Case {
        Case {
            offences: decode_offences(&row.offences),
            priority: Priority::parse(&row.priority).unwrap_or(Priority::Medium),
            status: row.status(),
            id: row.id,
            reference: row.reference,
            owner_agency_id: row.owner_agency_id,
            owner_country: row.owner_country,
            title: row.title,
            summary: row.summary,
            lead_investigator_id: row.lead_investigator_id,
            created_by: row.created_by,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            version: row.version,
        }
    }
}

pub fn encode_offences(offences: &[Offence]) -> String {
    let mut sorted = offences.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn decode_offences(stored: &str) -> Vec<Offence> {
    stored.split(',').filter_map(Offence::parse).collect()
}

pub fn reference(country: &str, year: i32, number: i32) -> String {
    format!("{country}-{year}-{number:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_zero_padded() {
        assert_eq!(reference("JM", 2026, 42), "JM-2026-000042");
    }

    #[test]
    fn every_transition_is_between_distinct_states_and_unique() {
        for (i, t) in TRANSITIONS.iter().enumerate() {
            assert_ne!(t.from, t.to);
            assert!(!t.roles.is_empty());
            assert!(
                TRANSITIONS[i + 1..]
                    .iter()
                    .all(|u| (u.from, u.to) != (t.from, t.to))
            );
        }
        assert!(transition(Open, Charged).is_none());
        assert!(transition(Archived, Open).is_none());
    }

    #[test]
    fn offences_round_trip() {
        let stored = encode_offences(&[
            Offence::Ransomware,
            Offence::IllegalAccess,
            Offence::Ransomware,
        ]);
        assert_eq!(stored, "illegal_access,ransomware");
        assert_eq!(
            decode_offences(&stored),
            vec![Offence::IllegalAccess, Offence::Ransomware]
        );
    }
}
