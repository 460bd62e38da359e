//! Second factors: the second step of a sign-in, a factor given again (step-up), and
//! the caller's own factors and recovery codes. The rules live in
//! [`crate::auth::second_factor`].

use crate::auth::second_factor::{
    self, CodeRequest, Confirmed, EnrolRequest, Enrolment, Factors, Proof, RecoveryCodes,
};
use crate::auth::service::TokenResponse;
use crate::auth::{PendingPrincipal, Principal};
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Json;
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login_mfa)
        .service(step_up)
        .service(list)
        .service(enrol)
        .service(confirm)
        .service(remove)
        .service(recovery_codes);
}

/// A second factor: exactly one of `code` and `recovery_code`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofRequest {
    /// The six digits an authenticator app shows.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: Option<String>,
    /// One of the person's recovery codes (each works once).
    #[schema(min_length = 16, max_length = 40)]
    pub recovery_code: Option<String>,
}

impl ProofRequest {
    fn proof(self) -> ApiResult<Proof> {
        match (self.code, self.recovery_code) {
            (Some(code), None) => Ok(Proof::Code(code)),
            (None, Some(code)) => Ok(Proof::RecoveryCode(code)),
            _ => Err(ApiError::validation(
                "code",
                "give exactly one of code and recovery_code",
            )),
        }
    }
}

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
        (status = 422, description = "Invalid body: neither or both of `code` and `recovery_code`", body = Problem, content_type = "application/problem+json"),
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
        (status = 422, description = "The code is wrong or was used already, or neither or both of `code` and `recovery_code` were given", body = Problem, content_type = "application/problem+json"),
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

/// Begin a second factor: `{"kind": "totp"}`.
///
/// Answers the secret for an authenticator app (as an `otpauth://` URI, its QR code
/// and typed out). The factor is of no use until confirmed with a first code.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Begun: confirm it with a first code", body = Enrolment),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change is owed first", body = Problem, content_type = "application/problem+json"),
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

/// Confirm a factor with the code its app shows now.
///
/// A person's first factor comes with ten recovery codes, shown this once; another
/// factor needs a second factor given in the last `CASELEDGER_STEP_UP_SECS`. The
/// caller's other sessions end.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The factor")),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Confirmed", body = Confirmed),
        (status = 401, description = "Not authenticated, or a recent second factor is needed (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A password change is owed first", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such factor of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Confirmed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code is wrong", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/factors/{id}/confirm")]
async fn confirm(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: PendingPrincipal,
    id: web::Path<String>,
    body: Json<CodeRequest>,
) -> ApiResult<web::Json<Confirmed>> {
    let caller = enrolling(caller)?;
    let code = body.into_inner().code;
    let st = state.clone();
    let confirmed = state
        .hashing(move |conn| {
            second_factor::confirm(conn, &st.auth_context(), &meta, &caller, &id, &code)
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
