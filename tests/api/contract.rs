//! The API contract: problem documents, limits, health, metrics, request ids, the
//! OpenAPI document, and the two migration trees.

use crate::common::{TestApp, TestDb};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use diesel::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[actix_web::test]
async fn bad_input_gets_problem_documents() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let t = Some(regional.token.as_str());
    let post = |body: &'static [u8], ct: &'static str| {
        app.request("POST", "/api/v1/agencies", t, Some(body.to_vec()), Some(ct))
    };

    let res = post(b"{\"country\": \"JM\",", "application/json").await;
    res.assert_problem(400, "malformed-request");
    assert_eq!(
        res.body["detail"],
        "the body ends before its JSON is complete (line 1, column 17)"
    );
    post(b"", "application/json")
        .await
        .assert_problem(400, "malformed-request");

    // Well-formed JSON of the wrong shape: one 422 naming every member at fault, in
    // words, never the parser's.
    let fields = |res: &crate::common::Response| -> Vec<(String, String)> {
        res.assert_problem(422, "validation-failed");
        res.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let res = post(
        br#"{"name": 5, "kind": "bakery", "budget": 1}"#,
        "application/json",
    )
    .await;
    assert_eq!(
        fields(&res),
        [
            ("country".to_owned(), "is required".to_owned()),
            ("budget".to_owned(), "is not a known field".to_owned()),
            (
                "kind".to_owned(),
                "must be one of: police, prosecution, central_authority, cert, regional, other"
                    .to_owned()
            ),
            ("name".to_owned(), "must be a string".to_owned()),
        ]
    );
    for body in [&b"[]"[..], b"\"x\"", b"null", b"7"] {
        let res = post(body, "application/json").await;
        assert_eq!(
            fields(&res),
            [("body".to_owned(), "must be an object".to_owned())],
            "{}",
            String::from_utf8_lossy(body)
        );
        assert!(!res.raw.windows(6).any(|w| w == b"expect"));
    }
    // I-JSON: a member given twice and text with a NUL are refused, with their paths.
    let res = post(
        br#"{"country": "JM", "name": "X\u0000", "kind": "police", "kind": "cert"}"#,
        "application/json",
    )
    .await;
    assert_eq!(
        fields(&res),
        [
            (
                "name".to_owned(),
                "must not contain NUL characters".to_owned()
            ),
            (
                "kind".to_owned(),
                "is given more than once: a member name may appear once in an object".to_owned()
            ),
        ]
    );
    post(
        br#"{"country": "JM", "name": "X", "kind": "police"}"#,
        "text/plain",
    )
    .await
    .assert_problem(415, "unsupported-media-type");

    // Oversize bodies are refused before they are parsed, and nothing is created.
    let huge = format!(
        r#"{{"country": "JM", "name": "{}", "kind": "police"}}"#,
        "x".repeat(300 * 1024)
    );
    let res = app
        .request(
            "POST",
            "/api/v1/agencies",
            t,
            Some(huge.into_bytes()),
            Some("application/json"),
        )
        .await;
    res.assert_problem(413, "payload-too-large");
    let agencies = app
        .get("/api/v1/agencies?country=JM", &regional.token)
        .await;
    assert_eq!(agencies.body["items"].as_array().unwrap().len(), 0);

    // Unknown routes and methods.
    app.request("GET", "/nowhere", None, None, None)
        .await
        .assert_problem(404, "not-found");
    app.get("/api/v1/nowhere", &regional.token)
        .await
        .assert_problem(404, "not-found");
    // A documented path asked with another method is 405 naming the ones it answers.
    for (method, path, allow) in [
        ("DELETE", "/api/v1/countries".to_owned(), "GET, POST"),
        ("PUT", "/api/v1/agencies".to_owned(), "GET, POST"),
        (
            "POST",
            format!("/api/v1/cases/{}", uuid::Uuid::now_v7()),
            "GET, PATCH",
        ),
        ("DELETE", "/openapi.json".to_owned(), "GET"),
    ] {
        let res = app.request(method, &path, t, None, None).await;
        res.assert_problem(405, "method-not-allowed");
        assert_eq!(res.headers.get("allow").unwrap(), allow, "{method} {path}");
    }
    // A person finds the documentation from the root and from /docs.
    for path in ["/", "/docs"] {
        let res = app.request("GET", path, None, None, None).await;
        assert_eq!(res.status, 302, "{path}");
        assert_eq!(res.headers.get("location").unwrap(), "/docs/");
    }
    let docs = app.request("GET", "/docs/", None, None, None).await;
    assert_eq!(docs.status, 200);

    // Query strings.
    app.get("/api/v1/users?limit=0", &regional.token)
        .await
        .assert_problem(422, "validation-failed");
    let res = app.get("/api/v1/users?limit=lots", &regional.token).await;
    assert_eq!(
        fields(&res),
        [("limit".to_owned(), "must be an integer".to_owned())]
    );
    app.get("/api/v1/users?cursor=bm9wZQ", &regional.token)
        .await
        .assert_problem(422, "validation-failed");
    let res = app
        .get("/api/v1/users?colour=red&limit=1&limit=2", &regional.token)
        .await;
    assert_eq!(
        fields(&res),
        [
            ("colour".to_owned(), "is not a known parameter".to_owned()),
            ("limit".to_owned(), "is given more than once".to_owned()),
        ]
    );
    app.get("/api/v1/users/not-a-uuid", &regional.token)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn health_metrics_and_request_ids() {
    let app = TestApp::spawn().await;
    let live = app.request("GET", "/livez", None, None, None).await;
    assert_eq!(live.body, json!({"status": "ok"}));
    let ready = app.request("GET", "/readyz", None, None, None).await;
    assert_eq!(ready.body, json!({"status": "ok"}));

    // A request id is echoed when the client sends a plain one, and made up otherwise.
    let res = app
        .client_request_with_header("/livez", ("X-Request-Id", "case-sync-42".into()))
        .await;
    assert_eq!(res.headers.get("x-request-id").unwrap(), "case-sync-42");
    let res = app
        .client_request_with_header("/livez", ("X-Request-Id", "bad id with spaces".into()))
        .await;
    let made = res.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert!(uuid::Uuid::parse_str(made).is_ok(), "{made}");

    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    app.get(
        "/api/v1/users/01990000-0000-7000-8000-000000000000",
        &caller.token,
    )
    .await;
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    assert_eq!(metrics.status, 200);
    let text = String::from_utf8(metrics.raw).unwrap();
    assert!(
        text.contains(
            r#"caseledger_http_requests_total{method="GET",route="/livez",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"caseledger_http_requests_total{method="GET",route="/api/v1/users/{id}",status="404"} 1"#), "{text}");
    assert!(
        text.contains(r#"caseledger_http_request_duration_seconds_bucket{le="#),
        "{text}"
    );
    assert!(
        text.contains("caseledger_db_pool_max_connections 4"),
        "{text}"
    );
    assert!(text.contains("caseledger_db_pool_connections "), "{text}");
    assert!(
        text.contains("caseledger_ledger_batch_size_count "),
        "{text}"
    );
}

#[actix_web::test]
async fn readiness_fails_when_the_database_is_unreachable() {
    let app = TestApp::spawn().await;
    let mut state = app.state.clone();
    // Nothing listens on port 1: connections are refused at once.
    state.pool = diesel::r2d2::Pool::builder()
        .connection_timeout(std::time::Duration::from_millis(500))
        .build_unchecked(caseledger::db::Manager::new("postgres://127.0.0.1:1/none").unwrap());
    let server = actix_web::test::init_service(caseledger::startup::app(state)).await;
    let req = actix_web::test::TestRequest::get()
        .uri("/readyz")
        .to_request();
    let res = actix_web::test::call_service(&server, req).await;
    assert_eq!(res.status(), 503);
    let body: Value = actix_web::test::read_body_json(res).await;
    assert_eq!(
        body["type"],
        "https://caseledger.org/problems/service-unavailable"
    );
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    // Liveness does not depend on the database.
    let req = actix_web::test::TestRequest::get()
        .uri("/livez")
        .to_request();
    assert_eq!(
        actix_web::test::call_service(&server, req).await.status(),
        200
    );
}

#[actix_web::test]
async fn served_openapi_matches_the_committed_document() {
    let app = TestApp::spawn().await;
    let served = app.request("GET", "/openapi.json", None, None, None).await;
    assert_eq!(served.status, 200);
    let committed: Value = serde_json::from_str(include_str!("../../openapi/openapi.json"))
        .expect("openapi/openapi.json is JSON");
    let generated: Value =
        serde_json::from_str(&caseledger::startup::openapi().to_json().unwrap()).unwrap();
    // Compared without printing: the documents are long.
    assert!(
        served.body == generated,
        "the served document differs from `caseledger openapi`"
    );
    assert!(
        served.body == committed,
        "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
    );
    // Every route the issue names is documented.
    let paths = served.body["paths"].as_object().unwrap();
    // Operation ids name one operation each (clients generate methods from them).
    let mut ids = BTreeSet::new();
    for operation in paths.values().flat_map(|p| p.as_object().unwrap().values()) {
        if let Some(id) = operation["operationId"].as_str() {
            assert!(ids.insert(id.to_owned()), "operationId {id} is not unique");
        }
    }
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/password",
        "/api/v1/auth/jwks",
        "/api/v1/me",
        "/api/v1/countries",
        "/api/v1/agencies",
        "/api/v1/agencies/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/users/{id}/unlock",
        "/livez",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    let docs = app.request("GET", "/docs/", None, None, None).await;
    assert_eq!(docs.status, 200);
    assert!(String::from_utf8_lossy(&docs.raw).contains("swagger-ui"));
}

fn migration_names(backend: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

fn columns(conn: &mut caseledger::db::DbConn) -> BTreeSet<(String, String)> {
    let sql = match conn.backend() {
        caseledger::db::Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
             AND m.name NOT LIKE 'cases_search%'"
        }
        caseledger::db::Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(sql)
        .load::<Column>(conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

#[test]
fn migration_trees_match() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names("postgresql"));
    for name in &sqlite {
        for backend in ["sqlite", "postgresql"] {
            for file in ["up.sql", "down.sql"] {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(backend)
                    .join(name)
                    .join(file);
                assert!(path.exists(), "{} is missing", path.display());
            }
        }
    }

    // Both backends end with the same tables and columns (SQLite's FTS5 search table
    // stands in for PostgreSQL's trigram indexes). SQLite always; PostgreSQL
    // when the run has one (CI runs both).
    let dir = tempfile::tempdir().unwrap();
    let lite_url = format!("sqlite://{}", dir.path().join("parity.db").display());
    let lite_pool = caseledger::db::build_pool(&lite_url, 1).unwrap();
    let mut lite = lite_pool.get().unwrap();
    caseledger::db::run_migrations(&mut lite).unwrap();
    let lite_columns = columns(&mut lite);
    assert!(lite_columns.contains(&("users".into(), "password_hash".into())));

    let pg = TestDb::new(dir.path());
    if pg.is_postgres() {
        let pool = caseledger::db::build_pool(&pg.url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        caseledger::db::run_migrations(&mut conn).unwrap();
        assert_eq!(columns(&mut conn), lite_columns);
        drop(conn);
    } else {
        eprintln!(
            "TEST_DATABASE_URL is not set: compared the SQLite tree with the folder names only"
        );
    }
}

#[test]
fn unknown_database_schemes_are_refused() {
    assert!(caseledger::db::Backend::from_url("postgress://typo/db").is_err());
    assert!(caseledger::db::Backend::from_url("/tmp/file.db").is_err());
    assert!(caseledger::db::build_pool("mysql://x", 1).is_err());
}

#[derive(QueryableByName)]
struct Pragma {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[test]
fn sqlite_connections_are_durable_and_enforce_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let pool = caseledger::db::build_pool(
        &format!("sqlite://{}", dir.path().join("p.db").display()),
        3,
    )
    .unwrap();
    // Every pooled connection, not only the first, carries the settings.
    let mut conns: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
    for conn in conns.iter_mut() {
        let read = |conn: &mut caseledger::db::DbConn, pragma: &str| -> String {
            let column = if pragma == "busy_timeout" {
                "timeout"
            } else {
                pragma
            };
            diesel::sql_query(format!(
                "SELECT CAST({column} AS TEXT) AS value FROM pragma_{pragma}()"
            ))
            .get_result::<Pragma>(conn)
            .unwrap()
            .value
        };
        assert_eq!(read(conn, "journal_mode"), "wal");
        assert_eq!(read(conn, "synchronous"), "2", "synchronous=FULL");
        assert_eq!(read(conn, "foreign_keys"), "1");
        assert_eq!(read(conn, "busy_timeout"), "10000");
    }
}

/// Text with a NUL character reaches no SQL on either database: a 422 naming the
/// field for text, a 404 for ids, like for anything else that names nothing.
#[actix_web::test]
async fn nul_characters_are_refused_before_the_database() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let auditor = app.user_caller("jm.auditor", &jm, &[Role::Auditor]).await;
    let case = r#"{"title": "Fraud\u0000", "summary": "a\u0000b", "offences": ["phishing"], "priority": "high"}"#;
    let res = app.post_raw("/api/v1/cases", Some(&inv.token), case).await;
    res.assert_problem(422, "validation-failed");
    let named: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["title", "summary"]);
    let agency = r#"{"country": "JM", "name": "Unit\u0000", "kind": "police"}"#;
    let res = app
        .post_raw("/api/v1/agencies", Some(&regional.token), agency)
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "name");
    let login = r#"{"username": "jm.inv\u0000", "password": "x"}"#;
    let res = app.post_raw("/api/v1/auth/login", None, login).await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "username");

    for (path, token) in [
        ("/api/v1/cases/%00", &inv.token),
        ("/api/v1/cases/%00/evidence", &inv.token),
        ("/api/v1/evidence/%00/custody", &inv.token),
        ("/api/v1/evidence/%00", &inv.token),
        ("/api/v1/users/%00", &regional.token),
        ("/api/v1/agencies/%00", &regional.token),
    ] {
        app.get(path, token).await.assert_problem(404, "not-found");
    }
    for (path, token, field) in [
        ("/api/v1/cases?q=%00", &inv.token, "q"),
        (
            "/api/v1/cases?external_ref=A:%00",
            &inv.token,
            "external_ref",
        ),
        (
            "/api/v1/cases?owner_country=%00",
            &inv.token,
            "owner_country",
        ),
        ("/api/v1/audit?action=%00", &auditor.token, "action"),
        ("/api/v1/audit?actor=%00", &auditor.token, "actor"),
        ("/api/v1/users?agency_id=%00", &regional.token, "agency_id"),
        ("/api/v1/agencies?country=%00", &regional.token, "country"),
    ] {
        let res = app.get(path, token).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], field, "{path}");
    }
}

