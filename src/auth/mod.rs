//! Identity: who is calling, proven by an access token whose session and user are
//! re-read from the database on every request, so that disabling a user, changing
//! roles or logging out takes effect at once.

pub mod password;
pub mod roles;
pub mod routes;
pub mod service;
pub mod tokens;

use crate::db::DbConn;
use crate::db::schema::{agencies, sessions, users};
use crate::error::{ApiError, ApiResult};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel::prelude::*;
use roles::{Role, decode_roles};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub agency_id: String,
    pub agency_kind: String,
    pub country: String,
    pub roles: Vec<Role>,
    pub session_id: String,
    pub must_change_password: bool,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Refuses (403) a caller who holds none of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            Err(ApiError::forbidden("your roles do not allow this action"))
        }
    }
}

/// What the identity extractors need, registered as app data by the server: the
/// token keys, and the pool to read a token's session and user from.
#[derive(Clone)]
pub struct Authenticator {
    pub tokens: std::sync::Arc<tokens::TokenKeys>,
    pub pool: crate::db::Pool,
}

impl Authenticator {
    fn of(req: &HttpRequest) -> ApiResult<web::Data<Authenticator>> {
        req.app_data::<web::Data<Authenticator>>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no authenticator")))
    }
}

/// The caller's id, kept in the request's extensions for the access log.
#[derive(Debug, Clone)]
pub struct CallerId(pub String);

type PrincipalRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    String,
);

fn principal_of(row: PrincipalRow) -> Principal {
    let (
        user_id,
        username,
        display_name,
        agency_id,
        agency_kind,
        country,
        roles,
        must_change,
        session_id,
    ) = row;
    Principal {
        user_id,
        username,
        display_name,
        agency_id,
        agency_kind,
        country,
        roles: decode_roles(&roles),
        session_id,
        must_change_password: must_change,
    }
}

/// The live principals of these sessions, keyed by (user id, session id): a session
/// that is revoked or expired, or whose user is disabled, yields nothing.
pub fn load_principals(
    conn: &mut DbConn,
    sessions_of: &[(String, String)],
) -> ApiResult<HashMap<(String, String), Principal>> {
    if sessions_of.is_empty() {
        return Ok(HashMap::new());
    }
    let now = crate::db::now();
    let ids: Vec<&str> = sessions_of.iter().map(|(_, s)| s.as_str()).collect();
    let rows: Vec<PrincipalRow> = sessions::table
        .inner_join(users::table.inner_join(agencies::table))
        .filter(sessions::id.eq_any(ids))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select((
            users::id,
            users::username,
            users::display_name,
            users::agency_id,
            agencies::kind,
            agencies::country_code,
            users::roles,
            users::must_change_password,
            sessions::id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(principal_of)
        .map(|p| ((p.user_id.clone(), p.session_id.clone()), p))
        .collect())
}

/// The live principal of one session (a query of static shape, prepared once per
/// connection).
fn load_principal(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
) -> ApiResult<Option<Principal>> {
    let now = crate::db::now();
    let row: Option<PrincipalRow> = sessions::table
        .inner_join(users::table.inner_join(agencies::table))
        .filter(sessions::id.eq(session_id))
        .filter(users::id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select((
            users::id,
            users::username,
            users::display_name,
            users::agency_id,
            agencies::kind,
            agencies::country_code,
            users::roles,
            users::must_change_password,
            sessions::id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(principal_of))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn authenticate(req: HttpRequest) -> ApiResult<Principal> {
    let auth = Authenticator::of(&req)?;
    let token = bearer(&req).ok_or(ApiError::Unauthenticated)?;
    let claims = auth.tokens.verify(&token)?;
    let pool = auth.pool.clone();
    let principal = web::block(move || {
        let mut conn = pool.get()?;
        load_principal(&mut conn, &claims.sub, &claims.sid)
    })
    .await??
    .ok_or(ApiError::Unauthenticated)?;
    req.extensions_mut()
        .insert(CallerId(principal.user_id.clone()));
    Ok(principal)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<Principal>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(req).await?;
            if principal.must_change_password {
                return Err(ApiError::PasswordChangeRequired);
            }
            Ok(principal)
        })
    }
}

/// A verified access token whose principal is not loaded yet: for the custody log's
/// writer, which loads the principals of a whole batch at once and applies the same
/// checks as [`Principal`].
pub struct TokenClaims(pub tokens::Claims);

impl FromRequest for TokenClaims {
    type Error = ApiError;
    type Future = std::future::Ready<ApiResult<TokenClaims>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = Authenticator::of(req).and_then(|auth| {
            let token = bearer(req).ok_or(ApiError::Unauthenticated)?;
            auth.tokens.verify(&token)
        });
        if let Ok(claims) = &verified {
            req.extensions_mut().insert(CallerId(claims.sub.clone()));
        }
        std::future::ready(verified.map(TokenClaims))
    }
}

/// A principal that may still owe a password change: only for the few endpoints that
/// let them make it (`/auth/password`, `/me`, `/auth/logout`).
pub struct PendingPrincipal(pub Principal);

impl FromRequest for PendingPrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<PendingPrincipal>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(PendingPrincipal) })
    }
}

/// A verified access token and where the request came from, for work the ledger
/// authenticates in batches: the session and user behind it are loaded for the whole
/// batch (`load_principals`), with the same checks as every request.
pub struct Credentials {
    pub claims: tokens::Claims,
    pub meta: crate::observability::RequestMeta,
}

/// The principals of a batch, by (user id, session id).
pub type Principals = HashMap<(String, String), Principal>;

impl FromRequest for Credentials {
    type Error = ApiError;
    type Future = std::future::Ready<ApiResult<Credentials>>;

    /// A verified token (no database yet) and where the request came from.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let claims = match TokenClaims::from_request(req, payload).into_inner() {
            Ok(TokenClaims(claims)) => claims,
            Err(e) => return std::future::ready(Err(e)),
        };
        let meta = match crate::observability::RequestMeta::from_request(req, payload).into_inner()
        {
            Ok(meta) => meta,
            Err(never) => match never {},
        };
        std::future::ready(Ok(Credentials { claims, meta }))
    }
}

impl Credentials {
    /// The live principal behind these credentials, read from the database as the
    /// `Principal` extractor would.
    pub fn load(&self, conn: &mut DbConn) -> ApiResult<Principal> {
        let principal = load_principal(conn, &self.claims.sub, &self.claims.sid)?
            .ok_or(ApiError::Unauthenticated)?;
        if principal.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(principal)
    }

    /// The sessions of these credentials, for [`load_principals`].
    pub fn sessions<'a>(all: impl Iterator<Item = &'a Credentials>) -> Vec<(String, String)> {
        all.map(|c| (c.claims.sub.clone(), c.claims.sid.clone()))
            .collect()
    }

    /// The live principal behind these credentials, as the extractor would find it:
    /// 401 for an ended session or disabled user, 403 while a password change is owed.
    pub fn principal<'p>(&self, principals: &'p Principals) -> ApiResult<&'p Principal> {
        match principals.get(&(self.claims.sub.clone(), self.claims.sid.clone())) {
            None => Err(ApiError::Unauthenticated),
            Some(p) if p.must_change_password => Err(ApiError::PasswordChangeRequired),
            Some(p) => Ok(p),
        }
    }
}

/// A principal as the actor of audit entries.
impl From<&Principal> for crate::ledger::Actor {
    fn from(p: &Principal) -> crate::ledger::Actor {
        crate::ledger::Actor {
            user_id: p.user_id.clone(),
            agency_id: p.agency_id.clone(),
            country: p.country.clone(),
        }
    }
}
