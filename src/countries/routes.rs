//! The country endpoints.

use super::queries;
use super::{Country, CountryChange, CountryRow, NewCountry};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::Json;
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_countries)
        .service(create_country)
        .service(change_country);
}

/// List countries, ordered by code.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of countries", body = Page<Country>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/countries")]
async fn list_countries(
    state: web::Data<AppState>,
    _caller: Principal,
    paging: Paging,
) -> ApiResult<web::Json<Page<Country>>> {
    let limit = paging.limit();
    let after = paging.after();
    let rows = state
        .db(move |conn| Ok(queries::list(conn, after, limit)?))
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.code.clone(),
        Country::from,
    )))
}

/// Add a country (regional administrators).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = NewCountry,
    responses(
        (status = 201, description = "The country was added", body = Country),
        (status = 403, description = "Not a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The country exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/countries")]
async fn create_country(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewCountry>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let code = body.code.trim().to_owned();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        errors.push(FieldError::new(
            "code",
            "must be an ISO 3166-1 alpha-2 code, such as US",
        ));
    }
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    let languages_valid = !body.official_languages.is_empty()
        && body.official_languages.iter().all(|l| {
            (2..=8).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        });
    if !languages_valid {
        errors.push(FieldError::new(
            "official_languages",
            "must list one or more lower-case language codes, such as en or fr",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = CountryRow {
        code,
        name,
        membership: body.membership.as_str().to_owned(),
        official_languages: body.official_languages.join(";"),
        created_at: crate::db::now(),
        order_notice_required: false,
    };
    let event = Event::by(Action::CountryCreate, &caller, &meta)
        .subject(Subject::new("country", &row.code, Some(&row.code)))
        .detail("name", row.name.clone());
    let created = state
        .audited(event, move |conn, _| {
            caller.require_any(&[Role::RegionalAdmin])?;
            if queries::exists(conn, &row.code)? {
                return Err(ApiError::Conflict(format!("country {} exists", row.code)));
            }
            queries::insert(conn, &row).map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    ApiError::Conflict(format!("country {} exists", row.code))
                } else {
                    e.into()
                }
            })?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(Country::from(created)))
}

/// Change a country's settings (regional administrators, and the country's own
/// administrators): whether it requires notice of the orders its providers are given
/// (art. 7(5)(a) of the Second Additional Protocol). Orders sent before keep the
/// notice they were sent with.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Z]{2}$", description = "ISO 3166-1 alpha-2 code")),
    request_body = CountryChange,
    responses(
        (status = 200, description = "The country as changed", body = Country),
        (status = 403, description = "Neither a regional administrator nor an administrator of that country", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such country", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/countries/{code}")]
async fn change_country(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<CountryChange>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let change = body.into_inner();
    let event = Event::by(Action::CountryUpdate, &caller, &meta).subject(Subject::new(
        "country",
        &code,
        Some(&code),
    ));
    let changed = state
        .audited(event, move |conn, event| {
            let mine = caller.has(Role::Admin) && caller.country == code;
            if !caller.has(Role::RegionalAdmin) && !mine {
                return Err(ApiError::forbidden(
                    "only regional administrators and the country's administrators change its settings",
                ));
            }
            if !queries::exists(conn, &code)? {
                return Err(ApiError::NotFound);
            }
            if let Some(required) = change.order_notice_required {
                event.set_detail("order_notice_required", required);
                queries::set_order_notice(conn, &code, required)?;
            }
            queries::find(conn, &code)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Country::from(changed)))
}
