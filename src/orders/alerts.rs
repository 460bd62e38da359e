//! An order's deadlines as events: when the provider lets one pass, `deadline.due`
//! is announced once, in the outbox, for those who see the order.

use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::{Emit, outbox};

/// Announces every deadline of an order reached and not announced yet; how many.
/// One transaction under the audit chain's lock, so instances racing announce each
/// once.
pub fn sweep(conn: &mut DbConn) -> ApiResult<usize> {
    crate::ledger::transaction(conn, |tx| {
        let now = crate::db::now();
        let mut announced = Vec::new();
        for row in super::queries::past_due(tx, now)? {
            for (kind, due) in super::deadlines::missed(&row, now) {
                if crate::mla::queries::note_alert(tx, "order", &row.id, kind.as_str(), due, now)? {
                    announced.push(Emit::new(
                        "deadline.due",
                        "order",
                        &row.id,
                        format!("/api/v1/orders/{}", row.id),
                    ));
                }
            }
        }
        outbox::write(tx, &announced, now)?;
        Ok(announced.len())
    })
}
