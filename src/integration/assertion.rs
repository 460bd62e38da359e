//! Client assertions (RFC 7523 §3, `private_key_jwt`): a JWT a service account signs
//! with one of its registered keys, naming itself as `iss` and `sub`, this token
//! endpoint as `aud`, with `exp` and a single-use `jti`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;

/// The type of a client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How far ahead an assertion may expire: a longer-lived one is refused, so that
/// spent `jti`s need be remembered only that long.
const MAX_LIFETIME_SECS: i64 = 3600;

/// Clock skew allowed between the client and this service.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Deserialize)]
struct Claims {
    exp: i64,
    jti: Option<String>,
}

/// A verified assertion: its `jti`, and until when it could be accepted (its `exp`
/// plus the leeway): its `jti` must be remembered as spent until then.
#[derive(Debug)]
pub struct Verified {
    pub jti: String,
    pub accepted_until: chrono::NaiveDateTime,
}

/// The client an assertion says it is from (`sub`, else `iss`), before anything of it
/// is checked: which account's keys to check it with.
pub fn claimed_client(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("sub")
        .or_else(|| claims.get("iss"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// Checks an assertion against the client's keys; the reason it fails otherwise (for
/// the audit trail, never for the client).
pub fn verify(
    jwt: &str,
    client_id: &str,
    jwks: &str,
    audience: &str,
    now: chrono::NaiveDateTime,
) -> Result<Verified, &'static str> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| "not a JWT")?;
    if !matches!(header.alg, Algorithm::ES256 | Algorithm::EdDSA) {
        return Err("not signed with ES256 or EdDSA");
    }
    let set: JwkSet =
        serde_json::from_str(jwks).map_err(|_| "the registered keys are unreadable")?;
    let fits = |params: &AlgorithmParameters| match header.alg {
        Algorithm::ES256 => matches!(params, AlgorithmParameters::EllipticCurve(_)),
        _ => matches!(params, AlgorithmParameters::OctetKeyPair(_)),
    };
    let candidates = set.keys.iter().filter(|key| {
        fits(&key.algorithm)
            && header
                .kid
                .as_ref()
                .is_none_or(|kid| key.common.key_id.as_ref() == Some(kid))
    });
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[client_id]);
    validation.sub = Some(client_id.to_owned());
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    // RFC 7523 §3: an assertion is not accepted before its `nbf`, when it has one.
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECS;
    let mut reason = "no registered key of its type and kid";
    for key in candidates {
        let Ok(decoding) = DecodingKey::from_jwk(key) else {
            continue;
        };
        match jsonwebtoken::decode::<Claims>(jwt, &decoding, &validation) {
            Ok(data) => {
                let jti = data.claims.jti.filter(|j| !j.is_empty() && j.len() <= 200);
                let Some(jti) = jti else {
                    return Err("no jti");
                };
                if data.claims.exp > now.and_utc().timestamp() + MAX_LIFETIME_SECS {
                    return Err("expires more than an hour ahead");
                }
                let accepted_until =
                    chrono::DateTime::from_timestamp(data.claims.exp + LEEWAY_SECS as i64, 0)
                        .ok_or("exp out of range")?
                        .naive_utc();
                return Ok(Verified {
                    jti,
                    accepted_until,
                });
            }
            Err(e) => {
                reason = match e.kind() {
                    ErrorKind::InvalidSignature => "bad signature",
                    ErrorKind::ExpiredSignature => "expired",
                    ErrorKind::ImmatureSignature => "not yet valid",
                    ErrorKind::InvalidAudience => "wrong audience",
                    ErrorKind::InvalidIssuer => "wrong issuer",
                    ErrorKind::InvalidSubject => "wrong subject",
                    ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
                    _ => "invalid",
                };
                if reason != "bad signature" {
                    // The signature held: the claims are what failed.
                    return Err(reason);
                }
            }
        }
    }
    Err(reason)
}
