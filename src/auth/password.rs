//! argon2id password hashing and the password policy.

use crate::config::Argon2Settings;
use crate::error::FieldError;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// The 30,000 most common passwords of the xato.net corpus (as shipped by zxcvbn).
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().collect());

#[derive(Clone)]
pub struct Hasher {
    params: Params,
    /// Verified against when the user does not exist, so that an unknown username
    /// costs the same time as a wrong password.
    dummy_hash: String,
}

impl Hasher {
    pub fn new(settings: &Argon2Settings) -> anyhow::Result<Hasher> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let mut hasher = Hasher {
            params,
            dummy_hash: String::new(),
        };
        hasher.dummy_hash = hasher.hash(&uuid::Uuid::new_v4().to_string())?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    }

    /// Verifies with the parameters recorded in the hash itself.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        self.argon2()
            .verify_password(password.as_bytes(), hash)
            .is_ok()
    }

    /// Burns the time of one verification; used for unknown and locked accounts.
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, &self.dummy_hash);
    }
}

/// Length limits, the common-password list (also after stripping the digits and
/// symbols people wrap around a common word), and the username.
pub fn check_policy(field: &str, password: &str, username: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(FieldError::new(
            field,
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    if chars > MAX_LENGTH {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_LENGTH} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(lower.as_str()) || COMMON.contains(core) {
        return Err(FieldError::new(field, "is too common"));
    }
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first) {
        return Err(FieldError::new(field, "must not repeat one character"));
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(FieldError::new(field, "must not contain the username"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("p", "short", "u").is_err());
        assert!(check_policy("p", &"x".repeat(129), "u").is_err());
        assert!(check_policy("p", "qwertyuiop12", "u").is_err());
        assert!(check_policy("p", "Password1234!", "u").is_err());
        assert!(check_policy("p", "aaaaaaaaaaaaaa", "u").is_err());
        assert!(check_policy("p", "jdoe-harbour-lantern", "jdoe").is_err());
        assert!(check_policy("p", "harbour-lantern-42", "jdoe").is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let h = Hasher::new(&Argon2Settings {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let stored = h.hash("harbour-lantern-42").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(h.verify("harbour-lantern-42", &stored));
        assert!(!h.verify("harbour-lantern-43", &stored));
        assert!(!h.verify("harbour-lantern-42", "not a hash"));
    }

    #[test]
    fn defaults_are_owasp() {
        let s = Argon2Settings::default();
        assert_eq!((s.memory_kib, s.iterations, s.parallelism), (19456, 2, 1));
    }
}
