//! OpenID Connect, the relying party's side (Core 1.0, the authorization code flow
//! with PKCE, RFC 7636): the provider's discovery document, the URL a browser is sent
//! to, the code redeemed for an ID token, and the ID token's checks (its signature
//! from the issuer's JWK Set, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`). Every call
//! out goes through the address guard of the webhooks (`CASELEDGER_WEBHOOK_ALLOW_HOSTS`
//! exempts a provider on a private network, or reached over plain `http`).

use crate::integration::egress::{self, Exemptions};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest document read from a provider.
const MAX_BYTES: usize = 256 * 1024;
/// Clock skew allowed between a provider and this service.
const LEEWAY_SECS: u64 = 60;

/// Where a provider's endpoints are (its discovery document, OpenID Connect
/// Discovery 1.0).
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// Why a step with a provider failed, in words for the audit trail and the
/// registration's field errors (never a provider's own words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl Failure {
    fn new(text: impl Into<String>) -> Failure {
        Failure(text.into())
    }
}

/// A random value for `state`, `nonce` or a PKCE verifier: 256 bits, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE challenge of a verifier (`S256`).
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The URL a browser is sent to, to sign in at the provider.
pub struct AuthorizationRequest<'a> {
    pub discovery: &'a Discovery,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub verifier: &'a str,
}

impl AuthorizationRequest<'_> {
    pub fn url(&self) -> Result<String, Failure> {
        let mut url = url::Url::parse(&self.discovery.authorization_endpoint)
            .map_err(|_| Failure::new("its authorization endpoint is not a URL"))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id)
            .append_pair("redirect_uri", self.redirect_uri)
            .append_pair("scope", self.scopes)
            .append_pair("state", self.state)
            .append_pair("nonce", self.nonce)
            .append_pair("code_challenge", &challenge_of(self.verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url.to_string())
    }
}

/// A client for calls to providers through the address guard.
pub struct Caller {
    exemptions: Exemptions,
}

impl Caller {
    pub fn new(allow_hosts: &str) -> Caller {
        Caller {
            exemptions: Exemptions::parse(allow_hosts).unwrap_or_default(),
        }
    }

    async fn guard(&self, url: &str) -> Result<(), Failure> {
        let checked = url.to_owned();
        let exemptions = self.exemptions.clone();
        match actix_web::web::block(move || egress::check(&checked, &exemptions)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(refusal)) => Err(Failure(refusal.message())),
            Err(_) => Err(Failure::new("could not be checked")),
        }
    }

    async fn read(
        &self,
        url: &str,
        mut res: awc::ClientResponse<
            impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
        >,
    ) -> Result<serde_json::Value, Failure> {
        let status = res.status().as_u16();
        let body = res
            .body()
            .limit(MAX_BYTES)
            .await
            .map_err(|_| Failure(format!("{url} answered more than 256 KiB, or cut short")))?;
        if status != 200 {
            return Err(Failure(format!("{url} answered {status}")));
        }
        serde_json::from_slice(&body).map_err(|_| Failure(format!("{url} answered no JSON")))
    }

    fn unreachable(url: &str, e: &awc::error::SendRequestError) -> Failure {
        match e {
            awc::error::SendRequestError::Timeout => {
                Failure(format!("{url} gave no answer within 10 s"))
            }
            _ => Failure(format!("{url} could not be reached")),
        }
    }

    async fn get_json(&self, url: &str) -> Result<serde_json::Value, Failure> {
        self.guard(url).await?;
        let res = egress::client(self.exemptions.clone(), TIMEOUT)
            .get(url)
            .insert_header(("accept", "application/json"))
            .insert_header(("user-agent", "caseledger-oidc/1"))
            .send()
            .await
            .map_err(|e| Self::unreachable(url, &e))?;
        self.read(url, res).await
    }

    /// The provider's discovery document, which must name `issuer` exactly.
    pub async fn discover(&self, issuer: &str) -> Result<Discovery, Failure> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc = self.get_json(&url).await?;
        let found: Discovery = serde_json::from_value(doc)
            .map_err(|_| Failure(format!("{url} is not an OpenID Connect discovery document")))?;
        if found.issuer != issuer {
            return Err(Failure(format!(
                "{url} names another issuer ({})",
                found.issuer.chars().take(200).collect::<String>()
            )));
        }
        Ok(found)
    }

    /// The issuer's signing keys.
    pub async fn keys(&self, discovery: &Discovery) -> Result<JwkSet, Failure> {
        let set = self.get_json(&discovery.jwks_uri).await?;
        serde_json::from_value(set)
            .map_err(|_| Failure(format!("{} is not a JWK Set", discovery.jwks_uri)))
    }

    /// Redeems an authorization code for the ID token (`client_secret_basic`).
    pub async fn redeem(&self, redemption: &Redemption<'_>) -> Result<String, Failure> {
        let url = redemption.discovery.token_endpoint.as_str();
        self.guard(url).await?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", redemption.code),
            ("redirect_uri", redemption.redirect_uri),
            ("code_verifier", redemption.verifier),
        ];
        // RFC 6749 §2.3.1: the client's id and secret, form-encoded, as Basic credentials.
        let encode =
            |s: &str| serde_urlencoded::to_string([("", s)]).unwrap_or_default()[1..].to_owned();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            encode(redemption.client_id),
            encode(redemption.client_secret)
        ));
        let res = egress::client(self.exemptions.clone(), TIMEOUT)
            .post(url)
            .insert_header(("accept", "application/json"))
            .insert_header(("authorization", format!("Basic {basic}")))
            .send_form(&form)
            .await
            .map_err(|e| Self::unreachable(url, &e))?;
        let answer = self.read(url, res).await?;
        answer
            .get("id_token")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .ok_or_else(|| Failure::new("the token endpoint answered no ID token"))
    }
}

