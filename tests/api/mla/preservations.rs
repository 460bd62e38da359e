//! Preservation requests between 24/7 points of contact: sent at once, preserved for
//! the basis's period, kept while the MLA request that follows is decided, expired by
//! the service itself, each step an entry of the signed log.

use crate::common::{Caller, TestApp};
use crate::custody::{log_key, verify_offline};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};

/// The people around a preservation from Jamaica to Trinidad and Tobago.
pub(crate) struct Desks {
    pub jm_point: Caller,
    pub jm_authority: Caller,
    pub jm_investigator: Caller,
    pub jm_prosecutor: Caller,
    pub tt_point: Caller,
    pub tt_authority: Caller,
    pub tt_police: Caller,
    pub bb_point: Caller,
    pub jm_other_police: Caller,
    pub jm_auditor: Caller,
    pub jm_police: String,
    pub dpp: String,
}

pub(crate) async fn desks(app: &TestApp) -> Desks {
    let jm_police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let jm_desk = app.agency("JM", "JCF 24/7 Desk", AgencyKind::Police);
    let jm_ca = app.agency("JM", "Ministry of Justice", AgencyKind::CentralAuthority);
    let jm_fraud = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let dpp = app.agency("JM", "Office of the DPP", AgencyKind::Prosecution);
    let tt_desk = app.agency("TT", "TTPS 24/7 Desk", AgencyKind::Police);
    let tt_ca = app.agency("TT", "Office of the AG", AgencyKind::CentralAuthority);
    let tt_police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let bb_desk = app.agency("BB", "RBPF 24/7 Desk", AgencyKind::Police);
    let case_roles = [Role::Investigator, Role::Supervisor];
    Desks {
        jm_point: app
            .user_caller("jm.point", &jm_desk, &[Role::ContactPoint])
            .await,
        jm_authority: app
            .user_caller("jm.ca", &jm_ca, &[Role::CentralAuthority])
            .await,
        jm_investigator: app.user_caller("jm.inv", &jm_police, &case_roles).await,
        jm_prosecutor: app.user_caller("jm.pros", &dpp, &[Role::Prosecutor]).await,
        tt_point: app
            .user_caller("tt.point", &tt_desk, &[Role::ContactPoint])
            .await,
        tt_authority: app
            .user_caller("tt.ca", &tt_ca, &[Role::CentralAuthority])
            .await,
        tt_police: app.user_caller("tt.police", &tt_police, &case_roles).await,
        bb_point: app
            .user_caller("bb.point", &bb_desk, &[Role::ContactPoint])
            .await,
        jm_other_police: app.user_caller("jm.fraud", &jm_fraud, &case_roles).await,
        jm_auditor: app
            .user_caller("jm.auditor", &jm_police, &[Role::Auditor])
            .await,
        jm_police,
        dpp,
    }
}

pub(crate) fn preservation(agency: &str) -> Value {
    json!({
        "requested_country": "TT",
        "legal_basis": "budapest-29",
        "requesting_agency_id": agency,
        "offences": [{"offence": "Computer-related fraud", "penalty": "up to 10 years"}],
        "summary_of_facts": "SMS phishing; the sending numbers belong to a Trinidadian carrier.",
        "data_sought": [{"provider": "TT Mobile Ltd", "identifier": "+1 868 555 0101",
                         "from": "2026-10-01T00:00:00-04:00", "to": "2026-10-31T23:59:59-04:00",
                         "time_zone": "America/Port_of_Spain"}],
        "custodian_or_location": "TT Mobile Ltd, Port of Spain",
        "why_needed": "The carrier keeps subscriber and traffic records for 90 days only.",
        "mla_to_follow": true
    })
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

fn at(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .to_utc()
}

/// A JM→TT MLA request taken to `submitted`: drafted by the case team, approved by
/// the DPP's prosecutor (the case is referred to the DPP), sent by the JM central
/// authority. Returns its id.
pub(crate) async fn submitted_request(app: &TestApp, d: &Desks) -> String {
    let t = d.jm_investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let referred = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            t,
            &json!({"agency_id": d.dpp, "access": "read"}),
        )
        .await;
    assert!(referred.status.is_success(), "{}", referred.body);
    let created = app
        .post("/api/v1/mla/requests", t, &super::complete(case_id))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/mla/requests/{id}/events");
    for (token, kind) in [
        (&d.jm_prosecutor.token, "approved"),
        (&d.jm_authority.token, "submitted"),
    ] {
        let res = app.post(&events, token, &json!({"type": kind})).await;
        assert_eq!(res.status, 201, "{kind}: {}", res.body);
    }
    id
}

