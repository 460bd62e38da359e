//! The custody ledger under load, in one run:
//! 1. custody appends over HTTP by 64 concurrent clients, on PostgreSQL (durable
//!    commits) and on SQLite, with throughput and p50/p99 latency;
//! 2. pgbench's rate for a single-row insert transaction, 64 clients, same database;
//! 3. how long an acknowledged entry waits for a signed checkpoint that covers it;
//! 4. verification rate (entries per second) next to raw SHA-256 over the same bytes.
//!
//! cargo bench --bench custody
//! (BENCH_SECONDS=10, BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseledger_test?sslmode=disable;
//! BENCH_BASELINE_BINARY=<another build's caseledger>: its appends too, in the same run,
//! before this build's, on each backend)

use caseledger::agencies::{self, AgencyKind};
use caseledger::auth::password::Hasher;
use caseledger::auth::roles::Role;
use caseledger::config::Argon2Settings;
use caseledger::custody::entry::{self, NewEntry};
use caseledger::custody::model::EventType;
use caseledger::custody::verify::{self, EntrySource, EntryToCheck};
use caseledger::db;
use caseledger::ledger::merkle::{self, MemoryTree};
use caseledger::ledger::note;
use caseledger::ledger::{Actor, sha256_hex};
use caseledger::users::{self, CreateUser};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
const PASSWORD: &str = "bench-password-not-common";

fn seconds() -> u64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

fn pg_admin() -> String {
    std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1:5432/caseledger_test?sslmode=disable".into()
    })
}

/// The bench's database, created when missing (on a fresh machine `.ci/run` creates
/// it; the bench need not run after it).
fn pg_connect(url: &str) -> anyhow::Result<diesel::PgConnection> {
    if let Ok(conn) = diesel::PgConnection::establish(url) {
        return Ok(conn);
    }
    let (server, rest) = url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("no database in {url}"))?;
    let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
    anyhow::ensure!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "unexpected database name {name:?}"
    );
    let maintenance = if query.is_empty() {
        format!("{server}/postgres")
    } else {
        format!("{server}/postgres?{query}")
    };
    diesel::PgConnection::establish(&maintenance)?
        .batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(diesel::PgConnection::establish(url)?)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server binary under test: this build's.
fn this_build() -> String {
    env!("CARGO_BIN_EXE_caseledger").to_owned()
}

