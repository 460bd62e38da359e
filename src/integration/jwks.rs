//! Public keys a service account publishes at a URL (a JWK Set it rotates itself):
//! read through the address guard, at registration and when an assertion needs
//! them, and kept for a while by each instance.

use super::assertion;
use super::egress::{self, Exemptions};
use super::queries;
use super::service_account::check_jwks;
use crate::error::ApiResult;
use crate::state::AppState;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long keys read from a URL are used without reading it again.
const FRESH: Duration = Duration::from_secs(300);
const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWK Set read.
const MAX_BYTES: usize = 64 * 1024;

struct Cached {
    read_at: Instant,
    keys: String,
}

/// Each instance's keys by URL (a cache: every instance reads the URL itself).
static CACHE: LazyLock<Mutex<HashMap<String, Cached>>> = LazyLock::new(Default::default);

/// The keys published for the account an assertion comes from, read before the
/// token transaction; `keys` is `None` when they could not be read.
pub struct Published {
    pub uri: String,
    pub keys: Option<String>,
}

/// Reads a JWK Set from `uri`: only where the address guard allows, with no
/// redirects, within 5 s and 64 KiB, and only a set of keys this service verifies.
/// Why it could not, in words that follow the field's name.
pub async fn fetch(state: &AppState, uri: &str) -> Result<String, String> {
    let exemptions = Exemptions::parse(&state.settings.webhook_allow_hosts).unwrap_or_default();
    let checked = uri.to_owned();
    let guard = exemptions.clone();
    match actix_web::web::block(move || egress::check(&checked, &guard)).await {
        Ok(Ok(())) => {}
        Ok(Err(refusal)) => return Err(refusal.message()),
        Err(_) => return Err("could not be checked".into()),
    }
    let client = egress::client(exemptions, TIMEOUT);
    let mut res = client
        .get(uri)
        .insert_header(("accept", "application/jwk-set+json, application/json"))
        .insert_header(("user-agent", "caseledger-jwks/1"))
        .send()
        .await
        .map_err(|e| match e {
            awc::error::SendRequestError::Timeout => "could not be read: no answer within 5 s",
            _ => "could not be read: the connection failed",
        })?;
    if res.status().as_u16() != 200 {
        return Err(format!(
            "could not be read: it answered {}",
            res.status().as_u16()
        ));
    }
    let body = res
        .body()
        .limit(MAX_BYTES)
        .await
        .map_err(|_| "could not be read: more than 64 KiB, or cut short".to_owned())?;
    let set: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| "does not hold a JSON JWK Set".to_owned())?;
    check_jwks(&set).map_err(|message| format!("holds a JWK Set that {message}"))?;
    let keys = set.to_string();
    CACHE.lock().expect("the JWKS cache").insert(
        uri.to_owned(),
        Cached {
            read_at: Instant::now(),
            keys: keys.clone(),
        },
    );
    Ok(keys)
}

/// Whether a JWK Set holds a key with this `kid`.
fn holds(keys: &str, kid: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(keys)
        .ok()
        .and_then(|set| set.get("keys").and_then(|k| k.as_array()).cloned())
        .is_some_and(|keys| {
            keys.iter()
                .any(|k| k.get("kid").and_then(|v| v.as_str()) == Some(kid))
        })
}

/// The published keys an assertion (`jwt`, from `client_id` when the form names
/// it) is checked against, when its account publishes them: from the cache while
/// fresh and holding the assertion's `kid`, else read again (a failed read falls
/// back to fresh cached keys).
pub async fn for_assertion(
    state: &AppState,
    client_id: Option<&str>,
    jwt: &str,
) -> ApiResult<Option<Published>> {
    let Some(client) = client_id
        .map(str::to_owned)
        .or_else(|| assertion::claimed_client(jwt))
    else {
        return Ok(None);
    };
    let uri = state
        .db(move |conn| {
            Ok(queries::by_client_id(conn, &client)?.and_then(|a| a.credential.jwks_uri))
        })
        .await?;
    let Some(uri) = uri else {
        return Ok(None);
    };
    let kid = jsonwebtoken::decode_header(jwt).ok().and_then(|h| h.kid);
    let cached = CACHE
        .lock()
        .expect("the JWKS cache")
        .get(&uri)
        .filter(|c| c.read_at.elapsed() < FRESH)
        .map(|c| (c.read_at.elapsed(), c.keys.clone()));
    if let Some((age, keys)) = &cached {
        let known = kid.as_deref().is_none_or(|kid| holds(keys, kid));
        // An assertion naming a key the cache does not hold reads the URL again, but
        // not more often than the setting: a stream of made-up `kid`s cannot turn
        // this service into a client hammering the system's server.
        let reread_after = Duration::from_secs(state.settings.jwks_reread_secs);
        if known || *age < reread_after {
            return Ok(Some(Published {
                uri,
                keys: Some(keys.clone()),
            }));
        }
    }
    let keys = match fetch(state, &uri).await {
        Ok(keys) => Some(keys),
        Err(reason) => {
            tracing::warn!(%reason, "a service account's published keys could not be read");
            cached.map(|(_, keys)| keys)
        }
    };
    Ok(Some(Published { uri, keys }))
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn a_set_holds_a_key_by_its_kid() {
        let set = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA","kid":"k1"}]}"#;
        assert!(holds(set, "k1"));
        assert!(!holds(set, "k2"));
        assert!(!holds("not json", "k1"));
    }
}
