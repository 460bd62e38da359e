//! The custody record of one item as people read it: its entries with their proofs,
//! the verdict, the names behind the ids, the bundle (spec §4) and the report made
//! of them. The API and the review pages read it through here, after the item's own
//! access check.

use super::access;
use super::model::Evidence;
use super::queries;
use super::report::{self, CheckpointFacts, CustodyReport, Directory, ReportEntry};
use super::verify::{self, EntrySource, EntryToCheck, Report};
use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::ledger::Event;
use crate::ledger::log::{self, LogSigner};
use crate::ledger::merkle::Hash;
use serde_json::{Value, json};

pub(crate) fn parse_entry(canonical: &str) -> ApiResult<Value> {
    serde_json::from_str(canonical)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored entry: {e}")))
}

/// An entry with what verifying it needs.
pub(crate) struct ProvenEntry {
    pub stored: queries::StoredEntry,
    pub proof: Vec<Hash>,
}

/// What verifying an item needs: the latest checkpoint, and the item's entries with
/// their inclusion proofs against it.
pub(crate) struct ItemProofs {
    pub note: String,
    pub size: u64,
    pub signed_at: Option<chrono::NaiveDateTime>,
    pub entries: Vec<ProvenEntry>,
}

pub(crate) fn item_proofs(
    conn: &mut DbConn,
    signer: &LogSigner,
    evidence_id: &str,
) -> ApiResult<ItemProofs> {
    let stored = queries::entries_of(conn, evidence_id)?;
    let indices: Vec<u64> = stored.iter().map(|e| e.log_index as u64).collect();
    let (checkpoint, proofs) = log::proofs_at(conn, signer, &indices)?;
    let entries = stored
        .into_iter()
        .zip(proofs)
        .map(|(stored, proof)| ProvenEntry { stored, proof })
        .collect();
    Ok(ItemProofs {
        size: checkpoint.size,
        signed_at: checkpoint.signed_at,
        note: checkpoint.note,
        entries,
    })
}

/// A bundle and who its entries name.
pub(crate) struct Bundle {
    pub json: Value,
    pub entries: Vec<Value>,
    pub directory: Directory,
}

/// The spec's bundle of one item (§4), with the evidence record, the case reference,
/// and the names of the people and agencies its entries name by id.
pub(crate) fn bundle_of(
    conn: &mut DbConn,
    found: &queries::ItemInCase,
    proofs: &ItemProofs,
    signer: &LogSigner,
) -> ApiResult<Bundle> {
    let parsed = proofs
        .entries
        .iter()
        .map(|e| parse_entry(&e.stored.canonical))
        .collect::<ApiResult<Vec<Value>>>()?;
    let entries: Vec<Value> = proofs
        .entries
        .iter()
        .zip(&parsed)
        .map(|(e, entry)| {
            json!({
                "log_index": e.stored.log_index,
                "entry": entry,
                "entry_hash": e.stored.entry_hash,
                "inclusion_proof": log::hex_path(&e.proof),
            })
        })
        .collect();
    let (people, agencies) = super::report::named_in(&parsed);
    let directory = queries::directory(conn, &people, &agencies)?;
    Ok(Bundle {
        json: json!({
            "evidence_id": found.item.id,
            "entries": entries,
            "checkpoint": proofs.note,
            "public_key": signer.verifier_key,
            "case_reference": found.case.reference,
            "evidence": Evidence::from(found.item.clone()),
            "names": directory,
        }),
        entries: parsed,
        directory,
    })
}

/// The verdict on an item's entries against the checkpoint they were proven in.
pub(crate) fn verification(evidence_id: &str, proofs: &ItemProofs, signer: &LogSigner) -> Report {
    let checks: Vec<EntryToCheck> = proofs
        .entries
        .iter()
        .map(|e| EntryToCheck {
            log_index: e.stored.log_index as u64,
            entry: EntrySource::Stored(&e.stored.canonical),
            entry_hash: &e.stored.entry_hash,
            proof: &e.proof,
        })
        .collect();
    verify::verify(
        verify::History::Evidence(evidence_id),
        &proofs.note,
        &signer.verifier,
        &checks,
    )
}

/// An item's custody record, read for people: what the evidence page and the report
/// show.
pub struct Timeline {
    pub item: Evidence,
    pub case_id: String,
    pub case_reference: String,
    pub verification: Report,
    pub entries: Vec<ReportEntry>,
    pub directory: Directory,
    pub checkpoint: CheckpointFacts,
    /// The bundle, as the report attaches it.
    pub bundle: Vec<u8>,
}

/// The record of an item the caller may see (404 otherwise, as for a missing one);
/// the verdict goes into the audit entry.
pub fn timeline(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
    signer: &LogSigner,
) -> ApiResult<Timeline> {
    let found = access::visible(conn, caller, id, event)?;
    let proofs = item_proofs(conn, signer, &found.item.id)?;
    let verification = verification(&found.item.id, &proofs, signer);
    let Bundle {
        json,
        entries: parsed,
        directory,
    } = bundle_of(conn, &found, &proofs, signer)?;
    let bundle = serde_json::to_vec_pretty(&json).map_err(|e| ApiError::Internal(e.into()))?;
    let entries = proofs
        .entries
        .iter()
        .zip(parsed)
        .map(|(e, entry)| ReportEntry {
            entry,
            entry_hash: e.stored.entry_hash.clone(),
            log_index: e.stored.log_index as u64,
        })
        .collect();
    event.set_detail("verdict", verification.verdict.as_str());
    Ok(Timeline {
        item: Evidence::from(found.item.clone()),
        case_id: found.case.id.clone(),
        case_reference: found.case.reference.clone(),
        verification,
        entries,
        directory,
        checkpoint: CheckpointFacts {
            size: proofs.size,
            signed_at: proofs.signed_at,
            verifier_key: signer.verifier_key.clone(),
        },
        bundle,
    })
}

/// The custody report of a record.
pub fn report_pdf(timeline: &Timeline) -> Vec<u8> {
    report::render(&CustodyReport {
        words: &crate::catalogue::ENGLISH,
        case_reference: &timeline.case_reference,
        item: &timeline.item,
        verification: &timeline.verification,
        entries: &timeline.entries,
        checkpoint: &timeline.checkpoint,
        directory: &timeline.directory,
        bundle: &timeline.bundle,
        generated_at: chrono::Utc::now(),
    })
}

/// The verdict on one item's record (for lists of items).
pub fn verdict_of(
    conn: &mut DbConn,
    signer: &LogSigner,
    evidence_id: &str,
) -> ApiResult<verify::Verdict> {
    let proofs = item_proofs(conn, signer, evidence_id)?;
    Ok(verification(evidence_id, &proofs, signer).verdict)
}
