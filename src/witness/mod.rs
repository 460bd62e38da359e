//! A witness any state can run (C2SP `tlog-witness` v1.0.0, custody-log.md §7): a
//! small server with its own Ed25519 key and its own SQLite state (per log origin,
//! the last size and root it cosigned), which cosigns a log's new checkpoint only when
//! a consistency proof shows that it extends the last one it saw, and stores it before
//! it answers. It shares the project's proof code (`ledger::merkle`, `note`,
//! `cosignature`), not the service's database.

pub mod check;
pub mod server;
pub mod state;
pub mod submitter;

use crate::ledger::cosignature;
use ed25519_dalek::SigningKey;

/// A witness's identity: its name (the cosignature lines') and key.
pub struct Identity {
    pub name: String,
    pub key: SigningKey,
}

impl Identity {
    /// The verifier key (type 0x04) that policies name the witness by.
    pub fn verifier_key(&self) -> String {
        cosignature::verifier_key(&self.name, &self.key.verifying_key().to_bytes())
    }
}

/// The name a witness signs as: a schema-less URL-like name, as logs' origins are.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 200
        || name.contains('+')
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("a witness name is 1 to 200 characters, without spaces or '+'".into());
    }
    Ok(())
}
