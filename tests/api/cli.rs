//! The binary itself: the README's run command on a fresh data folder, `migrate`,
//! `user create` and `openapi`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_caseledger");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn serve_starts_on_a_fresh_folder_with_no_setup() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
        .env("CASELEDGER_ARGON2_MEMORY_KIB", "256")
        .env("CASELEDGER_ARGON2_ITERATIONS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    let password = first_line
        .split('`')
        .nth(3)
        .unwrap_or_else(|| panic!("no password printed: {first_line}"))
        .to_owned();

    let deadline = Instant::now() + Duration::from_secs(20);
    let ready = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /readyz HTTP/1.0\r\n\r\n").unwrap();
            let mut line = String::new();
            BufReader::new(s).read_line(&mut line).unwrap();
            break line;
        }
        assert!(Instant::now() < deadline, "the service did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ready.contains(" 200 "), "{ready}");
    assert!(dir.path().join("data/caseledger.db").exists());
    assert!(dir.path().join("data/jwt-signing-key.pem").exists());
    assert!(password.len() >= 20, "{password}");
}

#[test]
fn migrate_user_create_and_openapi() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &url)
            .env("CASELEDGER_DATA_DIR", dir.path())
            .env("CASELEDGER_BOOTSTRAP_PASSWORD", "first-light-over-kingston")
            .env("CASELEDGER_ARGON2_MEMORY_KIB", "256")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pool = caseledger::db::build_pool(&url, 1).unwrap();
    let agency = caseledger::agencies::insert(
        &mut pool.get().unwrap(),
        "LC",
        "Royal Saint Lucia Police Force",
        caseledger::agencies::AgencyKind::Police,
    )
    .unwrap();
    let create = |username: &str, password: &str| {
        run(
            &[
                "user",
                "create",
                "--username",
                username,
                "--display-name",
                "Jo Ann",
                "--agency-id",
                &agency.id,
                "--role",
                "investigator",
                "--role",
                "supervisor",
            ],
            &format!("{password}\n"),
        )
    };
    let out = create("lc.jo", "a-saint-lucian-sunrise");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(user["username"], "lc.jo");
    assert_eq!(user["country"], "LC");
    assert_eq!(
        user["roles"],
        serde_json::json!(["investigator", "supervisor"])
    );
    let out = create("lc.weak", "password");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));

    let out = run(&["openapi"], "");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    assert!(
        printed == committed,
        "`caseledger openapi` differs from openapi/openapi.json"
    );

    // Rebuilding the figures of a history with no case or request in it removes a
    // counter nothing in the history accounts for.
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    pool.get()
        .unwrap()
        .batch_execute(
            "INSERT INTO figures VALUES ('cases.opened', 'LC', '', '2026-Q4', '', '', '', 0, 2)",
        )
        .unwrap();
    let out = run(&["rebuild-figures"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "figures rebuilt from the histories: 0 counters, 1 changed\n"
    );
    let left: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM figures")
        .get_result::<Count>(&mut *pool.get().unwrap())
        .unwrap()
        .n;
    assert_eq!(left, 0);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[test]
fn logs_are_json_with_request_ids_and_never_carry_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let password = "a-bootstrap-secret-9371";
    let log_path = dir.path().join("stderr.log");
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
        .env("CASELEDGER_LOG_FORMAT", "json")
        .env("CASELEDGER_BOOTSTRAP_PASSWORD", password)
        .env("CASELEDGER_ARGON2_MEMORY_KIB", "256")
        .env("CASELEDGER_ARGON2_ITERATIONS", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the service did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let body = format!(r#"{{"username":"tt.admin","password":"{password}"}}"#);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST /api/v1/auth/login HTTP/1.0\r\nContent-Type: application/json\r\nX-Request-Id: login-check-1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut s, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    let token = response
        .split("\"access_token\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["request_id"] == "login-check-1" && l["status"] == 200),
        "{logs}"
    );
    assert!(!logs.contains(password), "the password reached the logs");
    assert!(!logs.contains(&token), "the access token reached the logs");
}
