//! Service accounts: what an administrator registers, what the API shows, and the
//! keys a client signs its assertions with.

use crate::auth::roles::Role;
use crate::db::schema::service_credentials;
use crate::error::{ApiError, FieldError};
use crate::time::UtcTimestamp;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::string_enum! {
    /// How a service account authenticates at the token endpoint.
    AuthMethod {
        /// A secret, sent as `client_secret` or with HTTP Basic.
        ClientSecret => "client_secret",
        /// A JWT signed with one of its registered keys (RFC 7523), ES256 or EdDSA.
        PrivateKeyJwt => "private_key_jwt",
    }
}

use crate::auth::account::SERVICE_REFUSED_ROLES as REFUSED_ROLES;

/// Keys of a JWK Set a service account may register at most.
const MAX_KEYS: usize = 10;

/// A service account as an administrator registers it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceAccount {
    #[schema(format = Uuid)]
    pub agency_id: String,
    /// What the system is, such as `JCF case management mirror`.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The roles it acts in (never `admin` or `regional_admin`).
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
    pub auth_method: AuthMethod,
    /// Its public keys, a JWK Set (`{"keys": [...]}`) of P-256 (`EC`) or Ed25519
    /// (`OKP`) keys: required for `private_key_jwt`, refused otherwise.
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Or where the system publishes that JWK Set (`https`, a public address unless
    /// the operator exempts the host): read at registration, then cached for five
    /// minutes and read again when an assertion names a key it does not hold, so the
    /// system rotates its keys itself. One of `jwks` and `jwks_uri` for
    /// `private_key_jwt`.
    #[schema(min_length = 1, max_length = 2000)]
    pub jwks_uri: Option<String>,
}

impl NewServiceAccount {
    /// Every problem at once.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError::new("name", "must be 1 to 200 characters"));
        }
        if self.roles.is_empty() {
            errors.push(FieldError::new("roles", "must name at least one role"));
        }
        if self.roles.iter().any(|r| REFUSED_ROLES.contains(r)) {
            errors.push(FieldError::new(
                "roles",
                "a service account may not hold admin or regional_admin",
            ));
        }
        match (&self.auth_method, &self.jwks, &self.jwks_uri) {
            (AuthMethod::PrivateKeyJwt, None, None) => errors.push(FieldError::new(
                "jwks",
                "is required for private_key_jwt (or jwks_uri)",
            )),
            (AuthMethod::PrivateKeyJwt, Some(_), Some(_)) => errors.push(FieldError::new(
                "jwks_uri",
                "give the keys or their URL, not both",
            )),
            (AuthMethod::PrivateKeyJwt, Some(jwks), None) => {
                if let Err(message) = check_jwks(jwks) {
                    errors.push(FieldError::new("jwks", message));
                }
            }
            (AuthMethod::PrivateKeyJwt, None, Some(uri)) => {
                if uri.trim().is_empty() || uri.len() > 2000 {
                    errors.push(FieldError::new("jwks_uri", "must be 1 to 2000 characters"));
                }
            }
            (AuthMethod::ClientSecret, jwks, uri) => {
                if jwks.is_some() {
                    errors.push(FieldError::new("jwks", "is only for private_key_jwt"));
                }
                if uri.is_some() {
                    errors.push(FieldError::new("jwks_uri", "is only for private_key_jwt"));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A JWK Set of 1 to 10 public keys this service verifies: P-256 or Ed25519, with no
/// private members.
pub fn check_jwks(jwks: &serde_json::Value) -> Result<(), String> {
    let keys = jwks
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("must be a JWK Set: {\"keys\": [...]}")?;
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return Err(format!("must hold 1 to {MAX_KEYS} keys"));
    }
    for (i, key) in keys.iter().enumerate() {
        if key.get("d").is_some() {
            return Err(format!(
                "keys[{i}] holds a private key: register the public key only"
            ));
        }
        let kind = (
            key.get("kty").and_then(|v| v.as_str()),
            key.get("crv").and_then(|v| v.as_str()),
        );
        if !matches!(
            kind,
            (Some("EC"), Some("P-256")) | (Some("OKP"), Some("Ed25519"))
        ) {
            return Err(format!(
                "keys[{i}] must be a P-256 (EC) or Ed25519 (OKP) key"
            ));
        }
        let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.clone())
            .map_err(|_| format!("keys[{i}] is not a valid JWK"))?;
        jsonwebtoken::DecodingKey::from_jwk(&parsed)
            .map_err(|_| format!("keys[{i}] is not a valid public key"))?;
    }
    Ok(())
}

/// A new random client secret (256 bits), as shown once.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("cls_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new client id: it is the account's username.
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    format!("svc-{}", hex::encode(bytes))
}

/// How a service account authenticates, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = service_credentials, treat_none_as_null = true)]
pub struct CredentialRow {
    pub user_id: String,
    pub auth_method: String,
    pub secret_hash: Option<String>,
    pub previous_secret_hash: Option<String>,
    pub previous_valid_until: Option<NaiveDateTime>,
    pub jwks: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub jwks_uri: Option<String>,
}

/// A service account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccount {
    /// Its user id: audit entries name it as actor, marked `machine`.
    #[schema(format = Uuid)]
    pub id: String,
    /// Its `client_id` at the token endpoint.
    #[schema(example = "svc-4f1c2a9b0d3e7a61")]
    pub client_id: String,
    pub name: String,
    pub agency_id: String,
    pub country: String,
    pub roles: Vec<Role>,
    pub auth_method: AuthMethod,
    /// Where its public keys are read from, when it publishes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    pub active: bool,
    /// The secret: shown once, when the account is created or its secret rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Until when the secret before the last rotation still works.
    pub previous_secret_valid_until: Option<UtcTimestamp>,
    pub created_at: UtcTimestamp,
}

/// A rotation of a client secret.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRotation {
    /// How long the current secret keeps working, in seconds (default a day, at most
    /// 30 days; 0 ends it at once).
    #[schema(minimum = 0, maximum = 2592000)]
    pub overlap_secs: Option<i64>,
}

/// How long an old secret keeps working after a rotation, in seconds: default a day,
/// at most 30 days.
pub fn overlap(secs: Option<i64>) -> Result<i64, ApiError> {
    let secs = secs.unwrap_or(86_400);
    if (0..=30 * 86_400).contains(&secs) {
        Ok(secs)
    } else {
        Err(ApiError::validation(
            "overlap_secs",
            "must be 0 to 2592000 seconds",
        ))
    }
}
