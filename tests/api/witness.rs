//! The witness a state runs (`caseledger witness serve`), as a process of its own,
//! against every status of custody-log.md §7: a log of the test's own signs
//! checkpoints and proves their consistency; the witness cosigns what extends what it
//! last saw, refuses the rest, holds under concurrent submissions, and remembers
//! across a restart.

use caseledger::ledger::cosignature;
use caseledger::ledger::merkle::{self, Hash, MemoryTree};
use caseledger::ledger::note;
use ed25519_dalek::SigningKey;
use std::path::Path;

const ORIGIN: &str = "caseledger.test/custody";
const NAME: &str = "witness.tt.example/w1";

/// A log of the test's own: a signing key and a tree.
struct Log {
    key: SigningKey,
    tree: MemoryTree,
    size: u64,
}

impl Log {
    fn new(seed: u8, leaves: &[&str]) -> Log {
        let mut log = Log {
            key: SigningKey::from_bytes(&[seed; 32]),
            tree: MemoryTree::default(),
            size: 0,
        };
        for leaf in leaves {
            log.push(leaf);
        }
        log
    }

    fn push(&mut self, leaf: &str) {
        self.tree.push(merkle::leaf_hash(leaf.as_bytes()));
        self.size += 1;
    }

    fn verifier_key(&self) -> String {
        note::verifier_key(ORIGIN, &self.key.verifying_key().to_bytes())
    }

    fn checkpoint(&self, size: u64) -> String {
        note::sign(
            &note::checkpoint_body(ORIGIN, size, &self.tree.root(size)),
            ORIGIN,
            &self.key,
        )
    }

    /// The request body: `old`, the proof from `old` to `size`, the checkpoint.
    fn request(&self, old: u64, size: u64) -> String {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            self.tree.consistency(old, size)
        };
        request(old, &proof, &self.checkpoint(size))
    }
}

