//! Builds the application from settings: database, keys, bootstrap, routes, server.

use crate::agencies::AgencyKind;
use crate::auth::password::Hasher;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::error::{ApiError, path_error};
use crate::ledger::LedgerBuilder;
use crate::ledger::log::LogSigner;
use crate::observability::{Metrics, problem_for_framework_errors};
use crate::openapi::{ApiDoc, MethodTable};
use crate::state::AppState;
use crate::users::CreateUser;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use std::net::TcpListener;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

fn api_v1(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    crate::sessions::routes::routes(cfg);
    crate::sessions::factors::routes(cfg);
    crate::countries::routes(cfg);
    crate::monitoring::routes(cfg);
    crate::agencies::routes(cfg);
    crate::providers::routes(cfg);
    crate::orders::routes(cfg);
    crate::users::routes::routes(cfg);
    crate::identity::routes::routes(cfg);
    crate::cases::routes::routes(cfg);
    crate::audit::routes::routes(cfg);
    crate::custody::routes::routes(cfg);
    crate::proofs::routes(cfg);
    crate::mla::routes(cfg);
    crate::mla::preservations::routes(cfg);
    crate::deadlines::routes(cfg);
    crate::integration::routes(cfg);
    crate::integration::webhook_routes::routes(cfg);
    crate::uploads::routes(cfg);
}

/// The OpenAPI document, built from the same route registrations the server uses.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let api = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::health::routes)
        .service(scope::scope("/api/v1").configure(api_v1))
        .split_for_parts()
        .1;
    crate::openapi::complete(api)
}

pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let body_limit = state.settings.max_json_body_bytes;
    let cursors = web::Data::new(state.cursors.clone());
    let authenticator = web::Data::new(crate::auth::Authenticator {
        tokens: state.tokens.clone(),
        pool: state.pool.clone(),
    });
    let metrics = web::Data::from(state.metrics.clone());
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::default().limit(body_limit))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .configure(crate::health::routes)
        .service(scope::scope("/api/v1").configure(api_v1))
        .split_for_parts();
    let api = crate::openapi::complete(api);
    let contract = web::Data::new(crate::input::Contract::new(&api, body_limit));
    let methods = Arc::new(MethodTable::new(
        &api,
        &[("/", "GET"), ("/docs", "GET"), ("/openapi.json", "GET")],
    ));
    let app = app
        .app_data(contract)
        .app_data(cursors)
        .app_data(authenticator)
        .app_data(metrics);
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .configure(crate::web::routes)
        .route("/docs", web::get().to(|| redirect("/docs/")))
        .route("/", web::get().to(|| redirect("/docs/")))
        .default_service(web::to(move |req: HttpRequest| {
            // A documented path asked with another method is 405 with `Allow`.
            let error = match methods.allowed(req.path()) {
                Some(allowed) => ApiError::MethodNotAllowed(allowed.to_vec()),
                None => ApiError::NotFound,
            };
            async move { Err::<HttpResponse, _>(error) }
        }))
        .wrap(ErrorHandlers::new().default_handler(problem_for_framework_errors))
        .wrap(
            DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Cache-Control", "no-store")),
        )
        .wrap(from_fn(crate::observability::observe))
        .wrap(from_fn(crate::input::in_language))
}

/// A person who opens the service's root, or `/docs` without its slash, finds the
/// documentation.
async fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}