/// An authorization code to redeem.
pub struct Redemption<'a> {
    pub discovery: &'a Discovery,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub code: &'a str,
    pub redirect_uri: &'a str,
    pub verifier: &'a str,
}

/// What an ID token must be: from this issuer, for this client, carrying this nonce.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
}

/// The algorithms an ID token may be signed with (never `none`, never a shared
/// secret's HMAC).
const SIGNED_WITH: [Algorithm; 7] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Checks an ID token against the issuer's keys: its claims when it holds, else why
/// not (for the audit trail).
pub fn verify(
    id_token: &str,
    keys: &JwkSet,
    expected: &Expected,
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let header = jsonwebtoken::decode_header(id_token).map_err(|_| Failure::new("not a JWT"))?;
    if !SIGNED_WITH.contains(&header.alg) {
        return Err(Failure(format!(
            "signed with {:?}, which is not a public-key algorithm",
            header.alg
        )));
    }
    let fits = |params: &AlgorithmParameters| match header.alg {
        Algorithm::ES256 | Algorithm::ES384 => {
            matches!(params, AlgorithmParameters::EllipticCurve(_))
        }
        Algorithm::EdDSA => matches!(params, AlgorithmParameters::OctetKeyPair(_)),
        _ => matches!(params, AlgorithmParameters::RSA(_)),
    };
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECS;
    let mut reason = Failure::new("no key of the issuer's fits its algorithm and kid");
    for key in keys.keys.iter().filter(|key| {
        fits(&key.algorithm)
            && header
                .kid
                .as_ref()
                .is_none_or(|kid| key.common.key_id.as_ref() == Some(kid))
    }) {
        let Ok(decoding) = DecodingKey::from_jwk(key) else {
            continue;
        };
        match jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            id_token,
            &decoding,
            &validation,
        ) {
            Ok(data) => return check_claims(data.claims, expected),
            Err(e) => {
                reason = Failure::new(match e.kind() {
                    ErrorKind::InvalidSignature => "bad signature",
                    ErrorKind::ExpiredSignature => "expired",
                    ErrorKind::ImmatureSignature => "not yet valid",
                    ErrorKind::InvalidAudience => "for another client (aud)",
                    ErrorKind::InvalidIssuer => "from another issuer (iss)",
                    ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
                    _ => "invalid",
                });
                if reason.0 != "bad signature" {
                    return Err(reason);
                }
            }
        }
    }
    Err(reason)
}

