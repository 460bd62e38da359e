//! Reading the audit chain back: stored rows, and the walk that checks every entry.

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::error::ApiResult;
use crate::ledger::anchor::{self, AnchoredHead};
use crate::ledger::{AuditEntry, FORMAT_VERSION, canonical, format_at, sha256_hex};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub outcome: String,
    pub actor_user_id: Option<String>,
    pub actor_agency_id: Option<String>,
    pub actor_country: Option<String>,
    pub subject_country: Option<String>,
    pub case_id: Option<String>,
    pub entry: String,
    pub entry_hash: String,
    pub prev_hash: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True when every entry hashes correctly and links to its predecessor.
    pub intact: bool,
    /// Entries checked.
    pub entries: i64,
    /// Hash of the last entry checked: note it to detect a later truncation.
    pub head_hash: Option<String>,
    /// The first entry that does not verify.
    pub broken_seq: Option<i64>,
    pub problem: Option<String>,
    /// How many of the heads anchored in the log (spec §6) were held against the trail.
    pub anchored_heads_checked: i64,
    /// The newest head anchored in the log that the trail continues from: what the
    /// log's witnesses saw. A trail rewritten or cut short before it no longer does.
    pub continues_from: Option<AnchorPoint>,
}

/// A head of the audit trail as anchored in the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnchorPoint {
    /// The audit entry anchored: its `seq` and hash.
    pub audit_seq: i64,
    pub audit_hash: String,
    /// The audit-head entry that anchors it: its place among them and in the log.
    pub head_seq: i64,
    pub log_index: i64,
    #[schema(value_type = String, format = DateTime)]
    pub anchored_at: String,
}

impl From<&AnchoredHead> for AnchorPoint {
    fn from(head: &AnchoredHead) -> AnchorPoint {
        AnchorPoint {
            audit_seq: head.audit_seq,
            audit_hash: head.audit_hash.clone(),
            head_seq: head.seq,
            log_index: head.log_index,
            anchored_at: format_at(head.created_at),
        }
    }
}

/// What is wrong with an anchored head, held against the trail's entry at its
/// `audit_seq` (`None`: the trail ends before it).
fn check_anchor(head: &AnchoredHead, trail_hash: Option<&str>) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Anchored {
        audit_seq: i64,
        audit_hash: String,
    }
    let stored = serde_json::from_str::<Anchored>(&head.canonical).ok();
    if sha256_hex(head.canonical.as_bytes()) != head.entry_hash
        || stored.is_none_or(|a| a.audit_seq != head.audit_seq || a.audit_hash != head.audit_hash)
    {
        return Some(format!(
            "the audit head anchored at log index {} does not match its stored entry",
            head.log_index
        ));
    }
    match trail_hash {
        None => Some(format!(
            "the trail ends before entry {}, anchored in the log at index {}: it was cut short",
            head.audit_seq, head.log_index
        )),
        Some(hash) if hash != head.audit_hash => Some(format!(
            "entry {} is not the one anchored in the log at index {}: the trail was rewritten",
            head.audit_seq, head.log_index
        )),
        Some(_) => None,
    }
}

/// Checks one stored row against its predecessor; returns what is wrong.
fn check_row(row: &AuditRow, expected_seq: i64, prev_hash: Option<&str>) -> Option<String> {
    if row.seq != expected_seq {
        return Some(format!(
            "expected entry {expected_seq}, found {}: entries are missing",
            row.seq
        ));
    }
    if sha256_hex(row.entry.as_bytes()) != row.entry_hash {
        return Some("the entry does not match its hash".into());
    }
    let entry: AuditEntry = match serde_json::from_str(&row.entry) {
        Ok(entry) => entry,
        Err(_) => return Some("the entry is not a valid audit entry".into()),
    };
    if canonical(&entry).ok().as_deref() != Some(row.entry.as_str()) {
        return Some("the entry is not in canonical form".into());
    }
    if entry.seq != row.seq || entry.v != FORMAT_VERSION {
        return Some("the entry's sequence number or version is wrong".into());
    }
    if entry.prev.as_deref() != prev_hash || row.prev_hash.as_deref() != prev_hash {
        return Some("the entry does not link to the previous entry's hash".into());
    }
    let actor = entry.actor.as_ref();
    let columns_match = format_at(row.at) == entry.at
        && row.action == entry.action
        && row.outcome == entry.outcome.as_str()
        && row.actor_user_id.as_deref() == actor.map(|a| a.user_id.as_str())
        && row.actor_agency_id.as_deref() == actor.map(|a| a.agency_id.as_str())
        && row.actor_country.as_deref() == actor.map(|a| a.country.as_str())
        && row.subject_country.as_deref()
            == entry.subject.as_ref().and_then(|s| s.country.as_deref())
        && row.case_id == entry.case_id;
    if !columns_match {
        return Some("the indexed columns differ from the hashed entry".into());
    }
    None
}

const VERIFY_BATCH: i64 = 2000;

/// How far the walk has come: the entries checked, the last one's hash, the anchored
/// heads held against them and the newest of those.
#[derive(Default)]
struct Walk {
    entries: i64,
    head_hash: Option<String>,
    anchors_checked: i64,
    newest_anchor: Option<AnchoredHead>,
}

impl Walk {
    fn ends(self, broken: Option<(i64, String)>) -> Verification {
        let (broken_seq, problem) = broken.unzip();
        Verification {
            intact: broken_seq.is_none(),
            entries: self.entries,
            head_hash: self.head_hash,
            broken_seq,
            problem,
            anchored_heads_checked: self.anchors_checked,
            continues_from: self.newest_anchor.as_ref().map(AnchorPoint::from),
        }
    }
}

/// Walks the whole chain in order, in batches, and holds every head anchored in the
/// log against it.
pub fn verify(conn: &mut DbConn) -> ApiResult<Verification> {
    let mut walk = Walk::default();
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.ge(walk.entries))
            .order(audit_log::seq)
            .limit(VERIFY_BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        let done = (rows.len() as i64) < VERIFY_BATCH;
        let first = walk.entries;
        let mut hashes = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(problem) = check_row(&row, walk.entries, walk.head_hash.as_deref()) {
                let seq = walk.entries;
                return Ok(walk.ends(Some((seq, problem))));
            }
            hashes.push(row.entry_hash.clone());
            walk.head_hash = Some(row.entry_hash);
            walk.entries += 1;
        }
        if walk.entries > first {
            for head in anchor::anchoring(conn, first, walk.entries - 1)? {
                let at = hashes.get((head.audit_seq - first) as usize);
                if let Some(problem) = check_anchor(&head, at.map(String::as_str)) {
                    return Ok(walk.ends(Some((head.audit_seq, problem))));
                }
                walk.anchors_checked += 1;
                if walk.newest_anchor.as_ref().is_none_or(|n| n.seq < head.seq) {
                    walk.newest_anchor = Some(head);
                }
            }
        }
        if done {
            let beyond = anchor::anchoring_beyond(conn, walk.entries - 1)?;
            let broken = beyond
                .first()
                .map(|head| (head.audit_seq, check_anchor(head, None).unwrap_or_default()));
            return Ok(walk.ends(broken));
        }
    }
}
