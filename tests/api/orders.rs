//! Orders to service providers: drafted by a case team, approved by a prosecutor (on
//! a judge's authorisation where the basis asks for one), sent to a provider with
//! notice to its state where that is required, answered by the provider's liaison;
//! every event an entry of the signed log, the history a bundle that verifies
//! offline. Who sees an order, and who hears of it, is tested as a matrix.

use crate::common::{Caller, TestApp};
use crate::custody::{log_key, verify_offline};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// What the operator produces: the subscriber behind the address at that instant.
const PRODUCED_CSV: &[u8] =
    b"subscriber,msisdn,ip_address,port,session_start_utc,session_end_utc\n\
Jordan Doe,+18685550101,190.93.14.7,51234,2026-11-02T19:12:44Z,2026-11-02T20:03:10Z\n";

fn produced_item(bytes: &[u8], reference: &str) -> Value {
    json!({
        "description": "Subscriber of 190.93.14.7:51234 on 2 November 2026 (CSV)",
        "kind": "document",
        "sha256": hex::encode(Sha256::digest(bytes)),
        "size_bytes": bytes.len(),
        "source": {"produced_by": "TT Mobile Ltd", "legal_authority": reference},
        "collected": {"location": "Port of Spain", "reason": "produced under the order",
                      "authority": reference}
    })
}

/// The people around an order from Jamaica to a Trinidadian operator.
struct Orders {
    app: TestApp,
    regional: Caller,
    jm_investigator: Caller,
    jm_prosecutor: Caller,
    jm_other_police: Caller,
    jm_authority: Caller,
    tt_authority: Caller,
    bb_authority: Caller,
    tt_liaison: Caller,
    other_liaison: Caller,
    monitor: Caller,
    /// A TT telecom operator, and a TT ISP.
    operator: String,
    isp: String,
    dpp: String,
    jm_police: String,
}

fn provider(name: &str, kind: &str) -> Value {
    json!({
        "name": name,
        "provider_kind": kind,
        "country": "TT",
        "legal_contact": {"name": "Law Enforcement Liaison", "email": "lea@example.tt",
                          "time_zone": "America/Port_of_Spain"},
        "emergency_contact": {"name": "Network Operations Centre", "phone": "+1 868 555 0100",
                              "time_zone": "America/Port_of_Spain"},
        "accepts": ["subscriber_information", "emergency_disclosure"],
    })
}

async fn orders() -> Orders {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let mut providers = Vec::new();
    for (name, kind) in [("TT Mobile Ltd", "telecom"), ("TSTT Broadband", "isp")] {
        let res = app
            .post("/api/v1/providers", &regional.token, &provider(name, kind))
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        providers.push(res.body["id"].as_str().unwrap().to_owned());
    }
    let jm_police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let jm_fraud = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let jm_ca = app.agency("JM", "Ministry of Justice", AgencyKind::CentralAuthority);
    let dpp = app.agency("JM", "Office of the DPP", AgencyKind::Prosecution);
    let tt_ca = app.agency("TT", "Office of the AG", AgencyKind::CentralAuthority);
    let bb_ca = app.agency("BB", "Office of the AG", AgencyKind::CentralAuthority);
    let secretariat = app.agency("GY", "CARICOM IMPACS", AgencyKind::Regional);
    let case_roles = [Role::Investigator, Role::Supervisor];
    Orders {
        jm_investigator: app.user_caller("jm.inv", &jm_police, &case_roles).await,
        jm_prosecutor: app.user_caller("jm.pros", &dpp, &[Role::Prosecutor]).await,
        jm_other_police: app.user_caller("jm.fraud", &jm_fraud, &case_roles).await,
        jm_authority: app
            .user_caller("jm.ca", &jm_ca, &[Role::CentralAuthority])
            .await,
        tt_authority: app
            .user_caller("tt.ca", &tt_ca, &[Role::CentralAuthority])
            .await,
        bb_authority: app
            .user_caller("bb.ca", &bb_ca, &[Role::CentralAuthority])
            .await,
        tt_liaison: app
            .user_caller("tt.mobile", &providers[0], &[Role::ProviderLiaison])
            .await,
        other_liaison: app
            .user_caller("tt.tstt", &providers[1], &[Role::ProviderLiaison])
            .await,
        monitor: app
            .user_caller("gy.monitor", &secretariat, &[Role::Monitor])
            .await,
        operator: providers[0].clone(),
        isp: providers[1].clone(),
        dpp,
        jm_police,
        regional,
        app,
    }
}

/// A case of the JM investigator, referred to the DPP (whose prosecutor approves).
async fn case(o: &Orders) -> String {
    let t = o.jm_investigator.token.as_str();
    let case = o.app.create_case(t, "SIM-swap fraud").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let referred = o
        .app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            t,
            &json!({"agency_id": o.dpp, "access": "read"}),
        )
        .await;
    assert!(referred.status.is_success(), "{}", referred.body);
    case_id
}

/// Subscriber information for an IP address and port at an instant.
fn subscriber_order(case_id: &str, provider: &str) -> Value {
    json!({
        "case_id": case_id,
        "provider_id": provider,
        "type": "subscriber_information",
        "legal_basis": "budapest-2p-7",
        "data_sought": [{"kind": "ip_address", "identifier": "190.93.14.7", "port": 51234,
                         "at": "2026-11-02T14:31:07-05:00", "time_zone": "America/Jamaica"}],
        "summary_of_facts": "The victim's online banking was entered from this address after a SIM swap.",
    })
}

/// Drafts `body` as the JM investigator; its id.
async fn draft(o: &Orders, body: &Value) -> String {
    let res = o
        .app
        .post("/api/v1/orders", &o.jm_investigator.token, body)
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.body["id"].as_str().unwrap().to_owned()
}

async fn event(o: &Orders, id: &str, who: &Caller, body: Value) -> crate::common::Response {
    o.app
        .post(&format!("/api/v1/orders/{id}/events"), &who.token, &body)
        .await
}

async fn recorded(o: &Orders, id: &str, who: &Caller, body: Value) -> Value {
    let res = event(o, id, who, body.clone()).await;
    assert_eq!(res.status, 201, "{body}: {}", res.body);
    res.body
}

/// An order approved and sent; its id.
async fn sent(o: &Orders, body: &Value) -> String {
    let id = draft(o, body).await;
    recorded(o, &id, &o.jm_prosecutor, json!({"type": "approved"})).await;
    recorded(o, &id, &o.jm_investigator, json!({"type": "sent"})).await;
    id
}

fn at(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("{value}")))
        .unwrap()
        .to_utc()
}

