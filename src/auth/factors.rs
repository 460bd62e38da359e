//! Second factors: TOTP codes (RFC 6238: 30-second steps, one step of skew, each
//! step's code accepted once) and recovery codes (shown once, hashed like passwords,
//! each usable once). Who must hold one is the `CASELEDGER_MFA` policy's; whoever
//! holds one gives it at every sign-in.

use super::roles::Role;
use crate::config::MfaPolicy;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Totp};
use utoipa::ToSchema;

/// The kinds of second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// A code from an authenticator app (RFC 6238).
    Totp,
    /// A passkey or a security key (WebAuthn), with user verification.
    Webauthn,
}

impl FactorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Totp => "totp",
            FactorKind::Webauthn => "webauthn",
        }
    }

    pub fn parse(text: &str) -> Option<FactorKind> {
        match text {
            "totp" => Some(FactorKind::Totp),
            "webauthn" => Some(FactorKind::Webauthn),
            _ => None,
        }
    }

    /// The authentication method it adds to a session (RFC 8176).
    pub fn amr(self) -> &'static str {
        match self {
            FactorKind::Totp => "otp",
            // Proof of possession of a hardware-secured key.
            FactorKind::Webauthn => "hwk",
        }
    }
}

/// The roles whose holders must hold a second factor under `privileged`.
pub const PRIVILEGED: [Role; 6] = [
    Role::Admin,
    Role::RegionalAdmin,
    Role::Prosecutor,
    Role::CentralAuthority,
    Role::ContactPoint,
    Role::Auditor,
];

/// Whether a person with `roles` must hold a second factor (service accounts never:
/// their client credentials are their strong factor).
pub fn required(policy: MfaPolicy, roles: &[Role], machine: bool) -> bool {
    !machine
        && match policy {
            MfaPolicy::Required => true,
            MfaPolicy::Privileged => roles.iter().any(|r| PRIVILEGED.contains(r)),
            MfaPolicy::Off => false,
        }
}

/// The gate of the actions that ask for a second factor given lately (approving or
/// submitting a request, changing roles, service accounts and their secrets, legal
/// bases, resetting factors, destroying evidence, changing one's own factors): the
/// policy (`CASELEDGER_MFA`) and how recent is recent (`CASELEDGER_STEP_UP_SECS`).
#[derive(Debug, Clone, Copy)]
pub struct StepUp {
    pub policy: MfaPolicy,
    pub window_secs: i64,
}

impl StepUp {
    pub fn of(settings: &crate::config::Settings) -> StepUp {
        StepUp {
            policy: settings.mfa,
            window_secs: settings.step_up_secs,
        }
    }

    /// Refuses (401 `step-up-required`) a person who has not given a second factor in
    /// the window. Not asked: service accounts (their client credentials are their
    /// strong factor), and a person whom the policy lets hold no factor and who has
    /// given none in this session (whoever holds one gives it at sign-in, so such a
    /// person holds none: there is nothing to ask for).
    pub fn require(&self, caller: &super::Principal) -> crate::error::ApiResult<()> {
        if caller.machine {
            return Ok(());
        }
        let given = match caller.factor_at {
            Some(at) if (crate::db::now() - at).num_seconds() <= self.window_secs => return Ok(()),
            Some(_) => true,
            None => false,
        };
        if given || required(self.policy, &caller.roles, caller.machine) {
            Err(crate::error::ApiError::StepUpRequired)
        } else {
            Ok(())
        }
    }
}

/// Seals factor secrets at rest (XChaCha20-Poly1305, bound to the factor's id).
pub struct FactorSealer(XChaCha20Poly1305);

/// A sealed secret that does not open: altered, or sealed under another key.
#[derive(Debug)]
pub struct Unopenable;

const SEAL_AAD: &[u8] = b"caseledger factor secret\n";

impl FactorSealer {
    /// A sealer whose key is derived from `root` (the store's key-encryption key).
    pub fn derive(root: &[u8; 32]) -> FactorSealer {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"caseledger factor secrets\n");
        hash.update(root);
        let key: [u8; 32] = hash.finalize().into();
        FactorSealer(XChaCha20Poly1305::new(&key.into()))
    }

    pub fn seal(&self, secret: &[u8], factor_id: &str) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::fill(&mut nonce);
        let aad = [SEAL_AAD, factor_id.as_bytes()].concat();
        let sealed = self
            .0
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: secret,
                    aad: &aad,
                },
            )
            .expect("a secret seals");
        [&nonce[..], &sealed].concat()
    }

    pub fn open(&self, sealed: &[u8], factor_id: &str) -> Result<Vec<u8>, Unopenable> {
        if sealed.len() < 24 {
            return Err(Unopenable);
        }
        let (nonce, body) = sealed.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| Unopenable)?;
        let aad = [SEAL_AAD, factor_id.as_bytes()].concat();
        self.0
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| Unopenable)
    }
}

