//! Sign-in security: a person's second factors (an authenticator app enrolled with a
//! QR code drawn by the server, confirmed by a first code; a passkey or security
//! key), their recovery codes, and the page that asks for the factor again before an
//! action that needs it (step-up), then returns to the form. The API's checks,
//! lockout and audit, behind forms; the one script (a passkey's ceremony) only where
//! a passkey is offered. A person who must enrol a factor reaches these pages and no
//! other.

use super::page::{Leave, PageResult, after_post, html};
use super::passkey::{PasskeyForm, allow_script};
use super::session::{Sight, SignedIn};
use super::visitor::{me_of, sight};
use crate::auth::factors::FactorKind;
use crate::auth::second_factor::{self, Confirmation, EnrolRequest, Enrolment, Factors, Proof};
use crate::catalogue::PageWords;
use crate::error::ApiError;
use crate::observability::RequestMeta;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// A factor as the page lists it.
struct FactorLine {
    id: String,
    kind: &'static str,
    label: String,
    confirmed: bool,
    added: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "factors.html", config = "src/web/askama.toml")]
struct FactorsPage<'a> {
    w: &'a PageWords,
    me: Option<super::page::Me>,
    csrf: String,
    must_enrol: bool,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
    factors: Vec<FactorLine>,
    recovery_codes_left: i64,
    holds_one: bool,
    passkeys_offered: bool,
}

#[derive(Template)]
#[template(path = "factor_enrol.html", config = "src/web/askama.toml")]
struct EnrolPage<'a> {
    w: &'a PageWords,
    me: Option<super::page::Me>,
    csrf: String,
    id: String,
    label: String,
    qr_svg: String,
    secret: String,
    failed: bool,
}

#[derive(Template)]
#[template(path = "passkey_enrol.html", config = "src/web/askama.toml")]
struct PasskeyEnrolPage<'a> {
    w: &'a PageWords,
    me: Option<super::page::Me>,
    csrf: String,
    label: String,
    passkey: Option<PasskeyForm>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html", config = "src/web/askama.toml")]
struct RecoveryCodesPage<'a> {
    w: &'a PageWords,
    me: Option<super::page::Me>,
    codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "step_up.html", config = "src/web/askama.toml")]
struct StepUpPage<'a> {
    w: &'a PageWords,
    me: Option<super::page::Me>,
    csrf: String,
    back_to: String,
    failed: bool,
    passkey: Option<PasskeyForm>,
}

/// The person signed in, whether they may act or must enrol a factor first.
async fn holder(state: &AppState, req: &HttpRequest) -> Result<SignedIn, Leave> {
    match sight(state, req).await.map_err(Leave::Failed)? {
        Sight::SignedIn(signed) | Sight::FactorEnrolment(signed) => Ok(*signed),
        Sight::PasswordChange(_) => Err(Leave::PasswordChange),
        Sight::Anonymous => Err(Leave::SignIn),
    }
}

fn check_form(req: &HttpRequest, signed: &SignedIn, token: &str) -> Result<(), Leave> {
    if super::csrf::accepted(req, &signed.csrf, token) {
        Ok(())
    } else {
        Err(Leave::Refused(None))
    }
}

#[derive(Deserialize)]
pub struct Said {
    confirmed: Option<String>,
    removed: Option<String>,
    refused: Option<String>,
    passkey: Option<String>,
}

fn lines(factors: Factors, clock: &Clock, w: &PageWords) -> Vec<FactorLine> {
    factors
        .items
        .into_iter()
        .map(|f| FactorLine {
            kind: match f.kind {
                FactorKind::Totp => w.factor_totp,
                FactorKind::Webauthn => w.factor_passkey,
            },
            label: f.label,
            confirmed: f.confirmed,
            added: clock.show_stored(f.created_at, false),
            last_used: f
                .last_used_at
                .map(|at| clock.show_stored(at, false))
                .unwrap_or_else(|| w.never_used.to_owned()),
            id: f.id,
        })
        .collect()
}

