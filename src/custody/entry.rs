//! Building custody entries (spec §1) and applying the rules of the chain of custody.

use super::hashes::{Acquired, Comparison};
use super::model::{Custodian, EventType, ItemStatus};
use crate::error::{ApiError, FieldError};
use crate::ledger::Actor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

pub const FORMAT_VERSION: i64 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    #[schema(min_length = 1, max_length = 200)]
    pub number: String,
    /// Such as `intact` or `broken`.
    #[schema(min_length = 1, max_length = 200)]
    pub condition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObservedHash {
    /// `sha-256`, `sha-512`, `sha-1`, `md5` or `blake3`; another spelling of one
    /// (`SHA256`, `sha_256`) is taken as that one and recorded in this spelling.
    #[schema(min_length = 1, max_length = 32, example = "sha-256")]
    pub algorithm: String,
    /// The value in hex, of the algorithm's length (recorded in lower case).
    #[schema(min_length = 32, max_length = 128, pattern = "^[0-9a-fA-F]+$")]
    pub value: String,
}

/// A custody event to record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    /// Any event but `collected`, which registration records.
    #[serde(rename = "type")]
    #[schema(schema_with = appendable_events)]
    pub event: EventType,
    /// The `entry_hash` the client last saw at the head of the chain: when the chain
    /// has moved on, the append is refused (409) instead of landing silently.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub prev: Option<String>,
    /// `transferred`: the receiving agency and custodian.
    #[schema(format = Uuid)]
    pub to_agency_id: Option<String>,
    #[schema(format = Uuid)]
    pub to_custodian_id: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub location: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    /// The legal authority (warrant, order, MLA request) the event happens under.
    #[schema(min_length = 1, max_length = 2000)]
    pub authority: Option<String>,
    pub seal: Option<Seal>,
    /// A hash observed now (`hash_verified`, `copied`).
    pub hash: Option<ObservedHash>,
    /// `correction`: the `seq` being corrected.
    #[schema(minimum = 0)]
    pub corrects_seq: Option<i64>,
    /// Free JSON object; integers only, no fractional numbers.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

/// The schema of the events an append may record.
fn appendable_events() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(
            EventType::ALL
                .iter()
                .filter(|e| !e.recorded_by_service())
                .map(|e| e.as_str()),
        ))
        .build()
}

/// What the rules need to know about an item: its custody state and chain head.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    pub status: ItemStatus,
    pub custodian: Option<Custodian>,
    pub pending: Option<Custodian>,
    /// The agency that holds the item, or last held it.
    pub holder: Option<String>,
    /// The hashes taken at acquisition, that checks compare with.
    pub acquired: Acquired,
    pub integrity_alert: bool,
    /// `seq` of the last entry (-1 before the first).
    pub last_seq: i64,
    pub last_hash: Option<String>,
}

impl ItemState {
    pub fn new(acquired: Acquired) -> ItemState {
        ItemState {
            status: ItemStatus::InCustody,
            custodian: None,
            pending: None,
            holder: None,
            acquired,
            integrity_alert: false,
            last_seq: -1,
            last_hash: None,
        }
    }
}

fn rule(message: impl Into<String>) -> ApiError {
    ApiError::CustodyRule(message.into())
}

fn required<'a, T>(value: &'a Option<T>, field: &str, event: EventType) -> Result<&'a T, ApiError> {
    value.as_ref().ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            field,
            format!("is required for {}", event.as_str()),
        )])
    })
}

/// Checks of the circumstances an entry records: where, why, under what authority,
/// and its free details.
fn circumstances(
    location: &Option<String>,
    reason: &Option<String>,
    authority: &Option<String>,
    details: &Option<Value>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, value) in [
        ("location", location),
        ("reason", reason),
        ("authority", authority),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 2000)
        {
            errors.push(FieldError::new(field, "must be 1 to 2000 characters"));
        }
    }
    if let Some(details) = details {
        if !details.is_object() {
            errors.push(FieldError::new("details", "must be a JSON object"));
        } else if details.to_string().len() > 64 * 1024 {
            errors.push(FieldError::new("details", "must be at most 64 KiB"));
        }
    }
    errors
}

/// The checks of an item's first entry (`collected`).
pub fn check_circumstances(first: &FirstEntry) -> Vec<FieldError> {
    circumstances(
        &first.location,
        &first.reason,
        &first.authority,
        &first.details,
    )
}

