//! A request's lifecycle as events, each an entry of the signed log (custody log spec
//! §5): who may record which event, from which state, and what the entry says.

use super::request::{MlaRequestRow, RequestContent, RequestStatus};
use crate::db::schema::request_entries;
use crate::error::{ApiError, FieldError};
use crate::ledger::Actor;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

crate::string_enum! {
    /// The events a request's history records so far.
    RequestEventType {
        /// A prosecutor of the requesting state approves the complete draft.
        Approved => "approved",
        /// The requesting state's central authority sends it; its content is frozen.
        Submitted => "submitted",
        /// The requester withdraws it, at any time before it is closed.
        Withdrawn => "withdrawn",
    }
}

impl RequestEventType {
    /// The state the event leads to.
    pub fn leads_to(self) -> RequestStatus {
        match self {
            RequestEventType::Approved => RequestStatus::Approved,
            RequestEventType::Submitted => RequestStatus::Submitted,
            RequestEventType::Withdrawn => RequestStatus::Withdrawn,
        }
    }

    /// Whether the event may follow a request in `status`.
    pub fn may_follow(self, status: RequestStatus) -> bool {
        match self {
            RequestEventType::Approved => status == RequestStatus::Draft,
            RequestEventType::Submitted => status == RequestStatus::Approved,
            RequestEventType::Withdrawn => {
                !matches!(status, RequestStatus::Closed | RequestStatus::Withdrawn)
            }
        }
    }
}

/// An event to record, as a request describes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestEvent {
    #[serde(rename = "type")]
    pub event_type: RequestEventType,
    /// Why: required to withdraw.
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: Option<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub note: Option<String>,
}

impl NewRequestEvent {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        for (field, value) in [("reason", &self.reason), ("note", &self.note)] {
            if value
                .as_deref()
                .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 5000)
            {
                errors.push(FieldError::new(field, "must be 1 to 5000 characters"));
            }
        }
        if self.event_type == RequestEventType::Withdrawn && self.reason.is_none() {
            errors.push(FieldError::new(
                "reason",
                "is required to withdraw a request",
            ));
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
    for (key, value) in [("reason", &event.reason), ("note", &event.note)] {
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