/// The person's factors, how many recovery codes they have left, and the forms to
/// add a factor, remove one and get new codes.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    said: web::Query<Said>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    let user_id = signed.principal.user_id.clone();
    let factors = state
        .db(move |conn| second_factor::list(conn, &user_id))
        .await?;
    let w = super::page::words();
    let clock = Clock::of_country(&signed.principal.country);
    let recovery_codes_left = factors.recovery_codes_left;
    let lines = lines(factors, &clock, w);
    let holds_one = lines.iter().any(|f| f.confirmed);
    let notice = if said.confirmed.is_some() {
        Some(w.factor_confirmed)
    } else if said.removed.is_some() {
        Some(w.factor_removed)
    } else {
        None
    };
    let me = me_of(&state, &signed).await?;
    Ok(html(
        StatusCode::OK,
        FactorsPage {
            w,
            me: Some(me),
            csrf: signed.csrf.clone(),
            must_enrol: signed.principal.must_enrol,
            notice,
            problem: if said.refused.is_some() {
                Some(w.last_factor_kept)
            } else if said.passkey.is_some() {
                Some(w.passkey_refused)
            } else {
                None
            },
            factors: lines,
            recovery_codes_left,
            holds_one,
            passkeys_offered: state.passkeys.offered(),
        },
    ))
}

fn enrol_page(
    signed: &SignedIn,
    me: super::page::Me,
    enrolment: Enrolment,
    failed: bool,
) -> HttpResponse {
    if let Some(options) = &enrolment.creation_options {
        let action = format!("/app/factors/{}/confirm", enrolment.id);
        let mut res = html(
            StatusCode::OK,
            PasskeyEnrolPage {
                w: super::page::words(),
                me: Some(me),
                csrf: signed.csrf.clone(),
                label: enrolment.label,
                passkey: Some(PasskeyForm::new(options, action, "create", "credential")),
            },
        );
        allow_script(&mut res);
        return res;
    }
    // The server's SVG, without its XML declaration, drawn inline (no script, no
    // style attribute: the page's policy holds).
    let svg = enrolment.qr_svg.unwrap_or_default();
    let svg = match svg.find("<svg") {
        Some(at) => svg[at..].to_owned(),
        None => svg,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(
        status,
        EnrolPage {
            w: super::page::words(),
            me: Some(me),
            csrf: signed.csrf.clone(),
            id: enrolment.id,
            label: enrolment.label,
            qr_svg: svg,
            secret: enrolment
                .secret
                .unwrap_or_default()
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            failed,
        },
    )
}

#[derive(Deserialize)]
pub struct BeginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
    /// `webauthn` for a passkey; an authenticator app otherwise.
    #[serde(default)]
    kind: String,
}

/// Begins an authenticator app (its QR code and secret, and the form for its first
/// code) or a passkey (the button that asks the browser for one).
pub async fn begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<BeginForm>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    let form = form.into_inner();
    check_form(&req, &signed, &form.csrf)?;
    let label = Some(form.label.trim().to_owned()).filter(|l| !l.is_empty());
    let kind = match form.kind.as_str() {
        "webauthn" => FactorKind::Webauthn,
        _ => FactorKind::Totp,
    };
    let st = state.clone().into_inner();
    let caller = signed.principal.clone();
    let enrolment = state
        .db(move |conn| {
            let ctx = st.auth_context();
            let request = EnrolRequest { kind, label };
            second_factor::begin(conn, &ctx, &meta, &caller, request)
        })
        .await;
    match enrolment {
        Ok(enrolment) => {
            let me = me_of(&state, &signed).await?;
            Ok(enrol_page(&signed, me, enrolment, false))
        }
        // A name too long, or passkeys not offered here: the page again.
        Err(ApiError::Validation(_) | ApiError::Conflict(_)) => Ok(after_post("/app/factors")),
        Err(e) => Err(Leave::Failed(e)),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    /// A passkey's credential, as the script wrote it.
    #[serde(default)]
    credential: String,
}

