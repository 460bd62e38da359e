//! Second factors: the second step of a sign-in, a factor given again (step-up), and
//! the caller's own factors and recovery codes. The rules live in
//! [`crate::auth::second_factor`].

use crate::auth::second_factor::{
    self, ConfirmRequest, Confirmed, EnrolRequest, Enrolment, Factors, Proof, RecoveryCodes,
};
use crate::auth::service::TokenResponse;
use crate::auth::{PendingPrincipal, Principal};
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Json;
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login_mfa)
        .service(login_passkey_challenge)
        .service(step_up)
        .service(step_up_passkey_challenge)
        .service(list)
        .service(enrol)
        .service(confirm)
        .service(remove)
        .service(recovery_codes);
}

/// A second factor: exactly one of `code`, `recovery_code` and `webauthn`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofRequest {
    /// The six digits an authenticator app shows.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: Option<String>,
    /// One of the person's recovery codes (each works once).
    #[schema(min_length = 16, max_length = 40)]
    pub recovery_code: Option<String>,
    /// A passkey's answer to the challenge `POST /api/v1/auth/step-up/challenge` gave:
    /// the `PublicKeyCredential` of `navigator.credentials.get`, as its `toJSON()`
    /// gives it.
    #[schema(value_type = Option<Object>)]
    pub webauthn: Option<serde_json::Value>,
}

impl ProofRequest {
    fn proof(self) -> ApiResult<Proof> {
        match (self.code, self.recovery_code, self.webauthn) {
            (Some(code), None, None) => Ok(Proof::Code(code)),
            (None, Some(code), None) => Ok(Proof::RecoveryCode(code)),
            (None, None, Some(answer)) => Ok(Proof::Passkey(Box::new(
                crate::auth::passkeys::answer("webauthn", answer)?,
            ))),
            _ => Err(ApiError::validation(
                "code",
                "give exactly one of code, recovery_code and webauthn",
            )),
        }
    }
}

/// Options for the browser's `navigator.credentials.get`:
/// `{"publicKey": PublicKeyCredentialRequestOptions}` (WebAuthn Level 3), binary
/// fields in unpadded base64url. The challenge is answered once, within five minutes.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct PasskeyOptions(serde_json::Value);

/// The second step of a sign-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaLoginRequest {
    /// From the `mfa-required` answer to `POST /api/v1/auth/login`.
    #[schema(min_length = 1, max_length = 200)]
    pub mfa_token: String,
    /// The six digits an authenticator app shows (or give `recovery_code`).
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: Option<String>,
    /// One of the person's recovery codes (each works once).
    #[schema(min_length = 16, max_length = 40)]
    pub recovery_code: Option<String>,
    /// A passkey's answer to the challenge `POST /api/v1/auth/login/mfa/challenge`
    /// gave: the `PublicKeyCredential` of `navigator.credentials.get`, as its
    /// `toJSON()` gives it.
    #[schema(value_type = Option<Object>)]
    pub webauthn: Option<serde_json::Value>,
}

/// A sign-in's second step to be made with a passkey.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaChallengeRequest {
    /// From the `mfa-required` answer to `POST /api/v1/auth/login`.
    #[schema(min_length = 1, max_length = 200)]
    pub mfa_token: String,
}

/// A passkey challenge for a sign-in's second step.
///
/// Answers the options for the browser's `navigator.credentials.get`; the answer goes
/// to `POST /api/v1/auth/login/mfa` as `webauthn`. A new challenge replaces the
/// sign-in's earlier one.
#[utoipa::path(
    tag = "auth",
    request_body = MfaChallengeRequest,
    responses(
        (status = 200, description = "The options, with a challenge kept for five minutes", body = PasskeyOptions),
        (status = 401, description = "`mfa_token` spent, expired or unknown (`invalid-second-factor`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person holds no passkey, or the service offers none (its public URL names an IP address)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login/mfa/challenge")]
async fn login_passkey_challenge(
    state: web::Data<AppState>,
    body: Json<MfaChallengeRequest>,
) -> ApiResult<web::Json<PasskeyOptions>> {
    let token = body.into_inner().mfa_token;
    let st = state.clone();
    let options = state
        .db(move |conn| second_factor::login_challenge(conn, &st.auth_context(), &token))
        .await?;
    Ok(web::Json(PasskeyOptions(options)))
}

/// A passkey challenge for a step-up in the caller's session.
///
/// Answers the options for the browser's `navigator.credentials.get`; the answer goes
/// to `POST /api/v1/auth/step-up` as `webauthn`.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The options, with a challenge kept for five minutes", body = PasskeyOptions),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change or a factor enrolment is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller holds no passkey, or the service offers none", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/step-up/challenge")]
async fn step_up_passkey_challenge(
    state: web::Data<AppState>,
    caller: Principal,
) -> ApiResult<web::Json<PasskeyOptions>> {
    let st = state.clone();
    let options = state
        .db(move |conn| second_factor::step_up_challenge(conn, &st.auth_context(), &caller))
        .await?;
    Ok(web::Json(PasskeyOptions(options)))
}

