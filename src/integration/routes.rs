//! The endpoints national systems use to connect: service accounts (created by
//! administrators) and the token endpoint.

use super::access::manages;
use super::oauth::{self, ClientAuth, ClientTokenResponse};
use super::queries::{self, NewServiceUser, ServiceAccountRow};
use super::service_account::{
    AuthMethod, CredentialRow, NewServiceAccount, SecretRotation, ServiceAccount, new_client_id,
    new_secret,
};
use crate::auth::account::SERVICE_KIND;
use crate::auth::roles::{Role, encode_roles};
use crate::auth::{Credentials, Principal};
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, Json};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(oauth_token)
        .service(list_service_accounts)
        .service(create_service_account)
        .service(get_service_account)
        .service(rotate_secret)
        .service(event_feed);
}

fn view(row: ServiceAccountRow, secret: Option<String>) -> ServiceAccount {
    let method = AuthMethod::parse(&row.credential.auth_method).unwrap_or(AuthMethod::ClientSecret);
    ServiceAccount {
        active: row.user.is_active(),
        roles: row.user.roles(),
        id: row.user.id,
        client_id: row.user.username,
        name: row.user.display_name,
        agency_id: row.user.agency_id,
        country: row.country,
        auth_method: method,
        jwks_uri: row.credential.jwks_uri,
        client_secret: secret,
        previous_secret_valid_until: row
            .credential
            .previous_valid_until
            .filter(|t| *t > crate::db::now())
            .map(Into::into),
        created_at: row.user.created_at.into(),
    }
}

/// A service account the caller administers, or 404 (as for one that does not exist).
fn administered(
    conn: &mut crate::db::DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<ServiceAccountRow> {
    let row = queries::by_id(conn, id)?.ok_or(ApiError::NotFound)?;
    event.subject = Some(Subject::new("user", &row.user.id, Some(&row.country)));
    if manages(caller, &row.country) {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Service accounts the caller administers: those of their country (every country
/// for regional administrators).
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of service accounts", body = Page<ServiceAccount>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service-accounts")]
async fn list_service_accounts(
    state: web::Data<AppState>,
    caller: Credentials,
    paging: Paging,
) -> ApiResult<web::Json<Page<ServiceAccount>>> {
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .read_as(
            caller,
            Action::ServiceAccountList,
            move |conn, caller, _| {
                caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
                let country = (!caller.has(Role::RegionalAdmin)).then_some(caller.country.as_str());
                Ok(queries::list(conn, country, after, limit)?)
            },
        )
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.user.id.clone(),
        |r| view(r, None),
    )))
}

