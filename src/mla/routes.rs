//! The endpoints of mutual legal assistance: legal bases, readable by every user and
//! defined by regional administrators; and requests, drafted by the case team of the
//! requesting agency. Drafts are rare and commit on their own, with their audit
//! entry; reads answer once their audit entry is durable.

use super::access::{self, Scope, visible};
use super::basis::{LegalBasis, LegalBasisDefinition, LegalBasisRow, RequestType, check_code};
use super::events::{NewRequestEvent, RequestEvent};
use super::jobs::{Recording, RequestEvents};
use super::queries;
use super::request::{
    MlaRequest, MlaRequestPatch, MlaRequestRow, NewMlaRequest, RequestFilter, RequestStatus,
    check_requested, reference,
};
use crate::auth::roles::Role;
use crate::auth::{Credentials, Principal, TokenClaims};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, IdempotencyKey, IfMatch, Json, Query};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::Datelike;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_legal_bases)
        .service(get_legal_basis)
        .service(put_legal_basis)
        .service(list_requests)
        .service(create_request)
        .service(get_request)
        .service(update_request)
        .service(record_event)
        .service(list_events)
        .service(request_bundle)
        .service(register_produced)
        .configure(super::document_routes::routes);
}

/// List the legal bases requests may rest on, ordered by code.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of legal bases", body = Page<LegalBasis>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/legal-bases")]
async fn list_legal_bases(
    state: web::Data<AppState>,
    _caller: Principal,
    paging: Paging,
) -> ApiResult<web::Json<Page<LegalBasis>>> {
    let limit = paging.limit();
    let after = paging.after();
    let rows = state
        .db(move |conn| Ok(queries::legal_bases(conn, after, limit)?))
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.code.clone(),
        LegalBasis::from,
    )))
}