/// Migrates, seeds users with cheap password hashes (logins are setup, not measured),
/// and starts `binary` against the database.
fn start(url: &str, dir: &std::path::Path, binary: &str) -> anyhow::Result<Server> {
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
    for i in 0..8 {
        users::create(
            &mut conn,
            &hasher,
            CreateUser {
                username: format!("jm.bench.{i}"),
                display_name: format!("Bench {i}"),
                agency_id: agency.id.clone(),
                roles: vec![Role::Investigator],
                password: PASSWORD.into(),
                must_change_password: false,
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(binary)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
        .env("CASELEDGER_DATA_DIR", dir)
        .env("CASELEDGER_BOOTSTRAP_PASSWORD", "bench-bootstrap-password")
        // Its people sign in with a password alone: the appends are measured here,
        // sign-in with a second factor in `benches/sign_in.rs`.
        .env("CASELEDGER_MFA", "off")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

/// Busy and total CPU time of the whole machine so far, in clock ticks (Linux
/// `/proc/stat`; zeros elsewhere).
fn cpu_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// The share of the machine's CPU that was busy between two readings.
fn busy_share(before: (u64, u64), after: (u64, u64)) -> f64 {
    let total = after.1.saturating_sub(before.1);
    if total == 0 {
        return 0.0;
    }
    after.0.saturating_sub(before.0) as f64 / total as f64
}

struct LoadResult {
    /// Share of the machine's CPU (all cores) busy during the timed run.
    busy: f64,
    appends: usize,
    errors: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    max_checkpoint_lag: Duration,
    lag_samples: usize,
    /// The writer's counters over the timed run: batches, and per batch the mean
    /// appends and seconds in each phase.
    batches: f64,
    per_batch: Vec<(String, f64)>,
}

/// The custody writer's counters from `/metrics`: batch count, jobs, and seconds per
/// phase, by name.
async fn writer_counters(client: &awc::Client, base: &str) -> Vec<(String, f64)> {
    let mut res = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics");
    let text =
        String::from_utf8(res.body().limit(1 << 20).await.expect("body").to_vec()).expect("utf-8");
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            let name = if let Some(phase) =
                name.strip_prefix("caseledger_ledger_batch_phase_seconds_total{phase=\"")
            {
                phase.trim_end_matches("\"}")
            } else {
                match name {
                    "caseledger_ledger_batch_size_count" => "batches",
                    "caseledger_ledger_batch_size_sum" => "jobs",
                    _ => return None,
                }
            };
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

async fn post(client: &awc::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let mut res = client
        .post(url)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(body)
        .await
        .expect("request");
    let bytes = res.body().limit(1 << 20).await.expect("body");
    (
        res.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// One keep-alive HTTP/1.1 connection sending the same append again and again until
/// `stop`: a load generator about as lean as pgbench's client, so that the client's
/// own CPU takes as little as possible from the server on this shared machine. Each
/// response is read whole; an append counts when it is `201` with an entry's
/// `log_index` in its body.
async fn lean_client(host: String, request: Vec<u8>, stop: Instant) -> (Vec<Duration>, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = actix_web::rt::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    while Instant::now() < stop {
        let t = Instant::now();
        stream.write_all(&request).await.expect("send");
        buf.clear();
        let (head_end, length) = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..end]).expect("response head");
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .expect("content-length");
                break (end + 4, length);
            }
            let n = stream.read_buf(&mut buf).await.expect("receive");
            assert!(n > 0, "the server closed the connection");
        };
        while buf.len() < head_end + length {
            let n = stream.read_buf(&mut buf).await.expect("receive");
            assert!(n > 0, "the server closed the connection");
        }
        let created = buf.starts_with(b"HTTP/1.1 201 ")
            && buf[head_end..head_end + length]
                .windows(12)
                .any(|w| w == b"\"log_index\":");
        if created {
            latencies.push(t.elapsed());
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}

async fn load(base: String) -> LoadResult {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut tokens = Vec::new();
    for i in 0..8 {
        let (status, body) = post(
            &client,
            &format!("{base}/api/v1/auth/login"),
            "",
            &json!({"username": format!("jm.bench.{i}"), "password": PASSWORD}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    let (status, case) = post(
        &client,
        &format!("{base}/api/v1/cases"),
        &tokens[0],
        &json!({"title": "Benchmark", "summary": "load", "offences": ["illegal_access"], "priority": "low"}),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let case_id = case["id"].as_str().unwrap().to_owned();
    let mut items = Vec::new();
    for i in 0..CLIENTS {
        let (status, item) = post(
            &client,
            &format!("{base}/api/v1/cases/{case_id}/evidence"),
            &tokens[i % 8],
            &json!({"description": format!("item {i}"), "kind": "disk_image", "sha256": sha256_hex(&i.to_be_bytes())}),
        )
        .await;
        assert_eq!(status, 201, "{item}");
        items.push(item["id"].as_str().unwrap().to_owned());
    }

    let host = base.trim_start_matches("http://").to_owned();
    let run = |secs: u64| {
        let tokens = tokens.clone();
        let items = items.clone();
        let host = host.clone();
        async move {
            let stop = Instant::now() + Duration::from_secs(secs);
            let workers = (0..CLIENTS).map(|c| {
                let body = json!({"type": "note", "reason": "benchmark", "details": {"client": c}})
                    .to_string();
                let request = format!(
                    "POST /api/v1/evidence/{}/custody HTTP/1.1\r\nHost: {host}\r\n\
                     Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    items[c],
                    tokens[c % tokens.len()],
                    body.len()
                );
                lean_client(host.clone(), request.into_bytes(), stop)
            });
            let started = Instant::now();
            let results = futures_util::future::join_all(workers).await;
            (results, started.elapsed())
        }
    };
    run(2).await; // warm-up
    let counters_before = writer_counters(&client, &base).await;
    let cpu_before = cpu_ticks();
    let (results, elapsed) = run(seconds()).await;
    let busy = busy_share(cpu_before, cpu_ticks());
    let counters_after = writer_counters(&client, &base).await;
    let delta = |name: &str| {
        let of = |c: &[(String, f64)]| c.iter().find(|(n, _)| n == name).map_or(0.0, |(_, v)| *v);
        of(&counters_after) - of(&counters_before)
    };
    let batches = delta("batches");
    let per_batch = [
        "jobs", "lock", "heads", "checks", "compute", "write", "commit",
    ]
    .iter()
    .map(|name| (name.to_string(), delta(name) / batches.max(1.0)))
    .collect();
    let mut latencies: Vec<Duration> = results
        .iter()
        .flat_map(|(l, _)| l.iter().copied())
        .collect();
    let errors = results.iter().map(|(_, e)| e).sum();
    latencies.sort();

    // An acknowledged entry, then at once the published checkpoint: is it covered?
    let mut max_lag = Duration::ZERO;
    let samples = 200;
    for i in 0..samples {
        let (status, ack) = post(
            &client,
            &format!("{base}/api/v1/evidence/{}/custody", items[i % CLIENTS]),
            &tokens[0],
            &json!({"type": "note"}),
        )
        .await;
        assert_eq!(status, 201);
        let acked = Instant::now();
        let index = ack["log_index"].as_u64().unwrap();
        loop {
            let mut res = client
                .get(format!("{base}/api/v1/log/checkpoint"))
                .insert_header(("Authorization", format!("Bearer {}", tokens[0])))
                .send()
                .await
                .unwrap();
            let text = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
            let size: u64 = text.lines().nth(1).unwrap().parse().unwrap();
            if size > index {
                max_lag = max_lag.max(acked.elapsed());
                break;
            }
            assert!(
                acked.elapsed() < Duration::from_secs(5),
                "no checkpoint covers entry {index}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }
    LoadResult {
        busy,
        appends: latencies.len(),
        errors,
        elapsed,
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
        max_checkpoint_lag: max_lag,
        lag_samples: samples,
        batches,
        per_batch,
    }
}

fn http_appends(url: &str, binary: &str) -> anyhow::Result<LoadResult> {
    let dir = tempfile::tempdir()?;
    let server = start(url, dir.path(), binary)?;
    let base = server.base.clone();
    let result = actix_web::rt::System::new().block_on(load(base));
    drop(server);
    Ok(result)
}

fn pg_schema_url(admin: &str, schema: &str) -> String {
    let sep = if admin.contains('?') { '&' } else { '?' };
    format!("{admin}{sep}options=-csearch_path%3D{schema}")
}

/// pgbench: 64 clients, each transaction one single-row INSERT, same server and database.
/// Returns the rate (tps) and the share of the machine's CPU that was busy.
fn pgbench(admin: &str) -> anyhow::Result<(f64, f64)> {
    pgbench_script(
        admin,
        "CREATE TABLE {schema}.single_row (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL);",
        "INSERT INTO {schema}.single_row (v) VALUES ('custody entry');\n",
    )
}

/// pgbench shaped like a custody append: each client extends its own item's chain
/// (its head moved on, and an entry row that names it), in one statement and one
/// durable transaction each, as the appends do for their own item: the leanest a
/// client can chain rows, with nothing of an append's JCS, hashes, log, audit or HTTP.
fn pgbench_chain(admin: &str) -> anyhow::Result<(f64, f64)> {
    pgbench_script(
        admin,
        &chain_tables(),
        "\\set item :client_id + 1\n\
         WITH moved AS (UPDATE {schema}.items SET seq = seq + 1, head = md5(head || seq::text) \
         WHERE id = :item RETURNING seq, head) \
         INSERT INTO {schema}.entries (item, seq, prev, body) \
         SELECT :item, seq, head, 'custody entry' FROM moved;\n",
    )
}

/// The same chain, written as a client without server-side code must write it: lock the
/// head, insert the entry that names it, move the head, in one transaction of
/// separate statements.
fn pgbench_chain_interactive(admin: &str) -> anyhow::Result<(f64, f64)> {
    pgbench_script(
        admin,
        &chain_tables(),
        "\\set item :client_id + 1\n\
         BEGIN;\n\
         SELECT seq, head FROM {schema}.items WHERE id = :item FOR UPDATE \\gset\n\
         INSERT INTO {schema}.entries (item, seq, prev, body) VALUES (:item, :seq + 1, ':head', 'custody entry');\n\
         UPDATE {schema}.items SET seq = seq + 1, head = md5(head || seq::text) WHERE id = :item;\n\
         END;\n",
    )
}

/// The chain's tables: an item per client, and its entries.
fn chain_tables() -> String {
    format!(
        "CREATE TABLE {{schema}}.items (id INT PRIMARY KEY, seq INT NOT NULL, head TEXT NOT NULL); \
         INSERT INTO {{schema}}.items SELECT g, 0, md5(g::text) FROM generate_series(1, {CLIENTS}) g; \
         CREATE TABLE {{schema}}.entries (item INT NOT NULL REFERENCES {{schema}}.items (id), \
         seq INT NOT NULL, prev TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (item, seq));"
    )
}

/// pgbench with `script` on tables `setup` creates (`{schema}` is a fresh schema).
fn pgbench_script(admin: &str, setup: &str, script: &str) -> anyhow::Result<(f64, f64)> {
    let schema = format!("bench_pgbench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = diesel::PgConnection::establish(admin)?;
    conn.batch_execute(&format!(
        "CREATE SCHEMA {schema}; {}",
        setup.replace("{schema}", &schema)
    ))?;
    let file = tempfile::NamedTempFile::new()?;
    std::fs::write(file.path(), script.replace("{schema}", &schema))?;
    let script = file;
    let url = url_parts(admin);
    let cpu_before = cpu_ticks();
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &CLIENTS.to_string(),
            "-j",
            "2",
            "-T",
            &seconds().to_string(),
            "-f",
        ])
        .arg(script.path())
        .args(["-h", &url.0, "-p", &url.1, "-U", &url.2, &url.3])
        // The same connection settings as the service's: without this, pgbench would
        // negotiate TLS (libpq's default `prefer`) where the service's URL disables it.
        .env("PGSSLMODE", url_sslmode(admin))
        .output()?;
    let busy = busy_share(cpu_before, cpu_ticks());
    conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "pgbench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .map(|tps| (tps, busy))
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench output: {text}"))
}

/// The `sslmode` a postgres:// URL asks for (libpq's default when it names none).
fn url_sslmode(url: &str) -> String {
    url.split_once('?')
        .map(|(_, query)| query)
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("sslmode="))
        .unwrap_or("prefer")
        .to_owned()
}

/// (host, port, user, database) of a postgres:// URL.
fn url_parts(url: &str) -> (String, String, String, String) {
    let rest = url
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    let rest = rest.split('?').next().unwrap_or(rest);
    let (auth, hostpart) = rest.split_once('@').unwrap_or(("postgres", rest));
    let user = auth.split(':').next().unwrap_or("postgres").to_owned();
    let (hostport, database) = hostpart.split_once('/').unwrap_or((hostpart, "postgres"));
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    (host.to_owned(), port.to_owned(), user, database.to_owned())
}

struct VerifyResult {
    entries: usize,
    per_second: f64,
    entry_sha_per_second: f64,
    all_sha_per_second: f64,
    bytes_per_entry: f64,
}

/// A log of 100,000 realistic entries over 1,000 items; every item verified as the
/// service's verify endpoint does (stored bytes, parse, chain, inclusion).
fn verification() -> anyhow::Result<VerifyResult> {
    let items = 1000;
    let per_item = 100;
    let actor = Actor {
        user_id: uuid::Uuid::now_v7().to_string(),
        agency_id: uuid::Uuid::now_v7().to_string(),
        country: "JM".into(),
        machine: false,
    };
    let evidence: Vec<String> = (0..items)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let mut stored: Vec<Vec<(u64, String, String)>> = vec![Vec::new(); items];
    let mut tree = MemoryTree::default();
    let mut heads: Vec<Option<String>> = vec![None; items];
    for round in 0..per_item {
        for (i, id) in evidence.iter().enumerate() {
            let req = NewEntry {
                event: EventType::Note,
                prev: None,
                to_agency_id: None,
                to_custodian_id: None,
                location: Some("Kingston, Jamaica".into()),
                reason: Some("routine inspection of the sealed bag".into()),
                authority: Some("Warrant 2026/117".into()),
                seal: None,
                hash: None,
                corrects_seq: None,
                details: Some(json!({"round": round, "shelf": "B-12"})),
            };
            let applied = entry::apply(&entry::ItemState::new(Default::default()), &req, &actor)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let at = "2026-11-29T03:00:00.000000Z";
            let canonical =
                entry::seal_entry(applied.entry, id, round as i64, heads[i].as_deref(), at)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .canonical;
            let hash = sha256_hex(canonical.as_bytes());
            tree.push(merkle::leaf_hash(canonical.as_bytes()));
            stored[i].push((tree.size - 1, canonical, hash.clone()));
            heads[i] = Some(hash);
        }
    }
    let size = tree.size;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let origin = "bench/custody";
    let note_text = note::sign(
        &note::checkpoint_body(origin, size, &tree.root(size)),
        origin,
        &key,
    );
    let verifier =
        note::parse_verifier_key(&note::verifier_key(origin, &key.verifying_key().to_bytes()))
            .unwrap();
    let proofs: Vec<Vec<Vec<merkle::Hash>>> = stored
        .iter()
        .map(|entries| {
            entries
                .iter()
                .map(|(index, _, _)| tree.inclusion(*index, size))
                .collect()
        })
        .collect();

    let total: usize = stored.iter().map(Vec::len).sum();
    let started = Instant::now();
    for (i, entries) in stored.iter().enumerate() {
        let checks: Vec<EntryToCheck> = entries
            .iter()
            .zip(&proofs[i])
            .map(|((index, canonical, hash), proof)| EntryToCheck {
                log_index: *index,
                entry: EntrySource::Stored(canonical),
                entry_hash: hash,
                proof,
            })
            .collect();
        let report = verify::verify(
            verify::History::Evidence(&evidence[i]),
            &note_text,
            &verifier,
            &checks,
        );
        assert_eq!(
            report.verdict,
            caseledger::custody::verify::Verdict::Verified
        );
    }
    let verify_time = started.elapsed();

    // Raw SHA-256 over the entry bytes, once each.
    let started = Instant::now();
    for entries in &stored {
        for (_, canonical, _) in entries {
            std::hint::black_box(Sha256::digest(canonical.as_bytes()));
        }
    }
    let entry_sha = started.elapsed();
    // Raw SHA-256 over every byte verification must hash: each entry twice (its hash and
    // its leaf) and every node of its inclusion proof.
    let started = Instant::now();
    let mut hashed = 0usize;
    for (i, entries) in stored.iter().enumerate() {
        for (j, (_, canonical, _)) in entries.iter().enumerate() {
            std::hint::black_box(Sha256::digest(canonical.as_bytes()));
            std::hint::black_box(merkle::leaf_hash(canonical.as_bytes()));
            hashed += 2 * canonical.len() + 1;
            let mut acc = [0u8; 32];
            for node in &proofs[i][j] {
                acc = merkle::node_hash(&acc, node);
                hashed += 65;
            }
            std::hint::black_box(acc);
        }
    }
    let all_sha = started.elapsed();
    Ok(VerifyResult {
        entries: total,
        per_second: total as f64 / verify_time.as_secs_f64(),
        entry_sha_per_second: total as f64 / entry_sha.as_secs_f64(),
        all_sha_per_second: total as f64 / all_sha.as_secs_f64(),
        bytes_per_entry: hashed as f64 / total as f64,
    })
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// CPU time of the whole machine per operation, in microseconds.
fn cpu_per_op(busy: f64, per_second: f64) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    busy * cores * 1e6 / per_second
}

fn row(label: &str, r: &LoadResult) -> String {
    let rate = r.appends as f64 / r.elapsed.as_secs_f64();
    format!(
        "| {label} | {rate:.0} appends/s | {:.0}% | {:.0} µs | {} | {} | {} | {} | {} in {} |\n",
        r.busy * 100.0,
        cpu_per_op(r.busy, rate),
        ms(r.p50),
        ms(r.p99),
        r.appends,
        r.errors,
        ms(r.max_checkpoint_lag),
        r.lag_samples
    )
}

/// Batches per second, appends per batch, and the mean µs per batch in each phase.
fn phases_row(label: &str, r: &LoadResult) -> String {
    let mut out = format!("| {label} | {:.0} | ", r.batches / r.elapsed.as_secs_f64());
    for (name, value) in &r.per_batch {
        if name == "jobs" {
            out.push_str(&format!("{value:.1} |"));
        } else {
            out.push_str(&format!(" {:.0} |", value * 1e6));
        }
    }
    out.push('\n');
    out
}

fn pgbench_row(when: &str, tps: f64, busy: f64) -> String {
    format!(
        "| pgbench baseline{when}: single-row INSERT transactions, {CLIENTS} clients, same PostgreSQL | {tps:.0} tps | {:.0}% | {:.0} µs | | | | | |\n",
        busy * 100.0,
        cpu_per_op(busy, tps)
    )
}

fn main() -> anyhow::Result<()> {
    // BENCH_ONLY=postgres or BENCH_ONLY=sqlite: one backend's appends (postgres with
    // pgbench), for quick comparisons while working on the writer.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only == "sqlite" {
        let dir = tempfile::tempdir()?;
        let lite = http_appends(
            &format!("sqlite://{}", dir.path().join("bench.db").display()),
            &this_build(),
        )?;
        println!("{}", row("SQLite", &lite));
        return Ok(());
    }
    if only == "postgres" {
        let admin = pg_admin();
        let schema = format!("bench_custody_{}", uuid::Uuid::new_v4().simple());
        let mut pg = pg_connect(&admin)?;
        pg.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
        if let Ok(baseline) = std::env::var("BENCH_BASELINE_BINARY") {
            let r = http_appends(&pg_schema_url(&admin, &schema), &baseline);
            pg.batch_execute(&format!(
                "DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}"
            ))?;
            println!("{}", row("PostgreSQL, baseline build", &r?));
        }
        let r = http_appends(&pg_schema_url(&admin, &schema), &this_build());
        pg.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
        let r = r?;
        println!("{}", row("PostgreSQL", &r));
        println!("{}", phases_row("PostgreSQL", &r));
        let (tps, busy) = pgbench(&admin)?;
        println!("{}", pgbench_row("", tps, busy));
        let (tps, busy) = pgbench_chain(&admin)?;
        println!(
            "| pgbench, chain-shaped: each of {CLIENTS} clients extends its own item's chain (moves its head and inserts the entry naming it, one statement), one transaction each | {tps:.0} tps | {:.0}% | {:.0} µs | | | | | |",
            busy * 100.0,
            cpu_per_op(busy, tps)
        );
        let (tps, busy) = pgbench_chain_interactive(&admin)?;
        println!(
            "| pgbench, chain-shaped as a client writes it (BEGIN; SELECT … FOR UPDATE; INSERT; UPDATE; END) | {tps:.0} tps | {:.0}% | {:.0} µs | | | | | |",
            busy * 100.0,
            cpu_per_op(busy, tps)
        );
        return Ok(());
    }
    let v = verification()?;
    eprintln!("verification measured");
    let admin = pg_admin();
    // Creates the database on a fresh machine.
    pg_connect(&admin)?;
    // pgbench runs right before and right after the appends: this machine's speed
    // drifts between runs, and the two bracket the appends' run.
    let (tps_before, busy_before) = pgbench(&admin)?;
    eprintln!("pgbench measured");
    let baseline = std::env::var("BENCH_BASELINE_BINARY").ok();
    let pg_appends = |binary: &str| -> anyhow::Result<LoadResult> {
        let schema = format!("bench_custody_{}", uuid::Uuid::new_v4().simple());
        let mut pg = pg_connect(&admin)?;
        pg.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
        let result = http_appends(&pg_schema_url(&admin, &schema), binary);
        pg.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
        result
    };
    let lite_appends = |binary: &str| -> anyhow::Result<LoadResult> {
        let dir = tempfile::tempdir()?;
        http_appends(
            &format!("sqlite://{}", dir.path().join("bench.db").display()),
            binary,
        )
    };
    let pg_baseline = baseline.as_deref().map(pg_appends).transpose()?;
    let pg_result = pg_appends(&this_build())?;
    eprintln!("PostgreSQL appends measured");
    let (tps_after, busy_after) = pgbench(&admin)?;
    eprintln!("pgbench measured again");
    let lite_baseline = baseline.as_deref().map(lite_appends).transpose()?;
    let lite = lite_appends(&this_build())?;
    eprintln!("SQLite appends measured");

    let mut out = String::new();
    out.push_str(&format!(
        "Custody appends over HTTP, {CLIENTS} concurrent clients, {} s after a 2 s warm-up \
         (each client appends `note` entries to its own item; server log level `warn`):\n\n\
         | database | throughput | machine CPU busy | CPU per append | p50 | p99 | appends | errors | max wait for a covering checkpoint |\n\
         |---|---|---|---|---|---|---|---|---|\n",
        seconds()
    ));
    if let Some(b) = &pg_baseline {
        out.push_str(&row("PostgreSQL (durable commits), baseline build", b));
    }
    out.push_str(&row("PostgreSQL (durable commits)", &pg_result));
    if let Some(b) = &lite_baseline {
        out.push_str(&row("SQLite (WAL, synchronous=FULL), baseline build", b));
    }
    out.push_str(&row("SQLite (WAL, synchronous=FULL)", &lite));
    out.push_str(&pgbench_row(" (run before)", tps_before, busy_before));
    out.push_str(&pgbench_row(" (run after)", tps_after, busy_after));
    out.push_str(
        "\nWhere the writer's time goes, from its phase counters over the same timed runs \
         (`caseledger_ledger_batch_phase_seconds_total`), mean µs per batch. On PostgreSQL \
         the commit runs on its own thread while the next batch waits for the locks, so \
         `lock` contains most of the previous batch's `commit`:\n\n\
         | database | batches/s | appends per batch | lock | heads | checks | compute | write | commit |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    out.push_str(&phases_row("PostgreSQL", &pg_result));
    out.push_str(&phases_row("SQLite", &lite));
    out.push_str(&format!(
        "\nVerification of {} entries (1,000 items × 100, one log of that size; each item as \
         `custody/verify` does it: stored bytes, hash, chain members, inclusion proof):\n\n\
         | what | entries/s |\n|---|---|\n\
         | verification | {:.0} |\n\
         | raw SHA-256 of every byte verification hashes (entry twice, {:.0} bytes/entry with the proof) | {:.0} |\n\
         | raw SHA-256 of each entry's bytes once | {:.0} |\n",
        v.entries, v.per_second, v.bytes_per_entry, v.all_sha_per_second, v.entry_sha_per_second
    ));
    println!("{out}");
    Ok(())
}
