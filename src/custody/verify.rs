//! Verification of an item's custody history (spec §4): the same checks whether the
//! entries come from the database or from an exported bundle, offline.

use crate::catalogue::Words;
use crate::ledger::merkle::{self, Hash};
use crate::ledger::note::{Checkpoint, NoteVerifier, verify_checkpoint};
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
    #[serde(borrow)]
    request_id: Option<std::borrow::Cow<'a, str>>,
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
    /// Whether the entry's inclusion in the log was checked: only against a checkpoint
    /// whose signature verified with the trusted key.
    pub inclusion_checked: bool,
    /// Empty when everything checked about the entry holds.
    pub problems: Vec<String>,
}

/// What verifying an item's custody comes to, in the order a court needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The record is complete and unaltered, and every hash check of the item matched
    /// the hash taken at acquisition.
    Verified,
    /// The record is complete and unaltered, but it shows that the item failed an
    /// integrity check: a hash observed later differs from the acquisition hash.
    IntegrityAlert,
    /// The record itself does not verify: it was altered, is incomplete, or is not
    /// covered by a checkpoint signed with the trusted key.
    NotVerified,
}

/// A hash check the record shows the item failing.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct IntegrityAlert {
    /// Position of the `hash_verified` entry in the item's history.
    pub position: usize,
    pub log_index: u64,
    /// When the check was recorded (RFC 3339 UTC), as the entry says.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    /// Who recorded it, as the entry says.
    #[schema(value_type = Object)]
    pub actor: Value,
    pub algorithm: String,
    /// The hash taken at acquisition (the first entry's evidence record).
    pub expected: Option<String>,
    pub observed: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub verdict: Verdict,
    /// The verdict in plain words, first for the reader; the detail follows.
    pub summary: String,
    /// The evidence item whose custody was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<String>,
    /// The request whose history was checked (spec §5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub checkpoint_size: Option<u64>,
    /// Problems with the checkpoint itself (signature, origin, format).
    pub checkpoint_problems: Vec<String>,
    /// The hash checks the item failed (only meaningful when the record verifies).
    pub integrity_alerts: Vec<IntegrityAlert>,
    pub entries: Vec<Finding>,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::IntegrityAlert => "integrity_alert",
            Verdict::NotVerified => "not_verified",
        }
    }

    /// The exit status of `caseledger verify-bundle` (2 is a command-line usage error).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Verified => 0,
            Verdict::NotVerified => 1,
            Verdict::IntegrityAlert => 3,
        }
    }
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

    /// True when the record itself verifies (whatever it says about the item).
    pub fn record_intact(&self) -> bool {
        self.verdict != Verdict::NotVerified
    }
}

/// A `hash_verified` entry that observed another SHA-256 than the acquisition hash
/// (recomputed from the record, and also when the entry itself says so).
fn integrity_alert(
    entry: &Value,
    acquired: Option<&str>,
    position: usize,
    log_index: u64,
) -> Option<IntegrityAlert> {
    if entry["type"] != "hash_verified" {
        return None;
    }
    let algorithm = entry["hash"]["algorithm"].as_str()?.to_owned();
    let observed = entry["hash"]["value"].as_str()?.to_owned();
    let differs = algorithm == "sha-256" && acquired.is_some_and(|a| a != observed);
    if !differs && entry["hash_mismatch"] != true {
        return None;
    }
    Some(IntegrityAlert {
        position,
        log_index,
        at: entry["at"].as_str().map(str::to_owned),
        actor: entry["actor"].clone(),
        algorithm,
        expected: acquired.map(str::to_owned),
        observed,
    })
}

/// The verdict in a sentence a judge understands, in the catalogue's words.
fn summary(
    history: History<'_>,
    verdict: Verdict,
    entries: usize,
    size: Option<u64>,
    alerts: &[IntegrityAlert],
    first_problem: Option<&str>,
) -> String {
    let w = &crate::catalogue::ENGLISH;
    let record = history.record(w);
    let entries = entries.to_string();
    let size = size.unwrap_or_default().to_string();
    match verdict {
        Verdict::Verified => {
            let template = match history {
                History::Request(_) => w.summary_verified_history,
                History::Evidence(_) => w.summary_verified_custody,
            };
            Words::fill(
                template,
                &[("record", record), ("entries", &entries), ("size", &size)],
            )
        }
        Verdict::IntegrityAlert => {
            let a = &alerts[0];
            let more = match alerts.len() {
                1 => String::new(),
                n => Words::fill(w.summary_more_alerts, &[("count", &(n - 1).to_string())]),
            };
            Words::fill(
                w.summary_integrity_alert,
                &[
                    ("position", &a.position.to_string()),
                    ("at", a.at.as_deref().unwrap_or(w.at_unrecorded_time)),
                    ("algorithm", &a.algorithm),
                    ("observed", &a.observed),
                    ("expected", a.expected.as_deref().unwrap_or(w.not_recorded)),
                    ("more", &more),
                ],
            )
        }
        Verdict::NotVerified => Words::fill(
            w.summary_not_verified,
            &[
                ("record", record),
                ("problem", first_problem.unwrap_or(w.could_not_be_checked)),
            ],
        ),
    }
}

