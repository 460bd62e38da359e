//! Who may see a mutual legal assistance request and do what with it. A request is
//! visible to the agency that owns the requesting case, to the requesting state's
//! central authority, to the requesting state's prosecutors whose agency takes part
//! in the case (the case was referred to them: they approve), once submitted, to the
//! requested state's central authority, and once assigned, to the executing agency. Everyone else gets 404, exactly as
//! for a request that does not exist.

use super::events::RequestEventType;
use super::request::{MlaRequestRow, RequestStatus};
pub use super::scope::{Prosecuting, Scope};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::cases::access::has_case_role;
use crate::cases::model::Standing;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Event, Subject};

/// Who drafts and edits a request: the case team of the agency that owns the case.
pub const DRAFTING_ROLES: &[Role] = &[Role::Investigator, Role::Supervisor, Role::Prosecutor];

fn drafts(caller: &Principal) -> bool {
    DRAFTING_ROLES.iter().any(|r| caller.has(*r))
}

/// A request is drafted for a case by its owner's investigators, supervisors and
/// prosecutors.
pub fn may_draft(caller: &Principal, standing: Standing) -> ApiResult<()> {
    if standing == Standing::Owner && drafts(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only investigators, supervisors and prosecutors of the agency that owns the case draft its requests",
        ))
    }
}

/// Loads a request for the caller, or answers 404. Names the request in the audit
/// event either way, so that a refused attempt reaches the requesting state's
/// auditors.
pub fn visible(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<MlaRequestRow> {
    let row = super::queries::request(conn, id)?.ok_or(ApiError::NotFound)?;
    event.subject = Some(Subject::new(
        "mla_request",
        &row.id,
        Some(&row.requesting_country),
    ));
    event.case_id = Some(row.case_id.clone());
    if sees(conn, caller, &row)? {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Whether the caller sees a request: its scope covers it, or they prosecute in the
/// requesting state for an agency that takes part in its case.
pub fn sees(conn: &mut DbConn, caller: &Principal, row: &MlaRequestRow) -> ApiResult<bool> {
    let scope = Scope::of(caller);
    if scope.covers(row) {
        return Ok(true);
    }
    Ok(match &scope.prosecuting {
        Some(p) if p.country == row.requesting_country => {
            crate::cases::queries::standing(conn, &row.case_id, &p.agency_id)?.is_some()
        }
        _ => false,
    })
}

/// Who records which event: a prosecutor of the requesting state approves; its
/// central authority submits, supplies information and closes; the requested state's
/// central authority acknowledges, decides, assigns and closes; the executing agency
/// (or that central authority) reports execution; the case team or the requesting
/// central authority withdraws. `delivered` is recorded by the service alone. (That
/// the caller sees the request is checked first.)
pub fn may_record(
    caller: &Principal,
    row: &MlaRequestRow,
    event: RequestEventType,
) -> ApiResult<()> {
    use RequestEventType as E;
    let home = caller.country == row.requesting_country;
    let authority = home && caller.has(Role::CentralAuthority);
    let requested = caller.country == row.requested_country && caller.has(Role::CentralAuthority);
    let executing = row.executing_agency_id.as_deref() == Some(caller.agency_id.as_str())
        && has_case_role(caller);
    let allowed = match event {
        E::Approved => home && caller.has(Role::Prosecutor),
        E::Submitted | E::InformationSupplied => authority,
        E::Delivered => false,
        E::PartiallyExecuted | E::Executed => requested || executing,
        E::Closed => authority || requested,
        E::Withdrawn => {
            authority || (caller.agency_id == row.requesting_agency_id && drafts(caller))
        }
        _ => requested,
    };
    if allowed {
        Ok(())
    } else if event == E::Delivered {
        Err(ApiError::forbidden(
            "`delivered` is recorded by the service when the requested central authority first opens the request",
        ))
    } else {
        Err(ApiError::forbidden(format!(
            "your role or agency may not record `{}` for this request",
            event.as_str()
        )))
    }
}

/// A draft is edited by the case team of the requesting agency; after approval its
/// content is frozen and changes arrive only as events.
pub fn may_edit(caller: &Principal, row: &MlaRequestRow) -> ApiResult<()> {
    if caller.agency_id != row.requesting_agency_id || !drafts(caller) {
        return Err(ApiError::forbidden(
            "only investigators, supervisors and prosecutors of the requesting agency edit a draft",
        ));
    }
    match row.status() {
        RequestStatus::Draft => Ok(()),
        status => Err(ApiError::Conflict(format!(
            "the request is {}: only a draft is edited, and changes arrive as events",
            status.as_str()
        ))),
    }
}
