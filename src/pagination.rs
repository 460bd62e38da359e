//! Keyset pagination: `limit` and an opaque `cursor` in, `{items, next_cursor}` out.
//!
//! A cursor is bound to the list that issued it: the path and every query parameter
//! but `limit` and `cursor` are signed into it with a key the instances share, so a
//! cursor from another list, with other filters, or made up, is refused with 422
//! instead of silently paging something else.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The query parameters of paging, for the OpenAPI document (see [`Paging`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page of the same list, with the same filters.
    #[param(min_length = 1, max_length = 1024, pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The key cursors are signed with; every instance sharing a database derives the
/// same one from the token signing key they share.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl CursorKey {
    pub fn derive(secret: &[u8]) -> CursorKey {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"caseledger list cursors\n");
        hash.update(secret);
        CursorKey(hash.finalize().into())
    }

    fn tag(&self, list: &str, key: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("any key length");
        mac.update(list.as_bytes());
        mac.update(b"\n");
        mac.update(key.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    fn encode(&self, list: &str, key: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{key}", self.tag(list, key)))
    }

    /// The sort key a cursor carries, if this key signed it for this list.
    fn decode(&self, list: &str, cursor: &str) -> Option<String> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
        let (tag, key) = text.split_once('\n')?;
        let expected = self.tag(list, key);
        // Compared in constant time, like any MAC.
        let same = tag.len() == expected.len()
            && tag
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then(|| key.to_owned())
    }
}

/// What a sealed position is bound to: a cursor of another kind does not open as one.
const SEALED_POSITION: &[u8] = b"caseledger sealed position v1";

impl CursorKey {
    fn sealing_cipher(&self) -> chacha20poly1305::XChaCha20Poly1305 {
        use chacha20poly1305::KeyInit as _;
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"caseledger sealed positions\n");
        hash.update(self.0);
        let key: [u8; 32] = hash.finalize().into();
        chacha20poly1305::XChaCha20Poly1305::new(&key.into())
    }

    /// A position in a sequence that only the service may read (the event feed's),
    /// sealed (XChaCha20-Poly1305, a random nonce each time): a cursor tells nothing,
    /// neither where the sequence is nor whether it moved since the last one, and one
    /// the service did not issue does not open.
    pub fn seal_position(&self, position: i64) -> String {
        use chacha20poly1305::aead::{Aead, Payload};
        let mut nonce = [0u8; 24];
        rand::fill(&mut nonce);
        let sealed = self
            .sealing_cipher()
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &position.to_be_bytes(),
                    aad: SEALED_POSITION,
                },
            )
            .expect("sealing eight bytes cannot fail");
        URL_SAFE_NO_PAD.encode([&nonce[..], &sealed].concat())
    }

    /// The position a cursor of [`CursorKey::seal_position`] holds.
    pub fn open_position(&self, cursor: &str) -> Option<i64> {
        use chacha20poly1305::aead::{Aead, Payload};
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        if bytes.len() != 24 + 8 + 16 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().ok()?;
        let opened = self
            .sealing_cipher()
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: sealed,
                    aad: SEALED_POSITION,
                },
            )
            .ok()?;
        Some(i64::from_be_bytes(opened.try_into().ok()?))
    }
}

/// The paging of one request: its limit, where it starts, and the list it pages.
pub struct Paging {
    limit: i64,
    after: Option<String>,
    list: String,
    key: CursorKey,
}

/// The list a request pages: its path and its other query parameters, in order.
fn list_of(req: &HttpRequest, pairs: &[(String, String)]) -> String {
    let mut filters: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(name, _)| name != "limit" && name != "cursor")
        .collect();
    filters.sort();
    let query = serde_urlencoded::to_string(&filters).unwrap_or_default();
    format!("{}?{query}", req.path())
}

fn paging(req: &HttpRequest) -> Result<Paging, ApiError> {
    let key = req
        .app_data::<web::Data<CursorKey>>()
        .map(|k| k.get_ref().clone())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no cursor key")))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::Malformed("the query string cannot be decoded".into()))?;
    let value = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let limit = match value("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::validation("limit", format!("must be between 1 and {MAX_LIMIT}"))
            })?,
    };
    let list = list_of(req, &pairs);
    let after = match value("cursor") {
        None => None,
        Some(cursor) => Some(key.decode(&list, cursor).ok_or_else(|| {
            ApiError::validation(
                "cursor",
                "is not a cursor this service issued for this list and these filters",
            )
        })?),
    };
    Ok(Paging {
        limit,
        after,
        list,
        key,
    })
}

impl FromRequest for Paging {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Paging, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(paging(req))
    }
}

impl Paging {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// The sort key of the last item already seen.
    pub fn after(&self) -> Option<String> {
        self.after.clone()
    }

    /// Builds a page from up to `limit + 1` rows fetched in key order.
    pub fn page<T, R>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> String,
        map: impl Fn(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last()
                .map(|last| self.key.encode(&self.list, &key(last)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_position_opens_only_with_its_key_and_tells_nothing() {
        let key = CursorKey::derive(b"one");
        let a = key.seal_position(3);
        let b = key.seal_position(3);
        assert_ne!(a, b, "the same position seals differently each time");
        assert_eq!(a.len(), 64);
        assert_eq!(key.open_position(&a), Some(3));
        assert_eq!(key.open_position(&b), Some(3));
        assert_eq!(key.open_position(&key.seal_position(0)), Some(0));
        assert_eq!(CursorKey::derive(b"two").open_position(&a), None);
        let mut forged = URL_SAFE_NO_PAD.decode(&a).unwrap();
        forged[30] ^= 1;
        assert_eq!(key.open_position(&URL_SAFE_NO_PAD.encode(&forged)), None);
        for text in ["3", "", "not base64!", &a[..60]] {
            assert_eq!(key.open_position(text), None, "{text}");
        }
    }

    #[test]
    fn a_cursor_holds_only_for_its_list_and_key() {
        let key = CursorKey::derive(b"one");
        let cursor = key.encode("/api/v1/cases?status=open", "0193");
        assert_eq!(
            key.decode("/api/v1/cases?status=open", &cursor).as_deref(),
            Some("0193")
        );
        assert_eq!(key.decode("/api/v1/cases?status=closed", &cursor), None);
        assert_eq!(key.decode("/api/v1/users?", &cursor), None);
        assert_eq!(
            CursorKey::derive(b"two").decode("/api/v1/cases?status=open", &cursor),
            None
        );
        let forged = URL_SAFE_NO_PAD.encode("00000000000000000000000000000000\n0193");
        assert_eq!(key.decode("/api/v1/cases?status=open", &forged), None);
        assert_eq!(key.decode("/api/v1/cases?status=open", "%%%"), None);
    }
}
