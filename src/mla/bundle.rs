//! A request's history as a bundle a court verifies offline (custody log spec §4 with
//! `request_id`, §5): MLA requests and preservations alike.

use super::events::RequestEntryRow;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::log::{self, LogSigner};
use serde_json::{Value, json};

/// Every entry of the history with its inclusion proof against the latest signed
/// checkpoint, and the log's public key.
pub fn of_history(
    conn: &mut DbConn,
    signer: &LogSigner,
    request_id: &str,
    reference: &str,
    stored: Vec<RequestEntryRow>,
) -> ApiResult<Value> {
    let indices: Vec<u64> = stored.iter().map(|e| e.log_index as u64).collect();
    let (checkpoint, proofs) = crate::ledger::witnessed::proofs_at(conn, signer, &indices)?;
    let mut entries = Vec::with_capacity(stored.len());
    for (stored, proof) in stored.into_iter().zip(proofs) {
        let entry: Value = serde_json::from_str(&stored.canonical)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a stored entry: {e}")))?;
        entries.push(json!({
            "log_index": stored.log_index,
            "entry": entry,
            "entry_hash": stored.entry_hash,
            "inclusion_proof": log::hex_path(&proof),
        }));
    }
    Ok(json!({
        "request_id": request_id,
        "reference": reference,
        "entries": entries,
        "checkpoint": checkpoint.note,
        "public_key": signer.verifier_key,
    }))
}
