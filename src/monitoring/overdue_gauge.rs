//! What the figures keep up with time alone: the overdue gauge, read again every
//! sweep (deadlines pass without any event being committed).

use crate::state::AppState;

/// Reads what is overdue now into the Prometheus gauge.
pub async fn refresh(state: &AppState) -> crate::error::ApiResult<()> {
    let now = crate::db::now();
    let overdue = state
        .db(move |conn| Ok(super::queries::overdue(conn, now)?))
        .await?;
    state
        .metrics
        .set_overdue(&super::figures::overdue_counts(&overdue));
    Ok(())
}

/// Runs every `every` for as long as the service runs.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut ticks = actix_web::rt::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(e) = refresh(&state).await {
            tracing::warn!(error = %e, "the overdue gauge was not refreshed; it is again next time");
        }
    }
}
