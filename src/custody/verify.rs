//! Verification of an item's custody history (spec §4): the same checks whether the
//! entries come from the database or from an exported bundle, offline.

use super::hashes::{Acquired, Comparison};
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
    #[serde(borrow)]
    audit_head: Option<std::borrow::Cow<'a, str>>,
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
    /// The record is complete and unaltered, and no hash check of the item failed:
    /// each matched the hash of its algorithm taken at acquisition, or had none to be
    /// compared with (the report lists those, and its sentence says so).
    Verified,
    /// The record is complete and unaltered, but it shows that the item failed an
    /// integrity check: a hash observed later differs from the acquisition hash of
    /// the same algorithm.
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

/// A hash check the record shows that could not be compared: the item has no hash of
/// its algorithm from acquisition. It counts neither as a match nor as a failure.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct UncomparedCheck {
    /// Position of the `hash_verified` entry in the item's history.
    pub position: usize,
    pub log_index: u64,
    /// The algorithm the check names, as the entry writes it.
    pub algorithm: String,
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
    /// The log (its origin) whose audit-head entries were checked (spec §6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<String>,
    pub checkpoint_size: Option<u64>,
    /// Problems with the checkpoint itself (signature, origin, format).
    pub checkpoint_problems: Vec<String>,
    /// The hash checks the item failed (only meaningful when the record verifies).
    pub integrity_alerts: Vec<IntegrityAlert>,
    /// How many hash checks matched the acquisition hash of their algorithm.
    pub hash_checks_matched: usize,
    /// The hash checks that could not be compared (spec §8).
    pub uncompared_checks: Vec<UncomparedCheck>,
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

/// What the hash checks of a record come to (spec §8), entry by entry.
#[derive(Default)]
struct HashChecks {
    acquired: Acquired,
    matched: usize,
    alerts: Vec<IntegrityAlert>,
    uncompared: Vec<UncomparedCheck>,
}

