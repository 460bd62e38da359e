//! The custody log in the database: stored Merkle nodes, roots, proofs and signed
//! checkpoints. Every read is a bounded set of primary-key lookups.

use super::merkle::{self, Hash, NodeId};
use super::note;
use crate::db::DbConn;
use crate::db::schema::{log_checkpoints, log_nodes};
use crate::error::{ApiError, ApiResult};
use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use std::collections::{BTreeSet, HashMap};

/// The log's signing key and origin (the key name in notes and verifier keys).
pub struct LogSigner {
    key: SigningKey,
    pub origin: String,
    pub verifier_key: String,
    pub verifier: note::NoteVerifier,
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
        })
    }

    pub fn sign_checkpoint(&self, size: u64, root: &Hash) -> String {
        note::sign(
            &note::checkpoint_body(&self.origin, size, root),
            &self.origin,
            &self.key,
        )
    }
}

pub fn load_nodes(conn: &mut DbConn, ids: &BTreeSet<NodeId>) -> ApiResult<HashMap<NodeId, Hash>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // One query, one primary-key probe per node.
    let mut query = log_nodes::table
        .select((log_nodes::level, log_nodes::idx, log_nodes::hash))
        .into_boxed();
    for id in ids {
        query = query.or_filter(
            log_nodes::level
                .eq(id.level as i32)
                .and(log_nodes::idx.eq(id.index as i64)),
        );
    }
    let rows: Vec<(i32, i64, Vec<u8>)> = query.load(conn)?;
    let mut found = HashMap::with_capacity(rows.len());
    for (level, index, hash) in rows {
        let hash: Hash = hash.try_into().map_err(|_| {
            ApiError::Internal(anyhow::anyhow!("a stored log node is not 32 bytes"))
        })?;
        found.insert(
            NodeId {
                level: level as u32,
                index: index as u64,
            },
            hash,
        );
    }
    Ok(found)
}

pub fn insert_nodes(conn: &mut DbConn, nodes: &[(NodeId, Hash)]) -> ApiResult<()> {
    for chunk in nodes.chunks(200) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, hash)| {
                (
                    log_nodes::level.eq(id.level as i32),
                    log_nodes::idx.eq(id.index as i64),
                    log_nodes::hash.eq(hash.to_vec()),
                )
            })
            .collect();
        crate::insert_rows!(conn, log_nodes::table, rows)?;
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

/// The latest signed checkpoint: its size and note text.
pub fn latest_checkpoint(conn: &mut DbConn) -> ApiResult<Option<(u64, String)>> {
    let row: Option<(i64, String)> = log_checkpoints::table
        .order(log_checkpoints::tree_size.desc())
        .select((log_checkpoints::tree_size, log_checkpoints::note))
        .first(conn)
        .optional()?;
    Ok(row.map(|(size, note)| (size as u64, note)))
}

pub fn store_checkpoint(conn: &mut DbConn, size: u64, root: &Hash, note: &str) -> ApiResult<()> {
    diesel::insert_into(log_checkpoints::table)
        .values((
            log_checkpoints::tree_size.eq(size as i64),
            log_checkpoints::root_hash.eq(hex::encode(root)),
            log_checkpoints::note.eq(note),
            log_checkpoints::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The current checkpoint, signed now for an empty log (signatures are deterministic).
pub fn current_checkpoint(conn: &mut DbConn, signer: &LogSigner) -> ApiResult<(u64, String)> {
    Ok(latest_checkpoint(conn)?
        .unwrap_or_else(|| (0, signer.sign_checkpoint(0, &merkle::empty_root()))))
}

pub fn hex_path(path: &[Hash]) -> Vec<String> {
    path.iter().map(hex::encode).collect()
}
