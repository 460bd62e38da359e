//! The agency endpoints: the directory is readable by every user; administrators
//! add agencies.

use super::queries;
use super::{Agency, AgencyFilter, AgencyKind, NewAgency};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::{Id, Json, Query};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies)
        .service(create_agency)
        .service(get_agency);
}

/// List agencies, optionally of one country.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(AgencyFilter, PageParams),
    responses(
        (status = 200, description = "A page of agencies", body = Page<Agency>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agencies")]
async fn list_agencies(
    state: web::Data<AppState>,
    caller: Principal,
    filter: Query<AgencyFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Agency>>> {
    let filter = filter.into_inner();
    let limit = paging.limit();
    let after = paging.after();
    let country = filter.country;
    let only = (caller.agency_kind == AgencyKind::Provider.as_str()).then_some(caller.agency_id);
    let rows = state
        .db(move |conn| Ok(queries::list(conn, country, only, after, limit)?))
        .await?;
    Ok(web::Json(paging.page(rows, |a| a.id.clone(), |a| a)))
}

/// One agency.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agency id")),
    responses(
        (status = 200, description = "The agency", body = Agency),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agencies/{id}")]
async fn get_agency(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Agency>> {
    let id = id.into_inner().into_string();
    let agency = state.db(move |conn| queries::find(conn, &id)).await?;
    agency
        .filter(|a| sees(&caller, a))
        .map(web::Json)
        .ok_or(ApiError::NotFound)
}

/// The directory is everyone's but a provider's: its people see their own agency.
fn sees(caller: &Principal, agency: &Agency) -> bool {
    caller.agency_kind != AgencyKind::Provider.as_str() || agency.id == caller.agency_id
}

/// Add an agency: administrators in their own country, regional administrators anywhere.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = NewAgency,
    responses(
        (status = 201, description = "The agency was created", body = Agency),
        (status = 403, description = "Not an administrator of that country", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The country has an agency of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/agencies")]
async fn create_agency(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewAgency>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "name",
            "must be 1 to 200 characters",
        )]));
    }
    let event = Event::by(Action::AgencyCreate, &caller, &meta).subject(Subject::new(
        "country",
        &body.country,
        Some(&body.country),
    ));
    let agency = state
        .audited(event, move |conn, event| {
            caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
            if !caller.has(Role::RegionalAdmin) && body.country != caller.country {
                return Err(ApiError::forbidden(
                    "administrators manage the agencies of their own country",
                ));
            }
            if !crate::countries::queries::exists(conn, &body.country)? {
                return Err(ApiError::validation("country", "is not a known country"));
            }
            let agency = queries::insert(conn, &body.country, &name, body.kind.into())?;
            event.subject = Some(Subject::new(
                "agency",
                &agency.id,
                Some(&agency.country_code),
            ));
            event.set_detail("name", agency.name.clone());
            event.set_detail("kind", agency.kind.clone());
            Ok(agency)
        })
        .await?;
    Ok(HttpResponse::Created().json(agency))
}
