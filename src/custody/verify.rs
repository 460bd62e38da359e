//! Verification of an item's custody history (spec §4): the same checks whether the
//! entries come from the database or from an exported bundle, offline.

use super::merkle::{self, Hash};
use super::note::{Checkpoint, NoteVerifier, verify_checkpoint};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// An entry as stored (its canonical bytes) or as a bundle carries it (parsed JSON,
/// whose canonical form is recomputed).
pub enum EntrySource<'a> {
    Stored(&'a str),
    Parsed(&'a Value),
}

/// One entry to check.
pub struct EntryToCheck<'a> {
    pub log_index: u64,
    pub entry: EntrySource<'a>,
    pub entry_hash: &'a str,
    pub proof: &'a [Hash],
}

/// The members verification reads, borrowed from the canonical bytes.
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    evidence_id: Option<std::borrow::Cow<'a, str>>,
    seq: Option<i64>,
    #[serde(borrow)]
    prev: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Finding {
    /// Position in the item's history (the `seq` it should have).
    pub position: usize,
    pub log_index: u64,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Empty when everything about the entry holds.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub valid: bool,
    pub evidence_id: String,
    pub checkpoint_size: Option<u64>,
    /// Problems with the checkpoint itself (signature, origin, format).
    pub checkpoint_problems: Vec<String>,
    pub entries: Vec<Finding>,
}

impl Report {
    /// Problems as "entry N (log index I): ..." lines.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .checkpoint_problems
            .iter()
            .map(|p| format!("checkpoint: {p}"))
            .collect();
        for f in &self.entries {
            for p in &f.problems {
                out.push(format!(
                    "entry {} (log index {}): {p}",
                    f.position, f.log_index
                ));
            }
        }
        out
    }
}

/// Checks the checkpoint, then each entry: its hash, its place in the chain
/// (`seq`, `prev`, `evidence_id`) and its inclusion in the checkpoint's tree.
pub fn verify(
    evidence_id: &str,
    note: &str,
    verifier: &NoteVerifier,
    entries: &[EntryToCheck],
) -> Report {
    let mut checkpoint_problems = Vec::new();
    let checkpoint: Option<Checkpoint> = match verify_checkpoint(note, verifier) {
        Ok(c) => Some(c),
        Err(e) => {
            checkpoint_problems.push(e);
            None
        }
    };
    let mut findings = Vec::new();
    let mut prev: Option<String> = None;
    for (position, e) in entries.iter().enumerate() {
        let mut problems = Vec::new();
        // Stored bytes are checked as they are: any change to them changes their hash
        // and their leaf. A bundle carries parsed entries, canonicalised again here.
        let canonical;
        let bytes = match e.entry {
            EntrySource::Stored(stored) => stored,
            EntrySource::Parsed(value) => match crate::jcs::to_string(value) {
                Ok(c) => {
                    canonical = c;
                    canonical.as_str()
                }
                Err(_) => {
                    problems.push("the entry cannot be canonicalised".to_owned());
                    ""
                }
            },
        };
        let computed = crate::audit::sha256_hex(bytes.as_bytes());
        if computed != e.entry_hash {
            problems.push(format!(
                "entry_hash does not match the entry (computed {computed})"
            ));
        }
        let head: Head = serde_json::from_str(bytes).unwrap_or(Head {
            evidence_id: None,
            seq: None,
            prev: None,
            kind: None,
        });
        if head.evidence_id.as_deref() != Some(evidence_id) {
            problems.push("the entry belongs to another evidence item".into());
        }
        if head.seq != Some(position as i64) {
            problems.push(format!(
                "seq is {}, expected {position}: entries are missing or out of order",
                head.seq
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "missing".into())
            ));
        }
        if head.prev.as_deref() != prev.as_deref() {
            problems.push(if position == 0 {
                "prev must be null for the first entry".into()
            } else {
                format!("prev does not match the hash of entry {}", position - 1)
            });
        }
        if let Some(cp) = &checkpoint {
            if e.log_index >= cp.size {
                problems.push(format!(
                    "log index is beyond the checkpoint (size {})",
                    cp.size
                ));
            } else if !merkle::verify_inclusion(
                &merkle::leaf_hash(bytes.as_bytes()),
                e.log_index,
                cp.size,
                e.proof,
                &cp.root,
            ) {
                problems.push("the inclusion proof does not verify against the checkpoint".into());
            }
        }
        findings.push(Finding {
            position,
            log_index: e.log_index,
            event_type: head.kind.map(|k| k.into_owned()),
            problems,
        });
        prev = Some(computed);
    }
    Report {
        valid: checkpoint_problems.is_empty() && findings.iter().all(|f| f.problems.is_empty()),
        evidence_id: evidence_id.to_owned(),
        checkpoint_size: checkpoint.map(|c| c.size),
        checkpoint_problems,
        entries: findings,
    }
}

/// Verifies a bundle (spec §4) with a trusted verifier key; no database, no network.
pub fn verify_bundle(bundle: &Value, trusted_key: &str) -> Result<Report, String> {
    let verifier = super::note::parse_verifier_key(trusted_key)?;
    let evidence_id = bundle["evidence_id"]
        .as_str()
        .ok_or("the bundle has no evidence_id")?;
    let note = bundle["checkpoint"]
        .as_str()
        .ok_or("the bundle has no checkpoint")?;
    let raw = bundle["entries"]
        .as_array()
        .ok_or("the bundle has no entries")?;
    let mut proofs: Vec<Vec<Hash>> = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let proof = e["inclusion_proof"]
            .as_array()
            .ok_or(format!("entry {i} has no inclusion_proof"))?
            .iter()
            .map(|h| {
                h.as_str()
                    .and_then(|s| hex::decode(s).ok())
                    .and_then(|b| Hash::try_from(b).ok())
                    .ok_or(format!("entry {i} has a malformed proof hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        proofs.push(proof);
    }
    let mut entries = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        entries.push(EntryToCheck {
            log_index: e["log_index"]
                .as_u64()
                .ok_or(format!("entry {i} has no log_index"))?,
            entry: EntrySource::Parsed(&e["entry"]),
            entry_hash: e["entry_hash"]
                .as_str()
                .ok_or(format!("entry {i} has no entry_hash"))?,
            proof: &proofs[i],
        });
    }
    let mut report = verify(evidence_id, note, &verifier, &entries);
    if bundle["public_key"]
        .as_str()
        .is_some_and(|k| k.trim() != trusted_key.trim())
    {
        report
            .checkpoint_problems
            .push("the bundle names another public key than the trusted one".into());
        report.valid = false;
    }
    Ok(report)
}
