//! The ledger's Merkle log in the database: stored Merkle nodes, roots, proofs and signed
//! checkpoints. Every read is a bounded set of primary-key lookups.

use super::merkle::{self, Hash, NodeId};
use super::note;
use crate::db::DbConn;
use crate::db::schema::{log_checkpoints, log_node_runs};
use crate::error::{ApiError, ApiResult};
use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The log's signing key and origin (the key name in notes and verifier keys), and
/// the witness policy its checkpoints are served under, where one is configured.
pub struct LogSigner {
    key: SigningKey,
    pub origin: String,
    pub verifier_key: String,
    pub verifier: note::NoteVerifier,
    pub policy: Option<super::policy::Policy>,
}

impl LogSigner {
    pub fn new(key: SigningKey, origin: &str) -> anyhow::Result<LogSigner> {
        let public = key.verifying_key().to_bytes();
        let verifier_key = note::verifier_key(origin, &public);
        let verifier = note::parse_verifier_key(&verifier_key).map_err(|e| anyhow::anyhow!(e))?;
        Ok(LogSigner {
            key,
            origin: origin.to_owned(),
            verifier_key,
            verifier,
            policy: None,
        })
    }

    /// Serves checkpoints under `policy`, whose log line must be this log's key.
    pub fn witnessed_under(mut self, policy: super::policy::Policy) -> anyhow::Result<LogSigner> {
        let named = note::verifier_key(&policy.log.name, &policy.log.key.to_bytes());
        if named != self.verifier_key {
            anyhow::bail!(
                "the witness policy's log line names {named}, not this log's key {}",
                self.verifier_key
            );
        }
        self.policy = Some(policy);
        Ok(self)
    }

    pub fn sign_checkpoint(&self, size: u64, root: &Hash) -> String {
        note::sign(
            &note::checkpoint_body(&self.origin, size, root),
            &self.origin,
            &self.key,
        )
    }
}

/// Leaves per aligned span: a run of nodes never crosses a multiple of it, so the run
/// that holds a leaf's nodes is one of at most this many rows.
pub const RUN_SPAN: u64 = 32;

/// How many nodes leaves `0..n` complete: leaf `x` completes `tz(x + 1) + 1` nodes,
/// and these add up to `2n − popcount(n)`.
fn nodes_before(n: u64) -> u64 {
    2 * n - u64::from(n.count_ones())
}

/// The leaf whose append completes node `id`.
fn owner(id: &NodeId) -> u64 {
    ((id.index + 1) << id.level) - 1
}

/// Stored nodes: for each run of consecutive leaves, the nodes each leaf completed,
/// in leaf order and level 0 first (what [`merkle::add_leaf`] returns).
#[derive(Default, Clone)]
pub struct Runs {
    pub runs: Vec<Run>,
}

#[derive(Clone)]
pub struct Run {
    pub first_leaf: u64,
    pub leaves: u32,
    pub nodes: Vec<u8>,
}

impl Runs {
    /// Adds the nodes that appending leaf `index` completed.
    pub fn push(&mut self, index: u64, completed: &[(NodeId, Hash)]) {
        let run = match self.runs.last_mut() {
            Some(run)
                if run.first_leaf + u64::from(run.leaves) == index
                    && !index.is_multiple_of(RUN_SPAN) =>
            {
                run.leaves += 1;
                run
            }
            _ => {
                self.runs.push(Run {
                    first_leaf: index,
                    leaves: 1,
                    nodes: Vec::with_capacity(64 * RUN_SPAN as usize),
                });
                self.runs.last_mut().expect("just pushed")
            }
        };
        for (_, hash) in completed {
            run.nodes.extend_from_slice(hash);
        }
    }
}

