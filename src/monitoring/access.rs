//! Who may change what of the regional monitoring. Status reviews hold nothing of any
//! case or request: every signed-in user reads them.

use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult};

/// A state's review is kept by its administrators, and by regional administrators.
pub fn may_update(caller: &Principal, country: &str) -> ApiResult<()> {
    if caller.has(Role::RegionalAdmin) || (caller.has(Role::Admin) && caller.country == country) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the state's administrators and regional administrators change its review",
        ))
    }
}

/// Reviews, and the checklist they answer, are the regional administrators'.
pub fn may_review(caller: &Principal) -> ApiResult<()> {
    if caller.has(Role::RegionalAdmin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only regional administrators review states and define the checklist",
        ))
    }
}

/// The region's figures are the monitors' (the regional secretariat, national
/// coordinators) and the regional administrators'.
pub fn may_read_figures(caller: &Principal) -> ApiResult<()> {
    caller
        .require_any(&[Role::Monitor, Role::RegionalAdmin])
        .map_err(|_| {
            ApiError::forbidden("only monitors and regional administrators read the figures")
        })
}
