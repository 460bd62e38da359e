//! The audit chain's anchored heads as a bundle (custody-log spec §6: §4 with
//! `audit_head`), which an auditor verifies offline like a custody bundle.

use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::anchor::{self, AnchoredHead};
use crate::ledger::log::{self, LogSigner};
use serde_json::{Value, json};

/// Audit-head entries read at a time.
const PAGE: i64 = 5000;

/// Every audit-head entry, in order.
fn all(conn: &mut DbConn) -> ApiResult<Vec<AnchoredHead>> {
    let mut heads = Vec::new();
    loop {
        let page = anchor::entries(conn, heads.len() as i64, PAGE)?;
        let done = (page.len() as i64) < PAGE;
        heads.extend(page);
        if done {
            return Ok(heads);
        }
    }
}

/// The bundle of the audit-head entries with their inclusion proofs and the log's
/// checkpoint: every entry, against the newest checkpoint; under a witness policy,
/// those the newest checkpoint its quorum cosigned covers, against it (a head anchored
/// since is in the next bundle once the witnesses have seen it), or every entry until
/// one is cosigned. `None` before the first head is anchored.
pub fn bundle(conn: &mut DbConn, signer: &LogSigner) -> ApiResult<Option<Value>> {
    let mut heads = all(conn)?;
    if let Some(policy) = &signer.policy
        && let Some(cosigned) = crate::ledger::witnessed::cosigned(conn, policy, 0)?
        && heads
            .first()
            .is_some_and(|h| (h.log_index as u64) < cosigned.size)
    {
        heads.retain(|h| (h.log_index as u64) < cosigned.size);
    }
    if heads.is_empty() {
        return Ok(None);
    }
    let indices: Vec<u64> = heads.iter().map(|h| h.log_index as u64).collect();
    let (checkpoint, proofs) = crate::ledger::witnessed::proofs_at(conn, signer, &indices)?;
    let mut entries = Vec::with_capacity(heads.len());
    for (head, proof) in heads.into_iter().zip(proofs) {
        let entry: Value = serde_json::from_str(&head.canonical)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a stored audit head: {e}")))?;
        entries.push(json!({
            "log_index": head.log_index,
            "entry": entry,
            "entry_hash": head.entry_hash,
            "inclusion_proof": log::hex_path(&proof),
        }));
    }
    Ok(Some(json!({
        "audit_head": signer.origin,
        "entries": entries,
        "checkpoint": checkpoint.note,
        "public_key": signer.verifier_key,
    })))
}
