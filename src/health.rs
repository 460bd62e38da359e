//! Liveness, readiness and metrics for orchestrators and Prometheus.

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(livez).service(readyz).service(metrics);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/livez")]
async fn livez() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The service can reach its database.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Health>> {
    state
        .db(|conn| {
            conn.batch_execute("SELECT 1").map_err(|e| {
                tracing::warn!(error = %e, "readiness check failed");
                ApiError::Unavailable
            })
        })
        .await?;
    Ok(web::Json(Health { status: "ok" }))
}

/// Prometheus metrics: requests by route and status, latency, pool use.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "application/openmetrics-text", body = String))
)]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&state.pool))
}
