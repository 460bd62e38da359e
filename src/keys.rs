//! Ed25519 signing keys kept as PKCS#8 PEM files: generated on first start, then
//! reused, so tokens and checkpoints stay verifiable across restarts.

use anyhow::Context;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use std::io::Write;
use std::path::Path;

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
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(pem.as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated a new signing key");
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_generate(path),
        Err(e) => Err(e).with_context(|| format!("writing key {}", path.display())),
    }
}

pub fn pkcs8_der(key: &SigningKey) -> anyhow::Result<Vec<u8>> {
    Ok(key
        .to_pkcs8_der()
        .map_err(|e| anyhow::anyhow!("encoding key: {e}"))?
        .as_bytes()
        .to_vec())
}
