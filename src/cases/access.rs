//! Who may see a case and do what in it. What a caller may not see answers 404,
//! exactly like what does not exist.

use super::model::{CASE_ROLES, CaseRow, Standing, Transition, Visible};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Event, Subject};

pub fn has_case_role(caller: &Principal) -> bool {
    CASE_ROLES.iter().any(|r| caller.has(*r))
}

/// Loads a case for the caller, or answers 404. Names the case in the audit event
/// either way, so that a refused attempt on another country's case reaches that
/// country's auditors.
pub fn visible(
    conn: &mut DbConn,
    caller: &Principal,
    case_id: &str,
    event: &mut Event,
) -> ApiResult<Visible> {
    event.case_id = Some(case_id.to_owned());
    let found = super::queries::case_for(conn, case_id, &caller.agency_id)?;
    let found = found.ok_or(ApiError::NotFound)?;
    let case = &found.case;
    event.subject = Some(Subject::new("case", &case.id, Some(&case.owner_country)));
    let standing = standing_of(caller, &found).ok_or(ApiError::NotFound)?;
    Ok(Visible {
        case: found.case,
        standing,
    })
}

/// The caller's standing in a case, if the case is theirs to see: their agency takes
/// part in it, and their roles handle case content.
fn standing_of(caller: &Principal, found: &super::queries::CaseFound) -> Option<Standing> {
    has_case_role(caller).then_some(found.standing).flatten()
}

/// The case, when the caller may see it (the rule of `visible`), for a page that
/// links to it from elsewhere; none otherwise, as for a case that does not exist.
pub fn seen(conn: &mut DbConn, caller: &Principal, case_id: &str) -> ApiResult<Option<CaseRow>> {
    if !has_case_role(caller) {
        return Ok(None);
    }
    Ok(super::queries::case_for(conn, case_id, &caller.agency_id)?
        .filter(|found| standing_of(caller, found).is_some())
        .map(|found| found.case))
}

/// Investigators and supervisors open cases for their agency.
pub fn may_open(caller: &Principal) -> ApiResult<()> {
    caller
        .require_any(&[Role::Investigator, Role::Supervisor])
        .map_err(|_| ApiError::forbidden("only investigators and supervisors open cases"))
}

fn works_cases(caller: &Principal) -> bool {
    caller.has(Role::Investigator) || caller.has(Role::Supervisor)
}

/// A case's fields are edited by investigators and supervisors of its owner.
pub fn may_edit(caller: &Principal, standing: Standing) -> ApiResult<()> {
    if standing == Standing::Owner && works_cases(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only investigators and supervisors of the owning agency edit a case",
        ))
    }
}

/// A case is shared (and unshared) by supervisors of its owner.
pub fn may_share(caller: &Principal, standing: Standing) -> ApiResult<()> {
    if standing == Standing::Owner && caller.has(Role::Supervisor) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a supervisor of the owning agency shares a case",
        ))
    }
}

/// National systems' references are linked by investigators and supervisors of the
/// owner.
pub fn may_link(caller: &Principal, standing: Standing) -> ApiResult<()> {
    if standing == Standing::Owner && works_cases(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only investigators and supervisors of the owning agency link references",
        ))
    }
}

/// A step of the workflow is taken by its roles, and by the owner's users only when
/// the step says so (a prosecution service sees the cases referred to it).
pub fn may_move(caller: &Principal, standing: Standing, step: &Transition) -> ApiResult<()> {
    let role_ok = step.roles.iter().any(|r| caller.has(*r));
    let agency_ok = !step.owner_only || standing == Standing::Owner;
    if role_ok && agency_ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "your role or agency may not move a case from {} to {}",
            step.from.as_str(),
            step.to.as_str()
        )))
    }
}

/// Lead investigators and the custodians of transfers: active investigators or
/// supervisors of the agency.
pub const LEAD_ROLES: &[Role] = &[Role::Investigator, Role::Supervisor];
