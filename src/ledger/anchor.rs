//! The audit chain's head anchored in the log (custody-log spec §6), so that the log's
//! witnesses see the audit trail too: an *audit-head entry* names the newest audit
//! entry (`audit_seq`, `audit_hash`) and is a leaf of the log like a custody entry,
//! chained among the audit-head entries by `seq` and `prev`. A batch that carries an
//! `Anchor` job (the engine's) appends one when the chain moved since the last; the
//! entry is kept verbatim in `audit_heads` and never changed.

use super::chain::ChainHead;
use super::write::Leaves;
use crate::db::DbConn;
use crate::db::schema::{audit_heads, audit_log};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

/// The `type` of an audit-head entry.
pub const ENTRY_TYPE: &str = "audit_head";

/// An audit-head entry as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_heads)]
pub struct AnchoredHead {
    /// The entry's place among the audit-head entries (0 first).
    pub seq: i64,
    pub log_index: i64,
    /// The audit entry it anchors: its `seq` and hash.
    pub audit_seq: i64,
    pub audit_hash: String,
    /// The entry's canonical (JCS) bytes, as hashed and appended.
    pub canonical: String,
    pub entry_hash: String,
    pub created_at: NaiveDateTime,
}

/// The newest audit-head entry, if any.
pub fn latest(conn: &mut DbConn) -> ApiResult<Option<AnchoredHead>> {
    Ok(audit_heads::table
        .order(audit_heads::seq.desc())
        .select(AnchoredHead::as_select())
        .first(conn)
        .optional()?)
}

/// Whether audit entries were committed after the newest anchored head (two index
/// lookups: what the anchoring timer asks before it asks the ledger to anchor).
pub fn behind(conn: &mut DbConn) -> ApiResult<bool> {
    let (trail, anchored): (Option<i64>, Option<i64>) = diesel::select((
        audit_log::table
            .select(diesel::dsl::max(audit_log::seq))
            .single_value(),
        audit_heads::table
            .select(diesel::dsl::max(audit_heads::audit_seq))
            .single_value(),
    ))
    .get_result(conn)?;
    Ok(trail.is_some() && trail != anchored)
}

/// Audit-head entries `from..`, in order, at most `limit`.
pub fn entries(conn: &mut DbConn, from: i64, limit: i64) -> ApiResult<Vec<AnchoredHead>> {
    Ok(audit_heads::table
        .filter(audit_heads::seq.ge(from))
        .order(audit_heads::seq)
        .limit(limit)
        .select(AnchoredHead::as_select())
        .load(conn)?)
}

/// The audit-head entries that anchor audit entries `first..=last`.
pub fn anchoring(conn: &mut DbConn, first: i64, last: i64) -> ApiResult<Vec<AnchoredHead>> {
    Ok(audit_heads::table
        .filter(audit_heads::audit_seq.between(first, last))
        .order(audit_heads::seq)
        .select(AnchoredHead::as_select())
        .load(conn)?)
}

/// The audit-head entries that anchor an audit entry beyond `last` (a trail that
/// ends before them was truncated).
pub fn anchoring_beyond(conn: &mut DbConn, last: i64) -> ApiResult<Vec<AnchoredHead>> {
    Ok(audit_heads::table
        .filter(audit_heads::audit_seq.gt(last))
        .order(audit_heads::seq)
        .select(AnchoredHead::as_select())
        .load(conn)?)
}

/// The canonical audit-head entry of spec §6.
pub fn entry(
    origin: &str,
    seq: i64,
    prev: Option<&str>,
    audit_seq: i64,
    audit_hash: &str,
    at: NaiveDateTime,
) -> ApiResult<String> {
    let value = json!({
        "v": 1,
        "audit_head": origin,
        "seq": seq,
        "prev": prev,
        "type": ENTRY_TYPE,
        "at": super::format_at(at),
        "actor": {"system": origin},
        "audit_seq": audit_seq,
        "audit_hash": audit_hash,
    });
    crate::jcs::to_string(&value)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("canonicalising an audit head: {e}")))
}

/// Appends an audit-head entry for the chain's head `after` (where the chain goes on
/// once the batch's own entries are in) when it moved since the newest anchored head.
/// Runs inside the batch, which holds the audit chain's lock.
pub(crate) fn append(
    conn: &mut DbConn,
    origin: &str,
    after: &ChainHead,
    leaves: &mut Leaves,
    at: NaiveDateTime,
) -> ApiResult<Option<AnchoredHead>> {
    let Some(audit_hash) = after.prev.clone() else {
        return Ok(None);
    };
    let audit_seq = after.next_seq - 1;
    let last = latest(conn)?;
    if last.as_ref().is_some_and(|l| l.audit_seq == audit_seq) {
        return Ok(None);
    }
    let seq = last.as_ref().map_or(0, |l| l.seq + 1);
    let canonical = entry(
        origin,
        seq,
        last.as_ref().map(|l| l.entry_hash.as_str()),
        audit_seq,
        &audit_hash,
        at,
    )?;
    let head = AnchoredHead {
        seq,
        log_index: leaves.append(canonical.as_bytes()) as i64,
        audit_seq,
        audit_hash,
        entry_hash: super::sha256_hex(canonical.as_bytes()),
        canonical,
        created_at: at,
    };
    crate::insert_rows!(conn, audit_heads::table, &head)?;
    Ok(Some(head))
}