/// The stored nodes among `ids`: one query that reads, for each distinct span of
/// their owners, at most [`RUN_SPAN`] rows by primary key.
pub fn load_nodes(conn: &mut DbConn, ids: &BTreeSet<NodeId>) -> ApiResult<HashMap<NodeId, Hash>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let spans: BTreeSet<u64> = ids.iter().map(|id| owner(id) / RUN_SPAN).collect();
    let mut query = log_node_runs::table
        .select((
            log_node_runs::first_leaf,
            log_node_runs::leaves,
            log_node_runs::nodes,
        ))
        .into_boxed();
    for span in spans {
        let start = span * RUN_SPAN;
        query = query.or_filter(
            log_node_runs::first_leaf.between(start as i64, (start + RUN_SPAN - 1) as i64),
        );
    }
    let runs: BTreeMap<u64, (u64, Vec<u8>)> = query
        .load::<(i64, i32, Vec<u8>)>(conn)?
        .into_iter()
        .map(|(first, leaves, nodes)| (first as u64, (leaves as u64, nodes)))
        .collect();
    let mut found = HashMap::with_capacity(ids.len());
    for id in ids {
        let leaf = owner(id);
        let Some((&first, (leaves, nodes))) = runs.range(..=leaf).next_back() else {
            continue;
        };
        if leaf >= first + leaves {
            continue;
        }
        let at = (nodes_before(leaf) - nodes_before(first) + u64::from(id.level)) as usize * 32;
        if let Some(hash) = nodes.get(at..at + 32) {
            found.insert(*id, hash.try_into().expect("32 bytes"));
        }
    }
    Ok(found)
}

pub fn insert_runs(conn: &mut DbConn, runs: &Runs) -> ApiResult<()> {
    for chunk in runs.runs.chunks(100) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|run| {
                (
                    log_node_runs::first_leaf.eq(run.first_leaf as i64),
                    log_node_runs::leaves.eq(run.leaves as i32),
                    log_node_runs::nodes.eq(&run.nodes),
                )
            })
            .collect();
        crate::insert_rows!(conn, log_node_runs::table, rows)?;
    }
    Ok(())
}

/// Hashes of these subtree ranges, from the stored nodes.
pub fn hash_ranges(conn: &mut DbConn, ranges: &[merkle::Range]) -> ApiResult<Vec<Hash>> {
    let nodes = load_nodes(conn, &merkle::nodes_for(ranges))?;
    merkle::hash_ranges(ranges, &nodes)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the log is missing nodes")))
}

pub fn root(conn: &mut DbConn, size: u64) -> ApiResult<Hash> {
    if size == 0 {
        return Ok(merkle::empty_root());
    }
    Ok(hash_ranges(conn, &[(0, size)])?[0])
}

pub fn inclusion_proof(conn: &mut DbConn, index: u64, size: u64) -> ApiResult<Vec<Hash>> {
    hash_ranges(conn, &merkle::inclusion_ranges(index, size))
}

pub fn consistency_proof(conn: &mut DbConn, first: u64, second: u64) -> ApiResult<Vec<Hash>> {
    hash_ranges(conn, &merkle::consistency_ranges(first, second))
}

pub fn leaf(conn: &mut DbConn, index: u64) -> ApiResult<Option<Hash>> {
    let id = NodeId { level: 0, index };
    Ok(load_nodes(conn, &BTreeSet::from([id]))?.get(&id).copied())
}

/// A checkpoint as served: the log's size and the signed note over its root.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub note: String,
    /// When it was signed (none for the empty log's, signed on demand).
    pub signed_at: Option<chrono::NaiveDateTime>,
}

/// The latest signed checkpoint.
pub fn latest_checkpoint(conn: &mut DbConn) -> ApiResult<Option<SignedCheckpoint>> {
    let row: Option<(i64, String, chrono::NaiveDateTime)> = log_checkpoints::table
        .order(log_checkpoints::tree_size.desc())
        .select((
            log_checkpoints::tree_size,
            log_checkpoints::note,
            log_checkpoints::created_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(size, note, at)| SignedCheckpoint {
        size: size as u64,
        note,
        signed_at: Some(at),
    }))
}

pub fn store_checkpoint(
    conn: &mut DbConn,
    size: u64,
    root_hex: &str,
    note: &str,
    at: chrono::NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(log_checkpoints::table)
        .values((
            log_checkpoints::tree_size.eq(size as i64),
            log_checkpoints::root_hash.eq(root_hex),
            log_checkpoints::note.eq(note),
            log_checkpoints::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The current checkpoint, signed now for an empty log (signatures are deterministic).
pub fn current_checkpoint(conn: &mut DbConn, signer: &LogSigner) -> ApiResult<SignedCheckpoint> {
    Ok(
        latest_checkpoint(conn)?.unwrap_or_else(|| SignedCheckpoint {
            size: 0,
            note: signer.sign_checkpoint(0, &merkle::empty_root()),
            signed_at: None,
        }),
    )
}

pub fn hex_path(path: &[Hash]) -> Vec<String> {
    path.iter().map(hex::encode).collect()
}
