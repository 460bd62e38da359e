//! Case vocabulary: offences, priorities, the status workflow and sharing levels.

use crate::auth::roles::Role;
use crate::db::schema::{agencies, case_external_refs, case_participants, cases};
use crate::error::{ApiError, FieldError};
use crate::reply::Reply;
use crate::time::UtcTimestamp;
use actix_web::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// A case with an agency's standing in it: what a caller whose agency has that
/// standing may see.
#[derive(Debug, Clone)]
pub struct Visible {
    pub case: CaseRow,
    pub standing: Standing,
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
        crate::input::version_tag(self.version)
    }
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

/// A case as one caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    /// The caller's agency's standing: the owner, or a participant with this access.
    pub access: Standing,
}

impl CaseView {
    pub fn new(row: CaseRow, standing: Standing) -> CaseView {
        CaseView {
            case: Case::from(row),
            access: standing,
        }
    }

    /// The reply that carries it, with its ETag (and Location when just created).
    pub fn reply(&self, status: StatusCode) -> Reply {
        let reply = Reply::json(status, self).etag(crate::input::version_tag(self.case.version));
        if status == StatusCode::CREATED {
            reply.location(format!("/api/v1/cases/{}", self.case.id))
        } else {
            reply
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: String,
    #[schema(min_items = 1)]
    pub offences: Vec<Offence>,
    pub priority: Priority,
    /// An investigator or supervisor of the caller's agency; defaults to the caller
    /// when they are an investigator.
    #[schema(format = Uuid)]
    pub lead_investigator_id: Option<String>,
}

/// A text member that must hold 1 to `max` characters once trimmed.
fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let len = value.trim().chars().count();
    if len == 0 || len > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
}

impl NewCase {
    /// Every problem of its fields at once.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        check_text(&mut errors, "title", &self.title, 300);
        check_text(&mut errors, "summary", &self.summary, 20_000);
        if self.offences.is_empty() {
            errors.push(FieldError::new(
                "offences",
                "must name at least one offence",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: Option<String>,
    #[schema(min_items = 1)]
    pub offences: Option<Vec<Offence>>,
    pub priority: Option<Priority>,
    #[schema(format = Uuid)]
    pub lead_investigator_id: Option<String>,
    /// Move the case along its workflow.
    pub status: Option<CaseStatus>,
    /// Required when referring to prosecution: that agency gets read access.
    #[schema(format = Uuid)]
    pub prosecution_agency_id: Option<String>,
    /// Why the status changes (kept in the audit trail).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

impl CasePatch {
    /// Every problem of its fields at once.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if let Some(t) = &self.title {
            check_text(&mut errors, "title", t, 300);
        }
        if let Some(s) = &self.summary {
            check_text(&mut errors, "summary", s, 20_000);
        }
        if self.offences.as_ref().is_some_and(Vec::is_empty) {
            errors.push(FieldError::new(
                "offences",
                "must name at least one offence",
            ));
        }
        let referral = self.status == Some(CaseStatus::ReferredToProsecution);
        match (&self.prosecution_agency_id, referral) {
            (Some(_), false) => errors.push(FieldError::new(
                "prosecution_agency_id",
                "is only for a referral to prosecution",
            )),
            (None, true) => errors.push(FieldError::new(
                "prosecution_agency_id",
                "is required for a referral",
            )),
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// Whether it changes the case's fields (not only its status).
    pub fn edits_fields(&self) -> bool {
        self.title.is_some()
            || self.summary.is_some()
            || self.offences.is_some()
            || self.priority.is_some()
            || self.lead_investigator_id.is_some()
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// Owning country (ISO 3166-1 alpha-2).
    #[param(pattern = "^[A-Z]{2}$")]
    pub owner_country: Option<String>,
    pub offence: Option<Offence>,
    pub priority: Option<Priority>,
    /// Cases this agency participates in.
    #[param(format = Uuid)]
    pub participant_agency: Option<String>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Text in the reference or title (case-insensitive).
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// `SYSTEM:ID` of a national case system.
    #[param(max_length = 265, pattern = "^[A-Za-z0-9._-]{1,64}:.+$")]
    pub external_ref: Option<String>,
}

impl CaseFilter {
    /// The national system's reference the filter names, if any.
    pub fn system_ref(&self) -> Result<Option<SystemRef>, ApiError> {
        let Some(r) = &self.external_ref else {
            return Ok(None);
        };
        let (system, id) = r
            .split_once(':')
            .ok_or_else(|| ApiError::validation("external_ref", "must be SYSTEM:ID"))?;
        Ok(Some(SystemRef {
            system: system.to_owned(),
            external_id: id.to_owned(),
        }))
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    #[schema(format = Uuid)]
    pub agency_id: String,
    pub access: Access,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub agency_id: String,
    pub agency_name: String,
    pub country: String,
    pub access: Access,
    pub granted_by: String,
    pub granted_at: UtcTimestamp,
}

impl From<ParticipantRow> for Participant {
    fn from(row: ParticipantRow) -> Participant {
        Participant {
            access: Access::parse(&row.access).unwrap_or(Access::Read),
            agency_id: row.agency_id,
            agency_name: row.agency_name,
            country: row.country,
            granted_by: row.granted_by,
            granted_at: row.granted_at.into(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExternalRef {
    /// The national case system, such as `jm-cms`.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub system: String,
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: String,
}

impl NewExternalRef {
    /// Every problem of its fields at once; the reference as it is stored.
    pub fn check(&self) -> Result<SystemRef, ApiError> {
        let mut errors = Vec::new();
        let system_ok = (1..=64).contains(&self.system.len())
            && self
                .system
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !system_ok {
            errors.push(FieldError::new(
                "system",
                "must be 1 to 64 letters, digits, '-', '_' or '.'",
            ));
        }
        check_text(&mut errors, "external_id", &self.external_id, 200);
        if errors.is_empty() {
            Ok(SystemRef {
                system: self.system.clone(),
                external_id: self.external_id.trim().to_owned(),
            })
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalRef {
    pub system: String,
    pub external_id: String,
    pub created_by: String,
    pub created_at: UtcTimestamp,
}

impl From<ExternalRefRow> for ExternalRef {
    fn from(row: ExternalRefRow) -> ExternalRef {
        ExternalRef {
            system: row.system,
            external_id: row.external_id,
            created_by: row.created_by,
            created_at: row.created_at.into(),
        }
    }
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

/// A national system's reference: `SYSTEM:ID`.
#[derive(Debug, Clone)]
pub struct SystemRef {
    pub system: String,
    pub external_id: String,
}

/// A participant with its agency, as listed.
#[derive(Queryable, Selectable)]
#[diesel(table_name = case_participants)]
pub struct ParticipantRow {
    pub agency_id: String,
    #[diesel(select_expression = agencies::name)]
    pub agency_name: String,
    #[diesel(select_expression = agencies::country_code)]
    pub country: String,
    pub access: String,
    pub granted_by: String,
    pub granted_at: NaiveDateTime,
}

/// A reference of a case in a national system.
#[derive(Queryable, Selectable)]
#[diesel(table_name = case_external_refs)]
pub struct ExternalRefRow {
    pub system: String,
    pub external_id: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// The event national systems hear of a change to a case (`case.<what>`).
pub fn case_event(what: &str, case_id: &str) -> crate::ledger::Emit {
    crate::ledger::Emit::new(
        format!("case.{what}"),
        "case",
        case_id,
        format!("/api/v1/cases/{case_id}"),
    )
}
