//! Deadlines as events: when a request's due date passes (`deadline.due`) or a
//! preservation comes within a week of running out (`preservation.expiring`), the
//! service says so once, in the outbox, whether or not anyone is looking.

use super::deadlines::of_request;
use super::preservations::queries as preservation_queries;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::{self, Emit, outbox};
use chrono::Duration;

/// How long before a preservation runs out `preservation.expiring` is announced.
pub const EXPIRY_NOTICE_DAYS: i64 = 7;

/// Announces every deadline reached and every expiry near that was not announced
/// yet; how many it announced. One transaction under the audit chain's lock, so
/// instances racing announce each once.
pub fn sweep(conn: &mut DbConn) -> ApiResult<usize> {
    ledger::transaction(conn, |tx| {
        let now = crate::db::now();
        let mut announced = Vec::new();
        for row in super::queries::requests_past_due(tx, now)? {
            for (kind, due) in of_request(&row) {
                if due <= now
                    && super::queries::note_alert(
                        tx,
                        "mla_request",
                        &row.id,
                        kind.as_str(),
                        due,
                        now,
                    )?
                {
                    announced.push(Emit::new(
                        "deadline.due",
                        "mla_request",
                        &row.id,
                        format!("/api/v1/mla/requests/{}", row.id),
                    ));
                }
            }
        }
        let soon = now + Duration::days(EXPIRY_NOTICE_DAYS);
        for row in preservation_queries::expiring_by(tx, soon)? {
            let Some(at) = row.expires_at else { continue };
            if super::queries::note_alert(tx, "preservation", &row.id, "expires_at", at, now)? {
                announced.push(Emit::new(
                    "preservation.expiring",
                    "preservation",
                    &row.id,
                    format!("/api/v1/preservations/{}", row.id),
                ));
            }
        }
        outbox::write(tx, &announced, now)?;
        Ok(announced.len())
    })
}
