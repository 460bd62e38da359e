//! What custody adds to the region's figures (see `ledger::tally`): each hash check
//! that failed is an integrity alert of the state whose case holds the item.

use super::hashes::{Acquired, Comparison};
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

/// The integrity alerts of every custody entry, replayed from the custody log: each
/// hash check judged as the verifier judges it (spec §8), also one recorded before
/// algorithm names were checked.
pub fn replay(conn: &mut DbConn) -> ApiResult<Vec<Tally>> {
    let mut out = Vec::new();
    for check in queries::hash_checks(conn)? {
        let Ok(entry) = serde_json::from_str::<Value>(&check.canonical) else {
            continue;
        };
        let acquired = Acquired::of(
            check.sha256.as_deref(),
            &serde_json::from_str(&check.other_hashes).unwrap_or(Value::Null),
        );
        let failed = matches!(acquired.judge(&entry), Some(Comparison::Mismatch { .. }));
        let at = entry["at"].as_str().and_then(crate::time::parse_instant);
        if let (true, Some(at)) = (failed, at) {
            out.push(alert(&check.country, at));
        }
    }
    Ok(out)
}
