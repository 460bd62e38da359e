//! Recording an order's events as a kind of ledger work: each event is an entry of
//! the signed log (custody log spec §5, with `request_id` the order's id), chained to
//! the order's previous one and committed with its audit entry.

use super::access;
use super::model::{NewOrderEvent, OrderEventType, OrderRow};
use super::queries;
use crate::auth::factors::StepUp;
use crate::auth::{Credentials, Principal, Principals};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ledger::{Action, Actor, Batch, Event, Kind, Loader, Outcome};
use crate::mla::basis::{Approver, LegalBasis, Notice, OrderRules};
use crate::mla::events::{ChainHead, RequestEntryRow, RequestEvent};
use crate::providers::OrderType;
use crate::reply::Reply;
use actix_web::http::StatusCode;
use chrono::{Duration, NaiveDateTime};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// An event to record for an order.
pub struct Recording {
    pub credentials: Credentials,
    pub order_id: String,
    pub event: NewOrderEvent,
}

/// The kind of order events. Approving and sending an order ask for a second factor
/// given lately (`step_up`).
pub struct OrderEvents {
    pub step_up: StepUp,
}

impl Kind for OrderEvents {
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
        let mut work = Work::default();
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            let result = job
                .credentials
                .principal(&principals)
                .and_then(|caller| record(batch, &mut work, self.step_up, caller, &job));
            results.push(result);
        }
        crate::mla::queries::insert_entries(batch.conn(), &work.entries)?;
        for (id, (row, read_at)) in &work.touched {
            if !queries::update(batch.conn(), row, *read_at)? {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "order {id} changed under the ledger's lock"
                )));
            }
        }
        Ok(results)
    }
}

/// What a batch writes, gathered before the writes: orders as the batch leaves them
/// (two events of one order in a batch chain one after the other), with the version
/// they were read at.
#[derive(Default)]
struct Work {
    touched: HashMap<String, (OrderRow, i32)>,
    entries: Vec<RequestEntryRow>,
}

