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
    start_at(dir, NAME, logs, crate::browser::free_port()).await
}

/// A witness named `name` on `port`, its key and state in `dir`.
async fn start_at(dir: &Path, name: &str, logs: &str, port: u16) -> Witness {
    std::fs::write(dir.join("logs"), logs).unwrap();
    let child = caseledger()
        .args(["witness", "serve", "--name", name])
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
    verifier_key_of(dir, NAME)
}

fn verifier_key_of(dir: &Path, name: &str) -> String {
    let out = caseledger()
        .args(["witness", "key", "--name", name])
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

/// Three states' witnesses (JM, TT and BB), each a process of its own, the log key
/// they witness (made before the service starts, so that they know it), and a policy
/// naming them with a quorum of two.
struct Region {
    _dir: tempfile::TempDir,
    log_key_file: std::path::PathBuf,
    log_verifier: String,
    dirs: Vec<tempfile::TempDir>,
    ports: Vec<u16>,
    witnesses: Vec<Option<Witness>>,
    policy_file: std::path::PathBuf,
}

const STATES: [&str; 3] = ["jm", "tt", "bb"];

impl Region {
    async fn start() -> Region {
        let dir = tempfile::tempdir().unwrap();
        let log_key_file = dir.path().join("log.pem");
        let log_key = caseledger::keys::load_or_generate(&log_key_file).unwrap();
        let origin = caseledger::config::Settings::default().log_origin;
        let log_verifier = note::verifier_key(&origin, &log_key.verifying_key().to_bytes());
        let mut region = Region {
            policy_file: dir.path().join("policy"),
            _dir: dir,
            log_key_file,
            log_verifier,
            dirs: STATES
                .iter()
                .map(|_| tempfile::tempdir().unwrap())
                .collect(),
            ports: STATES.iter().map(|_| crate::browser::free_port()).collect(),
            witnesses: Vec::new(),
        };
        let mut policy = format!("log {}\n", region.log_verifier);
        for (i, state) in STATES.iter().enumerate() {
            region.witnesses.push(None);
            region.restart(i).await;
            let key = verifier_key_of(region.dirs[i].path(), &Region::name(i));
            policy.push_str(&format!(
                "witness {state} {key} http://127.0.0.1:{}\n",
                region.ports[i]
            ));
        }
        policy.push_str("group region 2 jm tt bb\nquorum region\n");
        std::fs::write(&region.policy_file, &policy).unwrap();
        region
    }

    fn name(i: usize) -> String {
        format!("witness.{}.example/w1", STATES[i])
    }

    /// Starts witness `i` (again), with the key and state it had.
    async fn restart(&mut self, i: usize) {
        let witness = start_at(
            self.dirs[i].path(),
            &Region::name(i),
            &self.log_verifier,
            self.ports[i],
        )
        .await;
        self.witnesses[i] = Some(witness);
    }

    /// The service's settings: this region's log key and policy, rounds every 50 ms.
    fn serve(&self) -> impl FnOnce(&mut caseledger::config::Settings) + 'static {
        let (key, policy) = (self.log_key_file.clone(), self.policy_file.clone());
        move |s| {
            s.log_key_file = Some(key);
            s.witness_policy = Some(policy);
            s.witness_interval_ms = 50;
        }
    }
}

