//! The endpoints of mutual legal assistance: legal bases, readable by every user and
//! defined by regional administrators.

use super::basis::{LegalBasis, LegalBasisDefinition, check_code};
use super::queries;
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Json;
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_legal_bases)
        .service(get_legal_basis)
        .service(put_legal_basis);
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
/// A changed definition applies to requests approved after the change.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("code" = String, Path, min_length = 2, max_length = 40, pattern = "^[a-z0-9][a-z0-9-]*$", description = "Legal basis code")),
    request_body = LegalBasisDefinition,
    responses(
        (status = 201, description = "The legal basis was defined", body = LegalBasis),
        (status = 200, description = "The definition was replaced", body = LegalBasis),
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
    let event = Event::by(Action::LegalBasisDefine, &caller, &meta).subject(Subject::new(
        "legal_basis",
        &code,
        None,
    ));
    let (basis, created) = state
        .audited(event, move |conn, event| {
            caller.require_any(&[Role::RegionalAdmin])?;
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