fn ids(res: &crate::common::Response) -> HashSet<String> {
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn an_order_for_subscriber_information_goes_from_draft_to_production_and_its_history_verifies()
 {
    let o = orders().await;
    let app = &o.app;
    // Trinidad and Tobago requires notice of orders to its providers (art. 7(5)(a)).
    let res = app
        .patch(
            "/api/v1/countries/TT",
            &o.regional.token,
            &json!({"order_notice_required": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["order_notice_required"], true);

    let case_id = case(&o).await;
    let created = app
        .post(
            "/api/v1/orders",
            &o.jm_investigator.token,
            &subscriber_order(&case_id, &o.operator),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let order = &created.body;
    let id = order["id"].as_str().unwrap().to_owned();
    assert!(
        order["reference"].as_str().unwrap().starts_with("JM-ORD-"),
        "{order}"
    );
    assert!(order["reference"].as_str().unwrap().ends_with("-000001"));
    assert_eq!(order["status"], "draft");
    assert_eq!(order["case_id"], case_id.as_str());
    assert_eq!(order["provider_country"], "TT");
    assert_eq!(order["missing_fields"], json!([]));
    assert_eq!(order["data_sought"][0]["port"], 51234);
    let path = format!("/api/v1/orders/{id}");

    // Before it is sent, neither the provider nor its state knows of it.
    for outsider in [&o.tt_liaison, &o.tt_authority] {
        app.get(&path, &outsider.token)
            .await
            .assert_problem(404, "not-found");
    }
    // The DPP's prosecutor approves; the investigator sends.
    recorded(&o, &id, &o.jm_prosecutor, json!({"type": "approved"})).await;
    let before = chrono::Utc::now();
    let sending = recorded(&o, &id, &o.jm_investigator, json!({"type": "sent"})).await;
    assert_eq!(sending["entry"]["notified"], true, "{sending}");
    let order = app.get(&path, &o.jm_investigator.token).await.body;
    assert_eq!(order["status"], "sent");
    assert_eq!(order["notified"], true);
    assert_eq!(order["held_back"], true);
    // The basis's days: 5 to acknowledge, 30 to produce, 10 for the state to object.
    let sent_at = at(&order["sent_at"]);
    assert!(sent_at >= before - chrono::Duration::seconds(1));
    assert_eq!(
        at(&order["acknowledge_by"]) - sent_at,
        chrono::Duration::days(5)
    );
    assert_eq!(
        at(&order["produce_by"]) - sent_at,
        chrono::Duration::days(30)
    );
    assert_eq!(
        at(&order["objection_by"]) - sent_at,
        chrono::Duration::days(10)
    );

    // The operator's liaison and TT's central authority see the order, not the case.
    for outsider in [&o.tt_liaison, &o.tt_authority] {
        let seen = app.get(&path, &outsider.token).await;
        assert_eq!(seen.status, 200, "{}", seen.body);
        assert_eq!(seen.body["case_id"], Value::Null);
        assert_eq!(seen.body["reference"], order["reference"]);
        app.get(&format!("/api/v1/cases/{case_id}"), &outsider.token)
            .await
            .assert_problem(404, "not-found");
    }

    // The liaison acknowledges; the data is held back while TT may object.
    recorded(&o, &id, &o.tt_liaison, json!({"type": "acknowledged"})).await;
    let held = event(&o, &id, &o.tt_liaison, json!({"type": "produced"})).await;
    held.assert_problem(409, "conflict");
    app.post(
        &format!("{path}/evidence"),
        &o.tt_liaison.token,
        &produced_item(PRODUCED_CSV, "held"),
    )
    .await
    .assert_problem(409, "conflict");
    assert!(
        held.body["detail"].as_str().unwrap().contains("held back"),
        "{}",
        held.body
    );
    // TT does not object in time: the period ends, and objecting is then too late.
    app.exec(&format!(
        "UPDATE orders SET objection_by = created_at WHERE id = '{id}'"
    ))
    .unwrap();
    event(
        &o,
        &id,
        &o.tt_authority,
        json!({"type": "objected", "grounds": "too late"}),
    )
    .await
    .assert_problem(409, "conflict");
    // Produced: nothing yet registered under it, so not yet.
    event(&o, &id, &o.tt_liaison, json!({"type": "produced"}))
        .await
        .assert_problem(409, "conflict");
    // The liaison registers the CSV: an item of the JM case whose custody starts
    // with the provider; only the operator's liaisons do, and nobody else sees it.
    let reference = order["reference"].as_str().unwrap().to_owned();
    let evidence = format!("{path}/evidence");
    let item_body = produced_item(PRODUCED_CSV, &reference);
    app.post(&evidence, &o.jm_investigator.token, &item_body)
        .await
        .assert_problem(403, "forbidden");
    app.post(&evidence, &o.other_liaison.token, &item_body)
        .await
        .assert_problem(404, "not-found");
    let registered = app.post(&evidence, &o.tt_liaison.token, &item_body).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let item = registered.body["id"].as_str().unwrap().to_owned();
    assert_eq!(registered.body["case_id"], case_id.as_str());
    assert_eq!(registered.body["order_id"], id.as_str());
    assert_eq!(registered.body["holder_agency_id"], o.operator.as_str());
    app.get(&format!("/api/v1/evidence/{item}"), &o.other_liaison.token)
        .await
        .assert_problem(404, "not-found");
    // Its bytes, then the transfer to whom the order names; JM receives it.
    let stored = app
        .send_bytes(
            "PUT",
            &format!("/api/v1/evidence/{item}/content"),
            &o.tt_liaison.token,
            &[("Content-Type", "application/octet-stream")],
            PRODUCED_CSV.to_vec(),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let custody = format!("/api/v1/evidence/{item}/custody");
    let handed = app
        .post(
            &custody,
            &o.tt_liaison.token,
            &json!({"type": "transferred", "to_agency_id": order["requesting_agency_id"],
                    "to_custodian_id": order["deliver_to"], "authority": reference}),
        )
        .await;
    assert_eq!(handed.status, 201, "{}", handed.body);
    let received = app
        .post(
            &custody,
            &o.jm_investigator.token,
            &json!({"type": "received"}),
        )
        .await;
    assert_eq!(received.status, 201, "{}", received.body);
    recorded(&o, &id, &o.tt_liaison, json!({"type": "produced"})).await;
    // JM downloads it: the bytes the provider produced, their hash the registered one.
    let download = app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{item}/content"),
            &o.jm_investigator.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.raw, PRODUCED_CSV);
    assert_eq!(
        hex::encode(Sha256::digest(&download.raw)),
        item_body["sha256"].as_str().unwrap()
    );
    let types: Vec<String> = app
        .get(&custody, &o.jm_investigator.token)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "collected",
            "content_stored",
            "transferred",
            "received",
            "content_downloaded"
        ]
    );
    let first = &app.get(&custody, &o.jm_investigator.token).await.body[0]["entry"];
    assert_eq!(first["order_id"], id.as_str());
    assert_eq!(first["actor"]["agency_id"], o.operator.as_str());
    let item_bundle = app
        .get(&format!("{custody}/bundle"), &o.jm_investigator.token)
        .await;
    assert_eq!(item_bundle.status, 200, "{}", item_bundle.body);
    let key = log_key(app, &o.jm_investigator.token).await;
    let (code, out) = verify_offline(app, &item_bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    // Handed on, the provider reads the history it was part of, no more.
    let theirs = app.get(&custody, &o.tt_liaison.token).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert_eq!(theirs.body.as_array().unwrap().len(), 4);
    let order = app.get(&path, &o.jm_investigator.token).await.body;
    assert_eq!(order["status"], "produced");
    assert_eq!(order["produced_items"], 1);
    assert_eq!(order["held_back"], false);
    assert!(order["answered_at"].is_string(), "{order}");
    recorded(&o, &id, &o.jm_investigator, json!({"type": "closed"})).await;

    // The history: every event an entry of the log, chained.
    let history = app
        .get(&format!("{path}/events"), &o.jm_investigator.token)
        .await;
    assert_eq!(history.status, 200, "{}", history.body);
    let types: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["approved", "sent", "acknowledged", "produced", "closed"]
    );
    let entries = history.body.as_array().unwrap();
    assert_eq!(entries[0]["entry"]["request_id"], id.as_str());
    assert_eq!(entries[0]["entry"]["approver"], "prosecutor");
    assert_eq!(entries[0]["entry"]["provider_id"], o.operator.as_str());
    assert_eq!(entries[0]["entry"]["prev"], Value::Null);
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["entry"]["prev"], pair[0]["entry_hash"]);
    }
    // The liaison reads the same history; the bundle verifies offline with the key.
    let theirs = app
        .get(&format!("{path}/events"), &o.tt_liaison.token)
        .await;
    assert_eq!(theirs.body, history.body);
    let bundle = app
        .get(&format!("{path}/bundle"), &o.jm_investigator.token)
        .await;
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    let (code, out) = verify_offline(app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    let mut forged = bundle.body.clone();
    forged["entries"][3]["entry"]["type"] = json!("refused");
    let (code, _) = verify_offline(app, &forged, &key).await;
    assert_ne!(code, 0);
}

#[actix_web::test]
async fn a_state_objection_stops_an_order_and_a_withdrawn_order_cannot_be_produced() {
    let o = orders().await;
    let case_id = case(&o).await;
    // Art. 8 orders always reach the provider's state, which may object until the
    // order is answered; nothing is held back meanwhile.
    let mut body = subscriber_order(&case_id, &o.operator);
    body["legal_basis"] = json!("budapest-2p-8");
    let id = draft(&o, &body).await;
    // A judge approves orders on this basis: the prosecutor records the authorisation.
    let refused = event(&o, &id, &o.jm_prosecutor, json!({"type": "approved"})).await;
    refused.assert_problem(422, "validation-failed");
    let fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["authorisation"]);
    let approved = recorded(
        &o,
        &id,
        &o.jm_prosecutor,
        json!({"type": "approved", "authorisation": {"court": "Parish Court, Kingston",
               "judge": "Her Honour A. Brown", "reference": "KPC-2026-PO-118", "issued_on": "2026-11-20"}}),
    )
    .await;
    assert_eq!(
        approved["entry"]["authorisation"]["reference"],
        "KPC-2026-PO-118"
    );
    assert_eq!(approved["entry"]["approver"], "judge");
    recorded(&o, &id, &o.jm_investigator, json!({"type": "sent"})).await;
    let order = o
        .app
        .get(&format!("/api/v1/orders/{id}"), &o.tt_authority.token)
        .await
        .body;
    assert_eq!(order["notified"], true);
    assert_eq!(order["objection_by"], Value::Null);
    assert_eq!(order["held_back"], false);
    // Subscriber information under art. 8(6): 20 days, not the basis's 45.
    assert_eq!(
        at(&order["produce_by"]) - at(&order["sent_at"]),
        chrono::Duration::days(20)
    );
    // TT's central authority asks a question, then objects: the order stops.
    recorded(
        &o,
        &id,
        &o.tt_authority,
        json!({"type": "clarification_asked", "note": "Which offence?"}),
    )
    .await;
    recorded(
        &o,
        &id,
        &o.jm_investigator,
        json!({"type": "clarification_given", "note": "Computer-related fraud"}),
    )
    .await;
    event(&o, &id, &o.tt_authority, json!({"type": "objected"}))
        .await
        .assert_problem(422, "validation-failed");
    recorded(
        &o,
        &id,
        &o.tt_authority,
        json!({"type": "objected", "grounds": "Art. 8(8): essential interests"}),
    )
    .await;
    for kind in ["acknowledged", "produced", "partially_produced"] {
        event(&o, &id, &o.tt_liaison, json!({"type": kind}))
            .await
            .assert_problem(409, "conflict");
    }
    // Only the notified state objects: another state's central authority does not see
    // the order, the provider may not.
    event(
        &o,
        &id,
        &o.bb_authority,
        json!({"type": "objected", "grounds": "x"}),
    )
    .await
    .assert_problem(404, "not-found");
    recorded(&o, &id, &o.jm_investigator, json!({"type": "closed"})).await;

    // Withdrawn after it was sent: the provider can no longer answer it.
    let withdrawn = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    recorded(
        &o,
        &withdrawn,
        &o.tt_liaison,
        json!({"type": "acknowledged"}),
    )
    .await;
    recorded(
        &o,
        &withdrawn,
        &o.jm_investigator,
        json!({"type": "withdrawn", "note": "The suspect was identified otherwise."}),
    )
    .await;
    for kind in ["produced", "partially_produced"] {
        event(&o, &withdrawn, &o.tt_liaison, json!({"type": kind}))
            .await
            .assert_problem(409, "conflict");
    }
    event(
        &o,
        &withdrawn,
        &o.tt_liaison,
        json!({"type": "refused", "grounds": "x"}),
    )
    .await
    .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn an_emergency_disclosure_runs_in_hours_and_is_never_held_back() {
    let o = orders().await;
    let app = &o.app;
    app.patch(
        "/api/v1/countries/TT",
        &o.regional.token,
        &json!({"order_notice_required": true}),
    )
    .await;
    let case_id = case(&o).await;
    let mut body = subscriber_order(&case_id, &o.operator);
    body["type"] = json!("emergency_disclosure");
    body["legal_basis"] = json!("budapest-2p-9");
    // An emergency disclosure is an emergency, with its reasons.
    app.post("/api/v1/orders", &o.jm_investigator.token, &body)
        .await
        .assert_problem(422, "validation-failed");
    body["urgency"] = json!("emergency");
    let id = draft(&o, &body).await;
    let missing = app
        .get(&format!("/api/v1/orders/{id}"), &o.jm_investigator.token)
        .await;
    assert_eq!(missing.body["missing_fields"], json!(["urgency_reasons"]));
    event(&o, &id, &o.jm_prosecutor, json!({"type": "approved"}))
        .await
        .assert_problem(422, "validation-failed");
    let order = app
        .get(&format!("/api/v1/orders/{id}"), &o.jm_investigator.token)
        .await;
    let etag = order
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let patched = app
        .request_with_headers(
            "PATCH",
            &format!("/api/v1/orders/{id}"),
            &o.jm_investigator.token,
            &[("If-Match", etag.as_str())],
            Some(&json!({"urgency_reasons": "A kidnapper is demanding ransom from this address."})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["missing_fields"], json!([]));
    recorded(&o, &id, &o.jm_prosecutor, json!({"type": "approved"})).await;
    recorded(&o, &id, &o.jm_investigator, json!({"type": "sent"})).await;
    let order = app
        .get(&format!("/api/v1/orders/{id}"), &o.tt_liaison.token)
        .await
        .body;
    let sent_at = at(&order["sent_at"]);
    assert_eq!(
        at(&order["acknowledge_by"]) - sent_at,
        chrono::Duration::hours(1)
    );
    assert_eq!(
        at(&order["produce_by"]) - sent_at,
        chrono::Duration::hours(8)
    );
    assert_eq!(order["notified"], true);
    assert_eq!(order["objection_by"], Value::Null);
    assert_eq!(order["held_back"], false);
    // Its deadlines, in /deadlines for those who see the order: the provider's to
    // acknowledge and to produce, hours away.
    let deadlines = |token: String| async move {
        let res = app.get("/api/v1/deadlines?within=PT12H", &token).await;
        assert_eq!(res.status, 200, "{}", res.body);
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["request_type"] == "order")
            .map(|d| {
                (
                    d["request_id"].as_str().unwrap().to_owned(),
                    d["deadline"].as_str().unwrap().to_owned(),
                    d["direction"].as_str().unwrap().to_owned(),
                    d["overdue"].as_bool().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let due = |kind: &str, direction: &str, overdue: bool| {
        (id.clone(), kind.to_owned(), direction.to_owned(), overdue)
    };
    assert_eq!(
        deadlines(o.tt_liaison.token.clone()).await,
        [
            due("acknowledge", "incoming", false),
            due("produce", "incoming", false)
        ]
    );
    assert_eq!(
        deadlines(o.jm_investigator.token.clone()).await,
        [
            due("acknowledge", "outgoing", false),
            due("produce", "outgoing", false)
        ]
    );
    assert_eq!(deadlines(o.tt_authority.token.clone()).await.len(), 2);
    assert!(deadlines(o.other_liaison.token.clone()).await.is_empty());
    assert!(deadlines(o.bb_authority.token.clone()).await.is_empty());
    let sent_status = app
        .get(
            "/api/v1/deadlines?within=PT12H&status=sent",
            &o.tt_liaison.token,
        )
        .await;
    assert_eq!(
        sent_status.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        sent_status.body
    );
    recorded(&o, &id, &o.tt_liaison, json!({"type": "acknowledged"})).await;
    // Acknowledged: that deadline is met. The 8 hours pass without the data: the
    // deadline is overdue, announced once, and counted against the provider's state.
    assert_eq!(
        deadlines(o.tt_liaison.token.clone()).await,
        [due("produce", "incoming", false)]
    );
    app.exec(&format!(
        "UPDATE orders SET produce_by = created_at WHERE id = '{id}'"
    ))
    .unwrap();
    assert_eq!(
        deadlines(o.jm_investigator.token.clone()).await,
        [due("produce", "outgoing", true)]
    );
    let announced = app
        .state
        .db(caseledger::orders::alerts::sweep)
        .await
        .unwrap();
    assert_eq!(announced, 1);
    assert_eq!(
        app.state
            .db(caseledger::orders::alerts::sweep)
            .await
            .unwrap(),
        0
    );
    for (caller, hears) in [
        (&o.tt_liaison, true),
        (&o.jm_investigator, true),
        (&o.other_liaison, false),
    ] {
        let feed = app
            .get("/api/v1/events?types=deadline.due&limit=100", &caller.token)
            .await;
        assert_eq!(feed.status, 200, "{}", feed.body);
        let heard = feed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["subject"]["id"] == id.as_str());
        assert_eq!(heard, hears, "{}", feed.body);
    }
    caseledger::monitoring::overdue_gauge::refresh(&app.state)
        .await
        .unwrap();
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw.clone()).unwrap();
    assert!(
        text.contains("caseledger_overdue_deadlines{country=\"TT\",deadline=\"order_produce\"} 1"),
        "{text}"
    );
    let registered = app
        .post(
            &format!("/api/v1/orders/{id}/evidence"),
            &o.tt_liaison.token,
            &produced_item(PRODUCED_CSV, "emergency"),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    // Its bytes come resumably (tus), in two parts, and bind as the item's content.
    let item = registered.body["id"].as_str().unwrap();
    let t = o.tt_liaison.token.as_str();
    let tus = ("Tus-Resumable", "1.0.0");
    let length = PRODUCED_CSV.len().to_string();
    let created = app
        .send_bytes(
            "POST",
            "/api/v1/uploads",
            t,
            &[tus, ("Upload-Length", &length)],
            Vec::new(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let upload = created
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let half = PRODUCED_CSV.len() / 2;
    for (offset, part) in [(0, &PRODUCED_CSV[..half]), (half, &PRODUCED_CSV[half..])] {
        let offset = offset.to_string();
        let res = app
            .send_bytes(
                "PATCH",
                &upload,
                t,
                &[
                    tus,
                    ("Upload-Offset", &offset),
                    ("Content-Type", "application/offset+octet-stream"),
                ],
                part.to_vec(),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.body);
    }
    let upload_id = upload.rsplit('/').next().unwrap();
    let bound = app
        .send_json(
            "PUT",
            &format!("/api/v1/evidence/{item}/content"),
            Some(t),
            &json!({"upload_id": upload_id}),
        )
        .await;
    assert_eq!(bound.status, 201, "{}", bound.body);
    let download = app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{item}/content"),
            t,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(download.raw, PRODUCED_CSV);
    recorded(
        &o,
        &id,
        &o.tt_liaison,
        json!({"type": "partially_produced"}),
    )
    .await;
    recorded(&o, &id, &o.tt_liaison, json!({"type": "produced"})).await;
    // In the figures: an emergency answered after its 8 hours, counted once (the
    // partial production was its first answer). A monitor in Jamaica sees the count;
    // one outside both states sees it suppressed.
    let jm_monitor = app
        .user_caller("jm.monitor", &o.jm_police, &[Role::Monitor])
        .await;
    let emergencies = |token: String| async move {
        let res = app.get("/api/v1/stats/orders/emergencies", &token).await;
        assert_eq!(res.status, 200, "{}", res.body);
        res.body["items"].clone()
    };
    assert_eq!(
        emergencies(jm_monitor.token.clone()).await,
        json!([{"requesting_country": "JM", "provider_country": "TT", "quarter": null,
                "provider_id": o.operator, "provider_name": "TT Mobile Ltd",
                "order_type": null, "answered": "late", "count": 1, "suppressed": false}])
    );
    let outside = emergencies(o.monitor.token.clone()).await;
    assert_eq!(outside[0]["count"], Value::Null, "{outside}");
    assert_eq!(outside[0]["suppressed"], true);
}

/// A draft posted with the Idempotency-Key `order-7`.
async fn keyed(app: &TestApp, token: &str, body: &Value) -> crate::common::Response {
    app.request_with_headers(
        "POST",
        "/api/v1/orders",
        token,
        &[("Idempotency-Key", "order-7")],
        Some(body),
    )
    .await
}

/// A change sent with `If-Match: tag`.
async fn patch_with(
    app: &TestApp,
    path: &str,
    token: &str,
    tag: &str,
    change: &Value,
) -> crate::common::Response {
    app.request_with_headers("PATCH", path, token, &[("If-Match", tag)], Some(change))
        .await
}

#[actix_web::test]
async fn a_draft_is_checked_field_by_field_and_frozen_once_approved() {
    let o = orders().await;
    let app = &o.app;
    let case_id = case(&o).await;
    let t = o.jm_investigator.token.as_str();
    let field_errors = |res: &crate::common::Response| -> Vec<String> {
        assert_eq!(res.status, 422, "{}", res.body);
        res.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    // Identifiers and times that are not.
    let mut body = subscriber_order(&case_id, &o.operator);
    body["data_sought"] = json!([
        {"kind": "ip_address", "identifier": "190.93.14.300", "at": "2026-11-02T14:31:07-05:00"},
        {"kind": "ip_address", "identifier": "190.93.14.7"},
        {"kind": "domain", "identifier": "not a domain", "port": 80},
        {"kind": "account", "identifier": "victim@example.com", "from": "2026-11-03T00:00:00Z",
         "to": "2026-11-01T00:00:00Z", "time_zone": "Mars/Olympus"}
    ]);
    let res = app.post("/api/v1/orders", t, &body).await;
    assert_eq!(
        field_errors(&res),
        [
            "data_sought[0].identifier",
            "data_sought[1].at",
            "data_sought[2].identifier",
            "data_sought[2].port",
            "data_sought[3].to",
            "data_sought[3].time_zone"
        ]
    );
    let mut body = subscriber_order(&case_id, &o.operator);
    body["data_sought"][0]["at"] = json!("yesterday");
    let res = app.post("/api/v1/orders", t, &body).await;
    assert_eq!(field_errors(&res), ["data_sought[0].at"]);
    // A basis that does not cover the type, a provider that is not one, a basis that
    // covers no orders.
    let mut body = subscriber_order(&case_id, &o.operator);
    body["type"] = json!("domain_registration");
    assert_eq!(
        field_errors(&app.post("/api/v1/orders", t, &body).await),
        ["legal_basis"]
    );
    let mut body = subscriber_order(&case_id, &o.operator);
    body["legal_basis"] = json!("harare");
    assert_eq!(
        field_errors(&app.post("/api/v1/orders", t, &body).await),
        ["legal_basis"]
    );
    let mut body = subscriber_order(&case_id, &o.operator);
    body["provider_id"] = json!(o.dpp);
    assert_eq!(
        field_errors(&app.post("/api/v1/orders", t, &body).await),
        ["provider_id"]
    );
    // Only the case's owner drafts; a case the caller cannot see is 404.
    app.post(
        "/api/v1/orders",
        &o.jm_other_police.token,
        &subscriber_order(&case_id, &o.operator),
    )
    .await
    .assert_problem(404, "not-found");
    app.post(
        "/api/v1/orders",
        &o.jm_prosecutor.token,
        &subscriber_order(&case_id, &o.operator),
    )
    .await
    .assert_problem(403, "forbidden");

    // The same Idempotency-Key replays the first draft; with another body it is 422.
    let first = keyed(app, t, &subscriber_order(&case_id, &o.operator)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = keyed(app, t, &subscriber_order(&case_id, &o.operator)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    keyed(app, t, &subscriber_order(&case_id, &o.isp))
        .await
        .assert_problem(422, "idempotency-key-reused");
    let id = first.body["id"].as_str().unwrap();
    let path = format!("/api/v1/orders/{id}");

    // A change needs the version it is based on.
    let change = json!({"provider_id": o.isp});
    app.patch(&path, t, &change)
        .await
        .assert_problem(428, "precondition-required");
    patch_with(app, &path, t, "\"v7\"", &change)
        .await
        .assert_problem(412, "precondition-failed");
    let changed = patch_with(app, &path, t, "\"v1\"", &change).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["provider_id"], o.isp.as_str());
    assert_eq!(changed.body["version"], 2);

    // Only a prosecutor approves; once approved, the draft is frozen.
    event(&o, id, &o.jm_investigator, json!({"type": "approved"}))
        .await
        .assert_problem(403, "forbidden");
    event(&o, id, &o.jm_investigator, json!({"type": "produced"}))
        .await
        .assert_problem(403, "forbidden");
    recorded(&o, id, &o.jm_prosecutor, json!({"type": "approved"})).await;
    patch_with(app, &path, t, "\"v3\"", &change)
        .await
        .assert_problem(409, "conflict");
    event(&o, id, &o.jm_prosecutor, json!({"type": "approved"}))
        .await
        .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn who_sees_an_order_and_hears_of_it() {
    let o = orders().await;
    let app = &o.app;
    let case_id = case(&o).await;
    // Notified to TT (art. 8); one not notified (art. 7, TT requiring no notice); a
    // draft; and an order to the other provider.
    let mut notified_body = subscriber_order(&case_id, &o.operator);
    notified_body["legal_basis"] = json!("domestic-production");
    app.patch(
        "/api/v1/countries/TT",
        &o.regional.token,
        &json!({"order_notice_required": true}),
    )
    .await;
    let notified = draft(&o, &notified_body).await;
    recorded(&o, &notified, &o.jm_prosecutor, json!({"type": "approved", "authorisation": {"court": "Supreme Court", "judge": "Justice B. Clarke", "reference": "SC-PO-2026-9", "issued_on": "2026-12-01"}})).await;
    recorded(&o, &notified, &o.jm_investigator, json!({"type": "sent"})).await;
    app.patch(
        "/api/v1/countries/TT",
        &o.regional.token,
        &json!({"order_notice_required": false}),
    )
    .await;
    let quiet = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    assert_eq!(
        app.get(&format!("/api/v1/orders/{quiet}"), &o.tt_liaison.token)
            .await
            .body["notified"],
        false
    );
    let drafted = draft(&o, &subscriber_order(&case_id, &o.operator)).await;
    let elsewhere = sent(&o, &subscriber_order(&case_id, &o.isp)).await;
    let all = [&notified, &quiet, &drafted, &elsewhere];

    // Who sees which, in every endpoint and the list.
    let matrix: Vec<(&str, &Caller, Vec<&String>)> = vec![
        ("the case team", &o.jm_investigator, all.to_vec()),
        ("the DPP's prosecutor", &o.jm_prosecutor, all.to_vec()),
        (
            "the operator's liaison",
            &o.tt_liaison,
            vec![&notified, &quiet],
        ),
        ("the ISP's liaison", &o.other_liaison, vec![&elsewhere]),
        ("TT's central authority", &o.tt_authority, vec![&notified]),
        ("JM's central authority", &o.jm_authority, vec![]),
        ("BB's central authority", &o.bb_authority, vec![]),
        ("another JM agency", &o.jm_other_police, vec![]),
    ];
    for (who, caller, sees) in &matrix {
        for id in all {
            let path = format!("/api/v1/orders/{id}");
            for endpoint in [
                path.clone(),
                format!("{path}/events"),
                format!("{path}/bundle"),
            ] {
                let res = app.get(&endpoint, &caller.token).await;
                if sees.contains(&id) {
                    assert_eq!(res.status, 200, "{who} {endpoint}: {}", res.body);
                } else {
                    res.assert_problem(404, "not-found");
                }
            }
            if !sees.contains(&id) {
                event(&o, id, caller, json!({"type": "acknowledged"}))
                    .await
                    .assert_problem(404, "not-found");
            }
        }
        let listed = ids(&app.get("/api/v1/orders", &caller.token).await);
        let expected: HashSet<String> = sees.iter().map(|s| s.to_string()).collect();
        assert_eq!(listed, expected, "{who}");
        // The case filter tells nobody outside the case which orders serve it.
        let by_case = app
            .get(&format!("/api/v1/orders?case_id={case_id}"), &caller.token)
            .await;
        if ["the case team", "the DPP's prosecutor"].contains(who) {
            assert_eq!(ids(&by_case).len(), 4, "{who}");
        } else {
            assert!(ids(&by_case).is_empty(), "{who}");
        }
    }
    // A monitor has no access to orders at all (their figures come later).
    app.get("/api/v1/orders", &o.monitor.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/orders/{notified}"), &o.monitor.token)
        .await
        .assert_problem(404, "not-found");

    // The feed: each hears of the orders it sees, and nothing of the others.
    for (who, caller, sees) in &matrix {
        let res = app
            .get("/api/v1/events?types=order.*&limit=100", &caller.token)
            .await;
        assert_eq!(res.status, 200, "{who}: {}", res.body);
        let heard: HashSet<String> = res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject"]["id"].as_str().unwrap().to_owned())
            .collect();
        let expected: HashSet<String> = sees
            .iter()
            .filter(|id| ***id != drafted)
            .map(|s| s.to_string())
            .collect();
        assert_eq!(heard, expected, "{who}");
        // The approval came before the order was sent: outside the case team nobody
        // hears of it.
        let approvals = res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "order.approved")
            .count();
        let team = ["the case team", "the DPP's prosecutor"].contains(who);
        assert_eq!(
            approvals > 0,
            team && !sees.is_empty(),
            "{who}: {}",
            res.body
        );
    }
}

#[actix_web::test]
async fn the_order_page_and_the_desk_show_each_reader_its_orders_and_deadlines() {
    use crate::common::PASSWORD;
    use crate::pages::{page, sign_in, text};
    let o = orders().await;
    let app = &o.app;
    app.patch(
        "/api/v1/countries/TT",
        &o.regional.token,
        &json!({"order_notice_required": true}),
    )
    .await;
    let case_id = case(&o).await;
    let id = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    let reference = app
        .get(&format!("/api/v1/orders/{id}"), &o.jm_investigator.token)
        .await
        .body["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = sent(&o, &subscriber_order(&case_id, &o.isp)).await;
    let path = format!("/app/orders/{id}");

    // The operator's liaison: the order, its deadlines, the data held back, no case.
    let liaison = sign_in(app, "tt.mobile", PASSWORD).await.unwrap();
    let desk = page(app, "/app/", Some(&liaison)).await;
    assert_eq!(desk.status, 200, "{:?}", desk.headers);
    let desk = text(&desk);
    assert!(desk.contains(&format!("href=\"{path}\"")), "{desk}");
    assert!(!desk.contains(&other), "{desk}");
    assert!(desk.contains("Acknowledge"), "{desk}");
    let seen = page(app, &path, Some(&liaison)).await;
    assert_eq!(seen.status, 200);
    let html = text(&seen);
    for words in [
        reference.as_str(),
        "TT Mobile Ltd",
        "Subscriber information",
        "190.93.14.7 : 51234",
        "2026-11-02T14:31:07-05:00",
        "America/Jamaica",
        "Data held back until",
        "Produce",
        "Sent to the provider",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    assert!(!html.contains("/app/cases/"), "{html}");
    // The other provider's liaison, and another state's authority: not found.
    let stranger = sign_in(app, "tt.tstt", PASSWORD).await.unwrap();
    assert_eq!(page(app, &path, Some(&stranger)).await.status, 404);
    let bb = sign_in(app, "bb.ca", PASSWORD).await.unwrap();
    assert_eq!(page(app, &path, Some(&bb)).await.status, 404);
    // The case team sees the case's link; TT's central authority the order alone.
    let team = sign_in(app, "jm.inv", PASSWORD).await.unwrap();
    let html = text(&page(app, &path, Some(&team)).await);
    assert!(html.contains(&format!("/app/cases/{case_id}")), "{html}");
    let tt = sign_in(app, "tt.ca", PASSWORD).await.unwrap();
    let html = text(&page(app, &path, Some(&tt)).await);
    assert!(
        html.contains(reference.as_str()) && !html.contains("/app/cases/"),
        "{html}"
    );
}

#[actix_web::test]
async fn the_notified_state_may_let_an_order_go_ahead_and_each_party_records_its_own_events() {
    let o = orders().await;
    let app = &o.app;
    app.patch(
        "/api/v1/countries/TT",
        &o.regional.token,
        &json!({"order_notice_required": true}),
    )
    .await;
    let case_id = case(&o).await;
    let id = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    let evidence = format!("/api/v1/orders/{id}/evidence");
    // Each records only its own events.
    for (caller, kind) in [
        (&o.tt_authority, "acknowledged"),
        (&o.jm_investigator, "acknowledged"),
        (&o.tt_liaison, "no_objection"),
        (&o.jm_investigator, "no_objection"),
        (&o.tt_liaison, "clarification_given"),
        (&o.tt_liaison, "withdrawn"),
    ] {
        event(&o, &id, caller, json!({"type": kind, "note": "x"}))
            .await
            .assert_problem(403, "forbidden");
    }
    recorded(&o, &id, &o.tt_liaison, json!({"type": "acknowledged"})).await;
    app.post(
        &evidence,
        &o.tt_liaison.token,
        &produced_item(PRODUCED_CSV, "held"),
    )
    .await
    .assert_problem(409, "conflict");
    // TT lets it go ahead: the hold ends now, and an objection is too late.
    let waived = recorded(&o, &id, &o.tt_authority, json!({"type": "no_objection"})).await;
    assert_eq!(waived["entry"]["status_before"], "acknowledged");
    assert_eq!(waived["entry"]["status_after"], "acknowledged");
    let order = app
        .get(&format!("/api/v1/orders/{id}"), &o.tt_liaison.token)
        .await
        .body;
    assert_eq!(order["held_back"], false, "{order}");
    event(
        &o,
        &id,
        &o.tt_authority,
        json!({"type": "objected", "grounds": "late"}),
    )
    .await
    .assert_problem(409, "conflict");
    event(&o, &id, &o.tt_authority, json!({"type": "no_objection"}))
        .await
        .assert_problem(409, "conflict");
    let registered = app
        .post(
            &evidence,
            &o.tt_liaison.token,
            &produced_item(PRODUCED_CSV, "released"),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);

    // Another order: the provider asks, the team answers, the provider refuses.
    let refused = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    event(
        &o,
        &refused,
        &o.tt_liaison,
        json!({"type": "clarification_asked"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    recorded(
        &o,
        &refused,
        &o.tt_liaison,
        json!({"type": "clarification_asked", "note": "Which port range?"}),
    )
    .await;
    event(&o, &refused, &o.tt_liaison, json!({"type": "acknowledged"}))
        .await
        .assert_problem(409, "conflict");
    recorded(
        &o,
        &refused,
        &o.jm_investigator,
        json!({"type": "clarification_given", "note": "51234 only."}),
    )
    .await;
    event(&o, &refused, &o.tt_liaison, json!({"type": "refused"}))
        .await
        .assert_problem(422, "validation-failed");
    let refusal = recorded(
        &o,
        &refused,
        &o.tt_liaison,
        json!({"type": "refused", "grounds": "The address is a carrier-grade NAT pool; no log for that port."}),
    )
    .await;
    assert_eq!(
        refusal["entry"]["grounds"],
        "The address is a carrier-grade NAT pool; no log for that port."
    );
    app.post(
        &format!("/api/v1/orders/{refused}/evidence"),
        &o.tt_liaison.token,
        &produced_item(PRODUCED_CSV, "refused"),
    )
    .await
    .assert_problem(409, "conflict");
    recorded(&o, &refused, &o.jm_investigator, json!({"type": "closed"})).await;
    let order = app
        .get(
            &format!("/api/v1/orders/{refused}"),
            &o.jm_investigator.token,
        )
        .await
        .body;
    assert_eq!(order["status"], "closed");
    let types: Vec<String> = app
        .get(
            &format!("/api/v1/orders/{refused}/events"),
            &o.tt_liaison.token,
        )
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "approved",
            "sent",
            "clarification_asked",
            "clarification_given",
            "refused",
            "closed"
        ]
    );
}

/// The figures of orders: per provider, state, type and outcome as they are sent and
/// answered; turnaround per provider; small counts suppressed outside both states;
/// and rebuilt from the histories, the same counters the events kept.
#[actix_web::test]
async fn orders_are_counted_per_provider_type_and_outcome_and_rebuilt_from_their_histories() {
    let o = orders().await;
    let app = &o.app;
    let case_id = case(&o).await;
    let jm_monitor = app
        .user_caller("jm.monitor", &o.jm_police, &[Role::Monitor])
        .await;
    // The operator acknowledges and produces one; the ISP refuses another; a third is
    // withdrawn once sent; a draft withdrawn before it was sent never counts.
    let produced = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    recorded(
        &o,
        &produced,
        &o.tt_liaison,
        json!({"type": "acknowledged"}),
    )
    .await;
    let item = app
        .post(
            &format!("/api/v1/orders/{produced}/evidence"),
            &o.tt_liaison.token,
            &produced_item(PRODUCED_CSV, "figures"),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    recorded(&o, &produced, &o.tt_liaison, json!({"type": "produced"})).await;
    recorded(&o, &produced, &o.jm_investigator, json!({"type": "closed"})).await;
    let refused = sent(&o, &subscriber_order(&case_id, &o.isp)).await;
    recorded(
        &o,
        &refused,
        &o.other_liaison,
        json!({"type": "refused", "grounds": "No subscriber held that address then."}),
    )
    .await;
    let withdrawn = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    let never_sent = draft(&o, &subscriber_order(&case_id, &o.operator)).await;
    for id in [&withdrawn, &never_sent] {
        recorded(
            &o,
            id,
            &o.jm_investigator,
            json!({"type": "withdrawn", "note": "The suspect was identified otherwise."}),
        )
        .await;
    }

    let items = |path: String, token: String| async move {
        let res = app.get(&path, &token).await;
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        res.body["items"].as_array().unwrap().clone()
    };
    let mut by_outcome: Vec<(String, String, i64)> = items(
        "/api/v1/stats/orders?group_by=provider,outcome".into(),
        jm_monitor.token.clone(),
    )
    .await
    .iter()
    .map(|f| {
        assert_eq!(
            (
                f["requesting_country"].as_str(),
                f["provider_country"].as_str()
            ),
            (Some("JM"), Some("TT"))
        );
        (
            f["provider_name"].as_str().unwrap().to_owned(),
            f["outcome"].as_str().unwrap().to_owned(),
            f["count"].as_i64().unwrap(),
        )
    })
    .collect();
    by_outcome.sort();
    let counted = |name: &str, outcome: &str| (name.to_owned(), outcome.to_owned(), 1);
    assert_eq!(
        by_outcome,
        [
            counted("TSTT Broadband", "refused"),
            counted("TT Mobile Ltd", "produced"),
            counted("TT Mobile Ltd", "withdrawn"),
        ],
        "closing keeps the outcome it closes"
    );
    let by_type = items(
        "/api/v1/stats/orders?group_by=order_type".into(),
        jm_monitor.token.clone(),
    )
    .await;
    assert_eq!(by_type.len(), 1);
    assert_eq!(by_type[0]["order_type"], "subscriber_information");
    assert_eq!(by_type[0]["count"], 3);
    assert_eq!(by_type[0]["provider_id"], Value::Null);
    // Outside both states, three orders are too few to show; a third state's filter
    // holds nothing.
    let outside = items("/api/v1/stats/orders".into(), o.monitor.token.clone()).await;
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0]["count"], Value::Null);
    assert_eq!(outside[0]["suppressed"], true);
    assert!(
        items(
            "/api/v1/stats/orders?country=BB".into(),
            jm_monitor.token.clone()
        )
        .await
        .is_empty()
    );
    app.get(
        "/api/v1/stats/orders?group_by=legal_basis",
        &jm_monitor.token,
    )
    .await
    .assert_problem(422, "validation-failed");
    for path in [
        "/api/v1/stats/orders",
        "/api/v1/stats/orders/turnaround",
        "/api/v1/stats/orders/emergencies",
    ] {
        app.get(path, &o.jm_investigator.token)
            .await
            .assert_problem(403, "forbidden");
    }

    // Turnaround per provider: the operator acknowledged and produced, within the
    // hour; a refusal is no production. No emergency was answered.
    let turnaround = |token: String| items("/api/v1/stats/orders/turnaround".into(), token);
    let mut stages: Vec<(String, String, Value, Value)> = turnaround(jm_monitor.token.clone())
        .await
        .iter()
        .map(|f| {
            (
                f["provider_name"].as_str().unwrap().to_owned(),
                f["stage"].as_str().unwrap().to_owned(),
                f["count"].clone(),
                f["median_hours"].clone(),
            )
        })
        .collect();
    stages.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(
        stages,
        [
            (
                "TT Mobile Ltd".into(),
                "acknowledged".into(),
                json!(1),
                json!(0.0)
            ),
            (
                "TT Mobile Ltd".into(),
                "produced".into(),
                json!(1),
                json!(0.0)
            ),
        ]
    );
    assert!(
        items(
            "/api/v1/stats/orders/emergencies".into(),
            jm_monitor.token.clone()
        )
        .await
        .is_empty()
    );
    let csv = app
        .request_with_headers(
            "GET",
            "/api/v1/stats/orders?group_by=provider",
            &jm_monitor.token,
            &[("Accept", "text/csv")],
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    let body = String::from_utf8(csv.raw.clone()).unwrap();
    assert!(
        body.starts_with(
            "requesting_country,provider_country,quarter,provider_id,provider_name,order_type,outcome,count,suppressed\r\n"
        ),
        "{body}"
    );
    assert!(body.contains(",TSTT Broadband,,,1,false\r\n"), "{body}");

    // The monitoring page: a line per requesting state and provider; outside both
    // states, too few to show.
    use crate::pages::{page, sign_in, text};
    let inside = sign_in(app, "jm.monitor", crate::common::PASSWORD)
        .await
        .unwrap();
    let html = text(&page(app, "/app/monitoring", Some(&inside)).await);
    assert!(
        html.contains("<h2 id=\"providers\">Orders to service providers</h2>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<th scope=\"row\">TT Mobile Ltd (Trinidad and Tobago)</th><td>2</td>\
             <td>0.0 hours (1)</td><td>0.0 hours (1)</td><td>\u{2014}</td><td>\u{2014}</td>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">TSTT Broadband (Trinidad and Tobago)</th><td>1</td>"),
        "{html}"
    );
    let outside = sign_in(app, "gy.monitor", crate::common::PASSWORD)
        .await
        .unwrap();
    let html = text(&page(app, "/app/monitoring", Some(&outside)).await);
    assert!(
        html.contains(
            "<th scope=\"row\">TT Mobile Ltd (Trinidad and Tobago)</th><td>fewer than 5</td>"
        ),
        "{html}"
    );
    let csv = page(app, "/app/monitoring/orders.csv", Some(&inside)).await;
    assert_eq!(csv.status, 200);
    assert_eq!(text(&csv).lines().count(), 3, "a header and two providers");
    for table in ["order-turnaround.csv", "emergencies.csv"] {
        let res = page(app, &format!("/app/monitoring/{table}"), Some(&inside)).await;
        assert_eq!(res.status, 200, "{table}");
    }

    // Rebuilt from the histories: the counters the events kept, lost ones back.
    let before = turnaround(jm_monitor.token.clone()).await;
    let mut conn = app.state.pool.get().unwrap();
    let kept = caseledger::ledger::tally::counters(&mut conn).unwrap();
    let orders_kept = kept
        .iter()
        .filter(|c| c.measure.starts_with("orders"))
        .count();
    assert_eq!(orders_kept, 3 + 2, "three outcomes and two stages");
    app.exec(
        "DELETE FROM figures WHERE measure LIKE 'orders%'; \
         DELETE FROM figure_histograms WHERE measure LIKE 'orders%'",
    )
    .unwrap();
    let replaced = caseledger::monitoring::rebuild::rebuild(&mut conn).unwrap();
    assert_eq!(replaced.changed, orders_kept);
    assert_eq!(
        caseledger::ledger::tally::counters(&mut conn).unwrap(),
        kept
    );
    drop(conn);
    assert_eq!(turnaround(jm_monitor.token.clone()).await, before);
}

/// The order page's forms: each party records the events its part allows, with the
/// page's CSRF token; the provider's liaison uploads what it produces, which becomes
/// an item of the requesting case registered under the order, stored, handed over to
/// whom the order names, and the order's answer, in one go. A refused upload keeps
/// nothing; another provider's liaison finds nothing to post to.
#[actix_web::test]
async fn the_liaison_produces_from_the_order_page_and_each_party_records_its_events_there() {
    use crate::common::PASSWORD;
    use crate::pages::{csrf_field, document_form, page, sign_in, text};
    let o = orders().await;
    let app = &o.app;
    let case_id = case(&o).await;
    let id = sent(&o, &subscriber_order(&case_id, &o.operator)).await;
    let path = format!("/app/orders/{id}");
    let liaison = sign_in(app, "tt.mobile", PASSWORD).await.unwrap();
    let stranger = sign_in(app, "tt.tstt", PASSWORD).await.unwrap();
    let investigator = sign_in(app, "jm.inv", PASSWORD).await.unwrap();

    let html = text(&page(app, &path, Some(&liaison)).await);
    let option = |code: &str, name: &str| format!("<option value=\"{code}\">{name}</option>");
    assert!(
        html.contains("<h2 id=\"record\">Record an event</h2>"),
        "{html}"
    );
    assert!(
        html.contains(&option("acknowledged", "Acknowledged by the provider")),
        "{html}"
    );
    assert!(
        !html.contains("value=\"closed\""),
        "the team's event: {html}"
    );
    assert!(
        !html.contains("enctype=\"multipart/form-data\""),
        "not acknowledged yet: nothing to produce: {html}"
    );
    let csrf = csrf_field(&html);
    let post_event = |session: String, token: String, fields: Vec<(&'static str, &'static str)>| {
        let path = format!("{path}/events");
        async move {
            let mut form = vec![("csrf", token.as_str())];
            form.extend(fields);
            let body = serde_urlencoded::to_string(&form).unwrap();
            let cookie = format!("caseledger={session}");
            app.post_form(&path, &[("Cookie", cookie.as_str())], &body)
                .await
        }
    };
    let forged = post_event(
        liaison.clone(),
        "forged".into(),
        vec![("type", "acknowledged")],
    )
    .await;
    assert_eq!(forged.status, 403);
    let their_page = text(&page(app, "/app/", Some(&stranger)).await);
    let hidden = post_event(
        stranger.clone(),
        csrf_field(&their_page),
        vec![("type", "acknowledged")],
    )
    .await;
    assert_eq!(
        hidden.status,
        404,
        "another provider's liaison: {}",
        text(&hidden)
    );
    // An event that cannot follow is said on the page, nothing recorded.
    let early = post_event(liaison.clone(), csrf.clone(), vec![("type", "produced")]).await;
    assert_eq!(early.status, 409, "{}", text(&early));
    assert!(
        text(&early).contains("The event was not recorded:"),
        "{}",
        text(&early)
    );
    let acknowledged = post_event(
        liaison.clone(),
        csrf.clone(),
        vec![("type", "acknowledged")],
    )
    .await;
    assert_eq!(acknowledged.status, 303, "{}", text(&acknowledged));
    assert_eq!(
        acknowledged.headers.get("location").unwrap(),
        &format!("/app/orders/{id}?recorded=1")
    );
    let html = text(&page(app, &format!("{path}?recorded=1"), Some(&liaison)).await);
    assert!(
        html.contains("The event is recorded in the order"),
        "{html}"
    );
    assert!(
        html.contains("<h2 id=\"produce\">Produce the data</h2>"),
        "{html}"
    );
    assert!(html.contains(&option("produced", "Produced")), "{html}");

    // The upload: without a description, refused and nothing kept.
    let post_upload_as = |session: &str, fields: Vec<(&'static str, String)>| {
        let cookie = format!("caseledger={session}");
        let path = format!("{path}/evidence");
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (media, body) = document_form(&fields, Some(PRODUCED_CSV));
            app.send_bytes(
                "POST",
                &path,
                "",
                &[
                    ("Cookie", cookie.as_str()),
                    ("Content-Type", media.as_str()),
                ],
                body,
            )
            .await
        }
    };
    let fields = |description: &str, answer: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("description", description.to_owned()),
            ("kind", "document".to_owned()),
            ("answer", answer.to_owned()),
        ]
    };
    let post_upload = |fields| post_upload_as(&liaison, fields);
    // Another provider's liaison finds no order to produce under.
    let mut theirs = fields("Not ours", "produced");
    theirs[0].1 = csrf_field(&their_page);
    let hidden = post_upload_as(&stranger, theirs).await;
    assert_eq!(hidden.status, 404, "{}", text(&hidden));
    let refused = post_upload(fields("  ", "produced")).await;
    assert_eq!(refused.status, 422, "{}", text(&refused));
    assert!(
        text(&refused).contains("The data was not produced:"),
        "{}",
        text(&refused)
    );
    let order = app
        .get(&format!("/api/v1/orders/{id}"), &o.jm_investigator.token)
        .await
        .body;
    assert_eq!(order["produced_items"], 0);
    let produced = post_upload(fields("Subscriber of 190.93.14.7:51234 (CSV)", "produced")).await;
    assert_eq!(produced.status, 303, "{}", text(&produced));
    let html = text(&page(app, &format!("{path}?produced=1"), Some(&liaison)).await);
    assert!(
        html.contains("handed over to whom the order names"),
        "{html}"
    );
    assert!(
        !html.contains("<h2 id=\"produce\">"),
        "produced: nothing more to produce"
    );
    let again = post_upload(fields("Once more", "")).await;
    assert_eq!(again.status, 409, "{}", text(&again));
    assert!(text(&again).contains("cannot be produced under now"));

    // The order is answered; the item is the requesting case's, its custody starts
    // with the provider and is on its way to JM, which receives it and downloads the
    // bytes the liaison uploaded.
    let order = app
        .get(&format!("/api/v1/orders/{id}"), &o.jm_investigator.token)
        .await
        .body;
    assert_eq!(order["status"], "produced");
    assert_eq!(order["produced_items"], 1);
    let items = app
        .get(
            &format!("/api/v1/cases/{case_id}/evidence"),
            &o.jm_investigator.token,
        )
        .await;
    let item = items.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["order_id"] == id.as_str())
        .unwrap_or_else(|| panic!("{}", items.body))
        .clone();
    assert_eq!(item["sha256"], hex::encode(Sha256::digest(PRODUCED_CSV)));
    assert_eq!(item["kind"], "document");
    let item_id = item["id"].as_str().unwrap();
    let custody = format!("/api/v1/evidence/{item_id}/custody");
    let received = app
        .post(
            &custody,
            &o.jm_investigator.token,
            &json!({"type": "received"}),
        )
        .await;
    assert_eq!(received.status, 201, "{}", received.body);
    let history = app.get(&custody, &o.jm_investigator.token).await.body;
    let types: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["collected", "content_stored", "transferred", "received"]
    );
    assert_eq!(
        history[0]["entry"]["actor"]["agency_id"],
        o.operator.as_str()
    );
    assert_eq!(
        history[2]["entry"]["to_agency_id"],
        order["requesting_agency_id"]
    );
    let download = app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{item_id}/content"),
            &o.jm_investigator.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(download.raw, PRODUCED_CSV);

    // The case team closes it from the page.
    let html = text(&page(app, &path, Some(&investigator)).await);
    assert!(html.contains(&option("closed", "Closed")), "{html}");
    assert!(!html.contains("<h2 id=\"produce\">"), "{html}");
    let closed = post_event(
        investigator.clone(),
        csrf_field(&html),
        vec![("type", "closed")],
    )
    .await;
    assert_eq!(closed.status, 303, "{}", text(&closed));
    let order = app
        .get(&format!("/api/v1/orders/{id}"), &o.jm_investigator.token)
        .await
        .body;
    assert_eq!(order["status"], "closed");
}
