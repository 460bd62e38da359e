//! A person's second factors: enrolment and confirmation, removal, recovery codes,
//! the second step of a sign-in and a factor given again in a session (step-up).
//! Blocking code, like `service`: recovery codes are argon2id hashes.

use super::Principal;
use super::challenge::{kinds_held, token_hash};
use super::factors::{self, FactorKind};
use super::passkeys;
use super::queries::{self, FactorRow, PasskeyChallengeRow, RecoveryCodeRow};
use super::service::{
    AuthContext, Opened, OpenedSession, TokenResponse, actor_of, record_failed_password,
};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{self, Action, Actor, AuditTx, Event, Outcome};
use crate::observability::RequestMeta;
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential,
};

/// A factor as its holder sees it (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Factor {
    pub id: String,
    pub kind: FactorKind,
    pub label: String,
    /// False until confirmed with a first code: until then it is of no use.
    pub confirmed: bool,
    pub created_at: crate::time::UtcTimestamp,
    pub last_used_at: Option<crate::time::UtcTimestamp>,
}

impl Factor {
    fn of(row: &FactorRow) -> Factor {
        Factor {
            id: row.id.clone(),
            kind: FactorKind::parse(&row.kind).unwrap_or(FactorKind::Totp),
            label: row.label.clone(),
            confirmed: row.confirmed_at.is_some(),
            created_at: row.created_at.into(),
            last_used_at: row.last_used_at.map(Into::into),
        }
    }
}

/// A person's factors and how many recovery codes they have left.
#[derive(Debug, Serialize, ToSchema)]
pub struct Factors {
    pub items: Vec<Factor>,
    pub recovery_codes_left: i64,
}

pub fn list(conn: &mut DbConn, user_id: &str) -> ApiResult<Factors> {
    Ok(Factors {
        items: queries::factors_of(conn, user_id)?
            .iter()
            .map(Factor::of)
            .collect(),
        recovery_codes_left: queries::recovery_codes_left(conn, user_id)?,
    })
}

/// A second factor as given: a code from an authenticator app, a recovery code, or
/// a passkey's answer to the challenge the sign-in or session was given.
#[derive(Debug, Clone)]
pub enum Proof {
    Code(String),
    RecoveryCode(String),
    Passkey(Box<PublicKeyCredential>),
}

/// What a proof was checked to be, before it is spent.
enum Checked {
    /// The code of this step of this factor.
    Code { factor_id: String, step: i64 },
    /// The recovery code with this lookup prefix.
    RecoveryCode { lookup: String },
    /// This passkey answered the challenge of this ceremony; `sealed` is its
    /// credential with the signature counter moved on.
    Passkey {
        factor_id: String,
        sealed: Vec<u8>,
        ceremony: String,
    },
    /// Wrong: no factor's code, no recovery code, no passkey's valid answer.
    Wrong,
}

impl Checked {
    fn kind(&self) -> &'static str {
        match self {
            Checked::Code { .. } => "totp",
            Checked::RecoveryCode { .. } => "recovery_code",
            Checked::Passkey { .. } => "webauthn",
            Checked::Wrong => "none",
        }
    }

    fn amr(&self) -> &'static str {
        match self {
            Checked::Code { .. } => "pwd,otp,mfa",
            Checked::Passkey { .. } => "pwd,hwk,mfa",
            Checked::RecoveryCode { .. } | Checked::Wrong => "pwd,mfa",
        }
    }
}

/// The kind of factor a proof claims to be, before it is checked.
fn proof_kind(proof: &Proof) -> &'static str {
    match proof {
        Proof::Code(_) => "totp",
        Proof::RecoveryCode(_) => "recovery_code",
        Proof::Passkey(_) => "webauthn",
    }
}

