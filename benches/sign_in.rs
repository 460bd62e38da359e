//! Sign-in with a second factor, in one run:
//! 1. what checking a TOTP code costs (opening the sealed secret, then the codes of
//!    three steps compared), next to one argon2id password verification at OWASP cost;
//! 2. sign-in over HTTP by 16 concurrent clients: password alone, then password and
//!    TOTP (`/auth/login` answering `mfa-required`, then `/auth/login/mfa`), each
//!    person signing in once, with p50 and p99 of the whole sign-in.
//!
//! cargo bench --bench sign_in   (BENCH_SIGN_INS=400 per kind)

use caseledger::agencies::{self, AgencyKind};
use caseledger::auth::factors::{FactorSealer, code_at, matching_step, new_totp_secret};
use caseledger::auth::password::Hasher;
use caseledger::auth::queries::{FactorRow, insert_factor};
use caseledger::auth::roles::Role;
use caseledger::config::Argon2Settings;
use caseledger::db;
use caseledger::users::{self, CreateUser};
use diesel::prelude::*;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const PASSWORD: &str = "bench-password-not-common";

fn sign_ins() -> usize {
    std::env::var("BENCH_SIGN_INS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A person the bench signs in, with their TOTP secret when they hold one.
#[derive(Clone)]
struct Person {
    username: String,
    secret: Option<Vec<u8>>,
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

/// Seeds `n` people with a password alone and `n` with a confirmed TOTP factor, all
/// with a password hashed at the service's (OWASP) cost, sealed under the store key
/// the server will read from `dir`.
fn seed(url: &str, dir: &std::path::Path, n: usize) -> anyhow::Result<(Vec<Person>, Vec<Person>)> {
    let pool = db::build_pool(url, 2)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let cheap = Hasher::new(&Argon2Settings {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    })?;
    let owasp_hash = Hasher::new(&Argon2Settings::default())?.hash(PASSWORD)?;
    let sealer = FactorSealer::derive(&caseledger::keys::load_or_generate_secret(
        &dir.join("store-key"),
    )?);
    let agency = agencies::insert(&mut conn, "JM", "JCF Cybercrime Unit", AgencyKind::Police)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut plain = Vec::new();
    let mut holders = Vec::new();
    for i in 0..2 * n {
        let username = format!("jm.bench.{i}");
        let user = users::create(
            &mut conn,
            &cheap,
            CreateUser {
                username: username.clone(),
                display_name: format!("Bench {i}"),
                agency_id: agency.id.clone(),
                roles: vec![Role::Investigator],
                password: PASSWORD.into(),
                must_change_password: false,
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if i < n {
            plain.push(Person {
                username,
                secret: None,
            });
            continue;
        }
        let secret = new_totp_secret();
        let id = uuid::Uuid::now_v7().to_string();
        let now = db::now();
        insert_factor(
            &mut conn,
            &FactorRow {
                id: id.clone(),
                user_id: user.id,
                kind: "totp".into(),
                label: "Bench app".into(),
                secret: sealer.seal(&secret, &id),
                created_at: now,
                confirmed_at: Some(now),
                last_step: None,
                last_used_at: None,
                credential_id: None,
            },
        )?;
        holders.push(Person {
            username,
            secret: Some(secret),
        });
    }
    {
        use caseledger::db::schema::users::dsl::{password_hash, users};
        diesel::update(users)
            .set(password_hash.eq(&owasp_hash))
            .execute(&mut conn)?;
    }
    Ok((plain, holders))
}

fn start(url: &str, dir: &std::path::Path) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_caseledger"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
        .env("CASELEDGER_DATA_DIR", dir)
        .env("CASELEDGER_BOOTSTRAP_PASSWORD", "bench-bootstrap-password")
        // Whoever holds a factor gives it whatever the policy: `off` lets the people
        // without one sign in with their password alone, beside them.
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

async fn post(client: &awc::Client, url: &str, body: &Value) -> (u16, Value) {
    let mut res = client.post(url).send_json(body).await.expect("request");
    let bytes = res.body().limit(1 << 20).await.expect("body");
    (
        res.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// One sign-in, whole: the password, then the code when the person holds a factor.
async fn sign_in(client: &awc::Client, base: &str, person: &Person) -> Duration {
    let started = Instant::now();
    let (status, body) = post(
        client,
        &format!("{base}/api/v1/auth/login"),
        &json!({"username": person.username, "password": PASSWORD}),
    )
    .await;
    match &person.secret {
        None => assert_eq!(status, 200, "{body}"),
        Some(secret) => {
            assert_eq!(status, 401, "{body}");
            let (status, done) = post(
                client,
                &format!("{base}/api/v1/auth/login/mfa"),
                &json!({"mfa_token": body["mfa_token"], "code": code_at(secret, unix_now())}),
            )
            .await;
            assert_eq!(status, 200, "{done}");
        }
    }
    started.elapsed()
}

/// Signs every person in once, `CLIENTS` at a time; the sign-ins' durations.
async fn load(base: String, people: Vec<Person>) -> (Vec<Duration>, Duration) {
    let queue = Arc::new(Mutex::new(people));
    let started = Instant::now();
    let workers = (0..CLIENTS).map(|_| {
        let queue = queue.clone();
        let base = base.clone();
        actix_web::rt::spawn(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(60))
                .finish();
            let mut took = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some(person) = next else { break };
                took.push(sign_in(&client, &base, &person).await);
            }
            took
        })
    });
    let mut all = Vec::new();
    for worker in futures_util::future::join_all(workers).await {
        all.extend(worker.expect("a worker"));
    }
    (all, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn report(name: &str, mut took: Vec<Duration>, wall: Duration) -> Duration {
    took.sort();
    let p99 = percentile(&took, 0.99);
    println!(
        "{name:<22} {:>5} sign-ins  {:>6.1}/s  p50 {:>7.1} ms  p99 {:>7.1} ms",
        took.len(),
        took.len() as f64 / wall.as_secs_f64(),
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
    );
    p99
}

/// What checking a code costs: the sealed secret opened, the code compared with those
/// of the step before, this one and the next.
fn totp_check(runs: u32) -> Duration {
    let sealer = FactorSealer::derive(&[7u8; 32]);
    let secret = new_totp_secret();
    let sealed = sealer.seal(&secret, "factor-id");
    let now = unix_now();
    // A code none of the three steps shows.
    let shown: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|&at| code_at(&secret, at))
        .collect();
    let wrong = (0..)
        .map(|n: u32| format!("{n:06}"))
        .find(|c| !shown.contains(c))
        .unwrap();
    let started = Instant::now();
    let mut matched = 0;
    for _ in 0..runs {
        let opened = sealer.open(&sealed, "factor-id").unwrap();
        // A wrong code is the costlier check: every step's code is computed.
        if matching_step(&opened, &wrong, now).is_some() {
            matched += 1;
        }
    }
    assert_eq!(matched, 0, "a code no step shows was taken");
    started.elapsed() / runs
}

fn argon2_verify(runs: u32) -> anyhow::Result<Duration> {
    let hasher = Hasher::new(&Argon2Settings::default())?;
    let hash = hasher.hash(PASSWORD)?;
    let started = Instant::now();
    for _ in 0..runs {
        assert!(hasher.verify(PASSWORD, &hash));
    }
    Ok(started.elapsed() / runs)
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    println!("checking one code (wrong: three steps computed), mean of 20000:");
    let totp = totp_check(20_000);
    let argon = argon2_verify(20)?;
    println!(
        "  TOTP check {:>8.1} µs    argon2id verification (OWASP) {:>8.1} µs    ratio {:.4}",
        totp.as_secs_f64() * 1e6,
        argon.as_secs_f64() * 1e6,
        totp.as_secs_f64() / argon.as_secs_f64()
    );

    let n = sign_ins();
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let (plain, holders) = seed(&url, dir.path(), n)?;
    let server = start(&url, dir.path())?;
    let base = server.base.clone();
    println!("sign-in over HTTP, {CLIENTS} concurrent clients, SQLite:");
    let (p99_password, p99_totp) = actix_web::rt::System::new().block_on(async move {
        let (took, wall) = load(base.clone(), plain).await;
        let password = report("password", took, wall);
        let (took, wall) = load(base, holders).await;
        let totp = report("password and TOTP", took, wall);
        (password, totp)
    });
    println!(
        "p99 ratio (password and TOTP / password): {:.2}",
        p99_totp.as_secs_f64() / p99_password.as_secs_f64()
    );
    drop(server);
    Ok(())
}
