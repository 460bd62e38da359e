//! Sending a preservation and recording its events, as a kind of ledger work: each
//! is an entry of the signed log (custody log spec §5), chained to the
//! preservation's previous one and committed with its audit entry. Sending writes
//! the first entry, `requested`, so that when a state asked is provable too.

use super::access;
use super::model::{
    NewPreservation, NewPreservationEvent, Preservation, PreservationEventType, PreservationRow,
    PreservationStatus, reference,
};
use super::queries;
use crate::auth::{Credentials, Principal, Principals};
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Action, Actor, Batch, Event, Kind, Loader, Outcome, Subject};
use crate::mla::basis::{LegalBasis, RequestType};
use crate::mla::events::RequestEntryRow;
use crate::mla::request::RequestStatus;
use crate::observability::RequestMeta;
use crate::reply::Reply;
use actix_web::http::StatusCode;
use chrono::{Datelike, NaiveDateTime};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Work on preservations.
pub enum PreservationJob {
    /// A new preservation request.
    Send {
        credentials: Credentials,
        request: Box<NewPreservation>,
    },
    /// An event of a preservation: by a user, or (`expired`) by the service itself.
    Record {
        by: Recorder,
        preservation_id: String,
        event: Box<NewPreservationEvent>,
    },
}

/// Who records an event.
pub enum Recorder {
    User(Box<Credentials>),
    /// The service itself, under the log's origin (an expiry nobody had to see).
    Service {
        origin: String,
    },
}

/// The kind of preservation work.
#[derive(Default)]
pub struct Preservations;

impl Kind for Preservations {
    type Job = PreservationJob;
    type Loaded = Principals;

    fn loader(&self, jobs: &[&PreservationJob]) -> Option<Loader<Principals>> {
        let sessions = Credentials::sessions(jobs.iter().filter_map(|j| match j {
            PreservationJob::Send { credentials, .. } => Some(credentials),
            PreservationJob::Record {
                by: Recorder::User(credentials),
                ..
            } => Some(credentials),
            PreservationJob::Record { .. } => None,
        }));
        Some(Box::new(move |conn| {
            crate::auth::queries::load_principals(conn, &sessions)
        }))
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        principals: Principals,
        jobs: Vec<PreservationJob>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        let mut work = Work::default();
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            let result = match job {
                PreservationJob::Send {
                    credentials,
                    request,
                } => credentials
                    .principal(&principals)
                    .and_then(|caller| send(batch, &mut work, caller, &credentials.meta, *request)),
                PreservationJob::Record {
                    by,
                    preservation_id,
                    event,
                } => match &by {
                    Recorder::User(credentials) => {
                        credentials.principal(&principals).and_then(|caller| {
                            let who = Who::User(caller, &credentials.meta);
                            record(batch, &mut work, who, &preservation_id, *event)
                        })
                    }
                    Recorder::Service { origin } => {
                        let who = Who::Service(origin);
                        record(batch, &mut work, who, &preservation_id, *event)
                    }
                },
            };
            results.push(result);
        }
        work.store(batch)?;
        Ok(results)
    }
}

/// What a batch writes, gathered before the writes.
#[derive(Default)]
struct Work {
    new: Vec<String>,
    /// Preservations as this batch leaves them, with the version they were read at.
    touched: HashMap<String, (PreservationRow, i32)>,
    entries: Vec<RequestEntryRow>,
}

impl Work {
    fn store(self, batch: &mut Batch<'_>) -> ApiResult<()> {
        for id in &self.new {
            queries::insert(batch.conn(), &self.touched[id].0)?;
        }
        crate::mla::queries::insert_entries(batch.conn(), &self.entries)?;
        for (id, (row, read_at)) in &self.touched {
            if self.new.contains(id) {
                continue;
            }
            if !queries::update(batch.conn(), row, *read_at)? {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "preservation {id} changed under the ledger's lock"
                )));
            }
        }
        Ok(())
    }

    /// The preservation as stored, or as this batch changed it.
    fn current(&self, row: PreservationRow) -> PreservationRow {
        match self.touched.get(&row.id) {
            Some((mine, _)) => mine.clone(),
            None => row,
        }
    }

    fn keep(&mut self, row: PreservationRow, read_at: i32) {
        let read_at = self
            .touched
            .get(&row.id)
            .map_or(read_at, |(_, first)| *first);
        self.touched.insert(row.id.clone(), (row, read_at));
    }
}