/// Field checks that need no state (lengths, hashes, details), every problem at once;
/// a hash's algorithm is then written in its canonical spelling and its value in
/// lower case.
pub fn check(req: &mut NewEntry) -> Result<(), ApiError> {
    let mut errors = circumstances(&req.location, &req.reason, &req.authority, &req.details);
    if let Some(h) = &mut req.hash {
        match super::hashes::written(&h.algorithm, &h.value) {
            Ok((algorithm, value)) => {
                h.algorithm = algorithm.to_owned();
                h.value = value;
            }
            Err(refusal @ super::hashes::Refusal::Algorithm) => {
                errors.push(FieldError::new("hash.algorithm", refusal.message()))
            }
            Err(refusal) => errors.push(FieldError::new("hash.value", refusal.message())),
        }
    }
    if req.event.recorded_by_service() {
        errors.push(FieldError::new(
            "type",
            format!(
                "{} is recorded by the service (when the item is registered, or its content stored or downloaded)",
                req.event.as_str()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn custodian_value(c: &Option<Custodian>) -> Value {
    match c {
        Some(c) => json!({"user_id": c.user_id, "agency_id": c.agency_id}),
        None => Value::Null,
    }
}

/// The members every entry begins with: format, type, who, and the custodian before
/// and after.
fn header(
    event: EventType,
    actor: &Actor,
    before: &Option<Custodian>,
    after: &Option<Custodian>,
) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("v".into(), json!(FORMAT_VERSION));
    entry.insert("type".into(), json!(event.as_str()));
    entry.insert(
        "actor".into(),
        json!({"user_id": actor.user_id, "agency_id": actor.agency_id, "country": actor.country}),
    );
    entry.insert("custodian_before".into(), custodian_value(before));
    entry.insert("custodian_after".into(), custodian_value(after));
    entry
}

/// What the service records of an item's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentEvent {
    /// The holder stored the item's bytes.
    Stored { sha256: String, size_bytes: u64 },
    /// Someone who may see the item downloaded its bytes: all of them, or the range
    /// `first..=last`.
    Downloaded { range: Option<(u64, u64)> },
}

/// The entry of a content event: content is stored while the item is held (not in
/// transit, not after it was released, returned or destroyed); a download is noted
/// whatever the item's state. Neither changes who holds it.
pub fn content(
    state: &ItemState,
    event: &ContentEvent,
    actor: &Actor,
) -> Result<Applied, ApiError> {
    let (kind, members) = match event {
        ContentEvent::Stored { sha256, size_bytes } => {
            if state.status.is_final() {
                return Err(rule(format!(
                    "the item was {}: no content is stored for it",
                    state.status.as_str()
                )));
            }
            if state.status == ItemStatus::InTransit {
                return Err(rule(
                    "the item is in transit: its content is stored by the agency that holds it",
                ));
            }
            (
                EventType::ContentStored,
                json!({"content": {"sha256": sha256, "size_bytes": size_bytes}}),
            )
        }
        ContentEvent::Downloaded { range } => (
            EventType::ContentDownloaded,
            match range {
                Some((first, last)) => json!({"range": format!("bytes={first}-{last}")}),
                None => json!({}),
            },
        ),
    };
    let mut entry = header(kind, actor, &state.custodian, &state.custodian);
    if let Value::Object(members) = members {
        entry.extend(members);
    }
    Ok(Applied {
        entry,
        next: state.clone(),
    })
}

/// An event applied to an item: its entry, without `seq`, `prev` and `at` (which the
/// log assigns), and the item's state after it.
#[derive(Debug, Clone)]
pub struct Applied {
    pub entry: Map<String, Value>,
    pub next: ItemState,
}

/// An entry completed with its place in the item's chain, and its canonical (JCS)
/// bytes: what the log commits to.
#[derive(Debug, Clone)]
pub struct SealedEntry {
    pub value: Value,
    pub canonical: String,
}

/// Applies one event to an item: checks the rules and returns the entry and the
/// item's next state.
pub fn apply(state: &ItemState, req: &NewEntry, actor: &Actor) -> Result<Applied, ApiError> {
    use EventType::*;
    let event = req.event;
    let mut next = state.clone();
    let me = Custodian {
        user_id: actor.user_id.clone(),
        agency_id: actor.agency_id.clone(),
    };
    if req.prev.is_some() && req.prev != state.last_hash {
        return Err(ApiError::StaleChain);
    }
    let annotation = matches!(event, Note | Correction);
    if state.status.is_final() && !annotation {
        return Err(rule(format!(
            "the item was {}: only notes and corrections may follow",
            state.status.as_str()
        )));
    }
    if state.status == ItemStatus::InTransit && !annotation && event != Received {
        return Err(rule(
            "the item is in transit: the receiving agency must record received first",
        ));
    }
    if state.status == ItemStatus::CheckedOut
        && matches!(
            event,
            Transferred | Released | Returned | Destroyed | CheckedOut | SharedAbroad
        )
    {
        return Err(rule("the item is checked out: check it in before it moves"));
    }
    let mut hash_mismatch = None;
    match event {
        Collected | ContentStored | ContentDownloaded => {
            return Err(rule(format!(
                "{} is recorded by the service",
                event.as_str()
            )));
        }
        Transferred => {
            let agency = required(&req.to_agency_id, "to_agency_id", event)?;
            let custodian = required(&req.to_custodian_id, "to_custodian_id", event)?;
            next.status = ItemStatus::InTransit;
            next.pending = Some(Custodian {
                user_id: custodian.clone(),
                agency_id: agency.clone(),
            });
        }
        Received => {
            let pending = state
                .pending
                .as_ref()
                .filter(|_| state.status == ItemStatus::InTransit)
                .ok_or_else(|| rule("no transfer of this item is awaiting receipt"))?;
            if pending.agency_id != actor.agency_id {
                return Err(rule(
                    "only the agency the item was sent to records its receipt",
                ));
            }
            next.status = ItemStatus::InCustody;
            next.pending = None;
            next.custodian = Some(me.clone());
            next.holder = Some(actor.agency_id.clone());
        }
        CheckedOut => {
            next.status = ItemStatus::CheckedOut;
            next.custodian = Some(me.clone());
        }
        CheckedIn => {
            if state.status != ItemStatus::CheckedOut {
                return Err(rule("the item is not checked out"));
            }
            next.status = ItemStatus::InCustody;
            next.custodian = Some(me.clone());
        }
        HashVerified => {
            // Compared with the acquisition hash of the same algorithm (spec §8); a
            // check with nothing to compare with records no verdict of its own.
            let observed = required(&req.hash, "hash", event)?;
            hash_mismatch = match state.acquired.compare(&observed.algorithm, &observed.value) {
                Comparison::Match => Some(false),
                Comparison::Mismatch { .. } => Some(true),
                Comparison::NotComparable => None,
            };
            if hash_mismatch == Some(true) {
                next.integrity_alert = true;
            }
        }
        Sealed => {
            required(&req.seal, "seal", event)?;
        }
        Correction => {
            let corrected = *required(&req.corrects_seq, "corrects_seq", event)?;
            if corrected < 0 || corrected > state.last_seq {
                return Err(ApiError::validation(
                    "corrects_seq",
                    "must name an existing entry of this item",
                ));
            }
            required(&req.reason, "reason", event)?;
        }
        Released | Returned | Destroyed => {
            next.status = match event {
                Released => ItemStatus::Released,
                Returned => ItemStatus::Returned,
                _ => ItemStatus::Destroyed,
            };
            next.custodian = None;
        }
        Analysed | Copied | SharedAbroad | Note => {}
    }
    let mut entry = header(event, actor, &state.custodian, &next.custodian);
    let optional: [(&str, Option<Value>); 9] = [
        ("to_agency_id", req.to_agency_id.clone().map(Value::from)),
        (
            "to_custodian_id",
            req.to_custodian_id.clone().map(Value::from),
        ),
        ("location", req.location.clone().map(Value::from)),
        ("reason", req.reason.clone().map(Value::from)),
        ("authority", req.authority.clone().map(Value::from)),
        (
            "seal",
            req.seal
                .as_ref()
                .map(|s| json!({"number": s.number, "condition": s.condition})),
        ),
        (
            "hash",
            req.hash
                .as_ref()
                .map(|h| json!({"algorithm": h.algorithm, "value": h.value})),
        ),
        ("corrects_seq", req.corrects_seq.map(Value::from)),
        ("details", req.details.clone()),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            entry.insert(key.into(), value);
        }
    }
    if let Some(mismatch) = hash_mismatch {
        entry.insert("hash_mismatch".into(), json!(mismatch));
    }
    Ok(Applied { entry, next })
}

/// Completes an entry with its place in the item's chain and the time.
pub fn seal_entry(
    mut entry: Map<String, Value>,
    evidence_id: &str,
    seq: i64,
    prev: Option<&str>,
    at: &str,
) -> Result<SealedEntry, ApiError> {
    entry.insert("evidence_id".into(), json!(evidence_id));
    entry.insert("seq".into(), json!(seq));
    entry.insert("prev".into(), json!(prev));
    entry.insert("at".into(), json!(at));
    let value = Value::Object(entry);
    let canonical = crate::jcs::to_string(&value)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("canonicalising an entry: {e}")))?;
    Ok(SealedEntry { value, canonical })
}

/// The first entry of an item, written when it is registered: `collected`, with the
/// evidence record it commits to (including the acquisition hash).
pub fn collected(evidence: Value, actor: &Actor, first: &FirstEntry) -> Applied {
    let me = Custodian {
        user_id: actor.user_id.clone(),
        agency_id: actor.agency_id.clone(),
    };
    let mut state = ItemState::new(Acquired::of_record(&evidence));
    let mut entry = header(EventType::Collected, actor, &None, &Some(me.clone()));
    entry.insert("evidence".into(), evidence);
    for (key, value) in [
        ("location", first.location.clone()),
        ("reason", first.reason.clone()),
        ("authority", first.authority.clone()),
    ] {
        if let Some(value) = value {
            entry.insert(key.into(), json!(value));
        }
    }
    if let Some(details) = &first.details {
        entry.insert("details".into(), details.clone());
    }
    state.custodian = Some(me);
    state.holder = Some(actor.agency_id.clone());
    Applied { entry, next: state }
}

/// Where, why and under what authority an item was collected.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstEntry {
    #[schema(min_length = 1, max_length = 2000)]
    pub location: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub authority: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}
