//! The OAuth 2.0 client credentials grant (RFC 6749 §4.4) for service accounts: a
//! client secret (argon2id-hashed, rotatable with an overlap) or a signed client
//! assertion (RFC 7523). Failures lock the account out and are audited like logins;
//! a granted token is an access token like a person's, with no refresh token.

use super::assertion;
use super::queries::{self, ServiceAccountRow};
use super::service_account::AuthMethod;
use crate::auth::queries::{NewSession, clear_failed_logins, insert_session};
use crate::auth::service::{AuthContext, actor_of, record_failed_password};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{self, Action, AuditTx, Event, Outcome};
use crate::observability::RequestMeta;
use chrono::Duration;
use serde::Serialize;
use utoipa::ToSchema;

/// How a client proves who it is.
pub enum ClientAuth {
    Secret {
        client_id: String,
        secret: String,
    },
    /// A client assertion; `client_id` when the form also names it.
    Assertion {
        client_id: Option<String>,
        jwt: String,
    },
}

/// An access token for a service account (no refresh token: it asks again).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientTokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
}

fn refused() -> ApiError {
    ApiError::OAuth {
        error: "invalid_client",
        description: "client authentication failed".into(),
    }
}

/// What checking the credential outside any transaction found.
struct Checked {
    client_id: String,
    account: Option<ServiceAccountRow>,
    /// Why it failed, for the audit trail; `None` when it holds.
    failure: Option<&'static str>,
    /// A verified assertion's `jti`, spent when the grant is decided.
    assertion: Option<assertion::Verified>,
}

/// The longest client id an audit entry repeats from a failed attempt.
const LOGGED_CLIENT_CHARS: usize = 64;

/// Grants a token to a service account that proves itself, or refuses with
/// `invalid_client` whatever the reason (unknown client, wrong secret, bad, expired,
/// replayed or misaddressed assertion, disabled or locked account).
pub fn grant(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    auth: ClientAuth,
    audience: &str,
    published: Option<super::jwks::Published>,
) -> ApiResult<ClientTokenResponse> {
    let now = crate::db::now();
    let checked = match auth {
        ClientAuth::Secret { client_id, secret } => {
            let account = queries::by_client_id(conn, &client_id)?;
            let failure = match &account {
                None => {
                    ctx.hasher.verify_dummy(&secret);
                    Some("unknown client")
                }
                Some(a) if a.credential.auth_method != AuthMethod::ClientSecret.as_str() => {
                    ctx.hasher.verify_dummy(&secret);
                    Some("the client authenticates with private_key_jwt")
                }
                Some(a) => {
                    let current = a
                        .credential
                        .secret_hash
                        .as_deref()
                        .is_some_and(|h| ctx.hasher.verify(&secret, h));
                    let previous = !current
                        && a.credential.previous_valid_until.is_some_and(|t| t > now)
                        && a.credential
                            .previous_secret_hash
                            .as_deref()
                            .is_some_and(|h| ctx.hasher.verify(&secret, h));
                    (!current && !previous).then_some("wrong secret")
                }
            };
            Checked {
                client_id,
                account,
                failure,
                assertion: None,
            }
        }
        ClientAuth::Assertion { client_id, jwt } => {
            let claimed = assertion::claimed_client(&jwt);
            let client_id = client_id.or(claimed.clone()).unwrap_or_default();
            let account = queries::by_client_id(conn, &client_id)?;
            let mut verified = None;
            let failure = match &account {
                None => Some("unknown client"),
                Some(_) if claimed.as_deref() != Some(client_id.as_str()) => {
                    Some("the assertion names another client")
                }
                Some(a) if a.credential.auth_method != AuthMethod::PrivateKeyJwt.as_str() => {
                    Some("the client authenticates with a secret")
                }
                Some(a) => {
                    // Keys published at a URL were read before this transaction,
                    // for this account's URL.
                    let keys = match (&a.credential.jwks_uri, &published) {
                        (Some(uri), Some(p)) if p.uri == *uri => p.keys.as_deref(),
                        (Some(_), _) => None,
                        (None, _) => Some(a.credential.jwks.as_deref().unwrap_or("{\"keys\":[]}")),
                    };
                    match keys {
                        None => Some("its published keys could not be read"),
                        Some(keys) => {
                            match assertion::verify(&jwt, &client_id, keys, audience, now) {
                                Ok(v) => {
                                    verified = Some(v);
                                    None
                                }
                                Err(reason) => Some(reason),
                            }
                        }
                    }
                }
            };
            Checked {
                client_id,
                account,
                failure,
                assertion: verified,
            }
        }
    };
    ledger::transaction(conn, |tx| decide(tx, ctx, meta, checked))?.ok_or_else(refused)
}

/// Grants or refuses a checked attempt under the audit chain's lock (so that the
/// failure count cannot be raced), recording exactly one `auth.client_token` or
/// `auth.client_failed` entry.
fn decide(
    tx: &mut AuditTx,
    ctx: &AuthContext,
    meta: &RequestMeta,
    checked: Checked,
) -> ApiResult<Option<ClientTokenResponse>> {
    let typed: String = checked
        .client_id
        .chars()
        .take(LOGGED_CLIENT_CHARS)
        .collect();
    let failed = |actor, reason: &str| {
        Event::new(Action::AuthClientFailed, actor, meta)
            .detail("client_id", typed.as_str())
            .detail("reason", reason)
    };
    let Some(found) = checked.account else {
        tx.append(&failed(None, "unknown client"), Outcome::Failed)?;
        return Ok(None);
    };
    let user = crate::auth::queries::account(tx, &found.user.id)?;
    let actor = actor_of(tx, &user)?;
    let now = crate::db::now();
    let mut failure = if !user.is_active() {
        Some("disabled")
    } else if user.is_locked(now) {
        Some("locked")
    } else {
        checked.failure
    };
    if failure.is_none()
        && let Some(verified) = &checked.assertion
        && !queries::spend_assertion(tx, &typed, &verified.jti, verified.accepted_until, now)?
    {
        failure = Some("replayed jti");
    }
    if let Some(reason) = failure {
        tx.append(&failed(Some(actor.clone()), reason), Outcome::Failed)?;
        if !matches!(reason, "disabled" | "locked") {
            record_failed_password(tx, &actor, ctx.settings, meta)?;
        }
        return Ok(None);
    }
    clear_failed_logins(tx, &user.id)?;
    let session_id = uuid::Uuid::now_v7().to_string();
    insert_session(
        tx,
        &NewSession {
            id: &session_id,
            user_id: &user.id,
            created_at: now,
            expires_at: now + Duration::seconds(ctx.tokens.ttl_secs()),
            amr: "",
            factor_at: None,
            must_enrol: false,
        },
    )?;
    let method = if checked.assertion.is_some() {
        AuthMethod::PrivateKeyJwt
    } else {
        AuthMethod::ClientSecret
    };
    let event = Event::new(Action::AuthClientToken, Some(actor), meta)
        .detail("session_id", session_id.as_str())
        .detail("auth_method", method.as_str());
    tx.append(&event, Outcome::Success)?;
    Ok(Some(ClientTokenResponse {
        access_token: ctx.tokens.issue(
            &user.id,
            &session_id,
            &crate::auth::tokens::Authentication {
                amr: String::new(),
                auth_time: now,
            },
            None,
        )?,
        token_type: "Bearer",
        expires_in: ctx.tokens.ttl_secs(),
    }))
}