/// The legal basis of a preservation, as stored.
fn basis_of(batch: &mut Batch<'_>, code: &str) -> ApiResult<Option<LegalBasis>> {
    Ok(crate::mla::queries::legal_basis(batch.conn(), code)?.map(LegalBasis::from))
}

fn send(
    batch: &mut Batch<'_>,
    work: &mut Work,
    caller: &Principal,
    meta: &RequestMeta,
    request: NewPreservation,
) -> ApiResult<Reply> {
    let event = Event::by(Action::PreservationCreate, caller, meta);
    if let Err(e) = access::may_send(caller) {
        batch.audit(event.detail("refused", e.kind().0), Outcome::Denied);
        return Err(e);
    }
    let agency_id = request
        .requesting_agency_id
        .clone()
        .unwrap_or_else(|| caller.agency_id.clone());
    let of_state = crate::agencies::find(batch.conn(), &agency_id)?
        .is_some_and(|a| a.country_code == caller.country);
    if !of_state {
        return Err(ApiError::validation(
            "requesting_agency_id",
            "must be an agency of the caller's state",
        ));
    }
    let basis = basis_of(batch, &request.legal_basis)?
        .filter(|b| b.request_types.contains(&RequestType::Preservation))
        .ok_or_else(|| {
            ApiError::validation(
                "legal_basis",
                "must be the code of a legal basis that covers preservation requests",
            )
        })?;
    crate::mla::request::check_requested(
        batch.conn(),
        &request.requested_country,
        &caller.country,
    )?;
    let content = request.content();
    content.check(&basis.required_fields, &basis.code)?;
    let year = chrono::Utc::now().year();
    let number = crate::mla::queries::next_number(
        batch.conn(),
        crate::mla::queries::Numbering::Preservations,
        &caller.country,
        year,
    )?;
    let now = crate::db::now();
    let mut row = PreservationRow {
        id: uuid::Uuid::now_v7().to_string(),
        reference: reference(&caller.country, year, number),
        requesting_agency_id: agency_id,
        requesting_country: caller.country.clone(),
        requested_country: request.requested_country,
        legal_basis: basis.code,
        content: serde_json::to_string(&content).expect("content serialises"),
        status: PreservationStatus::Requested.as_str().to_owned(),
        their_reference: None,
        mla_request_id: None,
        third_country: None,
        expires_at: None,
        suspended_seconds: None,
        version: 1,
        last_seq: -1,
        last_hash: None,
        created_by: caller.user_id.clone(),
        created_at: now,
        updated_at: now,
    };
    let mut members = head("requested", &Some(Actor::from(caller)), &row, None);
    members.insert("requested_country".into(), json!(row.requested_country));
    members.insert("legal_basis".into(), json!(row.legal_basis));
    members.insert(
        "content_sha256".into(),
        json!(crate::ledger::sha256_hex(
            crate::jcs::to_string(&serde_json::to_value(&content).expect("content"))
                .expect("content canonicalises")
                .as_bytes()
        )),
    );
    let entry = append(batch, work, &mut row, "requested", members, now)?;
    let event = event
        .subject(Subject::new(
            "preservation",
            &row.id,
            Some(&row.requesting_country),
        ))
        .detail("reference", row.reference.clone())
        .detail("requested_country", row.requested_country.clone())
        .detail("log_index", entry.log_index)
        .announcing(preservation_event("requested", &row.id));
    let mut event = event;
    for tally in crate::mla::figures::preservation_tallies(&row, None, row.status()) {
        event.tally(tally);
    }
    batch.audit(event, Outcome::Success);
    let view = Preservation::from(row.clone());
    work.new.push(row.id.clone());
    work.keep(row, 1);
    Ok(Reply::json(StatusCode::CREATED, &view)
        .location(format!("/api/v1/preservations/{}", view.id)))
}

/// Who records an event: a user, or the service.
enum Who<'a> {
    User(&'a Principal, &'a RequestMeta),
    Service(&'a str),
}

