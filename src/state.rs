use crate::auth::password::Hasher;
use crate::auth::tokens::TokenKeys;
use crate::auth::{Credentials, Principal};
use crate::config::Settings;
use crate::db::{DbConn, Pool};
use crate::error::ApiResult;
use crate::ledger::log::LogSigner;
use crate::ledger::{Action, Event, Ledger, Outcome};
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
    /// Signs the log's checkpoints.
    pub log: Arc<LogSigner>,
    /// This instance's writer of everything audited.
    pub ledger: Arc<Ledger>,
    /// Signs list cursors (shared by instances, like the token key it comes from).
    pub cursors: crate::pagination::CursorKey,
    /// Webhook secrets are derived from this key (shared by instances, like the token
    /// key it comes from), never stored.
    pub webhook_key: [u8; 32],
    /// Where evidence and documents keep their bytes.
    pub store: crate::store::ContentStore,
    /// Resumable uploads on their way into the store.
    pub uploads: crate::store::uploads::Uploads,
    /// Turns for password hashing (see [`AppState::hashing`]).
    pub password_turns: Arc<tokio::sync::Semaphore>,
    /// Seals second factors' secrets at rest.
    pub factor_sealer: Arc<crate::auth::factors::FactorSealer>,
    /// The service as a WebAuthn relying party (none where its public URL names an IP).
    pub passkeys: Arc<crate::auth::passkeys::Passkeys>,
}

impl AppState {
    /// What sign-in, password and factor changes need.
    pub fn auth_context(&self) -> crate::auth::service::AuthContext<'_> {
        crate::auth::service::AuthContext {
            hasher: &self.hasher,
            tokens: &self.tokens,
            settings: &self.settings,
            sealer: &self.factor_sealer,
            passkeys: &self.passkeys,
        }
    }

    /// The gate of the actions that ask for a recent second factor.
    pub fn step_up(&self) -> crate::auth::factors::StepUp {
        crate::auth::factors::StepUp::of(&self.settings)
    }

    /// Runs blocking database work on the blocking thread pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        // The blocking work answers in the request's language too.
        let language = crate::catalogue::current();
        web::block(move || {
            crate::catalogue::within(language, || {
                let mut conn = pool.get()?;
                f(&mut conn)
            })
        })
        .await?
    }

    /// Runs blocking work that hashes passwords (a login, a password change, a new
    /// user) once a turn is free. Each argon2id hash takes 19 MiB and a core for tens
    /// of milliseconds: with as many turns as cores, a flood of logins costs bounded
    /// memory, and a request that waits longer than the configured time is answered
    /// 503 with `Retry-After` instead of piling up. Waiting holds no thread and no
    /// database connection.
    pub async fn hashing<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let wait = std::time::Duration::from_millis(self.settings.password_hash_wait_ms);
        let turn = actix_web::rt::time::timeout(wait, self.password_turns.clone().acquire_owned());
        let Ok(Ok(turn)) = turn.await else {
            self.metrics.password_hashes_shed.inc();
            return Err(crate::error::ApiError::Busy {
                retry_after_secs: 1,
            });
        };
        let result = self.db(f).await;
        drop(turn);
        result
    }

    /// Runs `f` in a write transaction recorded in the audit trail, on its own (not
    /// batched): see [`crate::ledger::audited`].
    pub async fn audited<T, F>(&self, event: Event, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn, &mut Event) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| crate::ledger::audited(conn, event, f))
            .await
    }

    /// The checks a write makes before its work begins (an upload, before a byte of
    /// it is read): like [`AppState::read_as`], but only a refusal is recorded here;
    /// the write itself records its success, or its own refusal.
    pub async fn check_as<T, F>(&self, caller: Credentials, action: Action, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn, &Principal, &mut Event) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (event, result) = self
            .db(move |conn| {
                let principal = caller.load(conn)?;
                let mut event = Event::by(action, &principal, &caller.meta);
                let result = f(conn, &principal, &mut event);
                Ok((event, result))
            })
            .await?;
        if let Err(e) = &result
            && crate::ledger::is_refusal(e)
        {
            let refused = event.detail("refused", e.kind().0);
            self.ledger.record(refused, Outcome::Denied).await?;
        }
        result
    }

    /// An audited read, in one trip to the pool: the caller's session and user are
    /// read (as for every request), then `f` reads and fills in the event (subject,
    /// case, details); then the ledger commits the event, as a success or, when `f`
    /// is refused, as a denied attempt, and only then is the answer given. A read
    /// whose audit entry is lost is never answered.
    pub async fn read_as<T, F>(&self, caller: Credentials, action: Action, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn, &Principal, &mut Event) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (event, result) = self
            .db(move |conn| {
                let principal = caller.load(conn)?;
                let mut event = Event::by(action, &principal, &caller.meta);
                let result = f(conn, &principal, &mut event);
                Ok((event, result))
            })
            .await?;
        match &result {
            Ok(_) => self.ledger.record(event, Outcome::Success).await?,
            Err(e) if crate::ledger::is_refusal(e) => {
                let refused = event.detail("refused", e.kind().0);
                self.ledger.record(refused, Outcome::Denied).await?
            }
            Err(_) => {}
        }
        result
    }
}
