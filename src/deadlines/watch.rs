//! What happens with time alone, on every instance: preservations that run out are
//! recorded as expired, and deadlines reached (of requests and of orders) are
//! announced.

use crate::state::AppState;

/// Runs every `every` for as long as the service runs.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut ticks = actix_web::rt::time::interval(every);
    loop {
        ticks.tick().await;
        match crate::mla::preservations::sweeper::sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "preservations expired"),
            Err(e) => tracing::warn!(error = %e, "the expiry sweep failed; it runs again"),
        }
        match state
            .db(|conn| Ok(crate::mla::alerts::sweep(conn)? + crate::orders::alerts::sweep(conn)?))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(announced = n, "deadlines announced"),
            Err(e) => tracing::warn!(error = %e, "the deadline sweep failed; it runs again"),
        }
    }
}
