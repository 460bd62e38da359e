//! Hash algorithms, and how a hash check compares with the hashes an item was
//! acquired with (custody log format §8). The service takes the algorithms below in
//! their canonical spelling or any spelling that normalises to it, and writes the
//! canonical one; a verifier judges every entry, also one written before names were
//! checked, by the same normalised comparison, so that anyone reaches the same
//! verdict from a bundle alone.

use serde_json::Value;
use std::collections::BTreeMap;

/// The algorithms the service takes: the canonical name, and the hex digits of a value.
pub const ALGORITHMS: [(&str, usize); 5] = [
    ("sha-256", 64),
    ("sha-512", 128),
    ("sha-1", 40),
    ("md5", 32),
    ("blake3", 64),
];

/// §8's normalised name: lower case, without spaces, hyphens and underscores
/// (`SHA-256`, `sha256` and `sha_256` are all `sha256`).
pub fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The canonical spelling of a known algorithm, from any spelling of it.
pub fn canonical(name: &str) -> Option<&'static str> {
    let wanted = normalised(name);
    ALGORITHMS
        .iter()
        .map(|(name, _)| *name)
        .find(|name| normalised(name) == wanted)
}

/// Why a hash is not one the service records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an algorithm of [`ALGORITHMS`].
    Algorithm,
    /// Not hex of the algorithm's length.
    Value {
        algorithm: &'static str,
        digits: usize,
    },
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::Algorithm => format!(
                "must be one of {}",
                ALGORITHMS.map(|(name, _)| name).join(", ")
            ),
            Refusal::Value { algorithm, digits } => {
                format!("must be {digits} hex digits for {algorithm}")
            }
        }
    }
}

/// A hash as the service writes it: the canonical algorithm and its value in
/// lower-case hex of the algorithm's length.
pub fn written(algorithm: &str, value: &str) -> Result<(&'static str, String), Refusal> {
    let (name, digits) = ALGORITHMS
        .iter()
        .copied()
        .find(|(name, _)| Some(*name) == canonical(algorithm))
        .ok_or(Refusal::Algorithm)?;
    if value.len() == digits && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok((name, value.to_ascii_lowercase()))
    } else {
        Err(Refusal::Value {
            algorithm: name,
            digits,
        })
    }
}

/// How one hash check compares with the acquisition hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// The item has a hash of the same algorithm from acquisition, and it is equal.
    Match,
    /// It has one, and it differs.
    Mismatch { expected: String },
    /// It has none of that algorithm: nothing to compare with.
    NotComparable,
}

/// The hashes an item was acquired with, by normalised algorithm, in lower-case hex:
/// its `sha256`, and its `other_hashes` (`{algorithm: value}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acquired(BTreeMap<String, String>);

impl Acquired {
    pub fn of(sha256: Option<&str>, other_hashes: &Value) -> Acquired {
        let mut hashes = BTreeMap::new();
        if let Some(others) = other_hashes.as_object() {
            for (algorithm, value) in others {
                if let Some(value) = value.as_str() {
                    hashes.insert(normalised(algorithm), value.to_ascii_lowercase());
                }
            }
        }
        if let Some(sha256) = sha256 {
            hashes.insert("sha256".to_owned(), sha256.to_ascii_lowercase());
        }
        Acquired(hashes)
    }

    /// From an evidence record (the `evidence` member of an item's first entry).
    pub fn of_record(evidence: &Value) -> Acquired {
        Acquired::of(evidence["sha256"].as_str(), &evidence["other_hashes"])
    }

    pub fn compare(&self, algorithm: &str, value: &str) -> Comparison {
        match self.0.get(&normalised(algorithm)) {
            None => Comparison::NotComparable,
            Some(expected) if *expected == value.to_ascii_lowercase() => Comparison::Match,
            Some(expected) => Comparison::Mismatch {
                expected: expected.clone(),
            },
        }
    }

    /// How the check a `hash_verified` entry records compares; `None` for another
    /// entry, or one without a hash.
    pub fn judge(&self, entry: &Value) -> Option<Comparison> {
        if entry["type"] != "hash_verified" {
            return None;
        }
        let hash = &entry["hash"];
        Some(self.compare(hash["algorithm"].as_str()?, hash["value"].as_str()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const OTHER: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    const MD5: &str = "098f6bcd4621d373cade4e832627b4f6";

    #[test]
    fn every_spelling_of_an_algorithm_is_one_algorithm() {
        for alias in [
            "sha-256", "SHA-256", "sha256", "SHA256", "sha_256", " sha-256",
        ] {
            assert_eq!(canonical(alias), Some("sha-256"), "{alias:?}");
        }
        assert_eq!(canonical("MD5"), Some("md5"));
        assert_eq!(canonical("SHA-512"), Some("sha-512"));
        assert_eq!(canonical("whirlpool"), None);
        assert_eq!(
            written("SHA256", &SHA.to_uppercase()),
            Ok(("sha-256", SHA.into()))
        );
        assert_eq!(written("md5", MD5), Ok(("md5", MD5.into())));
        assert!(matches!(
            written("md5", SHA),
            Err(Refusal::Value { digits: 32, .. })
        ));
        assert!(matches!(
            written("sha-256", "not hex"),
            Err(Refusal::Value { .. })
        ));
        assert_eq!(written("crc32", "cbf43926"), Err(Refusal::Algorithm));
    }

    #[test]
    fn a_check_matches_mismatches_or_cannot_be_compared() {
        let acquired = Acquired::of(Some(SHA), &json!({"MD5": MD5}));
        assert_eq!(acquired.compare("sha256", SHA), Comparison::Match);
        assert_eq!(
            acquired.compare("SHA-256", &SHA.to_uppercase()),
            Comparison::Match
        );
        assert_eq!(
            acquired.compare(" sha-256", OTHER),
            Comparison::Mismatch {
                expected: SHA.into()
            }
        );
        assert_eq!(acquired.compare("md5", MD5), Comparison::Match);
        assert!(matches!(
            acquired.compare("md5", &"0".repeat(32)),
            Comparison::Mismatch { .. }
        ));
        assert_eq!(
            acquired.compare("sha-512", &"a".repeat(128)),
            Comparison::NotComparable
        );
        let none = Acquired::of(None, &json!({}));
        assert_eq!(none.compare("sha-256", SHA), Comparison::NotComparable);
        let entry =
            json!({"type": "hash_verified", "hash": {"algorithm": "SHA256", "value": OTHER}});
        assert!(matches!(
            acquired.judge(&entry),
            Some(Comparison::Mismatch { .. })
        ));
        assert_eq!(acquired.judge(&json!({"type": "note"})), None);
    }
}