/// Where a session's own passkey ceremony (for a step-up) is kept.
fn session_ceremony(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// A person's confirmed passkeys, each with its factor's id.
fn passkeys_held(
    conn: &mut DbConn,
    ctx: &AuthContext,
    user_id: &str,
) -> ApiResult<Vec<(String, Passkey)>> {
    queries::factors_of(conn, user_id)?
        .into_iter()
        .filter(|f| f.confirmed_at.is_some() && f.kind == FactorKind::Webauthn.as_str())
        .map(|f| Ok((f.id.clone(), passkeys::open(ctx.sealer, &f.secret, &f.id)?)))
        .collect()
}

/// The options a browser's `navigator.credentials.get` takes to answer with one of
/// the person's passkeys; the challenge is kept, sealed, under `ceremony`.
fn passkey_challenge(
    conn: &mut DbConn,
    ctx: &AuthContext,
    user_id: &str,
    ceremony: &str,
    expires_at: NaiveDateTime,
) -> ApiResult<serde_json::Value> {
    let held: Vec<Passkey> = passkeys_held(conn, ctx, user_id)?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if held.is_empty() {
        return Err(ApiError::Conflict("no passkey is registered".into()));
    }
    let (options, state) = ctx.passkeys.begin_authentication(&held)?;
    queries::replace_passkey_challenge(
        conn,
        &PasskeyChallengeRow {
            bound_to: ceremony.to_owned(),
            user_id: user_id.to_owned(),
            state: passkeys::seal(ctx.sealer, &state, ceremony),
            expires_at,
        },
    )?;
    Ok(serde_json::to_value(options).expect("options serialise"))
}

/// A passkey challenge for the second step of a sign-in (its `mfa_token`): 401 as
/// for a wrong factor when the token is unknown, spent or expired, 409 when the
/// person holds no passkey.
pub fn login_challenge(
    conn: &mut DbConn,
    ctx: &AuthContext,
    mfa_token: &str,
) -> ApiResult<serde_json::Value> {
    let hash = token_hash(mfa_token);
    let now = crate::db::now();
    let found = queries::challenge(conn, &hash)?
        .filter(|c| c.used_at.is_none() && c.expires_at > now)
        .ok_or(ApiError::InvalidSecondFactor)?;
    let expires_at = found
        .expires_at
        .min(now + Duration::seconds(passkeys::CEREMONY_SECS));
    passkey_challenge(conn, ctx, &found.user_id, &hash, expires_at)
}

/// A passkey challenge for a step-up in the caller's session.
pub fn step_up_challenge(
    conn: &mut DbConn,
    ctx: &AuthContext,
    caller: &Principal,
) -> ApiResult<serde_json::Value> {
    let expires_at = crate::db::now() + Duration::seconds(passkeys::CEREMONY_SECS);
    passkey_challenge(
        conn,
        ctx,
        &caller.user_id,
        &session_ceremony(&caller.session_id),
        expires_at,
    )
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Checks `proof` against a person's confirmed factors (or, with `only`, that one
/// factor, confirmed or not) and unused recovery codes, outside any transaction; a
/// passkey's answer against the challenge kept under `ceremony`.
fn check(
    conn: &mut DbConn,
    ctx: &AuthContext,
    user_id: &str,
    proof: &Proof,
    only: Option<&FactorRow>,
    ceremony: &str,
) -> ApiResult<Checked> {
    match proof {
        Proof::Passkey(answer) => {
            let now = crate::db::now();
            let Some(challenge) = queries::passkey_challenge(conn, ceremony)?
                .filter(|c| c.user_id == user_id && c.expires_at > now)
            else {
                return Ok(Checked::Wrong);
            };
            let state: PasskeyAuthentication =
                passkeys::open(ctx.sealer, &challenge.state, ceremony)?;
            let held = passkeys_held(conn, ctx, user_id)?;
            let keys: Vec<Passkey> = held.iter().map(|(_, p)| p.clone()).collect();
            let Some(updated) = ctx.passkeys.finish_authentication(answer, &state, &keys)? else {
                return Ok(Checked::Wrong);
            };
            let factor_id = held
                .iter()
                .find(|(_, p)| p.cred_id() == updated.cred_id())
                .map(|(id, _)| id.clone())
                .ok_or_else(|| {
                    ApiError::Internal(anyhow::anyhow!("a passkey without its factor"))
                })?;
            Ok(Checked::Passkey {
                sealed: passkeys::seal(ctx.sealer, &updated, &factor_id),
                factor_id,
                ceremony: ceremony.to_owned(),
            })
        }
        Proof::Code(code) => {
            let candidates = match only {
                Some(f) => vec![f.clone()],
                None => queries::factors_of(conn, user_id)?
                    .into_iter()
                    .filter(|f| f.confirmed_at.is_some() && f.kind == FactorKind::Totp.as_str())
                    .collect(),
            };
            let now = unix_now();
            for factor in candidates {
                let secret = ctx.sealer.open(&factor.secret, &factor.id).map_err(|_| {
                    ApiError::Internal(anyhow::anyhow!("a factor's secret does not open"))
                })?;
                if let Some(step) = factors::matching_step(&secret, code, now) {
                    return Ok(Checked::Code {
                        factor_id: factor.id,
                        step: i64::try_from(step).unwrap_or(i64::MAX),
                    });
                }
            }
            Ok(Checked::Wrong)
        }
        Proof::RecoveryCode(typed) => {
            let Some(code) = factors::normalized_recovery_code(typed) else {
                ctx.hasher.verify_dummy(typed);
                return Ok(Checked::Wrong);
            };
            let lookup = code[..factors::RECOVERY_LOOKUP_CHARS].to_owned();
            match queries::unused_recovery_code(conn, user_id, &lookup)? {
                Some(row) if ctx.hasher.verify(&code, &row.code_hash) => {
                    Ok(Checked::RecoveryCode { lookup })
                }
                Some(_) => Ok(Checked::Wrong),
                None => {
                    ctx.hasher.verify_dummy(&code);
                    Ok(Checked::Wrong)
                }
            }
        }
    }
}

/// Spends a checked proof (a code's step, a recovery code) in `tx`: false when it was
/// spent meanwhile or before (a code used twice).
fn spend(
    tx: &mut AuditTx,
    actor: &Actor,
    checked: &Checked,
    meta: &RequestMeta,
) -> ApiResult<bool> {
    let now = crate::db::now();
    match checked {
        Checked::Code { factor_id, step } => Ok(queries::use_step(tx, factor_id, *step, now)? == 1),
        Checked::Passkey {
            factor_id,
            sealed,
            ceremony,
        } => {
            if queries::spend_passkey_challenge(tx, ceremony, now)? == 0 {
                return Ok(false);
            }
            queries::passkey_used(tx, factor_id, sealed, now)?;
            Ok(true)
        }
        Checked::RecoveryCode { lookup } => {
            if queries::spend_recovery_code(tx, &actor.user_id, lookup, now)? == 0 {
                return Ok(false);
            }
            let left = queries::recovery_codes_left(tx, &actor.user_id)?;
            let event = Event::new(Action::AuthRecoveryCodeUsed, Some(actor.clone()), meta)
                .detail("left", left);
            tx.append(&event, Outcome::Success)?;
            Ok(true)
        }
        Checked::Wrong => Ok(false),
    }
}

/// The second step of a sign-in: the `mfa_token` a password earned and a second
/// factor. A wrong or reused factor counts toward the account's lockout as a wrong
/// password does, and leaves the token to be tried again until it expires; the
/// token is spent only by the sign-in it completes.
pub fn login(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    mfa_token: &str,
    proof: &Proof,
) -> ApiResult<TokenResponse> {
    let hash = token_hash(mfa_token);
    let Some(found) = queries::challenge(conn, &hash)? else {
        ctx.hasher.verify_dummy(mfa_token);
        let event = Event::new(Action::AuthLoginFailed, None, meta)
            .detail("reason", "unknown mfa_token")
            .detail("factor", proof_kind(proof));
        ledger::record(conn, &event, Outcome::Failed)?;
        return Err(ApiError::InvalidSecondFactor);
    };
    let checked = check(conn, ctx, &found.user_id, proof, None, &hash)?;
    let user = queries::account(conn, &found.user_id)?;
    let actor = actor_of(conn, &user)?;
    let tokens = ledger::transaction(conn, |tx| {
        let now = crate::db::now();
        let user = queries::account(tx, &found.user_id)?;
        let failed = |reason: &str| {
            Event::new(Action::AuthLoginFailed, Some(actor.clone()), meta)
                .detail("reason", reason)
                .detail("factor", checked.kind())
        };
        let refusal = if !user.is_active() {
            Some("disabled")
        } else if user.is_locked(now) {
            Some("locked")
        } else if found.used_at.is_some() || found.expires_at <= now {
            Some("mfa_token spent or expired")
        } else if matches!(checked, Checked::Wrong) {
            Some("wrong second factor")
        } else if !spend(tx, &actor, &checked, meta)? {
            Some("second factor used already")
        } else if queries::spend_challenge(tx, &hash, now)? == 0 {
            Some("mfa_token spent or expired")
        } else {
            None
        };
        if let Some(reason) = refusal {
            tx.append(&failed(reason), Outcome::Failed)?;
            if matches!(reason, "wrong second factor" | "second factor used already") {
                record_failed_password(tx, &actor, ctx.settings, meta)?;
            }
            return Ok(None);
        }
        queries::clear_failed_logins(tx, &user.id)?;
        let opened = OpenedSession {
            user: &user,
            amr: checked.amr(),
            factor_at: Some(now),
            must_enrol: false,
        };
        let Opened { session_id, tokens } = super::service::open_session(tx, ctx, opened, now)?;
        let event = Event::new(Action::AuthLogin, Some(actor.clone()), meta)
            .detail("session_id", session_id.as_str())
            .detail("amr", checked.amr())
            .detail("factor", checked.kind());
        tx.append(&event, Outcome::Success)?;
        Ok(Some(tokens))
    })?;
    tokens.ok_or(ApiError::InvalidSecondFactor)
}

/// A second factor given again in a session (step-up): the actions that ask for a
/// recent one may follow for the next `CASELEDGER_STEP_UP_SECS`. A wrong factor
/// counts toward the account's lockout.
pub fn step_up(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    caller: &Principal,
    proof: &Proof,
) -> ApiResult<()> {
    let ceremony = session_ceremony(&caller.session_id);
    let checked = check(conn, ctx, &caller.user_id, proof, None, &ceremony)?;
    let actor = Actor::from(caller);
    let granted = ledger::transaction(conn, |tx| {
        let event = Event::new(Action::AuthStepUp, Some(actor.clone()), meta)
            .detail("factor", checked.kind());
        if matches!(checked, Checked::Wrong) || !spend(tx, &actor, &checked, meta)? {
            tx.append(&event, Outcome::Failed)?;
            record_failed_password(tx, &actor, ctx.settings, meta)?;
            return Ok(false);
        }
        let amr = queries::session_amr(tx, &caller.session_id)?;
        queries::factor_given(
            tx,
            &caller.session_id,
            &with_methods(&amr, checked.amr()),
            crate::db::now(),
        )?;
        tx.append(&event, Outcome::Success)?;
        Ok(true)
    })?;
    if granted {
        Ok(())
    } else {
        Err(ApiError::validation("code", "is wrong or was used already"))
    }
}

/// A session's methods with a factor's added.
fn with_methods(amr: &str, added: &str) -> String {
    let mut methods: Vec<&str> = amr.split(',').filter(|m| !m.is_empty()).collect();
    for m in added.split(',') {
        if !methods.contains(&m) {
            methods.push(m);
        }
    }
    methods.join(",")
}

/// A factor begun: for an authenticator app (`totp`), what the app needs to hold it;
/// for a passkey (`webauthn`), the options the browser's `navigator.credentials.create`
/// takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    pub id: String,
    pub kind: FactorKind,
    pub label: String,
    /// For the authenticator app: the secret, the issuer and the account.
    #[schema(example = "otpauth://totp/caseledger:jdoe?secret=JBSWY3DPEHPK3PXP&issuer=caseledger")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<String>,
    /// The secret in base 32, to type in by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `otpauth_uri` as a QR code, an SVG image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
    /// For a passkey: `{"publicKey": PublicKeyCredentialCreationOptions}` (WebAuthn
    /// Level 3), binary fields in unpadded base64url; the browser's answer confirms the
    /// factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub creation_options: Option<serde_json::Value>,
}

/// What to enrol.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub kind: FactorKind,
    /// A name to tell it from the person's other factors (default: "Authenticator app").
    #[schema(min_length = 1, max_length = 80)]
    pub label: Option<String>,
}

