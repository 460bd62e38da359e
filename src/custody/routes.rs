//! The evidence endpoints: registration and appends go to the ledger as custody
//! jobs; reads run on the pool and answer once their audit entry is durable.

use super::access;
use super::entry::{self, NewEntry};
use super::jobs::{Append, Custody, CustodyJob, Registration};
use super::model::Evidence;
use super::queries;
use super::record::{self, bundle_of, item_proofs, parse_entry};
use super::registration::{ItemToRegister, NewEvidence};
use super::verify::Report;
use crate::auth::{Credentials, Principal, TokenClaims};
use crate::cases::access::visible;
use crate::catalogue::Language;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, IdempotencyKey, Json, Query};
use crate::ledger::Action;
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::http::header::CONTENT_LANGUAGE;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_evidence)
        .service(register_evidence)
        .service(get_evidence)
        .service(list_custody)
        .service(append_custody)
        .service(verify_custody)
        .service(custody_bundle)
        .service(custody_report)
        .service(list_custodians)
        .service(list_transfers)
        .configure(super::content::routes);
}

/// A custody entry as stored in the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedEntry {
    pub log_index: i64,
    #[schema(value_type = Object)]
    pub entry: Value,
    pub entry_hash: String,
}

/// Evidence items of a case, in the order they were registered.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Case id"), PageParams),
    responses(
        (status = 200, description = "A page of the case's evidence items", body = Page<Evidence>),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/evidence")]
async fn list_evidence(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Evidence>>> {
    let id = id.into_inner().into_string();
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .read_as(caller, Action::EvidenceList, move |conn, caller, event| {
            let v = visible(conn, caller, &id, event)?;
            Ok(queries::items_of_case(conn, &v.case.id, after, limit)?)
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.id.clone(),
        Evidence::from,
    )))
}

/// Register an evidence item in a case; writes its first custody entry (`collected`).
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = NewEvidence,
    responses(
        (status = 201, description = "The item was registered with its first custody entry", body = Evidence),
        (status = 403, description = "Not an investigator or supervisor of an agency that owns or contributes to the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/evidence")]
async fn register_evidence(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<NewEvidence>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let claims = claims.0;
    let claim = key.claim(&claims.sub, &body);
    let ItemToRegister { item, first } =
        body.into_item(id.into_inner().into_string(), claims.sub.clone())?;
    // The ledger authenticates and checks the batch's callers at once.
    let job = CustodyJob::Register(Box::new(Registration {
        credentials: Credentials { claims, meta },
        item,
        first,
    }));
    let reply = state.ledger.submit::<Custody>(job, claim).await?;
    Ok(reply.into_response())
}

/// One evidence item, with its custodian and status as its custody log says.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "The evidence item", body = Evidence),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}")]
async fn get_evidence(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Evidence>> {
    let id = id.into_inner().into_string();
    let item = state
        .read_as(caller, Action::EvidenceRead, move |conn, caller, event| {
            let found = access::visible(conn, caller, &id, event)?;
            record::item_seen(conn, &found)
        })
        .await?;
    Ok(web::Json(item))
}

/// The item's custody entries in `seq` order.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "The item's custody entries", body = Vec<LoggedEntry>),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody")]
async fn list_custody(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<LoggedEntry>>> {
    let id = id.into_inner().into_string();
    let rows = state
        .read_as(caller, Action::CustodyRead, move |conn, caller, event| {
            let found = access::visible(conn, caller, &id, event)?;
            Ok(queries::entries_of(conn, &found.item.id, found.horizon)?)
        })
        .await?;
    let entries = rows
        .into_iter()
        .map(|row| {
            Ok(LoggedEntry {
                log_index: row.log_index,
                entry: parse_entry(&row.canonical)?,
                entry_hash: row.entry_hash,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(entries))
}

/// Record a custody event. Pass `prev` (the item's `head`) to be refused with 409
/// when someone else recorded an event since you read the chain.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Evidence id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = NewEntry,
    responses(
        (status = 201, description = "The entry was committed to the log", body = LoggedEntry),
        (status = 401, description = "Not authenticated, or `destroyed` asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may see the item but not record its custody", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A custody rule forbids the event, or the chain moved on since `prev`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evidence/{id}/custody")]
async fn append_custody(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<NewEntry>,
) -> ApiResult<HttpResponse> {
    let mut request = body.into_inner();
    entry::check(&mut request)?;
    let claims = claims.0;
    let claim = key.claim(&claims.sub, &request);
    // The ledger authenticates and checks the batch's callers at once.
    let job = CustodyJob::Append(Box::new(Append {
        credentials: Credentials { claims, meta },
        evidence_id: id.into_inner().into_string(),
        request,
    }));
    let reply = state.ledger.submit::<Custody>(job, claim).await?;
    Ok(reply.into_response())
}

/// Recompute the item's chain and the inclusion of every entry in the latest signed
/// checkpoint. Open to those who see the item, and to auditors of its country.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "The verdict and what was checked", body = Report),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody/verify")]
async fn verify_custody(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Report>> {
    let id = id.into_inner().into_string();
    let signer = state.log.clone();
    let report = state
        .read_as(caller, Action::CustodyVerify, move |conn, caller, event| {
            record::verify_item(conn, caller, &id, event, &signer)
        })
        .await?;
    Ok(web::Json(report))
}

/// The spec's bundle for offline verification, with the evidence record and case reference.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "A custody bundle (custody log format §4)", body = Object),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody/bundle")]
async fn custody_bundle(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Value>> {
    let id = id.into_inner().into_string();
    let signer = state.log.clone();
    let bundle = state
        .read_as(caller, Action::CustodyExport, move |conn, caller, event| {
            let found = access::visible(conn, caller, &id, event)?;
            let proofs = item_proofs(conn, &signer, &found.item.id, found.horizon)?;
            Ok(bundle_of(conn, &found, &proofs, &signer)?.json)
        })
        .await?;
    Ok(web::Json(bundle))
}

/// The language a court report is printed in.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The language to print it in (the court's), whatever the reader's; by default
    /// the reader's chosen language, else the request's `Accept-Language`, else
    /// English. The attached bundle is the same in every language.
    pub lang: Option<Language>,
}

/// A PDF document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfDocument(#[allow(dead_code)] Vec<u8>);

/// The custody report for a court, as a PDF: the verdict in plain words on page one
/// (with the case reference, the item, and the signed checkpoint's size, time and
/// key fingerprint), then every entry of the record with the people and agencies
/// named, and how to verify it independently. The item's bundle is attached to the
/// PDF as a file, its SHA-256 printed, so that whoever holds the paper holds the
/// proof. Open to those who see the item.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id"), ReportQuery),
    responses(
        (status = 200, description = "The custody report, with the bundle attached", content_type = "application/pdf", body = PdfDocument, headers(("Content-Disposition" = String), ("Content-Language" = String, description = "The language it is printed in"))),
        (status = 422, description = "`lang` is not a language of the service (`en`, `fr`, `nl`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody/report.pdf")]
async fn custody_report(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    query: Query<ReportQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let signer = state.log.clone();
    let asked = query.into_inner().lang;
    let accept = crate::input::accept_language(&req);
    let (evidence_id, language, pdf) = state
        .read_as(caller, Action::CustodyReport, move |conn, caller, event| {
            let timeline = record::timeline(conn, caller, &id, event, &signer)?;
            let language =
                asked.unwrap_or_else(|| Language::negotiate(caller.language, accept.as_deref()));
            event.set_detail("language", language.as_str());
            let pdf = record::report_pdf(&timeline, language);
            Ok((timeline.item.id.clone(), language, pdf))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((CONTENT_LANGUAGE, language.as_str()))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"custody-report-{evidence_id}.pdf\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(pdf))
}

/// Who at an agency can receive evidence (its active investigators and supervisors):
/// ids and display names, no more, so that a sender abroad can name the custodian of
/// a transfer. For users who handle case content.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agency id"), PageParams),
    responses(
        (status = 200, description = "A page of the people who can receive evidence", body = Page<queries::Receiver>),
        (status = 403, description = "The caller's roles give no access to case content", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agencies/{id}/custodians")]
async fn list_custodians(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Id>,
    paging: Paging,
) -> ApiResult<web::Json<Page<queries::Receiver>>> {
    if !crate::cases::access::has_case_role(&caller) {
        return Err(ApiError::forbidden(
            "your roles give no access to case content",
        ));
    }
    let id = id.into_inner().into_string();
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .db(move |conn| {
            crate::agencies::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            Ok(queries::receivers(
                conn,
                &id,
                access::CUSTODIAN_ROLES,
                after,
                limit,
            )?)
        })
        .await?;
    Ok(web::Json(paging.page(rows, |r| r.id.clone(), |r| r)))
}

crate::string_enum! {
    /// Transfers to the caller's agency (`incoming`) or from it (`outgoing`).
    TransferDirection {
        Incoming => "incoming",
        Outgoing => "outgoing",
    }
}

crate::string_enum! {
    /// Transfers awaiting `received`.
    TransferStatus {
        Pending => "pending",
    }
}

/// The filters of the transfer list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransferFilter {
    /// Default `incoming`.
    pub direction: Option<TransferDirection>,
    /// Default `pending`.
    pub status: Option<TransferStatus>,
}

/// Items in transfer to the caller's agency (to record `received`) or from it. An
/// agency an item was sent to sees that item, not the rest of its case.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(TransferFilter, PageParams),
    responses(
        (status = 200, description = "A page of items in transfer", body = Page<Evidence>),
        (status = 403, description = "The caller's roles do not handle evidence", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transfers")]
async fn list_transfers(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: crate::input::Query<TransferFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Evidence>>> {
    let incoming = filter.direction != Some(TransferDirection::Outgoing);
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .read_as(caller, Action::TransferList, move |conn, caller, event| {
            if !access::CUSTODIAN_ROLES.iter().any(|r| caller.has(*r)) {
                return Err(ApiError::forbidden(
                    "only investigators and supervisors handle evidence",
                ));
            }
            let rows = queries::pending_transfers(conn, &caller.agency_id, incoming, after, limit)?;
            let ids: Vec<&str> = rows
                .iter()
                .take(limit as usize)
                .map(|r| r.id.as_str())
                .collect();
            event.set_detail("evidence_ids", ids);
            event.set_detail("direction", if incoming { "incoming" } else { "outgoing" });
            Ok(rows)
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.id.clone(),
        Evidence::from,
    )))
}
