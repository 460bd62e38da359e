//! Keys kept as files, generated on first start and then reused: Ed25519 signing keys
//! as PKCS#8 PEM (tokens and checkpoints stay verifiable across restarts), and
//! 32-byte secrets as hex (the content store's key-encryption key). A new file is
//! created exclusively, readable by its owner only; when two instances start at once,
//! the second uses the first's.

use anyhow::Context;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use std::io::Write;
use std::path::Path;

/// Writes `contents` to a new file at `path`, owner-only; false when the file exists
/// already (another process created it first).
fn create_new(path: &Path, contents: &[u8]) -> anyhow::Result<bool> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(contents)?;
            file.sync_all()?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("writing key {}", path.display())),
    }
}

pub fn load_or_generate(path: &Path) -> anyhow::Result<SigningKey> {
    if path.exists() {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading key {}", path.display()))?;
        return SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
            anyhow::anyhow!("key {} is not a PKCS#8 Ed25519 key: {e}", path.display())
        });
    }
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encoding a new key: {e}"))?;
    if create_new(path, pem.as_bytes())? {
        tracing::info!(path = %path.display(), "generated a new signing key");
        Ok(key)
    } else {
        load_or_generate(path)
    }
}

/// A 32-byte secret kept as 64 hex digits.
pub fn load_or_generate_secret(path: &Path) -> anyhow::Result<[u8; 32]> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading key {}", path.display()))?;
        return hex::decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| anyhow::anyhow!("key {} is not 32 bytes in hex", path.display()));
    }
    let mut secret = [0u8; 32];
    rand::fill(&mut secret);
    if create_new(path, format!("{}\n", hex::encode(secret)).as_bytes())? {
        tracing::info!(path = %path.display(), "generated a new key");
        Ok(secret)
    } else {
        load_or_generate_secret(path)
    }
}

pub fn pkcs8_der(key: &SigningKey) -> anyhow::Result<Vec<u8>> {
    Ok(key
        .to_pkcs8_der()
        .map_err(|e| anyhow::anyhow!("encoding key: {e}"))?
        .as_bytes()
        .to_vec())
}
