//! A request's lifecycle as events, each an entry of the signed log (custody log spec
//! §5): who may record which event, from which state, and what the entry says.

use super::request::{MlaRequestRow, RequestContent, RequestStatus};
use crate::db::schema::request_entries;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ledger::Actor;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

crate::string_enum! {
    /// The events of a request's history.
    RequestEventType {
        /// A prosecutor of the requesting state approves the complete draft.
        Approved => "approved",
        /// The requesting state's central authority sends it; its content is frozen.
        Submitted => "submitted",
        /// Recorded by the service the first time the requested state's central
        /// authority opens the request.
        Delivered => "delivered",
        /// The requested state's central authority confirms receipt, with its own
        /// reference.
        Acknowledged => "acknowledged",
        /// The requested state asks for more information before it decides.
        InformationRequested => "information_requested",
        /// The requesting state supplies it.
        InformationSupplied => "information_supplied",
        Accepted => "accepted",
        /// Refused, with the grounds.
        Refused => "refused",
        /// Postponed, with the reason and until when.
        Postponed => "postponed",
        /// The decision's deadline is extended once, with reasons, where the legal
        /// basis allows an extension.
        DecisionExtended => "decision_extended",
        /// Assigned to an executing agency of the requested state.
        Assigned => "assigned",
        PartiallyExecuted => "partially_executed",
        Executed => "executed",
        Closed => "closed",
        /// The requester withdraws it, at any time before it is closed.
        Withdrawn => "withdrawn",
    }
}

impl RequestEventType {
    /// The state the event leads to.
    pub fn leads_to(self) -> RequestStatus {
        use RequestEventType as E;
        use RequestStatus as S;
        match self {
            E::Approved => S::Approved,
            E::Submitted => S::Submitted,
            E::Delivered => S::Delivered,
            E::Acknowledged | E::InformationSupplied | E::DecisionExtended => S::Acknowledged,
            E::InformationRequested => S::InformationRequested,
            E::Accepted => S::Accepted,
            E::Refused => S::Refused,
            E::Postponed => S::Postponed,
            E::Assigned => S::InExecution,
            E::PartiallyExecuted => S::PartiallyExecuted,
            E::Executed => S::Executed,
            E::Closed => S::Closed,
            E::Withdrawn => S::Withdrawn,
        }
    }

    /// Whether the event may follow a request in `status`.
    pub fn may_follow(self, status: RequestStatus) -> bool {
        use RequestEventType as E;
        use RequestStatus as S;
        match self {
            E::Approved => status == S::Draft,
            E::Submitted => status == S::Approved,
            E::Delivered => status == S::Submitted,
            E::Acknowledged => matches!(status, S::Submitted | S::Delivered),
            E::InformationRequested | E::DecisionExtended => status == S::Acknowledged,
            E::InformationSupplied => status == S::InformationRequested,
            E::Accepted | E::Refused => matches!(status, S::Acknowledged | S::Postponed),
            E::Postponed => status == S::Acknowledged,
            E::Assigned => status == S::Accepted,
            E::PartiallyExecuted => status == S::InExecution,
            E::Executed => matches!(status, S::InExecution | S::PartiallyExecuted),
            E::Closed => matches!(status, S::Executed | S::Refused),
            E::Withdrawn => !matches!(status, S::Closed | S::Withdrawn),
        }
    }

    /// Whether the requested state records it (its central authority, or the
    /// executing agency for execution).
    pub fn by_requested_state(self) -> bool {
        use RequestEventType as E;
        matches!(
            self,
            E::Acknowledged
                | E::InformationRequested
                | E::Accepted
                | E::Refused
                | E::Postponed
                | E::DecisionExtended
                | E::Assigned
                | E::PartiallyExecuted
                | E::Executed
        )
    }
}

