//! Identity: who is calling, proven by an access token whose session and user are
//! re-read from the database on every request, so that disabling a user, changing
//! roles or logging out takes effect at once.

pub mod account;
pub mod challenge;
pub mod factors;
pub mod passkeys;
pub mod password;
pub mod queries;
pub mod roles;
pub mod second_factor;
pub mod service;
pub mod tokens;

use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::observability::CallerId;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use roles::Role;
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
    /// Must hold a second factor and holds none: may only enrol one.
    pub must_enrol: bool,
    /// When a second factor was last given in this session.
    pub factor_at: Option<chrono::NaiveDateTime>,
    /// A national system's service account, not a person.
    pub machine: bool,
    /// The language the person chose; `None` until chosen.
    pub language: Option<crate::catalogue::Language>,
}

impl Principal {
    /// Refuses (403) a person who owes a password change or a second factor: they
    /// may do that and nothing else.
    pub fn may_act(&self) -> ApiResult<()> {
        if self.must_change_password {
            Err(ApiError::PasswordChangeRequired)
        } else if self.must_enrol {
            Err(ApiError::FactorEnrolmentRequired)
        } else {
            Ok(())
        }
    }

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
        queries::load_principal(&mut conn, &claims.sub, &claims.sid)
    })
    .await??
    .ok_or(ApiError::Unauthenticated)?;
    req.extensions_mut()
        .insert(CallerId(principal.user_id.clone()));
    // The rest of the request answers in the person's language, if they chose one.
    crate::catalogue::choose(principal.language);
    Ok(principal)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<Principal>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(req).await?;
            principal.may_act()?;
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
            crate::catalogue::choose(
                claims
                    .lang
                    .as_deref()
                    .and_then(crate::catalogue::Language::parse),
            );
            req.extensions_mut().insert(CallerId(claims.sub.clone()));
        }
        std::future::ready(verified.map(TokenClaims))
    }
}

/// A principal that may still owe a password change or a second factor: only for the
/// few endpoints that let them make it (`/auth/password`, `/me`, `/me/factors`,
/// `/auth/logout`).
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
/// batch (`queries::load_principals`), with the same checks as every request.
#[derive(Clone)]
pub struct Credentials {
    pub claims: tokens::Claims,
    pub meta: crate::observability::RequestMeta,
}

/// The principals of a batch, by their sessions.
pub type Principals = HashMap<SessionKey, Principal>;

/// A session as a token names it: its user and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub user_id: String,
    pub session_id: String,
}

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
    /// The credentials of a session a review-page sign-in opened: its cookie names the
    /// session as a token's claims would, and the same checks follow.
    pub fn of_session(
        user_id: &str,
        session_id: &str,
        meta: crate::observability::RequestMeta,
    ) -> Credentials {
        Credentials {
            claims: tokens::Claims {
                iss: String::new(),
                aud: String::new(),
                sub: user_id.to_owned(),
                sid: session_id.to_owned(),
                iat: 0,
                nbf: 0,
                exp: 0,
                jti: String::new(),
                amr: Vec::new(),
                auth_time: 0,
                lang: None,
            },
            meta,
        }
    }

    pub fn load(&self, conn: &mut DbConn) -> ApiResult<Principal> {
        let principal = queries::load_principal(conn, &self.claims.sub, &self.claims.sid)?
            .ok_or(ApiError::Unauthenticated)?;
        principal.may_act()?;
        Ok(principal)
    }

    /// The session these credentials name.
    pub fn session(&self) -> SessionKey {
        SessionKey {
            user_id: self.claims.sub.clone(),
            session_id: self.claims.sid.clone(),
        }
    }

    /// The sessions of these credentials, for [`queries::load_principals`].
    pub fn sessions<'a>(all: impl Iterator<Item = &'a Credentials>) -> Vec<SessionKey> {
        all.map(Credentials::session).collect()
    }

    /// The live principal behind these credentials, as the extractor would find it:
    /// 401 for an ended session or disabled user, 403 while a password change is owed.
    pub fn principal<'p>(&self, principals: &'p Principals) -> ApiResult<&'p Principal> {
        let principal = principals
            .get(&self.session())
            .ok_or(ApiError::Unauthenticated)?;
        principal.may_act()?;
        Ok(principal)
    }
}

/// A principal as the actor of audit entries.
impl From<&Principal> for crate::ledger::Actor {
    fn from(p: &Principal) -> crate::ledger::Actor {
        crate::ledger::Actor {
            user_id: p.user_id.clone(),
            agency_id: p.agency_id.clone(),
            country: p.country.clone(),
            machine: p.machine,
        }
    }
}
