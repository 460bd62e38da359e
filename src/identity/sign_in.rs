//! A sign-in through an identity provider: sent to the provider with `state`, `nonce`
//! and a PKCE challenge, back with a code that is redeemed for an ID token, which is
//! checked; then the account linked to the token's `(iss, sub)`, or one made for it
//! in the agency and with the roles the provider's claims map to (the provider is the
//! source of an account's roles: they follow its claims at every sign-in), and the
//! sign-in decided as for a password (`auth::service::federated`).

use super::oidc::{self, AuthorizationRequest, Caller, Expected, Redemption};
use super::provider::{self, ClaimMapping, Mapped};
use super::queries::{self, AttemptRow, LinkRow, ProviderRow};
use crate::auth::roles::encode_roles;
use crate::auth::service::{Federated, FederatedGrant};
use crate::error::{ApiError, ApiResult};
use crate::ledger::{self, Action, Actor, Event, Outcome, Subject};
use crate::observability::RequestMeta;
use crate::state::AppState;
use crate::users::model::{NewUser, normalize_username};
use chrono::Duration;
use sha2::{Digest, Sha256};

/// How long a browser has to come back from the provider.
pub const ATTEMPT_SECS: i64 = 600;

/// Where providers send a browser back to.
pub fn redirect_uri(public_url: &str) -> String {
    format!("{}/app/sso/callback", public_url.trim_end_matches('/'))
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// What the account stored for a provider says of its client: its secret opened.
fn client_secret(state: &AppState, row: &ProviderRow) -> ApiResult<String> {
    let bytes = state
        .factor_sealer
        .open(&row.client_secret, &row.id)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a provider's secret does not open")))?;
    String::from_utf8(bytes)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a provider's secret is not text")))
}

/// A sign-in sent to a provider: where to send the browser, and the `state` the
/// browser keeps (in a cookie) to prove, when it comes back, that it is the one sent.
pub struct Started {
    pub location: String,
    pub state: String,
}

/// Why a sign-in through a provider did not happen (for the person: that it failed;
/// for the audit trail and the log: why).
#[derive(Debug)]
pub struct Failed(pub String);

/// Sends a browser to an enabled provider (404 for another).
pub async fn start(state: &AppState, provider_id: &str) -> ApiResult<Result<Started, Failed>> {
    let id = provider_id.to_owned();
    let row = state
        .db(move |conn| queries::provider(conn, &id).map_err(Into::into))
        .await?
        .filter(|p| p.enabled)
        .ok_or(ApiError::NotFound)?;
    let caller = Caller::new(&state.settings.webhook_allow_hosts);
    let discovery = match caller.discover(&row.issuer).await {
        Ok(d) => d,
        Err(e) => return Ok(Err(Failed(e.0))),
    };
    let browser_state = oidc::random_token();
    let nonce = oidc::random_token();
    let verifier = oidc::random_token();
    let redirect = redirect_uri(&state.settings.public_url);
    let location = match (AuthorizationRequest {
        discovery: &discovery,
        client_id: &row.client_id,
        redirect_uri: &redirect,
        scopes: &row.scopes,
        state: &browser_state,
        nonce: &nonce,
        verifier: &verifier,
    })
    .url()
    {
        Ok(url) => url,
        Err(e) => return Ok(Err(Failed(e.0))),
    };
    let hash = state_hash(&browser_state);
    let now = crate::db::now();
    let attempt = AttemptRow {
        verifier: state.factor_sealer.seal(verifier.as_bytes(), &hash),
        state_hash: hash,
        provider_id: row.id.clone(),
        nonce,
        created_at: now,
        expires_at: now + Duration::seconds(ATTEMPT_SECS),
        used_at: None,
    };
    state
        .db(move |conn| queries::insert_attempt(conn, &attempt).map_err(Into::into))
        .await?;
    Ok(Ok(Started {
        location,
        state: browser_state,
    }))
}

/// What the provider sent the browser back with.
pub struct Callback {
    /// The `state` the browser kept when it was sent.
    pub kept_state: Option<String>,
    pub state: Option<String>,
    pub code: Option<String>,
    /// The provider's `error`, when it refused.
    pub error: Option<String>,
}

/// How a sign-in through a provider ended.
pub enum Finished {
    Granted(FederatedGrant),
    Failed(Failed),
}

/// Finishes a sign-in: every check, then the account, then the decision. A failure
/// before an account is known is recorded as a failed `auth.sso_login` without actor.
pub async fn finish(state: &AppState, meta: RequestMeta, back: Callback) -> ApiResult<Finished> {
    match redeem(state, &back).await? {
        Ok(signed) => admit(state, meta, signed).await,
        Err((provider_id, failed)) => {
            let event = Event::new(Action::AuthSsoLogin, None, &meta)
                .detail("provider_id", provider_id.unwrap_or_default())
                .detail("reason", failed.0.chars().take(300).collect::<String>());
            state
                .db(move |conn| ledger::record(conn, &event, Outcome::Failed))
                .await?;
            Ok(Finished::Failed(failed))
        }
    }
}

/// An ID token that held, with its provider.
struct Signed {
    provider: ProviderRow,
    claims: serde_json::Map<String, serde_json::Value>,
}

type Redeemed = Result<Signed, (Option<String>, Failed)>;

/// Checks the browser's state, spends the attempt, redeems the code and checks the
/// ID token.
async fn redeem(state: &AppState, back: &Callback) -> ApiResult<Redeemed> {
    let fail = |provider: Option<&str>, why: &str| {
        Ok(Err((provider.map(str::to_owned), Failed(why.to_owned()))))
    };
    let (Some(returned), Some(kept)) = (&back.state, &back.kept_state) else {
        return fail(None, "no state, or none kept by this browser");
    };
    // The state the provider returned must be the one this browser was sent with
    // (a sign-in begun in another browser is not finished in this one).
    if state_hash(returned) != state_hash(kept) {
        return fail(None, "the state is not the one this browser was sent with");
    }
    let hash = state_hash(returned);
    let spent_hash = hash.clone();
    let attempt = state
        .db(move |conn| {
            let found = queries::attempt(conn, &spent_hash)?;
            let spent = queries::spend_attempt(conn, &spent_hash, crate::db::now())? == 1;
            Ok(found.filter(|_| spent))
        })
        .await?;
    let Some(attempt) = attempt else {
        return fail(None, "the sign-in is unknown, spent or expired");
    };
    let provider_id = attempt.provider_id.clone();
    let id = provider_id.clone();
    let Some(provider) = state
        .db(move |conn| queries::provider(conn, &id).map_err(Into::into))
        .await?
        .filter(|p| p.enabled)
    else {
        return fail(Some(&provider_id), "the provider is disabled");
    };
    if let Some(error) = &back.error {
        let error: String = error.chars().take(100).collect();
        return fail(
            Some(&provider_id),
            &format!("the provider answered {error}"),
        );
    }
    let Some(code) = &back.code else {
        return fail(Some(&provider_id), "no code came back");
    };
    let verifier = state
        .factor_sealer
        .open(&attempt.verifier, &hash)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a sign-in's verifier does not open")))?;
    let verifier = String::from_utf8(verifier).unwrap_or_default();
    let secret = client_secret(state, &provider)?;
    let caller = Caller::new(&state.settings.webhook_allow_hosts);
    let redirect = redirect_uri(&state.settings.public_url);
    let checked = async {
        let discovery = caller.discover(&provider.issuer).await?;
        let id_token = caller
            .redeem(&Redemption {
                discovery: &discovery,
                client_id: &provider.client_id,
                client_secret: &secret,
                code,
                redirect_uri: &redirect,
                verifier: &verifier,
            })
            .await?;
        let keys = caller.keys(&discovery).await?;
        oidc::verify(
            &id_token,
            &keys,
            &Expected {
                issuer: &provider.issuer,
                client_id: &provider.client_id,
                nonce: &attempt.nonce,
            },
        )
    }
    .await;
    match checked {
        Ok(claims) => Ok(Ok(Signed { provider, claims })),
        Err(e) => fail(Some(&provider_id), &format!("the ID token: {}", e.0)),
    }
}

/// RFC 8176's registered methods: the only `amr` values a session keeps.
const METHODS: [&str; 17] = [
    "face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pwd", "rba", "retina",
    "sc", "sms", "swk", "tel",
];

/// Links or makes the account, and decides the sign-in, in one audited transaction.
async fn admit(state: &AppState, meta: RequestMeta, signed: Signed) -> ApiResult<Finished> {
    let Signed { provider, claims } = signed;
    let agencies: Vec<String> = serde_json::from_str(&provider.agencies).unwrap_or_default();
    let mapping: ClaimMapping = serde_json::from_str(&provider.mapping)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a provider's mapping is unreadable")))?;
    let mfa_acr: Vec<String> = serde_json::from_str(&provider.mfa_acr).unwrap_or_default();
    let subject = claims
        .get("sub")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let amr: Vec<&str> = match claims.get("amr") {
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str())
            .filter(|m| METHODS.contains(m))
            .collect(),
        _ => Vec::new(),
    };
    let amr = amr.join(",");
    let second_factor = provider::gave_second_factor(&claims, &mfa_acr);
    let mapped = provider::map(&mapping, &agencies, &claims);
    let st = state.clone();
    state
        .db(move |conn| {
            let ctx = st.auth_context();
            ledger::transaction(conn, |tx| {
                let refused = |tx: &mut ledger::AuditTx, actor: Option<Actor>, why: &str| {
                    let event = Event::new(Action::AuthSsoLogin, actor, &meta)
                        .detail("provider_id", provider.id.as_str())
                        .detail("issuer", provider.issuer.as_str())
                        .detail("reason", why);
                    tx.append(&event, Outcome::Failed)?;
                    Ok(Finished::Failed(Failed(why.to_owned())))
                };
                let mapped = match mapped {
                    Ok(m) => m,
                    Err(why) => return refused(tx, None, why),
                };
                let now = crate::db::now();
                let user_id = match queries::link(tx, &provider.issuer, &subject)? {
                    Some(link) => {
                        let row = crate::auth::queries::account(tx, &link.user_id)?;
                        if row.agency_id != mapped.agency_id {
                            let actor = crate::auth::service::actor_of(tx, &row)?;
                            return refused(
                                tx,
                                Some(actor),
                                "its claims now name another agency: an administrator moves the account",
                            );
                        }
                        follow_roles(tx, &meta, &provider, &row, &mapped)?;
                        queries::link_used(tx, &provider.issuer, &subject, now)?;
                        link.user_id
                    }
                    None => match provision(tx, &meta, &provider, &subject, &mapped)? {
                        Some(id) => id,
                        None => {
                            return refused(
                                tx,
                                None,
                                "an account of that username exists and is not linked to this provider",
                            );
                        }
                    },
                };
                let via = Federated {
                    provider_id: &provider.id,
                    issuer: &provider.issuer,
                    amr: &amr,
                    second_factor,
                };
                let granted = crate::auth::service::federated(tx, &ctx, &meta, &user_id, &via)?;
                Ok(Finished::Granted(granted))
            })
        })
        .await
}