/// Confirms a factor with its first code or the browser's credential: with a first
/// factor, the recovery codes, shown this once; a wrong code shows the factor's QR
/// code again, a refused passkey leads back to the list.
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
    form: web::Form<CodeForm>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    let id = super::page::page_id(&path)?;
    let form = form.into_inner();
    check_form(&req, &signed, &form.csrf)?;
    let st = state.clone().into_inner();
    let caller = signed.principal.clone();
    let passkey = !form.credential.trim().is_empty();
    let confirmation = if passkey {
        let answer = serde_json::from_str(form.credential.trim())
            .map_err(|_| ())
            .and_then(|value| crate::auth::passkeys::answer("credential", value).map_err(|_| ()));
        match answer {
            Ok(credential) => Confirmation::Credential(Box::new(credential)),
            Err(()) => return Ok(after_post("/app/factors?passkey=refused")),
        }
    } else {
        Confirmation::Code(form.code.trim().to_owned())
    };
    let factor_id = id.clone();
    let confirmed = state
        .hashing(move |conn| {
            let ctx = st.auth_context();
            second_factor::confirm(conn, &ctx, &meta, &caller, &factor_id, &confirmation)
        })
        .await;
    match confirmed {
        Ok(done) => Ok(match done.recovery_codes {
            Some(codes) => recovery_codes_page(codes),
            None => after_post("/app/factors?confirmed=1"),
        }),
        Err(ApiError::Validation(_)) if passkey => Ok(after_post("/app/factors?passkey=refused")),
        Err(ApiError::Validation(_)) => {
            let st = state.clone().into_inner();
            let caller = signed.principal.clone();
            let again = state
                .db(move |conn| second_factor::enrolment_of(conn, &st.auth_context(), &caller, &id))
                .await?;
            let me = me_of(&state, &signed).await?;
            Ok(enrol_page(&signed, me, again, true))
        }
        Err(ApiError::StepUpRequired) => Ok(to_step_up("/app/factors")),
        Err(ApiError::NotFound | ApiError::Conflict(_)) => Ok(after_post("/app/factors")),
        Err(e) => Err(Leave::Failed(e)),
    }
}

fn recovery_codes_page(codes: Vec<String>) -> HttpResponse {
    let mut res = html(
        StatusCode::OK,
        RecoveryCodesPage {
            w: super::page::words(),
            me: None,
            codes,
        },
    );
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    res
}

#[derive(Deserialize)]
pub struct PlainForm {
    #[serde(default)]
    csrf: String,
}

/// Removes a factor (a second factor given lately needed: else the step-up page,
/// which returns here).
pub async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    let id = super::page::page_id(&path)?;
    check_form(&req, &signed, &form.csrf)?;
    let st = state.clone().into_inner();
    let caller = signed.principal.clone();
    let removed = state
        .db(move |conn| second_factor::remove(conn, &st.auth_context(), &meta, &caller, &id))
        .await;
    match removed {
        Ok(()) => Ok(after_post("/app/factors?removed=1")),
        Err(ApiError::StepUpRequired) => Ok(to_step_up("/app/factors")),
        Err(ApiError::Conflict(_)) => Ok(after_post("/app/factors?refused=last")),
        Err(ApiError::NotFound) => Err(Leave::NotFound),
        Err(e) => Err(Leave::Failed(e)),
    }
}

/// New recovery codes in place of the old (a second factor given lately needed).
pub async fn renew_recovery_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<PlainForm>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    check_form(&req, &signed, &form.csrf)?;
    let st = state.clone().into_inner();
    let caller = signed.principal.clone();
    let renewed = state
        .hashing(move |conn| {
            second_factor::renew_recovery_codes(conn, &st.auth_context(), &meta, &caller)
        })
        .await;
    match renewed {
        Ok(codes) => Ok(recovery_codes_page(codes.recovery_codes)),
        Err(ApiError::StepUpRequired) => Ok(to_step_up("/app/factors")),
        Err(ApiError::Conflict(_)) => Ok(after_post("/app/factors")),
        Err(e) => Err(Leave::Failed(e)),
    }
}

