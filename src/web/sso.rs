//! Signing in through a national identity provider: the link on the sign-in page
//! leads here, here to the provider, and the provider back here, where the sign-in
//! ends as a password's would (the desk, the second step, or an enrol-only session).
//!
//! The `state` the browser is sent with is also kept in a cookie of its own, which
//! must come back with it. That cookie is `SameSite=Lax`, the only one of the pages'
//! that is not `Strict`: the provider sends the browser back with a cross-site
//! navigation, on which a `Strict` cookie would not come. For the same reason the
//! session's cookie, which is `Strict`, is first used by a page of this site: the
//! answer to the provider's redirect is a page that moves on to the desk.

use super::page::{Leave, PageResult, html};
use super::sign_in::{LoginShown, login_form, page_session, second_step_form, signed_in};
use crate::auth::service::FederatedGrant;
use crate::catalogue::PageWords;
use crate::identity::sign_in::{self, Callback, Finished};
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieAge};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sso_continue.html", config = "src/web/askama.toml")]
struct ContinuePage<'a> {
    w: &'a PageWords,
    me: Option<super::page::Me>,
}

fn state_cookie_name(state: &AppState) -> &'static str {
    if state.settings.public_url.starts_with("https://") {
        "__Secure-caseledger-sso"
    } else {
        "caseledger-sso"
    }
}

fn state_cookie(state: &AppState, value: String, age: CookieAge) -> Cookie<'static> {
    Cookie::build(state_cookie_name(state), value)
        .path("/app/sso/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.public_url.starts_with("https://"))
        .max_age(age)
        .finish()
}

/// Sends the browser to a provider (404 for one unknown or disabled).
pub async fn start(state: web::Data<AppState>, path: web::Path<String>) -> PageResult {
    let id = super::page::page_id(&path)?;
    match sign_in::start(&state, &id).await {
        Ok(Ok(started)) => {
            let mut res = HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, started.location))
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .finish();
            let age = CookieAge::seconds(sign_in::ATTEMPT_SECS);
            let _ = res.add_cookie(&state_cookie(&state, started.state, age));
            Ok(res)
        }
        Ok(Err(failed)) => {
            tracing::warn!(provider = %id, reason = %failed.0, "a sign-in could not be sent to its provider");
            login_form(
                &state,
                StatusCode::BAD_GATEWAY,
                LoginShown::SsoFailed,
                String::new(),
            )
            .await
        }
        Err(crate::error::ApiError::NotFound) => Err(Leave::NotFound),
        Err(e) => Err(Leave::Failed(e)),
    }
}

#[derive(Deserialize)]
pub struct Returned {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// Where the provider sends the browser back.
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    query: web::Query<Returned>,
) -> PageResult {
    let query = query.into_inner();
    let back = Callback {
        kept_state: req
            .cookie(state_cookie_name(&state))
            .map(|c| c.value().to_owned()),
        state: query.state,
        code: query.code,
        error: query.error,
    };
    let finished = sign_in::finish(&state, meta, back)
        .await
        .map_err(Leave::Failed)?;
    let forget = state_cookie(&state, String::new(), CookieAge::ZERO);
    let mut res = match finished {
        Finished::Granted(FederatedGrant::Tokens(tokens)) => {
            let st = state.clone().into_inner();
            let secret = state
                .db(move |conn| page_session(conn, &st, &tokens))
                .await
                .map_err(Leave::Failed)?;
            // The session's cookie, set here and first sent by the page's own move to
            // the desk (a same-site navigation).
            let mut res = html(
                StatusCode::OK,
                ContinuePage {
                    w: super::page::words(),
                    me: None,
                },
            );
            signed_in(&state, &mut res, secret);
            res
        }
        Finished::Granted(FederatedGrant::SecondFactorOwed(challenge)) => {
            let st = state.clone().into_inner();
            let token = challenge.mfa_token.clone();
            let passkey = state
                .db(move |conn| super::sign_in::passkey_challenge(conn, &st.auth_context(), &token))
                .await
                .map_err(Leave::Failed)?;
            second_step_form(
                &state,
                StatusCode::OK,
                false,
                Some(challenge.mfa_token),
                passkey,
            )
        }
        Finished::Granted(FederatedGrant::Refused(_)) | Finished::Failed(_) => {
            login_form(
                &state,
                StatusCode::UNAUTHORIZED,
                LoginShown::SsoFailed,
                String::new(),
            )
            .await?
        }
    };
    let _ = res.add_cookie(&forget);
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}
