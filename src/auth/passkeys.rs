//! Passkeys and security keys (WebAuthn, through `webauthn-rs`) as second factors.
//!
//! Both ceremonies have two halves: the service hands a browser a challenge, the
//! browser's authenticator answers it. Between the halves the ceremony's state is
//! kept sealed in the database (with the unconfirmed factor for a registration, in
//! `passkey_challenges` for an authentication), so that any instance finishes what
//! another began, and each challenge is answered once. User verification (a PIN or
//! a biometric on the authenticator) is required: a security key registers as a
//! passkey once it has a PIN.
//!
//! The relying party is the service as its public URL names it
//! (`CASELEDGER_PUBLIC_URL`): browsers accept passkeys only for an origin whose host
//! is a domain name, so a service reached by an IP address offers none.

use super::factors::FactorSealer;
use crate::error::{ApiError, ApiResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

/// How long a browser has to answer a challenge.
pub const CEREMONY_SECS: i64 = 300;

/// The service as a WebAuthn relying party, where its public URL allows one.
pub struct Passkeys {
    relying_party: Option<Webauthn>,
}

impl Passkeys {
    /// The relying party of `public_url` (its host is the RP ID, the URL's origin the
    /// only origin accepted), or none where the host is not a domain name.
    pub fn for_url(public_url: &str, name: &str) -> Passkeys {
        let relying_party = Url::parse(public_url).ok().and_then(|url| {
            let host = url.domain()?.to_owned();
            WebauthnBuilder::new(&host, &url)
                .ok()?
                .rp_name(name)
                .timeout(std::time::Duration::from_secs(CEREMONY_SECS as u64))
                .build()
                .ok()
        });
        Passkeys { relying_party }
    }

    pub fn offered(&self) -> bool {
        self.relying_party.is_some()
    }

    fn relying_party(&self) -> ApiResult<&Webauthn> {
        self.relying_party.as_ref().ok_or_else(|| {
            ApiError::Conflict(
                "passkeys need the service reached by a domain name: its public URL \
                 (CASELEDGER_PUBLIC_URL) names an IP address"
                    .into(),
            )
        })
    }

    /// Begins registering a passkey for a person, who may not register again one of
    /// the credentials they hold.
    pub fn begin_registration(
        &self,
        user_id: &str,
        username: &str,
        held: &[Passkey],
    ) -> ApiResult<(CreationChallengeResponse, PasskeyRegistration)> {
        let exclude: Vec<_> = held.iter().map(|p| p.cred_id().clone()).collect();
        self.relying_party()?
            .start_passkey_registration(
                user_handle(user_id),
                username,
                username,
                (!exclude.is_empty()).then_some(exclude),
            )
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("passkey registration: {e}")))
    }

    /// Finishes a registration: the credential, or `None` when the browser's answer
    /// is not one to this ceremony (another origin, another challenge, no user
    /// verification, a signature that fails).
    pub fn finish_registration(
        &self,
        answer: &RegisterPublicKeyCredential,
        state: &PasskeyRegistration,
    ) -> ApiResult<Option<Passkey>> {
        Ok(self
            .relying_party()?
            .finish_passkey_registration(answer, state)
            .ok())
    }

    /// Begins an authentication with any of a person's passkeys.
    pub fn begin_authentication(
        &self,
        held: &[Passkey],
    ) -> ApiResult<(RequestChallengeResponse, PasskeyAuthentication)> {
        self.relying_party()?
            .start_passkey_authentication(held)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("passkey authentication: {e}")))
    }

    /// Finishes an authentication: the passkey that answered, its signature counter
    /// moved on, or `None` when the answer is not a valid one to this challenge by
    /// one of `held` (a counter that went back, as a cloned key's would, is not).
    pub fn finish_authentication(
        &self,
        answer: &PublicKeyCredential,
        state: &PasskeyAuthentication,
        held: &[Passkey],
    ) -> ApiResult<Option<Passkey>> {
        let Ok(result) = self
            .relying_party()?
            .finish_passkey_authentication(answer, state)
        else {
            return Ok(None);
        };
        if !result.user_verified() {
            return Ok(None);
        }
        let Some(mut passkey) = held
            .iter()
            .find(|p| p.cred_id() == result.cred_id())
            .cloned()
        else {
            return Ok(None);
        };
        passkey.update_credential(&result);
        Ok(Some(passkey))
    }
}

/// The user handle an authenticator keeps for a person: their id where it is a UUID,
/// else one derived from it.
fn user_handle(user_id: &str) -> Uuid {
    Uuid::parse_str(user_id).unwrap_or_else(|_| {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(user_id.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&hash[..16]);
        Uuid::from_bytes(bytes)
    })
}

/// A credential's id as kept (`factors.credential_id`): base64url, unpadded.
pub fn credential_id(passkey: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(passkey.cred_id())
}

/// A ceremony's state or a credential, sealed to what it belongs to (a factor's id,
/// a sign-in's or a session's ceremony).
pub fn seal<T: Serialize>(sealer: &FactorSealer, value: &T, bound_to: &str) -> Vec<u8> {
    let json = serde_json::to_vec(value).expect("webauthn state serialises");
    sealer.seal(&json, bound_to)
}

pub fn open<T: DeserializeOwned>(
    sealer: &FactorSealer,
    sealed: &[u8],
    bound_to: &str,
) -> ApiResult<T> {
    let json = sealer
        .open(sealed, bound_to)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("sealed webauthn state does not open")))?;
    serde_json::from_slice(&json)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("sealed webauthn state: {e}")))
}

/// A browser's answer as the API took it (JSON), read as `T`: a clear error when it
/// is not one.
pub fn answer<T: DeserializeOwned>(field: &str, value: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(value).map_err(|_| {
        ApiError::validation(
            field,
            "is not a WebAuthn credential as navigator.credentials gives it (JSON, binary fields in unpadded base64url)",
        )
    })
}
