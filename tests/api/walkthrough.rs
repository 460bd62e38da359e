//! The README's first steps, run exactly as written: its shell block, against a fresh
//! service, from the repository's root (where `cargo run` finds the verifier).

use crate::common::{BOOTSTRAP_PASSWORD, TestApp};
use crate::pages::{page, sign_in, text};

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
    let app = TestApp::spawn().await;
    let script = walkthrough();
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
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Case ") && last.ends_with("acknowledged by Trinidad and Tobago."),
        "{out}"
    );

    // And the service holds what it did, read back through the API as its people.
    let brown = app.caller("jm.brown", "harbour-lights-cobalt-77").await;
    let cases = app.get("/api/v1/cases", &brown.token).await;
    assert_eq!(
        cases.body["items"][0]["title"], "Bank SMS phishing",
        "{}",
        cases.body
    );
    let case_id = cases.body["items"][0]["id"].as_str().unwrap().to_owned();
    let participants = app
        .get(
            &format!("/api/v1/cases/{case_id}/participants"),
            &brown.token,
        )
        .await;
    assert!(
        participants.body.to_string().contains("Office of the DPP"),
        "{}",
        participants.body
    );
    let evidence = app
        .get(&format!("/api/v1/cases/{case_id}/evidence"), &brown.token)
        .await;
    let item = evidence.body["items"][0]["id"].as_str().unwrap().to_owned();
    let custody = app
        .get(&format!("/api/v1/evidence/{item}/custody"), &brown.token)
        .await;
    let types: Vec<&str> = custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["collected", "sealed", "checked_out", "checked_in"]);
    let ag = app.caller("tt.ag", "harbour-lights-cobalt-77").await;
    let requests = app.get("/api/v1/mla/requests", &ag.token).await;
    let request = &requests.body["items"][0];
    assert_eq!(request["status"], "acknowledged", "{}", requests.body);
    assert_eq!(request["their_reference"], "AG-TT-2026-77");
    // The pages, as the README tells them.
    let desk = |username: &'static str| {
        let app = &app;
        async move {
            let session = sign_in(app, username, "harbour-lights-cobalt-77")
                .await
                .unwrap();
            text(&page(app, "/app/", Some(&session)).await)
        }
    };
    let brown = desk("jm.brown").await;
    assert!(
        brown.contains("My cases") && brown.contains("Bank SMS phishing"),
        "{brown}"
    );
    let moj = desk("jm.moj").await;
    assert!(
        moj.contains("Outgoing requests") && moj.contains("Waiting for the other state"),
        "{moj}"
    );
    let tt = desk("tt.ag").await;
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