/// Every string in a response that looks like a date and time is RFC 3339 UTC with
/// `Z`; returns how many it checked.
fn assert_instants_are_utc(value: &Value) -> usize {
    match value {
        Value::String(s)
            if s.len() >= 19 && s.as_bytes()[10] == b'T' && s[..4].parse::<u16>().is_ok() =>
        {
            assert!(
                s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                "not RFC 3339 UTC with Z: {s}"
            );
            1
        }
        Value::Array(items) => items.iter().map(assert_instants_are_utc).sum(),
        Value::Object(members) => members.values().map(assert_instants_are_utc).sum(),
        _ => 0,
    }
}

#[actix_web::test]
async fn every_instant_is_rfc3339_utc_with_z() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let bb = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let sup = app
        .user_caller("jm.sup", &jm, &[Role::Supervisor, Role::Investigator])
        .await;
    let auditor = app.user_caller("jm.auditor", &jm, &[Role::Auditor]).await;
    let case = app.create_case(&sup.token, "Fraud").await;
    let id = case["id"].as_str().unwrap();
    let mut responses = vec![case.clone()];
    let writes = [
        (
            format!("/api/v1/cases/{id}/participants"),
            json!({"agency_id": bb, "access": "read"}),
        ),
        (
            format!("/api/v1/cases/{id}/external-refs"),
            json!({"system": "jm-cms", "external_id": "A-1"}),
        ),
        (
            format!("/api/v1/cases/{id}/evidence"),
            json!({"description": "Phone", "kind": "device"}),
        ),
    ];
    for (path, body) in writes {
        let res = app.post(&path, &sup.token, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
        responses.push(res.body);
    }
    let evidence = responses[3]["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/api/v1/cases/{id}"),
        "/api/v1/cases".to_owned(),
        format!("/api/v1/cases/{id}/participants"),
        format!("/api/v1/cases/{id}/external-refs"),
        format!("/api/v1/cases/{id}/evidence"),
        format!("/api/v1/evidence/{evidence}"),
        format!("/api/v1/evidence/{evidence}/custody"),
        format!("/api/v1/evidence/{evidence}/custody/bundle"),
    ] {
        responses.push(app.get(&path, &sup.token).await.body);
    }
    for path in [
        "/api/v1/users",
        "/api/v1/agencies",
        &format!("/api/v1/agencies/{jm}"),
    ] {
        responses.push(app.get(path, &regional.token).await.body);
    }
    responses.push(app.get("/api/v1/audit", &auditor.token).await.body);
    let checked: usize = responses.iter().map(assert_instants_are_utc).sum();
    assert!(checked > 30, "only {checked} instants seen");

    // The document says so too: every member named `at` or `*_at` is a date-time.
    let doc: Value =
        serde_json::from_str(&caseledger::startup::openapi().to_json().unwrap()).unwrap();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for (member, spec) in schema["properties"].as_object().into_iter().flatten() {
            if member == "at" || member.ends_with("_at") {
                let instant = |s: &Value| {
                    s["$ref"] == "#/components/schemas/UtcTimestamp" || s["format"] == "date-time"
                };
                // An optional instant: the instant or null.
                let is_instant = instant(spec)
                    || spec["oneOf"].as_array().is_some_and(|options| {
                        options.iter().any(instant)
                            && options.iter().all(|o| instant(o) || o["type"] == "null")
                    });
                assert!(is_instant, "{name}.{member}: {spec}");
            }
        }
    }
}

