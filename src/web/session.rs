//! Sign-ins to the review pages. The cookie (`HttpOnly`, `SameSite=Strict`, `Secure`
//! behind TLS) holds a random secret; the database keeps its SHA-256, the
//! authentication session it was opened in, its CSRF token and when it was last
//! used. A page session ends when it is idle too long, when the person signs out, or
//! when its authentication session ends (a password change, a disabled user).

use super::queries::{self, WebSessionRow};
use crate::auth::{Credentials, Principal};
use crate::config::Settings;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::observability::RequestMeta;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieAge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How often the last use is written down: an idle timeout of minutes needs no write
/// per page.
const TOUCH_AFTER_SECS: i64 = 60;

/// The cookie's name: `__Host-` behind TLS, which browsers keep to this host and path
/// `/`... unless the service runs without TLS (as in development), where a `__Host-`
/// cookie would be refused.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if secure(settings) {
        "__Host-caseledger"
    } else {
        "caseledger"
    }
}

/// The name of the cookie that carries a sign-in form's CSRF token.
pub fn login_cookie_name(settings: &Settings) -> &'static str {
    if secure(settings) {
        "__Host-caseledger-login"
    } else {
        "caseledger-login"
    }
}

/// The name of the cookie that carries a sign-in's `mfa_token` between the password
/// and the second factor.
pub fn second_step_cookie_name(settings: &Settings) -> &'static str {
    if secure(settings) {
        "__Host-caseledger-second-step"
    } else {
        "caseledger-second-step"
    }
}

pub fn secure(settings: &Settings) -> bool {
    settings.public_url.starts_with("https://")
}

/// A cookie of the pages, as the browser must keep it.
pub fn cookie(settings: &Settings, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(settings))
        .finish()
}

/// The cookie that removes `name`.
pub fn removal(settings: &Settings, name: &'static str) -> Cookie<'static> {
    let mut gone = cookie(settings, name, String::new());
    gone.set_max_age(CookieAge::ZERO);
    gone
}

/// A new random token (256 bits).
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Opens a page session in an authentication session; the cookie's secret.
pub fn open(conn: &mut DbConn, session_id: &str, user_id: &str) -> ApiResult<String> {
    let secret = token();
    let now = crate::db::now();
    queries::insert(
        conn,
        &WebSessionRow {
            secret_hash: hash(&secret),
            session_id: session_id.to_owned(),
            user_id: user_id.to_owned(),
            csrf_token: token(),
            created_at: now,
            last_seen_at: now,
        },
    )?;
    Ok(secret)
}

/// A live page session: who is signed in, and the CSRF token of their forms.
pub struct SignedIn {
    pub principal: Principal,
    pub credentials: Credentials,
    pub csrf: String,
    secret_hash: String,
}

impl SignedIn {
    pub fn secret_hash(&self) -> &str {
        &self.secret_hash
    }
}

/// A sign-in whose password must be changed before anything else.
pub struct Pending {
    pub user_id: String,
    pub session_id: String,
    pub csrf: String,
}

/// What a request's cookie comes to.
pub enum Sight {
    SignedIn(Box<SignedIn>),
    /// Signed in, but the password must be changed first.
    PasswordChange(Pending),
    /// Signed in, but a second factor must be enrolled first: the factor pages only.
    FactorEnrolment(Box<SignedIn>),
    /// No cookie, an unknown or idle one, or an ended session.
    Anonymous,
}

/// The page session of a request's cookie.
pub fn resolve(
    conn: &mut DbConn,
    settings: &Settings,
    secret: Option<String>,
    meta: RequestMeta,
) -> ApiResult<Sight> {
    let Some(secret) = secret else {
        return Ok(Sight::Anonymous);
    };
    let secret_hash = hash(&secret);
    let Some(row) = queries::find(conn, &secret_hash)? else {
        return Ok(Sight::Anonymous);
    };
    let now = crate::db::now();
    let idle = (now - row.last_seen_at).num_seconds();
    if idle > settings.web_idle_secs {
        // Idle too long: the page session and its authentication session end.
        end(conn, &row.secret_hash, &row.session_id)?;
        return Ok(Sight::Anonymous);
    }
    let credentials = Credentials::of_session(&row.user_id, &row.session_id, meta);
    // The principal read once, as `Credentials::load` reads it; what it may do decides
    // which pages it reaches.
    let Some(principal) =
        crate::auth::queries::load_principal(conn, &row.user_id, &row.session_id)?
    else {
        queries::delete(conn, &row.secret_hash)?;
        return Ok(Sight::Anonymous);
    };
    let enrolling = match principal.may_act() {
        Ok(()) => false,
        Err(ApiError::PasswordChangeRequired) => {
            return Ok(Sight::PasswordChange(Pending {
                user_id: row.user_id,
                session_id: row.session_id,
                csrf: row.csrf_token,
            }));
        }
        Err(ApiError::FactorEnrolmentRequired) => true,
        Err(e) => return Err(e),
    };
    if idle > TOUCH_AFTER_SECS {
        queries::touch(conn, &row.secret_hash, now)?;
    }
    let signed = Box::new(SignedIn {
        principal,
        credentials,
        csrf: row.csrf_token,
        secret_hash,
    });
    Ok(if enrolling {
        Sight::FactorEnrolment(signed)
    } else {
        Sight::SignedIn(signed)
    })
}

/// Ends a page session and the authentication session it was opened in.
pub fn end(conn: &mut DbConn, secret_hash: &str, session_id: &str) -> ApiResult<()> {
    queries::delete(conn, secret_hash)?;
    crate::auth::queries::revoke_session(conn, session_id)?;
    Ok(())
}

/// The secret a request's cookie holds.
pub fn secret_of(req: &HttpRequest, settings: &Settings) -> Option<String> {
    req.cookie(cookie_name(settings))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}
