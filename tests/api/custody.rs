//! Evidence and the custody ledger over HTTP: registration, the rules of custody,
//! prev conflicts, proofs and checkpoints, bundles verified offline, tampering, and
//! concurrent appends on one or two instances.

use crate::common::{Caller, Response, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use caseledger::ledger::{merkle, note};
use serde_json::{Value, json};
use std::collections::HashSet;

const DISK_SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const OTHER_SHA: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

struct World {
    app: TestApp,
    jm: String,
    bb: String,
    inv: Caller,
    sup: Caller,
    bb_inv: Caller,
    case_id: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let bb = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let sup = app.user_caller("jm.sup", &jm, &[Role::Supervisor]).await;
    let bb_inv = app.user_caller("bb.inv", &bb, &[Role::Investigator]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    World {
        app,
        jm,
        bb,
        inv,
        sup,
        bb_inv,
        case_id,
    }
}

async fn register(app: &TestApp, token: &str, case_id: &str, body: Value) -> Response {
    app.post(&format!("/api/v1/cases/{case_id}/evidence"), token, &body)
        .await
}

fn disk() -> Value {
    json!({
        "description": "Forensic image of the file server's system disk",
        "kind": "disk_image",
        "sha256": DISK_SHA,
        "size_bytes": 512_110_190_592_i64,
        "seal_number": "JCF-SEAL-0042",
        "source": {"seized_from": "Harbour Logistics Ltd", "location": "Kingston", "legal_authority": "Warrant 2026/117"},
        "acquisition": {"method": "write-blocked image", "tool": "ewfacquire", "tool_version": "20140608", "acquired_by": "jm.inv"},
        "collected": {"location": "Kingston, Jamaica", "reason": "seized under warrant", "authority": "Warrant 2026/117"}
    })
}

async fn append(app: &TestApp, token: &str, id: &str, body: Value) -> Response {
    app.post(&format!("/api/v1/evidence/{id}/custody"), token, &body)
        .await
}

/// The offline verifier's exit status and what it printed.
async fn verify_offline(app: &TestApp, bundle: &Value, key: &str) -> (i32, String) {
    let path = app
        .data_dir()
        .join(format!("bundle-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caseledger"))
        .args(["verify-bundle", path.to_str().unwrap(), "--key", key])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn log_key(app: &TestApp, token: &str) -> String {
    let res = app.get("/api/v1/log/key", token).await;
    assert_eq!(res.status, 200);
    String::from_utf8(res.raw).unwrap().trim().to_owned()
}

#[actix_web::test]
async fn registration_and_the_rules_of_custody() {
    let w = world().await;
    let app = &w.app;
    let res = register(app, &w.inv.token, &w.case_id, disk()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let item = res.body.clone();
    let id = item["id"].as_str().unwrap().to_owned();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(item["label"], format!("JM-{year}-000001/E01"));
    assert_eq!(item["status"], "in_custody");
    assert_eq!(
        item["custodian"],
        json!({"user_id": w.inv.id, "agency_id": w.jm})
    );
    assert_eq!(item["entries"], 1);
    let second = register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Seized laptop", "kind": "device"}),
    )
    .await;
    assert_eq!(second.body["label"], format!("JM-{year}-000001/E02"));

    // Digital evidence needs its hash; details take integers only.
    let res = register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Memory dump", "kind": "memory_capture"}),
    )
    .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "sha256");
    append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "note", "details": {"ratio": 0.5}}),
    )
    .await
    .assert_problem(422, "validation-failed");
    append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "note", "colour": "red"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    append(app, &w.inv.token, &id, json!({"type": "collected"}))
        .await
        .assert_problem(422, "validation-failed");

    // The first entry commits to the acquisition hash.
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    let first = &custody.body[0]["entry"];
    assert_eq!(first["type"], "collected");
    assert_eq!(first["seq"], 0);
    assert_eq!(first["prev"], Value::Null);
    assert_eq!(first["evidence"]["sha256"], DISK_SHA);
    assert_eq!(first["authority"], "Warrant 2026/117");
    assert_eq!(first["actor"]["country"], "JM");
    assert!(first["at"].as_str().unwrap().ends_with('Z'));

    let ok = |res: Response| {
        assert_eq!(res.status, 201, "{}", res.body);
        res.body
    };
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "sealed", "seal": {"number": "JCF-SEAL-0042", "condition": "intact"}}),
    )
    .await);
    append(app, &w.inv.token, &id, json!({"type": "sealed"}))
        .await
        .assert_problem(422, "validation-failed");
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "checked_out", "reason": "imaging verification"}),
    )
    .await);
    // Checked out: no transfer until it is checked in.
    let transfer = json!({"type": "transferred", "to_agency_id": w.bb, "to_custodian_id": w.bb_inv.id, "authority": "MLA JM-BB-2026-07"});
    append(app, &w.inv.token, &id, transfer.clone())
        .await
        .assert_problem(409, "custody-rule-violated");
    ok(append(app, &w.inv.token, &id, json!({"type": "checked_in"})).await);
    append(app, &w.inv.token, &id, json!({"type": "checked_in"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    let same = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": DISK_SHA}}),
    )
    .await);
    assert_eq!(same["entry"]["hash_mismatch"], false);
    // A different hash is recorded and flagged, not refused.
    let differs = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": OTHER_SHA}}),
    )
    .await);
    assert_eq!(differs["entry"]["hash_mismatch"], true);
    assert_eq!(
        app.get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
            .await
            .body["integrity_alert"],
        true
    );

    // A transfer names a real custodian of the receiving agency.
    append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "transferred", "to_agency_id": w.bb, "to_custodian_id": w.inv.id}),
    )
    .await
    .assert_problem(422, "validation-failed");
    append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "transferred", "to_agency_id": w.bb}),
    )
    .await
    .assert_problem(422, "validation-failed");
    // Barbados sees nothing before the transfer, and cannot write to it.
    app.get(&format!("/api/v1/evidence/{id}"), &w.bb_inv.token)
        .await
        .assert_problem(404, "not-found");
    append(app, &w.bb_inv.token, &id, json!({"type": "note"}))
        .await
        .assert_problem(404, "not-found");
    let sent = ok(append(app, &w.inv.token, &id, transfer).await);
    assert_eq!(sent["entry"]["to_agency_id"], w.bb);
    let now = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body;
    assert_eq!(now["status"], "in_transit");
    assert_eq!(
        now["pending_transfer"],
        json!({"user_id": w.bb_inv.id, "agency_id": w.bb})
    );
    // In transit: only the receiving agency's receipt moves it on.
    append(app, &w.inv.token, &id, json!({"type": "checked_out"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    append(app, &w.inv.token, &id, json!({"type": "received"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    // The receiving agency, outside the case, sees this item and its custody only.
    assert_eq!(
        app.get(&format!("/api/v1/evidence/{id}"), &w.bb_inv.token)
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/evidence/{id}/custody"), &w.bb_inv.token)
            .await
            .status,
        200
    );
    app.get(&format!("/api/v1/cases/{}", w.case_id), &w.bb_inv.token)
        .await
        .assert_problem(404, "not-found");
    app.get(
        &format!("/api/v1/cases/{}/evidence", w.case_id),
        &w.bb_inv.token,
    )
    .await
    .assert_problem(404, "not-found");
    let laptop = second.body["id"].as_str().unwrap();
    app.get(&format!("/api/v1/evidence/{laptop}"), &w.bb_inv.token)
        .await
        .assert_problem(404, "not-found");
    let received = ok(append(app, &w.bb_inv.token, &id, json!({"type": "received", "location": "Bridgetown", "seal": {"number": "JCF-SEAL-0042", "condition": "intact"}})).await);
    assert_eq!(
        received["entry"]["custodian_after"],
        json!({"user_id": w.bb_inv.id, "agency_id": w.bb})
    );
    assert_eq!(
        received["entry"]["custodian_before"],
        json!({"user_id": w.inv.id, "agency_id": w.jm})
    );

    // prev: a stale head is refused, the current one accepted.
    let head = app
        .get(&format!("/api/v1/evidence/{id}"), &w.bb_inv.token)
        .await
        .body["head"]
        .as_str()
        .unwrap()
        .to_owned();
    append(
        app,
        &w.bb_inv.token,
        &id,
        json!({"type": "note", "prev": sent["entry_hash"]}),
    )
    .await
    .assert_problem(409, "custody-chain-moved");
    let noted = ok(append(
        app,
        &w.bb_inv.token,
        &id,
        json!({"type": "note", "prev": head, "details": {"pages": 3}}),
    )
    .await);
    assert_eq!(noted["entry"]["prev"], head);

    // Corrections name an existing entry; destruction is final but for notes.
    append(
        app,
        &w.sup.token,
        &id,
        json!({"type": "correction", "corrects_seq": 99, "reason": "typo"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    ok(append(
        app,
        &w.sup.token,
        &id,
        json!({"type": "correction", "corrects_seq": 3, "reason": "seal number misread"}),
    )
    .await);
    ok(append(
        app,
        &w.bb_inv.token,
        &id,
        json!({"type": "destroyed", "authority": "Court order 88/2026"}),
    )
    .await);
    append(app, &w.bb_inv.token, &id, json!({"type": "checked_out"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    ok(append(
        app,
        &w.bb_inv.token,
        &id,
        json!({"type": "note", "reason": "certificate of destruction filed"}),
    )
    .await);
    let last = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body;
    assert_eq!(last["status"], "destroyed");
    assert_eq!(last["custodian"], Value::Null);

    // The chain, the log and the offline verifier agree.
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await
        .body;
    let entries = custody.as_array().unwrap();
    assert_eq!(entries.len() as i64, last["entries"].as_i64().unwrap());
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["entry"]["seq"], i);
        let canonical = serde_json_canonicalizer::to_string(&e["entry"]).unwrap();
        assert_eq!(
            caseledger::ledger::sha256_hex(canonical.as_bytes()),
            e["entry_hash"]
        );
        if i > 0 {
            assert_eq!(e["entry"]["prev"], entries[i - 1]["entry_hash"]);
        }
    }
    let report = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.bb_inv.token,
        )
        .await;
    // The record verifies, and says first that the item failed a hash check: which
    // entry, which hashes, when and by whom.
    assert_eq!(report.body["verdict"], "integrity_alert", "{}", report.body);
    let summary = report.body["summary"].as_str().unwrap();
    assert!(summary.starts_with("The custody record is complete and unaltered, but"));
    assert!(
        summary.contains(OTHER_SHA) && summary.contains(DISK_SHA),
        "{summary}"
    );
    let alerts = report.body["integrity_alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["position"], differs["entry"]["seq"]);
    assert_eq!(alerts[0]["observed"], OTHER_SHA);
    assert_eq!(alerts[0]["expected"], DISK_SHA);
    assert_eq!(alerts[0]["at"], differs["entry"]["at"]);
    assert_eq!(alerts[0]["actor"]["user_id"], w.inv.id);
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(bundle["case_reference"], format!("JM-{year}-000001"));
    assert_eq!(bundle["evidence"]["label"], item["label"]);
    let key = log_key(app, &w.inv.token).await;
    assert_eq!(bundle["public_key"], key);
    let (code, output) = verify_offline(app, &bundle, &key).await;
    assert_eq!(code, 3, "{output}");
    assert!(output.starts_with("INTEGRITY ALERT: "), "{output}");
    assert!(
        output.contains(&format!("observed sha-256 {OTHER_SHA}")),
        "{output}"
    );

    // The audit trail holds every append and the refused attempts.
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let auditor = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;
    let trail = app
        .get(
            &format!("/api/v1/audit?case={}&limit=200", w.case_id),
            &auditor.token,
        )
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    let count = |action: &str, outcome: &str| {
        trail
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("evidence.register", "success"), 2);
    assert_eq!(count("custody.append", "success"), entries.len() - 1);
    assert_eq!(count("custody.append", "denied"), 1);
    assert!(count("evidence.read", "denied") >= 2);
    let appended = trail
        .iter()
        .find(|e| e["action"] == "custody.append" && e["outcome"] == "success")
        .unwrap();
    assert_eq!(appended["subject"]["type"], "evidence");
    assert_eq!(appended["details"]["evidence_id"], id);
}

#[actix_web::test]
async fn checkpoints_and_proofs() {
    let w = world().await;
    let app = &w.app;
    let t = w.inv.token.as_str();
    let key = log_key(app, t).await;
    let verifier = note::parse_verifier_key(&key).unwrap();
    assert!(key.starts_with("caseledger/custody+"));
    // An empty log has a signed checkpoint too.
    let empty = String::from_utf8(app.get("/api/v1/log/checkpoint", t).await.raw).unwrap();
    let cp = note::verify_checkpoint(&empty, &verifier).unwrap();
    assert_eq!((cp.size, cp.root), (0, merkle::empty_root()));

    let mut leaves = Vec::new();
    for i in 0..5 {
        let res = register(
            app,
            t,
            &w.case_id,
            json!({"description": format!("item {i}"), "kind": "document"}),
        )
        .await;
        let id = res.body["id"].as_str().unwrap().to_owned();
        for _ in 0..i {
            append(app, t, &id, json!({"type": "note"})).await;
        }
    }
    let res = app.get("/api/v1/log/checkpoint", t).await;
    assert!(res.content_type().starts_with("text/plain"));
    let text = String::from_utf8(res.raw).unwrap();
    let cp = note::verify_checkpoint(&text, &verifier).unwrap();
    assert_eq!(cp.size, 15);
    for index in 0..cp.size {
        let p = app
            .get(
                &format!(
                    "/api/v1/log/proofs/inclusion?index={index}&tree_size={}",
                    cp.size
                ),
                t,
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        let leaf: merkle::Hash = hex::decode(p.body["leaf_hash"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let path: Vec<merkle::Hash> = p.body["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        assert!(
            merkle::verify_inclusion(&leaf, index, cp.size, &path, &cp.root),
            "index {index}"
        );
        leaves.push(leaf);
    }
    // Consistency from every earlier size to the latest; the log is append-only.
    let mut tree = merkle::MemoryTree::default();
    for leaf in &leaves {
        tree.push(*leaf);
    }
    for first in 1..cp.size {
        let p = app
            .get(&format!("/api/v1/log/proofs/consistency?first={first}"), t)
            .await;
        assert_eq!(p.body["second"], cp.size);
        let path: Vec<merkle::Hash> = p.body["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        assert!(
            merkle::verify_consistency(first, cp.size, &tree.root(first), &cp.root, &path),
            "{first}"
        );
    }
    app.get("/api/v1/log/proofs/inclusion?index=15&tree_size=15", t)
        .await
        .assert_problem(422, "validation-failed");
    app.get("/api/v1/log/proofs/inclusion?index=0&tree_size=99", t)
        .await
        .assert_problem(422, "validation-failed");
    app.get("/api/v1/log/proofs/consistency?first=9&second=4", t)
        .await
        .assert_problem(422, "validation-failed");
    app.request("GET", "/api/v1/log/checkpoint", None, None, None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn evidence_endpoints_by_role_and_agency() {
    let w = world().await;
    let app = &w.app;
    let reader = app.agency("JM", "JM Office of the DPP", AgencyKind::Prosecution);
    let helper = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let stranger = app.agency("GY", "Guyana Police Force", AgencyKind::Police);
    for (agency, access) in [(&reader, "read"), (&helper, "contribute")] {
        let res = app
            .post(
                &format!("/api/v1/cases/{}/participants", w.case_id),
                &w.sup.token,
                &json!({"agency_id": agency, "access": access}),
            )
            .await;
        assert_eq!(res.status, 201);
    }
    let item = register(app, &w.inv.token, &w.case_id, disk()).await.body;
    let id = item["id"].as_str().unwrap().to_owned();
    let mut n = 0;
    for (place, agency) in [
        ("owner", &w.jm),
        ("read", &reader),
        ("contribute", &helper),
        ("stranger", &stranger),
    ] {
        for role in Role::ALL {
            n += 1;
            let caller = app
                .user_caller(
                    &app.username_in(agency, &format!("ev.{n}")),
                    agency,
                    &[role],
                )
                .await;
            let t = caller.token.as_str();
            let case_role = matches!(
                role,
                Role::Investigator | Role::Supervisor | Role::Prosecutor | Role::CentralAuthority
            );
            let sees = case_role && place != "stranger";
            let writes = sees
                && matches!(place, "owner" | "contribute")
                && matches!(role, Role::Investigator | Role::Supervisor);
            let who = format!("{role} at {place}");
            let code = |ok: u16| {
                if sees {
                    if writes { ok } else { 403 }
                } else {
                    404
                }
            };
            for path in [
                format!("/api/v1/evidence/{id}"),
                format!("/api/v1/evidence/{id}/custody"),
                format!("/api/v1/evidence/{id}/custody/bundle"),
                format!("/api/v1/cases/{}/evidence", w.case_id),
            ] {
                let res = app.get(&path, t).await;
                assert_eq!(
                    res.status.as_u16(),
                    if sees { 200 } else { 404 },
                    "{who}: GET {path}: {}",
                    res.body
                );
            }
            // Auditors of the item's country verify its chain without reading it.
            let jamaican = matches!(place, "owner" | "read");
            let verifies = sees || (role == Role::Auditor && jamaican);
            let res = app
                .get(&format!("/api/v1/evidence/{id}/custody/verify"), t)
                .await;
            assert_eq!(
                res.status.as_u16(),
                if verifies { 200 } else { 404 },
                "{who}: verify: {}",
                res.body
            );
            if verifies {
                assert_eq!(res.body["verdict"], "verified");
            }
            let res = append(
                app,
                t,
                &id,
                json!({"type": "note", "reason": format!("by {who}")}),
            )
            .await;
            assert_eq!(
                res.status.as_u16(),
                code(201),
                "{who}: append: {}",
                res.body
            );
            let res = register(
                app,
                t,
                &w.case_id,
                json!({"description": format!("by {who}"), "kind": "document"}),
            )
            .await;
            assert_eq!(
                res.status.as_u16(),
                code(201),
                "{who}: register: {}",
                res.body
            );
            if !sees {
                let hidden = app.get(&format!("/api/v1/evidence/{id}"), t).await;
                let missing = app
                    .get("/api/v1/evidence/01990000-0000-7000-8000-00000000cafe", t)
                    .await;
                assert_eq!(hidden.raw, missing.raw, "{who}");
            }
        }
    }
}

async fn tamper_setup(w: &World) -> (String, Vec<Value>) {
    let app = &w.app;
    let id = register(app, &w.inv.token, &w.case_id, disk()).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for t in ["sealed", "checked_out", "checked_in", "note"] {
        let mut body = json!({"type": t});
        if t == "sealed" {
            body["seal"] = json!({"number": "S-1", "condition": "intact"});
        }
        assert_eq!(append(app, &w.inv.token, &id, body).await.status, 201);
    }
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await
        .body;
    assert_eq!(
        app.get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.inv.token
        )
        .await
        .body["verdict"],
        "verified"
    );
    (id, custody.as_array().unwrap().clone())
}

fn drop_custody_triggers(app: &TestApp) {
    for trigger in ["custody_entries_no_update", "custody_entries_no_delete"] {
        let sql = if app.is_postgres() {
            format!("DROP TRIGGER {trigger} ON custody_entries")
        } else {
            format!("DROP TRIGGER {trigger}")
        };
        app.exec(&sql).unwrap();
    }
}

/// The service's verify and the offline verifier both fail, naming `position`.
async fn assert_caught(w: &World, id: &str, position: u64, what: &str) {
    let app = &w.app;
    let report = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(report["verdict"], "not_verified", "{what}: {report}");
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .starts_with("The custody record does not verify"),
        "{what}: {report}"
    );
    let named: Vec<u64> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["problems"].as_array().unwrap().is_empty())
        .map(|f| f["position"].as_u64().unwrap())
        .collect();
    assert_eq!(named.first(), Some(&position), "{what}: {report}");
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await
        .body;
    let key = log_key(app, &w.inv.token).await;
    let (code, output) = verify_offline(app, &bundle, &key).await;
    assert_eq!(code, 1, "{what}: {output}");
    assert!(output.starts_with("NOT VERIFIED: "), "{what}: {output}");
    assert!(
        output.contains(&format!("FAIL entry {position:>4}")),
        "{what}: {output}"
    );
}

#[actix_web::test]
async fn the_database_refuses_to_rewrite_custody() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    assert!(
        w.app
            .exec(&format!(
                "UPDATE custody_entries SET entry_type = 'x' WHERE evidence_id = '{id}'"
            ))
            .is_err()
    );
    assert!(
        w.app
            .exec(&format!(
                "DELETE FROM custody_entries WHERE evidence_id = '{id}'"
            ))
            .is_err()
    );
    assert!(w.app.exec("DELETE FROM log_node_runs").is_err());
    assert!(w.app.exec("UPDATE log_node_runs SET leaves = 1").is_err());
    assert!(w.app.exec("UPDATE log_checkpoints SET note = 'x'").is_err());
}

#[actix_web::test]
async fn a_changed_byte_is_caught() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    drop_custody_triggers(&w.app);
    w.app
        .exec(&format!(
            "UPDATE custody_entries SET canonical = replace(canonical, '\"checked_out\"', '\"checked_in_\"') WHERE evidence_id = '{id}' AND seq = 2"
        ))
        .unwrap();
    assert_caught(&w, &id, 2, "changed byte").await;
}

#[actix_web::test]
async fn a_deleted_entry_is_caught() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    drop_custody_triggers(&w.app);
    w.app
        .exec(&format!(
            "DELETE FROM custody_entries WHERE evidence_id = '{id}' AND seq = 3"
        ))
        .unwrap();
    assert_caught(&w, &id, 3, "deleted entry").await;
}

#[actix_web::test]
async fn reordered_entries_are_caught() {
    let w = world().await;
    let (id, entries) = tamper_setup(&w).await;
    drop_custody_triggers(&w.app);
    // Swap the stored bytes and hashes of entries 1 and 2.
    let (i1, i2) = (
        entries[1]["log_index"].as_i64().unwrap(),
        entries[2]["log_index"].as_i64().unwrap(),
    );
    w.app
        .exec(&format!(
            "UPDATE custody_entries SET seq = -1 WHERE log_index = {i1}; \
             UPDATE custody_entries SET seq = 1 WHERE log_index = {i2}; \
             UPDATE custody_entries SET seq = 2 WHERE log_index = {i1};"
        ))
        .unwrap();
    assert_caught(&w, &id, 1, "reordered").await;
}

#[actix_web::test]
async fn a_swapped_log_key_is_caught() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    let trusted = log_key(&w.app, &w.inv.token).await;
    // Another instance on the same database with a different log key: its own key
    // does not verify the checkpoints, and the trusted key does not verify its bundles.
    let swapped = w.app.sibling(|_| {}).await;
    let inv = swapped.caller("jm.inv", crate::common::PASSWORD).await;
    let report = swapped
        .get(&format!("/api/v1/evidence/{id}/custody/verify"), &inv.token)
        .await
        .body;
    assert_eq!(report["verdict"], "not_verified", "{report}");
    assert!(!report["checkpoint_problems"].as_array().unwrap().is_empty());
    assert_eq!(
        append(&swapped, &inv.token, &id, json!({"type": "note"}))
            .await
            .status,
        201
    );
    let bundle = swapped
        .get(&format!("/api/v1/evidence/{id}/custody/bundle"), &inv.token)
        .await
        .body;
    let (code, output) = verify_offline(&w.app, &bundle, &trusted).await;
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("FAIL checkpoint"), "{output}");
    // Against a checkpoint that is not trusted, no entry's inclusion "holds".
    assert!(
        !output.contains("inclusion in the checkpoint hold"),
        "{output}"
    );
    assert!(output.contains("inclusion not checked"), "{output}");
}

async fn hammer(
    apps: &[&TestApp],
    tokens: &[String],
    items: &[String],
    per_item: usize,
) -> Vec<u16> {
    let mut futures = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for j in 0..per_item {
            let app = apps[(i + j) % apps.len()];
            let token = tokens[(i + j) % tokens.len()].clone();
            let path = format!("/api/v1/evidence/{item}/custody");
            futures.push(async move {
                app.post(&path, &token, &json!({"type": "note", "details": {"n": j}}))
                    .await
                    .status
                    .as_u16()
            });
        }
    }
    futures_util::future::join_all(futures).await
}

/// Every item's chain is whole and verifies, and together the items fill the log
/// without gaps or duplicates. `items` must be every item in the log.
async fn assert_log_whole(app: &TestApp, token: &str, items: &[String]) {
    let key = log_key(app, token).await;
    let verifier = note::parse_verifier_key(&key).unwrap();
    let mut indexes = HashSet::new();
    let mut total = 0;
    for item in items {
        let custody = app
            .get(&format!("/api/v1/evidence/{item}/custody"), token)
            .await
            .body;
        let entries = custody.as_array().unwrap();
        for (seq, e) in entries.iter().enumerate() {
            assert_eq!(e["entry"]["seq"], seq);
            assert!(
                indexes.insert(e["log_index"].as_u64().unwrap()),
                "duplicate log index"
            );
        }
        total += entries.len();
        let report = app
            .get(&format!("/api/v1/evidence/{item}/custody/verify"), token)
            .await
            .body;
        assert_eq!(report["verdict"], "verified", "{report}");
    }
    let expected: HashSet<u64> = (0..total as u64).collect();
    assert_eq!(indexes, expected, "the log has gaps");
    let text = String::from_utf8(app.get("/api/v1/log/checkpoint", token).await.raw).unwrap();
    assert_eq!(
        note::verify_checkpoint(&text, &verifier).unwrap().size,
        total as u64
    );
}

#[actix_web::test]
async fn concurrent_appends_never_fork_a_chain_or_the_log() {
    let w = world().await;
    let app = &w.app;
    let mut items = Vec::new();
    for i in 0..5 {
        let res = register(
            app,
            &w.inv.token,
            &w.case_id,
            json!({"description": format!("item {i}"), "kind": "document"}),
        )
        .await;
        items.push(res.body["id"].as_str().unwrap().to_owned());
    }
    // One item hammered by many clients, then many items at once.
    let statuses = hammer(
        &[app],
        &[w.inv.token.clone(), w.sup.token.clone()],
        &items[..1],
        64,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let statuses = hammer(
        &[app],
        &[w.inv.token.clone(), w.sup.token.clone()],
        &items[1..],
        16,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let custody = app
        .get(
            &format!("/api/v1/evidence/{}/custody", items[0]),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(custody.as_array().unwrap().len(), 65);
    // The writer batched them: fewer commits than appends.
    let metrics =
        String::from_utf8(app.request("GET", "/metrics", None, None, None).await.raw).unwrap();
    let batches: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("caseledger_ledger_batch_size_count "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        batches > 0 && batches < 5 + 64,
        "{batches} batches for 69 jobs"
    );
    // Where the batches' time went, step by step.
    for phase in ["lock", "heads", "checks", "compute", "write", "commit"] {
        let seconds: f64 = metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "caseledger_ledger_batch_phase_seconds_total{{phase=\"{phase}\"}} "
                ))
            })
            .unwrap_or_else(|| panic!("no {phase} time in {metrics}"))
            .trim()
            .parse()
            .unwrap();
        assert!(seconds > 0.0, "{phase}: {seconds}");
    }
    let custody = app
        .get(
            &format!("/api/v1/evidence/{}/custody", items[4]),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(custody.as_array().unwrap().len(), 17);
    assert_log_whole(app, &w.inv.token, &items).await;
}

#[actix_web::test]
async fn two_instances_append_to_one_log() {
    let w = world().await;
    // The second instance shares the database and the log key (as deployments must).
    let key_file = w.app.data_dir().join("log-signing-key.pem");
    let jwt_file = w.app.data_dir().join("jwt-signing-key.pem");
    let other = w
        .app
        .sibling(|s| {
            s.log_key_file = Some(key_file);
            s.jwt_key_file = Some(jwt_file);
        })
        .await;
    let mut items = Vec::new();
    for i in 0..4 {
        let res = register(
            &w.app,
            &w.inv.token,
            &w.case_id,
            json!({"description": format!("item {i}"), "kind": "document"}),
        )
        .await;
        items.push(res.body["id"].as_str().unwrap().to_owned());
    }
    let statuses = hammer(
        &[&w.app, &other],
        std::slice::from_ref(&w.inv.token),
        &items,
        24,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_log_whole(&w.app, &w.inv.token, &items).await;
    let custody = other
        .get(
            &format!("/api/v1/evidence/{}/custody", items[3]),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(custody.as_array().unwrap().len(), 25);
}

#[actix_web::test]
async fn idempotency_keys_make_custody_writes_safe_to_retry() {
    let w = world().await;
    let app = &w.app;
    let t = w.inv.token.as_str();
    let send = |path: String, key: &'static str, body: Value| {
        let token = t.to_owned();
        async move {
            app.request_with_headers(
                "POST",
                &path,
                &token,
                &[("Idempotency-Key", key)],
                Some(&body),
            )
            .await
        }
    };
    let path = format!("/api/v1/cases/{}/evidence", w.case_id);
    let first = send(
        path.clone(),
        "reg-1",
        json!({"description": "Phone", "kind": "device"}),
    )
    .await;
    let again = send(
        path.clone(),
        "reg-1",
        json!({"description": "Phone", "kind": "device"}),
    )
    .await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let id = first.body["id"].as_str().unwrap().to_owned();
    let items = app.get(&path, t).await.body;
    assert_eq!(items["items"].as_array().unwrap().len(), 1);

    let custody = format!("/api/v1/evidence/{id}/custody");
    let note = json!({"type": "note", "reason": "photographed"});
    // Sent twice at once and once more later: one entry.
    let (a, b) = futures_util::future::join(
        send(custody.clone(), "note-1", note.clone()),
        send(custody.clone(), "note-1", note.clone()),
    )
    .await;
    let c = send(custody.clone(), "note-1", note.clone()).await;
    for r in [&a, &b, &c] {
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["log_index"], a.body["log_index"]);
    }
    send(
        custody.clone(),
        "note-1",
        json!({"type": "note", "reason": "other"}),
    )
    .await
    .assert_problem(422, "idempotency-key-reused");
    let entries = app.get(&custody, t).await.body;
    assert_eq!(entries.as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn appends_check_the_session_and_user_like_every_request() {
    let w = world().await;
    let app = &w.app;
    let id = register(app, &w.inv.token, &w.case_id, disk()).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let note = json!({"type": "note"});
    assert_eq!(
        append(app, &w.sup.token, &id, note.clone()).await.status,
        201
    );
    // Logged out: the token's session is gone.
    let res = app
        .request(
            "POST",
            "/api/v1/auth/logout",
            Some(&w.sup.token),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 204);
    append(app, &w.sup.token, &id, note.clone())
        .await
        .assert_problem(401, "unauthenticated");
    // Disabled by an administrator: refused at once.
    let admin = app.regional_admin().await;
    let res = app
        .patch(
            &format!("/api/v1/users/{}", w.inv.id),
            &admin.token,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(res.status, 200);
    append(app, &w.inv.token, &id, note.clone())
        .await
        .assert_problem(401, "unauthenticated");
    // A user who owes a password change records nothing.
    let jm = w.jm.clone();
    let res = app
        .post("/api/v1/users", &admin.token, &json!({"username": "jm.new", "display_name": "New", "agency_id": jm, "roles": ["investigator"], "password": "a-first-password-77"}))
        .await;
    assert_eq!(res.status, 201);
    let first = app.login("jm.new", "a-first-password-77").await;
    let token = first.body["access_token"].as_str().unwrap().to_owned();
    append(app, &token, &id, note.clone())
        .await
        .assert_problem(403, "password-change-required");
    append(app, "not-a-token", &id, note)
        .await
        .assert_problem(401, "unauthenticated");
}

/// One client reusing an `Idempotency-Key` across endpoints at the same moment (a
/// custody append and a case creation) gets its own answers: one request wins, the
/// others are replays or refusals, and the appends batched with them, from the same
/// user, all land.
#[actix_web::test]
async fn a_key_reused_across_endpoints_fails_only_its_own_requests() {
    let w = world().await;
    let app = &w.app;
    let t = w.inv.token.as_str();
    let a = register(
        app,
        t,
        &w.case_id,
        json!({"description": "Laptop", "kind": "device"}),
    )
    .await;
    let b = register(
        app,
        t,
        &w.case_id,
        json!({"description": "Phone", "kind": "device"}),
    )
    .await;
    let a = a.body["id"].as_str().unwrap().to_owned();
    let b = b.body["id"].as_str().unwrap().to_owned();
    let keyed = |path: String, key: String, body: Value| async move {
        app.request_with_headers("POST", &path, t, &[("Idempotency-Key", &key)], Some(&body))
            .await
    };
    for round in 0..4 {
        let key = format!("shared-{round}");
        let before = app
            .get(&format!("/api/v1/evidence/{a}/custody"), t)
            .await
            .body;
        let mut requests = Vec::new();
        for _ in 0..6 {
            requests.push(keyed(
                format!("/api/v1/evidence/{a}/custody"),
                key.clone(),
                json!({"type": "note", "reason": "keyed"}),
            ));
        }
        for _ in 0..3 {
            requests.push(keyed(
                "/api/v1/cases".into(),
                key.clone(),
                json!({"title": "Keyed case", "summary": "s", "offences": ["illegal_access"], "priority": "low"}),
            ));
        }
        let plain = (0..12).map(|_| append(app, t, &b, json!({"type": "note", "reason": "plain"})));
        let (keyed, plain) = futures_util::future::join(
            futures_util::future::join_all(requests),
            futures_util::future::join_all(plain),
        )
        .await;
        for r in &plain {
            assert_eq!(r.status, 201, "an unkeyed append failed: {}", r.body);
        }
        let mut originals = 0;
        for r in &keyed {
            assert!(
                [201, 409, 422].contains(&r.status.as_u16()),
                "round {round}: {} {}",
                r.status,
                r.body
            );
            if r.status == 201 && r.headers.get("idempotent-replayed").is_none() {
                originals += 1;
            }
        }
        assert_eq!(
            originals, 1,
            "round {round}: exactly one request carries out the key"
        );
        let after = app
            .get(&format!("/api/v1/evidence/{a}/custody"), t)
            .await
            .body;
        let added = after.as_array().unwrap().len() - before.as_array().unwrap().len();
        assert!(added <= 1, "round {round}: {added} entries for one key");
    }
}

// ---- The stored Merkle nodes (runs of leaves), on the database itself ----

/// Leaves `0..n` and the nodes each completes, as the writer computes them.
fn completed_nodes(n: u64) -> Vec<Vec<(merkle::NodeId, merkle::Hash)>> {
    let mut nodes = std::collections::HashMap::new();
    (0..n)
        .map(|i| {
            merkle::add_leaf(
                i,
                merkle::leaf_hash(format!("entry {i}").as_bytes()),
                &mut nodes,
            )
        })
        .collect()
}

/// Every run stays inside one span of `RUN_SPAN` leaves, so finding a leaf's run reads
/// a bounded number of rows.
fn assert_runs_within_spans(conn: &mut caseledger::db::DbConn) {
    use caseledger::db::schema::log_node_runs;
    use diesel::prelude::*;
    let span = caseledger::ledger::log::RUN_SPAN as i64;
    let runs: Vec<(i64, i32)> = log_node_runs::table
        .select((log_node_runs::first_leaf, log_node_runs::leaves))
        .load(conn)
        .unwrap();
    assert!(!runs.is_empty());
    for (first, leaves) in runs {
        assert!(
            first % span + i64::from(leaves) <= span,
            "run {first}+{leaves}"
        );
    }
}

/// Every node of the first `n` leaves, and proofs against an in-memory tree.
fn assert_serves_tree(conn: &mut caseledger::db::DbConn, n: u64) {
    use caseledger::ledger::log;
    let completed = completed_nodes(n);
    let expected: std::collections::HashMap<_, _> = completed.iter().flatten().copied().collect();
    let ids = expected.keys().copied().collect();
    assert_eq!(log::load_nodes(conn, &ids).unwrap(), expected);
    let beyond = merkle::NodeId { level: 0, index: n };
    assert!(log::load_nodes(conn, &[beyond].into()).unwrap().is_empty());
    let mut tree = merkle::MemoryTree::default();
    for i in 0..n {
        tree.push(completed[i as usize][0].1);
    }
    for size in [1, 2, 31, 32, 33, 64, 65, n / 2, n] {
        assert_eq!(
            log::root(conn, size).unwrap(),
            tree.root(size),
            "root {size}"
        );
        for index in (0..size).step_by(5) {
            assert_eq!(
                log::inclusion_proof(conn, index, size).unwrap(),
                tree.inclusion(index, size),
                "inclusion {index} in {size}"
            );
        }
        for first in (1..size).step_by(9) {
            assert_eq!(
                log::consistency_proof(conn, first, size).unwrap(),
                tree.consistency(first, size),
                "consistency {first} to {size}"
            );
        }
    }
}

#[test]
fn node_runs_serve_every_node_and_proof() {
    use caseledger::ledger::log;
    let dir = tempfile::tempdir().unwrap();
    let db = crate::common::TestDb::new(dir.path());
    let pool = caseledger::db::build_pool(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    caseledger::db::run_migrations(&mut conn).unwrap();
    let n = 300;
    let completed = completed_nodes(n);
    // Batches of uneven sizes: runs start and end anywhere, and split at spans.
    let mut next = 0;
    for size in [1, 7, 40, 3, 64, 1, 1, 33, 100, 50] {
        let mut runs = log::Runs::default();
        for i in next..next + size {
            runs.push(i, &completed[i as usize]);
        }
        log::insert_runs(&mut conn, &runs).unwrap();
        next += size;
    }
    assert_eq!(next, n);
    assert_runs_within_spans(&mut conn);
    assert_serves_tree(&mut conn, n);
}

#[derive(diesel::QueryableByName, PartialEq, Debug)]
struct NodeRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    level: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    idx: i64,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    hash: Vec<u8>,
}

/// One migration up or down, on either backend.
fn migrate_one(conn: &mut caseledger::db::DbConn, up: bool) {
    use caseledger::db::{DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    use diesel_migrations::MigrationHarness;
    match (conn, up) {
        (DbConn::Postgresql(c), true) => c.run_next_migration(POSTGRES_MIGRATIONS).map(drop),
        (DbConn::Postgresql(c), false) => c.revert_last_migration(POSTGRES_MIGRATIONS).map(drop),
        (DbConn::Sqlite(c), true) => c.run_next_migration(SQLITE_MIGRATIONS).map(drop),
        (DbConn::Sqlite(c), false) => c.revert_last_migration(SQLITE_MIGRATIONS).map(drop),
    }
    .unwrap();
}

/// A log stored one row per node before the runs existed keeps every node through
/// the migration, and gets them back when it is reverted.
#[test]
fn the_node_runs_migration_keeps_every_node() {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let db = crate::common::TestDb::new(dir.path());
    let pool = caseledger::db::build_pool(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    // Up to the custody migration, the last one with a node per row.
    for _ in 0..3 {
        migrate_one(&mut conn, true);
    }
    let n = 100;
    let mut old: Vec<NodeRow> = completed_nodes(n)
        .into_iter()
        .flatten()
        .map(|(id, hash)| NodeRow {
            level: id.level as i32,
            idx: id.index as i64,
            hash: hash.to_vec(),
        })
        .collect();
    let values: Vec<String> = old
        .iter()
        .map(|r| {
            let hash = hex::encode(&r.hash);
            let hash = if db.is_postgres() {
                format!("'\\x{hash}'::bytea")
            } else {
                format!("x'{hash}'")
            };
            format!("({}, {}, {hash})", r.level, r.idx)
        })
        .collect();
    conn.batch_execute(&format!(
        "INSERT INTO log_nodes (level, idx, hash) VALUES {}",
        values.join(", ")
    ))
    .unwrap();

    // The node runs migration.
    migrate_one(&mut conn, true);
    assert_runs_within_spans(&mut conn);
    assert_serves_tree(&mut conn, n);

    migrate_one(&mut conn, false);
    let mut back: Vec<NodeRow> = diesel::sql_query("SELECT level, idx, hash FROM log_nodes")
        .load(&mut *conn)
        .unwrap();
    back.sort_by_key(|r| (r.level, r.idx));
    old.sort_by_key(|r| (r.level, r.idx));
    assert_eq!(back, old);
}

#[actix_web::test]
async fn details_are_i_json_so_an_entry_hashes_to_its_own_entry_hash() {
    let w = world().await;
    let app = &w.app;
    let res = register(app, &w.inv.token, &w.case_id, disk()).await;
    let id = res.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/evidence/{id}/custody");
    let raw = |body: &'static str| app.post_raw(&path, Some(&w.inv.token), body);
    for (body, field) in [
        (
            r#"{"type": "note", "details": {"n": 9007199254740993}}"#,
            "details.n",
        ),
        (
            r#"{"type": "note", "details": {"n": -9007199254740992}}"#,
            "details.n",
        ),
        (
            r#"{"type": "note", "details": {"list": [1, 2.5]}}"#,
            "details.list[1]",
        ),
        (r#"{"type": "note", "details": {"n": 1e3}}"#, "details.n"),
        (
            r#"{"type": "note", "details": {"a": 1, "a": 2}}"#,
            "details.a",
        ),
        (
            r#"{"type": "note", "details": {"x": {"b": true, "b": false}}}"#,
            "details.x.b",
        ),
        (r#"{"type": "note", "type": "note"}"#, "type"),
    ] {
        let res = raw(body).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    // Nothing refused was recorded.
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    assert_eq!(custody.body.as_array().unwrap().len(), 1);

    // The largest safe integers are kept exactly, and the reply hashes to its hash.
    let res =
        raw(r#"{"type": "note", "details": {"max": 9007199254740991, "min": -9007199254740991}}"#)
            .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["entry"]["details"]["max"], 9007199254740991_i64);
    let canonical = serde_json_canonicalizer::to_string(&res.body["entry"]).unwrap();
    assert_eq!(
        caseledger::ledger::sha256_hex(canonical.as_bytes()),
        res.body["entry_hash"].as_str().unwrap()
    );
    let stored = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    assert_eq!(stored.body[1], res.body);
}
