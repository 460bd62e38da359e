//! What the pages read of orders: one order with its history and its codes in words,
//! and the orders that wait on someone, for the desk. Read through the same access
//! policy as the API.

use super::access::{OrderScope, visible};
use super::model::{Order, OrderEventType, OrderFilter, OrderRow, Reader};
use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Event;
use crate::mla::events::RequestEvent;
use crate::mla::review::{RequestNames, Step};

pub struct OrderReview {
    pub order: Order,
    pub history: Vec<Step>,
    /// The requesting and the provider's state, and the legal basis, by name.
    pub names: RequestNames,
    /// The provider, by name.
    pub provider: String,
    /// Its deadlines running now.
    pub running: Vec<(crate::mla::deadlines::DeadlineKind, chrono::NaiveDateTime)>,
    /// The events the caller may record on it now.
    pub recordable: Vec<OrderEventType>,
    /// Whether the caller may produce under it now: a liaison of its provider, the
    /// order acknowledged and not held back.
    pub may_produce: bool,
}

/// An order the caller may see (404 otherwise, as for a missing one).
pub fn read(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<OrderReview> {
    let (row, reader) = visible(conn, caller, id, event)?;
    let events: Vec<RequestEvent> = crate::mla::queries::entries(conn, &row.id)?
        .into_iter()
        .map(RequestEvent::from)
        .collect();
    let history = crate::mla::review::steps(conn, events)?;
    let names = crate::mla::review::names_of(
        conn,
        &row.requesting_country,
        &row.provider_country,
        &row.legal_basis,
    )?;
    let provider = crate::agencies::find(conn, &row.provider_id)?
        .map_or_else(|| row.provider_id.clone(), |a| a.name);
    let now = crate::db::now();
    let running = super::deadlines::running(&row, now);
    let status = row.status();
    let recordable: Vec<OrderEventType> = OrderEventType::ALL
        .iter()
        .copied()
        .filter(|kind| kind.may_follow(status))
        .filter(|kind| super::access::may_record(caller, &row, reader, *kind).is_ok())
        .filter(|kind| match kind {
            OrderEventType::NoObjection | OrderEventType::Objected => row.objection_open(now),
            OrderEventType::PartiallyProduced | OrderEventType::Produced => !row.held_back(now),
            _ => true,
        })
        .collect();
    let may_produce = recordable.contains(&OrderEventType::PartiallyProduced);
    let order = super::routes::view(conn, row, reader)?;
    Ok(OrderReview {
        order,
        history,
        names,
        provider,
        running,
        recordable,
        may_produce,
    })
}

/// An order on the desk: the order, and its provider's name.
pub struct DeskOrder {
    pub row: OrderRow,
    pub provider: String,
}

/// The orders the caller sees that still wait on their provider (or on a draft's
/// approval and sending, for the case team), newest first, at most `limit`.
pub fn open(conn: &mut DbConn, caller: &Principal, limit: i64) -> ApiResult<Vec<DeskOrder>> {
    let scope = OrderScope::of(caller);
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let filter = OrderFilter {
        status: None,
        order_type: None,
        provider_id: None,
        case_id: None,
    };
    let rows: Vec<OrderRow> = super::queries::list(conn, &scope, &filter, None, limit)?
        .into_iter()
        .take(limit as usize)
        .filter(|row| {
            let status = row.status();
            status.is_with_provider()
                || (scope.reader_of_listed(row) == Reader::CaseTeam && !status.is_sent())
        })
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.provider_id.clone()).collect();
    let names = crate::agencies::queries::names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| DeskOrder {
            provider: names
                .get(&row.provider_id)
                .cloned()
                .unwrap_or_else(|| row.provider_id.clone()),
            row,
        })
        .collect())
}
