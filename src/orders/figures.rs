//! What an order's events add to the region's figures (see `ledger::tally`). Each
//! counts under the requesting state (`country`) and the provider's state
//! (`counterpart`).
//!
//! - `orders`: by the quarter the order was sent in, `[provider, order type,
//!   outcome]`. An order counts as `pending` when sent and moves to its outcome as it
//!   gets one: `partially_produced`, `produced`, `refused`, `objected` (by the
//!   notified state) or `withdrawn`; closing keeps the outcome it closes. A draft
//!   withdrawn before it was sent never counts.
//! - `orders.turnaround`: from sending to each stage, by the quarter the stage was
//!   reached in, `[stage, provider, order type]`, bucketed by tenths of an hour (an
//!   emergency's hours matter): `acknowledged`, and `produced`, the first data the
//!   provider delivered (a partial production or the whole).
//! - `orders.emergency`: emergencies (an `emergency_disclosure`, or any order sent as
//!   an emergency) by the quarter they were answered in, `[provider, order type,
//!   in_time | late]`: answered (data produced, in part or whole, or refused) before
//!   their deadline in hours passed, or after.

use super::model::{OrderEventType, OrderRow, OrderStatus};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Tally;
use crate::ledger::tally::Dimensions;
use chrono::NaiveDateTime;
use std::collections::HashMap;

pub const ORDERS: &str = "orders";
pub const ORDER_TURNAROUND: &str = "orders.turnaround";
pub const EMERGENCIES: &str = "orders.emergency";

/// The dimensions of `orders` and `orders.emergency`: the provider (its agency id),
/// the order's type, and its outcome (under `orders.emergency`, `in_time` or `late`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderDims<'a> {
    pub provider: &'a str,
    pub order_type: &'a str,
    /// The outcome; whether it was answered in time under `orders.emergency`.
    pub outcome: &'a str,
}

impl<'a> OrderDims<'a> {
    /// A stored counter's dimensions, named.
    pub fn of(dims: &'a Dimensions) -> OrderDims<'a> {
        OrderDims {
            provider: &dims.first,
            order_type: &dims.second,
            outcome: &dims.third,
        }
    }
}

impl From<OrderDims<'_>> for Dimensions {
    fn from(d: OrderDims<'_>) -> Dimensions {
        Dimensions::of(d.provider, d.order_type, d.outcome)
    }
}

/// The dimensions of `orders.turnaround`: the stage reached, the provider and the
/// order's type (a histogram row is kept per stage; its entries carry the other two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTurnaroundDims<'a> {
    pub stage: &'a str,
    pub provider: &'a str,
    pub order_type: &'a str,
}

impl From<OrderTurnaroundDims<'_>> for Dimensions {
    fn from(d: OrderTurnaroundDims<'_>) -> Dimensions {
        Dimensions::of(d.stage, d.provider, d.order_type)
    }
}

/// The stages turnaround is measured to, in their order.
pub const STAGES: [&str; 2] = ["acknowledged", "produced"];

/// Where an order in `status` stands in the figures; `None` before it is sent.
pub fn outcome(status: OrderStatus) -> Option<&'static str> {
    use OrderStatus as S;
    match status {
        S::Draft | S::Approved => None,
        S::Sent | S::Acknowledged | S::ClarificationAsked | S::ClarificationGiven => {
            Some("pending")
        }
        S::PartiallyProduced => Some("partially_produced"),
        S::Produced => Some("produced"),
        S::Refused => Some("refused"),
        S::Objected => Some("objected"),
        // Closing keeps the outcome it closes: this is never counted.
        S::Closed => Some("closed"),
        S::Withdrawn => Some("withdrawn"),
    }
}

/// Tenths of an hour from `from` to `to` (never negative).
pub fn tenths_of_an_hour(from: NaiveDateTime, to: NaiveDateTime) -> i32 {
    let seconds = (to - from).num_seconds().max(0);
    ((seconds as f64) / 360.0).round() as i32
}

