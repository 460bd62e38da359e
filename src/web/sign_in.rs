//! Signing in and out, and changing one's password: the API's accounts, checks,
//! lockout, password policy and audit, behind forms.

use super::csrf;
use super::page::{Leave, Me, PageResult, after_post, html, see_other};
use super::session::{self, Sight};
use super::visitor::{Visitor, sight};
use crate::catalogue::{PageWords, in_words};
use crate::error::ApiError;
use crate::ledger::{Action, Event};
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html", config = "src/web/askama.toml")]
struct LoginPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    csrf: String,
    failed: bool,
    username: String,
    /// The identity providers people may sign in with instead.
    providers: Vec<crate::identity::queries::Offered>,
    /// A sign-in through a provider that did not succeed.
    sso_failed: bool,
}

#[derive(Template)]
#[template(path = "login_code.html", config = "src/web/askama.toml")]
struct SecondStepPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    csrf: String,
    failed: bool,
    passkey: Option<super::passkey::PasskeyForm>,
}

#[derive(Template)]
#[template(path = "password.html", config = "src/web/askama.toml")]
struct PasswordPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    csrf: String,
    problems: Vec<String>,
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// How the sign-in form is shown again.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LoginShown {
    Fresh,
    /// A password refused.
    Refused,
    /// A sign-in through an identity provider that did not succeed.
    SsoFailed,
}

/// The sign-in form, with a fresh token in its own cookie (no session exists yet),
/// and the identity providers to sign in with instead.
pub(super) async fn login_form(
    state: &AppState,
    status: StatusCode,
    shown: LoginShown,
    username: String,
) -> PageResult {
    let providers = state
        .db(|conn| crate::identity::queries::enabled_providers(conn).map_err(Into::into))
        .await?;
    let csrf = session::token();
    let mut res = html(
        status,
        LoginPage {
            w: super::page::words(),
            me: None,
            csrf: csrf.clone(),
            failed: shown == LoginShown::Refused,
            username,
            providers,
            sso_failed: shown == LoginShown::SsoFailed,
        },
    );
    let cookie = session::cookie(
        &state.settings,
        session::login_cookie_name(&state.settings),
        csrf,
    );
    let _ = res.add_cookie(&cookie);
    Ok(res)
}

/// The second step's form (a code or a recovery code, and a passkey's challenge for
/// a person who holds one), with a fresh token in the sign-in form's cookie;
/// `mfa_token`, when given, goes in its own cookie.
pub(super) fn second_step_form(
    state: &AppState,
    status: StatusCode,
    failed: bool,
    mfa_token: Option<String>,
    passkey: Option<serde_json::Value>,
) -> HttpResponse {
    let csrf = session::token();
    let scripted = passkey.is_some();
    let mut res = html(
        status,
        SecondStepPage {
            w: super::page::words(),
            me: None,
            csrf: csrf.clone(),
            failed,
            passkey: passkey.map(|options| {
                super::passkey::PasskeyForm::new(&options, "/app/login/code", "get", "webauthn")
            }),
        },
    );
    if scripted {
        super::passkey::allow_script(&mut res);
    }
    let settings = &state.settings;
    let _ = res.add_cookie(&session::cookie(
        settings,
        session::login_cookie_name(settings),
        csrf,
    ));
    if let Some(token) = mfa_token {
        let name = session::second_step_cookie_name(settings);
        let _ = res.add_cookie(&session::cookie(settings, name, token));
    }
    res
}

/// What a sign-in form led to.
enum SignIn {
    /// A page session opened: its cookie's secret.
    Opened(String),
    /// The password was right and a second factor is owed: its `mfa_token`, and a
    /// passkey's challenge for a person who holds one.
    SecondStep(String, Option<serde_json::Value>),
    Refused,
}

/// Opens a page session in the authentication session `tokens` were issued for.
pub(super) fn page_session(
    conn: &mut crate::db::DbConn,
    state: &AppState,
    tokens: &crate::auth::service::TokenResponse,
) -> crate::error::ApiResult<String> {
    let claims = state.tokens.verify(&tokens.access_token)?;
    session::open(conn, &claims.sid, &claims.sub)
}

/// The answer that leaves the sign-in forms for the desk, with the page session's
/// cookie, and forgets the forms' cookies.
pub(super) fn into_the_desk(state: &AppState, secret: String) -> HttpResponse {
    let mut res = see_other("/app/");
    signed_in(state, &mut res, secret);
    res
}

