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
