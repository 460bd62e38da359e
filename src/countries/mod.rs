//! Countries: seeded with the CARICOM member and associate states; a regional
//! administrator adds others (states where service providers keep data).

use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::schema::countries;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::Json;
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_countries).service(create_country);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    Member,
    Associate,
    /// A state outside CARICOM.
    NonMember,
}

impl Membership {
    fn as_str(self) -> &'static str {
        match self {
            Membership::Member => "member",
            Membership::Associate => "associate",
            Membership::NonMember => "non_member",
        }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = countries)]
pub struct CountryRow {
    pub code: String,
    pub name: String,
    pub membership: String,
    pub official_languages: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    #[schema(example = "JM")]
    pub code: String,
    pub name: String,
    pub membership: String,
    /// BCP 47 language codes.
    pub official_languages: Vec<String>,
}

impl From<CountryRow> for Country {
    fn from(row: CountryRow) -> Country {
        Country {
            code: row.code,
            name: row.name,
            membership: row.membership,
            official_languages: row
                .official_languages
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCountry {
    #[schema(example = "US")]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub membership: Membership,
    #[schema(schema_with = language_codes)]
    pub official_languages: Vec<String>,
}

/// One or more lower-case language codes (`en`, `fr`, `pap`, `nl-sr`).
fn language_codes() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[a-z-]{2,8}$")),
        )
        .min_items(Some(1))
        .examples([serde_json::json!(["en"])])
        .build()
}

pub fn exists(conn: &mut crate::db::DbConn, code: &str) -> ApiResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(countries::table.find(code))).get_result(conn)?)
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
        .db(move |conn| {
            let mut query = countries::table
                .select(CountryRow::as_select())
                .order(countries::code)
                .limit(limit + 1)
                .into_boxed();
            if let Some(after) = after {
                query = query.filter(countries::code.gt(after));
            }
            Ok(query.load(conn)?)
        })
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
    };
    let event = Event::by(Action::CountryCreate, &caller, &meta)
        .subject(Subject::new("country", &row.code, Some(&row.code)))
        .detail("name", row.name.clone());
    let created = state
        .audited(event, move |conn, _| {
            caller.require_any(&[Role::RegionalAdmin])?;
            if exists(conn, &row.code)? {
                return Err(ApiError::Conflict(format!("country {} exists", row.code)));
            }
            diesel::insert_into(countries::table)
                .values((
                    countries::code.eq(&row.code),
                    countries::name.eq(&row.name),
                    countries::membership.eq(&row.membership),
                    countries::official_languages.eq(&row.official_languages),
                    countries::created_at.eq(row.created_at),
                ))
                .execute(conn)
                .map_err(|e| {
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
