//! Who may see an order and do what with it. An order is visible to the case team of
//! the requesting agency, and to the requesting state's prosecutors whose agency
//! takes part in its case (they approve); once sent, to the provider's liaisons and,
//! where it was notified, to the central authority of the provider's state, who see
//! the order but not the case. Everyone else gets 404, exactly as for an order that
//! does not exist.

use super::model::{OrderEventType, OrderRow, OrderStatus, Reader};
pub use super::scope::OrderScope;
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::cases::model::Standing;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Event, Subject};

/// Who drafts, sends and closes an order: the case team of the agency that owns the
/// case.
const DRAFTING_ROLES: &[Role] = &[Role::Investigator, Role::Supervisor, Role::Prosecutor];

fn drafts(caller: &Principal) -> bool {
    DRAFTING_ROLES.iter().any(|r| caller.has(*r))
}

/// Loads an order for the caller, or answers 404; names it in the audit event either
/// way, so that a refused attempt reaches the requesting state's auditors.
pub fn visible(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<(OrderRow, Reader)> {
    let row = super::queries::find(conn, id)?.ok_or(ApiError::NotFound)?;
    event.subject = Some(Subject::new(
        "order",
        &row.id,
        Some(&row.requesting_country),
    ));
    match reader(conn, caller, &row)? {
        Some(reader) => {
            if reader == Reader::CaseTeam {
                event.case_id = Some(row.case_id.clone());
            }
            Ok((row, reader))
        }
        None => Err(ApiError::NotFound),
    }
}

/// How the caller reads an order, if at all.
pub fn reader(conn: &mut DbConn, caller: &Principal, row: &OrderRow) -> ApiResult<Option<Reader>> {
    let scope = OrderScope::of(caller);
    if let Some(reader) = scope.reaches(row) {
        return Ok(Some(reader));
    }
    Ok(match &scope.prosecuting {
        Some(p) if p.country == row.requesting_country => {
            crate::cases::queries::standing(conn, &row.case_id, &p.agency_id)?
                .map(|_| Reader::CaseTeam)
        }
        _ => None,
    })
}

/// An order is drafted for a case by its owner's investigators, supervisors and
/// prosecutors.
pub fn may_draft(caller: &Principal, standing: Standing) -> ApiResult<()> {
    if standing == Standing::Owner && drafts(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only investigators, supervisors and prosecutors of the agency that owns the case draft its orders",
        ))
    }
}

/// A draft is edited by the case team of the requesting agency; once approved, its
/// content is frozen.
pub fn may_edit(caller: &Principal, row: &OrderRow) -> ApiResult<()> {
    if caller.agency_id != row.requesting_agency_id || !drafts(caller) {
        return Err(ApiError::forbidden(
            "only investigators, supervisors and prosecutors of the requesting agency edit a draft",
        ));
    }
    match row.status() {
        OrderStatus::Draft => Ok(()),
        status => Err(ApiError::Conflict(format!(
            "the order is {}: only a draft is edited, and changes arrive as events",
            status.as_str()
        ))),
    }
}

/// Whether the caller is a liaison of the order's provider.
fn is_providers(caller: &Principal, row: &OrderRow) -> bool {
    caller.has(Role::ProviderLiaison) && caller.agency_id == row.provider_id
}

/// Whether the caller speaks for the notified state (its central authority).
fn is_notified_state(caller: &Principal, row: &OrderRow) -> bool {
    row.notified && caller.has(Role::CentralAuthority) && caller.country == row.provider_country
}

/// Who records which event: a prosecutor of the requesting state who sees the order
/// approves; the requesting agency's case team sends, answers questions, closes and
/// withdraws; the provider's liaisons acknowledge, ask, refuse and produce; the
/// notified state's central authority asks, lets it go ahead or objects. (That the
/// caller sees the order is checked first.)
pub fn may_record(
    caller: &Principal,
    row: &OrderRow,
    reader: Reader,
    event: OrderEventType,
) -> ApiResult<()> {
    use OrderEventType as E;
    let team = caller.agency_id == row.requesting_agency_id && drafts(caller);
    let allowed = match event {
        E::Approved => {
            reader == Reader::CaseTeam
                && caller.country == row.requesting_country
                && caller.has(Role::Prosecutor)
        }
        E::Sent | E::ClarificationGiven | E::Closed | E::Withdrawn => team,
        E::Acknowledged | E::Refused | E::PartiallyProduced | E::Produced => {
            is_providers(caller, row)
        }
        E::ClarificationAsked => is_providers(caller, row) || is_notified_state(caller, row),
        E::NoObjection | E::Objected => is_notified_state(caller, row),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "your role or agency may not record `{}` for this order",
            event.as_str()
        )))
    }
}