/// Begins a TOTP factor: unconfirmed, of no use until a first code confirms it.
pub fn begin(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    caller: &Principal,
    request: EnrolRequest,
) -> ApiResult<Enrolment> {
    let label = match request.label.as_deref().map(str::trim) {
        None => "Authenticator app".to_owned(),
        Some(l) if l.is_empty() || l.chars().count() > 80 => {
            return Err(ApiError::validation("label", "must be 1 to 80 characters"));
        }
        Some(l) => l.to_owned(),
    };
    let label = match (request.label.is_some(), request.kind) {
        (false, FactorKind::Webauthn) => "Passkey".to_owned(),
        _ => label,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let (sealed, begun) = match request.kind {
        FactorKind::Totp => {
            let secret = factors::new_totp_secret();
            (ctx.sealer.seal(&secret, &id), Begun::Totp(secret))
        }
        FactorKind::Webauthn => {
            let held: Vec<Passkey> = passkeys_held(conn, ctx, &caller.user_id)?
                .into_iter()
                .map(|(_, p)| p)
                .collect();
            let (options, state) =
                ctx.passkeys
                    .begin_registration(&caller.user_id, &caller.username, &held)?;
            (
                passkeys::seal(ctx.sealer, &state, &id),
                Begun::Passkey(serde_json::to_value(options).expect("options serialise")),
            )
        }
    };
    let row = FactorRow {
        id: id.clone(),
        user_id: caller.user_id.clone(),
        kind: request.kind.as_str().to_owned(),
        label: label.clone(),
        secret: sealed,
        created_at: crate::db::now(),
        confirmed_at: None,
        last_step: None,
        last_used_at: None,
        credential_id: None,
    };
    let event = Event::by(Action::AuthFactorEnrol, caller, meta)
        .detail("factor_id", id.as_str())
        .detail("kind", request.kind.as_str());
    ledger::transaction(conn, |tx| {
        queries::insert_factor(tx, &row)?;
        tx.append(&event, Outcome::Success)?;
        Ok(())
    })?;
    Ok(enrolment(ctx, caller, &row, begun))
}

/// What a factor begun needs from its holder's device.
enum Begun {
    /// An authenticator app's secret.
    Totp(Vec<u8>),
    /// The browser's creation options.
    Passkey(serde_json::Value),
}

fn enrolment(ctx: &AuthContext, caller: &Principal, row: &FactorRow, begun: Begun) -> Enrolment {
    let mut enrolment = Enrolment {
        id: row.id.clone(),
        kind: FactorKind::parse(&row.kind).unwrap_or(FactorKind::Totp),
        label: row.label.clone(),
        otpauth_uri: None,
        secret: None,
        qr_svg: None,
        creation_options: None,
    };
    match begun {
        Begun::Totp(secret) => {
            let uri = factors::otpauth_uri(&secret, &ctx.settings.jwt_issuer, &caller.username);
            enrolment.qr_svg = Some(factors::qr_svg(&uri));
            enrolment.secret = Some(factors::base32(&secret));
            enrolment.otpauth_uri = Some(uri);
        }
        Begun::Passkey(options) => enrolment.creation_options = Some(options),
    }
    enrolment
}

/// An authenticator app begun and not yet confirmed, shown again to its holder (a
/// page that asks for the first code again after a wrong one); a confirmed factor's
/// secret is never shown, nor is a passkey's ceremony replayed (404).
pub fn enrolment_of(
    conn: &mut DbConn,
    ctx: &AuthContext,
    caller: &Principal,
    factor_id: &str,
) -> ApiResult<Enrolment> {
    let row = queries::factor_of(conn, &caller.user_id, factor_id)?
        .filter(|f| f.confirmed_at.is_none() && f.kind == FactorKind::Totp.as_str())
        .ok_or(ApiError::NotFound)?;
    let secret = ctx
        .sealer
        .open(&row.secret, &row.id)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a factor secret does not open")))?;
    Ok(enrolment(ctx, caller, &row, Begun::Totp(secret)))
}

/// A factor confirmed, and with the first one the person's recovery codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmed {
    pub factor: Factor,
    /// With a person's first factor: ten recovery codes, shown this once.
    pub recovery_codes: Option<Vec<String>>,
}

