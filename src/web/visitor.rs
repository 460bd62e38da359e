//! The signed-in person, as a handler's argument: a page that takes a `Visitor` is
//! only reached by someone signed in; anyone else is sent to sign in (or to change
//! their password first) before the handler runs.

use super::csrf;
use super::page::{Leave, Me};
use super::session::{self, Sight, SignedIn};
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult};
use crate::observability::RequestMeta;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

/// The person a page is shown to.
pub struct Visitor {
    pub signed: SignedIn,
    pub me: Me,
}

impl Visitor {
    pub fn has(&self, role: Role) -> bool {
        self.signed.principal.has(role)
    }

    /// The credentials the page's reads and writes are made with (the API's).
    pub fn credentials(&self) -> crate::auth::Credentials {
        self.signed.credentials.clone()
    }

    /// Whether a form posted to `req` came from this person's own page; a form that
    /// did not is refused.
    pub fn check_form(&self, req: &HttpRequest, token: &str) -> Result<(), Leave> {
        if csrf::accepted(req, &self.signed.csrf, token) {
            Ok(())
        } else {
            Err(Leave::Refused(Some(Box::new(self.me.clone()))))
        }
    }
}

/// What the request's cookie comes to.
pub async fn sight(state: &AppState, req: &HttpRequest) -> ApiResult<Sight> {
    let secret = session::secret_of(req, &state.settings);
    let settings = state.settings.clone();
    let meta = RequestMeta::extract(req)
        .await
        .unwrap_or_else(|never| match never {});
    let sight = state
        .db(move |conn| session::resolve(conn, &settings, secret, meta))
        .await?;
    if let Sight::SignedIn(signed) | Sight::FactorEnrolment(signed) = &sight {
        super::page::choose_language(signed.principal.language);
    }
    Ok(sight)
}

/// What the header names besides the person: their agency and state.
struct Header {
    agency: String,
    state: String,
}

/// The names the header shows of a person: their agency's and their state's.
fn header(
    conn: &mut crate::db::DbConn,
    p: &crate::auth::Principal,
) -> crate::error::ApiResult<Header> {
    Ok(Header {
        agency: crate::agencies::find(conn, &p.agency_id)?
            .map(|a| a.name)
            .unwrap_or_default(),
        state: crate::countries::queries::name_of(conn, &p.country)?
            .unwrap_or_else(|| p.country.clone()),
    })
}

/// The header of a page shown to a person signed in, whatever they may do yet (the
/// sign-in security pages, which a person who must enrol a factor reaches too).
pub async fn me_of(state: &AppState, signed: &SignedIn) -> Result<Me, Leave> {
    let principal = signed.principal.clone();
    let header = state
        .db(move |conn| header(conn, &principal))
        .await
        .map_err(Leave::Failed)?;
    Ok(Me {
        name: signed.principal.display_name.clone(),
        agency: header.agency,
        country: signed.principal.country.clone(),
        state: header.state,
        csrf: signed.csrf.clone(),
    })
}

async fn visitor(state: web::Data<AppState>, req: HttpRequest) -> Result<Visitor, Leave> {
    let secret = session::secret_of(&req, &state.settings);
    let settings = state.settings.clone();
    let meta = RequestMeta::extract(&req)
        .await
        .unwrap_or_else(|never| match never {});
    // The session and the header's names in one trip to the database.
    let (sight, header) = state
        .db(move |conn| {
            let sight = session::resolve(conn, &settings, secret, meta)?;
            let header = match &sight {
                Sight::SignedIn(signed) => Some(header(conn, &signed.principal)?),
                _ => None,
            };
            Ok(Seen { sight, header })
        })
        .await
        .map(|seen| (seen.sight, seen.header))?;
    match (sight, header) {
        (Sight::SignedIn(signed), Some(header)) => {
            super::page::choose_language(signed.principal.language);
            let me = Me {
                name: signed.principal.display_name.clone(),
                agency: header.agency,
                country: signed.principal.country.clone(),
                state: header.state,
                csrf: signed.csrf.clone(),
            };
            Ok(Visitor {
                signed: *signed,
                me,
            })
        }
        (Sight::PasswordChange(_), _) => Err(Leave::PasswordChange),
        (Sight::FactorEnrolment(_), _) => Err(Leave::FactorEnrolment),
        _ => Err(Leave::SignIn),
    }
}

/// What the cookie came to, with the header's names for one signed in.
struct Seen {
    sight: Sight,
    header: Option<Header>,
}

impl FromRequest for Visitor {
    type Error = Leave;
    type Future = LocalBoxFuture<'static, Result<Visitor, Leave>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| Leave::Failed(ApiError::Internal(anyhow::anyhow!("no state"))))?;
            visitor(state, req).await
        })
    }
}
