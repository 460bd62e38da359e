//! The audit chain: every read of case content, every change and every refused
//! attempt, as one append-only hash chain of JCS-canonical entries (the custody log's
//! entry format: each entry holds the previous entry's hash). Every insert into
//! `audit_log` is made here: by the engine for a batch, or by [`transaction`] for work
//! that commits on its own.

use super::Action;
use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::error::{ApiError, ApiResult};
use crate::observability::RequestMeta;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub const FORMAT_VERSION: i64 = 1;
pub(crate) const AUDIT_SEQUENCE_LOCK: i64 = 0x6175_6469_745f_6c6f;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    pub user_id: String,
    pub agency_id: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// True when the actor is a national system's service account (absent for
    /// people).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub machine: bool,
}

/// What an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subject {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// The country the object belongs to; auditors of that country see the entry.
    pub country: Option<String>,
}

impl Subject {
    pub fn new(kind: &str, id: &str, country: Option<&str>) -> Subject {
        Subject {
            kind: kind.to_owned(),
            id: id.to_owned(),
            country: country.map(str::to_owned),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// Refused by authorization (403, or 404 for an object the caller may not see).
    Denied,
    /// Attempted and failed (a wrong password, a reused refresh token).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One audit entry exactly as hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub v: i64,
    pub seq: i64,
    /// `entry_hash` of the previous entry; null for the first.
    pub prev: Option<String>,
    /// RFC 3339 UTC with six fractional digits.
    #[schema(format = DateTime)]
    pub at: String,
    pub action: String,
    pub outcome: Outcome,
    pub actor: Option<Actor>,
    pub subject: Option<Subject>,
    pub case_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: Value,
}

/// An event to record; `seq`, `prev` and `at` are assigned on append.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: Action,
    pub actor: Option<Actor>,
    pub subject: Option<Subject>,
    pub case_id: Option<String>,
    pub details: Value,
    pub meta: RequestMeta,
    /// The events national systems hear of the change this entry records: written to
    /// the outbox with the entry, in its commit, when it records a success.
    pub announces: Vec<super::outbox::Emit>,
    /// The region's figures the change moves: written with the entry, in its commit,
    /// when it records a success.
    pub tallies: Vec<super::tally::Tally>,
}

impl Event {
    pub fn new(action: Action, actor: Option<Actor>, meta: &RequestMeta) -> Event {
        Event {
            action,
            actor,
            subject: None,
            case_id: None,
            details: Value::Object(Default::default()),
            meta: meta.clone(),
            announces: Vec::new(),
            tallies: Vec::new(),
        }
    }

    /// Counts the change in the region's figures, with this entry.
    pub fn tally(&mut self, tally: super::tally::Tally) {
        self.tallies.push(tally);
    }

    /// Announces an event to national systems with this entry.
    pub fn announce(&mut self, emit: super::outbox::Emit) {
        self.announces.push(emit);
    }

    pub fn announcing(mut self, emit: super::outbox::Emit) -> Event {
        self.announce(emit);
        self
    }

    /// An event whose actor is `who` (a principal, for one).
    pub fn by(action: Action, who: impl Into<Actor>, meta: &RequestMeta) -> Event {
        Event::new(action, Some(who.into()), meta)
    }

    pub fn subject(mut self, subject: Subject) -> Event {
        self.subject = Some(subject);
        self
    }

    pub fn case(mut self, case_id: &str) -> Event {
        self.case_id = Some(case_id.to_owned());
        self
    }

    /// Adds one member to `details`.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Event {
        if let Value::Object(map) = &mut self.details {
            map.insert(key.to_owned(), value.into());
        }
        self
    }

    pub fn set_detail(&mut self, key: &str, value: impl Into<Value>) {
        if let Value::Object(map) = &mut self.details {
            map.insert(key.to_owned(), value.into());
        }
    }
}

pub fn format_at(at: NaiveDateTime) -> String {
    crate::time::UtcTimestamp::from(at).to_string()
}

pub fn canonical(entry: &AuditEntry) -> ApiResult<String> {
    let value = serde_json::to_value(entry).map_err(|e| ApiError::Internal(e.into()))?;
    crate::jcs::to_string(&value)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("canonicalising an audit entry: {e}")))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A write transaction that may append to the audit trail. It holds the audit chain's
