//! Request ids, structured access logs and Prometheus metrics. Logs carry the method,
//! route, status, latency, request id and caller id: never a body, header value,
//! password or token.

use crate::config::LogFormat;
use crate::db::Pool;
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{Error, HttpMessage, ResponseError, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// A step of the ledger writer's cycle, in the order a batch goes through them.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum LedgerPhase {
    /// Waiting for the ledger's locks: the previous batch holds them until it commits.
    Lock,
    /// Reading the heads of the log and of the audit chain.
    Heads,
    /// Reserving keys and waiting for what the batch's checks need (callers, cases,
    /// standing, items).
    Checks,
    /// The kinds' work: rules, entries, hashes, their own writes.
    Compute,
    /// The ledger's own writes: audit entries, Merkle nodes, the signed checkpoint.
    Write,
    /// COMMIT (on PostgreSQL on its own thread, while the next batch waits for the locks).
    Commit,
}

impl LedgerPhase {
    fn label(self) -> &'static str {
        match self {
            LedgerPhase::Lock => "lock",
            LedgerPhase::Heads => "heads",
            LedgerPhase::Checks => "checks",
            LedgerPhase::Compute => "compute",
            LedgerPhase::Write => "write",
            LedgerPhase::Commit => "commit",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    phase: &'static str,
}

type SecondsCounter = Counter<f64, std::sync::atomic::AtomicU64>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    /// Jobs committed together by the ledger's writer.
    pub ledger_batch_size: Histogram,
    /// How long the writer takes to commit one batch.
    pub ledger_batch_seconds: Histogram,
    ledger_phases: Family<PhaseLabels, SecondsCounter>,
    /// Logins and password changes answered 503 because no hashing turn came free.
    pub password_hashes_shed: Counter,
    overdue_deadlines: Family<OverdueLabels, Gauge>,
    witness_lag: Family<WitnessLabels, Gauge>,
    witness_refusals: Family<WitnessLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WitnessLabels {
    witness: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OverdueLabels {
    country: String,
    deadline: String,
}

/// How many deadlines of one kind a state has let pass, for the overdue gauge.
#[derive(Debug, Clone)]
pub struct OverdueCount {
    pub country: String,
    pub deadline: String,
    pub count: i64,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("caseledger");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.0005, 2.0, 16)));
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
        let pool_max = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Configured pool size",
            pool_max.clone(),
        );
        let ledger_batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        let ledger_batch_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "ledger_batch_size",
            "Jobs the ledger committed in one transaction",
            ledger_batch_size.clone(),
        );
        registry.register(
            "ledger_batch_duration_seconds",
            "Time to commit one ledger batch",
            ledger_batch_seconds.clone(),
        );
        let ledger_phases = Family::<PhaseLabels, SecondsCounter>::default();
        registry.register(
            "ledger_batch_phase_seconds",
            "Time the ledger writer spent in each step of its batches: lock, heads, \
             checks, compute, write, commit",
            ledger_phases.clone(),
        );
        let password_hashes_shed = Counter::default();
        registry.register(
            "password_hashes_shed",
            "Requests that needed a password hash and were answered 503 (no turn came free)",
            password_hashes_shed.clone(),
        );
        let overdue_deadlines = Family::<OverdueLabels, Gauge>::default();
        registry.register(
            "overdue_deadlines",
            "Deadlines of open MLA requests passed now, by the state that owes them and the kind of deadline",
            overdue_deadlines.clone(),
        );
        let witness_lag = Family::<WitnessLabels, Gauge>::default();
        registry.register(
            "witness_lag",
            "Entries of the log beyond the last checkpoint each witness cosigned",
            witness_lag.clone(),
        );
        let witness_refusals = Family::<WitnessLabels, Counter>::default();
        registry.register(
            "witness_refusals",
            "Checkpoints a witness refused as inconsistent with what it saw (an alarm)",
            witness_refusals.clone(),
        );
        Metrics {
            witness_lag,
            witness_refusals,
            overdue_deadlines,
            password_hashes_shed,
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            ledger_batch_size,
            ledger_batch_seconds,
            ledger_phases,
        }
    }

    /// How far behind the log a witness's last cosignature is.
    pub fn set_witness_lag(&self, witness: &str, entries: u64) {
        self.witness_lag
            .get_or_create(&WitnessLabels {
                witness: witness.to_owned(),
            })
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
    }

    /// A witness refused a checkpoint as inconsistent.
    pub fn witness_refused(&self, witness: &str) {
        self.witness_refusals
            .get_or_create(&WitnessLabels {
                witness: witness.to_owned(),
            })
            .inc();
    }

    /// Sets the overdue gauge to `counts`: a state and kind no longer among them
    /// drops out.
    pub fn set_overdue(&self, counts: &[OverdueCount]) {
        self.overdue_deadlines.clear();
        for c in counts {
            self.overdue_deadlines
                .get_or_create(&OverdueLabels {
                    country: c.country.clone(),
                    deadline: c.deadline.clone(),
                })
                .set(c.count);
        }
    }

    /// Adds time the ledger writer spent in `phase`.
    pub fn ledger_phase(&self, phase: LedgerPhase, elapsed: std::time::Duration) {
        self.ledger_phases
            .get_or_create(&PhaseLabels {
                phase: phase.label(),
            })
            .inc_by(elapsed.as_secs_f64());
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// The text exposition, with the pool gauges read at scrape time.
    pub fn render(&self, pool: &Pool) -> String {
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(pool.max_size()));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// A client's request id is kept when it is short and plain; otherwise a new one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, seconds);
    }
    let caller = res
        .request()
        .extensions()
        .get::<CallerId>()
        .map(|c| c.0.clone());
    tracing::info!(
        parent: &span,
        route,
        status,
        latency_ms = (seconds * 1000.0 * 1000.0).round() / 1000.0,
        user_id = caller.as_deref().unwrap_or("-"),
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// Turns the framework's own error responses (unknown route, wrong method, ...) into
/// problem documents, so that every error a client sees has the same shape.
pub fn problem_for_framework_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()));
    // The review pages answer their own errors as pages.
    let page = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if already_problem || page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status.as_u16() {
        404 => ApiError::NotFound,
        405 => ApiError::MethodNotAllowed(Vec::new()),
        413 => ApiError::PayloadTooLarge { limit: None },
        415 => ApiError::UnsupportedMediaType,
        401 => ApiError::Unauthenticated,
        s if s >= 500 => ApiError::Internal(anyhow::anyhow!("framework answered {status}")),
        _ => ApiError::Malformed("the request could not be processed".into()),
    };
    let (req, _) = res.into_parts();
    let response = error.error_response().map_into_right_body();
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(
        req, response,
    )))
}

pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to standard error: standard output carries command results (JSON users,
    // the OpenAPI document, the first administrator's password).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The caller's id, put in the request's extensions once a token is verified, for
/// the access log.
#[derive(Debug, Clone)]
pub struct CallerId(pub String);

/// Who and where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl actix_web::FromRequest for RequestMeta {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<RequestMeta, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        // The peer address, not a client-supplied Forwarded header: a client could
        // write anything there.
        std::future::ready(Ok(RequestMeta {
            ip: req.peer_addr().map(|a| a.ip().to_string()),
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        }))
    }
}
