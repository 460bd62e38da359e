//! Login, refresh-token rotation, logout and password changes. Blocking code: call
//! it from `AppState::db`, never on the async executor (argon2 is CPU-heavy).

use super::account::{UserRow, normalize_username};
use super::password::{self, Hasher};
use super::queries::{
    self, AccountWithAgency, NewRefreshToken, NewSession, REMEMBERED_PASSWORDS, RefreshLookup,
};
use super::tokens::{Authentication, TokenKeys};
use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ledger::{self, Action, Actor, AuditTx, Event, Outcome};
use crate::observability::RequestMeta;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
    /// Single use: each refresh answers with a new one.
    pub refresh_token: String,
    /// When true, only `POST /api/v1/auth/password`, `/me` and logout are allowed.
    pub password_change_required: bool,
    /// When true, the person must hold a second factor and holds none: only
    /// `/me/factors` (to enrol one), `/me`, the password change and logout are allowed.
    pub factor_enrolment_required: bool,
}

pub struct AuthContext<'a> {
    pub hasher: &'a Hasher,
    pub tokens: &'a TokenKeys,
    pub settings: &'a Settings,
    pub sealer: &'a super::factors::FactorSealer,
    pub passkeys: &'a super::passkeys::Passkeys,
}

/// A session just opened: what its tokens are issued for.
pub struct OpenedSession<'a> {
    pub user: &'a UserRow,
    pub amr: &'a str,
    pub factor_at: Option<NaiveDateTime>,
    pub must_enrol: bool,
}

/// A session opened and the tokens issued for it.
pub struct Opened {
    pub session_id: String,
    pub tokens: TokenResponse,
}

/// Opens a session (its row, its first refresh token) and issues its tokens. Call in
/// the transaction that records the sign-in.
pub fn open_session(
    tx: &mut DbConn,
    ctx: &AuthContext,
    opened: OpenedSession,
    now: NaiveDateTime,
) -> ApiResult<Opened> {
    let session_id = uuid::Uuid::now_v7().to_string();
    let session = NewSession {
        id: &session_id,
        user_id: &opened.user.id,
        created_at: now,
        expires_at: now + Duration::seconds(ctx.settings.session_max_secs),
        amr: opened.amr,
        factor_at: opened.factor_at,
        must_enrol: opened.must_enrol,
    };
    queries::insert_session(tx, &session)?;
    let refresh_token = insert_refresh_token(tx, &session_id, now, ctx)?;
    let how = Authentication {
        amr: opened.amr.to_owned(),
        auth_time: now,
    };
    let tokens = TokenResponse {
        access_token: ctx.tokens.issue(
            &opened.user.id,
            &session_id,
            &how,
            opened.user.language.as_deref(),
        )?,
        token_type: "Bearer",
        expires_in: ctx.tokens.ttl_secs(),
        refresh_token,
        password_change_required: opened.user.must_change_password,
        factor_enrolment_required: opened.must_enrol,
    };
    Ok(Opened { session_id, tokens })
}

fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn insert_refresh_token(
    conn: &mut DbConn,
    session_id: &str,
    now: NaiveDateTime,
    ctx: &AuthContext,
) -> ApiResult<String> {
    let token = new_refresh_token();
    let stored = NewRefreshToken {
        token_hash: &hash_refresh_token(&token),
        session_id,
        created_at: now,
        expires_at: now + Duration::seconds(ctx.settings.refresh_token_ttl_secs),
    };
    queries::insert_refresh_token(conn, &stored)?;
    Ok(token)
}

/// Counts a failed password; the failure that reaches the limit locks the account
/// and is the only one that records the lockout. Every attempt is decided under the
/// audit chain's lock, so the count cannot be raced.
pub fn record_failed_password(
    tx: &mut AuditTx,
    actor: &Actor,
    settings: &Settings,
    meta: &RequestMeta,
) -> ApiResult<()> {
    let user_id = actor.user_id.as_str();
    let failures = queries::count_failed_login(tx, user_id)?;
    if failures >= settings.max_failed_logins {
        let until = crate::db::now() + Duration::seconds(settings.lockout_secs);
        queries::lock_account(tx, user_id, until)?;
        tracing::warn!(user_id, "account locked after failed logins");
        let event = Event::new(Action::AuthAccountLocked, Some(actor.clone()), meta)
            .detail("until", ledger::format_at(until));
        tx.append(&event, Outcome::Success)?;
    }
    Ok(())
}

/// The longest username an audit entry repeats from a failed login: anyone can send
/// a login, and the trail keeps what they typed only as far as a username can go.
const LOGGED_USERNAME_CHARS: usize = 64;

