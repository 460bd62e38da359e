//! Who may see a preservation request and record its events. A preservation is
//! visible to the case team of the requesting agency and to the 24/7 points of
//! contact and central authorities of the requesting and the requested state, from
//! the moment it is sent (there is no draft: preservation cannot wait). Everyone else
//! gets 404, exactly as for one that does not exist.

use super::model::{PreservationEventType, PreservationRow};
pub use super::scope::{PreservationScope, is_liaison};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Event, Subject};

/// Loads a preservation for the caller, or answers 404; names it in the audit event
/// either way.
pub fn visible(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<PreservationRow> {
    let row = super::queries::preservation(conn, id)?.ok_or(ApiError::NotFound)?;
    event.subject = Some(Subject::new(
        "preservation",
        &row.id,
        Some(&row.requesting_country),
    ));
    if PreservationScope::of(caller).covers(&row) {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Preservation requests are sent by the requesting state's 24/7 points of contact.
pub fn may_send(caller: &Principal) -> ApiResult<()> {
    if caller.has(Role::ContactPoint) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a 24/7 point of contact sends preservation requests",
        ))
    }
}

/// The requested state's point of contact preserves, extends and discloses; the
/// requesting state's point of contact or central authority says that the MLA
/// request followed; either state's point of contact releases. `expired` is recorded
/// by the service alone.
pub fn may_record(
    caller: &Principal,
    row: &PreservationRow,
    event: PreservationEventType,
) -> ApiResult<()> {
    use PreservationEventType as E;
    let point = caller.has(Role::ContactPoint);
    let requested = caller.country == row.requested_country;
    let requesting = caller.country == row.requesting_country;
    let allowed = match event {
        E::Preserved | E::Extended | E::PartiallyDisclosed => point && requested,
        E::MlaFollowed => requesting && is_liaison(caller),
        E::Released => point && (requested || requesting),
        E::Expired => false,
    };
    if allowed {
        Ok(())
    } else if event == E::Expired {
        Err(ApiError::forbidden(
            "`expired` is recorded by the service when the preservation runs out",
        ))
    } else {
        Err(ApiError::forbidden(format!(
            "your role or state may not record `{}` for this preservation",
            event.as_str()
        )))
    }
}
