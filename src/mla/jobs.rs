//! Recording a request's events as a kind of ledger work: each event is an entry of
//! the signed log, chained to the request's previous one, committed with its audit
//! entry and covered by the batch's checkpoint.

use super::access;
use super::basis::RequestField;
use super::deadlines::{DueDates, due_dates};
use super::events::{
    NewRequestEvent, RequestEntryRow, RequestEvent, RequestEventType, entry_members,
};
use super::queries;
use super::request::MlaRequestRow;
use crate::auth::factors::StepUp;
use crate::auth::{Credentials, Principals};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ledger::{Action, Batch, Event, Kind, Loader, Outcome};
use crate::reply::Reply;
use actix_web::http::StatusCode;
use serde_json::json;
use std::collections::HashMap;

/// An event to record for a request.
pub struct Recording {
    pub credentials: Credentials,
    pub request_id: String,
    pub event: NewRequestEvent,
    /// For an event the service records by itself (a delivery): the log's origin,
    /// which stands as its actor; the caller is who caused it.
    pub by_service: Option<String>,
}

/// The kind of request events. Approving and submitting a request ask for a second
/// factor given lately (`step_up`).
pub struct RequestEvents {
    pub step_up: StepUp,
}

impl Kind for RequestEvents {
    type Job = Recording;
    type Loaded = Principals;

    fn loader(&self, jobs: &[&Recording]) -> Option<Loader<Principals>> {
        let sessions = Credentials::sessions(jobs.iter().map(|j| &j.credentials));
        Some(Box::new(move |conn| {
            crate::auth::queries::load_principals(conn, &sessions)
        }))
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        principals: Principals,
        jobs: Vec<Recording>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        // Requests as this batch leaves them: two events of one request in a batch
        // chain one after the other.
        let mut touched: HashMap<String, MlaRequestRow> = HashMap::new();
        let mut entries = Vec::new();
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            results.push(record(
                batch,
                &principals,
                self.step_up,
                &mut touched,
                &mut entries,
                job,
            ));
        }
        queries::insert_entries(batch.conn(), &entries)?;
        for row in touched.values() {
            if !queries::update_request(batch.conn(), row, row.version - 1)? {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "request {} changed under the ledger's lock",
                    row.id
                )));
            }
        }
        Ok(results)
    }
}

