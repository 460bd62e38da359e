//! `/api/v1/providers`: the directory of service providers.

use super::access::{confined_to, may_manage, may_read};
use super::queries;
use super::{NewProvider, Provider, ProviderChange, ProviderFilter};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::{Id, Json, Query};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_providers)
        .service(register_provider)
        .service(get_provider)
        .service(change_provider);
}

/// List providers. The region's officials read the whole directory; a provider's own
/// people see their provider alone.
#[utoipa::path(
    tag = "providers",
    security(("bearer" = [])),
    params(ProviderFilter, PageParams),
    responses(
        (status = 200, description = "A page of providers", body = Page<Provider>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/providers")]
async fn list_providers(
    state: web::Data<AppState>,
    caller: Principal,
    filter: Query<ProviderFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Provider>>> {
    let filter = filter.into_inner();
    let (limit, after) = (paging.limit(), paging.after());
    let providers = state
        .db(move |conn| {
            let only = confined_to(&caller);
            queries::list(conn, &filter, only, after.as_deref(), limit)?
                .into_iter()
                .map(queries::ProviderRow::into_provider)
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(paging.page(providers, |p| p.id.clone(), |p| p)))
}

/// One provider.
#[utoipa::path(
    tag = "providers",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Provider id (its agency's)")),
    responses(
        (status = 200, description = "The provider", body = Provider),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/providers/{id}")]
async fn get_provider(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Provider>> {
    let id = id.into_inner().into_string();
    let provider = state
        .db(move |conn| {
            if !may_read(&caller, &id) {
                return Err(ApiError::NotFound);
            }
            queries::find(conn, &id)?
                .ok_or(ApiError::NotFound)?
                .into_provider()
        })
        .await?;
    Ok(web::Json(provider))
}

/// Register a provider established in a state (that state's administrators, and
/// regional administrators). The answer's `id` is the provider's agency: its people
/// are created there with the role `provider_liaison`.
#[utoipa::path(
    tag = "providers",
    security(("bearer" = [])),
    request_body = NewProvider,
    responses(
        (status = 201, description = "Registered", body = Provider),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of that state", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The state has an agency of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/providers")]
async fn register_provider(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewProvider>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let name = super::check_name(&body.name, &mut errors);
    super::check_legal(&body.legal_contact, &mut errors);
    super::check_emergency(&body.emergency_contact, &mut errors);
    super::check_accepts(&body.accepts, &mut errors);
    let event = Event::by(Action::ProviderCreate, &caller, &meta).subject(Subject::new(
        "country",
        &body.country,
        Some(&body.country),
    ));
    let provider = state
        .audited(event, move |conn, event| {
            if !may_manage(&caller, &body.country) {
                return Err(ApiError::forbidden(
                    "the administrators of the state where a provider is established register it",
                ));
            }
            if !crate::countries::queries::exists(conn, &body.country)? {
                errors.push(FieldError::new("country", "is not a known country"));
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let id = queries::insert(conn, &body, &name)?;
            event.subject = Some(Subject::new("agency", &id, Some(&body.country)));
            event.set_detail("name", name.clone());
            event.set_detail("provider_kind", body.provider_kind.as_str());
            queries::find(conn, &id)?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a provider just registered")))?
                .into_provider()
        })
        .await?;
    Ok(HttpResponse::Created().json(provider))
}

/// Change a provider's name, kind, contacts or the orders it takes directly (the
/// administrators of its state, and regional administrators).
#[utoipa::path(
    tag = "providers",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Provider id (its agency's)")),
    request_body = ProviderChange,
    responses(
        (status = 200, description = "The provider as changed", body = Provider),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the provider's state", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The state has an agency of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/providers/{id}")]
async fn change_provider(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<ProviderChange>,
) -> ApiResult<web::Json<Provider>> {
    let id = id.into_inner().into_string();
    let change = body.into_inner();
    let event = Event::by(Action::ProviderUpdate, &caller, &meta);
    let provider = state
        .audited(event, move |conn, event| {
            if !may_read(&caller, &id) {
                return Err(ApiError::NotFound);
            }
            let mut provider = queries::find(conn, &id)?
                .ok_or(ApiError::NotFound)?
                .into_provider()?;
            event.subject = Some(Subject::new("agency", &id, Some(&provider.country)));
            if !may_manage(&caller, &provider.country) {
                return Err(ApiError::forbidden(
                    "the administrators of the provider's state change it",
                ));
            }
            let mut errors = Vec::new();
            let mut changed: Vec<&str> = Vec::new();
            if let Some(name) = &change.name {
                provider.name = super::check_name(name, &mut errors);
                changed.push("name");
            }
            if let Some(kind) = change.provider_kind {
                provider.provider_kind = kind;
                changed.push("provider_kind");
            }
            if let Some(contact) = change.legal_contact {
                super::check_legal(&contact, &mut errors);
                provider.legal_contact = contact;
                changed.push("legal_contact");
            }
            if let Some(contact) = change.emergency_contact {
                super::check_emergency(&contact, &mut errors);
                provider.emergency_contact = contact;
                changed.push("emergency_contact");
            }
            if let Some(accepts) = change.accepts {
                super::check_accepts(&accepts, &mut errors);
                provider.accepts = accepts;
                changed.push("accepts");
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            event.set_detail("changed", changed);
            let now = crate::db::now();
            queries::update(conn, &provider, now)?;
            provider.updated_at = now.into();
            Ok(provider)
        })
        .await?;
    Ok(web::Json(provider))
}
