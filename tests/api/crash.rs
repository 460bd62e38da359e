//! kill -9 under load: the release of a custody entry means it is durable. The
//! binary serves concurrent appends and is killed at a random moment, restarted,
//! and killed again; then every acknowledged entry must be in the log with its hash,
//! every chain must verify, and the audit trail too. CRASH_CYCLES sets how many
//! kills (3 by default; the benchmark command in docs/BENCHMARKS.md runs more).

use crate::common::{BOOTSTRAP_PASSWORD, PASSWORD, TestDb};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the service acknowledged: (evidence id, seq) → (entry hash, log index).
type Acknowledged = Arc<Mutex<HashMap<(String, i64), (String, i64)>>>;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    /// A failed assertion must not leave the server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &TestDb, dir: &std::path::Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_caseledger"))
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("CASELEDGER_DATA_DIR", dir)
        .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
        .env("CASELEDGER_ARGON2_MEMORY_KIB", "256")
        .env("CASELEDGER_ARGON2_ITERATIONS", "1")
        .env("CASELEDGER_BOOTSTRAP_PASSWORD", BOOTSTRAP_PASSWORD)
        // Its people sign in with a password alone: what is tested is the ledger.
        .env("CASELEDGER_MFA", "off")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(20))
        .finish()
}

async fn call(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, format!("{base}{path}"));
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut res = match body {
        Some(body) => req.send_json(&body).await,
        None => req.send().await,
    }
    .ok()?;
    let raw = res.body().limit(16 * 1024 * 1024).await.ok()?;
    Some((
        res.status().as_u16(),
        serde_json::from_slice(&raw).unwrap_or(Value::Null),
    ))
}