/// The legal basis an order names, if it covers orders of `order_type`, with its
/// rules for orders; the field problem otherwise.
pub fn order_basis(
    conn: &mut crate::db::DbConn,
    code: &str,
    order_type: OrderType,
) -> ApiResult<(LegalBasis, OrderRules)> {
    let basis = crate::mla::queries::legal_basis(conn, code)?
        .map(LegalBasis::from)
        .ok_or_else(|| ApiError::validation("legal_basis", "is not a known legal basis"))?;
    let Some(rules) = basis.order_rules.clone() else {
        return Err(ApiError::validation(
            "legal_basis",
            "does not cover orders to providers",
        ));
    };
    if !rules.order_types.contains(&order_type) {
        return Err(ApiError::validation(
            "legal_basis",
            format!(
                "does not cover orders of type {} (it covers {})",
                order_type.as_str(),
                rules
                    .order_types
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok((basis, rules))
}

/// One event: checked, appended to the log, its order moved on. A refusal writes
/// nothing but, for an order the caller may not see or act on, its audit entry.
fn record(
    batch: &mut Batch<'_>,
    work: &mut Work,
    step_up: StepUp,
    caller: &Principal,
    job: &Recording,
) -> ApiResult<Reply> {
    let kind = job.event.event_type;
    let mut audit =
        Event::by(Action::OrderEvent, caller, &job.credentials.meta).detail("type", kind.as_str());
    let found = access::visible(batch.conn(), caller, &job.order_id, &mut audit).and_then(
        |(stored, reader)| {
            access::may_record(caller, &stored, reader, kind)?;
            if matches!(kind, OrderEventType::Approved | OrderEventType::Sent) {
                step_up.require(caller)?;
            }
            Ok(stored)
        },
    );
    let stored = match found {
        Ok(stored) => stored,
        Err(e) => {
            batch.audit(audit.detail("refused", e.kind().0), Outcome::Denied);
            return Err(e);
        }
    };
    let (row, read_at) = match work.touched.get(&stored.id) {
        Some((mine, read_at)) => (mine.clone(), *read_at),
        None => {
            let read_at = stored.version;
            (stored, read_at)
        }
    };
    let status = row.status();
    if !kind.may_follow(status) {
        return Err(ApiError::Conflict(format!(
            "the order is {}: `{}` cannot follow",
            status.as_str(),
            kind.as_str()
        )));
    }
    let now = crate::db::now();
    let mut next = row.clone();
    let mut extra = Map::new();
    match kind {
        OrderEventType::Approved => approve(batch, &row, &mut next, &job.event, &mut extra)?,
        OrderEventType::Sent => send(batch, &row, &mut next, now, &mut extra)?,
        OrderEventType::Acknowledged => next.acknowledged_at = Some(now),
        OrderEventType::NoObjection | OrderEventType::Objected => {
            if !row.objection_open(now) {
                return Err(ApiError::Conflict(format!(
                    "the period to object ended at {}",
                    row.objection_by
                        .map(crate::ledger::format_at)
                        .unwrap_or_default()
                )));
            }
            if kind == OrderEventType::NoObjection {
                next.objection_by = Some(now);
            } else {
                next.answered_at = Some(now);
            }
        }
        OrderEventType::PartiallyProduced | OrderEventType::Produced => {
            if row.held_back(now) {
                return Err(ApiError::Conflict(format!(
                    "the data is held back until {}: the notified state may object until then",
                    row.objection_by
                        .map(crate::ledger::format_at)
                        .unwrap_or_default()
                )));
            }
            if queries::produced_items(batch.conn(), &row.id)? == 0 {
                return Err(ApiError::Conflict(format!(
                    "nothing is registered under the order yet: register what is produced at POST /api/v1/orders/{}/evidence first",
                    row.id
                )));
            }
            if kind == OrderEventType::Produced {
                next.answered_at = Some(now);
            }
        }
        OrderEventType::Refused => next.answered_at = Some(now),
        OrderEventType::ClarificationAsked
        | OrderEventType::ClarificationGiven
        | OrderEventType::Closed
        | OrderEventType::Withdrawn => {}
    }
    for (key, value) in [("grounds", &job.event.grounds), ("note", &job.event.note)] {
        if let Some(v) = value {
            extra.insert(key.into(), json!(v.trim()));
        }
    }
    let after = kind.leads_to().unwrap_or(status);
    let mut members = Map::new();
    members.insert("v".into(), json!(crate::ledger::FORMAT_VERSION));
    members.insert("type".into(), json!(kind.as_str()));
    let actor = Actor::from(caller);
    members.insert(
        "actor".into(),
        json!({"user_id": actor.user_id, "agency_id": actor.agency_id, "country": actor.country}),
    );
    members.insert("reference".into(), json!(row.reference));
    members.insert("status_before".into(), json!(status.as_str()));
    members.insert("status_after".into(), json!(after.as_str()));
    members.extend(extra);
    next.status = after.as_str().to_owned();
    next.updated_at = now;
    if !work.touched.contains_key(&next.id) {
        next.version += 1;
    }
    let entry = append(batch, work, &mut next, kind.as_str(), members, now)?;
    audit.set_detail("seq", entry.seq);
    audit.set_detail("log_index", entry.log_index);
    audit.set_detail("entry_hash", entry.entry_hash.clone());
    audit.announce(order_event(kind.as_str(), &next.id));
    for tally in super::figures::tallies(&row, kind, now) {
        audit.tally(tally);
    }
    batch.audit(audit, Outcome::Success);
    work.touched.insert(next.id.clone(), (next, read_at));
    Ok(Reply::json(StatusCode::CREATED, &RequestEvent::from(entry)))
}

/// Approval: the draft is complete for its basis (422 lists what is missing), and on
/// a basis a judge approves it carries the judge's authorisation. The entry commits
/// to what the order asks, whom, and on what basis.
fn approve(
    batch: &mut Batch<'_>,
    row: &OrderRow,
    next: &mut OrderRow,
    event: &NewOrderEvent,
    extra: &mut Map<String, Value>,
) -> ApiResult<()> {
    let (basis, rules) = order_basis(batch.conn(), &row.legal_basis, row.order_type())?;
    let content = row.content();
    let mut errors: Vec<FieldError> = content
        .missing(&basis.required_fields, row.urgency())
        .into_iter()
        .map(|field| {
            FieldError::new(
                field.as_str(),
                format!("is required by the legal basis {}", basis.code),
            )
        })
        .collect();
    if rules.approver == Approver::Judge && event.authorisation.is_none() {
        errors.push(FieldError::new(
            "authorisation",
            format!(
                "is required: a judge approves orders on the legal basis {}",
                basis.code
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let canonical = crate::jcs::to_string(&serde_json::to_value(&content).expect("content"))
        .expect("content canonicalises");
    extra.insert(
        "content_sha256".into(),
        json!(crate::ledger::sha256_hex(canonical.as_bytes())),
    );
    extra.insert("order_type".into(), json!(row.order_type));
    extra.insert("legal_basis".into(), json!(row.legal_basis));
    extra.insert("provider_id".into(), json!(row.provider_id));
    extra.insert("provider_country".into(), json!(row.provider_country));
    extra.insert("urgency".into(), json!(row.urgency));
    extra.insert("approver".into(), json!(rules.approver.as_str()));
    if let Some(authorisation) = &event.authorisation {
        let trimmed = super::model::Authorisation {
            court: authorisation.court.trim().to_owned(),
            judge: authorisation.judge.trim().to_owned(),
            reference: authorisation.reference.trim().to_owned(),
            issued_on: authorisation.issued_on.clone(),
        };
        extra.insert(
            "authorisation".into(),
            serde_json::to_value(&trimmed).expect("authorisation"),
        );
        next.authorisation =
            Some(serde_json::to_string(&trimmed).expect("authorisation serialises"));
    }
    Ok(())
}

/// Sending: the deadlines start (hours for an emergency), and the provider's state is
/// notified where the basis says so or (art. 7(5)(a)) that state requires it; the
/// period it has to object holds the data back, but never in an emergency.
fn send(
    batch: &mut Batch<'_>,
    row: &OrderRow,
    next: &mut OrderRow,
    now: NaiveDateTime,
    extra: &mut Map<String, Value>,
) -> ApiResult<()> {
    let (basis, rules) = order_basis(batch.conn(), &row.legal_basis, row.order_type())?;
    let notified = match rules.notice {
        Notice::Never => false,
        Notice::Always => true,
        Notice::WhereRequired => {
            crate::countries::queries::order_notice_required(batch.conn(), &row.provider_country)?
        }
    };
    let d = &basis.deadlines;
    let days = |n: Option<i32>| n.map(|n| now + Duration::days(n.into()));
    let hours = |n: Option<i32>| n.map(|n| now + Duration::hours(n.into()));
    let emergency = row.is_emergency();
    let (acknowledge_by, produce_by) = if emergency {
        (
            hours(d.emergency_acknowledge_hours),
            hours(d.emergency_execute_hours),
        )
    } else {
        (
            days(d.acknowledge_days),
            days(rules.produce_days(row.order_type(), d)),
        )
    };
    let objection_by = if notified && !emergency {
        days(rules.objection_days)
    } else {
        None
    };
    next.notified = notified;
    next.sent_at = Some(now);
    next.acknowledge_by = acknowledge_by;
    next.produce_by = produce_by;
    next.objection_by = objection_by;
    extra.insert("notified".into(), json!(notified));
    for (key, at) in [
        ("acknowledge_by", acknowledge_by),
        ("produce_by", produce_by),
        ("objection_by", objection_by),
    ] {
        if let Some(at) = at {
            extra.insert(key.into(), json!(crate::ledger::format_at(at)));
        }
    }
    Ok(())
}

/// Seals an entry into the order's chain and the log.
fn append(
    batch: &mut Batch<'_>,
    work: &mut Work,
    row: &mut OrderRow,
    kind: &str,
    members: Map<String, Value>,
    now: NaiveDateTime,
) -> ApiResult<RequestEntryRow> {
    let head = ChainHead {
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

/// The event national systems hear of an order (`order.<event>`).
fn order_event(kind: &str, id: &str) -> crate::ledger::Emit {
    crate::ledger::Emit::new(
        format!("order.{kind}"),
        "order",
        id,
        format!("/api/v1/orders/{id}"),
    )
}
