//! Cosignatures (C2SP `tlog-cosignature` v1, custody-log.md §7): a witness's Ed25519
//! note signature over `cosignature/v1`, the time it signed, and the checkpoint body,
//! with key IDs of type 0x04; and the cosigned checkpoint, the log's signed note with
//! one more signature line per witness.

use super::note::{self, Checkpoint, NoteVerifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _};

/// The signature type byte of cosignatures.
const COSIGNATURE: u8 = 0x04;
const EM_DASH: &str = "\u{2014}";

/// First four bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    note::typed_key_id(name, COSIGNATURE, public)
}

/// `<name>+<key id hex>+<base64(0x04 ‖ public key)>`.
pub fn verifier_key(name: &str, public: &[u8; 32]) -> String {
    note::typed_verifier_key(name, COSIGNATURE, public)
}

/// A witness's parsed verifier key (of type 0x04).
pub type Cosigner = NoteVerifier;

pub fn parse_verifier_key(text: &str) -> Result<Cosigner, String> {
    note::parse_typed_verifier_key(
        text,
        COSIGNATURE,
        "not a cosignature (type 0x04) verifier key",
    )
}

/// What a witness signs: `cosignature/v1`, the time, and the checkpoint body.
pub fn signed_message(body: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{body}")
}

/// A witness's cosignature line for a checkpoint body (ending in its newline).
pub fn cosign(body: &str, name: &str, key: &SigningKey, timestamp: u64) -> String {
    let public = key.verifying_key().to_bytes();
    let signature: Signature = key.sign(signed_message(body, timestamp).as_bytes());
    let mut blob = key_id(name, &public).to_vec();
    blob.extend_from_slice(&timestamp.to_be_bytes());
    blob.extend_from_slice(&signature.to_bytes());
    format!("{EM_DASH} {name} {}\n", STANDARD.encode(blob))
}

/// A signed note's body (with its final newline) and its signature lines.
pub fn split(note: &str) -> Result<(String, Vec<&str>), String> {
    let (body, signatures) = note
        .split_once("\n\n")
        .ok_or_else(|| "the note has no signature block".to_owned())?;
    Ok((format!("{body}\n"), signatures.lines().collect()))
}

/// A checkpoint with more signature lines (a witness's answer added to the log's note).
pub fn add_lines(note: &str, lines: &str) -> String {
    let mut out = note.to_owned();
    for line in lines.lines().filter(|l| !l.is_empty()) {
        if !out.contains(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A cosignature that verified: by whom (name and key ID), and when the witness says
/// it signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub name: String,
    pub id: [u8; 4],
    pub timestamp: u64,
}

/// Verifies a cosigned checkpoint: the log's signature (as §3), then each line by a
/// known witness; lines by names or keys not known are ignored, a known witness's line
/// that fails is an error (it was altered).
pub fn verify(
    note_text: &str,
    log: &NoteVerifier,
    witnesses: &[Cosigner],
) -> Result<(Checkpoint, Vec<Cosigned>), String> {
    let checkpoint = note::verify_checkpoint(note_text, log)?;
    let (body, lines) = split(note_text)?;
    let mut found = Vec::new();
    for line in lines {
        let Some((name, sig)) = line
            .strip_prefix(&format!("{EM_DASH} "))
            .and_then(|rest| rest.rsplit_once(' '))
        else {
            continue;
        };
        let Ok(blob) = STANDARD.decode(sig) else {
            continue;
        };
        if blob.len() != 4 + 8 + 64 {
            continue;
        }
        // A witness is known by its name and key ID together (two may share a name).
        let Some(witness) = witnesses
            .iter()
            .find(|w| w.name == name && blob[..4] == w.id)
        else {
            continue;
        };
        let timestamp = u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes"));
        let signature = Signature::from_slice(&blob[12..])
            .map_err(|_| format!("{name}'s cosignature is malformed"))?;
        witness
            .key
            .verify(signed_message(&body, timestamp).as_bytes(), &signature)
            .map_err(|_| format!("{name}'s cosignature does not verify"))?;
        if !found
            .iter()
            .any(|c: &Cosigned| c.name == name && c.id == witness.id)
        {
            found.push(Cosigned {
                name: name.to_owned(),
                id: witness.id,
                timestamp,
            });
        }
    }
    Ok((checkpoint, found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    pub(crate) fn vectors() -> Value {
        serde_json::from_str(include_str!("../../tests/vectors/cosignature-vectors.json")).unwrap()
    }

    fn seed(hex_text: &str) -> SigningKey {
        SigningKey::from_bytes(&hex::decode(hex_text).unwrap().try_into().unwrap())
    }

    #[test]
    fn the_cosignature_vectors_are_reproduced_byte_for_byte() {
        let v = vectors();
        let body = v["checkpoint_body"].as_str().unwrap();
        let mut cosigned = v["checkpoint"].as_str().unwrap().to_owned();
        let mut cosigners = Vec::new();
        for w in v["witnesses"].as_array().unwrap() {
            let name = w["name"].as_str().unwrap();
            let key = seed(w["seed_hex"].as_str().unwrap());
            let public = key.verifying_key().to_bytes();
            assert_eq!(hex::encode(public), w["public_key_hex"]);
            assert_eq!(hex::encode(key_id(name, &public)), w["key_id_hex"]);
            assert_eq!(verifier_key(name, &public), w["verifier_key"]);
            cosigners.push(parse_verifier_key(w["verifier_key"].as_str().unwrap()).unwrap());
            let Some(timestamp) = w["timestamp"].as_u64() else {
                continue; // BB's witness does not cosign.
            };
            assert_eq!(signed_message(body, timestamp), w["signed_message"]);
            let line = cosign(body, name, &key, timestamp);
            assert_eq!(line, w["signature_line"]);
            cosigned = add_lines(&cosigned, &line);
        }
        assert_eq!(cosigned, v["cosigned_checkpoint"]);

        let log_key = v["policies"][0]["policy"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .strip_prefix("log ")
            .unwrap()
            .to_owned();
        let log = note::parse_verifier_key(&log_key).unwrap();
        let (checkpoint, found) = verify(&cosigned, &log, &cosigners).unwrap();
        assert_eq!(checkpoint.size, 10);
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["witness.jm.example/w1", "witness.tt.example/w1"]);
        assert_eq!(found[0].timestamp, 1796083200);

        // An altered cosignature is an error; an unknown witness's line is ignored.
        let altered = cosigned.replace("AWPCpwAAAABrDg4A0H2p", "AWPCpwAAAABrDg4A0H2q");
        assert!(verify(&altered, &log, &cosigners).is_err());
        let (_, only_bb) = verify(&cosigned, &log, &cosigners[2..]).unwrap();
        assert!(only_bb.is_empty());
    }
}