/// lock from its first statement, before any row it writes, so every audited
/// transaction locks in one order (the chain, then rows; the custody writer takes the
/// log's lock before both) and none can deadlock another. Only [`transaction`] makes
/// one, so an entry is never appended without the lock.
pub struct AuditTx<'c> {
    conn: &'c mut DbConn,
}

impl std::ops::Deref for AuditTx<'_> {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        self.conn
    }
}

impl std::ops::DerefMut for AuditTx<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        self.conn
    }
}

impl AuditTx<'_> {
    /// Appends one entry after the chain's head, read under the transaction's lock, so
    /// concurrent appends never fork the chain or leave a gap.
    pub fn append(&mut self, event: &Event, outcome: Outcome) -> ApiResult<i64> {
        let last: Option<(i64, String)> = audit_log::table
            .select((audit_log::seq, audit_log::entry_hash))
            .order(audit_log::seq.desc())
            .first(self.conn)
            .optional()?;
        let (last_seq, last_hash) = last.unzip();
        let head = ChainHead::after(last_seq, last_hash);
        let seq = head.next_seq;
        let row = build_row(event, outcome, seq, head.prev)?;
        crate::insert_rows!(self.conn, audit_log::table, vec![row.values()])?;
        if outcome == Outcome::Success {
            super::outbox::write(self.conn, &event.announces, row.at)?;
            super::tally::write(self.conn, &event.tallies)?;
        }
        Ok(seq)
    }
}

/// Runs `f` in an audited write transaction: committed when `f` succeeds, rolled back
/// (with every entry it appended) when it fails.
pub fn transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut AuditTx) -> ApiResult<T>,
) -> ApiResult<T> {
    crate::db::write_tx_locked(conn, &[AUDIT_SEQUENCE_LOCK], |conn| {
        f(&mut AuditTx { conn })
    })
}

/// An audit entry to append: what was done or attempted, and how it ended.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub event: Event,
    pub outcome: Outcome,
}

/// Where the audit chain goes on: the next entry's `seq` and the hash it links to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChainHead {
    pub next_seq: i64,
    pub prev: Option<String>,
}

impl ChainHead {
    /// The head after the chain's last entry, if any.
    pub(crate) fn after(last_seq: Option<i64>, last_hash: Option<String>) -> ChainHead {
        match (last_seq, last_hash) {
            (Some(seq), Some(hash)) => ChainHead {
                next_seq: seq + 1,
                prev: Some(hash),
            },
            _ => ChainHead {
                next_seq: 0,
                prev: None,
            },
        }
    }
}

/// The entries that extend the chain from `head`; for writers that already hold the
/// chain's lock and read its head.
pub(crate) fn build_rows(head: &ChainHead, records: &[AuditRecord]) -> ApiResult<Vec<AuditInsert>> {
    let mut rows = Vec::with_capacity(records.len());
    let mut prev = head.prev.clone();
    for (seq, AuditRecord { event, outcome }) in (head.next_seq..).zip(records) {
        let row = build_row(event, *outcome, seq, prev)?;
        prev = Some(row.entry_hash.clone());
        rows.push(row);
    }
    Ok(rows)
}

pub(crate) fn insert_all(conn: &mut DbConn, rows: &[AuditInsert]) -> ApiResult<()> {
    for chunk in rows.chunks(100) {
        let values: Vec<_> = chunk.iter().map(AuditInsert::values).collect();
        crate::insert_rows!(conn, audit_log::table, values)?;
    }
    Ok(())
}

/// One entry as stored: the canonical text, its hash and the searchable columns.
pub(crate) struct AuditInsert {
    pub(crate) seq: i64,
    pub(crate) at: NaiveDateTime,
    pub(crate) action: &'static str,
    pub(crate) outcome: &'static str,
    pub(crate) actor: Option<Actor>,
    pub(crate) subject_country: Option<String>,
    pub(crate) case_id: Option<String>,
    pub(crate) entry: String,
    pub(crate) entry_hash: String,
    pub(crate) prev_hash: Option<String>,
}

