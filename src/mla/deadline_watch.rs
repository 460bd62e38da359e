//! What happens with time alone, on every instance: preservations that run out are
//! recorded as expired, and deadlines reached are announced.

use crate::state::AppState;

/// Runs every `every` for as long as the service runs.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut ticks = actix_web::rt::time::interval(every);
    loop {
        ticks.tick().await;
        match super::preservations::sweeper::sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "preservations expired"),
            Err(e) => tracing::warn!(error = %e, "the expiry sweep failed; it runs again"),
        }
        match state.db(super::alerts::sweep).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(announced = n, "deadlines announced"),
            Err(e) => tracing::warn!(error = %e, "the deadline sweep failed; it runs again"),
        }
    }
}
