//! The second step a sign-in owes: a person who holds a second factor gets, for a
//! first factor accepted (a password, or a provider's sign-in of one factor), a
//! short-lived, single-use `mfa_token` and the kinds of factor they hold. Below both
//! the first factors (`service`) and the second (`second_factor`).

use super::queries::{self, ChallengeRow};
use crate::db::DbConn;
use crate::error::{ApiResult, MfaChallenge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

/// How long an `mfa_token` lasts.
pub const CHALLENGE_SECS: i64 = 300;

/// The kinds of confirmed factor a person holds, each once.
pub fn kinds_held(conn: &mut DbConn, user_id: &str) -> ApiResult<Vec<String>> {
    let mut kinds: Vec<String> = queries::factors_of(conn, user_id)?
        .into_iter()
        .filter(|f| f.confirmed_at.is_some())
        .map(|f| f.kind)
        .collect();
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new `mfa_token` for a person whose password was accepted.
pub fn challenge(
    tx: &mut DbConn,
    user_id: &str,
    kinds: Vec<String>,
    now: NaiveDateTime,
) -> ApiResult<MfaChallenge> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    queries::insert_challenge(
        tx,
        &ChallengeRow {
            token_hash: token_hash(&token),
            user_id: user_id.to_owned(),
            created_at: now,
            expires_at: now + Duration::seconds(CHALLENGE_SECS),
            used_at: None,
        },
    )?;
    Ok(MfaChallenge {
        mfa_token: token,
        expires_in: CHALLENGE_SECS,
        factors: kinds,
    })
}