/// Opens the database, migrates it, loads or creates keys, and creates the first
/// administrator on an empty database.
pub fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    // HTTPS clients (webhooks, the S3 store) use rustls with ring; the S3 client takes
    // the process's provider. Installing it twice (tests start many apps) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    crate::integration::egress::Exemptions::parse(&settings.webhook_allow_hosts)
        .map_err(|e| anyhow::anyhow!("CASELEDGER_WEBHOOK_ALLOW_HOSTS: {e}"))?;
    let url = settings.database_url();
    let pool = crate::db::build_pool(&url, settings.pool_size)?;
    {
        let mut conn = pool.get().context("connecting to the database")?;
        crate::db::run_migrations(&mut conn)?;
    }
    let key_path = settings
        .jwt_key_file
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("jwt-signing-key.pem"));
    let signing_key = crate::keys::load_or_generate(&key_path)?;
    let tokens = TokenKeys::new(&signing_key, &settings)?;
    let cursors = crate::pagination::CursorKey::derive(&signing_key.to_bytes());
    let webhook_key: [u8; 32] = {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"caseledger webhook secrets\n");
        hash.update(signing_key.to_bytes());
        hash.finalize().into()
    };
    let hasher = Hasher::new(&settings.argon2)?;
    let log_key_path = settings
        .log_key_file
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("log-signing-key.pem"));
    let mut log = LogSigner::new(
        crate::keys::load_or_generate(&log_key_path)?,
        &settings.log_origin,
    )?;
    if let Some(path) = &settings.witness_policy {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the witness policy {}", path.display()))?;
        let policy = crate::ledger::policy::Policy::parse(&text)
            .map_err(|e| anyhow::anyhow!("the witness policy {}: {e}", path.display()))?;
        log = log.witnessed_under(policy)?;
    }
    let log = Arc::new(log);
    check_log_key(&pool, &log)?;
    let store_key_path = settings
        .store_key_file
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("store-key"));
    let store_key = crate::keys::load_or_generate_secret(&store_key_path)?;
    let factor_sealer = Arc::new(crate::auth::factors::FactorSealer::derive(&store_key));
    let passkeys = Arc::new(crate::auth::passkeys::Passkeys::for_url(
        &settings.public_url,
        &settings.jwt_issuer,
    ));
    let store = crate::store::ContentStore::open(&settings.store_spec(), store_key)?;
    let metrics = Arc::new(Metrics::new());
    let step_up = crate::auth::factors::StepUp::of(&settings);
    let ledger = Arc::new(
        LedgerBuilder::new()
            .kind(crate::ledger::witnessed::KeepCosignatures)
            .kind(crate::custody::jobs::Custody::new(step_up))
            .kind(crate::cases::jobs::CaseCreation)
            .kind(crate::mla::jobs::RequestEvents { step_up })
            .kind(crate::mla::preservations::jobs::Preservations)
            .kind(crate::orders::jobs::OrderEvents { step_up })
            .kind(crate::mla::documents::RequestDocuments)
            .start(
                pool.clone(),
                crate::db::Manager::new(&url)?,
                log.clone(),
                metrics.clone(),
            ),
    );
    let password_turns = settings.password_hashes_at_once;
    let uploads = crate::store::uploads::Uploads::new(
        store.clone(),
        pool.clone(),
        std::time::Duration::from_secs(settings.upload_expiry_secs),
        settings.max_upload_bytes,
    );
    let state = AppState {
        pool,
        settings: Arc::new(settings),
        tokens: Arc::new(tokens),
        hasher: Arc::new(hasher),
        metrics,
        cursors,
        webhook_key,
        uploads,
        store,
        password_turns: Arc::new(tokio::sync::Semaphore::new(password_turns)),
        factor_sealer,
        passkeys,
        log,
        ledger,
    };
    bootstrap(&state)?;
    Ok(state)
}

/// Warns loudly when the latest checkpoint was not signed by the configured log key:
/// verifiers holding the old key will reject everything this key signs.
fn check_log_key(pool: &crate::db::Pool, log: &LogSigner) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    let latest = crate::ledger::log::latest_checkpoint(&mut conn).map_err(api_to_anyhow)?;
    if let Some(latest) = latest
        && let Err(problem) = crate::ledger::note::verify_checkpoint(&latest.note, &log.verifier)
    {
        tracing::error!(
            size = latest.size,
            problem,
            "the custody log key does not match the latest checkpoint"
        );
    }
    Ok(())
}