/// The factor a form's fields give: a code, a recovery code or a passkey's answer
/// (as the script wrote it), exactly one of them filled in.
pub(super) fn proof_of_form(code: &str, recovery_code: &str, webauthn: &str) -> Option<Proof> {
    match (code.trim(), recovery_code.trim(), webauthn.trim()) {
        (code, "", "") if !code.is_empty() => Some(Proof::Code(code.to_owned())),
        ("", recovery, "") if !recovery.is_empty() => {
            Some(Proof::RecoveryCode(recovery.to_owned()))
        }
        ("", "", answer) if !answer.is_empty() => {
            let value = serde_json::from_str(answer).ok()?;
            let credential = crate::auth::passkeys::answer("webauthn", value).ok()?;
            Some(Proof::Passkey(Box::new(credential)))
        }
        _ => None,
    }
}

/// The way to the step-up page from a form that needs it, and back to `back_to`.
pub fn to_step_up(back_to: &str) -> HttpResponse {
    let query = serde_urlencoded::to_string([("back", back_to)]).unwrap_or_default();
    after_post(&format!("/app/step-up?{query}"))
}

/// Where a step-up may lead back to: a page of this service, nothing else.
fn back_to(raw: Option<&str>) -> String {
    match raw {
        Some(path)
            if path.starts_with("/app/")
                && !path.starts_with("/app//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/app/".to_owned(),
    }
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// The step-up form, and for a person who holds a passkey a fresh challenge for it.
async fn step_up_form(
    state: &AppState,
    signed: &SignedIn,
    back: String,
    failed: bool,
) -> PageResult {
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let st = state.clone();
    let caller = signed.principal.clone();
    let options = state
        .db(
            move |conn| match second_factor::step_up_challenge(conn, &st.auth_context(), &caller) {
                Ok(options) => Ok(Some(options)),
                // No passkey held, or none offered here: the code fields alone.
                Err(ApiError::Conflict(_)) => Ok(None),
                Err(e) => Err(e),
            },
        )
        .await?;
    let passkey = options.map(|options| PasskeyForm {
        back: Some(back.clone()),
        ..PasskeyForm::new(&options, "/app/step-up", "get", "webauthn")
    });
    let scripted = passkey.is_some();
    let mut res = html(
        status,
        StepUpPage {
            w: super::page::words(),
            me: Some(me_of(state, signed).await?),
            csrf: signed.csrf.clone(),
            back_to: back,
            failed,
            passkey,
        },
    );
    if scripted {
        allow_script(&mut res);
    }
    Ok(res)
}

pub async fn step_up_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    back: web::Query<Back>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    if signed.principal.must_enrol {
        return Err(Leave::FactorEnrolment);
    }
    step_up_form(&state, &signed, back_to(back.back.as_deref()), false).await
}

#[derive(Deserialize)]
pub struct StepUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
    #[serde(default)]
    webauthn: String,
    #[serde(default)]
    back: String,
}

/// Gives the second factor again, then returns to the form that asked for it.
pub async fn step_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<StepUpForm>,
) -> PageResult {
    let signed = holder(&state, &req).await?;
    if signed.principal.must_enrol {
        return Err(Leave::FactorEnrolment);
    }
    let form = form.into_inner();
    check_form(&req, &signed, &form.csrf)?;
    let back = back_to(Some(&form.back));
    let Some(proof) = proof_of_form(&form.code, &form.recovery_code, &form.webauthn) else {
        return step_up_form(&state, &signed, back, true).await;
    };
    let st = state.clone().into_inner();
    let caller = signed.principal.clone();
    let given = state
        .hashing(move |conn| {
            second_factor::step_up(conn, &st.auth_context(), &meta, &caller, &proof)
        })
        .await;
    match given {
        Ok(()) => Ok(after_post(&back)),
        Err(ApiError::Validation(_)) => step_up_form(&state, &signed, back, true).await,
        Err(e) => Err(Leave::Failed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn a_step_up_leads_back_only_to_a_page_of_this_service() {
        assert_eq!(back_to(Some("/app/requests/abc")), "/app/requests/abc");
        for elsewhere in [
            "https://evil.example/app/",
            "//evil.example/app/",
            "/app//evil.example",
            "/app/\\evil",
            "/api/v1/users",
            "/app/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(back_to(Some(elsewhere)), "/app/", "{elsewhere}");
        }
        assert_eq!(back_to(None), "/app/");
    }
}
