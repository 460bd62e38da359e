//! Evidence and the custody ledger over HTTP: registration and the rules of custody
//! (`rules`), who sees and writes what (`access`), proofs, checkpoints and bundles
//! verified offline (`proofs`), tampering caught (`tamper`), concurrent appends on one
//! or two instances (`concurrency`), retries and sessions (`retries`); and the stored
//! Merkle nodes on the database itself (`storage`).

mod access;
mod checks;
mod concurrency;
mod content;
mod content_faults;
mod holding;
mod proofs;
mod report;
mod retries;
mod rules;
mod storage;
mod tamper;
mod uploads;

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
pub(crate) async fn verify_offline(app: &TestApp, bundle: &Value, key: &str) -> (i32, String) {
    verify_offline_with(app, bundle, key, &[]).await
}

/// The offline verifier with further arguments (`--content FILE`).
pub(crate) async fn verify_offline_with(
    app: &TestApp,
    bundle: &Value,
    key: &str,
    more: &[&str],
) -> (i32, String) {
    let path = app
        .data_dir()
        .join(format!("bundle-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caseledger"))
        .args(["verify-bundle", path.to_str().unwrap(), "--key", key])
        .args(more)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

pub(crate) async fn log_key(app: &TestApp, token: &str) -> String {
    let res = app.get("/api/v1/log/key", token).await;
    assert_eq!(res.status, 200);
    String::from_utf8(res.raw).unwrap().trim().to_owned()
}

/// Asserts a custody append (or registration) was committed; returns its body.
fn ok(res: Response) -> Value {
    assert_eq!(res.status, 201, "{}", res.body);
    res.body
}

/// Registers the disk image in the world's case; returns its id.
async fn disk_item(w: &World) -> String {
    let res = register(&w.app, &w.inv.token, &w.case_id, disk()).await;
    ok(res)["id"].as_str().unwrap().to_owned()
}