fn record(
    batch: &mut Batch<'_>,
    work: &mut Work,
    who: Who<'_>,
    id: &str,
    event: NewPreservationEvent,
) -> ApiResult<Reply> {
    let kind = event.event_type;
    let (mut audit, stored) = match who {
        Who::User(caller, meta) => {
            let mut audit =
                Event::by(Action::PreservationEvent, caller, meta).detail("type", kind.as_str());
            let found = access::visible(batch.conn(), caller, id, &mut audit)
                .and_then(|row| access::may_record(caller, &row, kind).map(|()| row));
            match found {
                Ok(row) => (audit, row),
                Err(e) => {
                    batch.audit(audit.detail("refused", e.kind().0), Outcome::Denied);
                    return Err(e);
                }
            }
        }
        Who::Service(_) => {
            let row = queries::preservation(batch.conn(), id)?.ok_or(ApiError::NotFound)?;
            let mut audit = Event::new(Action::PreservationEvent, None, &RequestMeta::default())
                .detail("type", kind.as_str())
                .detail("by_service", true);
            audit.subject = Some(Subject::new(
                "preservation",
                &row.id,
                Some(&row.requesting_country),
            ));
            (audit, row)
        }
    };
    let read_at = stored.version;
    let row = work.current(stored);
    let status = row.status();
    let now = crate::db::now();
    // Past its expiry a preservation is expired, recorded or not: nothing but the
    // record of its expiry follows.
    if kind != PreservationEventType::Expired && row.has_lapsed(now) {
        return Err(ApiError::Conflict(format!(
            "the preservation ran out at {}: it has expired, and `{}` cannot follow",
            row.expires_at
                .map(crate::ledger::format_at)
                .unwrap_or_default(),
            kind.as_str()
        )));
    }
    if !kind.may_follow(status) {
        return Err(ApiError::Conflict(format!(
            "the preservation is {}: `{}` cannot follow",
            status.as_str(),
            kind.as_str()
        )));
    }
    let mut next = row.clone();
    let basis = basis_of(batch, &row.legal_basis)?;
    let deadlines = basis.map(|b| b.deadlines).unwrap_or_default();
    let mut extra = Map::new();
    match kind {
        PreservationEventType::Preserved => {
            let until = match (event.expiry(), deadlines.preservation_days) {
                (Some(at), Some(days)) if at < now + chrono::Duration::days(days.into()) => {
                    return Err(ApiError::validation(
                        "expires_at",
                        format!(
                            "must be at least {days} days from now, the period the legal basis sets"
                        ),
                    ));
                }
                (Some(at), _) => at,
                (None, Some(days)) => now + chrono::Duration::days(days.into()),
                (None, None) => {
                    return Err(ApiError::validation(
                        "expires_at",
                        "is required: the legal basis sets no preservation period",
                    ));
                }
            };
            if until <= now {
                return Err(ApiError::validation("expires_at", "must be in the future"));
            }
            next.expires_at = Some(until);
            if let Some(theirs) = &event.their_reference {
                next.their_reference = Some(theirs.trim().to_owned());
            }
        }
        PreservationEventType::Extended => {
            let Some(current) = row.expires_at else {
                return Err(ApiError::Conflict(
                    "the expiry is suspended while the MLA request that followed is decided".into(),
                ));
            };
            let until = match (event.expiry(), deadlines.preservation_extension_days) {
                (Some(at), _) => at,
                (None, Some(days)) => current + chrono::Duration::days(days.into()),
                (None, None) => {
                    return Err(ApiError::validation(
                        "expires_at",
                        "is required: the legal basis sets no extension period",
                    ));
                }
            };
            if until <= current {
                return Err(ApiError::validation(
                    "expires_at",
                    "must be later than the current expiry",
                ));
            }
            next.expires_at = Some(until);
        }
        PreservationEventType::MlaFollowed => {
            if row.mla_request_id.is_some() {
                return Err(ApiError::Conflict(
                    "an MLA request already followed this preservation".into(),
                ));
            }
            let wanted = event.mla_request_id.as_deref().unwrap_or_default();
            let request = queries::following_request(batch.conn(), wanted)?.filter(|r| {
                r.requesting_country == row.requesting_country
                    && r.requested_country == row.requested_country
                    && r.submitted_at.is_some()
            });
            let Some(request) = request else {
                return Err(ApiError::validation(
                    "mla_request_id",
                    "must be a submitted MLA request between the same states",
                ));
            };
            next.mla_request_id = Some(request.id);
            if RequestStatus::parse(&request.status).is_some_and(is_undecided)
                && let Some(at) = row.expires_at
            {
                next.suspended_seconds = Some((at - now).num_seconds().max(0));
                next.expires_at = None;
            }
        }
        PreservationEventType::PartiallyDisclosed => {
            let third = event.third_country.clone().unwrap_or_default();
            if third == row.requesting_country || third == row.requested_country {
                return Err(ApiError::validation(
                    "third_country",
                    "must be a state other than the requesting and the requested",
                ));
            }
            next.third_country = Some(third);
        }
        PreservationEventType::Released => {
            next.expires_at = None;
            next.suspended_seconds = None;
        }
        PreservationEventType::Expired => {
            if row.expires_at.is_none_or(|at| at > now) {
                return Err(ApiError::Conflict(
                    "the preservation has not run out".into(),
                ));
            }
            extra.insert(
                "expired_at".into(),
                json!(row.expires_at.map(crate::ledger::format_at)),
            );
            next.expires_at = None;
        }
    }
    if let Some(at) = next.expires_at
        && next.expires_at != row.expires_at
    {
        extra.insert("expires_at".into(), json!(crate::ledger::format_at(at)));
    }
    for (key, value) in [
        ("their_reference", &event.their_reference),
        ("mla_request_id", &event.mla_request_id),
        ("third_country", &event.third_country),
        ("note", &event.note),
    ] {
        if let Some(v) = value {
            extra.insert(key.into(), json!(v.trim()));
        }
    }
    if next.suspended_seconds.is_some() && row.suspended_seconds.is_none() {
        extra.insert("expiry_suspended".into(), json!(true));
    }
    let actor = match who {
        Who::User(caller, _) => Some(Actor::from(caller)),
        Who::Service(_) => None,
    };
    let mut members = head(kind.as_str(), &actor, &row, Some(kind.leads_to()));
    if let Who::Service(origin) = who {
        members.insert("actor".into(), json!({"system": origin}));
    }
    members.extend(extra);
    next.status = kind.leads_to().as_str().to_owned();
    next.updated_at = now;
    if !work.touched.contains_key(&next.id) {
        next.version += 1;
    }
    let entry = append(batch, work, &mut next, kind.as_str(), members, now)?;
    audit.set_detail("seq", entry.seq);
    audit.set_detail("log_index", entry.log_index);
    audit.set_detail("entry_hash", entry.entry_hash.clone());
    audit.announce(preservation_event(kind.as_str(), &next.id));
    for tally in crate::mla::figures::preservation_tallies(&next, Some(row.status()), next.status())
    {
        audit.tally(tally);
    }
    batch.audit(audit, Outcome::Success);
    work.keep(next, read_at);
    Ok(Reply::json(
        StatusCode::CREATED,
        &crate::mla::events::RequestEvent::from(entry),
    ))
}

