//! Test harness: every test gets its own database (a SQLite file, or a fresh
//! PostgreSQL schema when TEST_DATABASE_URL is set) and its own server on port 0.

use actix_web::http::StatusCode;
use caseledger::agencies::{self, AgencyKind};
use caseledger::auth::roles::Role;
use caseledger::config::{Argon2Settings, Settings};
use caseledger::state::AppState;
use caseledger::users::{self, CreateUser};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use secrecy::SecretString;
use serde_json::{Value, json};

pub const BOOTSTRAP_PASSWORD: &str = "first-light-over-kingston";
pub const PASSWORD: &str = "correct-horse-battery-9";

pub struct TestDb {
    pub url: String,
    cleanup: Option<(String, String)>,
}

impl TestDb {
    /// A fresh, empty database for one test.
    pub fn new(dir: &std::path::Path) -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url)
                    .expect("TEST_DATABASE_URL must reach PostgreSQL");
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .unwrap();
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{admin_url}{sep}options=-csearch_path%3D{schema}"),
                    cleanup: Some((admin_url, schema)),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}", dir.join("test.db").display()),
                cleanup: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.cleanup.is_some() || self.url.starts_with("postgres")
    }

    /// A copy of this database as it stands (every table, trigger and function), in
    /// `dir` for SQLite, a schema of its own on PostgreSQL; dropped with the copy.
    pub fn copy(&self, dir: &std::path::Path) -> TestDb {
        match &self.cleanup {
            Some((admin_url, schema)) => {
                let copy = format!("t_{}", uuid::Uuid::new_v4().simple());
                let dump = std::process::Command::new("pg_dump")
                    .args(["--no-owner", "--schema", schema, admin_url])
                    .output()
                    .expect("pg_dump");
                assert!(
                    dump.status.success(),
                    "{}",
                    String::from_utf8_lossy(&dump.stderr)
                );
                let sql = String::from_utf8(dump.stdout)
                    .unwrap()
                    .replace(schema, &copy);
                let mut psql = std::process::Command::new("psql")
                    .args(["-q", "-v", "ON_ERROR_STOP=1", admin_url])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("psql");
                use std::io::Write;
                psql.stdin
                    .take()
                    .unwrap()
                    .write_all(sql.as_bytes())
                    .unwrap();
                assert!(psql.wait().unwrap().success(), "restoring the copy");
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{admin_url}{sep}options=-csearch_path%3D{copy}"),
                    cleanup: Some((admin_url.clone(), copy)),
                }
            }
            None => {
                let source = self.url.trim_start_matches("sqlite://");
                let target = dir.join("copy.db");
                let mut conn = diesel::SqliteConnection::establish(source).unwrap();
                conn.batch_execute(&format!("VACUUM INTO '{}'", target.display()))
                    .unwrap();
                TestDb {
                    url: format!("sqlite://{}", target.display()),
                    cleanup: None,
                }
            }
        }
    }

    /// The same database, owned (and dropped) by another TestDb.
    pub fn borrowed(url: &str) -> TestDb {
        TestDb {
            url: url.to_owned(),
            cleanup: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, schema)) = &self.cleanup
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

