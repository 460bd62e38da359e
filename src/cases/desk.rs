//! What the desks show of cases: a prosecutor's, those referred to their service
//! that their agency may see (by the case list's own query and access policy); an
//! investigator's, the cases they lead or opened; a supervisor's, every case their
//! agency still works.

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

/// The cases the caller works: for a supervisor every case their agency owns and
/// still works, for an investigator those they lead or opened; none for other roles.
pub fn worked_by(conn: &mut DbConn, caller: &Principal) -> ApiResult<Vec<CaseRow>> {
    use crate::auth::roles::Role;
    let person = if caller.has(Role::Supervisor) {
        None
    } else if caller.has(Role::Investigator) {
        Some(caller.user_id.as_str())
    } else {
        return Ok(Vec::new());
    };
    Ok(queries::active_cases(
        conn,
        &caller.agency_id,
        person,
        DESK_LIMIT,
    )?)
}