/// A preservation sent from Jamaica to Trinidad and Tobago.
struct Sent {
    id: String,
    path: String,
    /// The path of its events.
    events: String,
}

async fn sent(app: &TestApp, d: &Desks) -> Sent {
    let sent = app
        .post(
            "/api/v1/preservations",
            &d.jm_point.token,
            &preservation(&d.jm_police),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let id = sent.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/preservations/{id}");
    let events = format!("{path}/events");
    Sent { id, path, events }
}

#[actix_web::test]
async fn only_a_point_of_contact_sends_and_a_preservation_carries_what_article_29_requires() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();

    // Only a point of contact sends; the basis must cover preservation and the
    // request must carry what art. 29 requires.
    for caller in [&d.jm_investigator, &d.jm_authority] {
        app.post(
            "/api/v1/preservations",
            &caller.token,
            &preservation(&d.jm_police),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    let mut incomplete = preservation(&d.jm_police);
    incomplete["mla_to_follow"] = json!(false);
    incomplete.as_object_mut().unwrap().remove("why_needed");
    incomplete.as_object_mut().unwrap().remove("data_sought");
    let res = app.post("/api/v1/preservations", jm, &incomplete).await;
    res.assert_problem(422, "validation-failed");
    let mut missing = fields(&res.body);
    missing.sort();
    assert_eq!(missing, ["data_sought", "mla_to_follow", "why_needed"]);
    for (field, value) in [
        ("legal_basis", json!("budapest-31")),
        ("legal_basis", json!("no-such-basis")),
        ("requested_country", json!("JM")),
        ("requested_country", json!("ZZ")),
    ] {
        let mut body = preservation(&d.jm_police);
        body[field] = value.clone();
        let res = app.post("/api/v1/preservations", jm, &body).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(fields(&res.body), [field], "{value}");
    }
    let tt_police = app.get("/api/v1/me", &d.tt_police.token).await.body["agency_id"].clone();
    let mut elsewhere = preservation(&d.jm_police);
    elsewhere["requesting_agency_id"] = tt_police;
    app.post("/api/v1/preservations", jm, &elsewhere)
        .await
        .assert_problem(422, "validation-failed");
    assert!(
        app.get("/api/v1/preservations", jm).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was sent by the refused attempts"
    );

    let sent = app
        .post("/api/v1/preservations", jm, &preservation(&d.jm_police))
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let id = sent.body["id"].as_str().unwrap().to_owned();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(sent.body["reference"], format!("JM-PRES-{year}-000001"));
    assert_eq!(sent.body["status"], "requested");
    assert!(sent.body["expires_at"].is_null());
    assert_eq!(sent.body["why_needed"], preservation("")["why_needed"]);
    let read = app.get(&format!("/api/v1/preservations/{id}"), jm).await;
    assert_eq!(
        read.body["reference"], sent.body["reference"],
        "{}",
        read.body
    );
}

#[actix_web::test]
async fn a_preservation_is_seen_by_both_points_of_contact_and_authorities_and_its_case_team_only() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let tt = d.tt_point.token.as_str();
    let Sent { id, path, events } = sent(&app, &d).await;

    // Who sees it: both points of contact and central authorities, and the case
    // team of the requesting agency; everyone else gets 404 and an empty list.
    for caller in [
        &d.jm_point,
        &d.jm_authority,
        &d.jm_investigator,
        &d.tt_point,
        &d.tt_authority,
    ] {
        assert_eq!(app.get(&path, &caller.token).await.status, 200);
        assert_eq!(app.get(&events, &caller.token).await.status, 200);
        let list = app.get("/api/v1/preservations", &caller.token).await;
        assert_eq!(list.body["items"][0]["id"], id.as_str());
    }
    for caller in [&d.tt_police, &d.bb_point, &d.jm_other_police] {
        app.get(&path, &caller.token)
            .await
            .assert_problem(404, "not-found");
        app.get(&events, &caller.token)
            .await
            .assert_problem(404, "not-found");
        app.get(&format!("{path}/bundle"), &caller.token)
            .await
            .assert_problem(404, "not-found");
        app.post(&events, &caller.token, &json!({"type": "released"}))
            .await
            .assert_problem(404, "not-found");
        let list = app.get("/api/v1/preservations", &caller.token).await;
        assert_eq!(list.status, 200);
        assert!(list.body["items"].as_array().unwrap().is_empty());
    }
    app.get("/api/v1/preservations", &d.jm_auditor.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&path, &d.jm_auditor.token)
        .await
        .assert_problem(404, "not-found");
    let outgoing = app
        .get("/api/v1/preservations?direction=incoming", jm)
        .await;
    assert!(outgoing.body["items"].as_array().unwrap().is_empty());
    let incoming = app
        .get(
            "/api/v1/preservations?direction=incoming&status=requested",
            tt,
        )
        .await;
    assert_eq!(incoming.body["items"][0]["id"], id.as_str());

    // The refused reads are audited, naming the preservation.
    let denied = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["subject"]["id"] == id.as_str())
        .any(|e| e["action"] == "preservation.read" && e["outcome"] == "denied");
    assert!(denied);
}

