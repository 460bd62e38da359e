//! Custody appends with and without witnesses, in one run, on SQLite and then on
//! PostgreSQL:
//! 1. the append rate over HTTP by 16 concurrent clients without a witness policy
//!    (the baseline), then with three local witnesses (each `caseledger witness
//!    serve`, a process of its own) and a 2-of-3 policy, at the default
//!    CASELEDGER_WITNESS_INTERVAL_MS of 1000;
//! 2. while the load runs, the time from an entry's commit (its 201) to the first
//!    checkpoint `GET /log/checkpoint` serves that covers it: a signed one without
//!    witnesses, a quorum-cosigned one with them (the same sampler runs in both, so
//!    that both loads carry it).
//!
//! cargo bench --bench witness
//! (BENCH_SECONDS: how long each load runs; at least 1.5 s a sample, 60 samples;
//! BENCH_DATABASE_URL: the PostgreSQL server, postgres://postgres@127.0.0.1:5432/
//! caseledger_test?sslmode=disable by default; BENCH_BACKENDS=sqlite or postgresql:
//! one of them only)

use caseledger::agencies::{self, AgencyKind};
use caseledger::auth::password::Hasher;
use caseledger::auth::roles::Role;
use caseledger::config::Argon2Settings;
use caseledger::db;
use caseledger::users::{self, CreateUser};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const SAMPLES: usize = 60;
const PASSWORD: &str = "harbour-lights-cobalt-77";

fn seconds() -> u64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// A process stopped when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "a process did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Three witnesses of the log whose key is in `log_key_file`, and the policy
/// naming them (2 of 3).
fn witnesses(
    dir: &std::path::Path,
    log_key_file: &std::path::Path,
) -> anyhow::Result<(Vec<Process>, std::path::PathBuf)> {
    let key = caseledger::keys::load_or_generate(log_key_file)?;
    let log = caseledger::ledger::note::verifier_key(
        &caseledger::config::Settings::default().log_origin,
        &key.verifying_key().to_bytes(),
    );
    std::fs::write(dir.join("logs"), &log)?;
    let mut policy = format!("log {log}\n");
    let mut running = Vec::new();
    for state in ["jm", "tt", "bb"] {
        let name = format!("witness.{state}.example/w1");
        let key_file = dir.join(format!("{state}.key"));
        let out = Command::new(env!("CARGO_BIN_EXE_caseledger"))
            .args(["witness", "key", "--name", &name])
            .arg("--key-file")
            .arg(&key_file)
            .output()?;
        let verifier = String::from_utf8(out.stdout)?.trim().to_owned();
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_caseledger"))
            .args(["witness", "serve", "--name", &name])
            .arg("--key-file")
            .arg(&key_file)
            .arg("--state")
            .arg(dir.join(format!("{state}.db")))
            .arg("--logs")
            .arg(dir.join("logs"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        running.push(Process(child));
        wait_for(port)?;
        policy.push_str(&format!(
            "witness {state} {verifier} http://127.0.0.1:{port}\n"
        ));
    }
    policy.push_str("group region 2 jm tt bb\nquorum region\n");
    let file = dir.join("policy");
    std::fs::write(&file, policy)?;
    Ok((running, file))
}

/// A fresh database for one configuration: a file in a folder of its own, or a
/// schema of its own on the PostgreSQL server, dropped with it (so that vacuuming
/// one configuration's tables never runs during the next's load).
struct Database {
    url: String,
    schema: Option<(String, String)>,
}

fn admin_url() -> String {
    std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1:5432/caseledger_test?sslmode=disable".into()
    })
}

fn database(backend: &str, dir: &std::path::Path) -> anyhow::Result<Database> {
    if backend == "sqlite" {
        return Ok(Database {
            url: format!("sqlite://{}", dir.join("bench.db").display()),
            schema: None,
        });
    }
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let admin = admin_url();
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    diesel::PgConnection::establish(&admin)?.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
    let sep = if admin.contains('?') { '&' } else { '?' };
    Ok(Database {
        url: format!("{admin}{sep}options=-csearch_path%3D{schema}"),
        schema: Some((admin, schema)),
    })
}

