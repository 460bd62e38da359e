//! The log's checkpoints as its witnesses cosigned them (custody-log.md §7): each
//! witness's cosignature line per checkpoint size, kept for ever, and the size each
//! witness last cosigned, where its next consistency proof starts from.

use super::cosignature;
use super::log::{self, LogSigner, SignedCheckpoint};
use super::merkle::Hash;
use super::policy::Policy;
use crate::db::DbConn;
use crate::db::schema::{log_checkpoints, log_cosignatures, witness_positions};
use crate::error::ApiResult;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

/// How many of the newest cosigned sizes are looked through for one that meets the
/// quorum.
const LOOK_BACK: i64 = 64;

fn size_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A witness's cosignature of the checkpoint of `size`, to keep.
pub struct Cosignature {
    pub size: u64,
    pub witness_key: String,
    pub line: String,
    pub at: NaiveDateTime,
}

/// Keeps cosignatures, committed by the ledger's writer with its next batch: keeping
/// one never waits for the write lock the writer holds, and under the ledger's lock no
/// other instance keeps the same one meanwhile (a second one for the same size and
/// witness is not kept).
pub struct KeepCosignatures;

impl super::Kind for KeepCosignatures {
    type Job = Cosignature;
    type Loaded = ();

    fn loader(&self, _: &[&Cosignature]) -> Option<super::Loader<()>> {
        None
    }

    fn apply(
        &mut self,
        batch: &mut super::Batch<'_>,
        _: (),
        jobs: Vec<Cosignature>,
    ) -> ApiResult<Vec<ApiResult<crate::reply::Reply>>> {
        let mut kept = BTreeSet::new();
        let mut replies = Vec::with_capacity(jobs.len());
        for job in jobs {
            let fresh = kept.insert((job.size, job.witness_key.clone()))
                && !has(batch.conn(), job.size, &job.witness_key)?;
            if fresh {
                diesel::insert_into(log_cosignatures::table)
                    .values((
                        log_cosignatures::tree_size.eq(size_of(job.size)),
                        log_cosignatures::witness.eq(&job.witness_key),
                        log_cosignatures::line.eq(&job.line),
                        log_cosignatures::received_at.eq(job.at),
                    ))
                    .execute(batch.conn())?;
            }
            replies.push(Ok(crate::reply::Reply::empty()));
        }
        Ok(replies)
    }
}

pub fn has(conn: &mut DbConn, size: u64, witness_key: &str) -> ApiResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        log_cosignatures::table
            .filter(log_cosignatures::tree_size.eq(size_of(size)))
            .filter(log_cosignatures::witness.eq(witness_key)),
    ))
    .get_result(conn)?)
}

/// The size a witness last cosigned, as this service knows it (0: none): the
/// largest it cosigned for this service, or the size it said it was at, whichever is
/// larger (so that a cosignature costs one write, not two).
pub fn position(conn: &mut DbConn, witness_key: &str) -> ApiResult<u64> {
    let (said, cosigned): (Option<i64>, Option<i64>) = diesel::select((
        witness_positions::table
            .find(witness_key)
            .select(witness_positions::tree_size)
            .single_value(),
        log_cosignatures::table
            .filter(log_cosignatures::witness.eq(witness_key))
            .select(diesel::dsl::max(log_cosignatures::tree_size))
            .single_value(),
    ))
    .get_result(conn)?;
    let size = said.unwrap_or(0).max(cosigned.unwrap_or(0));
    Ok(u64::try_from(size).unwrap_or(0))
}

