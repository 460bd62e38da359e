use crate::auth::password::Hasher;
use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::custody::log::LogSigner;
use crate::custody::writer::CustodyWriter;
use crate::db::{DbConn, Pool};
use crate::error::ApiResult;
use crate::observability::Metrics;
use actix_web::web;
use std::sync::Arc;

/// What every handler shares. Cheap to clone; holds no per-instance state that
/// another instance behind the same database would need.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub tokens: Arc<TokenKeys>,
    pub hasher: Arc<Hasher>,
    pub metrics: Arc<Metrics>,
    /// Signs the custody log's checkpoints.
    pub log: Arc<LogSigner>,
    /// This instance's single writer of the custody log.
    pub custody: Arc<CustodyWriter>,
}

impl AppState {
    /// Runs blocking database work on the blocking thread pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs `f` in a write transaction recorded in the audit trail: see
    /// [`crate::audit::audited`].
    pub async fn audited<T, F>(&self, event: crate::audit::Event, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn, &mut crate::audit::Event) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| crate::audit::audited(conn, event, f))
            .await
    }
}
