//! Cross-border cases. A case belongs to its lead agency; other agencies see it only
//! as participants. Everything a caller may not see answers 404, like nothing at all.

pub mod model;
pub mod routes;

use crate::audit::{Event, Subject};
use crate::auth::Principal;
use crate::db::DbConn;
use crate::db::schema::{case_participants, cases};
use crate::error::{ApiError, ApiResult};
use diesel::prelude::*;
use model::{CASE_ROLES, CaseRow, Standing};

/// A case the caller may see, with their agency's standing in it.
pub struct Visible {
    pub case: CaseRow,
    pub standing: Standing,
}

pub fn has_case_role(caller: &Principal) -> bool {
    CASE_ROLES.iter().any(|r| caller.has(*r))
}

/// The caller's agency's standing in a case, if any.
pub fn standing(conn: &mut DbConn, case: &CaseRow, agency_id: &str) -> ApiResult<Option<Standing>> {
    let access: Option<String> = case_participants::table
        .find((&case.id, agency_id))
        .select(case_participants::access)
        .first(conn)
        .optional()?;
    Ok(access.as_deref().and_then(Standing::from_stored))
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
    let case: Option<CaseRow> = cases::table
        .find(case_id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?;
    let case = case.ok_or(ApiError::NotFound)?;
    event.subject = Some(Subject::new("case", &case.id, Some(&case.owner_country)));
    if !has_case_role(caller) {
        return Err(ApiError::NotFound);
    }
    let standing = standing(conn, &case, &caller.agency_id)?.ok_or(ApiError::NotFound)?;
    Ok(Visible { case, standing })
}