pub fn set_position(
    conn: &mut DbConn,
    witness_key: &str,
    size: u64,
    at: NaiveDateTime,
) -> ApiResult<()> {
    let updated = diesel::update(witness_positions::table.find(witness_key))
        .set((
            witness_positions::tree_size.eq(size_of(size)),
            witness_positions::updated_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        let inserted = diesel::insert_into(witness_positions::table)
            .values((
                witness_positions::witness.eq(witness_key),
                witness_positions::tree_size.eq(size_of(size)),
                witness_positions::updated_at.eq(at),
            ))
            .execute(conn);
        if let Err(e) = inserted {
            // Another instance placed it first: this one's word is as good.
            if !matches!(
                e,
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _
                )
            ) {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// The cosignature lines kept for the checkpoint of `size`, by witness key.
fn lines_at(conn: &mut DbConn, size: u64) -> ApiResult<Vec<(String, String)>> {
    Ok(log_cosignatures::table
        .filter(log_cosignatures::tree_size.eq(size_of(size)))
        .select((log_cosignatures::witness, log_cosignatures::line))
        .order(log_cosignatures::witness)
        .load(conn)?)
}

/// The checkpoint of `size` with the cosignatures kept for it, and the policy's names
/// of the witnesses that gave them.
pub fn with_cosignatures(
    conn: &mut DbConn,
    checkpoint: &SignedCheckpoint,
    policy: &Policy,
) -> ApiResult<(SignedCheckpoint, BTreeSet<String>)> {
    let mut note = checkpoint.note.clone();
    let mut names = BTreeSet::new();
    for (key, line) in lines_at(conn, checkpoint.size)? {
        if let Some(w) = policy.witnesses.iter().find(|w| w.verifier_key == key) {
            note = cosignature::add_lines(&note, &line);
            names.insert(w.name.clone());
        }
    }
    Ok((
        SignedCheckpoint {
            size: checkpoint.size,
            note,
            signed_at: checkpoint.signed_at,
        },
        names,
    ))
}

/// The newest checkpoint of at least `min_size` whose kept cosignatures meet the
/// policy's quorum, with them.
pub fn cosigned(
    conn: &mut DbConn,
    policy: &Policy,
    min_size: u64,
) -> ApiResult<Option<SignedCheckpoint>> {
    let sizes: Vec<i64> = log_cosignatures::table
        .filter(log_cosignatures::tree_size.ge(size_of(min_size)))
        .select(log_cosignatures::tree_size)
        .distinct()
        .order(log_cosignatures::tree_size.desc())
        .limit(LOOK_BACK)
        .load(conn)?;
    for size in sizes {
        let row: Option<(String, NaiveDateTime)> = log_checkpoints::table
            .find(size)
            .select((log_checkpoints::note, log_checkpoints::created_at))
            .get_result(conn)
            .optional()?;
        let Some((note, at)) = row else { continue };
        let bare = SignedCheckpoint {
            size: u64::try_from(size).unwrap_or(0),
            note,
            signed_at: Some(at),
        };
        let (checkpoint, names) = with_cosignatures(conn, &bare, policy)?;
        if policy.satisfied_by(&names) {
            return Ok(Some(checkpoint));
        }
    }
    Ok(None)
}

/// The checkpoint a bundle carries and, for each leaf index, its inclusion proof
/// against it (empty for a leaf the checkpoint does not cover yet). Under a witness
/// policy, the newest checkpoint whose cosignatures meet its quorum and that covers
/// every leaf, with them; until there is one, the current checkpoint with whatever
/// cosignatures it has (a verifier holding the policy then says it is not enough).
pub fn proofs_at(
    conn: &mut DbConn,
    signer: &LogSigner,
    indices: &[u64],
) -> ApiResult<(SignedCheckpoint, Vec<Vec<Hash>>)> {
    let checkpoint = match &signer.policy {
        None => log::current_checkpoint(conn, signer)?,
        Some(policy) => {
            let covering = indices.iter().max().map_or(0, |i| i + 1);
            match cosigned(conn, policy, covering)? {
                Some(cosigned) => cosigned,
                None => {
                    let current = log::current_checkpoint(conn, signer)?;
                    with_cosignatures(conn, &current, policy)?.0
                }
            }
        }
    };
    let mut proofs = Vec::with_capacity(indices.len());
    for &index in indices {
        proofs.push(if index < checkpoint.size {
            log::inclusion_proof(conn, index, checkpoint.size)?
        } else {
            Vec::new()
        });
    }
    Ok((checkpoint, proofs))
}
