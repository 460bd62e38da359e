//! `Idempotency-Key` for writes from national case systems: a retried request gets
//! the first reply again; the same key with another request is refused. The reply is
//! stored in the transaction that produced it, by the engine for batched work and by
//! [`audited_once`] for work that commits on its own.

use super::chain::{Event, audited};
use crate::db::DbConn;
use crate::db::schema::idempotency_keys;
use crate::error::{ApiError, ApiResult};
use crate::reply::Reply;
use diesel::prelude::*;

/// A key a request came with: whose, which, and the fingerprint of the request
/// (method, path, canonical body) it may be replayed for.
#[derive(Debug, Clone)]
pub struct Claim {
    pub user_id: String,
    pub key: String,
    pub request_hash: String,
}

/// The stored reply for this key, if any; refuses a key reused for another request.
pub fn replay(conn: &mut DbConn, claim: &Claim) -> ApiResult<Option<Reply>> {
    let found: Option<(String, String)> = idempotency_keys::table
        .find((&claim.user_id, &claim.key))
        .select((idempotency_keys::request_hash, idempotency_keys::response))
        .get_result(conn)
        .optional()?;
    match found {
        None => Ok(None),
        Some((hash, _)) if hash != claim.request_hash => Err(ApiError::IdempotencyKeyReused),
        Some((_, stored)) if stored.is_empty() => Err(in_progress()),
        Some((_, stored)) => {
            let mut reply: Reply =
                serde_json::from_str(&stored).map_err(|e| ApiError::Internal(e.into()))?;
            reply.replayed = true;
            Ok(Some(reply))
        }
    }
}

fn in_progress() -> ApiError {
    ApiError::Conflict("a request with this Idempotency-Key is in progress".into())
}

/// Stores the reply in the transaction that produced it. A concurrent request with
/// the same key fails here, and is answered with a replay once this commits.
fn save(conn: &mut DbConn, claim: &Claim, reply: &Reply) -> ApiResult<()> {
    let stored = serde_json::to_string(reply).map_err(|e| ApiError::Internal(e.into()))?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(&claim.user_id),
            idempotency_keys::idempotency_key.eq(&claim.key),
            idempotency_keys::request_hash.eq(&claim.request_hash),
            idempotency_keys::status.eq(i32::from(reply.status.as_u16())),
            idempotency_keys::response.eq(stored),
            idempotency_keys::created_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                in_progress()
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// An audited write that commits on its own and may carry a key: a stored reply is
/// replayed; otherwise `write` runs, and its reply is stored with its audit entry.
/// When a concurrent twin won the race, its reply is replayed.
pub fn audited_once(
    conn: &mut DbConn,
    claim: Option<&Claim>,
    event: Event,
    write: impl FnOnce(&mut DbConn, &mut Event) -> ApiResult<Reply>,
) -> ApiResult<Reply> {
    let Some(claim) = claim else {
        return audited(conn, event, write);
    };
    if let Some(stored) = replay(conn, claim)? {
        return Ok(stored);
    }
    let result = audited(conn, event, |conn, event| {
        let reply = write(conn, event)?;
        save(conn, claim, &reply)?;
        Ok(reply)
    });
    match result {
        Err(ApiError::Conflict(msg)) => match replay(conn, claim)? {
            Some(stored) => Ok(stored),
            None => Err(ApiError::Conflict(msg)),
        },
        other => other,
    }
}

/// What reserving a key found.
pub enum Reservation {
    /// The key is the batch's until it ends: [`fill`] it, or [`release`] it.
    Reserved,
    /// The key was used before; this is its reply.
    Replay(Reply),
    /// The key was used for another request, or its first request is in progress.
    Refused(ApiError),
}

/// Reserves a key for a request about to be carried out in a batch. Unlike [`save`],
/// a key already taken is not an error that breaks the transaction: a twin still in
/// progress is waited for (its row lock), and its stored reply (or the refusal of a
/// key reused for another request) comes back instead.
pub fn reserve(conn: &mut DbConn, claim: &Claim) -> ApiResult<Reservation> {
    use diesel::sql_types::{Text, Timestamp};
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys \
         (user_id, idempotency_key, request_hash, status, response, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(&claim.user_id)
    .bind::<Text, _>(&claim.key)
    .bind::<Text, _>(&claim.request_hash)
    .bind::<Timestamp, _>(crate::db::now())
    .execute(conn)?;
    if inserted == 1 {
        return Ok(Reservation::Reserved);
    }
    Ok(match replay(conn, claim) {
        Ok(Some(reply)) => Reservation::Replay(reply),
        Ok(None) => Reservation::Refused(in_progress()),
        Err(e @ (ApiError::IdempotencyKeyReused | ApiError::Conflict(_))) => {
            Reservation::Refused(e)
        }
        Err(e) => return Err(e),
    })
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
