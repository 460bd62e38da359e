//! Webhook endpoints (Standard Webhooks 1.0): what a national system registers, how
//! each delivery is signed, and the schedule failed deliveries are retried on.

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::error::{ApiError, FieldError};
use crate::time::UtcTimestamp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How long a delivery attempt may take.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The delays before the 2nd to 10th attempts (the first is immediate): the
/// Standard Webhooks example schedule. After the last, the delivery has failed and
/// the endpoint is disabled.
pub const RETRY_DELAYS_SECS: [i64; 9] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER_SECS: i64 = 24 * 3600;

/// An endpoint as a national system registers it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are POSTed: `https`, to a public address (unless the operator
    /// exempts the host).
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// The event types to send (`mla.*` for a family); all when empty.
    #[schema(max_items = 50)]
    #[serde(default)]
    pub event_types: Vec<String>,
    /// The agency it is for: the caller's, by default.
    #[schema(format = Uuid)]
    pub agency_id: Option<String>,
    /// The service account whose view decides what the endpoint hears (required when
    /// an administrator registers it; a service account registers for itself).
    #[schema(format = Uuid)]
    pub service_account_id: Option<String>,
    /// How deliveries are signed: `v1` (HMAC-SHA256 with the `whsec_` secret), `v1a`
    /// (Ed25519, verified with the endpoint's published `whpk_` key), or both; `v1`
    /// when absent.
    #[schema(min_items = 1, max_items = 2)]
    pub signature_schemes: Option<Vec<SignatureScheme>>,
}

/// A Standard Webhooks signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SignatureScheme {
    #[serde(rename = "v1")]
    V1,
    #[serde(rename = "v1a")]
    V1a,
}