/// A login attempt whose password has been checked, to be decided.
struct Attempt<'a> {
    /// As typed, for the audit trail.
    username: &'a str,
    /// The account the username names, as read before the password was checked.
    account: Option<UserRow>,
    password_ok: bool,
}

/// Unknown user, wrong password, disabled or locked account: one answer, and the
/// same argon2 work, for each. The password is checked outside any transaction (no
/// lock is held while argon2 runs); the attempt is then decided and recorded in one
/// audited transaction that reads the account again, so an attempt that arrives while
/// others lock the account is refused however the attempts interleave.
pub fn login(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    username: &str,
    password: &str,
) -> ApiResult<TokenResponse> {
    let account: Option<UserRow> = match normalize_username(username) {
        Ok(name) => queries::account_by_username(conn, &name)?,
        Err(_) => None,
    };
    let password_ok = match &account {
        Some(user) => ctx.hasher.verify(password, &user.password_hash),
        None => {
            ctx.hasher.verify_dummy(password);
            false
        }
    };
    let attempt = Attempt {
        username,
        account,
        password_ok,
    };
    match ledger::transaction(conn, |tx| decide_login(tx, ctx, meta, attempt))? {
        Some(Granted::Tokens(tokens)) => Ok(tokens),
        Some(Granted::SecondFactorOwed(challenge)) => Err(ApiError::MfaRequired(challenge)),
        None => Err(ApiError::InvalidCredentials),
    }
}

/// What a password accepted grants.
enum Granted {
    Tokens(TokenResponse),
    /// The person holds a second factor: it is owed, with this challenge.
    SecondFactorOwed(crate::error::MfaChallenge),
}

/// Grants or refuses a checked attempt and records it (exactly one `auth.login` or
/// `auth.login_failed` entry, and the lockout when this attempt causes it).
fn decide_login(
    tx: &mut AuditTx,
    ctx: &AuthContext,
    meta: &RequestMeta,
    attempt: Attempt,
) -> ApiResult<Option<Granted>> {
    let typed: String = attempt
        .username
        .chars()
        .take(LOGGED_USERNAME_CHARS)
        .collect();
    let failed = |actor: Option<Actor>, reason: &str| {
        Event::new(Action::AuthLoginFailed, actor, meta)
            .detail("username", typed.as_str())
            .detail("reason", reason)
    };
    let Some(checked) = attempt.account else {
        tx.append(&failed(None, "unknown user"), Outcome::Failed)?;
        return Ok(None);
    };
    let user = queries::account(tx, &checked.id)?;
    let actor = actor_of(tx, &user)?;
    let now = crate::db::now();
    let refusal = if user.is_service() {
        Some("a service account signs in with client credentials")
    } else if !user.is_active() {
        Some("disabled")
    } else if user.is_locked(now) {
        Some("locked")
    } else if user.password_hash != checked.password_hash {
        Some("the password changed during the login")
    } else if !attempt.password_ok {
        Some("wrong password")
    } else {
        None
    };
    if let Some(reason) = refusal {
        tx.append(&failed(Some(actor.clone()), reason), Outcome::Failed)?;
        if reason == "wrong password" {
            record_failed_password(tx, &actor, ctx.settings, meta)?;
        }
        return Ok(None);
    }
    let kinds = super::challenge::kinds_held(tx, &user.id)?;
    if !kinds.is_empty() {
        // The password alone opens nothing: its failures are not forgotten until
        // the second factor is given too.
        let challenge = super::challenge::challenge(tx, &user.id, kinds, now)?;
        let event = Event::new(Action::AuthMfaChallenge, Some(actor), meta)
            .detail("factors", challenge.factors.join(","));
        tx.append(&event, Outcome::Success)?;
        return Ok(Some(Granted::SecondFactorOwed(challenge)));
    }
    queries::clear_failed_logins(tx, &user.id)?;
    let must_enrol = super::factors::required(ctx.settings.mfa, &user.roles(), false);
    let opened = OpenedSession {
        user: &user,
        amr: "pwd",
        factor_at: None,
        must_enrol,
    };
    let Opened { session_id, tokens } = open_session(tx, ctx, opened, now)?;
    let event = Event::new(Action::AuthLogin, Some(actor), meta)
        .detail("session_id", session_id.as_str())
        .detail("amr", "pwd");
    tx.append(&event, Outcome::Success)?;
    Ok(Some(Granted::Tokens(tokens)))
}

/// A person an identity provider signed in: which provider, the methods its ID token
/// says were used (RFC 8176, comma-separated), and whether they were two factors.
pub struct Federated<'a> {
    pub provider_id: &'a str,
    pub issuer: &'a str,
    pub amr: &'a str,
    pub second_factor: bool,
}

