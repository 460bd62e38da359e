//! `/api/v1/identity-providers`: regional administrators register the national
//! identity providers people sign in with, and change or disable them; country
//! administrators read those that sign people into their country's agencies.

use super::oidc::Caller;
use super::provider::{
    self, ClaimMapping, DEFAULT_SCOPES, IdentityProvider, IdentityProviderChange,
    NewIdentityProvider,
};
use super::queries::{self, ProviderRow};
use super::sign_in::redirect_uri;
use crate::auth::Principal;
use crate::auth::factors::StepUp;
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::input::{Id, Json};
use crate::ledger::{Action, Event, Outcome, Subject};
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_identity_providers)
        .service(register_identity_provider)
        .service(get_identity_provider)
        .service(change_identity_provider);
}

fn view(row: ProviderRow, public_url: &str) -> ApiResult<IdentityProvider> {
    let unreadable = |_| ApiError::Internal(anyhow::anyhow!("a provider's fields are unreadable"));
    Ok(IdentityProvider {
        agencies: serde_json::from_str(&row.agencies).map_err(unreadable)?,
        mapping: serde_json::from_str(&row.mapping).map_err(unreadable)?,
        mfa_acr: serde_json::from_str(&row.mfa_acr).map_err(unreadable)?,
        id: row.id,
        name: row.name,
        issuer: row.issuer,
        client_id: row.client_id,
        scopes: row.scopes,
        enabled: row.enabled,
        redirect_uri: redirect_uri(public_url),
        created_at: row.created_at.into(),
        updated_at: row.updated_at.into(),
    })
}

/// The countries of a provider's agencies.
fn countries_of(conn: &mut crate::db::DbConn, agencies: &str) -> ApiResult<Vec<String>> {
    let ids: Vec<String> = serde_json::from_str(agencies).unwrap_or_default();
    let mut countries = Vec::new();
    for id in ids {
        if let Some(agency) = crate::agencies::find(conn, &id)? {
            countries.push(agency.country_code);
        }
    }
    Ok(countries)
}

/// Whether the caller may read a provider: regional administrators every one, a
/// country's administrators those that sign people into their country.
fn may_read(
    conn: &mut crate::db::DbConn,
    caller: &Principal,
    row: &ProviderRow,
) -> ApiResult<bool> {
    Ok(caller.has(Role::RegionalAdmin)
        || (caller.has(Role::Admin)
            && countries_of(conn, &row.agencies)?.contains(&caller.country)))
}

/// The identity providers the caller administers or whose people they administer.
#[utoipa::path(
    tag = "identity providers",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The providers (never their client secrets)", body = Vec<IdentityProvider>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/identity-providers")]
