//! What the figures keep up with time alone: the overdue gauge, read again every
//! sweep (deadlines pass without any event being committed).

use crate::observability::OverdueCount;
use crate::state::AppState;
use std::collections::BTreeMap;

/// Reads what is overdue now into the Prometheus gauge.
pub async fn refresh(state: &AppState) -> crate::error::ApiResult<()> {
    let now = crate::db::now();
    let overdue = state
        .db(move |conn| Ok(super::queries::overdue(conn, now)?))
        .await?;
    let mut counts: BTreeMap<(String, &str), i64> = BTreeMap::new();
    for o in &overdue {
        *counts.entry((o.country.clone(), o.deadline)).or_insert(0) += 1;
    }
    let counts: Vec<OverdueCount> = counts
        .into_iter()
        .map(|((country, deadline), count)| OverdueCount {
            country,
            deadline: deadline.to_owned(),
            count,
        })
        .collect();
    state.metrics.set_overdue(&counts);
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
