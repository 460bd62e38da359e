//! Days the API takes are RFC 3339 full-dates in a sane range, kept as written and
//! compared as days; no day stored, however odd, breaks deadlines or the region's
//! figures; a request owes the requested state nothing before it is submitted; and a
//! time zone is an IANA name.

use super::preservations::{desks, submitted_request};
use crate::common::TestApp;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};

/// The forms the review found accepted and stored as sent.
const NOT_DAYS: [&str; 8] = [
    "+262142-12-31",
    "2026-9-1",
    "+2026-01-05",
    " 2026-01-05",
    "-0001-01-01",
    "2026-01-05T00:00:00Z",
    "1899-12-31",
    "2101-01-01",
];

#[actix_web::test]
async fn a_day_is_a_full_date_in_range_or_it_is_refused() {
    let app = TestApp::spawn().await;
    let w = super::world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    for bad in NOT_DAYS {
        let mut body = super::draft(case_id);
        body["wanted_by"] = json!(bad);
        let res = app.post("/api/v1/mla/requests", t, &body).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], "wanted_by", "{bad:?}");
    }
    let created = app
        .post("/api/v1/mla/requests", t, &super::draft(case_id))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["wanted_by"], "2027-01-15");
    let id = created.body["id"].as_str().unwrap();
    let etag = created
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for bad in NOT_DAYS {
        let res = app
            .request_with_headers(
                "PATCH",
                &format!("/api/v1/mla/requests/{id}"),
                t,
                &[("If-Match", &etag)],
                Some(&json!({"wanted_by": bad})),
            )
            .await;
        res.assert_problem(422, "validation-failed");
        let res = app
            .post(
                &format!("/api/v1/mla/requests/{id}/events"),
                &w.tt_authority.token,
                &json!({"type": "postponed", "reason": "pending a court ruling", "until": bad}),
            )
            .await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], "until", "{bad:?}");
    }
    // Nothing was changed by the refusals.
    let read = app.get(&format!("/api/v1/mla/requests/{id}"), t).await;
    assert_eq!(read.body["wanted_by"], "2027-01-15");
    assert_eq!(read.body["version"], created.body["version"]);

    // A status review read as it stood on a day takes a day, or an instant.
    let monitor = app
        .user_caller("jm.monitor", &w.police, &[Role::Monitor])
        .await;
    for bad in [
        "%202026-03-31",
        "2026-3-31",
        "%2B2026-03-31",
        "262142-12-31",
    ] {
        app.get(
            &format!("/api/v1/countries/JM/status-review?at={bad}"),
            &monitor.token,
        )
        .await
        .assert_problem(422, "validation-failed");
    }
    for good in ["2026-03-31", "2026-03-31T12:00:00Z"] {
        let res = app
            .get(
                &format!("/api/v1/countries/JM/status-review?at={good}"),
                &monitor.token,
            )
            .await;
        assert_ne!(res.status.as_u16(), 422, "{good}: {}", res.body);
        assert!(res.status.as_u16() < 500, "{good}: {}", res.body);
    }
}

fn count(overdue: &Value, country: &str, deadline: &str) -> Option<i64> {
    overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["country"] == country && f["deadline"] == deadline)
        .and_then(|f| f["count"].as_i64())
}