async fn list_identity_providers(
    state: web::Data<AppState>,
    caller: Principal,
) -> ApiResult<web::Json<Vec<IdentityProvider>>> {
    caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
    let public_url = state.settings.public_url.clone();
    let found = state
        .db(move |conn| {
            let mut out = Vec::new();
            for row in queries::providers(conn)? {
                if may_read(conn, &caller, &row)? {
                    out.push(view(row, &public_url)?);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(web::Json(found))
}

/// One identity provider (404 for one the caller may not read).
#[utoipa::path(
    tag = "identity providers",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The provider")),
    responses(
        (status = 200, description = "The provider", body = IdentityProvider),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider the caller may read", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/identity-providers/{id}")]
async fn get_identity_provider(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Id>,
) -> ApiResult<web::Json<IdentityProvider>> {
    caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
    let public_url = state.settings.public_url.clone();
    let id = id.into_inner().into_string();
    let found = state
        .db(move |conn| {
            let row = queries::provider(conn, &id)?.ok_or(ApiError::NotFound)?;
            if !may_read(conn, &caller, &row)? {
                return Err(ApiError::NotFound);
            }
            view(row, &public_url)
        })
        .await?;
    Ok(web::Json(found))
}

/// The caller's authority over providers: a regional administrator who gave a second
/// factor lately.
fn authorize(caller: &Principal, step_up: StepUp) -> ApiResult<()> {
    caller.require_any(&[Role::RegionalAdmin])?;
    step_up.require(caller)
}

/// A refusal (403, or `step-up-required`), recorded as the audit trail records any.
async fn refused(state: &AppState, event: Event, refusal: ApiError) -> ApiError {
    let denied = event.detail("refused", refusal.kind().0);
    match state.ledger.record(denied, Outcome::Denied).await {
        Ok(()) => refusal,
        Err(e) => e,
    }
}

/// Register an identity provider (regional administrators).
///
/// The service reads the issuer's discovery document first: an issuer it cannot
/// read, or one that names another issuer, is refused. Register `redirect_uri` (in
/// the answer) with the provider. Needs a second factor given in the last
/// `CASELEDGER_STEP_UP_SECS`.
#[utoipa::path(
    tag = "identity providers",
    security(("bearer" = [])),
    request_body = NewIdentityProvider,
    responses(
        (status = 201, description = "Registered", body = IdentityProvider),
        (status = 401, description = "Not authenticated, or a recent second factor is needed (`step-up-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A provider of this issuer is registered already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an issuer whose discovery document cannot be read or names another issuer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/identity-providers")]
async fn register_identity_provider(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewIdentityProvider>,
) -> ApiResult<HttpResponse> {
    let event = Event::by(Action::IdentityProviderCreate, &caller, &meta);
    let step_up = state.step_up();
    if let Err(refusal) = authorize(&caller, step_up) {
        return Err(refused(&state, event, refusal).await);
    }
    let body = body.into_inner();
    let scopes = body
        .scopes
        .clone()
        .unwrap_or_else(|| DEFAULT_SCOPES.to_owned());
    let mfa_acr = body.mfa_acr.clone().unwrap_or_default();
    let issuer = body.issuer.trim().to_owned();
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::db::now();
    let row = ProviderRow {
        client_secret: state.factor_sealer.seal(body.client_secret.as_bytes(), &id),
        id,
        name: body.name.trim().to_owned(),
        issuer,
        client_id: body.client_id.trim().to_owned(),
        agencies: serde_json::to_string(&body.agencies).expect("ids serialise"),
        mapping: serde_json::to_string(&body.mapping).expect("a mapping serialises"),
        mfa_acr: serde_json::to_string(&mfa_acr).expect("values serialise"),
        scopes,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let fields = Fields::of(&row, &body.mapping, body.client_secret.len())?;
    state.db(move |conn| fields.check(conn)).await?;
    discoverable(&state, &row.issuer).await?;
    let public_url = state.settings.public_url.clone();
    let created = state
        .db(move |conn| {
            crate::ledger::audited(conn, event, |conn, event| {
                if queries::provider_by_issuer(conn, &row.issuer)?.is_some() {
                    return Err(ApiError::Conflict(
                        "a provider of this issuer is registered already".into(),
                    ));
                }
                queries::insert_provider(conn, &row)?;
                event.subject = Some(Subject::new("identity_provider", &row.id, None));
                event.set_detail("issuer", row.issuer.clone());
                event.set_detail("agencies", row.agencies.clone());
                view(row, &public_url)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// A provider's fields to check, as they would be stored.
struct Fields {
    name: String,
    client_id: String,
    secret_len: usize,
    agencies: Vec<String>,
    mapping: ClaimMapping,
    scopes: String,
    mfa_acr: Vec<String>,
}

impl Fields {
    fn of(row: &ProviderRow, mapping: &ClaimMapping, secret_len: usize) -> ApiResult<Fields> {
        Ok(Fields {
            name: row.name.clone(),
            client_id: row.client_id.clone(),
            secret_len,
            agencies: serde_json::from_str(&row.agencies).unwrap_or_default(),
            mapping: mapping.clone(),
            scopes: row.scopes.clone(),
            mfa_acr: serde_json::from_str(&row.mfa_acr).unwrap_or_default(),
        })
    }

    fn check(&self, conn: &mut crate::db::DbConn) -> ApiResult<()> {
        let mut known = |id: &str| matches!(crate::agencies::find(conn, id), Ok(Some(_)));
        let mut errors = match provider::check(
            &self.name,
            &self.agencies,
            &self.mapping,
            &self.scopes,
            &self.mfa_acr,
            &mut known,
        ) {
            Ok(()) => Vec::new(),
            Err(ApiError::Validation(errors)) => errors,
            Err(e) => return Err(e),
        };
        if self.client_id.is_empty() || self.client_id.len() > 255 {
            errors.push(FieldError::new("client_id", "must be 1 to 255 characters"));
        }
        if self.secret_len == 0 || self.secret_len > 1024 {
            errors.push(FieldError::new(
                "client_secret",
                "must be 1 to 1024 characters",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// An issuer whose discovery document the service reads (422 otherwise).
async fn discoverable(state: &AppState, issuer: &str) -> ApiResult<()> {
    let valid = url::Url::parse(issuer).ok().filter(|u| {
        matches!(u.scheme(), "https" | "http") && u.query().is_none() && u.fragment().is_none()
    });
    if valid.is_none() {
        return Err(ApiError::validation(
            "issuer",
            "must be an https URL without query or fragment",
        ));
    }
    Caller::new(&state.settings.webhook_allow_hosts)
        .discover(issuer)
        .await
        .map(drop)
        .map_err(|e| ApiError::validation("issuer", format!("could not be used: {}", e.0)))
}

/// Change or disable an identity provider (regional administrators).
///
/// A disabled provider signs nobody in; the accounts it made stay, linked. Needs a
/// second factor given in the last `CASELEDGER_STEP_UP_SECS`.
#[utoipa::path(
    tag = "identity providers",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The provider")),
    request_body = IdentityProviderChange,
    responses(
        (status = 200, description = "Changed", body = IdentityProvider),
        (status = 401, description = "Not authenticated, or a recent second factor is needed (`step-up-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider the caller may read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/identity-providers/{id}")]
async fn change_identity_provider(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<IdentityProviderChange>,
) -> ApiResult<web::Json<IdentityProvider>> {
    let id = id.into_inner().into_string();
    let mut event = Event::by(Action::IdentityProviderUpdate, &caller, &meta);
    event.subject = Some(Subject::new("identity_provider", &id, None));
    let step_up = state.step_up();
    let who = caller.clone();
    let found_id = id.clone();
    let found = state
        .db(move |conn| match queries::provider(conn, &found_id)? {
            Some(row) if may_read(conn, &who, &row)? => Ok(Some(row)),
            _ => Ok(None),
        })
        .await?;
    let Some(mut row) = found else {
        return Err(ApiError::NotFound);
    };
    if let Err(refusal) = authorize(&caller, step_up) {
        return Err(refused(&state, event, refusal).await);
    }
    let change = body.into_inner();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(name) = &change.name {
        row.name = name.trim().to_owned();
        changed.push("name");
    }
    let mut secret_len = 1;
    if let Some(secret) = &change.client_secret {
        secret_len = secret.len();
        row.client_secret = state.factor_sealer.seal(secret.as_bytes(), &row.id);
        changed.push("client_secret");
    }
    if let Some(agencies) = &change.agencies {
        row.agencies = serde_json::to_string(agencies).expect("ids serialise");
        changed.push("agencies");
    }
    if let Some(mapping) = &change.mapping {
        row.mapping = serde_json::to_string(mapping).expect("a mapping serialises");
        changed.push("mapping");
    }
    if let Some(scopes) = &change.scopes {
        row.scopes = scopes.clone();
        changed.push("scopes");
    }
    if let Some(acr) = &change.mfa_acr {
        row.mfa_acr = serde_json::to_string(acr).expect("values serialise");
        changed.push("mfa_acr");
    }
    if let Some(enabled) = change.enabled {
        row.enabled = enabled;
        changed.push(if enabled { "enabled" } else { "disabled" });
    }
    row.updated_at = crate::db::now();
    let mapping: ClaimMapping = match &change.mapping {
        Some(m) => m.clone(),
        None => serde_json::from_str(&row.mapping).map_err(|_| {
            ApiError::Internal(anyhow::anyhow!("a provider's mapping is unreadable"))
        })?,
    };
    let fields = Fields::of(&row, &mapping, secret_len)?;
    state.db(move |conn| fields.check(conn)).await?;
    let changed: Vec<String> = changed.into_iter().map(str::to_owned).collect();
    event.set_detail("changed", changed);
    let public_url = state.settings.public_url.clone();
    let done = state
        .db(move |conn| {
            crate::ledger::audited(conn, event, |conn, _| {
                queries::update_provider(conn, &row)?;
                view(row, &public_url)
            })
        })
        .await?;
    Ok(web::Json(done))
}