/// Sets the new session's cookie on `res`, and clears the sign-in's own.
pub(super) fn signed_in(state: &AppState, res: &mut HttpResponse, secret: String) {
    let settings = &state.settings;
    let name = session::cookie_name(settings);
    let _ = res.add_cookie(&session::cookie(settings, name, secret));
    for name in [
        session::login_cookie_name(settings),
        session::second_step_cookie_name(settings),
    ] {
        let _ = res.add_cookie(&session::removal(settings, name));
    }
}

pub async fn login_page(state: web::Data<AppState>) -> PageResult {
    login_form(&state, StatusCode::OK, LoginShown::Fresh, String::new()).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Signs in with the same accounts, checks and lockout as the API's login, and opens
/// a page session in the authentication session it starts.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<LoginForm>,
) -> PageResult {
    let form = form.into_inner();
    let expected = req
        .cookie(session::login_cookie_name(&state.settings))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !csrf::accepted(&req, &expected, &form.csrf) {
        return Err(Leave::Refused(None));
    }
    let st = state.clone().into_inner();
    let (username, password) = (form.username.clone(), form.password);
    let signed = state
        .hashing(move |conn| {
            let ctx = st.auth_context();
            match crate::auth::service::login(conn, &ctx, &meta, &username, &password) {
                Ok(tokens) => Ok(SignIn::Opened(page_session(conn, &st, &tokens)?)),
                Err(ApiError::MfaRequired(challenge)) => {
                    let passkey = passkey_challenge(conn, &ctx, &challenge.mfa_token)?;
                    Ok(SignIn::SecondStep(challenge.mfa_token, passkey))
                }
                Err(ApiError::InvalidCredentials) => Ok(SignIn::Refused),
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(Leave::Failed)?;
    Ok(match signed {
        SignIn::Opened(secret) => into_the_desk(&state, secret),
        SignIn::SecondStep(token, passkey) => {
            second_step_form(&state, StatusCode::OK, false, Some(token), passkey)
        }
        SignIn::Refused => {
            return login_form(
                &state,
                StatusCode::UNAUTHORIZED,
                LoginShown::Refused,
                form.username,
            )
            .await;
        }
    })
}

/// A passkey challenge for a sign-in's second step, where the person holds a passkey
/// and the service offers them.
pub(super) fn passkey_challenge(
    conn: &mut crate::db::DbConn,
    ctx: &crate::auth::service::AuthContext,
    mfa_token: &str,
) -> crate::error::ApiResult<Option<serde_json::Value>> {
    match crate::auth::second_factor::login_challenge(conn, ctx, mfa_token) {
        Ok(options) => Ok(Some(options)),
        Err(ApiError::Conflict(_) | ApiError::InvalidSecondFactor) => Ok(None),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct SecondStepForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
    #[serde(default)]
    webauthn: String,
    #[serde(default)]
    csrf: String,
}

/// What a second step's form led to.
enum SecondStep {
    /// A page session opened: its cookie's secret.
    Done(String),
    /// The form again, with this status (and a new passkey challenge).
    Again(StatusCode, Option<serde_json::Value>),
}

/// The second step of a sign-in: the API's `POST /auth/login/mfa` behind a form, with
/// the `mfa_token` the password earned kept in its own cookie.
pub async fn login_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<SecondStepForm>,
) -> PageResult {
    let form = form.into_inner();
    let settings = &state.settings;
    let cookie = |name| req.cookie(name).map(|c| c.value().to_owned());
    let expected = cookie(session::login_cookie_name(settings)).unwrap_or_default();
    if !csrf::accepted(&req, &expected, &form.csrf) {
        return Err(Leave::Refused(None));
    }
    let Some(mfa_token) = cookie(session::second_step_cookie_name(settings)) else {
        return Ok(see_other("/app/login"));
    };
    let proof = super::factors::proof_of_form(&form.code, &form.recovery_code, &form.webauthn);
    let st = state.clone().into_inner();
    let signed = state
        .hashing(move |conn| {
            let ctx = st.auth_context();
            let Some(proof) = proof else {
                let passkey = passkey_challenge(conn, &ctx, &mfa_token)?;
                return Ok(SecondStep::Again(StatusCode::UNPROCESSABLE_ENTITY, passkey));
            };
            match crate::auth::second_factor::login(conn, &ctx, &meta, &mfa_token, &proof) {
                Ok(tokens) => Ok(SecondStep::Done(page_session(conn, &st, &tokens)?)),
                Err(ApiError::InvalidSecondFactor) => {
                    let passkey = passkey_challenge(conn, &ctx, &mfa_token)?;
                    Ok(SecondStep::Again(StatusCode::UNAUTHORIZED, passkey))
                }
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(Leave::Failed)?;
    Ok(match signed {
        SecondStep::Done(secret) => into_the_desk(&state, secret),
        SecondStep::Again(status, passkey) => second_step_form(&state, status, true, None, passkey),
    })
}

/// Signs out: the page session and its authentication session end (audited as the
/// API's logout).
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    visitor: Visitor,
    form: web::Form<CsrfForm>,
) -> PageResult {
    if !csrf::accepted(&req, &visitor.signed.csrf, &form.csrf) {
        return Err(Leave::Refused(None));
    }
    let signed = visitor.signed;
    let event = Event::by(Action::AuthLogout, &signed.principal, &meta)
        .detail("session_id", signed.principal.session_id.as_str())
        .detail("via", "pages");
    let secret_hash = signed.secret_hash().to_owned();
    let session_id = signed.principal.session_id.clone();
    state
        .audited(event, move |conn, _| {
            session::end(conn, &secret_hash, &session_id)
        })
        .await
        .map_err(Leave::Failed)?;
    let mut res = see_other("/app/login");
    let _ = res.add_cookie(&session::removal(
        &state.settings,
        session::cookie_name(&state.settings),
    ));
    Ok(res)
}

/// Who may change their password here: any signed-in person, and one who must.
fn changer(sight: Sight) -> Option<session::Pending> {
    match sight {
        Sight::SignedIn(signed) | Sight::FactorEnrolment(signed) => Some(session::Pending {
            user_id: signed.principal.user_id.clone(),
            session_id: signed.principal.session_id.clone(),
            csrf: signed.csrf.clone(),
        }),
        Sight::PasswordChange(pending) => Some(pending),
        Sight::Anonymous => None,
    }
}

fn password_form(status: StatusCode, csrf: String, problems: Vec<String>) -> HttpResponse {
    html(
        status,
        PasswordPage {
            w: super::page::words(),
            me: None,
            csrf,
            problems,
        },
    )
}

pub async fn password_page(state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    match changer(sight(&state, &req).await.map_err(Leave::Failed)?) {
        Some(pending) => Ok(password_form(StatusCode::OK, pending.csrf, Vec::new())),
        None => Err(Leave::SignIn),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current_password: String,
    new_password: String,
}

/// Changes the password as the API does (same policy, history and audit; other
/// sessions end), then leads to the desk.
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<PasswordForm>,
) -> PageResult {
    let Some(pending) = changer(sight(&state, &req).await.map_err(Leave::Failed)?) else {
        return Err(Leave::SignIn);
    };
    let form = form.into_inner();
    if !csrf::accepted(&req, &pending.csrf, &form.csrf) {
        return Err(Leave::Refused(None));
    }
    let st = state.clone().into_inner();
    let (user_id, session_id) = (pending.user_id.clone(), pending.session_id.clone());
    let changed = state
        .hashing(move |conn| {
            let ctx = st.auth_context();
            crate::auth::service::change_password(
                conn,
                &ctx,
                &meta,
                &user_id,
                &session_id,
                &form.current_password,
                &form.new_password,
            )
        })
        .await;
    match changed {
        Ok(()) => Ok(see_other("/app/")),
        Err(ApiError::Validation(fields)) => {
            let names = [
                ("current_password", super::page::words().current_password),
                ("new_password", super::page::words().new_password),
            ];
            Ok(password_form(
                StatusCode::UNPROCESSABLE_ENTITY,
                pending.csrf,
                fields
                    .into_iter()
                    .map(|f| format!("{} {}", in_words(&names, &f.field), f.message))
                    .collect(),
            ))
        }
        Err(e) => Err(Leave::Failed(e)),
    }
}

/// The language form of the pages' header.
#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    language: String,
}

/// Sets the person's language from the pages' header (as `PATCH /api/v1/me` does),
/// then shows the page they were on (the `Referer` of this service's own page), or
/// the desk.
pub async fn choose_language(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<LanguageForm>,
) -> PageResult {
    visitor.check_form(&req, &form.csrf)?;
    // Empty: no language of one's own, the browser's decides.
    let language = match form.language.as_str() {
        "" => None,
        code => Some(crate::catalogue::Language::parse(code).ok_or(Leave::NotFound)?),
    };
    crate::sessions::routes::choose_language(
        &state,
        &visitor.signed.principal,
        &visitor.signed.credentials.meta,
        language,
    )
    .await
    .map_err(Leave::Failed)?;
    Ok(after_post(&back_to(&req)))
}

/// The page a form was posted from, by the path of its `Referer` (a path of the
/// pages only: the answer never leads elsewhere); else the desk.
fn back_to(req: &HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .filter(|path| path.starts_with("/app/") && !path.contains("//"))
        .unwrap_or_else(|| "/app/".to_owned())
}