#[actix_web::test]
async fn the_requested_point_of_contact_preserves_for_the_basiss_period_a_deadline_of_both_sides() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let tt = d.tt_point.token.as_str();
    let Sent { id, path, events } = sent(&app, &d).await;
    // The requested state's point of contact preserves, for at least the basis's 60
    // days; the requesting side and the central authority may not.
    for caller in [&d.jm_point, &d.tt_authority] {
        app.post(&events, &caller.token, &json!({"type": "preserved"}))
            .await
            .assert_problem(403, "forbidden");
    }
    let soon = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    app.post(
        &events,
        tt,
        &json!({"type": "preserved", "expires_at": soon}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.post(&events, tt, &json!({"type": "expired"}))
        .await
        .assert_problem(403, "forbidden");
    let before = chrono::Utc::now();
    let preserved = app
        .post(
            &events,
            tt,
            &json!({"type": "preserved", "their_reference": "TTPS-247-118"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    let view = app.get(&path, jm).await.body;
    assert_eq!(view["status"], "preserved");
    assert_eq!(view["their_reference"], "TTPS-247-118");
    let expires = at(&view["expires_at"]);
    let sixty = chrono::Duration::days(60);
    assert!(expires >= before + sixty - chrono::Duration::seconds(2));
    assert!(expires <= chrono::Utc::now() + sixty);
    assert_eq!(preserved.body["entry"]["expires_at"], view["expires_at"]);
    app.post(&events, tt, &json!({"type": "preserved"}))
        .await
        .assert_problem(409, "conflict");

    // Its expiry is a deadline of both sides: not within a week, within 61 days.
    let week = app.get("/api/v1/deadlines?within=P7D", jm).await;
    assert_eq!(week.status, 200, "{}", week.body);
    assert!(week.body["items"].as_array().unwrap().is_empty());
    for (token, direction) in [(jm, "outgoing"), (tt, "incoming")] {
        let due = app.get("/api/v1/deadlines?within=P61D", token).await;
        let items = due.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", due.body);
        assert_eq!(items[0]["request_id"], id.as_str());
        assert_eq!(items[0]["request_type"], "preservation");
        assert_eq!(items[0]["deadline"], "expires_at");
        assert_eq!(items[0]["direction"], direction);
        assert_eq!(items[0]["status"], "preserved");
        assert_eq!(items[0]["due_at"], view["expires_at"]);
    }
    let filtered = app
        .get(
            "/api/v1/deadlines?within=P61D&status=preserved&country=TT",
            jm,
        )
        .await;
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
    for query in ["status=submitted", "country=BB", "overdue=true"] {
        let none = app
            .get(&format!("/api/v1/deadlines?within=P61D&{query}"), jm)
            .await;
        assert!(
            none.body["items"].as_array().unwrap().is_empty(),
            "{query}: {}",
            none.body
        );
    }
    app.get("/api/v1/deadlines?status=no_such_status", jm)
        .await
        .assert_problem(422, "validation-failed");
    assert!(
        app.get("/api/v1/deadlines?within=P61D", &d.bb_point.token)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The refused attempts are audited, naming the preservation.
    assert!(
        app.audit_entries()
            .iter()
            .any(|e| e["subject"]["id"] == id.as_str()
                && e["action"] == "preservation.event"
                && e["outcome"] == "denied")
    );
}

#[actix_web::test]
async fn an_extension_a_partial_disclosure_and_a_release_follow_each_other_in_a_verified_history() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let tt = d.tt_point.token.as_str();
    let Sent { id, path, events } = sent(&app, &d).await;
    let preserved = app
        .post(
            &events,
            tt,
            &json!({"type": "preserved", "their_reference": "TTPS-247-118"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    let expires = at(&app.get(&path, jm).await.body["expires_at"]);

    // Art. 29 sets no extension period: an extension names its new expiry, later
    // than the current one.
    app.post(&events, tt, &json!({"type": "extended"}))
        .await
        .assert_problem(422, "validation-failed");
    let earlier = (expires - chrono::Duration::days(1)).to_rfc3339();
    app.post(
        &events,
        tt,
        &json!({"type": "extended", "expires_at": earlier}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let later = (expires + chrono::Duration::days(30)).to_rfc3339();
    let extended = app
        .post(
            &events,
            tt,
            &json!({"type": "extended", "expires_at": later}),
        )
        .await;
    assert_eq!(extended.status, 201, "{}", extended.body);
    assert_eq!(
        at(&app.get(&path, jm).await.body["expires_at"]),
        expires + chrono::Duration::days(30)
    );

    // Art. 30: the traffic data shows a provider in a third state.
    app.post(
        &events,
        tt,
        &json!({"type": "partially_disclosed", "third_country": "TT"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.post(&events, tt, &json!({"type": "partially_disclosed"}))
        .await
        .assert_problem(422, "validation-failed");
    let disclosed = app
        .post(
            &events,
            tt,
            &json!({"type": "partially_disclosed", "third_country": "US"}),
        )
        .await;
    assert_eq!(disclosed.status, 201, "{}", disclosed.body);
    assert_eq!(app.get(&path, jm).await.body["third_country"], "US");

    // The requesting point of contact releases it; nothing follows a release.
    let released = app.post(&events, jm, &json!({"type": "released"})).await;
    assert_eq!(released.status, 201, "{}", released.body);
    let view = app.get(&path, tt).await.body;
    assert_eq!(view["status"], "released");
    assert!(view["expires_at"].is_null());
    let res = app
        .post(
            &events,
            tt,
            &json!({"type": "extended", "expires_at": later}),
        )
        .await;
    res.assert_problem(409, "conflict");
    assert!(res.body["detail"].as_str().unwrap().contains("released"));

    // The history: one chained entry per step, verified offline.
    let history = app.get(&events, jm).await.body;
    let types: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "requested",
            "preserved",
            "extended",
            "partially_disclosed",
            "released"
        ]
    );
    assert_eq!(history[0]["entry"]["status_before"], Value::Null);
    assert_eq!(history[0]["entry"]["requested_country"], "TT");
    assert_eq!(history[1]["entry"]["prev"], history[0]["entry_hash"]);
    assert_eq!(history[1]["entry"]["actor"]["country"], "TT");
    let bundle = app.get(&format!("{path}/bundle"), jm).await;
    assert_eq!(bundle.status, 200);
    let key = log_key(&app, jm).await;
    let (code, out) = verify_offline(&app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("VERIFIED"), "{out}");

    // Every step is audited: its sending, and the export of its history.
    let actions: Vec<String> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["subject"]["id"] == id.as_str())
        .map(|e| {
            format!(
                "{}:{}",
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            )
        })
        .collect();
    for action in [
        "preservation.create:success",
        "preservation.event:success",
        "preservation.export:success",
    ] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action}: {actions:?}"
        );
    }
}

#[actix_web::test]
async fn expiry_is_suspended_while_the_mla_request_is_decided_and_recorded_when_it_runs_out() {
    let app = TestApp::spawn_with(|s| s.expiry_sweep_ms = 100).await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let tt = d.tt_point.token.as_str();
    let send = || async {
        let res = app
            .post("/api/v1/preservations", jm, &preservation(&d.jm_police))
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        let id = res.body["id"].as_str().unwrap().to_owned();
        let preserved = app
            .post(
                &format!("/api/v1/preservations/{id}/events"),
                tt,
                &json!({"type": "preserved"}),
            )
            .await;
        assert_eq!(preserved.status, 201, "{}", preserved.body);
        id
    };
    let kept = send().await;
    let kept_path = format!("/api/v1/preservations/{kept}");
    let kept_events = format!("{kept_path}/events");

    // The MLA request must be a submitted one between the same states; only the
    // requesting side says it followed.
    let mla = submitted_request(&app, &d).await;
    app.post(
        &kept_events,
        tt,
        &json!({"type": "mla_followed", "mla_request_id": mla}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &kept_events,
        jm,
        &json!({"type": "mla_followed", "mla_request_id": uuid::Uuid::now_v7()}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.post(&kept_events, jm, &json!({"type": "mla_followed"}))
        .await
        .assert_problem(422, "validation-failed");
    let before = app.get(&kept_path, jm).await.body;
    let left = at(&before["expires_at"]) - chrono::Utc::now();
    let followed = app
        .post(
            &kept_events,
            &d.jm_authority.token,
            &json!({"type": "mla_followed", "mla_request_id": mla}),
        )
        .await;
    assert_eq!(followed.status, 201, "{}", followed.body);
    assert_eq!(followed.body["entry"]["expiry_suspended"], true);
    let view = app.get(&kept_path, jm).await.body;
    assert_eq!(view["status"], "mla_followed");
    assert_eq!(view["mla_request_id"], mla.as_str());
    assert!(view["expires_at"].is_null(), "{view}");
    assert_eq!(view["expiry_suspended"], true);
    app.post(
        &kept_events,
        jm,
        &json!({"type": "mla_followed", "mla_request_id": mla}),
    )
    .await
    .assert_problem(409, "conflict");
    // Suspended: no expiry deadline, and no extension of what does not run.
    let due = app.get("/api/v1/deadlines?within=P366D", jm).await.body;
    assert!(
        !due["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["request_id"] == kept.as_str()),
        "{due}"
    );
    let far = (chrono::Utc::now() + chrono::Duration::days(200)).to_rfc3339();
    app.post(
        &kept_events,
        tt,
        &json!({"type": "extended", "expires_at": far}),
    )
    .await
    .assert_problem(409, "conflict");

    // The requested state decides the MLA request: the expiry runs again with the
    // time it had left.
    let mla_events = format!("/api/v1/mla/requests/{mla}/events");
    for body in [json!({"type": "acknowledged"}), json!({"type": "accepted"})] {
        let res = app.post(&mla_events, &d.tt_authority.token, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
    let resumed = app.get(&kept_path, jm).await.body;
    assert_eq!(resumed["expiry_suspended"], false);
    let expires = at(&resumed["expires_at"]);
    let expected = chrono::Utc::now() + left;
    assert!(
        (expires - expected).num_seconds().abs() <= 5,
        "{expires} vs {expected}"
    );

    // A preservation that runs out is recorded as expired by the service, with no
    // one asking: its expiry is put in the past (as time would), and the sweeper
    // records the entry.
    let lapsed = send().await;
    app.exec(&format!(
        "UPDATE preservations SET expires_at = created_at WHERE id = '{lapsed}'"
    ))
    .unwrap();
    let lapsed_path = format!("/api/v1/preservations/{lapsed}");
    let mut waited = 0;
    loop {
        let status: String = {
            use caseledger::db::schema::preservations::dsl;
            use diesel::prelude::*;
            let mut conn = app.state.pool.get().unwrap();
            dsl::preservations
                .find(&lapsed)
                .select(dsl::status)
                .get_result(&mut conn)
                .unwrap()
        };
        if status == "expired" {
            break;
        }
        waited += 1;
        assert!(waited < 100, "the sweeper never recorded the expiry");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let history = app.get(&format!("{lapsed_path}/events"), tt).await.body;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "expired");
    assert!(last["entry"]["actor"]["system"].is_string(), "{last}");
    assert!(last["entry"]["expired_at"].is_string(), "{last}");
    let view = app.get(&lapsed_path, jm).await.body;
    assert_eq!(view["status"], "expired");
    assert!(view["expires_at"].is_null());
    app.post(
        &format!("{lapsed_path}/events"),
        jm,
        &json!({"type": "released"}),
    )
    .await
    .assert_problem(409, "conflict");
    // The kept one, far from its expiry, was left alone.
    assert_eq!(app.get(&kept_path, jm).await.body["status"], "mla_followed");
    let audited = app.audit_entries().into_iter().any(|e| {
        e["subject"]["id"] == lapsed.as_str()
            && e["action"] == "preservation.event"
            && e["actor"].is_null()
            && e["details"]["type"] == "expired"
    });
    assert!(audited, "the service's expiry is audited");
    let bundle = app.get(&format!("{lapsed_path}/bundle"), jm).await.body;
    let key = log_key(&app, jm).await;
    let (code, out) = verify_offline(&app, &bundle, &key).await;
    assert_eq!(code, 0, "{out}");

    // Request histories stay append-only in the database.
    app.assert_append_only(
        "request_entries",
        &format!(
            "UPDATE request_entries SET entry_type = 'released' WHERE request_id = '{lapsed}'"
        ),
    );
    app.assert_append_only(
        "request_entries",
        &format!("DELETE FROM request_entries WHERE request_id = '{lapsed}'"),
    );
}

/// Budapest art. 29(2) asks a preservation request for the offence, not its penalty,
/// which a 24/7 contact at night may not know: it may be left out there, and is still
/// required of an MLA request.
#[actix_web::test]
async fn a_preservation_names_its_offences_with_or_without_their_penalty() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let mut body = preservation(&d.jm_police);
    body["offences"] = json!([{"offence": "Computer-related fraud"},
                              {"offence": "Illegal access", "penalty": "up to 5 years"}]);
    let sent = app.post("/api/v1/preservations", jm, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(
        sent.body["offences"],
        json!([{"offence": "Computer-related fraud"},
               {"offence": "Illegal access", "penalty": "up to 5 years"}])
    );
    for offences in [
        json!([{"offence": "Computer-related fraud", "penalty": ""}]),
        json!([{"offence": " "}]),
        json!([{"penalty": "up to 5 years"}]),
    ] {
        let mut body = preservation(&d.jm_police);
        body["offences"] = offences.clone();
        let res = app.post("/api/v1/preservations", jm, &body).await;
        res.assert_problem(422, "validation-failed");
        assert!(
            fields(&res.body)
                .iter()
                .all(|f| f.starts_with("offences[0]")),
            "{offences}: {}",
            res.body
        );
    }
    // An MLA request still states each offence's penalty.
    let t = d.jm_investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let mut draft = super::draft(case["id"].as_str().unwrap());
    draft["offences"] = json!([{"offence": "Computer-related fraud"}]);
    let res = app.post("/api/v1/mla/requests", t, &draft).await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(fields(&res.body), ["offences[0].penalty"]);
}

/// A preservation past its expiry is expired whether or not the sweep has recorded
/// it: nothing revives it, and it reads and lists as expired until the sweep records
/// the expiry.
#[actix_web::test]
async fn a_preservation_past_its_expiry_is_expired_before_the_sweep_records_it() {
    // No sweep runs during the test.
    let app = TestApp::spawn_with(|s| s.expiry_sweep_ms = 3_600_000).await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let tt = d.tt_point.token.as_str();
    let sent = app
        .post("/api/v1/preservations", jm, &preservation(&d.jm_police))
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let id = sent.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/preservations/{id}");
    let events = format!("{path}/events");
    let preserved = app.post(&events, tt, &json!({"type": "preserved"})).await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    let request = submitted_request(&app, &d).await;
    // Its time runs out (moved behind the service's back, as a clock would).
    let past = (chrono::Utc::now() - chrono::Duration::seconds(5))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f");
    app.exec(&format!(
        "UPDATE preservations SET expires_at = '{past}' WHERE id = '{id}'"
    ))
    .unwrap();

    let read = app.get(&path, jm).await;
    assert_eq!(read.body["status"], "expired", "{}", read.body);
    for (token, body) in [
        (tt, json!({"type": "extended"})),
        (
            jm,
            json!({"type": "mla_followed", "mla_request_id": request}),
        ),
        (
            tt,
            json!({"type": "partially_disclosed", "third_country": "BB"}),
        ),
        (tt, json!({"type": "released"})),
    ] {
        let res = app.post(&events, token, &body).await;
        res.assert_problem(409, "conflict");
        assert!(
            res.body["detail"].as_str().unwrap().contains("expired"),
            "{}",
            res.body
        );
    }
    let listed = |status: &'static str| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/preservations?status={status}"), jm)
                .await;
            assert_eq!(res.status, 200, "{}", res.body);
            res.body["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed("expired").await, 1);
    assert_eq!(listed("preserved").await, 0);
    // The sweep records it, once, as the service.
    caseledger::mla::preservations::sweeper::sweep(&app.state)
        .await
        .unwrap();
    let history = app.get(&events, jm).await;
    let types: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["requested", "preserved", "expired"]);
    assert_eq!(listed("expired").await, 1);
}
