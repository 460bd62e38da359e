//! What custody adds to the region's figures (see `ledger::tally`): each hash check
//! that failed is an integrity alert of the state whose case holds the item.

use super::queries;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Tally;
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

pub const INTEGRITY_ALERTS: &str = "custody.integrity_alerts";

/// Whether a custody entry records a hash check that failed.
pub fn is_alert(entry: &Map<String, Value>) -> bool {
    entry.get("hash_mismatch") == Some(&Value::Bool(true))
}

/// One alert in `country` at `at`.
pub fn alert(country: &str, at: NaiveDateTime) -> Tally {
    Tally::one(INTEGRITY_ALERTS, country, at)
}

/// The integrity alerts of every custody entry, replayed from the custody log.
pub fn replay(conn: &mut DbConn) -> ApiResult<Vec<Tally>> {
    let mut out = Vec::new();
    for checked in queries::failed_checks(conn)? {
        let Ok(Value::Object(entry)) = serde_json::from_str::<Value>(&checked.canonical) else {
            continue;
        };
        let at = entry
            .get("at")
            .and_then(Value::as_str)
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.naive_utc());
        if let (true, Some(at)) = (is_alert(&entry), at) {
            out.push(alert(&checked.country, at));
        }
    }
    Ok(out)
}
