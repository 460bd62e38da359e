//! `Idempotency-Key` for writes from national case systems: a retried request gets
//! the first response again; the same key with another request is refused.

use crate::db::DbConn;
use crate::db::schema::idempotency_keys;
use crate::error::{ApiError, ApiResult};
use crate::reply::Reply;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use diesel::prelude::*;

/// The request's `Idempotency-Key`, when it sent one, with the method and path it
/// came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key: Option<String>,
    target: String,
}

/// A key and the fingerprint of the request it came with.
pub type Keyed = Option<(String, String)>;

impl IdempotencyKey {
    /// The key and the request's fingerprint (method, path, canonical JSON body),
    /// computed only when the client sent a key.
    pub fn with_body(self, body: &impl serde::Serialize) -> Keyed {
        let key = self.key?;
        let body = serde_json::to_value(body).unwrap_or_default();
        let canonical = crate::jcs::to_string(&body).unwrap_or_default();
        let hash = crate::audit::sha256_hex(format!("{}\n{canonical}", self.target).as_bytes());
        Some((key, hash))
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<ApiResult<IdempotencyKey>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req.headers().get("idempotency-key").map(|v| {
            let visible = |b: &u8| (0x21..=0x7e).contains(b);
            Some(v.as_bytes())
                .filter(|k| (1..=255).contains(&k.len()) && k.iter().all(visible))
                .and_then(|k| std::str::from_utf8(k).ok())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::validation(
                        "Idempotency-Key",
                        "must be 1 to 255 visible ASCII characters",
                    )
                })
        });
        let target = format!("{} {}", req.method(), req.path());
        std::future::ready(key.transpose().map(|key| IdempotencyKey { key, target }))
    }
}

/// The stored reply for this key, if any; refuses a key reused for another request.
pub fn replay(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    request_hash: &str,
) -> ApiResult<Option<Reply>> {
    let found: Option<(String, String)> = idempotency_keys::table
        .find((user_id, key))
        .select((idempotency_keys::request_hash, idempotency_keys::response))
        .first(conn)
        .optional()?;
    match found {
        None => Ok(None),
        Some((hash, _)) if hash != request_hash => Err(ApiError::IdempotencyKeyReused),
        Some((_, stored)) => {
            let mut reply: Reply =
                serde_json::from_str(&stored).map_err(|e| ApiError::Internal(e.into()))?;
            reply.replayed = true;
            Ok(Some(reply))
        }
    }
}

/// Stores the response in the transaction that produced it. A concurrent request
/// with the same key fails here, and is answered with a replay once this commits.
pub fn save(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    request_hash: &str,
    reply: &Reply,
) -> ApiResult<()> {
    let stored = serde_json::to_string(reply).map_err(|e| ApiError::Internal(e.into()))?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(i32::from(reply.status.as_u16())),
            idempotency_keys::response.eq(stored),
            idempotency_keys::created_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                ApiError::Conflict("a request with this Idempotency-Key is in progress".into())
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// What reserving a key found.
pub enum Reservation {
    /// The key is ours until the transaction ends: fill it with [`fill`], or give it
    /// back with [`release`].
    Reserved,
    /// The key was used before; this is its reply.
    Replay(Reply),
}

/// Reserves a key for a request about to be carried out, for writers that handle
/// many keyed requests in one transaction (the custody log's). Unlike [`save`], a key
/// already taken is not an error that breaks the transaction: a twin still in
/// progress is waited for, and its stored reply (or the refusal of a key reused for
/// another request) comes back instead.
pub fn reserve(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    request_hash: &str,
) -> ApiResult<Reservation> {
    use diesel::sql_types::{Text, Timestamp};
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys \
         (user_id, idempotency_key, request_hash, status, response, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(user_id)
    .bind::<Text, _>(key)
    .bind::<Text, _>(request_hash)
    .bind::<Timestamp, _>(crate::db::now())
    .execute(conn)?;
    if inserted == 1 {
        return Ok(Reservation::Reserved);
    }
    match replay(conn, user_id, key, request_hash)? {
        Some(reply) => Ok(Reservation::Replay(reply)),
        None => Err(ApiError::Conflict(
            "a request with this Idempotency-Key is in progress".into(),
        )),
    }
}

/// Stores the reply of a request whose key was reserved, in the same transaction.
pub fn fill(conn: &mut DbConn, user_id: &str, key: &str, reply: &Reply) -> ApiResult<()> {
    let stored = serde_json::to_string(reply).map_err(|e| ApiError::Internal(e.into()))?;
    let updated = diesel::update(idempotency_keys::table.find((user_id, key)))
        .set((
            idempotency_keys::status.eq(i32::from(reply.status.as_u16())),
            idempotency_keys::response.eq(stored),
        ))
        .execute(conn)?;
    if updated != 1 {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a reserved Idempotency-Key was not found"
        )));
    }
    Ok(())
}

/// Gives back a reserved key whose request failed, so that a retry runs again.
pub fn release(conn: &mut DbConn, user_id: &str, key: &str) -> ApiResult<()> {
    diesel::delete(idempotency_keys::table.find((user_id, key))).execute(conn)?;
    Ok(())
}

/// Runs an idempotent write: replays a stored response, or runs `write` (which must
/// call [`save`] inside its transaction) and, if a concurrent twin won the race,
/// replays the twin's response.
pub fn run(
    conn: &mut DbConn,
    user_id: &str,
    keyed: &Keyed,
    write: impl FnOnce(&mut DbConn) -> ApiResult<Reply>,
) -> ApiResult<Reply> {
    let Some((key, request_hash)) = keyed else {
        return write(conn);
    };
    if let Some(stored) = replay(conn, user_id, key, request_hash)? {
        return Ok(stored);
    }
    match write(conn) {
        Err(ApiError::Conflict(msg)) => match replay(conn, user_id, key, request_hash)? {
            Some(stored) => Ok(stored),
            None => Err(ApiError::Conflict(msg)),
        },
        other => other,
    }
}
