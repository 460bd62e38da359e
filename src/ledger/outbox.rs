//! The outbox: the events national systems hear of, written by the ledger in the
//! same commit as the change they announce (a change without its event, or an event
//! without its change, cannot happen). Each gets the next `seq` under the audit
//! chain's lock, which every writer holds until it commits, so `seq` is commit order
//! on every instance and a reader that has seen `seq` n has seen every event before.

use crate::db::DbConn;
use crate::db::schema::events;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An event to announce: what happened to which object, and where to read it. It
/// names no content: whoever hears of it fetches the object with their own token.
#[derive(Debug, Clone)]
pub struct Emit {
    /// Such as `custody.appended` or `mla.accepted`.
    pub event_type: String,
    /// `case`, `evidence`, `mla_request` or `preservation`.
    pub subject_kind: &'static str,
    pub subject_id: String,
    /// The API path of the object.
    pub href: String,
}

impl Emit {
    pub fn new(
        event_type: impl Into<String>,
        subject_kind: &'static str,
        subject_id: &str,
        href: String,
    ) -> Emit {
        Emit {
            event_type: event_type.into(),
            subject_kind,
            subject_id: subject_id.to_owned(),
            href,
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub event_type: String,
    pub at: NaiveDateTime,
    pub subject_kind: String,
    pub subject_id: String,
    pub href: String,
}

/// Writes `emitted` after the last event. Call only under the audit chain's lock.
pub fn write(conn: &mut DbConn, emitted: &[Emit], at: NaiveDateTime) -> QueryResult<()> {
    if emitted.is_empty() {
        return Ok(());
    }
    let last: Option<i64> = events::table
        .select(diesel::dsl::max(events::seq))
        .get_result(conn)?;
    let mut seq = last.unwrap_or(0);
    let rows: Vec<EventRow> = emitted
        .iter()
        .map(|e| {
            seq += 1;
            EventRow {
                seq,
                id: uuid::Uuid::now_v7().to_string(),
                event_type: e.event_type.clone(),
                at,
                subject_kind: e.subject_kind.to_owned(),
                subject_id: e.subject_id.clone(),
                href: e.href.clone(),
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        crate::insert_rows!(conn, events::table, chunk)?;
    }
    Ok(())
}

/// Events after `after`, oldest first, at most `limit`.
pub fn after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<EventRow>> {
    events::table
        .filter(events::seq.gt(after))
        .order(events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

/// The last event's `seq` (0 before any).
pub fn last_seq(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(events::table
        .select(diesel::dsl::max(events::seq))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
}
