//! The deadline list.

use super::{Deadline, DeadlineFilter, due};
use crate::auth::Credentials;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Query;
use crate::ledger::Action;
use crate::mla::deadlines::parse_within;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_deadlines);
}

/// What falls due within a window (default a week), or is overdue, on the requests,
/// preservations and orders the caller may see: soonest first. Legal deadlines come from each request's basis
/// and history; a wanted-by date falls due at the end of its day (UTC).
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(DeadlineFilter, PageParams),
    responses(
        (status = 200, description = "A page of deadlines, soonest first", body = Page<Deadline>),
        (status = 403, description = "The caller's roles give no access to requests", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid window", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deadlines")]
async fn list_deadlines(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: Query<DeadlineFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Deadline>>> {
    let filter = filter.into_inner();
    let within = match &filter.within {
        Some(text) => parse_within(text).ok_or_else(|| {
            ApiError::validation("within", "must be P<n>D, P<n>W or PT<n>H, at most a year")
        })?,
        None => chrono::Duration::days(7),
    };
    let (limit, after) = (paging.limit() as usize, paging.after());
    let now = crate::db::now();
    let until = now + within;
    let keyed = state
        .read_as(
            caller,
            Action::MlaDeadlineList,
            move |conn, caller, event| {
                let mut keyed = due(conn, caller, &filter, now, until)?;
                keyed.retain(|(k, _)| after.as_ref().is_none_or(|a| k > a));
                keyed.truncate(limit + 1);
                let ids: Vec<&str> = keyed
                    .iter()
                    .take(limit)
                    .map(|(_, d)| d.request_id.as_str())
                    .collect();
                event.set_detail("request_ids", ids);
                Ok(keyed)
            },
        )
        .await?;
    Ok(web::Json(paging.page(
        keyed,
        |(k, _)| k.clone(),
        |(_, d)| d,
    )))
}