/// The roles of a linked account follow the provider's claims (recorded when they
/// change).
fn follow_roles(
    tx: &mut ledger::AuditTx,
    meta: &RequestMeta,
    provider: &ProviderRow,
    row: &crate::auth::account::UserRow,
    mapped: &Mapped,
) -> ApiResult<()> {
    let mut held = row.roles();
    held.sort();
    if held == mapped.roles {
        return Ok(());
    }
    queries::set_roles(tx, &row.id, &encode_roles(&mapped.roles), crate::db::now())?;
    let actor = crate::auth::service::actor_of(tx, row)?;
    let names: Vec<&str> = mapped.roles.iter().map(|r| r.as_str()).collect();
    let before: Vec<&str> = held.iter().map(|r| r.as_str()).collect();
    let mut event = Event::new(Action::UserUpdate, Some(actor.clone()), meta)
        .detail("roles", names)
        .detail("roles_before", before)
        .detail("by_provider", provider.id.as_str());
    event.subject = Some(Subject::new("user", &row.id, Some(&actor.country)));
    tx.append(&event, Outcome::Success).map(drop)
}

/// Makes an account for a provider's subject, linked to it: none when the username
/// it would take is another account's.
fn provision(
    tx: &mut ledger::AuditTx,
    meta: &RequestMeta,
    provider: &ProviderRow,
    subject: &str,
    mapped: &Mapped,
) -> ApiResult<Option<String>> {
    let agency = crate::agencies::find(tx, &mapped.agency_id)?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a mapped agency is gone")))?;
    let prefix = crate::users::namespace(&agency.country_code);
    let fallback = || {
        let hash = hex::encode(Sha256::digest(format!("{}\n{subject}", provider.issuer)));
        format!("{prefix}sso-{}", &hash[..12])
    };
    let username = mapped
        .username
        .as_deref()
        .and_then(|u| normalize_username(&format!("{prefix}{u}")).ok())
        .unwrap_or_else(fallback);
    if crate::auth::queries::account_by_username(tx, &username)?.is_some() {
        return Ok(None);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::db::now();
    let display_name: String = mapped
        .display_name
        .clone()
        .unwrap_or_else(|| username.clone())
        .chars()
        .take(200)
        .collect();
    crate::users::queries::insert(
        tx,
        &NewUser {
            id: &id,
            username: &username,
            display_name: &display_name,
            agency_id: &mapped.agency_id,
            roles: &encode_roles(&mapped.roles),
            status: "active",
            // No password: the account signs in through its provider only.
            password_hash: crate::auth::password::NO_PASSWORD,
            must_change_password: false,
            failed_logins: 0,
            created_at: now,
            updated_at: now,
        },
    )?;
    queries::insert_link(
        tx,
        &LinkRow {
            issuer: provider.issuer.clone(),
            subject: subject.to_owned(),
            user_id: id.clone(),
            provider_id: provider.id.clone(),
            created_at: now,
            last_sign_in_at: now,
        },
    )?;
    let names: Vec<&str> = mapped.roles.iter().map(|r| r.as_str()).collect();
    let mut event = Event::new(Action::UserProvisioned, None, meta)
        .detail("username", username.as_str())
        .detail("roles", names)
        .detail("provider_id", provider.id.as_str())
        .detail("issuer", provider.issuer.as_str());
    event.subject = Some(Subject::new("user", &id, Some(&agency.country_code)));
    tx.append(&event, Outcome::Success)?;
    Ok(Some(id))
}