/// Complete a sign-in with a second factor.
///
/// A wrong or reused code counts toward the account's lockout as a wrong password
/// does; the `mfa_token` may be tried again until it expires, and is spent by the
/// sign-in it completes.
#[utoipa::path(
    tag = "auth",
    request_body = MfaLoginRequest,
    responses(
        (status = 200, description = "Signed in: an access token and a refresh token", body = TokenResponse),
        (status = 401, description = "Wrong or reused code or recovery code, `mfa_token` spent, expired or unknown, or the account locked (`invalid-second-factor`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body: not exactly one of `code`, `recovery_code` and `webauthn`, or `webauthn` not a WebAuthn credential", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login/mfa")]
async fn login_mfa(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: Json<MfaLoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.into_inner();
    let proof = ProofRequest {
        code: body.code,
        recovery_code: body.recovery_code,
        webauthn: body.webauthn,
    }
    .proof()?;
    let st = state.clone();
    let tokens = state
        .hashing(move |conn| {
            second_factor::login(conn, &st.auth_context(), &meta, &body.mfa_token, &proof)
        })
        .await?;
    Ok(web::Json(tokens))
}

/// Give a second factor again, for the actions that need a recent one.
///
/// For the next `CASELEDGER_STEP_UP_SECS` (five minutes by default), the session may
/// remove factors and renew recovery codes. A wrong code counts toward the account's
/// lockout.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ProofRequest,
    responses(
        (status = 204, description = "Second factor given"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change or a factor enrolment is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code or passkey answer is wrong or was used already, or not exactly one of `code`, `recovery_code` and `webauthn` was given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/step-up")]
async fn step_up(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: Principal,
    body: Json<ProofRequest>,
) -> ApiResult<HttpResponse> {
    let proof = body.into_inner().proof()?;
    let st = state.clone();
    state
        .hashing(move |conn| {
            second_factor::step_up(conn, &st.auth_context(), &meta, &caller, &proof)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A caller who owes a password change changes it first; one who owes a factor may
/// manage factors.
fn enrolling(caller: PendingPrincipal) -> ApiResult<Principal> {
    let caller = caller.0;
    if caller.must_change_password {
        return Err(ApiError::PasswordChangeRequired);
    }
    Ok(caller)
}

/// The caller's second factors and how many recovery codes they have left.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's factors (never their secrets)", body = Factors),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change is owed first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/factors")]
async fn list(
    state: web::Data<AppState>,
    caller: PendingPrincipal,
) -> ApiResult<web::Json<Factors>> {
    let caller = enrolling(caller)?;
    let factors = state
        .db(move |conn| second_factor::list(conn, &caller.user_id))
        .await?;
    Ok(web::Json(factors))
}

/// Begin a second factor: `{"kind": "totp"}` or `{"kind": "webauthn"}`.
///
/// For an authenticator app, answers its secret (as an `otpauth://` URI, its QR code
/// and typed out); for a passkey or security key, the options for the browser's
/// `navigator.credentials.create` (user verification required). The factor is of no
/// use until confirmed: with a first code, or with the browser's credential.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Begun: confirm it with a first code or the browser's credential", body = Enrolment),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A passkey, and the service offers none (its public URL names an IP address)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/factors")]
async fn enrol(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: PendingPrincipal,
    body: Json<EnrolRequest>,
) -> ApiResult<HttpResponse> {
    let caller = enrolling(caller)?;
    let request = body.into_inner();
    let st = state.clone();
    let begun = state
        .db(move |conn| second_factor::begin(conn, &st.auth_context(), &meta, &caller, request))
        .await?;
    Ok(HttpResponse::Created().json(begun))
}

/// Confirm a factor: `{"code"}` the app shows now, or `{"credential"}` the browser made.
///
/// A person's first factor comes with ten recovery codes, shown this once; another
/// factor needs a second factor given in the last `CASELEDGER_STEP_UP_SECS`. The
/// caller's other sessions end.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The factor")),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Confirmed", body = Confirmed),
        (status = 401, description = "Not authenticated, or a recent second factor is needed (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such factor of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Confirmed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code is wrong, the credential is not an answer to this factor's options or is registered already, or the body does not fit the factor's kind", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/factors/{id}/confirm")]
async fn confirm(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: PendingPrincipal,
    id: web::Path<String>,
    body: Json<ConfirmRequest>,
) -> ApiResult<web::Json<Confirmed>> {
    let caller = enrolling(caller)?;
    let confirmation = body.into_inner().confirmation()?;
    let st = state.clone();
    let confirmed = state
        .hashing(move |conn| {
            second_factor::confirm(conn, &st.auth_context(), &meta, &caller, &id, &confirmation)
        })
        .await?;
    Ok(web::Json(confirmed))
}

/// Remove one of the caller's factors.
///
/// Needs a second factor given in the last `CASELEDGER_STEP_UP_SECS`; the last factor
/// goes only where the policy lets the person hold none. The caller's other sessions
/// end.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The factor")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not authenticated, or a recent second factor is needed (`step-up-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change or a factor enrolment is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such factor of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last factor, which the policy requires", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/factors/{id}")]
async fn remove(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let st = state.clone();
    state
        .db(move |conn| second_factor::remove(conn, &st.auth_context(), &meta, &caller, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ten new recovery codes, replacing the caller's old ones.
///
/// Needs a second factor given in the last `CASELEDGER_STEP_UP_SECS`.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The codes, shown this once", body = RecoveryCodes),
        (status = 401, description = "Not authenticated, or a recent second factor is needed (`step-up-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change or a factor enrolment is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller holds no second factor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/recovery-codes")]
async fn recovery_codes(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: Principal,
) -> ApiResult<HttpResponse> {
    let st = state.clone();
    let codes = state
        .hashing(move |conn| {
            second_factor::renew_recovery_codes(conn, &st.auth_context(), &meta, &caller)
        })
        .await?;
    Ok(HttpResponse::Created().json(codes))
}