/// Register a national system as a service account of one agency, with the roles it
/// acts in (never `admin` or `regional_admin`). With `client_secret`, the answer holds
/// the secret, shown this once (only its argon2id hash is kept); with
/// `private_key_jwt`, the system signs client assertions with a key of `jwks`.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    request_body = NewServiceAccount,
    responses(
        (status = 201, description = "The service account, with its client secret when it has one", body = ServiceAccount, headers(("Location" = String))),
        (status = 401, description = "Not authenticated, or registering a service account asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the agency's country", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: an unknown agency, a refused role (provider_liaison outside a provider's agency, any other role in one), keys missing or unusable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts")]
async fn create_service_account(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewServiceAccount>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
    body.check()?;
    // Published keys are read now: a URL that cannot be read, or holds no usable
    // key, is refused here rather than at the system's first token request.
    let jwks_uri = match &body.jwks_uri {
        Some(uri) => {
            let uri = uri.trim().to_owned();
            super::jwks::fetch(&state, &uri)
                .await
                .map_err(|reason| ApiError::validation("jwks_uri", reason))?;
            Some(uri)
        }
        None => None,
    };
    let secret = (body.auth_method == AuthMethod::ClientSecret).then(new_secret);
    let hash = match &secret {
        Some(s) => {
            let hasher = state.hasher.clone();
            let s = s.clone();
            Some(state.hashing(move |_| Ok(hasher.hash(&s)?)).await?)
        }
        None => None,
    };
    let step_up = state.step_up();
    let event = Event::by(Action::ServiceAccountCreate, &caller, &meta);
    let row = state
        .audited(event, move |conn, event| {
            let agency = crate::agencies::find(conn, &body.agency_id)?
                .ok_or_else(|| ApiError::validation("agency_id", "is not a known agency"))?;
            if !manages(&caller, &agency.country_code) {
                return Err(ApiError::forbidden(
                    "only administrators of the agency's country register its service accounts",
                ));
            }
            step_up.require(&caller)?;
            // A provider's systems act as its liaisons, and only a provider's do.
            crate::agencies::roles_fit(&agency.kind, &body.roles)
                .map_err(|why| ApiError::validation("roles", why))?;
            let now = crate::db::now();
            let id = uuid::Uuid::now_v7().to_string();
            let client_id = new_client_id();
            let roles = encode_roles(&body.roles);
            queries::insert(
                conn,
                &NewServiceUser {
                    id: &id,
                    username: &client_id,
                    display_name: body.name.trim(),
                    agency_id: &agency.id,
                    roles: &roles,
                    status: "active",
                    password_hash: "!service-account",
                    must_change_password: false,
                    failed_logins: 0,
                    created_at: now,
                    updated_at: now,
                    kind: SERVICE_KIND,
                },
                &CredentialRow {
                    user_id: id.clone(),
                    auth_method: body.auth_method.as_str().to_owned(),
                    secret_hash: hash,
                    previous_secret_hash: None,
                    previous_valid_until: None,
                    jwks: body.jwks.as_ref().map(|j| j.to_string()),
                    created_at: now,
                    updated_at: now,
                    jwks_uri,
                },
            )?;
            event.subject = Some(Subject::new("user", &id, Some(&agency.country_code)));
            event.set_detail("client_id", client_id);
            event.set_detail("roles", roles);
            event.set_detail("auth_method", body.auth_method.as_str());
            queries::by_id(conn, &id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    let location = format!("/api/v1/service-accounts/{}", row.user.id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .json(view(row, secret)))
}

/// One service account.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Service account id")),
    responses(
        (status = 200, description = "The service account", body = ServiceAccount),
        (status = 404, description = "No such service account, or not one the caller administers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service-accounts/{id}")]
async fn get_service_account(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<ServiceAccount>> {
    let id = id.into_inner().into_string();
    let row = state
        .read_as(
            caller,
            Action::ServiceAccountRead,
            move |conn, caller, event| administered(conn, caller, &id, event),
        )
        .await?;
    Ok(web::Json(view(row, None)))
}

/// Give a service account a new client secret, shown this once. The current one
/// keeps working for `overlap_secs` (default a day), so the system can switch over
/// without a gap; a secret before that stops at once.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Service account id")),
    request_body = SecretRotation,
    responses(
        (status = 200, description = "The service account with its new secret", body = ServiceAccount),
        (status = 401, description = "Not authenticated, or a new secret asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service account, or not one the caller administers", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account authenticates with private_key_jwt", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts/{id}/secret")]
async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<SecretRotation>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let overlap = super::service_account::overlap(body.into_inner().overlap_secs)?;
    let secret = new_secret();
    let hash = {
        let hasher = state.hasher.clone();
        let s = secret.clone();
        state.hashing(move |_| Ok(hasher.hash(&s)?)).await?
    };
    let step_up = state.step_up();
    let event = Event::by(Action::ServiceAccountRotate, &caller, &meta);
    let row = state
        .audited(event, move |conn, event| {
            let row = administered(conn, &caller, &id, event)?;
            if row.credential.auth_method != AuthMethod::ClientSecret.as_str() {
                return Err(ApiError::Conflict(
                    "the account authenticates with private_key_jwt: it has no secret".into(),
                ));
            }
            step_up.require(&caller)?;
            let now = crate::db::now();
            let mut credential = row.credential.clone();
            credential.previous_secret_hash = credential.secret_hash.take();
            credential.previous_valid_until = Some(now + chrono::Duration::seconds(overlap));
            credential.secret_hash = Some(hash);
            credential.updated_at = now;
            queries::update_credential(conn, &credential)?;
            event.set_detail("overlap_secs", overlap);
            queries::by_id(conn, &row.user.id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view(row, Some(secret))))
}

/// The token request's form (RFC 6749 §4.4.2 with client authentication, §2.3.1, or a
/// client assertion, RFC 7523 §2.2).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    /// `client_credentials`.
    #[schema(pattern = "^client_credentials$", example = "client_credentials")]
    pub grant_type: String,
    #[schema(min_length = 1, max_length = 64)]
    pub client_id: Option<String>,
    #[schema(format = Password, min_length = 1, max_length = 8192)]
    pub client_secret: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    #[schema(pattern = "^urn:ietf:params:oauth:client-assertion-type:jwt-bearer$")]
    pub client_assertion_type: Option<String>,
    /// A compact JWT.
    #[schema(
        pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        max_length = 8192
    )]
    pub client_assertion: Option<String>,
    /// Ignored: a service account acts in the roles it was registered with.
    pub scope: Option<String>,
}

/// Client authentication failed, or was not attempted in a way that can succeed.
fn unauthenticated_client(why: &str) -> ApiError {
    ApiError::OAuth {
        error: "invalid_client",
        description: why.to_owned(),
    }
}

fn invalid_request(why: &str) -> ApiError {
    ApiError::OAuth {
        error: "invalid_request",
        description: why.to_owned(),
    }
}

/// The form's parameters, each at most once (RFC 6749 §3.2).
fn parse_form(req: &HttpRequest, body: &[u8]) -> ApiResult<TokenForm> {
    let form_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form_type {
        return Err(ApiError::UnsupportedMediaType);
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| invalid_request("the form cannot be decoded"))?;
    // Unknown parameters are ignored (RFC 6749 §3.1); the known ones come once each.
    const KNOWN: [&str; 6] = [
        "grant_type",
        "client_id",
        "client_secret",
        "client_assertion_type",
        "client_assertion",
        "scope",
    ];
    let mut seen = std::collections::HashSet::new();
    for (name, value) in pairs.iter().filter(|(n, _)| KNOWN.contains(&n.as_str())) {
        if !seen.insert(name.as_str()) {
            return Err(invalid_request(&format!(
                "`{name}` is given more than once"
            )));
        }
        if value.len() > 8192 {
            return Err(invalid_request(&format!("`{name}` is too long")));
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    Ok(TokenForm {
        grant_type: get("grant_type").ok_or_else(|| invalid_request("`grant_type` is required"))?,
        client_id: get("client_id"),
        client_secret: get("client_secret"),
        client_assertion_type: get("client_assertion_type"),
        client_assertion: get("client_assertion"),
        scope: get("scope"),
    })
}

/// HTTP Basic client authentication (RFC 6749 §2.3.1): the id and secret,
/// form-urlencoded, then base64.
fn basic_credentials(req: &HttpRequest) -> ApiResult<Option<(String, String)>> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    // Other schemes (a bearer token) authenticate no client here: they are ignored.
    let Some(encoded) = value.to_str().ok().and_then(|t| t.strip_prefix("Basic ")) else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| unauthenticated_client("unreadable Basic credentials"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| unauthenticated_client("unreadable Basic credentials"))?;
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|v| v.into_iter().next().map(|(_, v)| v))
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// The OAuth 2.0 token endpoint for service accounts: the client credentials grant
/// (RFC 6749 §4.4), form-encoded. The client authenticates with its secret
/// (`client_id` and `client_secret` in the form, or HTTP Basic) or with a client
/// assertion (`client_assertion_type` and `client_assertion`, RFC 7523): a JWT signed
/// with one of its registered keys, `iss` and `sub` its client id, `aud` this
/// endpoint's URL, `exp` within the hour and a single-use `jti`. Every failure is the
/// same `invalid_client` (401); repeated failures lock the account like a login.
#[utoipa::path(
    tag = "integration",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token (no refresh token)", body = ClientTokenResponse),
        (status = 400, description = "An invalid request (`invalid_request`) or grant type (`unsupported_grant_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Client authentication failed (`invalid_client`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not form-encoded", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many credentials are being checked at once", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/oauth/token")]
async fn oauth_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let form = parse_form(&req, &body)?;
    if form.grant_type != "client_credentials" {
        return Err(ApiError::OAuth {
            error: "unsupported_grant_type",
            description: "only client_credentials is granted here".into(),
        });
    }
    let basic = basic_credentials(&req)?;
    let auth = match (basic, form.client_secret, form.client_assertion) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (None, Some(_), Some(_)) => {
            return Err(unauthenticated_client(
                "use exactly one client authentication method",
            ));
        }
        (Some((client_id, secret)), None, None) => ClientAuth::Secret { client_id, secret },
        (None, Some(secret), None) => ClientAuth::Secret {
            client_id: form.client_id.ok_or_else(|| {
                unauthenticated_client("`client_id` is required with `client_secret`")
            })?,
            secret,
        },
        (None, None, Some(jwt)) => {
            if form.client_assertion_type.as_deref() != Some(super::assertion::ASSERTION_TYPE) {
                return Err(unauthenticated_client(
                    "`client_assertion_type` must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ));
            }
            ClientAuth::Assertion {
                client_id: form.client_id,
                jwt,
            }
        }
        (None, None, None) => {
            return Err(unauthenticated_client("client authentication is required"));
        }
    };
    let audience = format!(
        "{}/api/v1/oauth/token",
        state.settings.public_url.trim_end_matches('/')
    );
    let published = match &auth {
        ClientAuth::Assertion { client_id, jwt } => {
            super::jwks::for_assertion(&state, client_id.as_deref(), jwt).await?
        }
        ClientAuth::Secret { .. } => None,
    };
    let st = state.clone();
    let granted = state
        .hashing(move |conn| {
            let ctx = st.auth_context();
            oauth::grant(conn, &ctx, &meta, auth, &audience, published)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(granted))
}

/// The events the caller may see, in commit order, after `after`: what happened to
/// which case, item, request or preservation, never its content (fetch the object at
/// `subject.href` with your token). An event is listed only while the caller may see
/// its object. With `wait`, an answer that would be empty waits up to that many
/// seconds for the next event. `next_cursor` resumes exactly after the last event read,
/// on any instance; it is opaque, and tells nothing of the events the caller may not
/// see.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(super::feed::FeedParams),
    responses(
        (status = 200, description = "Events in commit order", body = super::feed::EventFeed),
        (status = 422, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
async fn event_feed(
    state: web::Data<AppState>,
    caller: Credentials,
    params: crate::input::Query<super::feed::FeedParams>,
) -> ApiResult<web::Json<super::feed::EventFeed>> {
    use super::feed::{self, EventFeed, Types};
    let params = params.into_inner();
    let mut after: i64 = match &params.after {
        Some(text) => state
            .cursors
            .open_position(text)
            .ok_or_else(|| ApiError::validation("after", "must be a cursor from this feed"))?,
        None => 0,
    };
    let wait = std::time::Duration::from_secs(params.wait.unwrap_or(0).min(feed::MAX_WAIT_SECS));
    let limit = params.limit.unwrap_or(feed::DEFAULT_LIMIT).clamp(1, 500);
    let types = std::sync::Arc::new(Types::parse(params.types.as_deref()));
    let meta = caller.meta.clone();
    let principal = {
        let caller = caller.clone();
        state.db(move |conn| caller.load(conn)).await?
    };
    let deadline = std::time::Instant::now() + wait;
    let events = loop {
        let (p, t) = (principal.clone(), types.clone());
        let scanned = state
            .db(move |conn| feed::scan(conn, &p, after, &t, limit))
            .await?;
        after = scanned.next;
        if !scanned.events.is_empty() || std::time::Instant::now() >= deadline {
            break scanned.events;
        }
        actix_web::rt::time::sleep(feed::POLL).await;
    };
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let event = Event::by(Action::EventFeedRead, &principal, &meta).detail("event_ids", ids);
    state
        .ledger
        .record(event, crate::ledger::Outcome::Success)
        .await?;
    Ok(web::Json(EventFeed {
        items: events,
        next_cursor: state.cursors.seal_position(after),
    }))
}
