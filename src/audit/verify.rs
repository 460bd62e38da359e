//! Reading the audit chain back: stored rows, and the walk that checks every entry.

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::error::ApiResult;
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

/// Walks the whole chain in order, in batches.
pub fn verify(conn: &mut DbConn) -> ApiResult<Verification> {
    let mut expected = 0i64;
    let mut prev: Option<String> = None;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.ge(expected))
            .order(audit_log::seq)
            .limit(VERIFY_BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        let done = (rows.len() as i64) < VERIFY_BATCH;
        for row in rows {
            if let Some(problem) = check_row(&row, expected, prev.as_deref()) {
                return Ok(Verification {
                    intact: false,
                    entries: expected,
                    head_hash: prev,
                    broken_seq: Some(expected),
                    problem: Some(problem),
                });
            }
            prev = Some(row.entry_hash);
            expected += 1;
        }
        if done {
            return Ok(Verification {
                intact: true,
                entries: expected,
                head_hash: prev,
                broken_seq: None,
                problem: None,
            });
        }
    }
}