/// Whether an MLA request is still waiting for its decision.
pub fn is_undecided(status: RequestStatus) -> bool {
    use RequestStatus as S;
    matches!(
        status,
        S::Submitted | S::Delivered | S::Acknowledged | S::InformationRequested | S::Postponed
    )
}

/// The members every entry of a preservation has before its place in the chain.
fn head(
    kind: &str,
    actor: &Option<Actor>,
    row: &PreservationRow,
    after: Option<PreservationStatus>,
) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("v".into(), json!(crate::ledger::FORMAT_VERSION));
    entry.insert("type".into(), json!(kind));
    if let Some(actor) = actor {
        entry.insert(
            "actor".into(),
            json!({"user_id": actor.user_id, "agency_id": actor.agency_id, "country": actor.country}),
        );
    }
    entry.insert("reference".into(), json!(row.reference));
    let (before, after) = match after {
        Some(after) => (json!(row.status), after.as_str()),
        None => (Value::Null, PreservationStatus::Requested.as_str()),
    };
    entry.insert("status_before".into(), before);
    entry.insert("status_after".into(), json!(after));
    entry
}

/// Seals an entry into the preservation's chain and the log.
fn append(
    batch: &mut Batch<'_>,
    work: &mut Work,
    row: &mut PreservationRow,
    kind: &str,
    members: Map<String, Value>,
    now: NaiveDateTime,
) -> ApiResult<RequestEntryRow> {
    let head = crate::mla::events::ChainHead {
        request_id: &row.id,
        last_seq: row.last_seq,
        last_hash: row.last_hash.as_deref(),
    };
    let entry = crate::mla::events::append_entry(batch, head, kind, members, now)?;
    row.last_seq = entry.seq;
    row.last_hash = Some(entry.entry_hash.clone());
    work.entries.push(entry.clone());
    Ok(entry)
}

/// The event national systems hear of a preservation (`preservation.<event>`).
fn preservation_event(kind: &str, id: &str) -> crate::ledger::Emit {
    crate::ledger::Emit::new(
        format!("preservation.{kind}"),
        "preservation",
        id,
        format!("/api/v1/preservations/{id}"),
    )
}