/// The tallies of `kind` recorded at `now` on `row` (the order as it was before).
pub fn tallies(row: &OrderRow, kind: OrderEventType, now: NaiveDateTime) -> Vec<Tally> {
    let sent_at = match kind {
        OrderEventType::Sent => now,
        _ => match row.sent_at {
            Some(at) => at,
            None => return Vec::new(),
        },
    };
    let status = row.status();
    let before = match kind {
        OrderEventType::Sent => None,
        _ => outcome(status),
    };
    let after = match kind.leads_to() {
        None | Some(OrderStatus::Closed) => before,
        Some(next) => outcome(next),
    };
    let pair = |measure: &'static str, at: NaiveDateTime| {
        Tally::one(measure, &row.requesting_country, at).between(&row.provider_country)
    };
    let dims = |outcome| OrderDims {
        provider: &row.provider_id,
        order_type: &row.order_type,
        outcome,
    };
    let mut out = Vec::new();
    if before != after {
        if let Some(was) = before {
            out.push(pair(ORDERS, sent_at).by(dims(was)).undone());
        }
        if let Some(is) = after {
            out.push(pair(ORDERS, sent_at).by(dims(is)));
        }
    }
    // Data, in part or whole, or a refusal: the provider's first answer.
    let first_answer = matches!(
        kind,
        OrderEventType::PartiallyProduced | OrderEventType::Produced | OrderEventType::Refused
    ) && status != OrderStatus::PartiallyProduced;
    let stage = match kind {
        OrderEventType::Acknowledged => Some("acknowledged"),
        OrderEventType::PartiallyProduced | OrderEventType::Produced if first_answer => {
            Some("produced")
        }
        _ => None,
    };
    if let Some(stage) = stage {
        out.push(
            pair(ORDER_TURNAROUND, now)
                .by(OrderTurnaroundDims {
                    stage,
                    provider: &row.provider_id,
                    order_type: &row.order_type,
                })
                .bucket(tenths_of_an_hour(sent_at, now)),
        );
    }
    if first_answer && row.is_emergency() {
        let in_time = row.produce_by.is_none_or(|by| now <= by);
        out.push(pair(EMERGENCIES, now).by(dims(if in_time { "in_time" } else { "late" })));
    }
    out
}

/// How many history entries a replay reads at a time.
const PAGE: i64 = 10_000;

/// The figures of every order sent, replayed from their histories in the order they
/// were logged: each entry counted as it was when it was recorded.
pub fn replay(conn: &mut DbConn) -> ApiResult<Vec<Tally>> {
    let mut orders: HashMap<String, OrderRow> = super::queries::every_sent(conn)?
        .into_iter()
        .map(|mut row| {
            row.status = OrderStatus::Draft.as_str().to_owned();
            row.sent_at = None;
            (row.id.clone(), row)
        })
        .collect();
    let mut out = Vec::new();
    let mut after = -1;
    loop {
        let page = super::queries::history_after(conn, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.log_index;
        for step in &page {
            let Some(row) = orders.get_mut(&step.request_id) else {
                continue;
            };
            let Some(kind) = OrderEventType::parse(&step.entry_type) else {
                continue;
            };
            out.extend(tallies(row, kind, step.created_at));
            if kind == OrderEventType::Sent {
                row.sent_at = Some(step.created_at);
            }
            if let Some(next) = kind.leads_to() {
                row.status = next.as_str().to_owned();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turnaround_is_counted_in_tenths_of_an_hour() {
        let at = |minutes: i64| {
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::Duration::minutes(minutes)
        };
        assert_eq!(tenths_of_an_hour(at(0), at(60)), 10);
        assert_eq!(tenths_of_an_hour(at(0), at(90)), 15);
        assert_eq!(tenths_of_an_hour(at(0), at(2)), 0);
        assert_eq!(tenths_of_an_hour(at(0), at(4)), 1);
        assert_eq!(tenths_of_an_hour(at(0), at(20 * 24 * 60)), 4_800);
        assert_eq!(tenths_of_an_hour(at(5), at(0)), 0);
    }

    #[test]
    fn every_status_after_sending_has_an_outcome() {
        for status in OrderStatus::ALL {
            assert_eq!(outcome(*status).is_some(), status.is_sent(), "{status:?}");
        }
    }
}