/// What confirms a factor: for an authenticator app the code it shows now, for a
/// passkey the browser's answer to the creation options.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The six digits the app shows now (an authenticator app).
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: Option<String>,
    /// The `PublicKeyCredential` that `navigator.credentials.create` answered, as its
    /// `toJSON()` gives it (a passkey).
    #[schema(value_type = Option<Object>)]
    pub credential: Option<serde_json::Value>,
}

/// A factor's confirmation as given.
pub enum Confirmation {
    Code(String),
    Credential(Box<RegisterPublicKeyCredential>),
}

impl ConfirmRequest {
    pub fn confirmation(self) -> ApiResult<Confirmation> {
        match (self.code, self.credential) {
            (Some(code), None) => Ok(Confirmation::Code(code)),
            (None, Some(credential)) => Ok(Confirmation::Credential(Box::new(passkeys::answer(
                "credential",
                credential,
            )?))),
            _ => Err(ApiError::validation(
                "code",
                "give exactly one of code (an authenticator app) and credential (a passkey)",
            )),
        }
    }
}

/// A factor's confirmation as checked, before it is written.
enum Proven {
    /// The app's code (to be spent).
    Code(Checked),
    /// The passkey registered: its credential's id and the credential, sealed.
    Passkey {
        credential_id: String,
        sealed: Vec<u8>,
    },
    Wrong,
}

