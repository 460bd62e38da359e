//! The review pages in a real browser: Debian's Chromium, driven headless over the
//! DevTools protocol by `tests/browser/pages.mjs` (playwright-core, with axe-core run
//! in every page). This side builds the world through the API, hands the script what
//! it should find, and checks afterwards through the API what the clicks did.

use crate::common::{PASSWORD, TestApp};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Where the browser is: `CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Fails a test that needs the browser where it is missing, saying what installs it.
pub(crate) fn needs_the_browser() {
    assert!(
        chromium().exists() && scripts().join("node_modules/playwright-core").exists(),
        "the browser tests need Debian's chromium and tests/browser's npm packages: \
         the README's test command (.ci/test) installs both"
    );
}

/// Where a run's photographs go: `target/screenshots/<backend>`.
pub(crate) fn screenshots(app: &TestApp) -> PathBuf {
    let backend = if app.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(backend);
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// The run's outcome: whether it passed, and what it printed.
pub(crate) struct Run {
    pub(crate) passed: bool,
    pub(crate) log: String,
}

/// Runs `tests/browser/<script>` on `fixture` (written into the app's data folder,
/// with the browser's path added), on another thread: the server runs on this test's.
pub(crate) async fn run(app: &TestApp, script: &str, mut fixture: Value) -> Run {
    fixture["chromium"] = json!(chromium());
    let file = app.data_dir().join(format!("{script}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(&fixture).unwrap()).unwrap();
    let script = scripts().join(script);
    let output = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(&file)
            .current_dir(scripts())
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    Run {
        passed: output.status.success(),
        log: format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// A port free now, for a service that must know its own address before it starts
/// (its public URL is the passkeys' origin and the providers' redirect URI's base).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn change_status(app: &TestApp, token: &str, case_id: &str, body: &Value) {
    let path = format!("/api/v1/cases/{case_id}");
    let read = app.get(&path, token).await;
    let etag = read
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let res = app
        .request_with_headers("PATCH", &path, token, &[("If-Match", &etag)], Some(body))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
}

/// What the browser run is given, and what the checks after it need.
struct BrowserWorld {
    /// The fixture the script reads: the service, who signs in, what they find.
    fixture: Value,
    shots: std::path::PathBuf,
    request_id: String,
    /// The investigator's and the prosecutor's access tokens.
    investigator: String,
    prosecutor: String,
}

/// The world the pages are tried on, built through the API: a case referred to the
/// DPP with an item whose hash was checked, a complete request for the prosecutor to
/// approve, a second one acknowledged, a minimum standard and Jamaica's review of it,
/// a preservation, and a person of each role.
async fn browser_world(app: &TestApp) -> BrowserWorld {
    let w = crate::mla::world(app).await;
    let t = w.investigator.token.as_str();
    let dpp = app.get("/api/v1/me", &w.jm_prosecutor.token).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A case referred to the DPP, with one evidence item whose hash was checked.
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    change_status(app, t, &case_id, &json!({"status": "under_investigation"})).await;
    change_status(
        app,
        t,
        &case_id,
        &json!({"status": "referred_to_prosecution", "prosecution_agency_id": dpp,
                "reason": "file complete for charging advice"}),
    )
    .await;
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let item = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            t,
            &json!({"description": "Seized phone of the SMS sender", "kind": "device", "sha256": sha,
                    "collected": {"location": "Kingston, Jamaica", "reason": "seized under warrant",
                                  "authority": "Warrant 2026/117"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let item_id = item.body["id"].as_str().unwrap().to_owned();
    let checked = app
        .post(
            &format!("/api/v1/evidence/{item_id}/custody"),
            t,
            &json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": sha},
                    "location": "Forensic lab, Kingston"}),
        )
        .await;
    assert_eq!(checked.status, 201, "{}", checked.body);

    // A complete request, ready for the prosecutor's approval.
    let mut body = crate::mla::complete(&case_id);
    body["wanted_by"] = json!(
        (chrono::Utc::now() + chrono::Duration::days(3))
            .format("%Y-%m-%d")
            .to_string()
    );
    let request = app.post("/api/v1/mla/requests", t, &body).await;
    assert_eq!(request.status, 201, "{}", request.body);
    let request_id = request.body["id"].as_str().unwrap().to_owned();

    // For the monitoring page: a second request, submitted and acknowledged, a
    // minimum standard and Jamaica's review of it, and a monitor to read them.
    let second = app
        .post("/api/v1/mla/requests", t, &crate::mla::complete(&case_id))
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    let events = format!(
        "/api/v1/mla/requests/{}/events",
        second.body["id"].as_str().unwrap()
    );
    for (token, step) in [
        (w.jm_prosecutor.token.as_str(), "approved"),
        (w.jm_authority.token.as_str(), "submitted"),
        (w.tt_authority.token.as_str(), "acknowledged"),
    ] {
        let res = app.post(&events, token, &json!({"type": step})).await;
        assert_eq!(res.status, 201, "{step}: {}", res.body);
    }
    let regional = app.regional_admin().await;
    let standard = app
        .request_with_headers(
            "PUT",
            "/api/v1/checklist-items/national_247_point",
            &regional.token,
            &[],
            Some(&json!({"title": "A designated 24/7 point of contact"})),
        )
        .await;
    assert_eq!(standard.status, 201, "{}", standard.body);
    let review = app
        .request_with_headers(
            "PUT",
            "/api/v1/countries/JM/status-review",
            &regional.token,
            &[("If-Match", "\"v0\"")],
            Some(&json!({"budapest_convention": "invited", "csirt": true, "csirt_name": "JaCIRT",
                         "checklist": [{"item": "national_247_point", "status": "met", "date": "2026-03-01"}]})),
        )
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    app.user(
        "jm.monitor",
        &w.police,
        &[caseledger::auth::roles::Role::Monitor],
    );

    // For the points of contact's desks: a preservation from Jamaica to Trinidad and
    // Tobago, waiting to be preserved.
    use caseledger::auth::roles::Role;
    let jm_point = app
        .user_caller("jm.point", &w.police, &[Role::ContactPoint])
        .await;
    let tt_desk = app.agency(
        "TT",
        "TTPS 24/7 Desk",
        caseledger::agencies::AgencyKind::Police,
    );
    app.user("tt.point", &tt_desk, &[Role::ContactPoint]);
    let preservation = app
        .post(
            "/api/v1/preservations",
            &jm_point.token,
            &crate::mla::preservations::preservation(&w.police),
        )
        .await;
    assert_eq!(preservation.status, 201, "{}", preservation.body);
    let preservation_id = preservation.body["id"].as_str().unwrap();
    let second_id = second.body["id"].as_str().unwrap();

    // For a provider's liaison: an order for subscriber information, sent to a TT
    // operator.
    let operator = app
        .post(
            "/api/v1/providers",
            &regional.token,
            &json!({"name": "TT Mobile Ltd", "provider_kind": "telecom", "country": "TT",
                    "legal_contact": {"name": "Law Enforcement Liaison", "email": "lea@example.tt"},
                    "emergency_contact": {"name": "Network Operations Centre", "phone": "+1 868 555 0100",
                                          "time_zone": "America/Port_of_Spain"},
                    "accepts": ["subscriber_information"]}),
        )
        .await;
    assert_eq!(operator.status, 201, "{}", operator.body);
    let operator = operator.body["id"].as_str().unwrap().to_owned();
    app.user("tt.mobile", &operator, &[Role::ProviderLiaison]);
    let order = app
        .post(
            "/api/v1/orders",
            t,
            &json!({"case_id": case_id, "provider_id": operator, "type": "subscriber_information",
                    "legal_basis": "budapest-2p-7",
                    "data_sought": [{"kind": "ip_address", "identifier": "190.93.14.7", "port": 51234,
                                     "at": "2026-11-02T14:31:07-05:00", "time_zone": "America/Jamaica"}],
                    "summary_of_facts": "The sender's phone reached the bank from this address."}),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.body);
    let order_id = order.body["id"].as_str().unwrap().to_owned();
    for (token, step) in [(w.jm_prosecutor.token.as_str(), "approved"), (t, "sent")] {
        let res = app
            .post(
                &format!("/api/v1/orders/{order_id}/events"),
                token,
                &json!({"type": step}),
            )
            .await;
        assert_eq!(res.status, 201, "{step}: {}", res.body);
    }

    let shots = screenshots(app);
    let fixture = json!({
        "base": app.base,
        "screenshots": shots,
        "password": PASSWORD,
        "prosecutor": {"username": "jm.prosecutor", "name": "User jm.prosecutor"},
        // Another country's police, and another agency of the same country.
        "outsiders": ["tt.supervisor", "jm.fraud"],
        "monitor": "jm.monitor",
        "case": {"id": case_id, "reference": case["reference"], "title": "Bank SMS phishing"},
        "item": {"id": item_id, "label": item.body["label"], "description": "Seized phone of the SMS sender",
                 "place": "Forensic lab, Kingston"},
        "request": {"id": request_id, "reference": request.body["reference"]},
        // Each role's desk: the parts it shows, and a row it leads to.
        "desks": [
            {"username": "jm.detective", "role": "investigator",
             "parts": ["my-cases", "team-requests", "expiring", "receipts", "deadlines"],
             "link": format!("/app/cases/{case_id}")},
            {"username": "tt.authority", "role": "central-authority",
             "parts": ["incoming", "outgoing"],
             "link": format!("/app/requests/{second_id}")},
            {"username": "tt.point", "role": "contact-point",
             "parts": ["preservations"],
             "link": format!("/app/preservations/{preservation_id}"), "page": "preservation"},
            {"username": "jm.auditor", "role": "auditor",
             "parts": ["verify", "audit"],
             "link": format!("/app/evidence/{item_id}/verification"), "page": "verification"},
            {"username": "jm.auditor", "role": "auditor-trail",
             "parts": ["verify", "audit"],
             "link": "/app/audit", "page": "audit"},
            {"username": "tt.mobile", "role": "provider-liaison",
             "parts": ["orders"],
             "link": format!("/app/orders/{order_id}"), "page": "order"},
        ],
    });
    BrowserWorld {
        fixture,
        shots,
        request_id,
        investigator: t.to_owned(),
        prosecutor: w.jm_prosecutor.token.clone(),
    }
}

#[actix_web::test]
async fn the_review_pages_work_in_chromium_for_those_who_may_see_and_for_no_one_else() {
    needs_the_browser();
    let app = TestApp::spawn().await;
    let BrowserWorld {
        fixture,
        shots,
        request_id,
        investigator,
        prosecutor,
    } = browser_world(&app).await;
    let t = investigator.as_str();
    let Run { passed, log } = run(&app, "pages.mjs", fixture).await;
    assert!(passed, "the browser run failed:\n{log}");
    println!("{log}");

    // What the clicks did, read through the API: approved once, by the prosecutor,
    // after the refused CSRF-less and cross-site posts.
    let read = app
        .get(&format!("/api/v1/mla/requests/{request_id}"), t)
        .await;
    assert_eq!(read.body["status"], "approved", "{}", read.body);
    let history = app
        .get(&format!("/api/v1/mla/requests/{request_id}/events"), t)
        .await;
    assert_eq!(history.status, 200, "{}", history.body);
    let approvals: Vec<&Value> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "approved")
        .collect();
    assert_eq!(approvals.len(), 1, "approved once: {}", history.body);
    let prosecutor = app.get("/api/v1/me", &prosecutor).await.body["id"].clone();
    assert_eq!(approvals[0]["entry"]["actor"]["user_id"], prosecutor);
    let signed_out = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.logout")
        .count();
    assert!(signed_out >= 1, "the sign-out is audited");
    for page in [
        "desk",
        "case",
        "evidence",
        "request",
        "monitoring",
        "desk-investigator",
        "desk-central-authority",
        "desk-contact-point",
        "desk-auditor",
        "desk-provider-liaison",
        "order",
        "preservation",
        "verification",
        "audit",
    ] {
        for width in ["desktop", "phone"] {
            let shot = shots.join(format!("{page}-{width}.png"));
            let bytes = std::fs::read(&shot).unwrap_or_else(|_| panic!("{}", shot.display()));
            assert!(bytes.starts_with(b"\x89PNG"), "{}", shot.display());
        }
    }
}

/// The desk, case, evidence, request and monitoring pages in French and Dutch, as a
/// browser of that language reads them (`tests/browser/languages.mjs`): in its
/// language, axe-core clean, photographed; and the language a person chooses on the
/// pages holds.
#[actix_web::test]
async fn the_pages_read_in_french_and_dutch_in_chromium() {
    needs_the_browser();
    let app = TestApp::spawn().await;
    let BrowserWorld { fixture, shots, .. } = browser_world(&app).await;
    let Run { passed, log } = run(&app, "languages.mjs", fixture).await;
    assert!(passed, "the browser run failed:\n{log}");
    println!("{log}");
    for page in ["desk", "case", "evidence", "request", "monitoring"] {
        for lang in ["fr", "nl"] {
            for width in ["desktop", "phone"] {
                let shot = shots.join(format!("{page}-{lang}-{width}.png"));
                let bytes = std::fs::read(&shot).unwrap_or_else(|_| panic!("{}", shot.display()));
                assert!(bytes.starts_with(b"\x89PNG"), "{}", shot.display());
            }
        }
    }
}

#[actix_web::test]
async fn second_factors_work_in_chromium_an_app_then_a_passkey_on_a_virtual_authenticator() {
    needs_the_browser();
    let port = free_port();
    let base = format!("http://localhost:{port}");
    let origin = base.clone();
    let app = TestApp::spawn_with(move |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.public_url = origin;
        s.mfa = caseledger::config::MfaPolicy::Required;
    })
    .await;
    let agency = app.agency(
        "JM",
        "JCF Cybercrime Unit",
        caseledger::agencies::AgencyKind::Police,
    );
    let username = app.username_in(&agency, "ebanks");
    app.user(
        &username,
        &agency,
        &[caseledger::auth::roles::Role::Investigator],
    );
    let shots = screenshots(&app);
    let fixture = json!({
        "base": base,
        "screenshots": shots,
        "username": username,
        "password": PASSWORD,
    });
    let Run { passed, log } = run(&app, "factors.mjs", fixture).await;
    assert!(passed, "the browser run failed:\n{log}");
    println!("{log}");

    // What the browser did, as the audit trail recorded it: an app, then a passkey,
    // confirmed; sign-ins with each; a step-up with the passkey.
    let trail = app.audit_entries();
    let done = |action: &str, factor_field: &str, kind: &str| {
        trail.iter().any(|e| {
            e["action"] == action && e["outcome"] == "success" && e["details"][factor_field] == kind
        })
    };
    assert!(done("auth.factor_confirm", "kind", "totp"));
    assert!(done("auth.factor_confirm", "kind", "webauthn"));
    assert!(done("auth.login", "factor", "totp"));
    assert!(done("auth.login", "factor", "webauthn"));
    assert!(done("auth.step_up", "factor", "webauthn"));
    for page in [
        "factors",
        "factor-enrol",
        "recovery-codes",
        "second-step",
        "passkey-enrol",
        "second-step-passkey",
        "step-up",
    ] {
        let shot = shots.join(format!("{page}-desktop.png"));
        let bytes = std::fs::read(&shot).unwrap_or_else(|_| panic!("{}", shot.display()));
        assert!(bytes.starts_with(b"\x89PNG"), "{}", shot.display());
    }
}
