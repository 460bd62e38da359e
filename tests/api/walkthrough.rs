//! The README's first steps, run exactly as written: its shell block, against a fresh
//! service, from the repository's root (where the verifier is `target/debug/caseledger`,
//! the binary the tests run too).

use crate::common::{BOOTSTRAP_PASSWORD, TestApp};
use crate::pages::{page, set_cookie, sign_in, text, value};
use serde_json::json;
use std::collections::HashMap;

/// What the README's people chose as their password.
const CHOSEN: &str = "harbour-lights-cobalt-77";

const MARKER: &str = "<!-- walkthrough: tests/api/walkthrough.rs runs this block -->\n```sh\n";

fn walkthrough() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    let start = readme.find(MARKER).expect("the README's walkthrough block") + MARKER.len();
    let end = readme[start..]
        .find("\n```\n")
        .expect("the end of the block");
    readme[start..start + end].to_owned()
}

#[actix_web::test]
async fn the_readmes_first_steps_work_as_written() {
    // The service's own policy: every person must hold a second factor.
    let app = TestApp::spawn_with(|s| s.mfa = caseledger::config::Settings::default().mfa).await;
    assert_eq!(app.state.settings.mfa.as_str(), "required");
    // After the block, the shell tells the recovery codes its people keep, so that
    // this test can sign in as them too (each code once).
    let script = format!(
        "{}\nfor p in \"${{!RECOVERY[@]}}\"; do echo \"RECOVERY $p ${{RECOVERY[$p]}}\"; done\n",
        walkthrough()
    );
    let base = app.base.clone();
    let output = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("BASE", base)
            .env("ADMIN_PASSWORD", BOOTSTRAP_PASSWORD)
            .output()
    })
    .await
    .unwrap()
    .expect("bash runs");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the walkthrough failed:\n{out}\n{err}"
    );

    // It printed what it says it would: the verifier's verdict, the request as the
    // requested state first opened it, and the closing line.
    assert!(out.contains("VERIFIED"), "{out}");
    assert!(out.contains("JM-MLA-2026-000001 is delivered"), "{out}");
    let mut recovery: HashMap<String, Vec<String>> = HashMap::new();
    for line in out.lines().filter_map(|l| l.strip_prefix("RECOVERY ")) {
        let mut words = line.split(' ');
        let person = words.next().unwrap().to_owned();
        recovery.insert(person, words.map(str::to_owned).collect());
    }
    assert_eq!(recovery.len(), 5, "{out}");
    assert!(recovery.values().all(|codes| codes.len() == 10), "{out}");
    let mut code_of = |person: &str| recovery.get_mut(person).unwrap().pop().unwrap();
    let last = out
        .lines()
        .rfind(|l| !l.starts_with("RECOVERY "))
        .unwrap_or_default();
    assert!(
        last.starts_with("Case ") && last.ends_with("acknowledged by Trinidad and Tobago."),
        "{out}"
    );

    // And the service holds what it did, read back through the API as its people.
    let brown = signed_in(&app, "jm.brown", &code_of("jm.brown")).await;
    let cases = app.get("/api/v1/cases", &brown).await;
    assert_eq!(
        cases.body["items"][0]["title"], "Bank SMS phishing",
        "{}",
        cases.body
    );
    let case_id = cases.body["items"][0]["id"].as_str().unwrap().to_owned();
    let participants = app
        .get(&format!("/api/v1/cases/{case_id}/participants"), &brown)
        .await;
    assert!(
        participants.body.to_string().contains("Office of the DPP"),
        "{}",
        participants.body
    );
    let evidence = app
        .get(&format!("/api/v1/cases/{case_id}/evidence"), &brown)
        .await;
    let item = evidence.body["items"][0]["id"].as_str().unwrap().to_owned();
    let custody = app
        .get(&format!("/api/v1/evidence/{item}/custody"), &brown)
        .await;
    let types: Vec<&str> = custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["collected", "sealed", "checked_out", "checked_in"]);
    let ag = signed_in(&app, "tt.ag", &code_of("tt.ag")).await;
    let requests = app.get("/api/v1/mla/requests", &ag).await;
    let request = &requests.body["items"][0];
    assert_eq!(request["status"], "acknowledged", "{}", requests.body);
    assert_eq!(request["their_reference"], "AG-TT-2026-77");
    // The pages, as the README tells them.
    let desk = |username: &'static str, code: String| {
        let app = &app;
        async move {
            let asked = sign_in(app, username, CHOSEN).await.unwrap_err();
            let mfa = value(&set_cookie(&asked, "caseledger-second-step").unwrap());
            let res =
                crate::factors::post_second_step(app, &asked, &mfa, ("recovery_code", &code)).await;
            let session = value(&set_cookie(&res, "caseledger").unwrap());
            text(&page(app, "/app/", Some(&session)).await)
        }
    };
    let brown = desk("jm.brown", code_of("jm.brown")).await;
    assert!(
        brown.contains("My cases") && brown.contains("Bank SMS phishing"),
        "{brown}"
    );
    let moj = desk("jm.moj", code_of("jm.moj")).await;
    assert!(
        moj.contains("Outgoing requests") && moj.contains("Waiting for the other state"),
        "{moj}"
    );
    let tt = desk("tt.ag", code_of("tt.ag")).await;
    assert!(
        tt.contains("Incoming requests")
            && tt.contains("Decide: accept, refuse or postpone")
            && !tt.contains("Bank SMS phishing"),
        "{tt}"
    );

    // The administrator's one-time password is gone, and the people's too.
    assert_eq!(app.login("tt.admin", BOOTSTRAP_PASSWORD).await.status, 401);
    assert_eq!(
        app.login("jm.dpp", "first-morning-tide-2026").await.status,
        401
    );
}

/// An access token of one of the README's people, signed in with their password and
/// one of their recovery codes.
async fn signed_in(app: &TestApp, username: &str, recovery_code: &str) -> String {
    let asked = app.login(username, CHOSEN).await;
    asked.assert_problem(401, "mfa-required");
    let res = app
        .send_json(
            "POST",
            "/api/v1/auth/login/mfa",
            None,
            &json!({"mfa_token": asked.body["mfa_token"], "recovery_code": recovery_code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["access_token"].as_str().unwrap().to_owned()
}