/// The checks of Core 1.0 §3.1.3.7 beyond the signature and the registered claims.
fn check_claims(
    claims: serde_json::Map<String, serde_json::Value>,
    expected: &Expected,
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str());
    if !claims.get("iat").is_some_and(|v| v.is_number()) {
        return Err(Failure::new("a required claim is missing"));
    }
    if text("nonce") != Some(expected.nonce) {
        return Err(Failure::new("its nonce is not this sign-in's"));
    }
    let audiences = match claims.get("aud") {
        Some(serde_json::Value::Array(list)) => list.len(),
        _ => 1,
    };
    if (audiences > 1 || text("azp").is_some()) && text("azp") != Some(expected.client_id) {
        return Err(Failure::new("its authorized party (azp) is another client"));
    }
    match text("sub") {
        Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(claims),
        _ => Err(Failure::new(
            "its subject (sub) is empty or longer than 255",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    /// An Ed25519 key as a provider would hold it, and its public JWK.
    fn provider_key(seed: u8) -> (EncodingKey, JwkSet) {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let der = crate::keys::pkcs8_der(&signing).unwrap();
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
        let set = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA"}]});
        (
            EncodingKey::from_ed_der(&der),
            serde_json::from_value(set).unwrap(),
        )
    }

    fn token(key: &EncodingKey, claims: serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("k1".into());
        jsonwebtoken::encode(&header, &claims, key).unwrap()
    }

    fn claims(changes: serde_json::Value) -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        let mut base = json!({"iss": "https://idp.gov.jm", "aud": "caseledger", "sub": "a1",
                              "exp": now + 300, "iat": now, "nonce": "n-1"});
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base
    }

    const EXPECTED: Expected = Expected {
        issuer: "https://idp.gov.jm",
        client_id: "caseledger",
        nonce: "n-1",
    };

    #[test]
    fn an_id_token_holds_only_when_signed_by_the_issuer_for_this_client_and_this_sign_in() {
        let (key, keys) = provider_key(1);
        let good = verify(&token(&key, claims(json!({}))), &keys, &EXPECTED).unwrap();
        assert_eq!(good["sub"], "a1");
        let now = chrono::Utc::now().timestamp();
        for (why, changes) in [
            (
                "from another issuer (iss)",
                json!({"iss": "https://idp.example"}),
            ),
            ("for another client (aud)", json!({"aud": "someone-else"})),
            ("expired", json!({"exp": now - 3600})),
            ("its nonce is not this sign-in's", json!({"nonce": "n-2"})),
            ("its nonce is not this sign-in's", json!({"nonce": null})),
            ("a required claim is missing", json!({"iat": null})),
            (
                "its authorized party (azp) is another client",
                json!({"aud": ["caseledger", "other"], "azp": "other"}),
            ),
            (
                "its subject (sub) is empty or longer than 255",
                json!({"sub": ""}),
            ),
        ] {
            let refused = verify(&token(&key, claims(changes.clone())), &keys, &EXPECTED);
            assert_eq!(refused.unwrap_err().0, why, "{changes}");
        }
        // Signed by another key, or by nobody.
        let (other, _) = provider_key(2);
        let forged = verify(&token(&other, claims(json!({}))), &keys, &EXPECTED);
        assert_eq!(forged.unwrap_err().0, "bad signature");
        let body = URL_SAFE_NO_PAD.encode(claims(json!({})).to_string());
        let unsigned = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
        assert!(verify(&unsigned, &keys, &EXPECTED).is_err());
        let hmac = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(json!({})),
            &EncodingKey::from_secret(b"caseledger"),
        )
        .unwrap();
        assert!(
            verify(&hmac, &keys, &EXPECTED)
                .unwrap_err()
                .0
                .contains("not a public-key algorithm")
        );
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_and_nonce() {
        let discovery = Discovery {
            issuer: "https://idp.gov.jm".into(),
            authorization_endpoint: "https://idp.gov.jm/auth?tenant=jm".into(),
            token_endpoint: "https://idp.gov.jm/token".into(),
            jwks_uri: "https://idp.gov.jm/jwks".into(),
        };
        let url = AuthorizationRequest {
            discovery: &discovery,
            client_id: "caseledger",
            redirect_uri: "https://cl.example/app/sso/callback",
            scopes: "openid profile",
            state: "s-1",
            nonce: "n-1",
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        }
        .url()
        .unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["tenant"], "jm");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["state"], "s-1");
        assert_eq!(q["nonce"], "n-1");
        assert_eq!(q["code_challenge_method"], "S256");
        // RFC 7636 appendix B's example.
        assert_eq!(
            q["code_challenge"],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
