use crate::auth::PendingPrincipal;
use crate::auth::queries;
use crate::auth::roles::Role;
use crate::auth::service::{self, TokenResponse};
use crate::auth::tokens::Jwks;
use crate::catalogue::Language;
use crate::error::{ApiResult, Problem};
use crate::input::Json;
use crate::ledger::{Action, Event};
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(change_password)
        .service(jwks)
        .service(me)
        .service(change_me);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(min_length = 1, max_length = 320)]
    pub username: String,
    #[schema(format = Password, min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    #[schema(format = Password, min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// The password policy: 12 to 128 characters of any kind; not one of the most
    /// common passwords; not containing the username, the user's name, their agency's
    /// name or the service's name; strong enough by the zxcvbn estimate (score 3 of 4);
    /// none of the user's last five passwords. Every rule broken is reported.
    #[schema(format = Password)]
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub agency_id: String,
    pub country: String,
    pub roles: Vec<Role>,
    pub must_change_password: bool,
    /// Must enrol a second factor before anything else (`/me/factors`).
    pub factor_enrolment_required: bool,
    /// The language chosen for pages, reports and messages; `null` until chosen,
    /// when each request's `Accept-Language` decides (else English).
    pub language: Option<Language>,
}

impl From<crate::auth::Principal> for Me {
    fn from(p: crate::auth::Principal) -> Me {
        Me {
            id: p.user_id,
            username: p.username,
            display_name: p.display_name,
            agency_id: p.agency_id,
            country: p.country,
            roles: p.roles,
            must_change_password: p.must_change_password,
            factor_enrolment_required: p.must_enrol,
            language: p.language,
        }
    }
}

/// A change to one's own account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// The language for pages, reports and messages; `null` leaves it to each
    /// request's `Accept-Language`.
    pub language: Option<Language>,
}

/// Log in with a username and password.
///
/// Five failures in a row lock the account for ten minutes; an unknown user, a wrong
/// password and a locked or disabled account all get the same answer.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in: an access token and a refresh token", body = TokenResponse),
        (status = 401, description = "Invalid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.into_inner();
    let st = state.clone();
    let tokens = state
        .hashing(move |conn| {
            service::login(
                conn,
                &st.auth_context(),
                &meta,
                &body.username,
                &body.password,
            )
        })
        .await?;
    Ok(web::Json(tokens))
}

/// Exchange a refresh token for new tokens. Each refresh token works once; presenting
/// a spent one ends the whole session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the refresh token presented is spent", body = TokenResponse),
        (status = 401, description = "Invalid, expired or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.into_inner();
    let st = state.clone();
    let tokens = state
        .db(move |conn| service::refresh(conn, &st.auth_context(), &meta, &body.refresh_token))
        .await?;
    Ok(web::Json(tokens))
}

/// End the caller's session: its refresh token and access tokens stop working.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: PendingPrincipal,
) -> ApiResult<HttpResponse> {
    let caller = caller.0;
    let event = Event::by(Action::AuthLogout, &caller, &meta)
        .detail("session_id", caller.session_id.as_str());
    state
        .audited(event, move |conn, _| {
            Ok(queries::revoke_session(conn, &caller.session_id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the caller's password (required after the first login). Other sessions end.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "Password changed"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password or a new password that breaks the policy", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    caller: PendingPrincipal,
    meta: RequestMeta,
    body: Json<PasswordChangeRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let caller = caller.0;
    let st = state.clone();
    state
        .hashing(move |conn| {
            service::change_password(
                conn,
                &st.auth_context(),
                &meta,
                &caller.user_id,
                &caller.session_id,
                &body.current_password,
                &body.new_password,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The public keys that verify access tokens (RFC 7517), for national systems.
#[utoipa::path(tag = "auth", responses((status = 200, description = "The token verification keys", body = Jwks)))]
#[get("/auth/jwks")]
async fn jwks(state: web::Data<AppState>) -> web::Json<Jwks> {
    web::Json(state.tokens.jwks())
}

/// The caller's identity and roles.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
async fn me(caller: PendingPrincipal) -> web::Json<Me> {
    web::Json(Me::from(caller.0))
}

/// Sets the language a person chose for themself (`None` unsets it), audited as a
/// change of their account (`user.update`): the API's `PATCH /me` and the pages'
/// choice.
pub async fn choose_language(
    state: &AppState,
    caller: &crate::auth::Principal,
    meta: &RequestMeta,
    language: Option<Language>,
) -> ApiResult<()> {
    let event = Event::by(Action::UserUpdate, caller, meta)
        .subject(crate::ledger::Subject::new(
            "user",
            &caller.user_id,
            Some(&caller.country),
        ))
        .detail(
            "changed",
            serde_json::json!({"language": language.map(Language::as_str)}),
        );
    let user_id = caller.user_id.clone();
    state
        .audited(event, move |conn, _| {
            let code = language.map(Language::as_str);
            Ok(queries::set_language(
                conn,
                &user_id,
                code,
                crate::db::now(),
            )?)
        })
        .await
}

/// Choose one's language for pages, reports and messages (audited `user.update`).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = MePatch,
    responses(
        (status = 200, description = "The caller, as changed", body = Me),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a language of the service (`en`, `fr`, `nl`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
async fn change_me(
    state: web::Data<AppState>,
    caller: PendingPrincipal,
    meta: RequestMeta,
    body: Json<MePatch>,
) -> ApiResult<web::Json<Me>> {
    let mut p = caller.0;
    let language = body.into_inner().language;
    choose_language(&state, &p, &meta, language).await?;
    p.language = language;
    Ok(web::Json(Me::from(p)))
}
