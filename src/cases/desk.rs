//! What a prosecutor's desk shows of cases: those referred to their service that
//! their agency may see, by the case list's own query and access policy.

use super::access;
use super::model::{CaseFilter, CaseRow, CaseStatus};
use super::queries;
use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::ApiResult;

/// The most a desk lists at once.
const DESK_LIMIT: i64 = 100;

/// Cases referred to prosecution that the caller's agency sees, newest first as the
/// case list orders them; none for roles without case content.
pub fn referred_to(conn: &mut DbConn, caller: &Principal) -> ApiResult<Vec<CaseRow>> {
    if !access::has_case_role(caller) {
        return Ok(Vec::new());
    }
    let filter = CaseFilter {
        status: Some(CaseStatus::ReferredToProsecution),
        ..CaseFilter::default()
    };
    let rows = queries::list(conn, &caller.agency_id, &filter, None, None, DESK_LIMIT)?;
    Ok(rows
        .into_iter()
        .map(|v| v.case)
        .take(DESK_LIMIT as usize)
        .collect())
}

/// A step of a case's status, as the audit trail recorded it.
pub struct StatusChange {
    pub at: chrono::NaiveDateTime,
    /// None when the case was opened.
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub by_user_id: Option<String>,
}

/// How a case's status came to be, oldest first: its opening, then each change of
/// status (other changes are left out).
pub fn status_history(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<StatusChange>> {
    let mut out = Vec::new();
    for change in queries::changes(conn, case_id)? {
        let entry: serde_json::Value = serde_json::from_str(&change.entry).unwrap_or_default();
        let details = &entry["details"];
        let reason = details["reason"].as_str().map(str::to_owned);
        if change.action == "case.create" {
            out.push(StatusChange {
                at: change.at,
                from: None,
                to: CaseStatus::Open.as_str().to_owned(),
                reason,
                by_user_id: change.actor_user_id,
            });
        } else if let Some(to) = details["status"]["to"].as_str() {
            out.push(StatusChange {
                at: change.at,
                from: details["status"]["from"].as_str().map(str::to_owned),
                to: to.to_owned(),
                reason,
                by_user_id: change.actor_user_id,
            });
        }
    }
    Ok(out)
}