/// Checks a factor's confirmation against what began it, outside any transaction.
fn prove(
    conn: &mut DbConn,
    ctx: &AuthContext,
    factor: &FactorRow,
    confirmation: &Confirmation,
) -> ApiResult<Proven> {
    match (FactorKind::parse(&factor.kind), confirmation) {
        (Some(FactorKind::Totp), Confirmation::Code(code)) => {
            let proof = Proof::Code(code.clone());
            match check(conn, ctx, &factor.user_id, &proof, Some(factor), "")? {
                Checked::Wrong => Ok(Proven::Wrong),
                checked => Ok(Proven::Code(checked)),
            }
        }
        (Some(FactorKind::Webauthn), Confirmation::Credential(answer)) => {
            let state: PasskeyRegistration =
                passkeys::open(ctx.sealer, &factor.secret, &factor.id)?;
            let Some(passkey) = ctx.passkeys.finish_registration(answer, &state)? else {
                return Ok(Proven::Wrong);
            };
            let credential_id = passkeys::credential_id(&passkey);
            if queries::credential_taken(conn, &credential_id)? {
                return Err(ApiError::validation(
                    "credential",
                    "this passkey is registered already",
                ));
            }
            Ok(Proven::Passkey {
                credential_id,
                sealed: passkeys::seal(ctx.sealer, &passkey, &factor.id),
            })
        }
        (Some(FactorKind::Webauthn), Confirmation::Code(_)) => Err(ApiError::validation(
            "credential",
            "a passkey is confirmed with the browser's credential, not a code",
        )),
        _ => Err(ApiError::validation(
            "code",
            "an authenticator app is confirmed with the code it shows",
        )),
    }
}