/// A TOTP secret's length: 160 bits, as RFC 4226 recommends.
pub const TOTP_SECRET_BYTES: usize = 20;
/// A TOTP step, in seconds.
pub const TOTP_STEP_SECS: u64 = 30;

pub fn new_totp_secret() -> Vec<u8> {
    let mut secret = vec![0u8; TOTP_SECRET_BYTES];
    rand::fill(secret.as_mut_slice());
    secret
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Totp {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(TOTP_STEP_SECS)
        .with_secret(secret.to_vec())
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build_noncompliant()
}

/// The `otpauth://` URI an authenticator app reads (from its QR code).
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    totp(secret, issuer, account)
        .to_url()
        .expect("an account name without a colon makes a URI")
}

/// The secret in base 32 (RFC 4648, unpadded), as apps take it typed in.
pub fn base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// The step (30-second window since the epoch) whose code `code` is, within one step
/// of `unix_secs`; `None` when it is none of the three.
pub fn matching_step(secret: &[u8], code: &str, unix_secs: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret, "", "").check(code, unix_secs)
}

/// The code of the step that holds `unix_secs` (what an authenticator app shows).
pub fn code_at(secret: &[u8], unix_secs: u64) -> String {
    totp(secret, "", "").generate(unix_secs).to_string()
}

/// `uri` as a QR code, an SVG image drawn here.
pub fn qr_svg(uri: &str) -> String {
    let code = qrcode::QrCode::new(uri.as_bytes()).expect("an otpauth URI fits a QR code");
    code.render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build()
}

/// How many recovery codes a person gets at once.
pub const RECOVERY_CODES: usize = 10;
/// The characters of a recovery code (Crockford's base 32: no I, L, O or U).
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// How long a recovery code's lookup prefix is, in characters.
pub const RECOVERY_LOOKUP_CHARS: usize = 4;

/// A new recovery code: 16 characters (80 bits), written in four groups.
pub fn new_recovery_code() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| RECOVERY_ALPHABET[usize::from(b & 31)] as char)
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed, in the form it was hashed in: lower case, without
/// separators or spaces; `None` when it cannot be one.
pub fn normalized_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == 16 && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret and times (the last six digits of its codes).
    #[test]
    fn codes_are_rfc_6238s() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(secret, time), code, "at {time}");
            assert_eq!(matching_step(secret, code, time), Some(time / 30));
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_early_or_late_and_no_further() {
        let secret = new_totp_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now);
        assert_eq!(matching_step(&secret, &code, now), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now - 30), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 60), None);
        assert_eq!(matching_step(&secret, &code, now - 60), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn secrets_open_only_for_their_factor_and_key() {
        let sealer = FactorSealer::derive(&[7; 32]);
        let sealed = sealer.seal(b"secret", "factor-1");
        assert_eq!(sealer.open(&sealed, "factor-1").unwrap(), b"secret");
        assert!(sealer.open(&sealed, "factor-2").is_err());
        assert!(
            FactorSealer::derive(&[8; 32])
                .open(&sealed, "factor-1")
                .is_err()
        );
    }

    #[test]
    fn recovery_codes_read_back_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19);
        let plain = normalized_recovery_code(&code).unwrap();
        assert_eq!(
            normalized_recovery_code(&code.to_uppercase()),
            Some(plain.clone())
        );
        assert_eq!(normalized_recovery_code(&plain), Some(plain));
        assert_eq!(normalized_recovery_code("too-short"), None);
        assert_eq!(normalized_recovery_code("iiii-llll-oooo-uuuu"), None);
    }

    #[test]
    fn secrets_are_written_in_base_32() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn the_policy_names_who_must_hold_a_factor() {
        use MfaPolicy::*;
        assert!(required(Required, &[Role::Investigator], false));
        assert!(!required(Required, &[Role::Investigator], true));
        assert!(!required(
            Privileged,
            &[Role::Investigator, Role::Monitor],
            false
        ));
        assert!(required(
            Privileged,
            &[Role::Investigator, Role::Prosecutor],
            false
        ));
        assert!(!required(Off, &[Role::Admin], false));
    }
}
