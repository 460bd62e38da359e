//! What a witness decides of a submission (custody-log.md §7), apart from where it
//! keeps what it saw: the request read, the log's signature checked, and the new
//! checkpoint held against the last one cosigned.

use crate::ledger::merkle::{self, Hash};
use crate::ledger::note::{self, Checkpoint, NoteVerifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The logs a witness witnesses: their verifier keys, by origin.
pub struct Logs(Vec<NoteVerifier>);

impl Logs {
    /// One log verifier key per line (empty lines and `#` comments aside).
    pub fn parse(text: &str) -> Result<Logs, String> {
        let mut logs = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            logs.push(note::parse_verifier_key(line).map_err(|e| format!("line {}: {e}", n + 1))?);
        }
        if logs.is_empty() {
            return Err("no log is named".into());
        }
        Ok(Logs(logs))
    }

    fn of(&self, origin: &str) -> Option<&NoteVerifier> {
        self.0.iter().find(|l| l.name == origin)
    }
}

/// A submission whose log signature verified.
#[derive(Debug, Clone)]
pub struct Submission {
    pub old: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: Checkpoint,
    /// The checkpoint body (what a cosignature signs).
    pub body: String,
}

/// Why a witness refuses, with the status §7 gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: a body that is not one, or an old size beyond the checkpoint's.
    Malformed(&'static str),
    /// 403: the log's signature is not one this witness trusts.
    Untrusted,
    /// 404: a log this witness does not witness.
    UnknownLog,
    /// 409 with the witness's size: `old` is not the size it last cosigned.
    Behind(u64),
    /// 409: the size it last cosigned, another root (a fork).
    Fork,
    /// 422: the consistency proof fails.
    Inconsistent,
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) => 400,
            Refusal::Untrusted => 403,
            Refusal::UnknownLog => 404,
            Refusal::Behind(_) | Refusal::Fork => 409,
            Refusal::Inconsistent => 422,
        }
    }
}

/// Reads `POST /add-checkpoint`'s body: `old <size>`, the proof's hashes (base64, one
/// a line), an empty line, the signed checkpoint.
pub fn read(body: &str, logs: &Logs) -> Result<Submission, Refusal> {
    let (head, note_text) = body
        .split_once("\n\n")
        .ok_or(Refusal::Malformed("no empty line before the checkpoint"))?;
    let mut lines = head.lines();
    let old: u64 = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(|n| n.parse().ok())
        .ok_or(Refusal::Malformed("the first line is not `old <size>`"))?;
    let proof = lines
        .map(|l| {
            STANDARD
                .decode(l)
                .ok()
                .and_then(|h| Hash::try_from(h).ok())
                .ok_or(Refusal::Malformed(
                    "a proof line is not a base64 SHA-256 hash",
                ))
        })
        .collect::<Result<Vec<Hash>, _>>()?;
    let origin = note_text
        .lines()
        .next()
        .filter(|o| !o.is_empty())
        .ok_or(Refusal::Malformed("no checkpoint"))?;
    let log = logs.of(origin).ok_or(Refusal::UnknownLog)?;
    let checkpoint = note::verify_checkpoint(note_text, log).map_err(|_| Refusal::Untrusted)?;
    if old > checkpoint.size {
        return Err(Refusal::Malformed(
            "the old size is beyond the checkpoint's",
        ));
    }
    let body = note::checkpoint_body(&checkpoint.origin, checkpoint.size, &checkpoint.root);
    Ok(Submission {
        old,
        proof,
        checkpoint,
        body,
    })
}

/// The last checkpoint a witness cosigned for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub size: u64,
    pub root: Hash,
}

/// Whether the witness may cosign `sub`, having last cosigned `seen` (none: nothing
/// yet, as of the empty tree).
pub fn decide(sub: &Submission, seen: Option<Seen>) -> Result<(), Refusal> {
    let seen = seen.unwrap_or(Seen {
        size: 0,
        root: merkle::empty_root(),
    });
    if sub.old != seen.size {
        return Err(Refusal::Behind(seen.size));
    }
    let new = &sub.checkpoint;
    if new.size == seen.size {
        return if new.root == seen.root && sub.proof.is_empty() {
            Ok(())
        } else if new.root != seen.root {
            Err(Refusal::Fork)
        } else {
            Err(Refusal::Inconsistent)
        };
    }
    if seen.size == 0 {
        // Every tree extends the empty one; there is nothing to prove.
        return if sub.proof.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Inconsistent)
        };
    }
    if merkle::verify_consistency(seen.size, new.size, &seen.root, &new.root, &sub.proof) {
        Ok(())
    } else {
        Err(Refusal::Inconsistent)
    }
}