#[actix_web::test]
async fn cursors_belong_to_the_list_and_filters_that_issued_them() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let tt = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let tt_admin = app.user_caller("tt.admin2", &tt, &[Role::Admin]).await;
    for i in 0..5 {
        app.user(&format!("jm.user{i}"), &jm, &[Role::Investigator]);
        app.create_case(&inv.token, &format!("Case {i}")).await;
    }
    let first = app
        .get("/api/v1/cases?limit=2&status=open", &inv.token)
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(
            &format!("/api/v1/cases?status=open&cursor={cursor}&limit=3"),
            &inv.token,
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
    for foreign in [
        format!("/api/v1/cases?status=closed&cursor={cursor}"),
        format!("/api/v1/cases?cursor={cursor}"),
        format!("/api/v1/users?cursor={cursor}"),
        format!("/api/v1/cases?status=open&cursor={}", &cursor[1..]),
        "/api/v1/cases?cursor=azowMTkz".to_owned(),
    ] {
        let token = if foreign.contains("users") {
            &regional.token
        } else {
            &inv.token
        };
        let res = app.get(&foreign, token).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], "cursor", "{foreign}");
    }

    // Every list pages, the evidence of a case too: no gaps, no repeats.
    let case = app.create_case(&inv.token, "Seizure").await;
    let id = case["id"].as_str().unwrap();
    let mut registered = Vec::new();
    for i in 0..5 {
        let res = app
            .post(
                &format!("/api/v1/cases/{id}/evidence"),
                &inv.token,
                &json!({"description": format!("Phone {i}"), "kind": "device"}),
            )
            .await;
        registered.push(res.body["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/cases/{id}/evidence?limit=2");
    loop {
        let res = app.get(&path, &inv.token).await;
        assert_eq!(res.status, 200, "{}", res.body);
        seen.extend(
            res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match res.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/cases/{id}/evidence?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, registered);

    // `country` on the user list is applied, never ignored.
    let of = |res: &crate::common::Response| -> Vec<String> {
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["country"].as_str().unwrap().to_owned())
            .collect()
    };
    let jm_users = app.get("/api/v1/users?country=JM", &regional.token).await;
    assert!(of(&jm_users).len() >= 6 && of(&jm_users).iter().all(|c| c == "JM"));
    let elsewhere = app.get("/api/v1/users?country=JM", &tt_admin.token).await;
    assert_eq!(elsewhere.status, 200);
    assert!(of(&elsewhere).is_empty());
    let own = app.get("/api/v1/users?country=TT", &tt_admin.token).await;
    assert!(!of(&own).is_empty() && of(&own).iter().all(|c| c == "TT"));
    app.get("/api/v1/users?country=", &regional.token)
        .await
        .assert_problem(422, "validation-failed");
}

/// Every `$ref` of the served document names something the document holds, and every
/// response has a description: what OpenAPI 3.1 validators and client generators
/// insist on.
#[actix_web::test]
async fn the_document_is_self_contained_and_every_response_is_described() {
    let doc: Value =
        serde_json::from_str(&caseledger::startup::openapi().to_json().unwrap()).unwrap();
    fn walk(value: &Value, doc: &Value, at: &str) {
        match value {
            Value::Object(members) => {
                if let Some(target) = members.get("$ref").and_then(Value::as_str) {
                    let pointer = target.trim_start_matches('#');
                    assert!(
                        doc.pointer(pointer).is_some(),
                        "{at}: {target} does not exist"
                    );
                }
                for (name, member) in members {
                    walk(member, doc, &format!("{at}/{name}"));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, doc, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }
    walk(&doc, &doc, "");
    let mut responses = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                responses += 1;
                let described = response.get("$ref").is_some()
                    || response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty());
                assert!(described, "{method} {path} {status} has no description");
            }
            let secured = op.get("security").is_some();
            for status in ["500", "503"]
                .into_iter()
                .filter(|_| path.starts_with("/api/"))
            {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} lacks {status}"
                );
            }
            if secured {
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path} lacks 401"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
    }
    assert!(responses > 150, "{responses}");
}

