//! An order's deadlines: the provider's to acknowledge and to produce (set when the
//! order is sent, in hours for an emergency), each running until the event that
//! meets it; and the end of the notified state's period to object, while the data
//! is held back.

use super::model::{OrderRow, OrderStatus};
use crate::mla::deadlines::DeadlineKind;
use chrono::NaiveDateTime;

/// The deadlines of one order running at `now`.
pub fn running(row: &OrderRow, now: NaiveDateTime) -> Vec<(DeadlineKind, NaiveDateTime)> {
    let status = row.status();
    let mut out = Vec::new();
    if status == OrderStatus::Sent
        && let Some(at) = row.acknowledge_by
    {
        out.push((DeadlineKind::Acknowledge, at));
    }
    if status.is_with_provider()
        && let Some(at) = row.produce_by
    {
        out.push((DeadlineKind::Produce, at));
    }
    if status.is_with_provider()
        && row.held_back(now)
        && let Some(at) = row.objection_by
    {
        out.push((DeadlineKind::ObjectionEnds, at));
    }
    out
}

/// The deadlines the provider has let pass at `now` (the end of an objection period
/// is nobody's to meet).
pub fn missed(row: &OrderRow, now: NaiveDateTime) -> Vec<(DeadlineKind, NaiveDateTime)> {
    running(row, now)
        .into_iter()
        .filter(|(kind, at)| *kind != DeadlineKind::ObjectionEnds && *at <= now)
        .collect()
}