/// Registers a seized device in `case`; returns the item's id.
async fn register_item(app: &crate::common::TestApp, token: &str, case: &str, n: usize) -> String {
    let item = app
        .post(
            &format!("/api/v1/cases/{case}/evidence"),
            token,
            &serde_json::json!({"description": format!("Seized device {n}"), "kind": "device",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "collected": {"location": "Kingston", "reason": "seized under warrant",
                                  "authority": "Warrant 2026/117"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    item.body["id"].as_str().unwrap().to_owned()
}

async fn custody_bundle(
    app: &crate::common::TestApp,
    token: &str,
    id: String,
) -> serde_json::Value {
    let res = app
        .get(&format!("/api/v1/evidence/{id}/custody/bundle"), token)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body
}

/// The log size that covers every entry of a bundle.
fn covering(bundle: &serde_json::Value) -> u64 {
    bundle["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["log_index"].as_u64().unwrap() + 1)
        .max()
        .unwrap()
}

/// The tree size a checkpoint note commits to.
fn size_of(note: &str) -> u64 {
    note.lines().nth(1).unwrap().parse().unwrap()
}

/// The service's checkpoint cosigned under its policy, once one covers `size` leaves.
async fn cosigned_covering(app: &crate::common::TestApp, token: &str, size: u64) -> String {
    for _ in 0..200 {
        let res = app.get("/api/v1/log/checkpoint", token).await;
        if res.status == 200 {
            let note = String::from_utf8(res.raw).unwrap();
            if size_of(&note) >= size {
                return note;
            }
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no checkpoint covering {size} leaves was cosigned by the quorum");
}

#[actix_web::test]
async fn the_services_checkpoints_are_cosigned_and_bundles_verify_under_two_of_three_while_one_witness_is_down()
 {
    use crate::common::TestApp;
    use caseledger::agencies::AgencyKind;
    use caseledger::auth::roles::Role;
    use serde_json::Value;

    let mut region = Region::start().await;
    let app = TestApp::spawn_with(region.serve()).await;
    let (log_verifier, policy_file) = (region.log_verifier.clone(), region.policy_file.clone());
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let register = |n: usize| register_item(&app, &inv.token, &case_id, n);
    let bundle_of = |id: String| custody_bundle(&app, &inv.token, id);
    let verify = |bundle: Value| {
        let app = &app;
        let key = log_verifier.clone();
        let policy = policy_file.clone();
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

    // All three up: the item's checkpoint is cosigned, and its bundle verifies.
    let first = register(1).await;
    let bundle = bundle_of(first.clone()).await;
    cosigned_covering(&app, &inv.token, covering(&bundle)).await;
    let bundle = bundle_of(first.clone()).await;
    let (code, out) = verify(bundle).await;
    assert_eq!(code, 0, "{out}");
    // The court report says which states' witnesses cosigned its checkpoint.
    let pdf = app
        .get(
            &format!("/api/v1/evidence/{first}/custody/report.pdf"),
            &inv.token,
        )
        .await;
    assert_eq!(pdf.status, 200);
    let file = app.data_dir().join("report.pdf");
    std::fs::write(&file, &pdf.raw).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args([file.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("cosigned by the witnesses of"), "{text}");
    assert!(text.contains("of the 2 the policy requires"), "{text}");

    // BB's witness stops: JM's and TT's still make the quorum.
    region.witnesses[2] = None;
    let second = register(2).await;
    let bundle = bundle_of(second.clone()).await;
    cosigned_covering(&app, &inv.token, covering(&bundle)).await;
    let (code, out) = verify(bundle_of(second).await).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("cosigned by the witnesses of JM and TT: 2 of the 2"),
        "{out}"
    );
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw).unwrap();
    let lag = text
        .lines()
        .find(|l| l.starts_with("caseledger_witness_lag{witness=\"bb\"}"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(!lag.ends_with(" 0"), "BB's witness lags: {lag}");
    let ready = app.request("GET", "/readyz", None, None, None).await;
    let bb = ready.body["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["witness"] == "bb")
        .cloned()
        .unwrap();
    assert!(bb["lag"].as_u64().unwrap() > 0, "{}", ready.body);

    // TT's stops too: entries still commit, but what they write is covered by no
    // checkpoint the quorum cosigned, and does not verify under the policy...
    region.witnesses[1] = None;
    let third = register(3).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let (code, out) = verify(bundle_of(third.clone()).await).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 of the 2 the policy requires"), "{out}");
    // ...until TT's witness is back.
    region.restart(1).await;
    let bundle = bundle_of(third.clone()).await;
    cosigned_covering(&app, &inv.token, covering(&bundle)).await;
    let (code, out) = verify(bundle_of(third).await).await;
    assert_eq!(code, 0, "{out}");
}

#[actix_web::test]
async fn a_witness_that_saw_another_tree_at_the_same_size_refuses_and_the_alarm_is_raised() {
    use crate::common::TestApp;
    use caseledger::agencies::AgencyKind;
    use caseledger::auth::roles::Role;

    let keys_dir = tempfile::tempdir().unwrap();
    let log_key_file = keys_dir.path().join("log.pem");
    let log_key = caseledger::keys::load_or_generate(&log_key_file).unwrap();
    let origin = caseledger::config::Settings::default().log_origin;
    let log_verifier = note::verifier_key(&origin, &log_key.verifying_key().to_bytes());
    let dir = tempfile::tempdir().unwrap();
    let port = crate::browser::free_port();
    let witness = start_at(dir.path(), "witness.tt.example/w1", &log_verifier, port).await;
    let key = verifier_key_of(dir.path(), "witness.tt.example/w1");

    // Someone holding the log's key showed this witness another history: a tree of
    // 40 leaves of their own making (the service's log will pass that size).
    let mut other = MemoryTree::default();
    for i in 0..40 {
        other.push(merkle::leaf_hash(format!("rewritten {i}").as_bytes()));
    }
    let forged = note::sign(
        &note::checkpoint_body(&origin, 40, &other.root(40)),
        &origin,
        &log_key,
    );
    assert_eq!(add(&witness, request(0, &[], &forged)).await.0, 200);

    let policy_file = keys_dir.path().join("policy");
    std::fs::write(
        &policy_file,
        format!("log {log_verifier}\nwitness tt {key} http://127.0.0.1:{port}\nquorum tt\n"),
    )
    .unwrap();
    let (key_file, policy_path) = (log_key_file.clone(), policy_file.clone());
    let app = TestApp::spawn_with(move |s| {
        s.log_key_file = Some(key_file);
        s.witness_policy = Some(policy_path);
        s.witness_interval_ms = 50;
    })
    .await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    // Items registered until the real log is 40 leaves or more.
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let path = format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap());
    let mut refused = Vec::new();
    for n in 0..60 {
        let item = app
            .post(
                &path,
                &inv.token,
                &serde_json::json!({"description": format!("Seized device {n}"), "kind": "device",
                        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        "collected": {"location": "Kingston", "reason": "seized under warrant",
                                      "authority": "Warrant 2026/117"}}),
            )
            .await;
        assert_eq!(item.status, 201, "{}", item.body);
        refused = app
            .audit_entries()
            .into_iter()
            .filter(|e| e["action"] == "log.witness_refused")
            .collect();
        if !refused.is_empty() {
            break;
        }
    }
    for _ in 0..100 {
        if !refused.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        refused = app
            .audit_entries()
            .into_iter()
            .filter(|e| e["action"] == "log.witness_refused")
            .collect();
    }
    assert!(
        !refused.is_empty(),
        "the witness's refusal raised the alarm"
    );
    assert_eq!(refused[0]["details"]["witness"], "tt");
    // Systems that listen hear of it: the event feed carries it, with no content.
    let feed = app
        .get("/api/v1/events?types=log.*&limit=500", &inv.token)
        .await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    let alarms: Vec<&serde_json::Value> = feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "log.witness_refused")
        .collect();
    assert_eq!(alarms.len(), 1, "{}", feed.body);
    assert_eq!(alarms[0]["subject"]["kind"], "log");
    assert_eq!(alarms[0]["subject"]["id"], "tt");
    assert_eq!(
        refused[0]["outcome"], "success",
        "the refusal is recorded as having happened"
    );
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("caseledger_witness_refusals_total{witness=\"tt\"}")),
        "{text}"
    );
    // Nothing the witness refused counts as cosigned.
    app.get("/api/v1/log/checkpoint", &inv.token)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn one_entrys_proof_is_exported_as_a_c2sp_tlog_proof_that_verifies_on_its_own() {
    use crate::common::TestApp;
    use base64::Engine;
    use caseledger::agencies::AgencyKind;
    use caseledger::auth::roles::Role;
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let path = format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap());
    for n in 0..5 {
        let item = app
            .post(
                &path,
                &inv.token,
                &serde_json::json!({"description": format!("Seized device {n}"), "kind": "device",
                        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        "collected": {"location": "Kingston", "reason": "seized under warrant",
                                      "authority": "Warrant 2026/117"}}),
            )
            .await;
        assert_eq!(item.status, 201, "{}", item.body);
    }
    let key = crate::custody::log_key(&app, &inv.token).await;
    let res = app.get("/api/v1/log/entries/3/proof", &inv.token).await;
    assert_eq!(res.status, 200);
    let text = String::from_utf8(res.raw).unwrap();
    let (head, checkpoint) = text.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("c2sp.org/tlog-proof@v1"));
    assert_eq!(lines.next(), Some("index 3"));
    let proof: Vec<Hash> = lines
        .map(|l| {
            base64::engine::general_purpose::STANDARD
                .decode(l)
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    let verified =
        note::verify_checkpoint(checkpoint, &note::parse_verifier_key(&key).unwrap()).unwrap();
    let leaf = app
        .get("/api/v1/log/proofs/inclusion?index=3", &inv.token)
        .await
        .body["leaf_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let leaf: Hash = hex::decode(leaf).unwrap().try_into().unwrap();
    assert!(merkle::verify_inclusion(
        &leaf,
        3,
        verified.size,
        &proof,
        &verified.root
    ));
    app.get("/api/v1/log/entries/99/proof", &inv.token)
        .await
        .assert_problem(404, "not-found");
}

/// The witnesses whose refusals the instance recorded as alarms.
fn alarms(app: &crate::common::TestApp) -> std::collections::BTreeSet<String> {
    app.audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "log.witness_refused")
        .map(|e| e["details"]["witness"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_copy_of_the_database_that_goes_its_own_way_is_refused_by_every_witness_and_its_bundles_fail_the_policy()
 {
    use crate::common::{PASSWORD, TestApp};
    use caseledger::agencies::AgencyKind;
    use caseledger::auth::roles::Role;

    let region = Region::start().await;
    let app = TestApp::spawn_with(region.serve()).await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let first = register_item(&app, &inv.token, &case_id, 1).await;
    let bundle = custody_bundle(&app, &inv.token, first).await;
    cosigned_covering(&app, &inv.token, covering(&bundle)).await;

    // Someone copies the database, and runs the copy with the log's key: from here on,
    // the two logs hold different entries under the same signature.
    let fork = app.copy(region.serve()).await;
    let forger = fork.caller("jm.inv", PASSWORD).await;
    for n in 2..=4 {
        register_item(&app, &inv.token, &case_id, n).await;
    }
    let latest = app
        .get("/api/v1/log/checkpoint?latest=true", &inv.token)
        .await;
    let size = size_of(&String::from_utf8(latest.raw).unwrap());
    cosigned_covering(&app, &inv.token, size).await;
    // The copy takes more entries than the original, so that its checkpoints reach and
    // pass the size the witnesses have cosigned for the original.
    let mut planted = String::new();
    for n in 2..=8 {
        planted = register_item(&fork, &forger.token, &case_id, 100 + n).await;
    }
    let mut refused = alarms(&fork);
    for _ in 0..200 {
        if refused.len() == STATES.len() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        refused = alarms(&fork);
    }
    assert_eq!(
        refused,
        STATES.iter().map(|s| s.to_string()).collect(),
        "every witness refused the copy's checkpoint, and each refusal raised the alarm"
    );
    assert!(alarms(&app).is_empty(), "the original was never refused");

    // The copy's bundle is signed with the log's key, and with that key alone it
    // verifies: only the witnesses tell the forgery apart.
    let forged = custody_bundle(&fork, &forger.token, planted).await;
    let (code, out) =
        crate::custody::verify_offline_with(&fork, &forged, &region.log_verifier, &[]).await;
    assert_eq!(code, 0, "{out}");
    let policy = region.policy_file.to_str().unwrap();
    let (code, out) = crate::custody::verify_offline_with(
        &fork,
        &forged,
        &region.log_verifier,
        &["--policy", policy],
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0 of the 2 the policy requires"), "{out}");

    // The original goes on being cosigned.
    let fifth = register_item(&app, &inv.token, &case_id, 5).await;
    let bundle = custody_bundle(&app, &inv.token, fifth).await;
    cosigned_covering(&app, &inv.token, covering(&bundle)).await;
    let bundle = custody_bundle(
        &app,
        &inv.token,
        bundle["evidence_id"].as_str().unwrap().to_owned(),
    )
    .await;
    let (code, out) = crate::custody::verify_offline_with(
        &app,
        &bundle,
        &region.log_verifier,
        &["--policy", policy],
    )
    .await;
    assert_eq!(code, 0, "{out}");
}

#[actix_web::test]
async fn the_audit_trails_anchored_heads_are_cosigned_by_the_witnesses_and_verify_under_the_policy()
{
    use crate::common::TestApp;
    use caseledger::agencies::AgencyKind;
    use caseledger::auth::roles::Role;

    let region = Region::start().await;
    let serve = region.serve();
    let app = TestApp::spawn_with(move |s| {
        serve(s);
        s.audit_anchor_ms = 50;
    })
    .await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let auditor = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;
    app.create_case(&inv.token, "Ransomware at the port").await;
    let policy = region.policy_file.to_str().unwrap();
    let export = || async {
        let res = app.get("/api/v1/audit/heads/bundle", &auditor.token).await;
        if res.status != 200 {
            res.assert_problem(404, "not-found");
            return None;
        }
        let (code, out) = crate::custody::verify_offline_with(
            &app,
            &res.body,
            &region.log_verifier,
            &["--policy", policy],
        )
        .await;
        Some((res.body, code, out))
    };
    // Once the witnesses have cosigned a checkpoint that covers an anchored head...
    let mut first = None;
    for _ in 0..100 {
        if let Some((bundle, 0, out)) = export().await {
            first = Some((bundle, out));
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (bundle, out) = first.expect("the anchored heads were cosigned");
    assert!(
        out.contains("The record of the audit trail's anchored heads"),
        "{out}"
    );
    assert!(out.contains("of the 2 the policy requires"), "{out}");
    // ...every export verifies under the policy, although each is audited and so moves
    // the head again: it holds the heads the witnesses have cosigned so far.
    let mut exported = bundle["entries"].as_array().unwrap().len();
    for _ in 0..3 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        let (bundle, code, out) = export().await.unwrap();
        assert_eq!(code, 0, "{out}");
        let heads = bundle["entries"].as_array().unwrap().len();
        assert!(
            heads > exported,
            "later exports hold the heads anchored since"
        );
        exported = heads;
    }
}
