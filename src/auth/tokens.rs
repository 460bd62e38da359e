//! Access tokens: EdDSA JWTs with a pinned algorithm, `kid`, `typ`, issuer and
//! audience, all checked on every request.

use crate::config::Settings;
use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// How far the clocks of this service and of other instances may disagree: a token
/// is accepted this long after its `exp`, before its `nbf`, and with an `iat` this far
/// in the future, and no further.
pub const LEEWAY_SECS: i64 = 5;

/// RFC 9068 media type of JWT access tokens.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's id.
    pub sub: String,
    /// The session (refresh-token family) the token was issued in.
    pub sid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// How the session was opened (RFC 8176: `pwd`, `otp`); none for a service
    /// account's client credentials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// When the person signed in (the session's start), as OpenID Connect names it.
    #[serde(default)]
    pub auth_time: i64,
    /// The language the person chose when the token was issued (`en`, `fr`, `nl`):
    /// what the answers to a request made with it are in, until the person is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// How a session was opened, as its access tokens say.
#[derive(Debug, Clone, Default)]
pub struct Authentication {
    /// Comma-separated, as the session keeps them.
    pub amr: String,
    pub auth_time: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// Tokens whose signature already verified, so that a client's next requests skip the
/// Ed25519 verification; expiry is still checked on every use.
const VERIFIED_CACHE: usize = 50_000;

pub struct TokenKeys {
    verified: std::sync::Mutex<std::collections::HashMap<String, Claims>>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    x: String,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl TokenKeys {
    pub fn new(key: &SigningKey, settings: &Settings) -> anyhow::Result<TokenKeys> {
        let public = key.verifying_key().to_bytes();
        let x = URL_SAFE_NO_PAD.encode(public);
        // RFC 7638 thumbprint of the public JWK.
        let thumbprint_input = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input.as_bytes()));
        Ok(TokenKeys {
            verified: Default::default(),
            encoding: EncodingKey::from_ed_der(&crate::keys::pkcs8_der(key)?),
            decoding: DecodingKey::from_ed_der(&public),
            kid,
            x,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl_secs: settings.access_token_ttl_secs,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(
        &self,
        user_id: &str,
        session_id: &str,
        how: &Authentication,
        language: Option<&str>,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
            amr: how
                .amr
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            auth_time: how.auth_time.and_utc().timestamp(),
            lang: language.map(str::to_owned),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some(ACCESS_TOKEN_TYP.into());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing a token: {e}")))
    }

    /// Every failure is the same 401: a client learns nothing about which check failed.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let cached = self
            .verified
            .lock()
            .ok()
            .and_then(|c| c.get(token).cloned());
        if let Some(claims) = cached {
            return if self.in_time(&claims, now) {
                Ok(claims)
            } else {
                Err(ApiError::Unauthenticated)
            };
        }
        let claims = self.verify_signed(token)?;
        if !self.in_time(&claims, now) {
            return Err(ApiError::Unauthenticated);
        }
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() >= VERIFIED_CACHE {
                cache.retain(|_, c| c.exp + LEEWAY_SECS >= now);
                if cache.len() >= VERIFIED_CACHE {
                    cache.clear();
                }
            }
            cache.insert(token.to_owned(), claims.clone());
        }
        Ok(claims)
    }

    /// The token's times hold now: not expired, already valid, not issued in the
    /// future, and not meant to live longer than this service issues tokens for (a
    /// correctly signed token with a ten-year `exp` was made by someone holding the key
    /// outside the service, or by a misconfigured instance).
    fn in_time(&self, claims: &Claims, now: i64) -> bool {
        claims.exp + LEEWAY_SECS >= now
            && claims.nbf - LEEWAY_SECS <= now
            && claims.iat - LEEWAY_SECS <= now
            && claims.exp - claims.iat <= self.ttl_secs
            && claims.nbf >= claims.iat
    }

    fn verify_signed(&self, token: &str) -> Result<Claims, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::Unauthenticated)?;
        if header.alg != Algorithm::EdDSA
            || header.kid.as_deref() != Some(self.kid.as_str())
            || header.typ.as_deref() != Some(ACCESS_TOKEN_TYP)
        {
            return Err(ApiError::Unauthenticated);
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECS as u64;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthenticated)
    }

    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: vec![Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: self.x.clone(),
                kid: self.kid.clone(),
                alg: "EdDSA".into(),
                use_: "sig".into(),
            }],
        }
    }
}