/// Whose history a chain of entries is: an evidence item's custody (spec §1) or a
/// request's (spec §5). The member that names it stays the same throughout, and an
/// entry carries exactly one of the two.
#[derive(Debug, Clone, Copy)]
pub enum History<'a> {
    Evidence(&'a str),
    Request(&'a str),
}

impl History<'_> {
    fn record(self, w: &Words) -> &'static str {
        match self {
            History::Evidence(_) => w.record_custody,
            History::Request(_) => w.record_request,
        }
    }
}

/// Checks the checkpoint, then each entry: its hash, its place in the chain
/// (`seq`, `prev`, `evidence_id`) and its inclusion in the checkpoint's tree; then
/// what the record says about the item's hash checks.
pub fn verify(
    history: History<'_>,
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
    let mut alerts = Vec::new();
    let mut acquired: Option<String> = None;
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
        let computed = crate::ledger::sha256_hex(bytes.as_bytes());
        if computed != e.entry_hash {
            problems.push(format!(
                "entry_hash does not match the entry (computed {computed})"
            ));
        }
        let head: Head = serde_json::from_str(bytes).unwrap_or(Head {
            evidence_id: None,
            request_id: None,
            seq: None,
            prev: None,
            kind: None,
        });
        match history {
            History::Evidence(id) => {
                if head.evidence_id.as_deref() != Some(id) || head.request_id.is_some() {
                    problems.push("the entry belongs to another evidence item".into());
                }
            }
            History::Request(id) => {
                if head.request_id.as_deref() != Some(id) || head.evidence_id.is_some() {
                    problems.push("the entry belongs to another request".into());
                }
            }
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
        // Only the kinds of entry that bear on the item's hash are read in full.
        if matches!(history, History::Evidence(_))
            && matches!(head.kind.as_deref(), Some("collected" | "hash_verified"))
            && let Ok(entry) = serde_json::from_str::<Value>(bytes)
        {
            if position == 0 {
                acquired = entry["evidence"]["sha256"].as_str().map(str::to_owned);
            }
            alerts.extend(integrity_alert(
                &entry,
                acquired.as_deref(),
                position,
                e.log_index,
            ));
        }
        findings.push(Finding {
            position,
            log_index: e.log_index,
            event_type: head.kind.map(|k| k.into_owned()),
            inclusion_checked: checkpoint.is_some(),
            problems,
        });
        prev = Some(computed);
    }
    let mut report = Report {
        verdict: Verdict::NotVerified,
        summary: String::new(),
        evidence_id: match history {
            History::Evidence(id) => Some(id.to_owned()),
            History::Request(_) => None,
        },
        request_id: match history {
            History::Request(id) => Some(id.to_owned()),
            History::Evidence(_) => None,
        },
        checkpoint_size: checkpoint.map(|c| c.size),
        checkpoint_problems,
        integrity_alerts: alerts,
        entries: findings,
    };
    report.decide();
    report
}

impl Report {
    /// Sets the verdict and its sentence from the findings.
    fn decide(&mut self) {
        let problems = self.problems();
        self.verdict = if !problems.is_empty() || self.entries.is_empty() {
            Verdict::NotVerified
        } else if !self.integrity_alerts.is_empty() {
            Verdict::IntegrityAlert
        } else {
            Verdict::Verified
        };
        let first = problems
            .first()
            .map(String::as_str)
            .or(self.entries.is_empty().then_some("it holds no entries"));
        let history = match &self.request_id {
            Some(id) => History::Request(id),
            None => History::Evidence(self.evidence_id.as_deref().unwrap_or_default()),
        };
        self.summary = summary(
            history,
            self.verdict,
            self.entries.len(),
            self.checkpoint_size,
            &self.integrity_alerts,
            first,
        );
    }
}

/// Verifies a bundle (spec §4) with a trusted verifier key; no database, no network.
pub fn verify_bundle(bundle: &Value, trusted_key: &str) -> Result<Report, String> {
    let verifier = crate::ledger::note::parse_verifier_key(trusted_key)?;
    let history = match (
        bundle["evidence_id"].as_str(),
        bundle["request_id"].as_str(),
    ) {
        (Some(id), None) => History::Evidence(id),
        (None, Some(id)) => History::Request(id),
        _ => return Err("the bundle must name exactly one of evidence_id and request_id".into()),
    };
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
    let mut report = verify(history, note, &verifier, &entries);
    if bundle["public_key"]
        .as_str()
        .is_some_and(|k| k.trim() != trusted_key.trim())
    {
        report
            .checkpoint_problems
            .push("the bundle names another public key than the trusted one".into());
        report.decide();
    }
    Ok(report)
}