impl Drop for Database {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Some((admin, schema)) = &self.schema
            && let Ok(mut conn) = diesel::PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// Seeds a database, and starts the service on it (with `policy`, if any).
fn service(
    url: &str,
    dir: &std::path::Path,
    policy: Option<&std::path::Path>,
) -> anyhow::Result<(Process, String)> {
    let pool = db::build_pool(url, 2)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let hasher = Hasher::new(&Argon2Settings {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    })?;
    let agency = agencies::insert(&mut conn, "JM", "JCF Cybercrime Unit", AgencyKind::Police)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    users::create(
        &mut conn,
        &hasher,
        CreateUser {
            username: "jm.appender".into(),
            display_name: "Appender".into(),
            agency_id: agency.id.clone(),
            roles: vec![Role::Investigator],
            password: PASSWORD.into(),
            must_change_password: false,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    drop(conn);
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_caseledger"));
    command
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
        .env("CASELEDGER_DATA_DIR", dir)
        .env("CASELEDGER_LOG_KEY_FILE", dir.join("log.pem"))
        .env("CASELEDGER_BOOTSTRAP_PASSWORD", "bench-bootstrap-password")
        .env("CASELEDGER_MFA", "off")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(policy) = policy {
        command.env("CASELEDGER_WITNESS_POLICY", policy);
    }
    let child = Process(command.spawn()?);
    wait_for(port)?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

async fn post(client: &awc::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let mut req = client.post(url);
    if !token.is_empty() {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut res = req.send_json(body).await.unwrap();
    let status = res.status().as_u16();
    let body = res
        .json::<Value>()
        .limit(1 << 20)
        .await
        .unwrap_or(Value::Null);
    (status, body)
}

/// A signed-in investigator's token and `CLIENTS` items to append to.
async fn setup(client: &awc::Client, base: &str) -> (String, Vec<String>) {
    let (status, body) = post(
        client,
        &format!("{base}/api/v1/auth/login"),
        "",
        &json!({"username": "jm.appender", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, case) = post(
        client,
        &format!("{base}/api/v1/cases"),
        &token,
        &json!({"title": "Benchmark", "summary": "load", "offences": ["illegal_access"], "priority": "low"}),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let mut items = Vec::new();
    for i in 0..CLIENTS {
        let (status, item) = post(
            client,
            &format!(
                "{base}/api/v1/cases/{}/evidence",
                case["id"].as_str().unwrap()
            ),
            &token,
            &json!({"description": format!("item {i}"), "kind": "disk_image",
                    "sha256": caseledger::ledger::sha256_hex(&i.to_be_bytes())}),
        )
        .await;
        assert_eq!(status, 201, "{item}");
        items.push(item["id"].as_str().unwrap().to_owned());
    }
    (token, items)
}

/// Appends for `secs` from `CLIENTS` clients: how many were committed.
async fn appends(base: &str, token: &str, items: &[String], secs: u64) -> usize {
    let stop = Instant::now() + Duration::from_secs(secs);
    let workers = items.iter().map(|item| {
        let url = format!("{base}/api/v1/evidence/{item}/custody");
        let token = token.to_owned();
        async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish();
            let mut done = 0;
            while Instant::now() < stop {
                let (status, _) = post(
                    &client,
                    &url,
                    &token,
                    &json!({"type": "note", "reason": "benchmark"}),
                )
                .await;
                if status == 201 {
                    done += 1;
                }
            }
            done
        }
    });
    futures_util::future::join_all(workers)
        .await
        .into_iter()
        .sum()
}

/// From an append's 201 to the first quorum-cosigned checkpoint covering it, for
/// `SAMPLES` appends made one after another.
async fn to_cosigned(base: &str, token: &str, item: &str) -> Vec<Duration> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut waits = Vec::new();
    for _ in 0..SAMPLES {
        let (status, entry) = post(
            &client,
            &format!("{base}/api/v1/evidence/{item}/custody"),
            token,
            &json!({"type": "note", "reason": "sampled"}),
        )
        .await;
        assert_eq!(status, 201, "{entry}");
        let committed = Instant::now();
        let index = entry["log_index"].as_u64().unwrap();
        loop {
            let mut res = client
                .get(format!("{base}/api/v1/log/checkpoint"))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .unwrap();
            if res.status() == 200 {
                let note = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
                let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
                if size > index {
                    break;
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
        waits.push(committed.elapsed());
    }
    waits.sort();
    waits
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn main() -> anyhow::Result<()> {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgresql".into());
    for backend in backends.split(',') {
        println!("### {backend}\n");
        run(backend)?;
        println!();
    }
    Ok(())
}

fn run(backend: &str) -> anyhow::Result<()> {
    // The load lasts while the samples are taken (about a second each).
    let secs = seconds().max(SAMPLES as u64 * 3 / 2);
    actix_web::rt::System::new().block_on(async move {
        let client = awc::Client::default();

        // Without witnesses: the baseline.
        let plain = tempfile::tempdir()?;
        let db = database(backend, plain.path())?;
        let (server, base) = service(&db.url, plain.path(), None)?;
        let (token, items) = setup(&client, &base).await;
        appends(&base, &token, &items, 2).await; // warm-up
        let (load, signed) = futures_util::join!(
            appends(&base, &token, &items[1..], secs),
            to_cosigned(&base, &token, &items[0])
        );
        let baseline = load as f64 / secs as f64;
        drop(server);
        drop(db);

        // With three witnesses and a 2-of-3 policy.
        let witnessed = tempfile::tempdir()?;
        let (running, policy) = witnesses(witnessed.path(), &witnessed.path().join("log.pem"))?;
        let db = database(backend, witnessed.path())?;
        let (server, base) = service(&db.url, witnessed.path(), Some(&policy))?;
        let (token, items) = setup(&client, &base).await;
        appends(&base, &token, &items, 2).await;
        let (load, waits) = futures_util::join!(
            appends(&base, &token, &items[1..], secs),
            to_cosigned(&base, &token, &items[0])
        );
        let with = load as f64 / secs as f64;
        drop(server);
        drop(running);

        println!("| configuration | appends/s ({} clients, {secs} s) |", CLIENTS - 1);
        println!("|---|---|");
        println!("| no witness policy (baseline) | {baseline:.0} |");
        println!("| three local witnesses, 2 of 3 | {with:.0} ({:.3}× the baseline) |", with / baseline);
        println!();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("| from commit to the checkpoint served ({SAMPLES} appends under load) | p50 | p99 | max |");
        println!("|---|---|---|---|");
        for (label, waits) in [
            ("signed (no witness policy)", &signed),
            ("cosigned by 2 of 3 witnesses", &waits),
        ] {
            println!(
                "| {label} | {:.0} ms | {:.0} ms | {:.0} ms |",
                ms(percentile(waits, 0.5)),
                ms(percentile(waits, 0.99)),
                ms(*waits.last().unwrap())
            );
        }
        Ok(())
    })
}
