//! Agencies: police units, prosecution services, central authorities, CERTs and
//! regional bodies, each in one country. The directory is readable by every user
//! (sharing a case abroad starts with finding the agency); administrators manage it.

use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::db::schema::agencies;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::{Id, Json, Query};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use crate::time::UtcTimestamp;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies)
        .service(create_agency)
        .service(get_agency);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Police,
    Prosecution,
    CentralAuthority,
    Cert,
    Regional,
    Other,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Police => "police",
            AgencyKind::Prosecution => "prosecution",
            AgencyKind::CentralAuthority => "central_authority",
            AgencyKind::Cert => "cert",
            AgencyKind::Regional => "regional",
            AgencyKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: String,
    #[serde(rename = "country")]
    #[schema(example = "JM")]
    pub country_code: String,
    pub name: String,
    #[schema(value_type = AgencyKind)]
    pub kind: String,
    #[diesel(deserialize_as = NaiveDateTime)]
    pub created_at: UtcTimestamp,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgency {
    #[schema(example = "JM")]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: AgencyKind,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgencyFilter {
    /// Only agencies of this country.
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> ApiResult<Option<Agency>> {
    Ok(agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .optional()?)
}

/// Creates an agency; used by the API, the command line and the first start.
pub fn insert(conn: &mut DbConn, country: &str, name: &str, kind: AgencyKind) -> ApiResult<Agency> {
    let agency = Agency {
        id: uuid::Uuid::now_v7().to_string(),
        country_code: country.to_owned(),
        name: name.to_owned(),
        kind: kind.as_str().to_owned(),
        created_at: crate::db::now().into(),
    };
    diesel::insert_into(agencies::table)
        .values((
            agencies::id.eq(&agency.id),
            agencies::country_code.eq(&agency.country_code),
            agencies::name.eq(&agency.name),
            agencies::kind.eq(&agency.kind),
            agencies::created_at.eq(agency.created_at.naive()),
        ))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                ApiError::Conflict(format!("{country} already has an agency named {name}"))
            } else {
                e.into()
            }
        })?;
    Ok(agency)
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
    _caller: Principal,
    filter: Query<AgencyFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Agency>>> {
    let filter = filter.into_inner();
    let limit = paging.limit();
    let after = paging.after();
    let country = filter.country;
    let rows = state
        .db(move |conn| {
            let mut query = agencies::table
                .select(Agency::as_select())
                .order(agencies::id)
                .limit(limit + 1)
                .into_boxed();
            if let Some(country) = country {
                query = query.filter(agencies::country_code.eq(country));
            }
            if let Some(after) = after {
                query = query.filter(agencies::id.gt(after));
            }
            Ok(query.load(conn)?)
        })
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
    _caller: Principal,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Agency>> {
    let id = id.into_inner().into_string();
    let agency = state.db(move |conn| find(conn, &id)).await?;
    agency.map(web::Json).ok_or(ApiError::NotFound)
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
            if !crate::countries::exists(conn, &body.country)? {
                return Err(ApiError::validation("country", "is not a known country"));
            }
            let agency = insert(conn, &body.country, &name, body.kind)?;
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