/// What a sign-in through a provider grants.
pub enum FederatedGrant {
    Tokens(TokenResponse),
    /// The provider's sign-in was one factor and the person holds one of their own
    /// here: it is owed, with this challenge (the second step of a password sign-in).
    SecondFactorOwed(crate::error::MfaChallenge),
    /// Refused (the account disabled or locked); recorded.
    Refused(&'static str),
}

/// Grants or refuses a sign-in through an identity provider whose ID token held, in
/// the transaction that linked or provisioned the account, and records it (one
/// `auth.sso_login` entry). A second factor given at the provider counts as given
/// here; otherwise a person who holds one of their own gives it, and a person who
/// must hold one and holds none gets a session that can only enrol.
pub fn federated(
    tx: &mut AuditTx,
    ctx: &AuthContext,
    meta: &RequestMeta,
    user_id: &str,
    via: &Federated,
) -> ApiResult<FederatedGrant> {
    let user = queries::account(tx, user_id)?;
    let actor = actor_of(tx, &user)?;
    let now = crate::db::now();
    let event = || {
        Event::new(Action::AuthSsoLogin, Some(actor.clone()), meta)
            .detail("provider_id", via.provider_id)
            .detail("issuer", via.issuer)
            .detail("amr", via.amr)
    };
    let refusal = if user.is_service() {
        Some("a service account signs in with client credentials")
    } else if !user.is_active() {
        Some("disabled")
    } else if user.is_locked(now) {
        Some("locked")
    } else {
        None
    };
    if let Some(reason) = refusal {
        tx.append(&event().detail("reason", reason), Outcome::Failed)?;
        return Ok(FederatedGrant::Refused(reason));
    }
    if !via.second_factor {
        let kinds = super::challenge::kinds_held(tx, &user.id)?;
        if !kinds.is_empty() {
            let challenge = super::challenge::challenge(tx, &user.id, kinds, now)?;
            tx.append(
                &event().detail("second_factor", "owed here"),
                Outcome::Success,
            )?;
            let asked = Event::new(Action::AuthMfaChallenge, Some(actor), meta)
                .detail("factors", challenge.factors.join(","));
            tx.append(&asked, Outcome::Success)?;
            return Ok(FederatedGrant::SecondFactorOwed(challenge));
        }
    }
    queries::clear_failed_logins(tx, &user.id)?;
    let amr = if via.second_factor && !via.amr.split(',').any(|m| m == "mfa") {
        format!("{},mfa", via.amr)
            .trim_start_matches(',')
            .to_owned()
    } else {
        via.amr.to_owned()
    };
    let must_enrol =
        !via.second_factor && super::factors::required(ctx.settings.mfa, &user.roles(), false);
    let opened = OpenedSession {
        user: &user,
        amr: &amr,
        factor_at: via.second_factor.then_some(now),
        must_enrol,
    };
    let Opened { session_id, tokens } = open_session(tx, ctx, opened, now)?;
    let second_factor = if via.second_factor {
        "given at the provider"
    } else {
        "none"
    };
    tx.append(
        &event()
            .detail("session_id", session_id.as_str())
            .detail("second_factor", second_factor),
        Outcome::Success,
    )?;
    Ok(FederatedGrant::Tokens(tokens))
}

/// A spent refresh token came back: someone holds a copy. The session ends.
fn reuse_detected(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
    meta: &RequestMeta,
) -> ApiResult<()> {
    tracing::warn!(session_id, "refresh token reused; session revoked");
    let user = queries::account(conn, user_id)?;
    let actor = actor_of(conn, &user)?;
    ledger::transaction(conn, |tx| {
        queries::revoke_session(tx, session_id)?;
        let event = Event::new(Action::AuthRefreshTokenReused, Some(actor), meta)
            .detail("session_id", session_id);
        tx.append(&event, Outcome::Failed)?;
        Ok(())
    })
}

/// The audit actor for a user.
pub fn actor_of(conn: &mut DbConn, user: &UserRow) -> ApiResult<Actor> {
    let country = queries::agency_country(conn, &user.agency_id)?;
    Ok(Actor {
        user_id: user.id.clone(),
        agency_id: user.agency_id.clone(),
        country,
        machine: user.is_service(),
    })
}

enum RefreshOutcome {
    Rotated(String),
    /// A spent token came back: someone holds a copy. The session is revoked.
    Reused,
}

/// Rotates a refresh token. A token is spent by an atomic update, so two concurrent
/// uses of one token cannot both succeed: the loser counts as reuse.
pub fn refresh(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    token: &str,
) -> ApiResult<TokenResponse> {
    let now = crate::db::now();
    let hash = hash_refresh_token(token);
    let found = queries::find_refresh_token(conn, &hash)?;
    let Some(RefreshLookup {
        session_id,
        used_at,
        expires_at,
        user_id,
        revoked_at,
        session_expires,
        status,
        must_change,
        amr,
        auth_time,
        must_enrol,
        language,
    }) = found
    else {
        return Err(ApiError::InvalidRefreshToken);
    };
    if used_at.is_some() {
        reuse_detected(conn, &user_id, &session_id, meta)?;
        return Err(ApiError::InvalidRefreshToken);
    }
    if revoked_at.is_some() || expires_at <= now || session_expires <= now || status != "active" {
        return Err(ApiError::InvalidRefreshToken);
    }
    let outcome = write_tx(conn, |conn| -> ApiResult<RefreshOutcome> {
        let spent = queries::spend_refresh_token(conn, &hash, now)?;
        if spent == 0 {
            return Ok(RefreshOutcome::Reused);
        }
        insert_refresh_token(conn, &session_id, now, ctx).map(RefreshOutcome::Rotated)
    })?;
    match outcome {
        RefreshOutcome::Rotated(refresh_token) => Ok(TokenResponse {
            access_token: ctx.tokens.issue(
                &user_id,
                &session_id,
                &Authentication { amr, auth_time },
                language.as_deref(),
            )?,
            token_type: "Bearer",
            expires_in: ctx.tokens.ttl_secs(),
            refresh_token,
            password_change_required: must_change,
            factor_enrolment_required: must_enrol,
        }),
        RefreshOutcome::Reused => {
            reuse_detected(conn, &user_id, &session_id, meta)?;
            Err(ApiError::InvalidRefreshToken)
        }
    }
}

/// A wrong current password given in a password change. It counts against the
/// session, not the account: whoever holds a stolen access token cannot lock the
/// owner out by guessing, and after as many wrong guesses as a login allows, the
/// session they hold ends.
fn wrong_current_password(
    tx: &mut AuditTx,
    actor: &Actor,
    session_id: &str,
    ctx: &AuthContext,
    meta: &RequestMeta,
) -> ApiResult<()> {
    let event = Event::new(Action::AuthPasswordChange, Some(actor.clone()), meta)
        .detail("reason", "wrong current password");
    tx.append(&event, Outcome::Failed)?;
    let failures = queries::count_wrong_password_check(tx, session_id)?;
    if failures >= ctx.settings.max_failed_logins {
        queries::revoke_session(tx, session_id)?;
        tracing::warn!(session_id, "session ended after wrong current passwords");
        let event = Event::new(Action::AuthSessionRevoked, Some(actor.clone()), meta)
            .detail("session_id", session_id)
            .detail("reason", "too many wrong current passwords");
        tx.append(&event, Outcome::Success)?;
    }
    Ok(())
}

/// Changes the caller's password. The new one follows the policy and is none of the
/// last few; the caller's other sessions end.
pub fn change_password(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    user_id: &str,
    session_id: &str,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    let AccountWithAgency { user, agency_name } = queries::account_with_agency(conn, user_id)?;
    let actor = actor_of(conn, &user)?;
    if !ctx.hasher.verify(current, &user.password_hash) {
        ledger::transaction(conn, |tx| {
            wrong_current_password(tx, &actor, session_id, ctx, meta)
        })?;
        return Err(ApiError::validation("current_password", "is wrong"));
    }
    let context = password::Context {
        username: &user.username,
        display_name: &user.display_name,
        agency_name: &agency_name,
    };
    let mut errors = password::check_policy("new_password", new, &context);
    let earlier = queries::earlier_password_hashes(conn, user_id)?;
    let reused = new == current
        || std::iter::once(&user.password_hash)
            .chain(&earlier)
            .any(|hash| ctx.hasher.verify(new, hash));
    if reused {
        errors.push(FieldError::new(
            "new_password",
            format!(
                "must differ from your current password and the {} before it",
                REMEMBERED_PASSWORDS - 1
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = ctx.hasher.hash(new)?;
    ledger::transaction(conn, |tx| {
        let now = crate::db::now();
        queries::set_password(tx, user_id, &hash, now)?;
        queries::remember_password(tx, user_id, &hash, now)?;
        queries::revoke_user_sessions(tx, user_id, Some(session_id))?;
        let event = Event::new(Action::AuthPasswordChange, Some(actor), meta);
        tx.append(&event, Outcome::Success)?;
        Ok(())
    })
}
