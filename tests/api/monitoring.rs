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

/// The people of Jamaica's status review: the regional administrator, the JCF and
/// the Ministry of Justice, their state's administrator, Barbados's, and an
/// investigator (who reads reviews, as anyone signed in does).
struct Reviewers {
    app: TestApp,
    regional: crate::common::Caller,
    jcf: String,
    moj: String,
    jm_admin: crate::common::Caller,
    bb_admin: crate::common::Caller,
    investigator: crate::common::Caller,
}

async fn reviewers() -> Reviewers {
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
    Reviewers {
        app,
        regional,
        jcf,
        moj,
        jm_admin,
        bb_admin,
        investigator,
    }
}

/// The two minimum standards, as the regional administrator defines them.
async fn define_standards(w: &Reviewers) {
    for (code, title) in [
        ("national_247_point", "A designated 24/7 point of contact"),
        ("substantive_law", "Substantive cybercrime law"),
    ] {
        let res = put(
            &w.app,
            &format!("/api/v1/checklist-items/{code}"),
            &w.regional.token,
            None,
            json!({"title": title}),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
}

/// Jamaica's first change, by its administrator: version 1.
fn first_change() -> Value {
    json!({
        "legislation": [{"title": " Cybercrimes Act ", "year": 2015, "status": "in_force"}],
        "budapest_convention": "invited",
        "checklist": [{"item": "national_247_point", "status": "met", "date": "2026-03-01", "note": "JCF unit"}],
    })
}

/// Versions 1 (Jamaica's administrator) and 2 (the regional one); when version 1 was
/// recorded.
async fn two_versions(w: &Reviewers) -> String {
    let v1 = put(
        &w.app,
        REVIEW,
        &w.jm_admin.token,
        Some("\"v0\""),
        first_change(),
    )
    .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    let v2 = put(
        &w.app,
        REVIEW,
        &w.regional.token,
        Some("\"v1\""),
        json!({"csirt": true, "csirt_name": "JaCIRT", "checklist": [{"item": "substantive_law", "status": "partly_met", "date": "2026-04-10"}]}),
    )
    .await;
    assert_eq!(v2.status, 200, "{}", v2.body);
    v1.body["recorded_at"].as_str().unwrap().to_owned()
}

/// How many entries of `action` with `outcome` the trail holds.
fn audited(app: &TestApp, action: &str, outcome: &str) -> usize {
    app.audit_entries()
        .iter()
        .filter(|e| e["action"] == action && e["outcome"] == outcome)
        .count()
}

#[actix_web::test]
async fn regional_administrators_alone_define_the_minimum_standards() {
    let w = reviewers().await;
    let Reviewers {
        app,
        regional,
        jm_admin,
        investigator,
        ..
    } = &w;
    // The regional minimum standards: defined by regional administrators only.
    let item = "/api/v1/checklist-items/national_247_point";
    let body = json!({"title": "A 24/7 point of contact", "description": "Budapest art. 35"});
    put(app, item, &jm_admin.token, None, body.clone())
        .await
        .assert_problem(403, "forbidden");
    let defined = put(app, item, &regional.token, None, body).await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    assert_eq!(defined.body["position"], 0);
    let reworded = put(
        app,
        item,
        &regional.token,
        None,
        json!({"title": "A designated 24/7 point of contact"}),
    )
    .await;
    assert_eq!(reworded.status, 200, "{}", reworded.body);
    assert_eq!(reworded.body["position"], 0, "rewording keeps the place");
    let second = put(
        app,
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
        app,
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

    assert_eq!(audited(app, "checklist_item.define", "success"), 3);
}

#[actix_web::test]
async fn before_anything_is_recorded_a_review_is_version_zero_with_the_directorys_designations() {
    let w = reviewers().await;
    define_standards(&w).await;
    let Reviewers {
        app,
        jcf,
        moj,
        investigator,
        ..
    } = &w;
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
    app.user("jm.contact", jcf, &[Role::ContactPoint, Role::Investigator]);
    app.user("jm.contact2", jcf, &[Role::ContactPoint]);
    app.user("jm.ca", moj, &[Role::CentralAuthority]);
    let derived = app.get(REVIEW, &investigator.token).await;
    assert_eq!(
        derived.body["contact_point"],
        json!({"designated": true, "agencies": ["JCF Cybercrime Unit"], "people": 2})
    );
    assert_eq!(
        derived.body["central_authority"],
        json!({"designated": true, "agencies": ["Ministry of Justice"], "people": 1})
    );
}

#[actix_web::test]
async fn a_change_needs_the_version_read_and_its_states_administrators_and_a_refusal_records_nothing()
 {
    let w = reviewers().await;
    define_standards(&w).await;
    let Reviewers {
        app,
        regional,
        jm_admin,
        bb_admin,
        investigator,
        ..
    } = &w;
    // Changes: the state's own administrators (and regional ones), on the version read.
    let change = first_change();
    put(app, REVIEW, &jm_admin.token, None, change.clone())
        .await
        .assert_problem(428, "precondition-required");
    put(app, REVIEW, &jm_admin.token, Some("\"v7\""), change.clone())
        .await
        .assert_problem(412, "precondition-failed");
    put(app, REVIEW, &bb_admin.token, Some("\"v0\""), change.clone())
        .await
        .assert_problem(403, "forbidden");
    put(
        app,
        REVIEW,
        &investigator.token,
        Some("\"v0\""),
        change.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    put(
        app,
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
        let refused = put(app, REVIEW, &jm_admin.token, Some("\"v0\""), bad).await;
        refused.assert_problem(422, "validation-failed");
        assert_eq!(
            refused.body["errors"][0]["field"], field,
            "{}",
            refused.body
        );
    }
    let refused = put(
        app,
        REVIEW,
        &jm_admin.token,
        Some("\"v0\""),
        json!({"budapest_convention": "maybe"}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let refused = put(
        app,
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

    assert_eq!(
        audited(app, "status_review.update", "denied"),
        3,
        "another state's, a non-admin's, XX"
    );
}

#[actix_web::test]
async fn each_change_is_a_version_that_keeps_what_it_does_not_name_and_a_no_op_records_none() {
    let w = reviewers().await;
    define_standards(&w).await;
    let Reviewers {
        app,
        regional,
        jm_admin,
        ..
    } = &w;
    let change = first_change();
    let v1 = put(app, REVIEW, &jm_admin.token, Some("\"v0\""), change).await;
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
    assert!(v1.body["recorded_at"].is_string(), "{}", v1.body);

    let v2 = put(
        app,
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
        app,
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
        app,
        REVIEW,
        &jm_admin.token,
        Some("\"v1\""),
        json!({"notes": "late"}),
    )
    .await
    .assert_problem(412, "precondition-failed");
    assert_eq!(
        audited(app, "status_review.update", "success"),
        3,
        "two versions and one no-op"
    );
    let updated = app
        .audit_entries()
        .into_iter()
        .find(|e| e["action"] == "status_review.update" && e["details"]["version"] == 1)
        .expect("the first version's entry");
    assert_eq!(updated["subject"]["id"], "JM");
    assert_eq!(
        updated["details"]["changed"],
        json!(["legislation", "budapest_convention", "checklist"])
    );
    app.assert_append_only(
        "status_reviews",
        "UPDATE status_reviews SET notes = 'rewritten'",
    );
    app.assert_append_only("status_reviews", "DELETE FROM status_reviews");
}

#[actix_web::test]
async fn regional_administrators_review_the_version_they_read_and_a_later_change_unsets_it() {
    let w = reviewers().await;
    define_standards(&w).await;
    two_versions(&w).await;
    let Reviewers {
        app,
        regional,
        jm_admin,
        ..
    } = &w;
    // Reviews: regional administrators only, of the version they read.
    let reviews = "/api/v1/countries/JM/status-review/reviews";
    post(
        app,
        reviews,
        &jm_admin.token,
        "\"v2\"",
        json!({"note": "self-assessed"}),
    )
    .await
    .assert_problem(403, "forbidden");
    post(
        app,
        reviews,
        &regional.token,
        "\"v1\"",
        json!({"note": "ok"}),
    )
    .await
    .assert_problem(412, "precondition-failed");
    post(
        app,
        reviews,
        &regional.token,
        "\"v2\"",
        json!({"note": " "}),
    )
    .await
    .assert_problem(422, "validation-failed");
    post(
        app,
        "/api/v1/countries/BB/status-review/reviews",
        &regional.token,
        "\"v0\"",
        json!({"note": "ok"}),
    )
    .await
    .assert_problem(409, "conflict");
    let v3 = post(
        app,
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
        app,
        REVIEW,
        &jm_admin.token,
        Some("\"v3\""),
        json!({"second_protocol": "signatory"}),
    )
    .await;
    assert_eq!(v4.body["reviewed"], false, "changed since its review");
    assert_eq!(v4.body["last_review"]["version"], 3);
    assert_eq!(audited(app, "status_review.review", "success"), 1);
    assert_eq!(audited(app, "status_review.review", "denied"), 1);
}

#[actix_web::test]
async fn the_history_pages_through_the_versions_and_a_review_reads_as_it_stood_then() {
    let w = reviewers().await;
    define_standards(&w).await;
    let v1_at = two_versions(&w).await;
    let Reviewers {
        app,
        regional,
        jm_admin,
        investigator,
        ..
    } = &w;
    let reviewed = post(
        app,
        "/api/v1/countries/JM/status-review/reviews",
        &regional.token,
        "\"v2\"",
        json!({"note": "Checked against the gazette"}),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.body);
    let v4 = put(
        app,
        REVIEW,
        &jm_admin.token,
        Some("\"v3\""),
        json!({"second_protocol": "signatory"}),
    )
    .await;
    assert_eq!(v4.status, 200, "{}", v4.body);
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

/// A case's status moved on, with the ETag just read.
async fn move_case(app: &TestApp, token: &str, case_id: &str, body: Value) {
    let path = format!("/api/v1/cases/{case_id}");
    let read = app.get(&path, token).await;
    let res = put_like_patch(app, &path, token, &etag(&read), body).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

async fn put_like_patch(
    app: &TestApp,
    path: &str,
    token: &str,
    tag: &str,
    body: Value,
) -> Response {
    app.request_with_headers("PATCH", path, token, &[("If-Match", tag)], Some(&body))
        .await
}

/// As if the request had been submitted `days` ago: the next stage it reaches is
/// that long after its submission.
fn submitted_days_ago(app: &TestApp, request_id: &str, days: i64) {
    let at = (chrono::Utc::now().naive_utc() - chrono::Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S%.6f");
    app.exec(&format!(
        "UPDATE mla_requests SET submitted_at = '{at}' WHERE id = '{request_id}'"
    ))
    .unwrap();
}

/// The hand-counted world of the figures' tests: seven JM cases, each with a request
/// to Trinidad and Tobago taken through a known history (days from submission to each
/// stage, below), and monitors inside JM, inside TT and outside both.
struct Counted {
    app: TestApp,
    w: crate::mla::World,
    jm_monitor: crate::common::Caller,
    tt_monitor: crate::common::Caller,
    regional: crate::common::Caller,
    requests: Vec<String>,
    /// This quarter, where every figure falls.
    quarter: String,
}

async fn hand_counted() -> Counted {
    let app = TestApp::spawn().await;
    let w = crate::mla::world(&app).await;
    let t = w.investigator.token.as_str();
    let jm = w.jm_authority.token.as_str();
    let tt = w.tt_authority.token.as_str();
    let dpp = app.get("/api/v1/me", &w.jm_prosecutor.token).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tt_police = app.get("/api/v1/me", &w.tt_supervisor.token).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let impacs = app.agency("BB", "CARICOM IMPACS", AgencyKind::Regional);
    let tt_ca = app.get("/api/v1/me", tt).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jm_monitor = app
        .user_caller("jm.monitor", &w.police, &[Role::Monitor])
        .await;
    let tt_monitor = app
        .user_caller("tt.monitor", &tt_ca, &[Role::Monitor])
        .await;
    let regional = app
        .user_caller("bb.monitor", &impacs, &[Role::Monitor])
        .await;

    // Seven cases, each with a request to Trinidad and Tobago (the seventh stays a
    // draft and is withdrawn: never submitted, never counted).
    let mut requests = Vec::new();
    let mut cases = Vec::new();
    for i in 1..=7 {
        let case = app.create_case(t, &format!("Case {i}")).await;
        let case_id = case["id"].as_str().unwrap().to_owned();
        let done = app
            .post(
                &format!("/api/v1/cases/{case_id}/participants"),
                t,
                &json!({"agency_id": dpp, "access": "read"}),
            )
            .await;
        assert!(done.status.is_success(), "{}", done.body);
        let created = app
            .post("/api/v1/mla/requests", t, &crate::mla::complete(&case_id))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        if i < 7 {
            let events = format!("/api/v1/mla/requests/{id}/events");
            let approved = app
                .post(
                    &events,
                    &w.jm_prosecutor.token,
                    &json!({"type": "approved"}),
                )
                .await;
            assert_eq!(approved.status, 201, "{}", approved.body);
            assert_eq!(
                app.post(&events, jm, &json!({"type": "submitted"}))
                    .await
                    .status,
                201
            );
        }
        cases.push(case_id);
        requests.push(id);
    }
    let step = |i: usize, token: &str, body: Value| {
        let app = &app;
        let events = format!("/api/v1/mla/requests/{}/events", requests[i]);
        let token = token.to_owned();
        async move {
            let res = app.post(&events, &token, &body).await;
            assert_eq!(res.status, 201, "{body}: {}", res.body);
        }
    };
    let withdrawn = app
        .post(
            &format!("/api/v1/mla/requests/{}/events", requests[6]),
            t,
            &json!({"type": "withdrawn", "reason": "filed twice"}),
        )
        .await;
    assert_eq!(withdrawn.status, 201, "{}", withdrawn.body);

    // The hand-made fixture: days from submission to each stage.
    //   R1: acknowledged 1, accepted 5, executed 20
    //   R2: acknowledged 2, postponed, accepted 30 (the postponement counts), executed 40
    //   R3: acknowledged 3, refused 10, closed
    //   R4: acknowledged 4, accepted 12, assigned: still in execution
    //   R5: acknowledged 5, withdrawn
    //   R6: still waiting to be acknowledged
    let ack = json!({"type": "acknowledged"});
    for (i, days) in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)] {
        submitted_days_ago(&app, &requests[i], days);
        step(i, tt, ack.clone()).await;
    }
    submitted_days_ago(&app, &requests[0], 5);
    step(0, tt, json!({"type": "accepted"})).await;
    step(1, tt, json!({"type": "postponed", "reason": "Parallel domestic investigation", "until": "2027-02-01"})).await;
    submitted_days_ago(&app, &requests[1], 30);
    step(1, tt, json!({"type": "accepted"})).await;
    submitted_days_ago(&app, &requests[2], 10);
    step(
        2,
        tt,
        json!({"type": "refused", "grounds": "Not an offence in Trinidad and Tobago"}),
    )
    .await;
    step(2, jm, json!({"type": "closed"})).await;
    submitted_days_ago(&app, &requests[3], 12);
    step(3, tt, json!({"type": "accepted"})).await;
    for i in [0, 1, 3] {
        step(
            i,
            tt,
            json!({"type": "assigned", "executing_agency_id": tt_police}),
        )
        .await;
    }
    submitted_days_ago(&app, &requests[0], 20);
    step(0, &w.tt_supervisor.token, json!({"type": "executed"})).await;
    submitted_days_ago(&app, &requests[1], 40);
    step(1, &w.tt_supervisor.token, json!({"type": "executed"})).await;
    step(
        4,
        t,
        json!({"type": "withdrawn", "reason": "The suspect confessed"}),
    )
    .await;

    // Cases: all seven opened; the first referred, charged and closed; the second
    // closed straight away.
    move_case(&app, t, &cases[0], json!({"status": "under_investigation"})).await;
    move_case(
        &app,
        t,
        &cases[0],
        json!({"status": "referred_to_prosecution", "prosecution_agency_id": dpp}),
    )
    .await;
    move_case(
        &app,
        &w.jm_prosecutor.token,
        &cases[0],
        json!({"status": "charged"}),
    )
    .await;
    move_case(&app, t, &cases[0], json!({"status": "closed"})).await;
    move_case(
        &app,
        t,
        &cases[1],
        json!({"status": "closed", "reason": "no offence"}),
    )
    .await;
    let quarter = {
        use chrono::Datelike;
        let now = chrono::Utc::now();
        format!("{}-Q{}", now.year(), now.month0() / 3 + 1)
    };
    Counted {
        app,
        w,
        jm_monitor,
        tt_monitor,
        regional,
        requests,
        quarter,
    }
}

/// The items of a figures answer.
fn figures(res: &Response) -> Vec<Value> {
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["items"].as_array().unwrap().clone()
}

/// The row whose members are `pairs`.
fn find(items: &[Value], pairs: &[(&str, Value)]) -> Value {
    items
        .iter()
        .find(|i| pairs.iter().all(|(k, v)| &i[*k] == v))
        .cloned()
        .unwrap_or_else(|| panic!("no row {pairs:?} in {items:?}"))
}

/// Figures are for monitors and regional administrators.
#[actix_web::test]
async fn only_monitors_and_regional_administrators_read_figures() {
    let Counted {
        app, w, regional, ..
    } = &hand_counted().await;
    // Only monitors and regional administrators read figures.
    app.get("/api/v1/stats/cases", &w.investigator.token)
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/stats/turnaround", &w.jm_prosecutor.token)
        .await
        .assert_problem(403, "forbidden");
    // A monitor of a regional agency does; so does a regional administrator.
    assert_eq!(
        app.get("/api/v1/stats/cases", &regional.token).await.status,
        200
    );
    let admin = app.regional_admin().await;
    assert_eq!(
        app.get("/api/v1/stats/turnaround", &admin.token)
            .await
            .status,
        200
    );
}

/// Cases per state and quarter, and by offence.
#[actix_web::test]
async fn case_figures_are_the_hand_counted_ones_and_small_counts_are_hidden_outside_their_state() {
    let c = hand_counted().await;
    let Counted {
        app,
        jm_monitor,
        regional,
        ..
    } = &c;
    // Cases per state and quarter.
    let inside = figures(&app.get("/api/v1/stats/cases", &jm_monitor.token).await);
    let outside = figures(&app.get("/api/v1/stats/cases", &regional.token).await);
    for (event, n) in [
        ("opened", 7),
        ("referred", 1),
        ("charged", 1),
        ("closed", 2),
    ] {
        let row = find(&inside, &[("event", json!(event))]);
        assert_eq!(row["count"], n, "{event} inside JM");
        assert_eq!(row["quarter"], c.quarter.as_str());
        assert_eq!(row["suppressed"], false);
        let row = find(&outside, &[("event", json!(event))]);
        if n >= 5 {
            assert_eq!(row["count"], n, "{event} is shown to everyone");
        } else {
            assert_eq!(
                row["count"],
                Value::Null,
                "{event} is about fewer than 5 cases"
            );
            assert_eq!(row["suppressed"], true);
        }
    }
    assert_eq!(inside.len(), 4, "{inside:?}");
    let by_offence = figures(
        &app.get("/api/v1/stats/cases?group_by=offence", &regional.token)
            .await,
    );
    let phishing = find(
        &by_offence,
        &[("event", json!("opened")), ("offence", json!("phishing"))],
    );
    assert_eq!(phishing["count"], 7);
    assert_eq!(phishing["quarter"], Value::Null, "the period's total");
    assert_eq!(
        by_offence.len(),
        8,
        "two offences × four events: {by_offence:?}"
    );
}

/// Requests between the pair.
#[actix_web::test]
async fn request_figures_are_counted_per_pair_by_outcome_basis_and_assistance_type() {
    let Counted {
        app,
        tt_monitor,
        regional,
        ..
    } = &hand_counted().await;
    // Requests between the pair, by outcome.
    let total = figures(&app.get("/api/v1/stats/requests", &regional.token).await);
    assert_eq!(total.len(), 1, "{total:?}");
    assert_eq!(total[0]["requesting_country"], "JM");
    assert_eq!(total[0]["requested_country"], "TT");
    assert_eq!(total[0]["request_type"], "mla");
    assert_eq!(
        total[0]["count"], 6,
        "the draft never submitted is not counted"
    );
    for (country, rows) in [("TT", 1), ("JM", 1), ("BB", 0)] {
        let only = figures(
            &app.get(
                &format!("/api/v1/stats/requests?country={country}"),
                &regional.token,
            )
            .await,
        );
        assert_eq!(only.len(), rows, "the figures concerning {country}");
    }
    let outcomes = figures(
        &app.get("/api/v1/stats/requests?group_by=outcome", &tt_monitor.token)
            .await,
    );
    let counted: Vec<(String, i64)> = outcomes
        .iter()
        .map(|o| {
            (
                o["outcome"].as_str().unwrap().to_owned(),
                o["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counted,
        vec![
            ("accepted".into(), 1),
            ("executed".into(), 2),
            ("pending".into(), 1),
            ("refused".into(), 1),
            ("withdrawn".into(), 1)
        ],
        "the refused request stays refused when it is closed"
    );
    let hidden = figures(
        &app.get(
            "/api/v1/stats/requests?group_by=outcome,legal_basis",
            &regional.token,
        )
        .await,
    );
    assert!(
        hidden
            .iter()
            .all(|o| o["count"].is_null() && o["suppressed"] == true),
        "{hidden:?}"
    );
    assert_eq!(hidden[0]["legal_basis"], "harare");
    let assistance = figures(
        &app.get(
            "/api/v1/stats/requests?group_by=assistance_type",
            &regional.token,
        )
        .await,
    );
    assert_eq!(
        find(
            &assistance,
            &[("assistance_type", json!("subscriber_information"))]
        )["count"],
        6
    );
    app.get(
        "/api/v1/stats/requests?group_by=legal_basis,assistance_type",
        &regional.token,
    )
    .await
    .assert_problem(422, "validation-failed");
}

/// Turnaround from submission to each stage.
#[actix_web::test]
async fn turnaround_is_the_hand_counted_median_and_90th_percentile_in_json_and_csv() {
    let Counted {
        app,
        jm_monitor,
        tt_monitor,
        regional,
        ..
    } = &hand_counted().await;
    // Turnaround for the pair: by hand, in days.
    //   acknowledged 1 2 3 4 5: median 3, 90th percentile (rank 5) 5
    //   decided 5 10 12 30: median 11, 90th percentile (rank 4) 30 — 4 requests
    //   executed 20 40: median 30, 90th percentile 40 — 2 requests
    let expect = [
        ("acknowledged", 5, 3.0, 5.0),
        ("decided", 4, 11.0, 30.0),
        ("executed", 2, 30.0, 40.0),
    ];
    for viewer in [&jm_monitor, &tt_monitor] {
        let rows = figures(&app.get("/api/v1/stats/turnaround", &viewer.token).await);
        assert_eq!(rows.len(), 3, "{rows:?}");
        for (stage, n, median, p90) in expect {
            let row = find(&rows, &[("stage", json!(stage))]);
            assert_eq!(row["count"], n, "{stage}");
            assert_eq!(row["median_days"], median, "{stage}");
            assert_eq!(row["p90_days"], p90, "{stage}");
            assert_eq!(row["suppressed"], false);
        }
    }
    let rows = figures(&app.get("/api/v1/stats/turnaround", &regional.token).await);
    let acknowledged = find(&rows, &[("stage", json!("acknowledged"))]);
    assert_eq!(
        (
            acknowledged["count"].clone(),
            acknowledged["median_days"].clone()
        ),
        (json!(5), json!(3.0))
    );
    for stage in ["decided", "executed"] {
        let row = find(&rows, &[("stage", json!(stage))]);
        assert_eq!(
            [
                &row["count"],
                &row["median_days"],
                &row["p90_days"],
                &row["suppressed"]
            ],
            [&Value::Null, &Value::Null, &Value::Null, &json!(true)],
            "{stage} is about fewer than 5 requests"
        );
    }

    // As CSV, the same rows.
    let csv = app
        .request_with_headers(
            "GET",
            "/api/v1/stats/turnaround",
            &regional.token,
            &[("Accept", "text/csv")],
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    let csv_text = String::from_utf8(csv.raw.clone()).unwrap();
    let lines: Vec<&str> = csv_text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "requesting_country,requested_country,stage,quarter,legal_basis,count,median_days,p90_days,suppressed",
            "JM,TT,acknowledged,,,5,3.0,5.0,false",
            "JM,TT,decided,,,,,,true",
            "JM,TT,executed,,,,,,true",
        ]
    );
    histograms_are_the_counters(app);
}

/// The turnaround of the histogram rows (what the reads take) in every grouping, as a
/// reader in JM sees it.
fn turnaround_from_histograms(app: &TestApp) -> Vec<Value> {
    use caseledger::monitoring::figures::{self, Grouping, Period, Viewer};
    let mut conn = app.state.pool.get().unwrap();
    let period = Period::of(None, None, caseledger::db::now()).unwrap();
    let viewer = Viewer {
        country: "JM".into(),
    };
    let rows =
        caseledger::monitoring::queries::histograms(&mut conn, "turnaround", &period).unwrap();
    GROUPINGS
        .iter()
        .map(|g| {
            let grouping = Grouping::of(Some(g), &["quarter", "legal_basis"], &[]).unwrap();
            json!(figures::turnaround_from_histograms(
                &rows, &grouping, &viewer
            ))
        })
        .collect()
}

const GROUPINGS: [&str; 4] = ["", "quarter", "legal_basis", "quarter,legal_basis"];

/// The turnaround of the counters, one per bucket, in every grouping, as a reader
/// in JM sees it.
fn turnaround_from_counters(app: &TestApp) -> Vec<Value> {
    use caseledger::monitoring::figures::{self, Folding, Grouping, Period, Viewer};
    let mut conn = app.state.pool.get().unwrap();
    let period = Period::of(None, None, caseledger::db::now()).unwrap();
    let viewer = Viewer {
        country: "JM".into(),
    };
    GROUPINGS
        .iter()
        .map(|g| {
            let grouping = Grouping::of(Some(g), &["quarter", "legal_basis"], &[]).unwrap();
            let rows = caseledger::monitoring::queries::figures(
                &mut conn,
                &["turnaround"],
                &period,
                Folding::turnaround(&grouping),
            )
            .unwrap();
            json!(figures::turnaround_figures(&rows, &grouping, &viewer))
        })
        .collect()
}

/// The histogram rows give the figures the counters give, in every grouping; the
/// migration that brought them fills them from the counters alike; and a rebuild
/// writes both again from the same history. (This scenario moved submissions back
/// in the table, not in the history: the rebuilt figures are the history's.)
fn histograms_are_the_counters(app: &TestApp) {
    let from_counters = turnaround_from_counters(app);
    assert_eq!(turnaround_from_histograms(app), from_counters);
    assert_eq!(
        from_counters[0].as_array().unwrap().len(),
        3,
        "three stages"
    );

    let backend = if app.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    let migration = std::fs::read_to_string(format!(
        "migrations/{backend}/2026-12-06-000001_figure_histograms/up.sql"
    ))
    .unwrap();
    let fill = &migration[migration.find("INSERT INTO figure_histograms").unwrap()..];
    app.exec("DELETE FROM figure_histograms").unwrap();
    assert_eq!(turnaround_from_histograms(app), vec![json!([]); 4]);
    app.exec(fill).unwrap();
    assert_eq!(
        turnaround_from_histograms(app),
        from_counters,
        "the migration's fill"
    );

    app.exec("DELETE FROM figure_histograms WHERE dim1 = 'decided'")
        .unwrap();
    let mut conn = app.state.pool.get().unwrap();
    caseledger::monitoring::rebuild::rebuild(&mut conn).unwrap();
    let rebuilt = turnaround_from_counters(app);
    assert_eq!(
        rebuilt[0].as_array().unwrap().len(),
        3,
        "three stages rebuilt"
    );
    assert_eq!(turnaround_from_histograms(app), rebuilt, "rebuilt alike");
}

/// Periods and groupings.
#[actix_web::test]
async fn a_period_without_events_holds_nothing_and_nonsense_is_refused() {
    let Counted {
        app, jm_monitor, ..
    } = &hand_counted().await;
    // Periods: another year holds nothing; nonsense is refused.
    let before = figures(
        &app.get(
            "/api/v1/stats/cases?from=2020-Q1&to=2020-Q4",
            &jm_monitor.token,
        )
        .await,
    );
    assert!(before.is_empty());
    app.get("/api/v1/stats/cases?from=2026-Q5", &jm_monitor.token)
        .await
        .assert_problem(422, "validation-failed");
    app.get("/api/v1/stats/cases?group_by=agency", &jm_monitor.token)
        .await
        .assert_problem(422, "validation-failed");
}

/// What is overdue now.
#[actix_web::test]
async fn overdue_deadlines_are_counted_by_the_state_that_owes_them_and_exported_to_prometheus() {
    let c = hand_counted().await;
    let Counted {
        app,
        jm_monitor,
        tt_monitor,
        ..
    } = &c;
    // Overdue now: the requester's wanted-by date passed for the two requests still
    // open with Trinidad and Tobago.
    for i in [3, 5] {
        app.exec(&format!(
            "UPDATE mla_requests SET wanted_by = '2026-01-05' WHERE id = '{}'",
            c.requests[i]
        ))
        .unwrap();
    }
    let owed = app.get("/api/v1/stats/overdue", &tt_monitor.token).await;
    assert_eq!(owed.status, 200, "{}", owed.body);
    let row = find(
        owed.body["items"].as_array().unwrap(),
        &[("country", json!("TT")), ("deadline", json!("wanted_by"))],
    );
    assert_eq!(row["count"], 2);
    let owed = app.get("/api/v1/stats/overdue", &jm_monitor.token).await;
    let row = find(
        owed.body["items"].as_array().unwrap(),
        &[("country", json!("TT")), ("deadline", json!("wanted_by"))],
    );
    assert_eq!(
        row["count"],
        Value::Null,
        "Trinidad and Tobago's own figure"
    );
    assert_eq!(row["suppressed"], true);

    // And for Prometheus, refreshed as deadlines pass.
    caseledger::monitoring::overdue_gauge::refresh(&app.state)
        .await
        .unwrap();
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw.clone()).unwrap();
    assert!(
        text.contains("caseledger_overdue_deadlines{country=\"TT\",deadline=\"wanted_by\"} 2"),
        "{text}"
    );
    app.exec(&format!(
        "UPDATE mla_requests SET wanted_by = NULL WHERE id = '{}'",
        c.requests[5]
    ))
    .unwrap();
    caseledger::monitoring::overdue_gauge::refresh(&app.state)
        .await
        .unwrap();
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw.clone()).unwrap();
    assert!(
        text.contains("caseledger_overdue_deadlines{country=\"TT\",deadline=\"wanted_by\"} 1"),
        "{text}"
    );
}

/// The monitoring page.
#[actix_web::test]
async fn the_monitoring_page_shows_the_same_figures_to_monitors_only() {
    let Counted { app, .. } = &hand_counted().await;
    // The monitoring page: the same figures, for monitors only.
    use crate::pages::{page, sign_in, text};
    let pw = crate::common::PASSWORD;
    let inside = sign_in(app, "jm.monitor", pw).await.expect("signed in");
    let outside = sign_in(app, "bb.monitor", pw).await.expect("signed in");
    let investigator = sign_in(app, "jm.detective", pw).await.expect("signed in");
    let res = page(app, "/app/monitoring", Some(&inside)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let html = text(&res);
    assert!(html.contains("<h1>Regional monitoring</h1>"), "{html}");
    assert!(
        html.contains("<td class=\"fast\">3.0 days (5)</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"fast\">11.0 days (4)</td>"),
        "inside the pair: {html}"
    );
    assert!(
        html.contains("<td class=\"fast\">30.0 days (2)</td>"),
        "within a month: {html}"
    );
    assert_eq!(html.matches("<svg role=\"img\"").count(), 2, "two charts");
    assert!(!html.contains("style="), "no inline style: the CSP holds");
    let res = page(app, "/app/monitoring", Some(&outside)).await;
    let html = text(&res);
    assert!(
        html.contains("<td class=\"fast\">3.0 days (5)</td>"),
        "{html}"
    );
    assert_eq!(
        html.matches("<td class=\"suppressed\">fewer than 5</td>")
            .count(),
        2,
        "decided and executed are about fewer than 5 requests: {html}"
    );
    let res = page(app, "/app/monitoring/turnaround.csv", Some(&outside)).await;
    assert_eq!(res.status, 200);
    assert!(res.content_type().starts_with("text/csv"));
    assert_eq!(
        text(&res).lines().nth(2),
        Some("JM,TT,decided,,,,,,true"),
        "the page's CSV is the API's"
    );
    for path in ["/app/monitoring", "/app/monitoring/turnaround.csv"] {
        let res = page(app, path, Some(&investigator)).await;
        assert_eq!(res.status, 404, "{path}: {}", text(&res));
    }
    let desk = page(app, "/app/", Some(&inside)).await;
    assert_eq!(desk.status, 200, "{}", text(&desk));
    assert!(
        text(&desk).contains("href=\"/app/monitoring\""),
        "the desk leads a monitor to the figures"
    );
    let desk = page(app, "/app/", Some(&investigator)).await;
    assert!(!text(&desk).contains("href=\"/app/monitoring\""));
    let res = page(app, "/app/monitoring/secrets.csv", Some(&inside)).await;
    assert_eq!(res.status, 404);
}

#[actix_web::test]
async fn preservations_and_integrity_alerts_are_counted_and_rebuilt_alike_from_the_histories() {
    let app = TestApp::spawn().await;
    let d = crate::mla::preservations::desks(&app).await;
    let jm_monitor = app
        .user_caller("jm.monitor", &d.jm_police, &[Role::Monitor])
        .await;
    let outcomes = |res: &Response| -> Vec<(String, String, i64)> {
        assert_eq!(res.status, 200, "{}", res.body);
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["request_type"].as_str().unwrap().to_owned(),
                    r["outcome"].as_str().unwrap().to_owned(),
                    r["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let by_outcome = "/api/v1/stats/requests?group_by=outcome";

    // Two preservations to Trinidad and Tobago: one preserved and then left to run
    // out with no MLA request following, the other still waiting.
    let mut sent = Vec::new();
    for _ in 0..2 {
        let res = app
            .post(
                "/api/v1/preservations",
                &d.jm_point.token,
                &crate::mla::preservations::preservation(&d.jm_police),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        sent.push(res.body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        outcomes(&app.get(by_outcome, &jm_monitor.token).await),
        vec![("preservation".into(), "pending".into(), 2)]
    );
    let events = format!("/api/v1/preservations/{}/events", sent[0]);
    let preserved = app
        .post(&events, &d.tt_point.token, &json!({"type": "preserved"}))
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    assert_eq!(
        outcomes(&app.get(by_outcome, &jm_monitor.token).await),
        vec![
            ("preservation".into(), "pending".into(), 1),
            ("preservation".into(), "preserved".into(), 1)
        ]
    );
    app.exec(&format!(
        "UPDATE preservations SET expires_at = created_at WHERE id = '{}'",
        sent[0]
    ))
    .unwrap();
    let expired = caseledger::mla::preservations::sweeper::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(expired, 1);
    assert_eq!(
        outcomes(&app.get(by_outcome, &jm_monitor.token).await),
        vec![
            ("preservation".into(), "expired_before_request".into(), 1),
            ("preservation".into(), "pending".into(), 1)
        ],
        "it ran out before any MLA request followed"
    );

    // A hash check that fails is an integrity alert of the item's state.
    let t = d.jm_investigator.token.as_str();
    let case = app.create_case(t, "Seized laptop").await;
    let case_id = case["id"].as_str().unwrap();
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let item = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            t,
            &json!({"description": "Laptop", "kind": "device", "sha256": sha,
                    "collected": {"location": "Kingston", "reason": "seized under warrant",
                                  "authority": "Warrant 2026/200"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let custody = format!(
        "/api/v1/evidence/{}/custody",
        item.body["id"].as_str().unwrap()
    );
    for value in [sha, &"0".repeat(64), &"1".repeat(64)] {
        let checked = app
            .post(
                &custody,
                t,
                &json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": value},
                        "location": "Forensic lab, Kingston"}),
            )
            .await;
        assert_eq!(checked.status, 201, "{}", checked.body);
    }
    let cases = app.get("/api/v1/stats/cases", &jm_monitor.token).await;
    assert_eq!(cases.status, 200, "{}", cases.body);
    let alerts: Vec<&Value> = cases.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"] == "integrity_alerts")
        .collect();
    assert_eq!(alerts.len(), 1, "{}", cases.body);
    assert_eq!(alerts[0]["country"], "JM");
    assert_eq!(alerts[0]["count"], 2, "the matching check is no alert");

    // More history for the rebuild below: the second preservation kept for the MLA
    // request that followed it, which is acknowledged and accepted, and then released;
    // the laptop's case changes its offences, is closed, archived and closed again.
    let mla = crate::mla::preservations::submitted_request(&app, &d).await;
    let kept = format!("/api/v1/preservations/{}/events", sent[1]);
    for (token, body) in [
        (&d.tt_point.token, json!({"type": "preserved"})),
        (
            &d.jm_point.token,
            json!({"type": "mla_followed", "mla_request_id": mla}),
        ),
    ] {
        let res = app.post(&kept, token, &body).await;
        assert_eq!(res.status, 201, "{body}: {}", res.body);
    }
    let request_events = format!("/api/v1/mla/requests/{mla}/events");
    for body in [json!({"type": "acknowledged"}), json!({"type": "accepted"})] {
        let res = app
            .post(&request_events, &d.tt_authority.token, &body)
            .await;
        assert_eq!(res.status, 201, "{body}: {}", res.body);
    }
    let released = app
        .post(&kept, &d.tt_point.token, &json!({"type": "released"}))
        .await;
    assert_eq!(released.status, 201, "{}", released.body);
    move_case(
        &app,
        t,
        case_id,
        json!({"offences": ["ransomware", "illegal_access"]}),
    )
    .await;
    for status in ["closed", "archived", "closed"] {
        move_case(&app, t, case_id, json!({"status": status})).await;
    }
    rebuilt_alike(&app);
}

/// Rebuilding the figures from the histories gives the counters kept as the events
/// committed, whatever the table held before, and says how many it changed.
fn rebuilt_alike(app: &TestApp) {
    use caseledger::ledger::tally;
    let mut conn = app.state.pool.get().unwrap();
    let kept = tally::counters(&mut conn).unwrap();
    let measures: std::collections::BTreeSet<&str> =
        kept.iter().map(|c| c.measure.as_str()).collect();
    assert_eq!(
        measures.into_iter().collect::<Vec<_>>(),
        [
            "cases.closed",
            "cases.opened",
            "custody.integrity_alerts",
            "requests",
            "requests.assistance",
            "turnaround"
        ],
        "the history covers every kind of figure"
    );
    // Lose some counters, alter one, and add a stray one.
    app.exec(
        "DELETE FROM figures WHERE measure = 'requests'; \
         UPDATE figures SET count = count + 3 WHERE measure = 'cases.closed'; \
         INSERT INTO figures VALUES ('cases.opened', 'JM', '', '2020-Q1', '', '', '', 0, 7)",
    )
    .unwrap();
    let lost = kept.iter().filter(|c| c.measure == "requests").count();
    let altered = kept.iter().filter(|c| c.measure == "cases.closed").count();
    let replaced = caseledger::monitoring::rebuild::rebuild(&mut conn).unwrap();
    assert_eq!(tally::counters(&mut conn).unwrap(), kept);
    assert_eq!(replaced.counters, kept.len());
    assert_eq!(replaced.changed, lost + altered + 1);
    let again = caseledger::monitoring::rebuild::rebuild(&mut conn).unwrap();
    assert_eq!(
        again.changed, 0,
        "a rebuild of rebuilt figures changes nothing"
    );
    assert_eq!(tally::counters(&mut conn).unwrap(), kept);
    let recorded: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "figures.rebuild")
        .map(|e| e["details"].clone())
        .collect();
    assert_eq!(
        recorded,
        [
            json!({"counters": kept.len(), "changed": lost + altered + 1}),
            json!({"counters": kept.len(), "changed": 0})
        ]
    );
}

/// The review's case: JM opens 3 cases and TT 5. A monitor outside both sees neither
/// count in the API, its CSV or the page's trend (which plots their sum, as no single
/// hidden count can be worked out from it); a monitor in TT sees its own 5 and no
/// total, which would give JM's 3 away.
#[actix_web::test]
async fn a_total_shows_no_count_its_parts_hide() {
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let ttps = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let impacs = app.agency("BB", "CARICOM IMPACS", AgencyKind::Regional);
    let jm = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let tt = app
        .user_caller("tt.inv", &ttps, &[Role::Investigator])
        .await;
    let outside = app
        .user_caller("bb.monitor", &impacs, &[Role::Monitor])
        .await;
    let inside = app.user_caller("tt.monitor", &ttps, &[Role::Monitor]).await;
    for n in 0..3 {
        app.create_case(&jm.token, &format!("JM case {n}")).await;
    }
    for n in 0..5 {
        app.create_case(&tt.token, &format!("TT case {n}")).await;
    }
    let opened = |body: &Value, country: &str| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["country"] == country && f["event"] == "opened")
            .map(|f| f["count"].clone())
            .unwrap()
    };
    let res = app.get("/api/v1/stats/cases", &outside.token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(opened(&res.body, "JM"), Value::Null);
    assert_eq!(opened(&res.body, "TT"), Value::Null, "{}", res.body);
    let csv = app
        .request_with_headers(
            "GET",
            "/api/v1/stats/cases",
            &outside.token,
            &[("Accept", "text/csv")],
            None,
        )
        .await;
    let csv = String::from_utf8(csv.raw).unwrap();
    assert!(!csv.contains(",opened,5,"), "{csv}");
    let res = app.get("/api/v1/stats/cases", &inside.token).await;
    assert_eq!(opened(&res.body, "TT"), 5);
    assert_eq!(opened(&res.body, "JM"), Value::Null);

    // The page's trend of cases opened, this quarter.
    let trend = |country: &str| {
        let mut conn = app.state.pool.get().unwrap();
        let viewer = caseledger::monitoring::figures::Viewer {
            country: country.into(),
        };
        let o = caseledger::monitoring::overview::read(&mut conn, &viewer, caseledger::db::now())
            .unwrap();
        let opened = o.case_trend.iter().find(|t| t.series == "opened").unwrap();
        *opened.values.last().unwrap()
    };
    assert_eq!(trend("BB"), Some(8), "the sum of two hidden counts only");
    assert_eq!(trend("TT"), None, "8 less TT's own 5 would be JM's 3");
    assert_eq!(trend("JM"), Some(8));
}
