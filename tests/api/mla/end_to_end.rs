//! A request from Jamaica to Trinidad and Tobago from draft to closing, with the item
//! its execution produced handed across the border, both histories verified offline.

use super::preservations::{Desks, desks, submitted_request};
use crate::common::TestApp;
use crate::custody::{log_key, verify_offline};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};

const RECORDS_SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn produced() -> Value {
    json!({
        "description": "Subscriber and call-detail records of +1 868 555 0101, October 2026",
        "kind": "cloud_account_data",
        "sha256": RECORDS_SHA,
        "size_bytes": 48_213,
        "source": {"produced_by": "TT Mobile Ltd", "legal_authority": "Production order PoS-2026-311"},
        "collected": {"location": "Port of Spain", "reason": "produced by the provider under the order", "authority": "Production order PoS-2026-311"}
    })
}

/// What TT police registered under a request in execution, and the request's case.
struct Produced {
    item: String,
    case_id: String,
}

/// TT police registers what execution of request `id` produced.
async fn register_produced(app: &TestApp, d: &Desks, id: &str) -> Produced {
    let res = app
        .post(
            &format!("/api/v1/mla/requests/{id}/evidence"),
            &d.tt_police.token,
            &produced(),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    Produced {
        item: res.body["id"].as_str().unwrap().to_owned(),
        case_id: res.body["case_id"].as_str().unwrap().to_owned(),
    }
}

/// TT police hands `item` to the JM investigator, who records its receipt and a note.
async fn hand_over(app: &TestApp, d: &Desks, item: &str) {
    let custody = format!("/api/v1/evidence/{item}/custody");
    for (token, body) in [
        (
            &d.tt_police.token,
            json!({"type": "transferred", "to_agency_id": d.jm_police,
                    "to_custodian_id": d.jm_investigator.id, "authority": "MLA request"}),
        ),
        (&d.jm_investigator.token, json!({"type": "received"})),
        (
            &d.jm_investigator.token,
            json!({"type": "note", "reason": "exhibit JM-7"}),
        ),
    ] {
        let res = app.post(&custody, token, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
}

#[actix_web::test]
async fn only_the_executing_agency_registers_what_execution_produced_once_it_is_assigned() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm_inv = d.jm_investigator.token.as_str();
    let tt_ca = d.tt_authority.token.as_str();
    let tt_police = d.tt_police.token.as_str();
    let tt_police_agency = app.get("/api/v1/me", tt_police).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Drafted by the JM investigator, approved by the DPP's prosecutor, submitted by
    // the JM central authority.
    let id = submitted_request(&app, &d).await;
    let path = format!("/api/v1/mla/requests/{id}");
    let events = format!("{path}/events");
    let evidence = format!("{path}/evidence");
    let request = app.get(&path, jm_inv).await.body;
    let case_id = request["case_id"].as_str().unwrap().to_owned();

    // Nobody registers under a request that is not in execution, and TT police
    // cannot even see it before it is assigned to them.
    app.post(&evidence, tt_police, &produced())
        .await
        .assert_problem(404, "not-found");

    // The TT central authority opens it (delivered), acknowledges, accepts and
    // assigns it to TT police.
    assert_eq!(app.get(&path, tt_ca).await.body["status"], "delivered");
    for body in [
        json!({"type": "acknowledged", "their_reference": "AG-TT-2026-0413"}),
        json!({"type": "accepted"}),
    ] {
        let res = app.post(&events, tt_ca, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
    app.post(&evidence, tt_police, &produced())
        .await
        .assert_problem(404, "not-found");
    let assigned = app
        .post(
            &events,
            tt_ca,
            &json!({"type": "assigned", "executing_agency_id": tt_police_agency}),
        )
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.body);

    // Only the executing agency's case roles register what execution produced: the
    // requesting team and the requested central authority see the request but are
    // refused; other agencies do not see it.
    for token in [jm_inv, tt_ca] {
        app.post(&evidence, token, &produced())
            .await
            .assert_problem(403, "forbidden");
    }
    for caller in [&d.bb_point, &d.jm_other_police] {
        app.post(&evidence, &caller.token, &produced())
            .await
            .assert_problem(404, "not-found");
    }
    let mut bad = produced();
    bad["sha256"] = json!("not-a-hash");
    app.post(&evidence, tt_police, &bad)
        .await
        .assert_problem(422, "validation-failed");

    let registered = app.post(&evidence, tt_police, &produced()).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let item = registered.body["id"].as_str().unwrap().to_owned();
    assert_eq!(registered.body["case_id"], case_id.as_str());

    // A parent must be an item the executing agency sees: naming one of the case's
    // own items answers exactly as naming none that exists, and links nothing.
    let jm_item = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            jm_inv,
            &produced(),
        )
        .await;
    assert_eq!(jm_item.status, 201, "{}", jm_item.body);
    let with_parent = |parent: &str| {
        let mut body = produced();
        body["parent_id"] = json!(parent);
        body
    };
    let hidden = app
        .post(
            &evidence,
            tt_police,
            &with_parent(jm_item.body["id"].as_str().unwrap()),
        )
        .await;
    hidden.assert_problem(422, "validation-failed");
    let missing = app
        .post(
            &evidence,
            tt_police,
            &with_parent("01990000-0000-7000-8000-00000000cafe"),
        )
        .await;
    assert_eq!(hidden.body["errors"], missing.body["errors"]);
    assert_eq!(hidden.body["detail"], missing.body["detail"]);
    let derived = app.post(&evidence, tt_police, &with_parent(&item)).await;
    assert_eq!(
        derived.status, 201,
        "its own item is a parent: {}",
        derived.body
    );
    let case_reference = app
        .get(&format!("/api/v1/cases/{case_id}"), jm_inv)
        .await
        .body["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(registered.body["label"], format!("{case_reference}/E01"));
    let custody = format!("/api/v1/evidence/{item}/custody");
    let first = app.get(&custody, tt_police).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first_entry = &first.body[0]["entry"];
    assert_eq!(first_entry["type"], "collected");
    assert_eq!(first_entry["mla_request_id"], id.as_str());
    assert_eq!(first_entry["actor"]["country"], "TT");
}

#[actix_web::test]
async fn the_produced_item_crosses_to_the_requesting_state_which_alone_keeps_custody_power() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm_inv = d.jm_investigator.token.as_str();
    let tt_police = d.tt_police.token.as_str();
    let id = in_execution(&app, &d).await;
    let Produced { item, case_id } = register_produced(&app, &d, &id).await;
    let custody = format!("/api/v1/evidence/{item}/custody");

    // TT police sees the item and its custody, nothing else of the case.
    assert_eq!(
        app.get(&format!("/api/v1/evidence/{item}"), tt_police)
            .await
            .status,
        200
    );
    app.get(&format!("/api/v1/cases/{case_id}"), tt_police)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/api/v1/cases/{case_id}/evidence"), tt_police)
        .await
        .assert_problem(404, "not-found");
    // The JM case team sees it in its case.
    let listed = app
        .get(&format!("/api/v1/cases/{case_id}/evidence"), jm_inv)
        .await;
    assert_eq!(listed.body["items"][0]["id"], item.as_str());

    // TT police hands it to JM police (to the investigator the custodian directory
    // names); JM finds the incoming transfer and records its receipt.
    let custodians = app
        .get(
            &format!("/api/v1/agencies/{}/custodians", d.jm_police),
            tt_police,
        )
        .await;
    assert_eq!(custodians.status, 200, "{}", custodians.body);
    let jm_custodian = custodians.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(jm_custodian, d.jm_investigator.id);
    let sent = app
        .post(
            &custody,
            tt_police,
            &json!({"type": "transferred", "to_agency_id": d.jm_police,
                    "to_custodian_id": jm_custodian, "authority": "MLA request"}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let incoming = app
        .get("/api/v1/transfers?direction=incoming", jm_inv)
        .await;
    assert_eq!(
        incoming.body["items"][0]["id"],
        item.as_str(),
        "{}",
        incoming.body
    );
    let received = app
        .post(&custody, jm_inv, &json!({"type": "received"}))
        .await;
    assert_eq!(received.status, 201, "{}", received.body);
    let held = app
        .get(&format!("/api/v1/evidence/{item}"), jm_inv)
        .await
        .body;
    assert_eq!(held["custodian"]["agency_id"], d.jm_police.as_str());

    // Handed over, TT keeps the history it was part of and no custody power: it
    // cannot send the item on to a third state, take it out or destroy it.
    let bb_police = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let bb_inv = app
        .user_caller("bb.inv", &bb_police, &[Role::Investigator])
        .await;
    for body in [
        json!({"type": "transferred", "to_agency_id": bb_police, "to_custodian_id": bb_inv.id}),
        json!({"type": "checked_out", "reason": "a second look"}),
        json!({"type": "destroyed", "reason": "no longer needed"}),
        json!({"type": "note", "reason": "a remark"}),
    ] {
        app.post(&custody, tt_police, &body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.get(&format!("/api/v1/evidence/{item}"), &bb_inv.token)
        .await
        .assert_problem(404, "not-found");
    let jm_note = app
        .post(
            &custody,
            jm_inv,
            &json!({"type": "note", "reason": "exhibit JM-7"}),
        )
        .await;
    assert_eq!(jm_note.status, 201, "{}", jm_note.body);
    let tt_reads = app.get(&custody, tt_police).await;
    let tt_types: Vec<&str> = tt_reads
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(tt_types, ["collected", "transferred", "received"]);
}

#[actix_web::test]
async fn execution_closes_each_side_hears_its_part_and_both_histories_verify() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm_inv = d.jm_investigator.token.as_str();
    let tt_ca = d.tt_authority.token.as_str();
    let tt_police = d.tt_police.token.as_str();
    let id = in_execution(&app, &d).await;
    let path = format!("/api/v1/mla/requests/{id}");
    let events = format!("{path}/events");
    let evidence = format!("{path}/evidence");
    let Produced { item, case_id } = register_produced(&app, &d, &id).await;
    hand_over(&app, &d, &item).await;

    // Executed and closed.
    for (token, body) in [
        (tt_police, json!({"type": "executed"})),
        (tt_ca, json!({"type": "closed"})),
    ] {
        let res = app.post(&events, token, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
    app.post(&evidence, tt_police, &produced())
        .await
        .assert_problem(409, "conflict");

    // Each side's feed heard of its part, and a third state of nothing.
    let heard = |token: &str| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let res = app.get("/api/v1/events?limit=500", &token).await;
            assert_eq!(res.status, 200, "{}", res.body);
            res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["type"].as_str().unwrap(),
                        e["subject"]["id"].as_str().unwrap()
                    )
                })
                .collect::<Vec<String>>()
        }
    };
    let jm_heard = heard(jm_inv).await;
    for expected in [
        format!("mla.approved {id}"),
        format!("mla.submitted {id}"),
        format!("evidence.registered {item}"),
        format!("transfer.pending {item}"),
        format!("custody.appended {item}"),
        format!("mla.executed {id}"),
    ] {
        assert!(jm_heard.contains(&expected), "{expected} in {jm_heard:?}");
    }
    let tt_heard = heard(tt_police).await;
    assert!(
        tt_heard.contains(&format!("mla.assigned {id}")),
        "{tt_heard:?}"
    );
    // It handed the item on: it hears no more of it.
    assert!(!tt_heard.iter().any(|e| e.contains(&item)), "{tt_heard:?}");
    assert!(
        !tt_heard.iter().any(|e| e.contains(&case_id)),
        "TT police hears nothing of the case itself"
    );
    assert!(heard(&d.bb_point.token).await.is_empty());

    // The request's history and the item's, both verified offline.
    let history: Vec<String> = app
        .get(&events, jm_inv)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        history,
        [
            "approved",
            "submitted",
            "delivered",
            "acknowledged",
            "accepted",
            "assigned",
            "executed",
            "closed"
        ]
    );
    let key = log_key(&app, jm_inv).await;
    for bundle in [
        format!("{path}/bundle"),
        format!("/api/v1/evidence/{item}/custody/bundle"),
    ] {
        let res = app.get(&bundle, jm_inv).await;
        assert_eq!(res.status, 200, "{bundle}: {}", res.body);
        let (code, out) = verify_offline(&app, &res.body, &key).await;
        assert_eq!(code, 0, "{bundle}: {out}");
        assert!(out.starts_with("VERIFIED"), "{out}");
    }
    let item_bundle = app
        .get(&format!("/api/v1/evidence/{item}/custody/bundle"), jm_inv)
        .await
        .body;
    let types: Vec<&str> = item_bundle["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["collected", "transferred", "received", "note"]);
}

/// A JM request to TT, delivered, accepted and assigned to TT police: its id.
async fn in_execution(app: &TestApp, d: &super::preservations::Desks) -> String {
    let id = submitted_request(app, d).await;
    let path = format!("/api/v1/mla/requests/{id}");
    let tt_ca = d.tt_authority.token.as_str();
    let tt_police = app.get("/api/v1/me", &d.tt_police.token).await.body["agency_id"].clone();
    assert_eq!(app.get(&path, tt_ca).await.body["status"], "delivered");
    for body in [
        json!({"type": "acknowledged", "their_reference": "AG-TT-2026-0413"}),
        json!({"type": "accepted"}),
        json!({"type": "assigned", "executing_agency_id": tt_police}),
    ] {
        let res = app.post(&format!("{path}/events"), tt_ca, &body).await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
    id
}

/// The data itself: TT police uploads the mailbox export it produced, the JM case
/// team downloads it and it is the export TT registered; both sides' entries are in
/// the one log, and the item's bundle and the request's both verify.
#[actix_web::test]
async fn tt_uploads_the_content_it_produced_and_the_jm_team_downloads_it() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let id = in_execution(&app, &d).await;
    let export: Vec<u8> = (0..4000)
        .flat_map(|n| {
            format!("From: customer{n}@bank.example\r\nSubject: verify your account\r\n\r\n")
                .into_bytes()
        })
        .collect();
    let sha = hex::encode(Sha256::digest(&export));
    let mut body = produced();
    body["description"] = json!("Mailbox export of phish-ops@mail.example, October 2026");
    body["sha256"] = json!(sha);
    body["size_bytes"] = json!(export.len());
    let item = app
        .post(
            &format!("/api/v1/mla/requests/{id}/evidence"),
            &d.tt_police.token,
            &body,
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let item = item.body["id"].as_str().unwrap().to_owned();
    let content = format!("/api/v1/evidence/{item}/content");
    let stored = app
        .send_bytes(
            "PUT",
            &content,
            &d.tt_police.token,
            &[("Content-Type", "application/octet-stream")],
            export.clone(),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);

    let received = app
        .send_bytes("GET", &content, &d.jm_investigator.token, &[], Vec::new())
        .await;
    assert_eq!(received.status, 200);
    assert_eq!(hex::encode(Sha256::digest(&received.raw)), sha);
    let custody = app
        .get(
            &format!("/api/v1/evidence/{item}/custody"),
            &d.jm_investigator.token,
        )
        .await;
    let seen: Vec<(String, String)> = custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entry"]["type"].as_str().unwrap().to_owned(),
                e["entry"]["actor"]["country"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("collected", "TT"),
        ("content_stored", "TT"),
        ("content_downloaded", "JM"),
    ]
    .map(|(t, c)| (t.to_owned(), c.to_owned()));
    assert_eq!(seen, expected);
    let key = log_key(&app, &d.jm_investigator.token).await;
    for bundle in [
        format!("/api/v1/mla/requests/{id}/bundle"),
        format!("/api/v1/evidence/{item}/custody/bundle"),
    ] {
        let res = app.get(&bundle, &d.jm_investigator.token).await;
        assert_eq!(res.status, 200, "{bundle}: {}", res.body);
        let (code, out) = verify_offline(&app, &res.body, &key).await;
        assert_eq!(code, 0, "{bundle}: {out}");
    }
}
