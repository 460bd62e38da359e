//! Signed checkpoints: C2SP `tlog-checkpoint` bodies signed as C2SP `signed-note`s
//! with Ed25519, and the verifier key strings that name their public keys.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

/// The Ed25519 signature type byte of signed notes.
const ED25519: u8 = 0x01;
const EM_DASH: &str = "\u{2014}";

/// First four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    typed_key_id(name, ED25519, public)
}

/// `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
pub fn verifier_key(name: &str, public: &[u8; 32]) -> String {
    typed_verifier_key(name, ED25519, public)
}

/// First four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key): the key ID of a
/// signature type (0x01 a note's Ed25519 signature, 0x04 a cosignature).
pub(super) fn typed_key_id(name: &str, signature_type: u8, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, signature_type]);
    h.update(public);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// `<name>+<key id hex>+<base64(type ‖ public key)>`.
pub(super) fn typed_verifier_key(name: &str, signature_type: u8, public: &[u8; 32]) -> String {
    let mut typed = vec![signature_type];
    typed.extend_from_slice(public);
    format!(
        "{name}+{}+{}",
        hex::encode(typed_key_id(name, signature_type, public)),
        STANDARD.encode(typed)
    )
}

/// A parsed verifier key: a name, its key ID and the Ed25519 public key.
#[derive(Debug, Clone)]
pub struct NoteVerifier {
    pub name: String,
    pub id: [u8; 4],
    pub key: VerifyingKey,
}

pub fn parse_verifier_key(text: &str) -> Result<NoteVerifier, String> {
    parse_typed_verifier_key(text, ED25519, "not an Ed25519 verifier key")
}

/// Parses a verifier key of one signature type (`wrong_type`: what to say of another).
pub(super) fn parse_typed_verifier_key(
    text: &str,
    signature_type: u8,
    wrong_type: &str,
) -> Result<NoteVerifier, String> {
    // Names never contain '+'; base64 keys may.
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("a verifier key is <name>+<key id>+<key>".into());
    };
    let bytes = STANDARD
        .decode(key)
        .map_err(|_| "the key is not base64".to_owned())?;
    if bytes.len() != 33 || bytes[0] != signature_type {
        return Err(wrong_type.to_owned());
    }
    let public: [u8; 32] = bytes[1..].try_into().expect("32 bytes");
    let key = VerifyingKey::from_bytes(&public)
        .map_err(|_| "not a valid Ed25519 public key".to_owned())?;
    let computed = typed_key_id(name, signature_type, &public);
    if hex::encode(computed) != id.to_lowercase() {
        return Err("the key id does not match the name and key".into());
    }
    Ok(NoteVerifier {
        name: name.to_owned(),
        id: computed,
        key,
    })
}

pub fn checkpoint_body(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", STANDARD.encode(root))
}

/// Signs a checkpoint body as a signed note under `name` (the log origin).
pub fn sign(body: &str, name: &str, key: &SigningKey) -> String {
    let public = key.verifying_key().to_bytes();
    let signature: Signature = key.sign(body.as_bytes());
    let mut blob = key_id(name, &public).to_vec();
    blob.extend_from_slice(&signature.to_bytes());
    format!("{body}\n{EM_DASH} {name} {}\n", STANDARD.encode(blob))
}

/// A checkpoint whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Verifies a signed note with `verifier` and parses its checkpoint body.
pub fn verify_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, String> {
    let (body, signatures) = note
        .split_once("\n\n")
        .ok_or_else(|| "the note has no signature block".to_owned())?;
    let body = format!("{body}\n");
    let mut verified = false;
    for line in signatures.lines() {
        let Some(rest) = line.strip_prefix(&format!("{EM_DASH} ")) else {
            return Err("a signature line does not start with an em dash".into());
        };
        let Some((name, sig)) = rest.rsplit_once(' ') else {
            return Err("a signature line has no signature".into());
        };
        if name != verifier.name {
            continue;
        }
        let blob = STANDARD
            .decode(sig)
            .map_err(|_| "a signature is not base64".to_owned())?;
        if blob.len() != 68 || blob[..4] != verifier.id {
            continue;
        }
        let signature =
            Signature::from_slice(&blob[4..]).map_err(|_| "malformed signature".to_owned())?;
        if verifier.key.verify(body.as_bytes(), &signature).is_ok() {
            verified = true;
        } else {
            return Err("the checkpoint signature does not verify".into());
        }
    }
    if !verified {
        return Err("the checkpoint has no signature by this key".into());
    }
    let mut lines = body.lines();
    let origin = lines.next().unwrap_or_default().to_owned();
    let size = lines
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "the checkpoint size is not a number".to_owned())?;
    let root: Hash = lines
        .next()
        .and_then(|r| STANDARD.decode(r).ok())
        .and_then(|r| r.try_into().ok())
        .ok_or_else(|| "the checkpoint root is not a base64 SHA-256 hash".to_owned())?;
    if origin != verifier.name {
        return Err("the checkpoint origin is not the key's name".into());
    }
    Ok(Checkpoint { origin, size, root })
}
