//! Producing through the order page: the file a provider's liaison uploads becomes,
//! in one go, an item of the requesting case registered under the order (its custody
//! starting with the provider: `collected` by the liaison), its content, its transfer
//! to whom the order names, and, when the liaison says so, the order's answer
//! (`partially_produced` or `produced`). Each step is the API's, with its checks.

use super::jobs::{OrderEvents, Recording};
use super::model::{NewOrderEvent, OrderEventType};
use crate::auth::Credentials;
use crate::custody::jobs::{Append, Custody, CustodyJob};
use crate::custody::model::EvidenceKind;
use crate::custody::registration::{NewEvidence, ProducedUnder, register_produced};
use crate::error::{ApiError, ApiResult};
use crate::ledger::Action;
use crate::state::AppState;
use crate::store::StoredObject;
use serde_json::json;

/// What the liaison gives: the bytes (already in the store), what they are, and
/// whether they answer the order in part or whole.
pub struct Production {
    pub description: String,
    pub kind: EvidenceKind,
    pub stored: StoredObject,
    pub answer: Option<OrderEventType>,
}

/// A step that refused: before the item was registered nothing is kept (the bytes
/// are discarded); after, the item stays as far as it got.
pub struct Refused {
    pub item_id: Option<String>,
    pub error: ApiError,
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Refused {
        Refused {
            item_id: None,
            error,
        }
    }
}

/// What registering, storing and handing on needs of the order: read once, when
/// whether the caller may produce is checked.
pub struct ProducedFor {
    order_id: String,
    reference: String,
    requesting_agency_id: String,
    deliver_to: Option<String>,
    provider: String,
}

/// Whether the caller may produce under order `order_id` now, checked before a byte
/// of an upload is read: 404 for an order it does not see, 403 for one not addressed
/// to its provider, 409 for one not acknowledged, answered already, or held back.
/// (The registration checks it again under the ledger's lock.) What producing
/// under it needs of it.
pub async fn may_produce(
    state: &AppState,
    credentials: Credentials,
    order_id: String,
) -> ApiResult<ProducedFor> {
    state
        .read_as(
            credentials,
            Action::OrderRead,
            move |conn, caller, event| {
                let (row, reader) = super::access::visible(conn, caller, &order_id, event)?;
                let kind = OrderEventType::PartiallyProduced;
                super::access::may_record(caller, &row, reader, kind)?;
                if !kind.may_follow(row.status()) || row.held_back(crate::db::now()) {
                    return Err(ApiError::Conflict(format!(
                        "the order is {} and cannot be produced under now",
                        row.status().as_str()
                    )));
                }
                let provider = crate::agencies::find(conn, &row.provider_id)?
                    .map_or_else(|| row.provider_id.clone(), |a| a.name);
                Ok(ProducedFor {
                    order_id: row.id,
                    reference: row.reference,
                    requesting_agency_id: row.requesting_agency_id,
                    deliver_to: row.deliver_to,
                    provider,
                })
            },
        )
        .await
}

/// Registers, stores and hands on what `production` holds under the order
/// [`may_produce`] allowed; the item's id.
pub async fn produce(
    state: &AppState,
    credentials: Credentials,
    order: ProducedFor,
    production: Production,
) -> Result<String, Refused> {
    let Production {
        description,
        kind,
        stored,
        answer,
    } = production;
    let object = stored.object.clone();
    let registered = register(
        state,
        credentials.clone(),
        &order,
        description,
        kind,
        &stored,
    );
    let item_id = match registered.await {
        Ok(item_id) => item_id,
        Err(error) => {
            state.store.discard(&[object]).await;
            return Err(error.into());
        }
    };
    let after = |error: ApiError| Refused {
        item_id: Some(item_id.clone()),
        error,
    };
    if let Err(e) =
        crate::custody::content::bind_stored(state, credentials.clone(), item_id.clone(), stored)
            .await
    {
        state.store.discard(&[object]).await;
        return Err(after(e));
    }
    let mut transfer: crate::custody::entry::NewEntry = serde_json::from_value(json!({
        "type": "transferred",
        "to_agency_id": order.requesting_agency_id,
        "to_custodian_id": order.deliver_to,
        "authority": order.reference,
    }))
    .map_err(|e| after(ApiError::Internal(e.into())))?;
    crate::custody::entry::check(&mut transfer).map_err(after)?;
    let job = CustodyJob::Append(Box::new(Append {
        credentials: credentials.clone(),
        evidence_id: item_id.clone(),
        request: transfer,
    }));
    state
        .ledger
        .submit::<Custody>(job, None)
        .await
        .map_err(after)?;
    if let Some(answer) = answer {
        let job = Recording {
            credentials,
            order_id: order.order_id,
            event: NewOrderEvent::of(answer),
        };
        state
            .ledger
            .submit::<OrderEvents>(job, None)
            .await
            .map_err(after)?;
    }
    Ok(item_id)
}

/// Registers the item under the order, with the hash and length the store
/// computed; its id.
async fn register(
    state: &AppState,
    credentials: Credentials,
    order: &ProducedFor,
    description: String,
    kind: EvidenceKind,
    stored: &StoredObject,
) -> ApiResult<String> {
    let description = description.trim().to_owned();
    if description.is_empty() || description.chars().count() > 5000 {
        return Err(ApiError::validation(
            "description",
            "must be 1 to 5000 characters",
        ));
    }
    let body: NewEvidence = serde_json::from_value(json!({
        "description": description,
        "kind": kind.as_str(),
        "sha256": stored.sha256,
        "size_bytes": stored.size,
        "source": {"produced_by": order.provider, "legal_authority": order.reference},
        "collected": {"reason": "produced under the order", "authority": order.reference},
    }))
    .map_err(|e| ApiError::Internal(e.into()))?;
    let under = ProducedUnder::Order(order.order_id.clone());
    let reply = register_produced(state, credentials, body, None, under).await?;
    let item_id = reply.body["id"]
        .as_str()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a registration without an id")))?
        .to_owned();
    Ok(item_id)
}