/// The status line of a request written by hand (headers no client library sends).
async fn raw_status(app: &TestApp, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

/// The limits the README and the OpenAPI document state are the ones enforced: a
/// request head of at most 128 KiB in at most 96 fields, and JSON nesting at most
/// 127 levels deep.
#[actix_web::test]
async fn the_documented_limits_are_the_ones_enforced() {
    let app = TestApp::spawn().await;
    let head = |filler: usize, fields: usize| {
        let mut request =
            "GET /livez HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n".to_owned();
        for i in 0..fields {
            request.push_str(&format!("X-Field-{i}: 1\r\n"));
        }
        request.push_str(&format!("X-Filler: {}\r\n\r\n", "a".repeat(filler)));
        request
    };
    assert_eq!(
        raw_status(&app, &head(120 * 1024, 0)).await,
        "HTTP/1.1 200 OK"
    );
    assert_eq!(
        raw_status(&app, &head(129 * 1024, 0)).await,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // Host, Connection and the filler are three fields: 96 in all, then 97.
    assert_eq!(raw_status(&app, &head(10, 93)).await, "HTTP/1.1 200 OK");
    assert_eq!(
        raw_status(&app, &head(10, 94)).await,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );

    let admin = app.regional_admin().await;
    let nested = |levels: usize| {
        format!(
            "{{\"title\": {}0{}}}",
            "[".repeat(levels - 1),
            "]".repeat(levels - 1)
        )
    };
    let deep = app
        .post_raw("/api/v1/cases", Some(&admin.token), &nested(128))
        .await;
    deep.assert_problem(400, "malformed-request");
    assert!(
        deep.body["detail"].as_str().unwrap().contains("127 levels"),
        "{}",
        deep.body
    );
    // At the limit the body parses, and is then judged on its members.
    let at_limit = app
        .post_raw("/api/v1/cases", Some(&admin.token), &nested(127))
        .await;
    at_limit.assert_problem(422, "validation-failed");
}

/// The OpenAPI document names each schema by its type's name, and utoipa keeps one
/// schema per name: two body types of one name would silently share one schema (the
/// later shadowing the other), and the input checks would hold one body to the other's
/// members. Every type the source derives `ToSchema` for has a name of its own.
#[test]
fn every_schema_type_has_a_name_of_its_own() {
    fn walk(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut deriving = false;
                for line in text.lines().map(str::trim) {
                    if line.starts_with("#[derive(") && line.contains("ToSchema") {
                        deriving = true;
                    } else if deriving && !line.starts_with("#[") && !line.starts_with("///") {
                        let words: Vec<&str> = line.split_whitespace().collect();
                        if let Some(at) = words.iter().position(|w| *w == "struct" || *w == "enum")
                            && let Some(name) = words.get(at + 1)
                        {
                            let name = name.split(['<', '{', '(', ';']).next().unwrap();
                            found.push((name.to_owned(), path.display().to_string()));
                        }
                        deriving = false;
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .as_path(),
        &mut found,
    );
    assert!(
        found.len() > 50,
        "the walk found the schema types: {}",
        found.len()
    );
    let mut by_name: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, file) in found {
        by_name.entry(name).or_default().push(file);
    }
    let shared: Vec<_> = by_name
        .into_iter()
        .filter(|(_, files)| files.len() > 1)
        .collect();
    assert!(
        shared.is_empty(),
        "schema names given to two types: {shared:?}"
    );
}
