//! Regional monitoring: country status reviews, kept as versions, against the
//! checklist of regional minimum standards; and the monitor role, which sees no case
//! or request content.

use crate::common::{Response, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};

const REVIEW: &str = "/api/v1/countries/JM/status-review";

fn etag(res: &Response) -> String {
    res.headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned()
}

async fn put(
    app: &TestApp,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> Response {
    let headers: Vec<(&str, &str)> = if_match.map(|m| ("If-Match", m)).into_iter().collect();
    app.request_with_headers("PUT", path, token, &headers, Some(&body))
        .await
}

async fn post(app: &TestApp, path: &str, token: &str, if_match: &str, body: Value) -> Response {
    app.request_with_headers("POST", path, token, &[("If-Match", if_match)], Some(&body))
        .await
}

#[actix_web::test]
async fn a_status_review_is_kept_version_by_version_and_read_as_it_stood() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let moj = app.agency("JM", "Ministry of Justice", AgencyKind::CentralAuthority);
    let rbpf = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let jm_admin = app.user_caller("jm.admin", &jcf, &[Role::Admin]).await;
    let bb_admin = app.user_caller("bb.admin", &rbpf, &[Role::Admin]).await;
    let investigator = app
        .user_caller("jm.investigator", &jcf, &[Role::Investigator])
        .await;

    // The regional minimum standards: defined by regional administrators only.
    let item = "/api/v1/checklist-items/national_247_point";
    let body = json!({"title": "A 24/7 point of contact", "description": "Budapest art. 35"});
    put(&app, item, &jm_admin.token, None, body.clone())
        .await
        .assert_problem(403, "forbidden");
    let defined = put(&app, item, &regional.token, None, body).await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    assert_eq!(defined.body["position"], 0);
    let reworded = put(
        &app,
        item,
        &regional.token,
        None,
        json!({"title": "A designated 24/7 point of contact"}),
    )
    .await;
    assert_eq!(reworded.status, 200, "{}", reworded.body);
    assert_eq!(reworded.body["position"], 0, "rewording keeps the place");
    let second = put(
        &app,
        "/api/v1/checklist-items/substantive_law",
        &regional.token,
        None,
        json!({"title": "Substantive cybercrime law"}),
    )
    .await;
    assert_eq!(
        second.body["position"], 1,
        "a new item comes after the others"
    );
    put(
        &app,
        "/api/v1/checklist-items/Bad-Code",
        &regional.token,
        None,
        json!({"title": "x"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let items = app
        .get("/api/v1/checklist-items", &investigator.token)
        .await;
    let codes: Vec<&str> = items
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["national_247_point", "substantive_law"]);

    // Before anyone records one: version 0, nothing assessed, the designations
    // derived from the directory as it is.
    let first = app.get(REVIEW, &investigator.token).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(etag(&first), "\"v0\"");
    assert_eq!(first.body["version"], 0);
    assert_eq!(first.body["budapest_convention"], "none");
    assert_eq!(first.body["checklist"][0]["status"], "not_assessed");
    assert_eq!(
        first.body["checklist"][0]["title"],
        "A designated 24/7 point of contact"
    );
    assert_eq!(first.body["checklist"][0]["date"], Value::Null);
    assert_eq!(first.body["contact_point"]["designated"], false);
    app.user(
        "jm.contact",
        &jcf,
        &[Role::ContactPoint, Role::Investigator],
    );
    app.user("jm.contact2", &jcf, &[Role::ContactPoint]);
    app.user("jm.ca", &moj, &[Role::CentralAuthority]);
    let derived = app.get(REVIEW, &investigator.token).await;
    assert_eq!(
        derived.body["contact_point"],
        json!({"designated": true, "agencies": ["JCF Cybercrime Unit"], "people": 2})
    );
    assert_eq!(
        derived.body["central_authority"],
        json!({"designated": true, "agencies": ["Ministry of Justice"], "people": 1})
    );

    // Changes: the state's own administrators (and regional ones), on the version read.
    let change = json!({
        "legislation": [{"title": " Cybercrimes Act ", "year": 2015, "status": "in_force"}],
        "budapest_convention": "invited",
        "checklist": [{"item": "national_247_point", "status": "met", "date": "2026-03-01", "note": "JCF unit"}],
    });
    put(&app, REVIEW, &jm_admin.token, None, change.clone())
        .await
        .assert_problem(428, "precondition-required");
    put(
        &app,
        REVIEW,
        &jm_admin.token,
        Some("\"v7\""),
        change.clone(),
    )
    .await
    .assert_problem(412, "precondition-failed");
    put(
        &app,
        REVIEW,
        &bb_admin.token,
        Some("\"v0\""),
        change.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    put(
        &app,
        REVIEW,
        &investigator.token,
        Some("\"v0\""),
        change.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    put(
        &app,
        "/api/v1/countries/XX/status-review",
        &regional.token,
        Some("\"v0\""),
        change.clone(),
    )
    .await
    .assert_problem(404, "not-found");
    app.get("/api/v1/countries/jm/status-review", &jm_admin.token)
        .await
        .assert_problem(404, "not-found");
    for (bad, field) in [
        (
            json!({"checklist": [{"item": "no_such_item", "status": "met", "date": "2026-03-01"}]}),
            "checklist[0].item",
        ),
        (
            json!({"checklist": [{"item": "national_247_point", "status": "met", "date": "2999-01-01"}]}),
            "checklist[0].date",
        ),
        (
            json!({"checklist": [{"item": "national_247_point", "status": "met", "date": "1 March"}]}),
            "checklist[0].date",
        ),
        (
            json!({"legislation": [{"title": "", "year": 2015, "status": "in_force"}]}),
            "legislation[0].title",
        ),
    ] {
        let refused = put(&app, REVIEW, &jm_admin.token, Some("\"v0\""), bad).await;
        refused.assert_problem(422, "validation-failed");
        assert_eq!(
            refused.body["errors"][0]["field"], field,
            "{}",
            refused.body
        );
    }
    let refused = put(
        &app,
        REVIEW,
        &jm_admin.token,
        Some("\"v0\""),
        json!({"budapest_convention": "maybe"}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let refused = put(
        &app,
        REVIEW,
        &jm_admin.token,
        Some("\"v0\""),
        json!({"population": 3}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        app.get(REVIEW, &jm_admin.token).await.body["version"],
        0,
        "a refused change records nothing"
    );

    let v1 = put(&app, REVIEW, &jm_admin.token, Some("\"v0\""), change).await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(etag(&v1), "\"v1\"");
    assert_eq!(v1.body["legislation"][0]["title"], "Cybercrimes Act");
    assert_eq!(v1.body["budapest_convention"], "invited");
    assert_eq!(
        v1.body["second_protocol"], "none",
        "what a change does not name stays"
    );
    assert_eq!(v1.body["checklist"][0]["status"], "met");
    assert_eq!(v1.body["checklist"][0]["date"], "2026-03-01");
    assert_eq!(v1.body["checklist"][1]["status"], "not_assessed");
    assert_eq!(v1.body["reviewed"], false);
    let v1_at = v1.body["recorded_at"].as_str().unwrap().to_owned();

    let v2 = put(
        &app,
        REVIEW,
        &regional.token,
        Some("\"v1\""),
        json!({"csirt": true, "csirt_name": "JaCIRT", "checklist": [{"item": "substantive_law", "status": "partly_met", "date": "2026-04-10"}]}),
    )
    .await;
    assert_eq!(v2.status, 200, "{}", v2.body);
    assert_eq!(v2.body["version"], 2);
    assert_eq!(
        v2.body["checklist"][0]["status"], "met",
        "the other entries stay"
    );
    assert_eq!(v2.body["checklist"][1]["status"], "partly_met");
    let same = put(
        &app,
        REVIEW,
        &jm_admin.token,
        Some("\"v2\""),
        json!({"csirt": true}),
    )
    .await;
    assert_eq!(same.status, 200);
    assert_eq!(
        same.body["version"], 2,
        "a change that changes nothing records no version"
    );
    put(
        &app,
        REVIEW,
        &jm_admin.token,
        Some("\"v1\""),
        json!({"notes": "late"}),
    )
    .await
    .assert_problem(412, "precondition-failed");

    // Reviews: regional administrators only, of the version they read.
    let reviews = "/api/v1/countries/JM/status-review/reviews";
    post(
        &app,
        reviews,
        &jm_admin.token,
        "\"v2\"",
        json!({"note": "self-assessed"}),
    )
    .await
    .assert_problem(403, "forbidden");
    post(
        &app,
        reviews,
        &regional.token,
        "\"v1\"",
        json!({"note": "ok"}),
    )
    .await
    .assert_problem(412, "precondition-failed");
    post(
        &app,
        reviews,
        &regional.token,
        "\"v2\"",
        json!({"note": " "}),
    )
    .await
    .assert_problem(422, "validation-failed");
    post(
        &app,
        "/api/v1/countries/BB/status-review/reviews",
        &regional.token,
        "\"v0\"",
        json!({"note": "ok"}),
    )
    .await
    .assert_problem(409, "conflict");
    let v3 = post(
        &app,
        reviews,
        &regional.token,
        "\"v2\"",
        json!({"note": "Checked against the gazette"}),
    )
    .await;
    assert_eq!(v3.status, 200, "{}", v3.body);
    assert_eq!(v3.body["version"], 3);
    assert_eq!(v3.body["reviewed"], true);
    assert_eq!(v3.body["last_review"]["version"], 3);
    assert_eq!(
        v3.body["last_review"]["note"],
        "Checked against the gazette"
    );
    assert_eq!(
        v3.body["csirt_name"], "JaCIRT",
        "a review changes nothing of the content"
    );
    let v4 = put(
        &app,
        REVIEW,
        &jm_admin.token,
        Some("\"v3\""),
        json!({"second_protocol": "signatory"}),
    )
    .await;
    assert_eq!(v4.body["reviewed"], false, "changed since its review");
    assert_eq!(v4.body["last_review"]["version"], 3);

    // The history, page by page, and the review as it stood.
    let page = app
        .get(&format!("{REVIEW}/history?limit=3"), &investigator.token)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let changes: Vec<(i64, &str)> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["change"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![(1, "updated"), (2, "updated"), (3, "reviewed")]
    );
    assert_eq!(
        page.body["items"][2]["review_note"],
        "Checked against the gazette"
    );
    let cursor = page.body["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get(
            &format!("{REVIEW}/history?limit=3&cursor={cursor}"),
            &investigator.token,
        )
        .await;
    assert_eq!(rest.body["items"][0]["version"], 4);
    assert_eq!(rest.body["items"][0]["second_protocol"], "signatory");
    assert!(rest.body["next_cursor"].is_null());

    let then = app
        .get(&format!("{REVIEW}?at={v1_at}"), &investigator.token)
        .await;
    assert_eq!(then.status, 200, "{}", then.body);
    assert_eq!(then.body["version"], 1);
    assert_eq!(then.body["csirt"], false);
    let before = app
        .get(&format!("{REVIEW}?at=2026-01-31"), &investigator.token)
        .await;
    assert_eq!(before.body["version"], 0, "nothing was known in January");
    app.get(&format!("{REVIEW}?at=last%20March"), &investigator.token)
        .await
        .assert_problem(422, "validation-failed");

    // Every change is audited, refusals too; versions are never changed.
    let audit = app.audit_entries();
    let of = |action: &str, outcome: &str| {
        audit
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(
        of("status_review.update", "success"),
        4,
        "three versions and one no-op"
    );
    assert_eq!(of("status_review.review", "success"), 1);
    assert_eq!(of("checklist_item.define", "success"), 3);
    assert_eq!(
        of("status_review.update", "denied"),
        3,
        "another state's, a non-admin's, XX"
    );
    assert_eq!(of("status_review.review", "denied"), 1);
    let updated = audit
        .iter()
        .find(|e| e["action"] == "status_review.update" && e["details"]["version"] == 1)
        .expect("the first version's entry");
    assert_eq!(updated["subject"]["id"], "JM");
    assert_eq!(
        updated["details"]["changed"],
        json!(["legislation", "budapest_convention", "checklist"])
    );
    assert!(
        app.exec("UPDATE status_reviews SET notes = 'rewritten'")
            .is_err()
    );
    assert!(app.exec("DELETE FROM status_reviews").is_err());
    assert_eq!(
        app.get(REVIEW, &investigator.token).await.body["version"],
        4
    );
}

#[actix_web::test]
async fn a_monitor_reads_status_reviews_and_no_case_or_request() {
    let app = TestApp::spawn().await;
    let world = crate::mla::world(&app).await;
    let monitor = app
        .user_caller("jm.monitor", &world.police, &[Role::Monitor])
        .await;
    let case = app
        .create_case(&world.investigator.token, "Lottery scam")
        .await;
    let case_id = case["id"].as_str().unwrap();
    let request = app
        .post(
            "/api/v1/mla/requests",
            &world.investigator.token,
            &crate::mla::complete(case_id),
        )
        .await;
    assert_eq!(request.status, 201, "{}", request.body);
    let request_id = request.body["id"].as_str().unwrap();

    assert_eq!(app.get(REVIEW, &monitor.token).await.status, 200);
    // The monitor's own agency owns the case and the request: still 404, as for
    // what does not exist.
    for path in [
        format!("/api/v1/cases/{case_id}"),
        format!("/api/v1/mla/requests/{request_id}"),
        format!("/api/v1/mla/requests/{request_id}/events"),
    ] {
        app.get(&path, &monitor.token)
            .await
            .assert_problem(404, "not-found");
    }
    // Lists refuse a monitor outright, as they refuse administrators: the role gives
    // no access to content.
    for path in ["/api/v1/cases", "/api/v1/mla/requests"] {
        app.get(path, &monitor.token)
            .await
            .assert_problem(403, "forbidden");
    }
}