/// Days stored before days were checked strictly (here behind the service's back):
/// none breaks a deadline list, the figures, the gauge, the sweep or the page, and
/// `2026-9-1` is overdue exactly as `2026-09-01` is.
#[actix_web::test]
async fn no_stored_day_breaks_deadlines_or_figures_and_each_counts_as_the_day_it_is() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let tt_office = app.agency("TT", "TT Cyber Security Office", AgencyKind::Police);
    let tt_monitor = app
        .user_caller("tt.monitor", &tt_office, &[Role::Monitor])
        .await;
    let mut ids = Vec::new();
    for day in ["+262142-12-31", "2026-9-1", "2026-09-01", " 2026-01-05"] {
        let id = submitted_request(&app, &d).await;
        app.exec(&format!(
            "UPDATE mla_requests SET wanted_by = '{day}' WHERE id = '{id}'"
        ))
        .unwrap();
        ids.push(id);
    }
    for token in [
        &d.jm_investigator.token,
        &d.jm_authority.token,
        &d.tt_authority.token,
    ] {
        let res = app.get("/api/v1/deadlines?within=P366D", token).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let wanted: Vec<&str> = res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["deadline"] == "wanted_by")
            .map(|i| i["request_id"].as_str().unwrap())
            .collect();
        // The absurd day counts for nothing; the others are the days they are.
        assert!(!wanted.contains(&ids[0].as_str()), "{wanted:?}");
        for id in &ids[1..] {
            assert!(wanted.contains(&id.as_str()), "{id} in {wanted:?}");
        }
    }
    let overdue = app.get("/api/v1/stats/overdue", &tt_monitor.token).await;
    assert_eq!(overdue.status, 200, "{}", overdue.body);
    assert_eq!(count(&overdue.body, "TT", "wanted_by"), Some(3));
    caseledger::monitoring::overdue_gauge::refresh(&app.state)
        .await
        .unwrap();
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let gauge = String::from_utf8(metrics.raw.clone()).unwrap();
    assert!(
        gauge.contains("caseledger_overdue_deadlines{country=\"TT\",deadline=\"wanted_by\"} 3"),
        "{gauge}"
    );
    let mut conn = app.state.pool.get().unwrap();
    assert!(caseledger::mla::alerts::sweep(&mut conn).is_ok());
    drop(conn);
    use crate::pages::{page, sign_in, text};
    let signed = sign_in(&app, "tt.monitor", crate::common::PASSWORD)
        .await
        .expect("signed in");
    let res = page(&app, "/app/monitoring", Some(&signed)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let res = page(&app, "/app/monitoring/overdue.csv", Some(&signed)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
}

/// A draft with a past wanted-by day owes the requested state nothing: it is neither
/// overdue for it in the figures nor in the gauge, while its own team still sees the
/// day it set.
#[actix_web::test]
async fn a_draft_is_not_overdue_for_the_state_it_has_not_been_sent_to() {
    let app = TestApp::spawn().await;
    let w = super::world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let mut body = super::draft(case["id"].as_str().unwrap());
    body["wanted_by"] = json!("2026-01-05");
    let created = app.post("/api/v1/mla/requests", t, &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let tt_office = app.agency("TT", "TT Cyber Security Office", AgencyKind::Police);
    let tt_monitor = app
        .user_caller("tt.monitor", &tt_office, &[Role::Monitor])
        .await;

    let overdue = app.get("/api/v1/stats/overdue", &tt_monitor.token).await;
    assert_eq!(overdue.status, 200, "{}", overdue.body);
    assert_eq!(
        count(&overdue.body, "TT", "wanted_by"),
        None,
        "{}",
        overdue.body
    );
    caseledger::monitoring::overdue_gauge::refresh(&app.state)
        .await
        .unwrap();
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw).unwrap();
    assert!(
        !text.contains("caseledger_overdue_deadlines{country=\"TT\""),
        "{text}"
    );
    // The requesting team keeps its own day in view.
    let mine = app.get("/api/v1/deadlines?overdue=true", t).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(
        mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["request_id"] == id && i["deadline"] == "wanted_by"),
        "{}",
        mine.body
    );
    // The requested state's authority sees no draft.
    let theirs = app
        .get("/api/v1/deadlines?overdue=true", &w.tt_authority.token)
        .await;
    assert!(theirs.body["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn a_time_zone_is_an_iana_name() {
    let app = TestApp::spawn().await;
    let w = super::world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let contact = |zone: &str| json!([{"name": "Det. Sgt. Brown", "time_zone": zone}]);
    for zone in ["Mars/Olympus", "America/Kingstown_", "EST5EDT-X", "Utc"] {
        let mut body = super::draft(case_id);
        body["data_sought"][0]["time_zone"] = json!(zone);
        let res = app.post("/api/v1/mla/requests", t, &body).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(
            res.body["errors"][0]["field"], "data_sought[0].time_zone",
            "{zone}"
        );
        let mut body = super::draft(case_id);
        body["contacts"] = contact(zone);
        let res = app.post("/api/v1/mla/requests", t, &body).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(
            res.body["errors"][0]["field"], "contacts[0].time_zone",
            "{zone}"
        );
    }
    for zone in ["America/Port_of_Spain", "America/Jamaica", "Etc/UTC", "UTC"] {
        let mut body = super::draft(case_id);
        body["data_sought"][0]["time_zone"] = json!(zone);
        body["contacts"] = contact(zone);
        let res = app.post("/api/v1/mla/requests", t, &body).await;
        assert_eq!(res.status, 201, "{zone}: {}", res.body);
    }
}