/// An event to record, as a request describes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestEvent {
    #[serde(rename = "type")]
    pub event_type: RequestEventType,
    /// Why: required to withdraw, postpone, extend a decision, or to ask for or supply
    /// information.
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: Option<String>,
    /// The grounds of a refusal (required to refuse).
    #[schema(min_length = 1, max_length = 5000)]
    pub grounds: Option<String>,
    /// Until when a decision is postponed, `YYYY-MM-DD` (required to postpone).
    #[schema(format = Date)]
    pub until: Option<String>,
    /// The requested state's own reference (with `acknowledged`).
    #[schema(min_length = 1, max_length = 100)]
    pub their_reference: Option<String>,
    /// The agency of the requested state that executes the request (required to
    /// assign).
    #[schema(format = Uuid)]
    pub executing_agency_id: Option<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub note: Option<String>,
}

impl NewRequestEvent {
    /// An event with no further members.
    pub fn of(event_type: RequestEventType) -> NewRequestEvent {
        NewRequestEvent {
            event_type,
            reason: None,
            grounds: None,
            until: None,
            their_reference: None,
            executing_agency_id: None,
            note: None,
        }
    }

    pub fn check(&self) -> Result<(), ApiError> {
        use RequestEventType as E;
        let mut errors = Vec::new();
        for (field, value) in [
            ("reason", &self.reason),
            ("grounds", &self.grounds),
            ("note", &self.note),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 5000)
            {
                errors.push(FieldError::new(field, "must be 1 to 5000 characters"));
            }
        }
        if self
            .their_reference
            .as_deref()
            .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 100)
        {
            errors.push(FieldError::new(
                "their_reference",
                "must be 1 to 100 characters",
            ));
        }
        if self
            .until
            .as_deref()
            .is_some_and(|d| crate::time::FullDate::parse(d).is_none())
        {
            errors.push(FieldError::new("until", crate::time::DATE_RULE));
        }
        let needs = |field: &str, value: bool, errors: &mut Vec<FieldError>| {
            if !value {
                errors.push(FieldError::new(
                    field,
                    format!("is required for `{}`", self.event_type.as_str()),
                ));
            }
        };
        match self.event_type {
            E::Withdrawn
            | E::Postponed
            | E::DecisionExtended
            | E::InformationRequested
            | E::InformationSupplied => needs("reason", self.reason.is_some(), &mut errors),
            E::Refused => needs("grounds", self.grounds.is_some(), &mut errors),
            E::Assigned => needs(
                "executing_agency_id",
                self.executing_agency_id.is_some(),
                &mut errors,
            ),
            _ => {}
        }
        if self.event_type == E::Postponed {
            needs("until", self.until.is_some(), &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// The SHA-256 of a request's content as submitted: the entry commits to exactly
/// what was sent.
pub fn content_sha256(row: &MlaRequestRow, content: &RequestContent) -> String {
    let sent = json!({
        "reference": row.reference,
        "case_id": row.case_id,
        "requesting_agency_id": row.requesting_agency_id,
        "requesting_country": row.requesting_country,
        "requested_country": row.requested_country,
        "legal_basis": row.legal_basis,
        "urgency": row.urgency,
        "wanted_by": row.wanted_by,
        "content": content,
    });
    let canonical = crate::jcs::to_string(&sent).expect("request content canonicalises");
    crate::ledger::sha256_hex(canonical.as_bytes())
}

/// The members of an event's entry before its place in the chain (spec §1 and §5).
pub fn entry_members(
    row: &MlaRequestRow,
    event: &NewRequestEvent,
    actor: &Actor,
) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("v".into(), json!(crate::ledger::FORMAT_VERSION));
    entry.insert("type".into(), json!(event.event_type.as_str()));
    entry.insert(
        "actor".into(),
        json!({"user_id": actor.user_id, "agency_id": actor.agency_id, "country": actor.country}),
    );
    entry.insert("reference".into(), json!(row.reference));
    entry.insert("status_before".into(), json!(row.status));
    entry.insert(
        "status_after".into(),
        json!(event.event_type.leads_to().as_str()),
    );
    if event.event_type == RequestEventType::Submitted {
        entry.insert("requested_country".into(), json!(row.requested_country));
        entry.insert("legal_basis".into(), json!(row.legal_basis));
        entry.insert(
            "content_sha256".into(),
            json!(content_sha256(row, &row.content())),
        );
    }
    for (key, value) in [
        ("reason", &event.reason),
        ("grounds", &event.grounds),
        ("until", &event.until),
        ("their_reference", &event.their_reference),
        ("executing_agency_id", &event.executing_agency_id),
        ("note", &event.note),
    ] {
        if let Some(v) = value {
            entry.insert(key.into(), json!(v.trim()));
        }
    }
    entry
}

/// An entry of a request's history as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_entries)]
pub struct RequestEntryRow {
    pub log_index: i64,
    pub request_id: String,
    pub seq: i32,
    pub entry_type: String,
    pub canonical: String,
    pub entry_hash: String,
    pub created_at: NaiveDateTime,
}

/// An event of a request's history: the entry as committed to the log, and where.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestEvent {
    pub seq: i32,
    #[serde(rename = "type")]
    pub event_type: String,
    pub at: UtcTimestamp,
    /// Its leaf in the signed log.
    pub log_index: i64,
    /// SHA-256 of `entry`'s canonical bytes (JCS).
    pub entry_hash: String,
    /// The entry itself (custody log spec §5).
    #[schema(value_type = Object)]
    pub entry: Value,
}