/// Confirms a factor: an authenticator app with its first code, a passkey with the
/// browser's answer to its creation options. A person who holds a factor already
/// must have given one recently; a first factor is itself the factor given, and
/// comes with ten recovery codes. The person's other sessions end.
pub fn confirm(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    caller: &Principal,
    factor_id: &str,
    confirmation: &Confirmation,
) -> ApiResult<Confirmed> {
    let factor = queries::factor_of(conn, &caller.user_id, factor_id)?.ok_or(ApiError::NotFound)?;
    if factor.confirmed_at.is_some() {
        return Err(ApiError::Conflict(
            "this factor is confirmed already".into(),
        ));
    }
    let first = kinds_held(conn, &caller.user_id)?.is_empty();
    if !first {
        factors::StepUp::of(ctx.settings).require(caller)?;
    }
    let proven = prove(conn, ctx, &factor, confirmation)?;
    let kind = FactorKind::parse(&factor.kind).unwrap_or(FactorKind::Totp);
    let codes = first.then(new_recovery_codes);
    let hashed = match &codes {
        Some(codes) => Some(hash_recovery_codes(ctx, &caller.user_id, codes)?),
        None => None,
    };
    let actor = Actor::from(caller);
    let confirmed = ledger::transaction(conn, |tx| {
        let now = crate::db::now();
        let written = match &proven {
            Proven::Code(checked) => {
                spend(tx, &actor, checked, meta)? && {
                    queries::confirm_factor(tx, factor_id, now)?;
                    true
                }
            }
            Proven::Passkey {
                credential_id,
                sealed,
            } => queries::confirm_passkey(tx, factor_id, credential_id, sealed, now)? == 1,
            Proven::Wrong => false,
        };
        if !written {
            let event = Event::new(Action::AuthFactorConfirm, Some(actor.clone()), meta)
                .detail("factor_id", factor_id)
                .detail("kind", factor.kind.as_str())
                .detail(
                    "reason",
                    match kind {
                        FactorKind::Totp => "wrong code",
                        FactorKind::Webauthn => "credential refused",
                    },
                );
            tx.append(&event, Outcome::Failed)?;
            return Ok(false);
        }
        if let Some(rows) = &hashed {
            queries::replace_recovery_codes(tx, &caller.user_id, rows)?;
        }
        let amr = queries::session_amr(tx, &caller.session_id)?;
        let methods = format!("{},mfa", kind.amr());
        queries::factor_given(tx, &caller.session_id, &with_methods(&amr, &methods), now)?;
        queries::revoke_user_sessions(tx, &caller.user_id, Some(&caller.session_id))?;
        let event = Event::new(Action::AuthFactorConfirm, Some(actor.clone()), meta)
            .detail("factor_id", factor_id)
            .detail("kind", factor.kind.as_str())
            .detail("recovery_codes", hashed.as_ref().map_or(0, Vec::len));
        tx.append(&event, Outcome::Success)?;
        Ok(true)
    })?;
    if !confirmed {
        return Err(match kind {
            FactorKind::Totp => ApiError::validation("code", "is wrong"),
            FactorKind::Webauthn => ApiError::validation(
                "credential",
                "is not an answer to this factor's creation options (another origin or challenge, no user verification, or a signature that fails)",
            ),
        });
    }
    let factor = queries::factor_of(conn, &caller.user_id, factor_id)?.ok_or(ApiError::NotFound)?;
    Ok(Confirmed {
        factor: Factor::of(&factor),
        recovery_codes: codes,
    })
}