fn request(old: u64, proof: &[Hash], checkpoint: &str) -> String {
    use base64::Engine;
    let mut body = format!("old {old}\n");
    for hash in proof {
        body.push_str(&base64::engine::general_purpose::STANDARD.encode(hash));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(checkpoint);
    body
}

/// The witness, as a process; stopped when dropped.
struct Witness {
    child: std::process::Child,
    base: String,
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn caseledger() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_caseledger"))
}

async fn start(dir: &Path, logs: &str) -> Witness {
    std::fs::write(dir.join("logs"), logs).unwrap();
    let port = crate::browser::free_port();
    let child = caseledger()
        .args(["witness", "serve", "--name", NAME])
        .arg("--key-file")
        .arg(dir.join("witness.key"))
        .arg("--state")
        .arg(dir.join("witness.db"))
        .arg("--logs")
        .arg(dir.join("logs"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let witness = Witness {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return witness;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the witness did not start");
}

/// An answer: its status and body.
async fn add(witness: &Witness, body: String) -> (u16, String) {
    let mut res = awc::Client::default()
        .post(format!("{}/add-checkpoint", witness.base))
        .send_body(body)
        .await
        .unwrap();
    let text = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
    (res.status().as_u16(), text)
}

/// The witness's verifier key, as `witness key` prints it.
fn verifier_key(dir: &Path) -> String {
    let out = caseledger()
        .args(["witness", "key", "--name", NAME])
        .arg("--key-file")
        .arg(dir.join("witness.key"))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[actix_web::test]
async fn the_witness_cosigns_what_extends_what_it_saw_and_answers_every_status_of_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(1, &["a", "b", "c"]);
    let key = verifier_key(dir.path());
    assert!(key.starts_with(&format!("{NAME}+")), "{key}");
    let cosigner = cosignature::parse_verifier_key(&key).unwrap();
    let log_verifier = note::parse_verifier_key(&log.verifier_key()).unwrap();
    let witness = start(
        dir.path(),
        &format!("# the custody log\n{}\n", log.verifier_key()),
    )
    .await;

    // A first checkpoint: nothing to prove. The answer is a cosignature that verifies.
    let (status, line) = add(&witness, log.request(0, 3)).await;
    assert_eq!(status, 200, "{line}");
    let cosigned = cosignature::add_lines(&log.checkpoint(3), &line);
    let (checkpoint, found) =
        cosignature::verify(&cosigned, &log_verifier, std::slice::from_ref(&cosigner)).unwrap();
    assert_eq!((checkpoint.size, found.len()), (3, 1));
    assert_eq!(found[0].name, NAME);

    // From a size it did not cosign last: 409 with its size.
    log.push("d");
    log.push("e");
    assert_eq!(add(&witness, log.request(0, 5)).await, (409, "3\n".into()));
    // A proof that fails: 422; the right one: 200.
    let wrong = request(3, &log.tree.consistency(2, 5), &log.checkpoint(5));
    assert_eq!(add(&witness, wrong).await.0, 422);
    assert_eq!(add(&witness, log.request(3, 5)).await.0, 200);
    // The same checkpoint again: cosigned again. Another root at that size: a fork.
    assert_eq!(add(&witness, log.request(5, 5)).await.0, 200);
    let fork = Log::new(1, &["a", "b", "c", "d", "x"]);
    assert_eq!(
        add(&witness, fork.request(5, 5)).await,
        (409, String::new())
    );
    // A log it does not witness, a signature it does not trust, a body that is not one.
    let stranger = note::sign(
        &note::checkpoint_body("elsewhere.example/log", 5, &log.tree.root(5)),
        "elsewhere.example/log",
        &log.key,
    );
    assert_eq!(add(&witness, request(5, &[], &stranger)).await.0, 404);
    let impostor = Log::new(2, &["a", "b", "c", "d", "e"]);
    assert_eq!(add(&witness, impostor.request(5, 5)).await.0, 403);
    assert_eq!(add(&witness, "old five\n\nnothing".into()).await.0, 400);
    assert_eq!(
        add(&witness, log.request(5, 5).replace("old 5", "old 9"))
            .await
            .0,
        400
    );

    // Two submissions from the same old size at once: one wins, the other is told the
    // winner's size.
    for leaf in ["f", "g", "h", "i"] {
        log.push(leaf);
    }
    let (first, second) = futures_util::join!(
        add(&witness, log.request(5, 8)),
        add(&witness, log.request(5, 9))
    );
    let mut answers = [first.clone(), second.clone()];
    answers.sort();
    assert_eq!(answers[0].0, 200, "{first:?} {second:?}");
    let winner = if first.0 == 200 { 8 } else { 9 };
    assert_eq!(answers[1], (409, format!("{winner}\n")));

    // Stopped and started again on the same state, it remembers.
    drop(witness);
    let witness = start(dir.path(), &log.verifier_key()).await;
    assert_eq!(
        add(&witness, log.request(5, 9)).await,
        (409, format!("{winner}\n"))
    );
    assert_eq!(add(&witness, log.request(winner, 9)).await.0, 200);
    assert_eq!(verifier_key(dir.path()), key, "the key was kept");
}

#[actix_web::test]
async fn a_court_verifies_a_bundle_under_a_policy_with_the_cosignatures_of_real_witnesses() {
    use crate::common::TestApp;
    use caseledger::agencies::AgencyKind;
    use caseledger::auth::roles::Role;
    use serde_json::json;
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let item = app
        .post(
            &format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap()),
            &inv.token,
            &json!({"description": "Seized laptop", "kind": "device",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "collected": {"location": "Kingston", "reason": "seized under warrant",
                                  "authority": "Warrant 2026/117"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let bundle = app
        .get(
            &format!(
                "/api/v1/evidence/{}/custody/bundle",
                item.body["id"].as_str().unwrap()
            ),
            &inv.token,
        )
        .await
        .body;
    let key = crate::custody::log_key(&app, &inv.token).await;

    // Two states' witnesses, each a process of its own, cosign the bundle's checkpoint.
    let (tt_dir, bb_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let checkpoint = bundle["checkpoint"].as_str().unwrap().to_owned();
    let mut cosigned = checkpoint.clone();
    let mut keys = Vec::new();
    for dir in [&tt_dir, &bb_dir] {
        let witness = start(dir.path(), &key).await;
        let (status, line) = add(&witness, request(0, &[], &checkpoint)).await;
        assert_eq!(status, 200, "{line}");
        cosigned = cosignature::add_lines(&cosigned, &line);
        keys.push(verifier_key(dir.path()));
    }
    // (Both witnesses sign as NAME: a policy tells them apart by their keys.)
    let mut bundle = bundle;
    let policy = |quorum: &str| {
        format!(
            "log {key}\nwitness tt {}\nwitness bb {}\nwitness jm {}\n{quorum}\n",
            keys[0],
            keys[1],
            cosignature::verifier_key(
                "witness.jm.example/w1",
                &SigningKey::from_bytes(&[7u8; 32])
                    .verifying_key()
                    .to_bytes()
            ),
        )
    };
    let file = |text: String| {
        let path = app
            .data_dir()
            .join(format!("policy-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, text).unwrap();
        path
    };
    let met = file(policy("group region 2 tt bb jm\nquorum region"));
    let unmet = file(policy("group region all tt bb jm\nquorum region"));
    let verify = |bundle: &serde_json::Value, policy: &Path| {
        let bundle = bundle.clone();
        let policy = policy.to_path_buf();
        let key = key.clone();
        let app = &app;
        async move {
            crate::custody::verify_offline_with(
                app,
                &bundle,
                &key,
                &["--policy", policy.to_str().unwrap()],
            )
            .await
        }
    };
    // Without cosignatures, the bundle is not verified under a policy that wants two.
    let (code, out) = verify(&bundle, &met).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0 of the 2 the policy requires"), "{out}");
    bundle["checkpoint"] = json!(cosigned);
    let (code, out) = verify(&bundle, &met).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "Witnesses: cosigned by the witnesses of BB and TT: 2 of the 2 the policy requires"
        ),
        "{out}"
    );
    let (code, out) = verify(&bundle, &unmet).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 of the 3 the policy requires"), "{out}");
}