impl From<RequestEntryRow> for RequestEvent {
    fn from(row: RequestEntryRow) -> RequestEvent {
        RequestEvent {
            seq: row.seq,
            event_type: row.entry_type,
            at: row.created_at.into(),
            log_index: row.log_index,
            entry_hash: row.entry_hash,
            entry: serde_json::from_str(&row.canonical).unwrap_or(Value::Null),
        }
    }
}

/// Completes an entry with its place in the request's chain and the time; its
/// canonical text (JCS).
pub fn seal(
    mut members: serde_json::Map<String, serde_json::Value>,
    request_id: &str,
    seq: i32,
    prev: Option<&str>,
    at: chrono::NaiveDateTime,
) -> ApiResult<String> {
    members.insert("request_id".into(), json!(request_id));
    members.insert("seq".into(), json!(seq));
    members.insert("prev".into(), json!(prev));
    members.insert("at".into(), json!(crate::ledger::format_at(at)));
    crate::jcs::to_string(&serde_json::Value::Object(members))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("canonicalising an entry: {e}")))
}

/// Where a request's history stands when an entry continues it: the request, the seq
/// of its last entry (-1 before any) and that entry's hash.
pub struct ChainHead<'a> {
    pub request_id: &'a str,
    pub last_seq: i32,
    pub last_hash: Option<&'a str>,
}

/// Seals the next entry of a request's history (custody log spec §5) and appends it
/// to the log as a leaf of the batch: the entry as it is stored. The caller moves its
/// own head on to the entry's `seq` and `entry_hash`.
pub fn append_entry(
    batch: &mut crate::ledger::Batch<'_>,
    head: ChainHead<'_>,
    kind: &str,
    members: serde_json::Map<String, serde_json::Value>,
    at: chrono::NaiveDateTime,
) -> ApiResult<RequestEntryRow> {
    let seq = head.last_seq + 1;
    let sealed = seal(members, head.request_id, seq, head.last_hash, at)?;
    let entry_hash = crate::ledger::sha256_hex(sealed.as_bytes());
    let log_index = batch.append_leaf(sealed.as_bytes()) as i64;
    Ok(RequestEntryRow {
        log_index,
        request_id: head.request_id.to_owned(),
        seq,
        entry_type: kind.to_owned(),
        canonical: sealed,
        entry_hash,
        created_at: at,
    })
}