fn new_recovery_codes() -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(factors::RECOVERY_CODES);
    while codes.len() < factors::RECOVERY_CODES {
        let code = factors::new_recovery_code();
        let lookup = &code[..factors::RECOVERY_LOOKUP_CHARS];
        if !codes.iter().any(|c| c.starts_with(lookup)) {
            codes.push(code);
        }
    }
    codes
}

fn hash_recovery_codes(
    ctx: &AuthContext,
    user_id: &str,
    codes: &[String],
) -> ApiResult<Vec<RecoveryCodeRow>> {
    let now = crate::db::now();
    codes
        .iter()
        .map(|code| {
            let plain = factors::normalized_recovery_code(code).expect("a new code reads back");
            Ok(RecoveryCodeRow {
                user_id: user_id.to_owned(),
                lookup: plain[..factors::RECOVERY_LOOKUP_CHARS].to_owned(),
                code_hash: ctx.hasher.hash(&plain).map_err(ApiError::Internal)?,
                created_at: now,
                used_at: None,
            })
        })
        .collect()
}

/// New recovery codes, replacing the old (a recent second factor needed).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes, shown this once; each works once.
    pub recovery_codes: Vec<String>,
}

pub fn renew_recovery_codes(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    caller: &Principal,
) -> ApiResult<RecoveryCodes> {
    factors::StepUp::of(ctx.settings).require(caller)?;
    if kinds_held(conn, &caller.user_id)?.is_empty() {
        return Err(ApiError::Conflict(
            "recovery codes come with a second factor: enrol one first".into(),
        ));
    }
    let codes = new_recovery_codes();
    let rows = hash_recovery_codes(ctx, &caller.user_id, &codes)?;
    let event = Event::by(Action::AuthRecoveryCodes, caller, meta).detail("count", codes.len());
    ledger::transaction(conn, |tx| {
        queries::replace_recovery_codes(tx, &caller.user_id, &rows)?;
        tx.append(&event, Outcome::Success)?;
        Ok(())
    })?;
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

/// Removes a factor (a recent second factor needed). The last one may go only where
/// the policy lets the person hold none; the person's other sessions end.
pub fn remove(
    conn: &mut DbConn,
    ctx: &AuthContext,
    meta: &RequestMeta,
    caller: &Principal,
    factor_id: &str,
) -> ApiResult<()> {
    let factor = queries::factor_of(conn, &caller.user_id, factor_id)?.ok_or(ApiError::NotFound)?;
    factors::StepUp::of(ctx.settings).require(caller)?;
    let confirmed_left = queries::factors_of(conn, &caller.user_id)?
        .iter()
        .filter(|f| f.confirmed_at.is_some() && f.id != factor.id)
        .count();
    let required = factors::required(ctx.settings.mfa, &caller.roles, caller.machine);
    if factor.confirmed_at.is_some() && confirmed_left == 0 && required {
        return Err(ApiError::Conflict(
            "you must hold a second factor: confirm another before removing this one".into(),
        ));
    }
    let event = Event::by(Action::AuthFactorRemove, caller, meta)
        .detail("factor_id", factor_id)
        .detail("kind", factor.kind.as_str());
    ledger::transaction(conn, |tx| {
        queries::delete_factor(tx, &caller.user_id, factor_id)?;
        if confirmed_left == 0 {
            queries::replace_recovery_codes(tx, &caller.user_id, &[])?;
            queries::factor_forgotten(tx, &caller.session_id)?;
        }
        queries::revoke_user_sessions(tx, &caller.user_id, Some(&caller.session_id))?;
        tx.append(&event, Outcome::Success)?;
        Ok(())
    })
}

/// Resets a person's second factors (an administrator's act, checked by the caller):
/// every factor and recovery code goes, a sign-in half done does not finish, and
/// every session ends, so that the person enrols again at their next sign-in where
/// the policy asks for a factor. Answers the kinds the person held.
pub fn reset(conn: &mut DbConn, user_id: &str) -> ApiResult<Vec<String>> {
    let held = kinds_held(conn, user_id)?;
    queries::delete_factors(conn, user_id)?;
    queries::replace_recovery_codes(conn, user_id, &[])?;
    queries::spend_challenges_of(conn, user_id, crate::db::now())?;
    queries::drop_passkey_challenges_of(conn, user_id)?;
    queries::revoke_user_sessions(conn, user_id, None)?;
    Ok(held)
}