async fn wait_ready(server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while call(&server.base, "GET", "/readyz", None, None)
        .await
        .map(|r| r.0)
        != Some(200)
    {
        assert!(Instant::now() < deadline, "the service did not come back");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn login(base: &str, username: &str, password: &str) -> String {
    let (status, body) = call(
        base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A user created through the API, past the first-login password change.
async fn account(base: &str, admin: &str, username: &str, agency: &str, role: &str) -> String {
    let first = "initial-words-mango-river";
    let (status, body) = call(
        base,
        "POST",
        "/api/v1/users",
        Some(admin),
        Some(json!({"username": username, "display_name": username, "agency_id": agency, "roles": [role], "password": first})),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let token = login(base, username, first).await;
    let change = json!({"current_password": first, "new_password": PASSWORD});
    let (status, _) = call(
        base,
        "POST",
        "/api/v1/auth/password",
        Some(&token),
        Some(change),
    )
    .await
    .unwrap();
    assert_eq!(status, 204);
    login(base, username, PASSWORD).await
}

/// Appends to `item` until the server goes away, noting every acknowledged entry.
async fn appender(base: String, token: String, item: String, acknowledged: Acknowledged) {
    let mut n = 0;
    loop {
        n += 1;
        let body = json!({"type": "note", "reason": format!("note {n}"), "details": {"n": n}});
        let path = format!("/api/v1/evidence/{item}/custody");
        match call(&base, "POST", &path, Some(&token), Some(body)).await {
            Some((201, reply)) => {
                let entry = &reply["entry"];
                acknowledged.lock().unwrap().insert(
                    (item.clone(), entry["seq"].as_i64().unwrap()),
                    (
                        reply["entry_hash"].as_str().unwrap().to_owned(),
                        reply["log_index"].as_i64().unwrap(),
                    ),
                );
            }
            // Killed mid-request: the outcome is unknown, and nothing is claimed.
            None => return,
            // A batch cut short by the kill (its connection closed mid-commit).
            Some((status, _)) if status >= 500 => return,
            Some((status, reply)) => panic!("append answered {status}: {reply}"),
        }
    }
}

#[actix_web::test]
async fn acknowledged_custody_entries_survive_kill_9() {
    let cycles: usize = std::env::var("CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let mut server = start(&db, dir.path());
    wait_ready(&server).await;
    let base = server.base.clone();
    let first = login(&base, "tt.admin", BOOTSTRAP_PASSWORD).await;
    let change = json!({"current_password": BOOTSTRAP_PASSWORD, "new_password": PASSWORD});
    call(
        &base,
        "POST",
        "/api/v1/auth/password",
        Some(&first),
        Some(change),
    )
    .await
    .unwrap();
    let admin = login(&base, "tt.admin", PASSWORD).await;
    let (_, agency) = call(
        &base,
        "POST",
        "/api/v1/agencies",
        Some(&admin),
        Some(json!({"country": "JM", "name": "JCF Cybercrime Unit", "kind": "police"})),
    )
    .await
    .unwrap();
    let agency = agency["id"].as_str().unwrap().to_owned();
    let inv = account(&base, &admin, "jm.inv", &agency, "investigator").await;
    let auditor = account(&base, &admin, "jm.auditor", &agency, "auditor").await;
    let case = json!({"title": "Ransomware", "summary": "Port systems encrypted", "offences": ["ransomware"], "priority": "high"});
    let (_, case) = call(&base, "POST", "/api/v1/cases", Some(&inv), Some(case))
        .await
        .unwrap();
    let case_id = case["id"].as_str().unwrap().to_owned();
    let mut items = Vec::new();
    for i in 0..4 {
        let item = json!({"description": format!("Disk {i}"), "kind": "disk_image", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"});
        let (status, body) = call(
            &base,
            "POST",
            &format!("/api/v1/cases/{case_id}/evidence"),
            Some(&inv),
            Some(item),
        )
        .await
        .unwrap();
        assert_eq!(status, 201, "{body}");
        items.push(body["id"].as_str().unwrap().to_owned());
    }

    let acknowledged: Acknowledged = Default::default();
    for cycle in 0..cycles {
        let base = server.base.clone();
        let workers: Vec<_> = (0..16)
            .map(|w| {
                actix_web::rt::spawn(appender(
                    base.clone(),
                    inv.clone(),
                    items[w % items.len()].clone(),
                    acknowledged.clone(),
                ))
            })
            .collect();
        let before = acknowledged.lock().unwrap().len();
        let pause = 150 + rand::random_range(0..600);
        actix_web::rt::time::sleep(Duration::from_millis(pause)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        drop(server);
        for worker in workers {
            worker.await.unwrap();
        }
        let during = acknowledged.lock().unwrap().len() - before;
        assert!(
            during > 0,
            "cycle {cycle}: nothing was acknowledged before the kill"
        );
        server = start(&db, dir.path());
        wait_ready(&server).await;
    }

    // Every acknowledged entry is there, with the hash and place it was given.
    let base = server.base.clone();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let mut stored = 0;
    for item in &items {
        let (status, entries) = call(
            &base,
            "GET",
            &format!("/api/v1/evidence/{item}/custody"),
            Some(&inv),
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200);
        let entries = entries.as_array().unwrap();
        stored += entries.len();
        let by_seq: HashMap<i64, &Value> = entries
            .iter()
            .map(|e| (e["entry"]["seq"].as_i64().unwrap(), e))
            .collect();
        for ((of, seq), (hash, index)) in &acknowledged {
            if of != item {
                continue;
            }
            let entry = by_seq
                .get(seq)
                .unwrap_or_else(|| panic!("acknowledged entry {seq} of {item} was lost"));
            assert_eq!(
                entry["entry_hash"].as_str(),
                Some(hash.as_str()),
                "{item} {seq}"
            );
            assert_eq!(entry["log_index"].as_i64(), Some(*index), "{item} {seq}");
        }
        let (_, report) = call(
            &base,
            "GET",
            &format!("/api/v1/evidence/{item}/custody/verify"),
            Some(&inv),
            None,
        )
        .await
        .unwrap();
        assert_eq!(report["verdict"], "verified", "{report}");
    }
    assert!(stored >= acknowledged.len() + items.len());
    eprintln!(
        "{cycles} kills: {} acknowledged entries, {stored} stored, all present",
        acknowledged.len()
    );
    let (_, audit) = call(&base, "GET", "/api/v1/audit/verify", Some(&auditor), None)
        .await
        .unwrap();
    assert_eq!(audit["intact"], true, "{audit}");
}