/// On a database with no users, creates the regional administration agency and a
/// `regional_admin` named `<country>.admin` (`tt.admin` by default), who must change
/// the password at first login.
pub fn bootstrap(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.pool.get()?;
    if crate::users::count(&mut conn).map_err(api_to_anyhow)? > 0 {
        return Ok(());
    }
    let (password, generated) = match &state.settings.bootstrap_password {
        Some(p) => (p.expose_secret().to_owned(), false),
        None => {
            let mut bytes = [0u8; 18];
            rand::fill(&mut bytes);
            (
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes),
                true,
            )
        }
    };
    let country = state.settings.bootstrap_country.clone();
    let created = crate::db::write_tx(&mut conn, |conn| {
        // Another instance may have bootstrapped between the count and the lock.
        if crate::users::count(conn)? > 0 {
            return Ok(false);
        }
        let agency = crate::agencies::insert(
            conn,
            &country,
            "Regional administration",
            AgencyKind::Regional,
        )?;
        crate::users::create(
            conn,
            &state.hasher,
            CreateUser {
                username: format!("{}admin", crate::users::namespace(&country)),
                display_name: "Administrator".into(),
                agency_id: agency.id,
                roles: vec![Role::RegionalAdmin],
                password: password.clone(),
                must_change_password: true,
            },
        )?;
        Ok::<_, ApiError>(true)
    })
    .map_err(api_to_anyhow)?;
    if created {
        if generated {
            // Printed once, to the operator's terminal, not to the log.
            println!(
                "Created the first administrator: username `{}admin`, password `{password}`. \
                 It must be changed at first login.",
                crate::users::namespace(&country)
            );
        } else {
            tracing::info!(
                "created the first administrator `{}admin` from CASELEDGER_BOOTSTRAP_PASSWORD",
                crate::users::namespace(&country)
            );
        }
    }
    Ok(())
}

/// An error for the command line, with validation failures spelled out.
pub fn api_to_anyhow(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Internal(inner) => inner,
        ApiError::Validation(errors) => anyhow::anyhow!(
            "invalid: {}",
            errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds the configured address (port 0 picks a free port, as tests do).
    pub fn build(state: AppState) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&state.settings.bind)
            .with_context(|| format!("binding {}", state.settings.bind))?;
        Application::from_listener(state, listener)
    }

    pub fn from_listener(state: AppState, listener: TcpListener) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        // Every blocking task needs a pooled connection, so more blocking threads than
        // connections only wait for one, each with its own stack and allocator heap:
        // under 256 connections the default (up to 512 a worker) took the server from
        // 100 MB to nearly 500 MB, kept when idle. Queued tasks wait without a thread.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let blocking = (state.settings.pool_size as usize).div_ceil(workers).max(1);
        // Preservations run out, and deadlines pass, whether or not anyone is looking.
        actix_web::rt::spawn(crate::deadlines::watch::run(
            state.clone(),
            std::time::Duration::from_millis(state.settings.expiry_sweep_ms.max(1)),
        ));
        // The overdue gauge follows deadlines as they pass.
        actix_web::rt::spawn(crate::monitoring::overdue_gauge::run(
            state.clone(),
            std::time::Duration::from_millis(state.settings.expiry_sweep_ms.max(1)),
        ));
        // Destroyed content leaves the store (its key is forgotten at once).
        actix_web::rt::spawn(crate::custody::content::run(
            state.clone(),
            std::time::Duration::from_millis(state.settings.expiry_sweep_ms.max(1)),
        ));
        // Webhook deliveries, from every instance.
        actix_web::rt::spawn(crate::integration::delivery::run(state.clone()));
        // The audit chain's head into the log, where witnesses see it.
        actix_web::rt::spawn(crate::audit::anchoring::run(
            state.clone(),
            std::time::Duration::from_millis(state.settings.audit_anchor_ms.max(10)),
        ));
        // New checkpoints to the witnesses, from every instance.
        if state.log.policy.is_some() {
            actix_web::rt::spawn(crate::witness::submitter::run(state.clone()));
        }
        let server = HttpServer::new(move || app(state.clone()))
            .workers(workers)
            .worker_max_blocking_threads(blocking)
            .listen(listener)?
            .run();
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}