/// One legal basis.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("code" = String, Path, min_length = 2, max_length = 40, pattern = "^[a-z0-9][a-z0-9-]*$", description = "Legal basis code")),
    responses(
        (status = 200, description = "The legal basis", body = LegalBasis),
        (status = 404, description = "No such legal basis", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/legal-bases/{code}")]
async fn get_legal_basis(
    state: web::Data<AppState>,
    _caller: Principal,
    code: web::Path<String>,
) -> ApiResult<web::Json<LegalBasis>> {
    let code = code.into_inner();
    check_code(&code).map_err(|_| ApiError::NotFound)?;
    let row = state
        .db(move |conn| Ok(queries::legal_basis(conn, &code)?))
        .await?;
    row.map(|r| web::Json(LegalBasis::from(r)))
        .ok_or(ApiError::NotFound)
}

/// Define a legal basis, or replace its definition (regional administrators).
///
/// Requests already under way keep their running deadlines; a changed definition
/// applies to each from its next event on, and to the completeness check of every
/// draft.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("code" = String, Path, min_length = 2, max_length = 40, pattern = "^[a-z0-9][a-z0-9-]*$", description = "Legal basis code")),
    request_body = LegalBasisDefinition,
    responses(
        (status = 201, description = "The legal basis was defined", body = LegalBasis),
        (status = 200, description = "The definition was replaced", body = LegalBasis),
        (status = 401, description = "Not authenticated, or defining a legal basis asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/legal-bases/{code}")]
async fn put_legal_basis(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<LegalBasisDefinition>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    check_code(&code)?;
    let definition = body.into_inner();
    let step_up = state.step_up();
    let event = Event::by(Action::LegalBasisDefine, &caller, &meta).subject(Subject::new(
        "legal_basis",
        &code,
        None,
    ));
    let (basis, created) = state
        .audited(event, move |conn, event| {
            caller.require_any(&[Role::RegionalAdmin])?;
            step_up.require(&caller)?;
            let now = crate::db::now();
            let existing = queries::legal_basis(conn, &code)?;
            let created_at = existing.as_ref().map_or(now, |e| e.created_at);
            let row = definition.into_row(&code, created_at, now)?;
            let created = existing.is_none();
            if created {
                queries::insert_legal_basis(conn, &row)?;
            } else {
                queries::replace_legal_basis(conn, &row)?;
            }
            event.set_detail("change", if created { "defined" } else { "replaced" });
            event.set_detail("name", row.name.clone());
            Ok((LegalBasis::from(row), created))
        })
        .await?;
    Ok(if created {
        HttpResponse::Created().json(basis)
    } else {
        HttpResponse::Ok().json(basis)
    })
}

/// The legal basis a draft names, if it exists and covers mutual legal assistance.
fn mla_basis(conn: &mut DbConn, code: &str) -> ApiResult<LegalBasis> {
    let basis = queries::legal_basis(conn, code)?
        .map(LegalBasis::from)
        .ok_or_else(|| ApiError::validation("legal_basis", "is not a known legal basis"))?;
    if !basis.request_types.contains(&RequestType::Mla) {
        return Err(ApiError::validation(
            "legal_basis",
            "does not cover mutual legal assistance requests",
        ));
    }
    Ok(basis)
}

/// The view of a request, with what its legal basis still misses.
pub(crate) fn view(conn: &mut DbConn, row: MlaRequestRow) -> ApiResult<MlaRequest> {
    Ok(views(conn, vec![row])?.remove(0))
}

/// The views of requests, each basis read once.
fn views(conn: &mut DbConn, rows: Vec<MlaRequestRow>) -> ApiResult<Vec<MlaRequest>> {
    let mut bases: std::collections::HashMap<String, Vec<super::basis::RequestField>> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if !bases.contains_key(&row.legal_basis) {
            let required = queries::legal_basis(conn, &row.legal_basis)?
                .map(|b: LegalBasisRow| LegalBasis::from(b).required_fields)
                .unwrap_or_default();
            bases.insert(row.legal_basis.clone(), required);
        }
        let required = &bases[&row.legal_basis];
        out.push(MlaRequest::new(row, required));
    }
    Ok(out)
}

/// Mutual legal assistance requests the caller may see, newest first: those of the
/// cases their agency owns, all of their state's (for its central authority), and
/// those submitted to their state (for its central authority).
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(RequestFilter, PageParams),
    responses(
        (status = 200, description = "A page of the requests the caller may see", body = Page<MlaRequest>),
        (status = 403, description = "The caller's roles give no access to requests", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mla/requests")]
async fn list_requests(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: Query<RequestFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<MlaRequest>>> {
    let filter = filter.into_inner();
    let (limit, after) = (paging.limit(), paging.after());
    let requests = state
        .read_as(
            caller,
            Action::MlaRequestList,
            move |conn, caller, event| {
                let scope = Scope::of(caller);
                if scope.is_empty() {
                    return Err(ApiError::forbidden("your roles give no access to requests"));
                }
                let rows = queries::requests(conn, &scope, &filter, after, limit)?;
                let ids: Vec<&str> = rows
                    .iter()
                    .take(limit as usize)
                    .map(|r| r.id.as_str())
                    .collect();
                event.set_detail("request_ids", ids);
                views(conn, rows)
            },
        )
        .await?;
    Ok(web::Json(paging.page(requests, |r| r.id.clone(), |r| r)))
}

/// Draft a mutual legal assistance request for a case of the caller's agency. Its
/// reference is the next number of the caller's country and the current year. A
/// draft may be incomplete: `missing_fields` lists what its legal basis still needs.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    request_body = NewMlaRequest,
    responses(
        (status = 201, description = "The draft", body = MlaRequest, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not an investigator, supervisor or prosecutor of the agency that owns the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: an unknown legal basis or one that does not cover these requests, the requesting state itself, another agency", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/mla/requests")]
async fn create_request(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewMlaRequest>,
) -> ApiResult<HttpResponse> {
    let mut draft = body.into_inner();
    draft.check()?;
    let event = Event::by(Action::MlaRequestCreate, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let case = crate::cases::access::visible(conn, &caller, &draft.case_id, event)?;
            access::may_draft(&caller, case.standing)?;
            if draft
                .requesting_agency_id
                .as_ref()
                .is_some_and(|a| *a != caller.agency_id)
            {
                return Err(ApiError::validation(
                    "requesting_agency_id",
                    "must be the caller's agency, which owns the case",
                ));
            }
            mla_basis(conn, &draft.legal_basis)?;
            check_requested(conn, &draft.requested_country, &caller.country)?;
            let year = chrono::Utc::now().year();
            let number =
                queries::next_number(conn, queries::Numbering::MlaRequests, &caller.country, year)?;
            let now = crate::db::now();
            let content = draft.take_content();
            let row = MlaRequestRow {
                id: uuid::Uuid::now_v7().to_string(),
                reference: reference(&caller.country, year, number),
                case_id: case.case.id,
                requesting_agency_id: caller.agency_id.clone(),
                requesting_country: caller.country.clone(),
                requested_country: draft.requested_country,
                legal_basis: draft.legal_basis,
                urgency: draft.urgency.as_str().to_owned(),
                wanted_by: draft.wanted_by,
                content: serde_json::to_string(&content).expect("content serialises"),
                status: RequestStatus::Draft.as_str().to_owned(),
                their_reference: None,
                submitted_at: None,
                version: 1,
                created_by: caller.user_id.clone(),
                created_at: now,
                updated_at: now,
                last_seq: -1,
                last_hash: None,
                executing_agency_id: None,
                acknowledge_by: None,
                decide_by: None,
                execute_by: None,
            };
            queries::insert_request(conn, &row)?;
            event.subject = Some(Subject::new(
                "mla_request",
                &row.id,
                Some(&row.requesting_country),
            ));
            event.set_detail("reference", row.reference.clone());
            event.set_detail("requested_country", row.requested_country.clone());
            event.set_detail("legal_basis", row.legal_basis.clone());
            Ok(view(conn, row)?.reply(StatusCode::CREATED))
        })
        .await
        .map(|r| r.into_response())
}

/// One mutual legal assistance request.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Request id")),
    responses(
        (status = 200, description = "The request", body = MlaRequest, headers(("ETag" = String))),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mla/requests/{id}")]
async fn get_request(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let credentials = caller.clone();
    let (mut request, delivers) = state
        .read_as(
            caller,
            Action::MlaRequestRead,
            move |conn, caller, event| {
                let row = visible(conn, caller, &id, event)?;
                let request = view(conn, row)?;
                let delivers = super::delivery::delivers(caller, &request);
                Ok((request, delivers))
            },
        )
        .await?;
    if delivers && super::delivery::record(&state, credentials, &request).await? {
        request.status = RequestStatus::Delivered;
        request.version += 1;
    }
    Ok(request.reply(StatusCode::OK).into_response())
}

/// Change a draft. Requires `If-Match` with the ETag last read (428 without, 412 when
/// it has changed since). The fields sent replace the draft's; once approved, a
/// request's content is frozen (409).
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Request id"),
        ("If-Match" = String, Header, min_length = 1, pattern = r#"^\s*(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*\s*$"#, description = "The ETag of the version the change is based on (an entity tag, not `*`; weak tags never match)"),
    ),
    request_body = MlaRequestPatch,
    responses(
        (status = 200, description = "The draft as changed", body = MlaRequest, headers(("ETag" = String))),
        (status = 403, description = "Not an investigator, supervisor or prosecutor of the requesting agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is no longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The draft changed since the ETag given", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/mla/requests/{id}")]
async fn update_request(
    state: web::Data<AppState>,
    caller: Principal,
    expected: IfMatch,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<MlaRequestPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let mut patch = body.into_inner();
    patch.check()?;
    let event = Event::by(Action::MlaRequestUpdate, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let row = visible(conn, &caller, &id, event)?;
            expected.require(&row.etag())?;
            access::may_edit(&caller, &row)?;
            if let Some(code) = &patch.legal_basis {
                mla_basis(conn, code)?;
            }
            if let Some(country) = &patch.requested_country {
                check_requested(conn, country, &row.requesting_country)?;
            }
            event.set_detail("fields", patch.fields());
            let next = row.patched(patch, crate::db::now());
            if !queries::update_request(conn, &next, row.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            Ok(view(conn, next)?.reply(StatusCode::OK))
        })
        .await
        .map(|r| r.into_response())
}

/// Record an event of a request's lifecycle. Each event is an entry of the signed log,
/// chained to the request's previous one: `approved` (a prosecutor of the requesting
/// state; refused with 422 listing every field its legal basis still needs),
/// `submitted` (the requesting state's central authority; the entry commits to the
/// content's SHA-256), `withdrawn` (the case team or the central authority, with a
/// reason). An event that cannot follow the request's state is 409.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Request id")),
    request_body = NewRequestEvent,
    responses(
        (status = 201, description = "The event, as committed to the log", body = RequestEvent),
        (status = 401, description = "Not authenticated, or `approved` or `submitted` asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role or agency may not record this event", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event cannot follow the request's current state, which the problem names", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or (approval) fields the legal basis requires are empty", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/mla/requests/{id}/events")]
async fn record_event(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<NewRequestEvent>,
) -> ApiResult<HttpResponse> {
    let event = body.into_inner();
    event.check()?;
    let recording = Recording {
        credentials: Credentials {
            claims: claims.0,
            meta,
        },
        request_id: id.into_inner().into_string(),
        event,
        by_service: None,
    };
    let reply = state
        .ledger
        .submit::<RequestEvents>(recording, None)
        .await?;
    Ok(reply.into_response())
}

/// A request's history, oldest first: each event with its log entry.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Request id")),
    responses(
        (status = 200, description = "The request's events", body = Vec<RequestEvent>),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mla/requests/{id}/events")]
async fn list_events(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<RequestEvent>>> {
    let id = id.into_inner().into_string();
    let entries = state
        .read_as(
            caller,
            Action::MlaRequestHistory,
            move |conn, caller, event| {
                let row = visible(conn, caller, &id, event)?;
                Ok(queries::entries(conn, &row.id)?)
            },
        )
        .await?;
    Ok(web::Json(
        entries.into_iter().map(RequestEvent::from).collect(),
    ))
}

/// The request's history as a bundle a court can verify offline (custody log spec §4
/// with `request_id`, §5): every entry with its inclusion proof against the latest
/// signed checkpoint, and the log's public key. `caseledger verify-bundle` checks it.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Request id")),
    responses(
        (status = 200, description = "A request bundle (custody log format §4 and §5)", body = Object),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mla/requests/{id}/bundle")]
async fn request_bundle(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<serde_json::Value>> {
    let id = id.into_inner().into_string();
    let signer = state.log.clone();
    let bundle = state
        .read_as(
            caller,
            Action::MlaRequestExport,
            move |conn, caller, event| {
                let row = visible(conn, caller, &id, event)?;
                let stored = queries::entries(conn, &row.id)?;
                super::bundle::of_history(conn, &signer, &row.id, &row.reference, stored)
            },
        )
        .await?;
    Ok(web::Json(bundle))
}

/// Register what executing the request produced: the executing agency's
/// investigators and supervisors put the item into the requesting case, with
/// `mla_request_id` in its first custody entry, while the request is in execution.
/// The executing agency then sees the item and its custody (nothing else of the
/// case) and transfers it to the requesting agency, which records `received`.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Request id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = crate::custody::registration::NewEvidence,
    responses(
        (status = 201, description = "The item was registered in the requesting case with its first custody entry", body = crate::custody::model::Evidence),
        (status = 403, description = "Not an investigator or supervisor of the executing agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is not in execution", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/mla/requests/{id}/evidence")]
async fn register_produced(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<crate::custody::registration::NewEvidence>,
) -> ApiResult<HttpResponse> {
    use crate::custody::registration::{ProducedUnder, register_produced};
    let body = body.into_inner();
    let claims = claims.0;
    let claim = key.claim(&claims.sub, &body);
    let credentials = Credentials { claims, meta };
    let request_id = id.into_inner().into_string();
    // The request as the caller may see it (404 otherwise); the ledger then checks,
    // under its lock, that the caller's agency executes it and that it is in
    // execution, and files the item in the case the request serves.
    let lookup = request_id.clone();
    state
        .read_as(
            credentials.clone(),
            Action::MlaRequestRead,
            move |conn, caller, event| Ok(visible(conn, caller, &lookup, event)?.id),
        )
        .await?;
    let under = ProducedUnder::Request(request_id);
    let reply = register_produced(&state, credentials, body, claim, under).await?;
    Ok(reply.into_response())
}