pub fn test_settings(dir: &std::path::Path, db: &TestDb) -> Settings {
    Settings {
        database_url: Some(db.url.clone()),
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        pool_size: 4,
        // Cheap hashing for tests only; production uses the OWASP defaults.
        argon2: Argon2Settings {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        bootstrap_password: Some(SecretString::from(BOOTSTRAP_PASSWORD)),
        // Most tests are about other things and sign their people in with a password
        // alone; the tests of second factors, step-up and the README's walkthrough set
        // the policy they need (the service's default is `required`).
        mfa: caseledger::config::MfaPolicy::Off,
        // TEST_STORE=s3://BUCKET puts each test's content under a prefix of its own
        // in that bucket (the AWS_* variables name the S3 server); the data dir's
        // folder otherwise.
        store: std::env::var("TEST_STORE")
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| format!("{s}/{}", uuid::Uuid::new_v4().simple())),
        ..Settings::default()
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Response {
    pub async fn read<S>(mut res: awc::ClientResponse<S>) -> Response
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    {
        let raw = res.body().limit(10 * 1024 * 1024).await.unwrap().to_vec();
        Response {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
            raw,
        }
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem document of the given status and type slug.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, slug: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(
            self.body["type"],
            format!("https://caseledger.org/problems/{slug}"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string());
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    _db: TestDb,
    client: awc::Client,
    _dir: tempfile::TempDir,
}

/// Another instance of the service as a process of its own, on a test app's database
/// and data folder (so with its keys: the app's tokens are good for it), killed with
/// SIGKILL when dropped or asked.
pub struct ServerProcess {
    child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    /// Waits until it answers `/readyz`.
    pub async fn ready(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let res = awc::Client::new()
                .get(format!("{}/readyz", self.base))
                .send()
                .await;
            if res.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process did not start"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// kill -9.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Caller {
    pub id: String,
    pub token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::new(dir.path());
        Self::spawn_on(db, dir, adjust).await
    }

    /// An instance on a copy of this instance's database as it stands now (the log
    /// included: a fork), with its own data folder.
    pub async fn copy(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = self._db.copy(dir.path());
        Self::spawn_on(db, dir, adjust).await
    }

    /// Another instance on this instance's database, with its own data folder (and so
    /// its own keys unless `adjust` shares them).
    pub async fn sibling(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::borrowed(&self._db.url);
        Self::spawn_on(db, dir, adjust).await
    }

    /// The service as a process of its own on this app's database and data folder,
    /// with `env` besides; ready when this returns.
    pub async fn process(&self, env: &[(&str, &str)]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_caseledger"));
        command
            .arg("serve")
            .env("DATABASE_URL", &self._db.url)
            .env("CASELEDGER_DATA_DIR", self._dir.path())
            .env("CASELEDGER_BIND", format!("127.0.0.1:{port}"))
            .env("CASELEDGER_ARGON2_MEMORY_KIB", "256")
            .env("CASELEDGER_ARGON2_ITERATIONS", "1")
            .env("CASELEDGER_MFA", self.state.settings.mfa.as_str())
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let process = ServerProcess {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        };
        process.ready().await;
        process
    }

    /// The database this instance serves.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    async fn spawn_on(
        db: TestDb,
        dir: tempfile::TempDir,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = test_settings(dir.path(), &db);
        adjust(&mut settings);
        let state = caseledger::startup::prepare(settings).expect("prepare");
        let app = caseledger::startup::Application::build(state.clone()).unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.into_server());
        TestApp {
            base,
            state,
            _db: db,
            // Pooled connections are dropped after a second idle, well before the
            // server closes them (5 s): a request never goes out on a connection the
            // server is closing, which failed a test at random as `Disconnected`.
            client: awc::Client::builder()
                .connector(awc::Connector::new().conn_keep_alive(std::time::Duration::from_secs(1)))
                .timeout(std::time::Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            _dir: dir,
        }
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        content_type: Option<&str>,
    ) -> Response {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        if let Some(ct) = content_type {
            req = req.insert_header(("Content-Type", ct));
        }
        let res = match body {
            Some(bytes) => req.send_body(bytes).await,
            None => req.send().await,
        }
        .expect("request sent");
        Response::read(res).await
    }

    /// A GET with one raw header, for malformed credentials.
    pub async fn client_request_with_header(&self, path: &str, header: (&str, String)) -> Response {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .insert_header(header)
            .send()
            .await
            .expect("request sent");
        Response::read(res).await
    }

    /// A form-encoded POST with extra headers and no bearer token (the OAuth token
    /// endpoint).
    pub async fn post_form(&self, path: &str, headers: &[(&str, &str)], form: &str) -> Response {
        let mut req = self
            .client
            .post(format!("{}{}", self.base, path))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let res = req.send_body(form.to_owned()).await.expect("request sent");
        Response::read(res).await
    }

    /// A request with extra headers and an optional JSON body.
    pub async fn request_with_headers(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Response {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .insert_header(("Authorization", format!("Bearer {token}")));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let res = match body {
            Some(body) => req.send_json(body).await,
            None => req.send().await,
        }
        .expect("request sent");
        Response::read(res).await
    }

    /// A request with raw bytes and the headers given (uploads, ranges).
    pub async fn send_bytes(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Response {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .insert_header(("Authorization", format!("Bearer {token}")));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        Response::read(req.send_body(body).await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request("GET", path, Some(token), None, None).await
    }

    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        self.request(
            method,
            path,
            token,
            Some(serde_json::to_vec(body).unwrap()),
            Some("application/json"),
        )
        .await
    }

    /// A POST of JSON text as written (duplicate members, literal numbers, escapes).
    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: &str) -> Response {
        self.request(
            "POST",
            path,
            token,
            Some(body.as_bytes().to_vec()),
            Some("application/json"),
        )
        .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json("POST", path, Some(token), body).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request("DELETE", path, Some(token), None, None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json("PATCH", path, Some(token), body).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.send_json(
            "POST",
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// The bootstrap regional administrator, past the first-login password change.
    pub async fn regional_admin(&self) -> Caller {
        let first = self.login("tt.admin", BOOTSTRAP_PASSWORD).await;
        assert_eq!(first.status, 200, "{}", first.body);
        let token = first.body["access_token"].as_str().unwrap().to_owned();
        let changed = self
            .post(
                "/api/v1/auth/password",
                &token,
                &json!({"current_password": BOOTSTRAP_PASSWORD, "new_password": PASSWORD}),
            )
            .await;
        assert_eq!(changed.status, 204, "{}", changed.body);
        self.caller("tt.admin", PASSWORD).await
    }

    pub async fn caller(&self, username: &str, password: &str) -> Caller {
        let res = self.login(username, password).await;
        assert_eq!(res.status, 200, "login {username}: {}", res.body);
        let token = res.body["access_token"].as_str().unwrap().to_owned();
        let me = self.get("/api/v1/me", &token).await;
        Caller {
            id: me.body["id"].as_str().unwrap().to_owned(),
            token,
            refresh_token: res.body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Runs SQL behind the service's back (tamper tests).
    pub fn exec(&self, sql: &str) -> diesel::QueryResult<()> {
        let mut conn = self.state.pool.get().unwrap();
        conn.batch_execute(sql)
    }

    /// Asserts that the database refuses `sql` with the trigger that keeps `table`
    /// append-only: its own refusal, not just any error (a typo fails too).
    pub fn assert_append_only(&self, table: &str, sql: &str) {
        let refused = self
            .exec(sql)
            .expect_err(&format!("the database took {sql:?}"));
        let said = refused.to_string();
        assert!(
            said.contains(&format!("{table} is append-only")),
            "{sql:?} was refused, but not by {table}'s trigger: {said}"
        );
    }

    pub fn is_postgres(&self) -> bool {
        self._db.is_postgres()
    }

    /// Every audit entry, in chain order, read behind the service's back.
    pub fn audit_entries(&self) -> Vec<Value> {
        use caseledger::db::schema::audit_log;
        use diesel::prelude::*;
        let mut conn = self.state.pool.get().unwrap();
        let texts: Vec<String> = audit_log::table
            .order(audit_log::seq)
            .select(audit_log::entry)
            .load(&mut conn)
            .unwrap();
        texts
            .iter()
            .map(|t| serde_json::from_str(t).unwrap())
            .collect()
    }

    pub async fn create_case(&self, token: &str, title: &str) -> Value {
        let res = self
            .post(
                "/api/v1/cases",
                token,
                &json!({"title": title, "summary": "Phishing campaign against bank customers", "offences": ["computer_related_fraud", "phishing"], "priority": "high"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        res.body
    }

    pub fn agency(&self, country: &str, name: &str, kind: AgencyKind) -> String {
        let mut conn = self.state.pool.get().unwrap();
        agencies::insert(&mut conn, country, name, kind).unwrap().id
    }

    /// `name` in the username namespace of the agency's country (`jm.name`).
    pub fn username_in(&self, agency_id: &str, name: &str) -> String {
        let mut conn = self.state.pool.get().unwrap();
        let agency = agencies::find(&mut conn, agency_id).unwrap().unwrap();
        format!("{}{name}", users::namespace(&agency.country_code))
    }

    /// Creates a user directly (no first-login password change) and returns its id.
    pub fn user(&self, username: &str, agency_id: &str, roles: &[Role]) -> String {
        let mut conn = self.state.pool.get().unwrap();
        users::create(
            &mut conn,
            &self.state.hasher,
            CreateUser {
                username: username.into(),
                display_name: format!("User {username}"),
                agency_id: agency_id.into(),
                roles: roles.to_vec(),
                password: PASSWORD.into(),
                must_change_password: false,
            },
        )
        .unwrap()
        .id
    }

    /// Creates a user and logs them in.
    pub async fn user_caller(&self, username: &str, agency_id: &str, roles: &[Role]) -> Caller {
        self.user(username, agency_id, roles);
        self.caller(username, PASSWORD).await
    }
}
