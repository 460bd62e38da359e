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

/// How far behind the log a witness's last cosignature is.
#[derive(Serialize, ToSchema)]
pub struct WitnessLag {
    /// Its name in the witness policy.
    pub witness: String,
    /// The size it last cosigned, as the service knows it.
    pub cosigned_size: u64,
    /// Entries of the newest checkpoint beyond it.
    pub lag: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Under a witness policy: each witness's lag (a witness that lags delays
    /// nothing; it is said here and in `caseledger_witness_lag`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<Vec<WitnessLag>>,
}

/// The service can reach its database.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Readiness>> {
    let st = state.clone();
    let witnesses = state
        .db(move |conn| {
            conn.batch_execute("SELECT 1").map_err(|e| {
                tracing::warn!(error = %e, "readiness check failed");
                ApiError::Unavailable
            })?;
            let Some(policy) = &st.log.policy else {
                return Ok(None);
            };
            let size = crate::ledger::log::latest_checkpoint(conn)?.map_or(0, |c| c.size);
            policy
                .witnesses
                .iter()
                .map(|w| {
                    let at = crate::ledger::witnessed::position(conn, &w.verifier_key)?;
                    Ok(WitnessLag {
                        witness: w.name.clone(),
                        cosigned_size: at,
                        lag: size.saturating_sub(at),
                    })
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some)
        })
        .await?;
    Ok(web::Json(Readiness {
        status: "ok",
        witnesses,
    }))
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
