//! The custody log spec's test vectors, reproduced byte for byte.

use super::verify::Verdict;
use crate::ledger::merkle::{MemoryTree, leaf_hash};
use crate::ledger::note;
use crate::ledger::sha256_hex;
use ed25519_dalek::SigningKey;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../tests/vectors/custody-log-vectors.json")).unwrap()
}

fn tree(v: &Value) -> MemoryTree {
    let mut tree = MemoryTree::default();
    for e in v["entries"].as_array().unwrap() {
        tree.push(leaf_hash(e["canonical"].as_str().unwrap().as_bytes()));
    }
    tree
}

#[test]
fn entries_canonical_bytes_and_hashes() {
    let v = vectors();
    for e in v["entries"].as_array().unwrap() {
        let canonical = crate::jcs::to_string(&e["entry"]).unwrap();
        assert_eq!(canonical, e["canonical"].as_str().unwrap());
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            e["entry_hash"].as_str().unwrap()
        );
        assert_eq!(
            hex::encode(leaf_hash(canonical.as_bytes())),
            e["leaf_hash"].as_str().unwrap()
        );
    }
}

#[test]
fn roots_for_every_size() {
    let v = vectors();
    let tree = tree(&v);
    let roots = v["roots"].as_object().unwrap();
    assert_eq!(roots.len() as u64, tree.size + 1);
    for (size, root) in roots {
        let size: u64 = size.parse().unwrap();
        let computed = if size == 0 {
            crate::ledger::merkle::empty_root()
        } else {
            tree.root(size)
        };
        assert_eq!(hex::encode(computed), root.as_str().unwrap(), "size {size}");
    }
}

#[test]
fn inclusion_and_consistency_proofs() {
    let v = vectors();
    let tree = tree(&v);
    for p in v["inclusion_proofs"].as_array().unwrap() {
        let (index, size) = (
            p["index"].as_u64().unwrap(),
            p["tree_size"].as_u64().unwrap(),
        );
        let path: Vec<String> = tree
            .inclusion(index, size)
            .iter()
            .map(hex::encode)
            .collect();
        let expected: Vec<String> = serde_json::from_value(p["path"].clone()).unwrap();
        assert_eq!(path, expected, "inclusion {index} in {size}");
        let leaf = tree.nodes[&crate::ledger::merkle::NodeId { level: 0, index }];
        assert!(crate::ledger::merkle::verify_inclusion(
            &leaf,
            index,
            size,
            &tree.inclusion(index, size),
            &tree.root(size)
        ));
        let wrong = tree.root(size.max(2) - 1);
        assert!(
            size == 1
                || !crate::ledger::merkle::verify_inclusion(
                    &leaf,
                    index,
                    size,
                    &tree.inclusion(index, size),
                    &wrong
                )
        );
    }
    for p in v["consistency_proofs"].as_array().unwrap() {
        let (first, second) = (p["first"].as_u64().unwrap(), p["second"].as_u64().unwrap());
        let path: Vec<String> = tree
            .consistency(first, second)
            .iter()
            .map(hex::encode)
            .collect();
        let expected: Vec<String> = serde_json::from_value(p["path"].clone()).unwrap();
        assert_eq!(path, expected, "consistency {first} to {second}");
        if first > 0 && first < second {
            let proof = tree.consistency(first, second);
            assert!(crate::ledger::merkle::verify_consistency(
                first,
                second,
                &tree.root(first),
                &tree.root(second),
                &proof
            ));
            assert!(!crate::ledger::merkle::verify_consistency(
                first,
                second,
                &tree.root(second),
                &tree.root(first),
                &proof
            ));
        }
    }
}

#[test]
fn every_proof_of_a_larger_tree_verifies() {
    let mut tree = MemoryTree::default();
    for i in 0..70u64 {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    for size in 1..=70 {
        let root = tree.root(size);
        for index in 0..size {
            let leaf = leaf_hash(&index.to_be_bytes());
            assert!(crate::ledger::merkle::verify_inclusion(
                &leaf,
                index,
                size,
                &tree.inclusion(index, size),
                &root
            ));
        }
        for first in 1..size {
            let proof = tree.consistency(first, size);
            assert!(crate::ledger::merkle::verify_consistency(
                first,
                size,
                &tree.root(first),
                &root,
                &proof
            ));
        }
    }
}

#[test]
fn signed_checkpoint_and_verifier_key() {
    let v = vectors();
    let seed: [u8; 32] = hex::decode(v["signing_key_seed_hex"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = SigningKey::from_bytes(&seed);
    let name = v["key_name"].as_str().unwrap();
    assert_eq!(
        note::verifier_key(name, &key.verifying_key().to_bytes()),
        v["verifier_key"].as_str().unwrap()
    );
    let tree = tree(&v);
    let body = note::checkpoint_body(
        v["origin"].as_str().unwrap(),
        tree.size,
        &tree.root(tree.size),
    );
    let signed = note::sign(&body, name, &key);
    assert_eq!(signed, v["checkpoint"].as_str().unwrap());
    let verifier = note::parse_verifier_key(v["verifier_key"].as_str().unwrap()).unwrap();
    let checkpoint = note::verify_checkpoint(&signed, &verifier).unwrap();
    assert_eq!(checkpoint.size, tree.size);
    // One changed byte in the body breaks the signature.
    let forged = signed.replacen("\n10\n", "\n11\n", 1);
    assert!(note::verify_checkpoint(&forged, &verifier).is_err());
    // Another key does not verify it.
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let other_verifier =
        note::parse_verifier_key(&note::verifier_key(name, &other.verifying_key().to_bytes()))
            .unwrap();
    assert!(note::verify_checkpoint(&signed, &other_verifier).is_err());
}

#[test]
fn the_example_bundle_verifies_and_tampering_is_named() {
    let v = vectors();
    let bundle: Value = serde_json::from_str(include_str!(
        "../../tests/vectors/custody-bundle-example.json"
    ))
    .unwrap();
    let key = v["verifier_key"].as_str().unwrap();
    let report = super::verify::verify_bundle(&bundle, key).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.problems());
    assert!(!report.entries.is_empty());

    let mut altered = bundle.clone();
    altered["entries"][1]["entry"]["type"] = Value::from("released");
    let report = super::verify::verify_bundle(&altered, key).unwrap();
    assert_eq!(report.verdict, Verdict::NotVerified);
    assert!(!report.entries[1].problems.is_empty());
    assert!(report.entries[0].problems.is_empty());

    let mut dropped = bundle.clone();
    dropped["entries"].as_array_mut().unwrap().remove(1);
    let report = super::verify::verify_bundle(&dropped, key).unwrap();
    assert_eq!(report.verdict, Verdict::NotVerified);
    assert!(
        report.entries[1].problems.iter().any(|p| p.contains("seq")),
        "{:?}",
        report.problems()
    );

    let other = SigningKey::from_bytes(&[9u8; 32]);
    let other_key = note::verifier_key(
        v["key_name"].as_str().unwrap(),
        &other.verifying_key().to_bytes(),
    );
    let report = super::verify::verify_bundle(&bundle, &other_key).unwrap();
    assert_eq!(report.verdict, Verdict::NotVerified);
    assert!(!report.checkpoint_problems.is_empty());
}
