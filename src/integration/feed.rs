//! The pull feed: the outbox's events, in commit order, that the caller may see now,
//! for systems that cannot accept inbound connections. The cursor is an event's
//! position in the outbox, so it never skips or repeats an event, across instances
//! and restarts; with `wait`, an empty answer waits for the next event.

use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::outbox::{self, EventRow};
use crate::ledger::{Action, Event};
use crate::observability::RequestMeta;
use crate::time::UtcTimestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The most events one request reads from the outbox: the cursor then moves past
/// them even when the caller may see none.
const SCAN: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_WAIT_SECS: u64 = 30;
/// How often a waiting request looks for new events (other instances commit too).
pub const POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// The feed's parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// `next_cursor` of the previous answer (opaque); from the beginning when absent.
    #[param(pattern = "^[A-Za-z0-9_-]{64}$")]
    pub after: Option<String>,
    /// Comma-separated event types; `mla.*` stands for every type that starts with
    /// `mla.`. All types when absent.
    #[param(
        pattern = r"^[a-z_]+\.([a-z_]+|\*)(,[a-z_]+\.([a-z_]+|\*))*$",
        max_length = 2000
    )]
    pub types: Option<String>,
    /// Seconds to wait for an event when there is none yet (0 to 30, default 0).
    #[param(minimum = 0, maximum = 30)]
    pub wait: Option<u64>,
    /// Events per answer, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// What an event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventSubject {
    /// `case`, `evidence`, `mla_request`, `preservation`, or `log` (the log's own
    /// alarms: `id` is the witness's name in the policy).
    pub kind: String,
    pub id: String,
    /// Where to read it, with the caller's own token.
    #[schema(example = "/api/v1/evidence/0190c7a4-5b7e-7d2e-9f1a-3c4d5e6f7a8b")]
    pub href: String,
}

/// An event: thin, naming what happened to which object, never its content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxEvent {
    /// Stable: a receiver's idempotency key.
    #[schema(format = Uuid)]
    pub id: String,
    /// `case.created`, `case.updated`, `case.shared`, `case.unshared`,
    /// `case.referred`, `evidence.registered`, `custody.appended`,
    /// `transfer.pending`, `mla.<event type>`, `preservation.<event type>`,
    /// `log.witness_refused` (a witness refused the log's checkpoint as inconsistent
    /// with what it saw: an alarm, heard by every listening system).
    #[serde(rename = "type")]
    #[schema(example = "custody.appended")]
    pub event_type: String,
    pub at: UtcTimestamp,
    /// The agency it is delivered to.
    pub agency_id: String,
    pub subject: EventSubject,
}

impl OutboxEvent {
    pub fn new(row: EventRow, agency_id: &str) -> OutboxEvent {
        OutboxEvent {
            id: row.id,
            event_type: row.event_type,
            at: row.at.into(),
            agency_id: agency_id.to_owned(),
            subject: EventSubject {
                kind: row.subject_kind,
                id: row.subject_id,
                href: row.href,
            },
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventFeed {
    pub items: Vec<OutboxEvent>,
    /// Pass as `after` to continue: always present, also when `items` is empty. It is
    /// opaque, and different each time: it tells nothing of the events the caller may
    /// not see.
    #[schema(example = "K3ZJz6Yw0mB1rS9Tq2vX8nLp4cD7eFgH5aJk0lMnOpQrStUvWxYz01234567ab")]
    pub next_cursor: String,
}

/// The type filter, parsed.
pub struct Types(Vec<String>);

impl Types {
    pub fn parse(text: Option<&str>) -> Types {
        Types(
            text.map(|t| t.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        )
    }

    pub fn admits(&self, event_type: &str) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => event_type.starts_with(prefix),
                None => t == event_type,
            })
    }
}

/// Whether `caller` may see the object of `row` now: the feature's own check, the
/// one its endpoints apply.
fn may_see(conn: &mut DbConn, caller: &Principal, row: &EventRow) -> ApiResult<bool> {
    let mut scratch = Event::by(Action::EventFeedRead, caller, &RequestMeta::default());
    let id = row.subject_id.as_str();
    let seen = match row.subject_kind.as_str() {
        "case" => crate::cases::access::visible(conn, caller, id, &mut scratch).map(drop),
        // An agency that handed an item on reads the history it was part of, and
        // hears no more of the item.
        "evidence" => {
            crate::custody::access::visible(conn, caller, id, &mut scratch).and_then(|found| {
                match found.horizon {
                    None => Ok(()),
                    Some(_) => Err(ApiError::NotFound),
                }
            })
        }
        "mla_request" => crate::mla::access::visible(conn, caller, id, &mut scratch).map(drop),
        "preservation" => {
            crate::mla::preservations::access::visible(conn, caller, id, &mut scratch).map(drop)
        }
        // An order's approval happens before it is sent: the provider and the notified
        // state, who see the order from then on, never hear of it, whenever the
        // delivery runs.
        "order" => crate::orders::access::visible(conn, caller, id, &mut scratch).and_then(
            |(_, reader)| match reader {
                crate::orders::model::Reader::Outside if row.event_type == "order.approved" => {
                    Err(ApiError::NotFound)
                }
                _ => Ok(()),
            },
        ),
        // The log's own alarms (a witness refused a checkpoint) name no content: every
        // system that listens hears of them.
        "log" => Ok(()),
        _ => Err(ApiError::NotFound),
    };
    match seen {
        Ok(()) => Ok(true),
        Err(ApiError::NotFound | ApiError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What one caller may see, asked once per object: a run of events about one
/// evidence item (every custody append) costs one check, not one per event. Kept for
/// one look at the outbox only, so that a change of sharing counts from the next.
pub struct Sight<'a> {
    caller: &'a Principal,
    seen: std::collections::HashMap<(String, String, String), bool>,
}

impl<'a> Sight<'a> {
    pub fn of(caller: &'a Principal) -> Sight<'a> {
        Sight {
            caller,
            seen: std::collections::HashMap::new(),
        }
    }

    pub fn may_see(&mut self, conn: &mut DbConn, row: &EventRow) -> ApiResult<bool> {
        // What an order's reader hears depends on the event too (see `may_see`).
        let event = if row.subject_kind == "order" {
            row.event_type.clone()
        } else {
            String::new()
        };
        let key = (row.subject_kind.clone(), row.subject_id.clone(), event);
        if let Some(seen) = self.seen.get(&key) {
            return Ok(*seen);
        }
        let seen = may_see(conn, self.caller, row)?;
        self.seen.insert(key, seen);
        Ok(seen)
    }
}

/// One look at the outbox after `after`: the events the caller may see (at most
/// `limit`) and the position to continue from.
pub struct Scanned {
    pub events: Vec<OutboxEvent>,
    pub next: i64,
}

pub fn scan(
    conn: &mut DbConn,
    caller: &Principal,
    after: i64,
    types: &Types,
    limit: i64,
) -> ApiResult<Scanned> {
    let rows = outbox::after(conn, after, SCAN)?;
    let mut next = after;
    let mut events = Vec::new();
    let mut sight = Sight::of(caller);
    for row in rows {
        if events.len() as i64 >= limit {
            break;
        }
        next = row.seq;
        if types.admits(&row.event_type) && sight.may_see(conn, &row)? {
            events.push(OutboxEvent::new(row, &caller.agency_id));
        }
    }
    Ok(Scanned { events, next })
}