type AuditValues<'a> = (
    diesel::dsl::Eq<audit_log::seq, i64>,
    diesel::dsl::Eq<audit_log::at, NaiveDateTime>,
    diesel::dsl::Eq<audit_log::action, &'a str>,
    diesel::dsl::Eq<audit_log::outcome, &'a str>,
    diesel::dsl::Eq<audit_log::actor_user_id, Option<&'a str>>,
    diesel::dsl::Eq<audit_log::actor_agency_id, Option<&'a str>>,
    diesel::dsl::Eq<audit_log::actor_country, Option<&'a str>>,
    diesel::dsl::Eq<audit_log::subject_country, Option<&'a str>>,
    diesel::dsl::Eq<audit_log::case_id, Option<&'a str>>,
    diesel::dsl::Eq<audit_log::entry, &'a str>,
    diesel::dsl::Eq<audit_log::entry_hash, &'a str>,
    diesel::dsl::Eq<audit_log::prev_hash, Option<&'a str>>,
);

impl AuditInsert {
    fn values(&self) -> AuditValues<'_> {
        let actor = self.actor.as_ref();
        (
            audit_log::seq.eq(self.seq),
            audit_log::at.eq(self.at),
            audit_log::action.eq(self.action),
            audit_log::outcome.eq(self.outcome),
            audit_log::actor_user_id.eq(actor.map(|a| a.user_id.as_str())),
            audit_log::actor_agency_id.eq(actor.map(|a| a.agency_id.as_str())),
            audit_log::actor_country.eq(actor.map(|a| a.country.as_str())),
            audit_log::subject_country.eq(self.subject_country.as_deref()),
            audit_log::case_id.eq(self.case_id.as_deref()),
            audit_log::entry.eq(self.entry.as_str()),
            audit_log::entry_hash.eq(self.entry_hash.as_str()),
            audit_log::prev_hash.eq(self.prev_hash.as_deref()),
        )
    }
}

fn build_row(
    event: &Event,
    outcome: Outcome,
    seq: i64,
    prev: Option<String>,
) -> ApiResult<AuditInsert> {
    let at = crate::db::now();
    let entry = AuditEntry {
        v: FORMAT_VERSION,
        seq,
        prev: prev.clone(),
        at: format_at(at),
        action: event.action.as_str().to_owned(),
        outcome,
        actor: event.actor.clone(),
        subject: event.subject.clone(),
        case_id: event.case_id.clone(),
        ip: event.meta.ip.clone(),
        request_id: event.meta.request_id.clone(),
        details: event.details.clone(),
    };
    let text = canonical(&entry)?;
    Ok(AuditInsert {
        seq,
        at,
        action: event.action.as_str(),
        outcome: outcome.as_str(),
        actor: event.actor.clone(),
        subject_country: event.subject.as_ref().and_then(|s| s.country.clone()),
        case_id: event.case_id.clone(),
        entry_hash: sha256_hex(text.as_bytes()),
        entry: text,
        prev_hash: prev,
    })
}

/// Appends one entry in its own transaction.
pub fn record(conn: &mut DbConn, event: &Event, outcome: Outcome) -> ApiResult<i64> {
    transaction(conn, |tx| tx.append(event, outcome))
}

/// True for the refusals the trail records as denied attempts (an action asked of a
/// caller who had not given a second factor lately among them).
pub fn is_refusal(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Forbidden(_) | ApiError::NotFound | ApiError::StepUpRequired
    )
}

/// Runs `f` in a write transaction and records `event` with it: as a success in the
/// same transaction, or, when `f` is refused, as a denied attempt in a new one after
/// the rollback. `f` may fill in the event (subject, case, details) as it learns them.
pub fn audited<T>(
    conn: &mut DbConn,
    mut event: Event,
    f: impl FnOnce(&mut DbConn, &mut Event) -> ApiResult<T>,
) -> ApiResult<T> {
    let result = transaction(conn, |tx| {
        let value = f(tx, &mut event)?;
        tx.append(&event, Outcome::Success)?;
        Ok(value)
    });
    if let Err(e) = &result {
        record_refusal(conn, &event, e)?;
    }
    result
}

fn record_refusal(conn: &mut DbConn, event: &Event, error: &ApiError) -> ApiResult<()> {
    if is_refusal(error) {
        let (slug, _) = error.kind();
        record(
            conn,
            &event.clone().detail("refused", slug),
            Outcome::Denied,
        )?;
    }
    Ok(())
}
