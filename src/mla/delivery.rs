//! A submitted request is delivered when the requested state's central authority
//! first opens it, through the API or on its page: the service records `delivered`
//! then, once, through the ledger like any event of the request.

use super::events::{NewRequestEvent, RequestEventType};
use super::jobs::{Recording, RequestEvents};
use super::request::{MlaRequest, RequestStatus};
use crate::auth::roles::Role;
use crate::auth::{Credentials, Principal};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Whether `caller` opening `request` delivers it: it waits for delivery, and the
/// caller is a central authority of the state it is addressed to.
pub fn delivers(caller: &Principal, request: &MlaRequest) -> bool {
    request.status == RequestStatus::Submitted
        && caller.has(Role::CentralAuthority)
        && caller.country == request.requested_country
}

/// Records the delivery of `request`, which `credentials`' holder opened; true when
/// this opening recorded it (a concurrent first opening finds it delivered already).
pub async fn record(
    state: &AppState,
    credentials: Credentials,
    request: &MlaRequest,
) -> ApiResult<bool> {
    let delivery = Recording {
        credentials,
        request_id: request.id.clone(),
        event: NewRequestEvent::of(RequestEventType::Delivered),
        by_service: Some(state.log.origin.clone()),
    };
    match state.ledger.submit::<RequestEvents>(delivery, None).await {
        Ok(_) => Ok(true),
        Err(ApiError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
