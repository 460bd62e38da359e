//! Regional monitoring and evaluation: each state's status review against the
//! regional minimum standards, kept as versions so that what was known at any moment
//! has an answer; and the figures of the region's cooperation, read from the counters
//! the ledger keeps as events commit.

pub mod access;
pub mod figures;
pub mod order_figures;
pub mod overdue_gauge;
pub mod overview;
pub mod queries;
pub mod rebuild;
pub mod review;
pub mod routes;
pub mod stats;

/// The status review and figures endpoints.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    routes::routes(cfg);
    stats::routes(cfg);
}