/// One event: checked, appended to the log, its request's state moved on. A refusal
/// writes nothing but, for a request the caller may not see or act on, its audit
/// entry.
fn record(
    batch: &mut Batch<'_>,
    principals: &Principals,
    step_up: StepUp,
    touched: &mut HashMap<String, MlaRequestRow>,
    entries: &mut Vec<RequestEntryRow>,
    job: Recording,
) -> ApiResult<Reply> {
    let caller = job.credentials.principal(principals)?;
    let kind = job.event.event_type;
    let mut event = Event::by(Action::MlaRequestEvent, caller, &job.credentials.meta)
        .detail("type", kind.as_str());
    let found = access::visible(batch.conn(), caller, &job.request_id, &mut event)
        .map(|stored| touched.get(&stored.id).cloned().unwrap_or(stored));
    let row = match found.and_then(|row| {
        if job.by_service.is_none() {
            access::may_record(caller, &row, kind)?;
            if matches!(
                kind,
                RequestEventType::Approved | RequestEventType::Submitted
            ) {
                step_up.require(caller)?;
            }
        }
        Ok(row)
    }) {
        Ok(row) => row,
        Err(e) => {
            let refused = event.detail("refused", e.kind().0);
            batch.audit(refused, Outcome::Denied);
            return Err(e);
        }
    };
    let status = row.status();
    if !kind.may_follow(status) {
        return Err(ApiError::Conflict(format!(
            "the request is {}: `{}` cannot follow",
            status.as_str(),
            kind.as_str()
        )));
    }
    if kind == RequestEventType::Approved {
        let missing = missing_fields(batch, &row)?;
        if !missing.is_empty() {
            return Err(ApiError::Validation(
                missing
                    .into_iter()
                    .map(|f| {
                        FieldError::new(
                            f.as_str(),
                            format!("is required by the legal basis {}", row.legal_basis),
                        )
                    })
                    .collect(),
            ));
        }
    }
    let mut next = row.clone();
    match kind {
        RequestEventType::DecisionExtended => {
            let allowed = queries::legal_basis(batch.conn(), &row.legal_basis)?
                .is_some_and(|b| b.decide_extension_days.is_some());
            if !allowed {
                return Err(ApiError::Conflict(format!(
                    "the legal basis {} allows no extension of the decision",
                    row.legal_basis
                )));
            }
            let again = queries::has_event(batch.conn(), &row.id, kind.as_str())?
                || entries
                    .iter()
                    .any(|e| e.request_id == row.id && e.entry_type == kind.as_str());
            if again {
                return Err(ApiError::Conflict(
                    "the decision was extended once already".into(),
                ));
            }
        }
        RequestEventType::Assigned => {
            let agency = job.event.executing_agency_id.as_deref().unwrap_or_default();
            let fits = crate::agencies::find(batch.conn(), agency)?
                .is_some_and(|a| a.country_code == row.requested_country);
            if !fits {
                return Err(ApiError::validation(
                    "executing_agency_id",
                    "must be an agency of the requested state",
                ));
            }
            next.executing_agency_id = Some(agency.to_owned());
        }
        RequestEventType::Acknowledged => {
            if let Some(theirs) = &job.event.their_reference {
                next.their_reference = Some(theirs.trim().to_owned());
            }
        }
        _ => {}
    }
    let actor = crate::ledger::Actor::from(caller);
    let mut members = entry_members(&row, &job.event, &actor);
    if let Some(origin) = &job.by_service {
        let opened_by = members.remove("actor");
        members.insert("actor".into(), json!({"system": origin}));
        if let Some(by) = opened_by {
            members.insert("opened_by".into(), by);
        }
    }
    let now = crate::db::now();
    let head = super::events::ChainHead {
        request_id: &row.id,
        last_seq: row.last_seq,
        last_hash: row.last_hash.as_deref(),
    };
    let stored = super::events::append_entry(batch, head, kind.as_str(), members, now)?;
    let (seq, log_index, entry_hash) = (stored.seq, stored.log_index, stored.entry_hash.clone());
    next.status = kind.leads_to().as_str().to_owned();
    if matches!(
        kind,
        RequestEventType::Accepted | RequestEventType::Refused | RequestEventType::Withdrawn
    ) {
        // Decided: preservations kept while it was decided run out again.
        super::preservations::queries::resume_expiry(batch.conn(), &row.id, now)?;
    }
    let due = due_after(batch, entries, &row, kind, now)?;
    next.acknowledge_by = due.acknowledge_by;
    next.decide_by = due.decide_by;
    next.execute_by = due.execute_by;
    next.last_seq = seq;
    next.last_hash = Some(entry_hash.clone());
    next.updated_at = now;
    if kind == RequestEventType::Submitted {
        next.submitted_at = Some(now);
    }
    // One version step per batch: the stored row is compared with the version read.
    if !touched.contains_key(&row.id) {
        next.version += 1;
    }
    touched.insert(next.id.clone(), next);
    for tally in super::figures::tallies(&row, kind, now) {
        event.tally(tally);
    }
    let event = event
        .detail("seq", seq)
        .detail("log_index", log_index)
        .detail("entry_hash", entry_hash)
        .announcing(crate::ledger::Emit::new(
            format!("mla.{}", kind.as_str()),
            "mla_request",
            &row.id,
            format!("/api/v1/mla/requests/{}", row.id),
        ));
    batch.audit(event, Outcome::Success);
    let view = RequestEvent::from(stored.clone());
    entries.push(stored);
    Ok(Reply::json(StatusCode::CREATED, &view))
}

/// The fields the request's legal basis requires that it leaves empty.
fn missing_fields(batch: &mut Batch<'_>, row: &MlaRequestRow) -> ApiResult<Vec<RequestField>> {
    let required = queries::legal_basis(batch.conn(), &row.legal_basis)?
        .map(|b| super::basis::LegalBasis::from(b).required_fields)
        .unwrap_or_default();
    Ok(row.missing(&row.content(), &required))
}

/// The deadlines running once `kind` is recorded at `now`: the request's history so
/// far (stored, and earlier in this batch) and this event, under its legal basis.
fn due_after(
    batch: &mut Batch<'_>,
    pending: &[RequestEntryRow],
    row: &MlaRequestRow,
    kind: RequestEventType,
    now: chrono::NaiveDateTime,
) -> ApiResult<DueDates> {
    let basis = queries::legal_basis(batch.conn(), &row.legal_basis)?
        .map(|b| super::basis::LegalBasis::from(b).deadlines)
        .unwrap_or_default();
    let stored = queries::entries(batch.conn(), &row.id)?;
    let mut history: Vec<(RequestEventType, chrono::NaiveDateTime)> = stored
        .iter()
        .chain(pending.iter().filter(|e| e.request_id == row.id))
        .filter_map(|e| Some((RequestEventType::parse(&e.entry_type)?, e.created_at)))
        .collect();
    history.push((kind, now));
    let urgency =
        super::request::Urgency::parse(&row.urgency).unwrap_or(super::request::Urgency::Normal);
    Ok(due_dates(&basis, urgency, &history))
}
