//! argon2id password hashing and the password policy.

use crate::config::Argon2Settings;
use crate::error::FieldError;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;
/// The password hash of an account that has none (one an identity provider signs
/// in): no PHC string, so that no password ever verifies against it.
pub const NO_PASSWORD: &str = "!no-password: signs in through its identity provider";

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
        if hash == NO_PASSWORD {
            // As long as a real verification, so that it tells nothing.
            let _ = self
                .argon2()
                .verify_password(password.as_bytes(), self.dummy_hash.as_str());
            return false;
        }
        self.argon2()
            .verify_password(password.as_bytes(), hash)
            .is_ok()
    }

    /// Burns the time of one verification; used for unknown and locked accounts.
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, &self.dummy_hash);
    }
}

/// Who a password is for: the words it must not be built from.
pub struct Context<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub agency_name: &'a str,
}

/// The strength zxcvbn must estimate at least: `Three` is "safely unguessable",
/// about 10^10 guesses, what an offline attack on a slow hash needs to be kept out.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Letters and digits only, lower-case: how a password and a context word are
/// compared, so that `JCF-Cybercrime` still contains `jcf cybercrime`.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The password policy (ASVS 5 V6.2): 12 to 128 characters, any characters, no
/// composition rules; not one of the 30,000 most common passwords (also once the
/// digits and symbols around a common word are stripped); not built on the
/// username, the user's name or their agency's name; and strong enough by zxcvbn's
/// estimate, which also sees those words. Every rule broken is reported, each once.
/// Reuse of earlier passwords is checked where they are known (a password change).
pub fn check_policy(field: &str, password: &str, context: &Context) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let broken = |errors: &mut Vec<FieldError>, message: String| {
        errors.push(FieldError::new(field, message))
    };
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        broken(
            &mut errors,
            format!("must be at least {MIN_LENGTH} characters"),
        );
    }
    if chars > MAX_LENGTH {
        broken(
            &mut errors,
            format!("must be at most {MAX_LENGTH} characters"),
        );
        return errors;
    }
    let lower = password.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(lower.as_str()) || COMMON.contains(core) {
        broken(
            &mut errors,
            "is too common: it is on the list of the most used passwords".into(),
        );
    }
    let plain = folded(password);
    let local = context
        .username
        .split_once('.')
        .map_or(context.username, |(_, rest)| rest);
    let words = [
        (local, "the username"),
        (context.display_name, "your name"),
        (context.agency_name, "your agency's name"),
        ("caseledger", "the name of this service"),
    ];
    for (word, what) in words {
        let word = folded(word);
        if word.chars().count() >= 3 && plain.contains(&word) {
            broken(&mut errors, format!("must not contain {what}"));
        }
    }
    let mut inputs: Vec<&str> = vec![context.username, local, "caricom"];
    inputs.extend(context.display_name.split_whitespace());
    inputs.extend(context.agency_name.split_whitespace());
    inputs.push(context.display_name);
    inputs.push(context.agency_name);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() < MIN_SCORE && errors.is_empty() {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(": {w}"))
            .unwrap_or_default();
        broken(
            &mut errors,
            format!(
                "is too easy to guess{why}; a few unrelated words together are strong and easy to remember"
            ),
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    const JDOE: Context = Context {
        username: "jm.jdoe",
        display_name: "Jane Doe",
        agency_name: "JCF Cybercrime Unit",
    };

    fn broken(password: &str) -> Vec<String> {
        check_policy("p", password, &JDOE)
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn weak_passwords_are_refused_with_every_reason() {
        for weak in [
            "short",
            "123456789012",
            "abcdefghijkl",
            "qwertyuiopas",
            "passwordpassword",
            "Password1234!",
            "aaaaaaaaaaaaaa",
            "JCF Cybercrime Unit",
            "jcf-cybercrime-unit-2026",
            "jdoe-harbour-lantern",
            "Jane Doe 19840712",
            "caseledger-2026!",
        ] {
            assert!(!broken(weak).is_empty(), "{weak} was accepted");
        }
        assert_eq!(broken(&"x".repeat(129)), ["must be at most 128 characters"]);
        let both = broken("Jdoe1");
        assert_eq!(both.len(), 2, "{both:?}");
        assert!(both[0].contains("at least 12") && both[1].contains("username"));
        assert!(broken("qwertyuiopas")[0].starts_with("is too easy to guess: "));
    }

    #[test]
    fn strong_passwords_of_any_form_are_accepted() {
        for strong in [
            "harbour-lantern-42",
            "correct-horse-battery-9",
            "Tamarind season in Port of Spain",
            "mɔ́rn ìnglis ɡɔ́ŋ",
        ] {
            assert!(broken(strong).is_empty(), "{strong}: {:?}", broken(strong));
        }
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