impl NewWebhook {
    /// The schemes to sign with, as asked (once each), `v1` by default.
    pub fn schemes(&self) -> Vec<SignatureScheme> {
        let mut out = Vec::new();
        for s in self
            .signature_schemes
            .as_deref()
            .unwrap_or(&[SignatureScheme::V1])
        {
            if !out.contains(s) {
                out.push(*s);
            }
        }
        out
    }

    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if self.url.len() > 2000 {
            errors.push(FieldError::new("url", "must be at most 2000 characters"));
        }
        if self
            .signature_schemes
            .as_ref()
            .is_some_and(|s| s.is_empty() || s.len() > 2)
        {
            errors.push(FieldError::new(
                "signature_schemes",
                "must name v1, v1a or both",
            ));
        }
        if self.event_types.len() > 50 {
            errors.push(FieldError::new("event_types", "must list at most 50 types"));
        }
        for (i, t) in self.event_types.iter().enumerate() {
            let ok = t.split_once('.').is_some_and(|(family, name)| {
                !family.is_empty()
                    && family.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && (name == "*"
                        || (!name.is_empty()
                            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')))
            });
            if !ok {
                errors.push(FieldError::new(
                    format!("event_types[{i}]"),
                    "must be an event type such as custody.appended, or a family such as mla.*",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// An endpoint as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhooks, treat_none_as_null = true)]
pub struct WebhookRow {
    pub id: String,
    pub agency_id: String,
    pub service_account_id: String,
    pub url: String,
    pub event_types: String,
    pub secret_generation: i32,
    pub previous_generation_until: Option<NaiveDateTime>,
    pub status: String,
    pub disabled_reason: Option<String>,
    pub cursor: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub signature_schemes: String,
}

impl WebhookRow {
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    pub fn schemes(&self) -> Vec<SignatureScheme> {
        serde_json::from_str(&self.signature_schemes).unwrap_or_else(|_| vec![SignatureScheme::V1])
    }

    /// The `whpk_` key that verifies this endpoint's current `v1a` signatures, when it
    /// asked for them.
    pub fn public_key(&self, key: &[u8; 32]) -> Option<String> {
        self.schemes()
            .contains(&SignatureScheme::V1a)
            .then(|| public_key_text(&signing_key(key, &self.id, self.secret_generation)))
    }

    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub agency_id: String,
    pub service_account_id: String,
    /// `active`, or `disabled` (with the reason).
    #[schema(example = "active")]
    pub status: String,
    pub disabled_reason: Option<String>,
    /// The signing secret (`whsec_...`): shown once, at registration and rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// How deliveries are signed.
    pub signature_schemes: Vec<SignatureScheme>,
    /// The Ed25519 public key (`whpk_...`) that verifies `v1a` signatures, when the
    /// endpoint asked for them: not a secret, shown at every read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    pub created_at: UtcTimestamp,
}

impl Webhook {
    pub fn new(row: WebhookRow, secret: Option<String>, key: &[u8; 32]) -> Webhook {
        Webhook {
            public_key: row.public_key(key),
            signature_schemes: row.schemes(),
            event_types: row.types(),
            id: row.id,
            url: row.url,
            agency_id: row.agency_id,
            service_account_id: row.service_account_id,
            status: row.status,
            disabled_reason: row.disabled_reason,
            secret,
            created_at: row.created_at.into(),
        }
    }
}

/// A delivery as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_deliveries, treat_none_as_null = true)]
pub struct DeliveryRow {
    pub webhook_id: String,
    pub event_seq: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A delivery in the endpoint's log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    #[schema(format = Uuid)]
    pub event_id: String,
    #[schema(example = "custody.appended")]
    pub event_type: String,
    /// `pending`, `delivered`, `failed`, or `withheld` (the endpoint's service account
    /// could no longer see the object when it was due).
    pub status: String,
    pub attempts: i32,
    /// The receiver's last HTTP status.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
    pub next_attempt_at: Option<UtcTimestamp>,
    pub updated_at: UtcTimestamp,
}

/// What to send again: one event, or every delivery of events since a time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    #[schema(format = Uuid)]
    pub event_id: Option<String>,
    #[schema(format = DateTime)]
    pub since: Option<String>,
}

/// A secret rotation: the old secret keeps signing (a second signature) for
/// `overlap_secs`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRotation {
    #[schema(minimum = 0, maximum = 2592000)]
    pub overlap_secs: Option<i64>,
}

/// An endpoint's secret of one generation, derived from the service's key.
pub fn secret(key: &[u8; 32], webhook_id: &str, generation: i32) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
    mac.update(format!("webhook secret\n{webhook_id}\n{generation}").as_bytes());
    mac.finalize().into_bytes().into()
}

/// A secret as Standard Webhooks writes it.
pub fn secret_text(secret: &[u8; 32]) -> String {
    format!("whsec_{}", STANDARD.encode(secret))
}

/// A `v1` signature: HMAC-SHA256 over `id.timestamp.body`, base64.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("any key length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// An endpoint's Ed25519 signing key of one generation, derived from the service's
/// key like its secret, never stored.
pub fn signing_key(key: &[u8; 32], webhook_id: &str, generation: i32) -> ed25519_dalek::SigningKey {
    let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
    mac.update(format!("webhook signing key\n{webhook_id}\n{generation}").as_bytes());
    let seed: [u8; 32] = mac.finalize().into_bytes().into();
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

/// A public key as Standard Webhooks writes it.
pub fn public_key_text(key: &ed25519_dalek::SigningKey) -> String {
    format!("whpk_{}", STANDARD.encode(key.verifying_key().as_bytes()))
}

/// A `v1a` signature: Ed25519 over `id.timestamp.body`, base64.
pub fn sign_v1a(key: &ed25519_dalek::SigningKey, id: &str, timestamp: i64, body: &str) -> String {
    use ed25519_dalek::Signer;
    let signature = key.sign(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1a,{}", STANDARD.encode(signature.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signatures_match_the_specification_example() {
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_differ_by_endpoint_and_generation() {
        let key = [7u8; 32];
        assert_ne!(secret(&key, "a", 1), secret(&key, "a", 2));
        assert_ne!(secret(&key, "a", 1), secret(&key, "b", 1));
        assert!(secret_text(&secret(&key, "a", 1)).starts_with("whsec_"));
    }

    #[test]
    fn v1a_signatures_verify_with_the_published_key_only() {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let key = [9u8; 32];
        let signing = signing_key(&key, "hook", 1);
        let text = sign_v1a(&signing, "msg_1", 1614265330, "{}");
        let raw = STANDARD.decode(text.strip_prefix("v1a,").unwrap()).unwrap();
        let published = public_key_text(&signing);
        let public: [u8; 32] = STANDARD
            .decode(published.strip_prefix("whpk_").unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let public = VerifyingKey::from_bytes(&public).unwrap();
        let signature = Signature::from_slice(&raw).unwrap();
        assert!(public.verify(b"msg_1.1614265330.{}", &signature).is_ok());
        assert!(public.verify(b"msg_1.1614265331.{}", &signature).is_err());
        let other = signing_key(&key, "hook", 2).verifying_key();
        assert!(other.verify(b"msg_1.1614265330.{}", &signature).is_err());
    }
}