impl HashChecks {
    fn read(&mut self, entry: &Value, position: usize, log_index: u64) {
        if position == 0 {
            self.acquired = Acquired::of_record(&entry["evidence"]);
        }
        let algorithm = entry["hash"]["algorithm"].as_str().unwrap_or_default();
        match self.acquired.judge(entry) {
            None => {}
            Some(Comparison::Match) => self.matched += 1,
            Some(Comparison::Mismatch { expected }) => self.alerts.push(IntegrityAlert {
                position,
                log_index,
                at: entry["at"].as_str().map(str::to_owned),
                actor: entry["actor"].clone(),
                algorithm: algorithm.to_owned(),
                expected: Some(expected),
                observed: entry["hash"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            }),
            Some(Comparison::NotComparable) => self.uncompared.push(UncomparedCheck {
                position,
                log_index,
                algorithm: algorithm.to_owned(),
            }),
        }
    }
}

/// What the sentence says of the checks that could not be compared: empty when none.
fn uncompared_words(w: &Words, uncompared: &[UncomparedCheck]) -> String {
    if uncompared.is_empty() {
        return String::new();
    }
    let which: Vec<String> = uncompared
        .iter()
        .map(|u| {
            Words::fill(
                w.summary_uncompared_check,
                &[
                    ("position", &u.position.to_string()),
                    ("algorithm", &u.algorithm),
                ],
            )
        })
        .collect();
    Words::fill(
        w.summary_uncompared,
        &[
            ("count", &uncompared.len().to_string()),
            ("which", &which.join("; ")),
        ],
    )
}

/// The verdict in a sentence a judge understands, in the catalogue's words.
fn summary(
    w: &crate::catalogue::Words,
    history: History<'_>,
    verdict: Verdict,
    entries: usize,
    size: Option<u64>,
    checks: &Report,
    first_problem: Option<&str>,
) -> String {
    let record = history.record(w);
    let entries = entries.to_string();
    let size = size.unwrap_or_default().to_string();
    let uncompared = uncompared_words(w, &checks.uncompared_checks);
    match verdict {
        Verdict::Verified => {
            let template = match history {
                History::Request(_) | History::AuditHeads(_) => w.summary_verified_history,
                History::Evidence(_) => w.summary_verified_custody,
            };
            let matched = checks.hash_checks_matched;
            let hash_checks = match (matched, checks.uncompared_checks.len()) {
                (0, 0) => w.summary_no_hash_check.to_owned(),
                (0, _) => w.summary_none_compared.to_owned(),
                (n, 0) => Words::fill(w.summary_hash_checks_matched, &[("count", &n.to_string())]),
                (n, _) => Words::fill(
                    w.summary_some_hash_checks_matched,
                    &[
                        ("matched", &n.to_string()),
                        ("total", &(n + checks.uncompared_checks.len()).to_string()),
                    ],
                ),
            };
            Words::fill(
                template,
                &[
                    ("record", record),
                    ("entries", &entries),
                    ("size", &size),
                    ("hash_checks", &hash_checks),
                    ("uncompared", &uncompared),
                ],
            )
        }
        Verdict::IntegrityAlert => {
            let alerts = &checks.integrity_alerts;
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
                    ("uncompared", &uncompared),
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

/// Whose history a chain of entries is: an evidence item's custody (spec §1), a
/// request's (spec §5) or the log's anchored audit heads (§6). The member that names
/// it stays the same throughout, and an entry carries exactly one of the three.
#[derive(Debug, Clone, Copy)]
pub enum History<'a> {
    Evidence(&'a str),
    Request(&'a str),
    /// The audit-head entries of the log of this origin (spec §6).
    AuditHeads(&'a str),
}

impl History<'_> {
    fn record(self, w: &Words) -> &'static str {
        match self {
            History::Evidence(_) => w.record_custody,
            History::Request(_) => w.record_request,
            History::AuditHeads(_) => w.record_audit_heads,
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
    let mut checks = HashChecks::default();
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
            audit_head: None,
            seq: None,
            prev: None,
            kind: None,
        });
        let named = (
            head.evidence_id.as_deref(),
            head.request_id.as_deref(),
            head.audit_head.as_deref(),
        );
        match history {
            History::Evidence(id) => {
                if named != (Some(id), None, None) {
                    problems.push("the entry belongs to another evidence item".into());
                }
            }
            History::Request(id) => {
                if named != (None, Some(id), None) {
                    problems.push("the entry belongs to another request".into());
                }
            }
            History::AuditHeads(origin) => {
                if named != (None, None, Some(origin)) {
                    problems.push("the entry is not an audit head of this log".into());
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
            checks.read(&entry, position, e.log_index);
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
            _ => None,
        },
        request_id: match history {
            History::Request(id) => Some(id.to_owned()),
            _ => None,
        },
        audit_head: match history {
            History::AuditHeads(origin) => Some(origin.to_owned()),
            _ => None,
        },
        checkpoint_size: checkpoint.map(|c| c.size),
        checkpoint_problems,
        integrity_alerts: checks.alerts,
        hash_checks_matched: checks.matched,
        uncompared_checks: checks.uncompared,
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
        self.summary = self.summary_in(&crate::catalogue::ENGLISH);
    }

    /// The verdict in a sentence, in the words of a language. (What a problem found
    /// says of itself is quoted as the checks wrote it.)
    pub fn summary_in(&self, w: &crate::catalogue::Words) -> String {
        let problems = self.problems();
        let first = problems
            .first()
            .map(String::as_str)
            .or(self.entries.is_empty().then_some("it holds no entries"));
        let history = match (&self.request_id, &self.audit_head) {
            (Some(id), _) => History::Request(id),
            (None, Some(origin)) => History::AuditHeads(origin),
            (None, None) => History::Evidence(self.evidence_id.as_deref().unwrap_or_default()),
        };
        summary(
            w,
            history,
            self.verdict,
            self.entries.len(),
            self.checkpoint_size,
            self,
            first,
        )
    }
}

/// The content a custody record names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedContent {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    pub size: Option<u64>,
}

/// The content a custody record names: the SHA-256 and size its `content_stored`
/// entry gives, else the hash and size taken at acquisition (its first entry). `None`
/// when it names no content hash.
pub fn content_named(entries: &[Value]) -> Option<NamedContent> {
    let stored = entries
        .iter()
        .rev()
        .find(|e| e["type"] == "content_stored")
        .map(|e| &e["content"]);
    let evidence = entries.first().map(|e| &e["evidence"]);
    let (hash, size) = match stored {
        Some(content) => (&content["sha256"], &content["size_bytes"]),
        None => {
            let evidence = evidence?;
            (&evidence["sha256"], &evidence["size_bytes"])
        }
    };
    Some(NamedContent {
        sha256: hash.as_str()?.to_ascii_lowercase(),
        size: size.as_u64(),
    })
}

/// Verifies a bundle (spec §4) with a trusted verifier key; no database, no network.
pub fn verify_bundle(bundle: &Value, trusted_key: &str) -> Result<Report, String> {
    let verifier = crate::ledger::note::parse_verifier_key(trusted_key)?;
    let history = match (
        bundle["evidence_id"].as_str(),
        bundle["request_id"].as_str(),
        bundle["audit_head"].as_str(),
    ) {
        (Some(id), None, None) => History::Evidence(id),
        (None, Some(id), None) => History::Request(id),
        (None, None, Some(origin)) => History::AuditHeads(origin),
        _ => {
            return Err(
                "the bundle must name exactly one of evidence_id, request_id and audit_head".into(),
            );
        }
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

/// A checkpoint's cosignatures held against a witness policy: the witnesses (by their
/// names in the policy) whose cosignatures verified, and whether they meet its quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    pub witnesses: Vec<String>,
    /// The fewest cosigners the quorum can be met with.
    pub needed: usize,
    pub satisfied: bool,
}

impl Witnessed {
    /// "cosigned by the witnesses of JM, TT and BB: 3 of the 2 the policy requires".
    pub fn words(&self) -> String {
        let names: Vec<String> = self.witnesses.iter().map(|w| w.to_uppercase()).collect();
        let who = match names.as_slice() {
            [] => "by no witness the policy names".to_owned(),
            [one] => format!("by the witness of {one}"),
            [rest @ .., last] => format!("by the witnesses of {} and {last}", rest.join(", ")),
        };
        format!(
            "cosigned {who}: {} of the {} the policy requires",
            self.witnesses.len(),
            self.needed
        )
    }
}

/// Which of a policy's witnesses cosigned a checkpoint (its log signature verified).
pub fn witnessed(note: &str, policy: &crate::ledger::policy::Policy) -> Result<Witnessed, String> {
    let (_, found) = crate::ledger::cosignature::verify(note, &policy.log, &policy.cosigners())?;
    let witnesses = policy.witnesses_cosigning(&found);
    Ok(Witnessed {
        satisfied: policy.satisfied_by(&witnesses),
        witnesses: witnesses.into_iter().collect(),
        needed: policy.least_needed(),
    })
}

/// Verifies a bundle as [`verify_bundle`] does with the policy's log key, and its
/// checkpoint's cosignatures against the policy's quorum: a bundle whose cosignatures
/// do not meet it is not verified under that policy.
pub fn verify_bundle_under(
    bundle: &Value,
    policy: &crate::ledger::policy::Policy,
) -> Result<(Report, Option<Witnessed>), String> {
    let key = crate::ledger::note::verifier_key(&policy.log.name, &policy.log.key.to_bytes());
    let mut report = verify_bundle(bundle, &key)?;
    let note = bundle["checkpoint"].as_str().unwrap_or_default();
    let witnessed = match witnessed(note, policy) {
        Ok(w) => {
            if !w.satisfied {
                report.checkpoint_problems.push(format!(
                    "it is {}, which does not meet the policy's quorum",
                    w.words()
                ));
            }
            Some(w)
        }
        Err(e) => {
            report
                .checkpoint_problems
                .push(format!("its cosignatures do not verify: {e}"));
            None
        }
    };
    report.decide();
    Ok((report, witnessed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::merkle::{MemoryTree, leaf_hash};
    use crate::ledger::note;
    use serde_json::json;

    const ID: &str = "01990000-0000-7000-8000-000000000001";
    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const OTHER: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    const MD5: &str = "098f6bcd4621d373cade4e832627b4f6";

    /// A bundle of an item registered with `evidence` and then checked with each of
    /// `checks` (algorithm, value, the flag an earlier version wrote), in a log
    /// signed with a test key; and that key.
    fn bundle(evidence: Value, checks: &[(&str, &str, bool)]) -> (Value, String) {
        let actor = json!({"user_id": ID, "agency_id": ID, "country": "JM"});
        let mut entries = vec![json!({"v": 1, "type": "collected", "actor": actor,
            "evidence": evidence, "custodian_before": null, "custodian_after": null})];
        for (algorithm, value, flag) in checks {
            entries.push(json!({"v": 1, "type": "hash_verified", "actor": actor,
                "hash": {"algorithm": algorithm, "value": value}, "hash_mismatch": flag}));
        }
        log_bundle("evidence_id", ID, entries)
    }

    /// A bundle of `entries`, each named by `member` = `id` and chained, in a log of
    /// their own signed with a test key; and that key.
    fn log_bundle(member: &str, id: &str, entries: Vec<Value>) -> (Value, String) {
        let mut tree = MemoryTree::default();
        let mut prev: Option<String> = None;
        let mut sealed = Vec::new();
        for (seq, mut entry) in entries.into_iter().enumerate() {
            entry[member] = json!(id);
            entry["seq"] = json!(seq);
            entry["prev"] = json!(prev);
            entry["at"] = json!(format!("2026-03-0{}T10:00:00.000000Z", seq + 1));
            let canonical = crate::jcs::to_string(&entry).unwrap();
            tree.push(leaf_hash(canonical.as_bytes()));
            let hash = crate::ledger::sha256_hex(canonical.as_bytes());
            prev = Some(hash.clone());
            sealed.push((entry, hash));
        }
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let name = "test/custody";
        let body = note::checkpoint_body(name, tree.size, &tree.root(tree.size));
        let entries: Vec<Value> = sealed
            .into_iter()
            .enumerate()
            .map(|(i, (entry, hash))| {
                let proof: Vec<String> = tree
                    .inclusion(i as u64, tree.size)
                    .iter()
                    .map(hex::encode)
                    .collect();
                json!({"log_index": i, "entry": entry, "entry_hash": hash, "inclusion_proof": proof})
            })
            .collect();
        let mut bundle = json!({"entries": entries, "checkpoint": note::sign(&body, name, &key)});
        bundle[member] = json!(id);
        (
            bundle,
            note::verifier_key(name, &key.verifying_key().to_bytes()),
        )
    }

    #[test]
    fn audit_heads_verify_as_a_history_of_their_own_and_name_neither_item_nor_request() {
        let head = |audit_seq: i64| {
            json!({"v": 1, "type": "audit_head", "actor": {"system": "test/custody"},
                   "audit_seq": audit_seq, "audit_hash": SHA})
        };
        let (bundle, key) = log_bundle("audit_head", "test/custody", vec![head(4), head(9)]);
        let report = verify_bundle(&bundle, &key).unwrap();
        assert_eq!(report.verdict, Verdict::Verified, "{report:?}");
        assert_eq!(report.audit_head.as_deref(), Some("test/custody"));
        assert!(
            report
                .summary
                .starts_with("The record of the audit trail's anchored heads is complete"),
            "{}",
            report.summary
        );
        // An entry that also names an item is not an audit head, though it chains.
        let mut item = head(12);
        item["evidence_id"] = json!(ID);
        let (bundle, key) = log_bundle("audit_head", "test/custody", vec![head(4), item]);
        let report = verify_bundle(&bundle, &key).unwrap();
        assert_eq!(report.verdict, Verdict::NotVerified);
        assert_eq!(
            report.entries[1].problems,
            ["the entry is not an audit head of this log"]
        );
        // A bundle names exactly one history.
        let mut both = bundle.clone();
        both["evidence_id"] = json!(ID);
        assert!(verify_bundle(&both, &key).is_err());
    }

    fn verified(evidence: Value, checks: &[(&str, &str, bool)]) -> Report {
        let (bundle, key) = bundle(evidence, checks);
        verify_bundle(&bundle, &key).unwrap()
    }

    #[test]
    fn checks_written_in_any_spelling_are_judged_by_their_normalised_algorithm() {
        let acquired = json!({"sha256": SHA, "other_hashes": {"MD5": MD5}});
        // An earlier version compared `sha-256` only and flagged this one as matched.
        let report = verified(acquired.clone(), &[("sha256", OTHER, false)]);
        assert_eq!(
            report.verdict,
            Verdict::IntegrityAlert,
            "{}",
            report.summary
        );
        assert_eq!(report.integrity_alerts[0].expected.as_deref(), Some(SHA));
        let report = verified(acquired.clone(), &[("md5", "0".repeat(32).as_str(), false)]);
        assert_eq!(
            report.verdict,
            Verdict::IntegrityAlert,
            "{}",
            report.summary
        );
        // Spellings and case of the same hash match.
        let upper = SHA.to_uppercase();
        let report = verified(
            acquired.clone(),
            &[(" SHA-256", upper.as_str(), false), ("md5", MD5, false)],
        );
        assert_eq!(report.verdict, Verdict::Verified, "{}", report.summary);
        assert_eq!(report.hash_checks_matched, 2);
        assert!(
            report
                .summary
                .contains("each of the item's 2 hash checks matched"),
            "{}",
            report.summary
        );
        // A flag that says otherwise does not decide: the comparison does.
        let report = verified(acquired, &[("sha-256", SHA, true)]);
        assert_eq!(report.verdict, Verdict::Verified, "{}", report.summary);
    }

    #[test]
    fn a_check_with_nothing_to_compare_with_is_never_called_a_match() {
        let report = verified(
            json!({"sha256": SHA, "other_hashes": {}}),
            &[
                ("sha-256", SHA, false),
                ("sha-512", &"a".repeat(128), false),
            ],
        );
        assert_eq!(report.verdict, Verdict::Verified);
        assert_eq!(report.hash_checks_matched, 1);
        assert_eq!(
            report.uncompared_checks,
            [UncomparedCheck {
                position: 2,
                log_index: 2,
                algorithm: "sha-512".into()
            }]
        );
        assert!(
            report
                .summary
                .contains("1 of the item's 2 hash checks matched"),
            "{}",
            report.summary
        );
        assert!(
            report.summary.contains(
                "1 of its hash checks could not be compared, and count neither as matched nor as \
                 failed: entry 2 checked sha-512, and no sha-512 hash was taken at acquisition."
            ),
            "{}",
            report.summary
        );
        // An item registered without any hash.
        let report = verified(json!({"sha256": null}), &[("sha-256", SHA, false)]);
        assert_eq!(report.verdict, Verdict::Verified);
        assert_eq!(report.hash_checks_matched, 0);
        assert!(
            !report.summary.contains("matched the hash"),
            "{}",
            report.summary
        );
        assert!(
            report.summary.contains("could not be compared"),
            "{}",
            report.summary
        );
        let report = verified(json!({"sha256": SHA}), &[]);
        assert!(
            report
                .summary
                .contains("it records no hash check of the item"),
            "{}",
            report.summary
        );
    }

    #[test]
    fn under_a_policy_a_bundle_verifies_only_with_cosignatures_that_meet_its_quorum() {
        use crate::ledger::{cosignature, policy::Policy};
        use ed25519_dalek::SigningKey;
        let (mut bundle, key) = bundle(json!({"kind": "device", "sha256": SHA}), &[]);
        let note = bundle["checkpoint"].as_str().unwrap().to_owned();
        let body = format!("{}\n", note.split_once("\n\n").unwrap().0);
        let witness = |seed: u8, state: &str| {
            let k = SigningKey::from_bytes(&[seed; 32]);
            let name = format!("witness.{state}.example/w1");
            let vk = cosignature::verifier_key(&name, &k.verifying_key().to_bytes());
            (k, name, vk)
        };
        let (jm, tt, bb) = (witness(11, "jm"), witness(12, "tt"), witness(13, "bb"));
        let policy = Policy::parse(&format!(
            "log {key}\nwitness jm {}\nwitness tt {}\nwitness bb {}\ngroup region 2 jm tt bb\nquorum region\n",
            jm.2, tt.2, bb.2
        ))
        .unwrap();
        let cosign =
            |w: &(SigningKey, String, String)| cosignature::cosign(&body, &w.1, &w.0, 1796083200);

        // One cosignature of the two the policy requires: not verified under it.
        bundle["checkpoint"] = json!(cosignature::add_lines(&note, &cosign(&jm)));
        let (report, witnessed) = verify_bundle_under(&bundle, &policy).unwrap();
        assert_eq!(report.verdict, Verdict::NotVerified);
        let witnessed = witnessed.unwrap();
        assert_eq!(
            witnessed.words(),
            "cosigned by the witness of JM: 1 of the 2 the policy requires"
        );
        assert!(report.checkpoint_problems[0].contains("does not meet the policy's quorum"));

        // Three: verified, and said so.
        let all = [cosign(&jm), cosign(&tt), cosign(&bb)].concat();
        bundle["checkpoint"] = json!(cosignature::add_lines(&note, &all));
        let (report, witnessed) = verify_bundle_under(&bundle, &policy).unwrap();
        assert_eq!(
            report.verdict,
            Verdict::Verified,
            "{:?}",
            report.checkpoint_problems
        );
        assert_eq!(
            witnessed.unwrap().words(),
            "cosigned by the witnesses of BB, JM and TT: 3 of the 2 the policy requires"
        );

        // A cosignature of something else under TT's name and key: not verified.
        let forged = [
            cosign(&jm),
            cosignature::cosign("other\n1\nAAAA\n", &tt.1, &tt.0, 1796083200),
        ]
        .concat();
        bundle["checkpoint"] = json!(cosignature::add_lines(&note, &forged));
        let (report, _) = verify_bundle_under(&bundle, &policy).unwrap();
        assert_eq!(report.verdict, Verdict::NotVerified);
    }
}
