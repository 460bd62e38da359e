//! Who may do what with an evidence item: the one policy that reads, registration,
//! appends and the ledger's batches all apply. What a caller may not see is answered
//! 404, exactly like what does not exist.

use super::model::EventType;
use super::queries::ItemInCase;
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::cases::access::has_case_role;
use crate::cases::model::Standing;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Event, Subject};

/// What the policy needs to know about the caller's agency and one item: its standing
/// in the item's case, and whether the item was sent to it.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    pub standing: Option<Standing>,
    pub via_transfer: bool,
}

/// Roles that handle evidence (register it, record its custody, receive it): those
/// who lead cases.
pub const CUSTODIAN_ROLES: &[Role] = crate::cases::access::LEAD_ROLES;

/// Those who lead cases, and a provider's liaisons for what their provider produced.
pub fn handles_evidence(caller: &Principal) -> bool {
    CUSTODIAN_ROLES.iter().any(|r| caller.has(*r)) || caller.has(Role::ProviderLiaison)
}

/// An item the caller may see, or 404. Names the item and its case in the audit event
/// either way, so that a refused attempt on another country's item reaches that
/// country's auditors.
pub fn visible(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<ItemInCase> {
    let found = super::queries::item_for(conn, id, &caller.agency_id)?.ok_or(ApiError::NotFound)?;
    event.case_id = Some(found.case.id.clone());
    event.subject = Some(Subject::new(
        "evidence",
        &found.item.id,
        Some(&found.case.owner_country),
    ));
    let reach = Reach {
        standing: found.standing,
        via_transfer: found.via_transfer,
    };
    may_see(caller, reach)?;
    Ok(found)
}

/// The item is visible through its case, or as an agency it was sent to (or that
/// produced it under a request or an order: a provider's liaisons see what their
/// provider produced, and nothing of the case).
pub fn may_see(caller: &Principal, reach: Reach) -> ApiResult<()> {
    let through_case = has_case_role(caller) && (reach.standing.is_some() || reach.via_transfer);
    let as_provider = caller.has(Role::ProviderLiaison) && reach.via_transfer;
    if through_case || as_provider {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// Where an item's custody stands, as far as recording it goes: the agency that holds
/// it (or last held it) and the agency a transfer of it awaits.
#[derive(Debug, Clone, Copy)]
pub struct Holding<'a> {
    pub holder: Option<&'a str>,
    pub receiving: Option<&'a str>,
}

/// Custody follows the item: investigators and supervisors of the agency that holds
/// it record what a holder does, and those of the agency a transfer awaits (they
/// alone) record its receipt. An agency that held it before, or sees it through its
/// case, records nothing of it.
pub fn may_record(
    caller: &Principal,
    reach: Reach,
    holding: Holding<'_>,
    event: EventType,
) -> ApiResult<()> {
    may_see(caller, reach)?;
    let ours = |agency: Option<&str>| agency == Some(caller.agency_id.as_str());
    let records = match (event, holding.receiving) {
        (EventType::Received, Some(receiving)) => ours(Some(receiving)),
        _ => ours(holding.holder),
    };
    if records && handles_evidence(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only investigators and supervisors of the agency that holds the item record its custody, and those of the agency a transfer awaits its receipt",
        ))
    }
}

/// Evidence is registered in a case the caller sees, by investigators and supervisors
/// of an agency that owns or contributes to it.
pub fn may_register(caller: &Principal, standing: Option<Standing>) -> ApiResult<()> {
    if !has_case_role(caller) || standing.is_none() {
        return Err(ApiError::NotFound);
    }
    if matches!(standing, Some(Standing::Owner | Standing::Contribute)) && handles_evidence(caller)
    {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only investigators and supervisors of agencies that own or contribute to the case register evidence",
        ))
    }
}

/// What executing an MLA request produced is registered into the requesting case by
/// the investigators and supervisors of the executing agency, while the request is
/// in execution. (That the caller sees the request is checked before.)
pub fn may_register_under_request(
    caller: &Principal,
    executing_agency_id: Option<&str>,
    request_status: &str,
) -> ApiResult<()> {
    if executing_agency_id != Some(caller.agency_id.as_str()) || !handles_evidence(caller) {
        return Err(ApiError::forbidden(
            "only investigators and supervisors of the executing agency register what execution produced",
        ));
    }
    if matches!(request_status, "in_execution" | "partially_executed") {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the request is {request_status}: evidence is registered under it while it is in execution"
        )))
    }
}

/// What a provider produced under an order is registered into the requesting case by
/// its liaisons, once the order is acknowledged and while it is answered, and not
/// while the notified state may still object. (That the caller sees the order is
/// checked before.)
pub fn may_register_under_order(
    caller: &Principal,
    order: &super::queries::ProducingOrder,
    now: chrono::NaiveDateTime,
) -> ApiResult<()> {
    if caller.agency_id != order.provider_id || !caller.has(Role::ProviderLiaison) {
        return Err(ApiError::forbidden(
            "only the liaisons of the provider the order is addressed to register what it produced",
        ));
    }
    if !matches!(
        order.status.as_str(),
        "acknowledged" | "clarification_given" | "partially_produced"
    ) {
        return Err(ApiError::Conflict(format!(
            "the order is {}: what is produced is registered once it is acknowledged and until it is answered",
            order.status
        )));
    }
    match order.objection_by {
        Some(by) if order.notified && by > now => Err(ApiError::Conflict(format!(
            "the data is held back until {}: the notified state may object until then",
            crate::ledger::format_at(by)
        ))),
        _ => Ok(()),
    }
}

/// Auditors verify chains they may not read (a report holds hashes, positions and
/// event types, no case content): those of their country's items, or any item when
/// their agency is regional.
pub fn auditor_may_verify(caller: &Principal, item_country: &str) -> bool {
    caller.has(Role::Auditor)
        && (caller.agency_kind == "regional" || caller.country == item_country)
}

/// A transfer to an agency outside the case (or only reading it) gives that agency
/// access to this item, and nothing else of the case.
pub fn transfer_grants_access(recipient_standing: Option<Standing>) -> bool {
    !matches!(
        recipient_standing,
        Some(Standing::Owner | Standing::Contribute)
    )
}
