//! The audit chain's head goes into the log (spec §6) at most once per interval, and
//! only when audit entries were committed since the last anchored head: from every
//! instance, the batch that anchors re-reads both heads under the ledger's locks, so
//! two instances never anchor the same head twice.

use crate::ledger::anchor;
use crate::state::AppState;
use std::time::Duration;

/// Runs every `every` (first after one interval) for as long as the service runs.
pub async fn run(state: AppState, every: Duration) {
    let start = actix_web::rt::time::Instant::now() + every;
    let mut ticks = actix_web::rt::time::interval_at(start, every);
    loop {
        ticks.tick().await;
        match state.db(anchor::behind).await {
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = state.ledger.anchor_audit_head().await {
                    tracing::warn!(error = %e, "anchoring the audit head failed; it runs again");
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the audit head failed; it runs again"),
        }
    }
}
