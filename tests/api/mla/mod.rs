//! Mutual legal assistance: the legal bases requests rest on, requests from draft to
//! closing, their deadlines; preservations; what execution produced; and who sees
//! what.

mod dates;
pub(crate) mod documents;
mod end_to_end;
mod matrix;
pub(crate) mod preservations;

use crate::common::TestApp;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};

fn codes(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_seeded_legal_bases_with_their_fields_and_deadlines() {
    let app = TestApp::spawn().await;
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let investigator = app
        .user_caller("jm.detective", &police, &[Role::Investigator])
        .await;
    let t = investigator.token.as_str();

    let page = app.get("/api/v1/legal-bases", t).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        codes(&page.body),
        [
            "bilateral",
            "budapest-29",
            "budapest-2p-6",
            "budapest-2p-7",
            "budapest-2p-8",
            "budapest-2p-9",
            "budapest-30",
            "budapest-31",
            "caricom-2005",
            "domestic-production",
            "harare",
            "reciprocity"
        ]
    );

    // Paged like every list, without gaps or repeats.
    let first = app.get("/api/v1/legal-bases?limit=6", t).await;
    assert_eq!(codes(&first.body).len(), 6);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/legal-bases?limit=6&cursor={cursor}"), t)
        .await;
    assert_eq!(
        [codes(&first.body), codes(&rest.body)].concat(),
        codes(&page.body)
    );
    assert!(rest.body["next_cursor"].is_null());

    // Art. 29: preservation for at least 60 days, no dual criminality, and what the
    // article requires a request to state.
    let art29 = app.get("/api/v1/legal-bases/budapest-29", t).await;
    assert_eq!(art29.status, 200);
    assert_eq!(art29.body["request_types"], json!(["preservation"]));
    assert_eq!(art29.body["dual_criminality_required"], false);
    assert_eq!(art29.body["deadlines"]["preservation_days"], 60);
    assert!(art29.body["deadlines"]["acknowledge_days"].is_null());
    let required: Vec<&str> = art29.body["required_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for field in [
        "requesting_agency_id",
        "offences",
        "summary_of_facts",
        "data_sought",
        "custodian_or_location",
        "why_needed",
        "mla_to_follow",
    ] {
        assert!(required.contains(&field), "{field} in {required:?}");
    }

    // The Harare Scheme and the CARICOM treaty set no time limits.
    for code in ["harare", "caricom-2005"] {
        let basis = app.get(&format!("/api/v1/legal-bases/{code}"), t).await;
        assert_eq!(basis.status, 200);
        let deadlines = basis.body["deadlines"].as_object().unwrap();
        assert!(
            deadlines.values().all(Value::is_null),
            "{code}: {deadlines:?}"
        );
    }
    assert_eq!(
        app.get("/api/v1/legal-bases/reciprocity", t).await.body["dual_criminality_required"],
        true
    );

    // The Second Protocol's articles and domestic production orders govern orders to
    // providers: who approves, whether the provider's state is notified, the days.
    let art7 = app.get("/api/v1/legal-bases/budapest-2p-7", t).await.body;
    assert_eq!(art7["request_types"], json!(["order"]));
    assert_eq!(
        art7["order_rules"],
        json!({"order_types": ["subscriber_information"], "approver": "prosecutor",
               "notice": "where_required", "objection_days": 10, "produce_days_by_type": []})
    );
    let art8 = app.get("/api/v1/legal-bases/budapest-2p-8", t).await.body;
    assert_eq!(art8["order_rules"]["approver"], "judge");
    assert_eq!(art8["order_rules"]["notice"], "always");
    assert_eq!(art8["deadlines"]["execute_days"], 45);
    assert_eq!(
        art8["order_rules"]["produce_days_by_type"],
        json!([{"order_type": "subscriber_information", "produce_days": 20}])
    );
    let art9 = app.get("/api/v1/legal-bases/budapest-2p-9", t).await.body;
    assert_eq!(art9["deadlines"]["emergency_execute_hours"], 8);
    assert_eq!(
        art9["order_rules"]["order_types"],
        json!(["emergency_disclosure"])
    );
    // Bases between states have no rules for orders.
    assert!(app.get("/api/v1/legal-bases/harare", t).await.body["order_rules"].is_null());

    app.get("/api/v1/legal-bases/no-such-basis", t)
        .await
        .assert_problem(404, "not-found");
    app.get("/api/v1/legal-bases/Not_A_Code", t)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn regional_administrators_define_and_change_legal_bases() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let investigator = app
        .user_caller(
            "jm.detective",
            &police,
            &[Role::Investigator, Role::Supervisor],
        )
        .await;

    let definition = json!({
        "name": "EU investigation order (for comparison)",
        "request_types": ["mla"],
        "required_fields": ["summary_of_facts", "offences", "proceedings", "offences"],
        "deadlines": {"acknowledge_days": 7, "decide_days": 30, "decide_extension_days": 30,
                      "execute_days": 90, "emergency_decide_hours": 24},
        "notes": "Directive 2014/41/EU arts. 12 and 16."
    });

    // Only regional administrators; a country's administrator and an investigator
    // are refused, and nothing is defined.
    for caller in [&admin, &investigator] {
        app.send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&caller.token),
            &definition,
        )
        .await
        .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/legal-bases/eu-eio", &investigator.token)
        .await
        .assert_problem(404, "not-found");

    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &definition,
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["code"], "eu-eio");
    // Stored sorted and without repeats.
    assert_eq!(
        res.body["required_fields"],
        json!(["proceedings", "summary_of_facts", "offences"])
    );
    assert_eq!(res.body["deadlines"]["acknowledge_days"], 7);
    assert_eq!(res.body["deadlines"]["emergency_decide_hours"], 24);
    assert!(res.body["deadlines"]["preservation_days"].is_null());
    let created_at = res.body["created_at"].clone();

    // Replacing the definition: a deadline left out is no longer set.
    let mut changed = definition.clone();
    changed["deadlines"] = json!({"acknowledge_days": 10});
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &changed,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["created_at"], created_at);
    assert_eq!(res.body["deadlines"]["acknowledge_days"], 10);
    assert!(res.body["deadlines"]["decide_days"].is_null());
    let read = app
        .get("/api/v1/legal-bases/eu-eio", &investigator.token)
        .await;
    assert_eq!(read.body, res.body);

    // Every problem at once; nothing changes.
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &json!({"name": " ", "request_types": [], "deadlines": {"acknowledge_days": 0, "emergency_execute_hours": 9000}}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(
        res.body["errors"].as_array().unwrap().len(),
        3,
        "{}",
        res.body
    );
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &json!({"name": "   ", "request_types": ["mla"]}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "name", "{}", res.body);
    app.send_json(
        "PUT",
        "/api/v1/legal-bases/eu-eio",
        Some(&regional.token),
        &json!({"name": "x", "request_types": ["mla"], "required_fields": ["shoe_size"]}),
    )
    .await
    .assert_problem(422, "validation-failed");
    // A basis that covers orders says how, and only such a basis does; its rules are
    // checked like the rest.
    let fields_of = |res: &crate::common::Response| -> Vec<String> {
        res.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &json!({"name": "x", "request_types": ["order"]}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(fields_of(&res), ["order_rules"]);
    let rules = json!({"order_types": ["traffic_data", "traffic_data"], "approver": "judge",
                       "notice": "always", "objection_days": 5,
                       "produce_days_by_type": [{"order_type": "content_data", "produce_days": 10}]});
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &json!({"name": "x", "request_types": ["order"], "order_rules": rules}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(
        fields_of(&res),
        [
            "order_rules.order_types",
            "order_rules.produce_days_by_type[0].order_type"
        ]
    );
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-eio",
            Some(&regional.token),
            &json!({"name": "x", "request_types": ["mla"], "order_rules": {"order_types": ["traffic_data"], "approver": "judge", "notice": "always"}}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(fields_of(&res), ["order_rules"]);
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/eu-po",
            Some(&regional.token),
            &json!({"name": "EU production order (2023/1543)", "request_types": ["order"],
                    "deadlines": {"execute_days": 10, "emergency_execute_hours": 8},
                    "order_rules": {"order_types": ["subscriber_information", "traffic_data", "content_data"],
                                    "approver": "judge", "notice": "where_required", "objection_days": 10}}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["order_rules"]["produce_days_by_type"], json!([]));
    app.send_json(
        "PUT",
        "/api/v1/legal-bases/EU_EIO",
        Some(&regional.token),
        &definition,
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(
        app.get("/api/v1/legal-bases/eu-eio", &investigator.token)
            .await
            .body,
        read.body
    );

    // Each definition and refusal is in the audit trail.
    let entries = app.audit_entries();
    let defines: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "legal_basis.define")
        .collect();
    let outcomes: Vec<&str> = defines
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "success").count(), 3);
    assert!(outcomes.contains(&"denied"), "{outcomes:?}");
    let changes: Vec<&str> = defines
        .iter()
        .filter(|e| e["outcome"] == "success")
        .map(|e| e["details"]["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["defined", "replaced", "defined"]);
    for e in defines
        .iter()
        .filter(|e| e["details"]["name"] != "EU production order (2023/1543)")
    {
        assert_eq!(e["subject"]["id"], "eu-eio", "{e}");
        assert_eq!(e["subject"]["type"], "legal_basis", "{e}");
    }
}

/// The people of a request's world: the requesting case team in Jamaica, its
/// central authority, and others who must not see the request.
pub(crate) struct World {
    pub investigator: crate::common::Caller,
    pub jm_authority: crate::common::Caller,
    pub tt_authority: crate::common::Caller,
    pub tt_supervisor: crate::common::Caller,
    jm_other_police: crate::common::Caller,
    pub jm_prosecutor: crate::common::Caller,
    jm_admin: crate::common::Caller,
    jm_auditor: crate::common::Caller,
    pub police: String,
}

pub(crate) async fn world(app: &TestApp) -> World {
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let other_police = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let dpp = app.agency("JM", "Office of the DPP", AgencyKind::Prosecution);
    let jm_ca = app.agency("JM", "Ministry of Justice", AgencyKind::CentralAuthority);
    let tt_ca = app.agency(
        "TT",
        "Office of the Attorney General",
        AgencyKind::CentralAuthority,
    );
    let tt_police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    World {
        investigator: app
            .user_caller(
                "jm.detective",
                &police,
                &[Role::Investigator, Role::Supervisor],
            )
            .await,
        jm_authority: app
            .user_caller("jm.authority", &jm_ca, &[Role::CentralAuthority])
            .await,
        tt_authority: app
            .user_caller("tt.authority", &tt_ca, &[Role::CentralAuthority])
            .await,
        tt_supervisor: app
            .user_caller(
                "tt.supervisor",
                &tt_police,
                &[Role::Investigator, Role::Supervisor],
            )
            .await,
        jm_other_police: app
            .user_caller(
                "jm.fraud",
                &other_police,
                &[Role::Investigator, Role::Supervisor],
            )
            .await,
        jm_prosecutor: app
            .user_caller("jm.prosecutor", &dpp, &[Role::Prosecutor])
            .await,
        jm_admin: app.user_caller("jm.admin", &police, &[Role::Admin]).await,
        jm_auditor: app
            .user_caller("jm.auditor", &police, &[Role::Auditor])
            .await,
        police,
    }
}

pub(crate) fn draft(case_id: &str) -> Value {
    json!({
        "case_id": case_id,
        "requested_country": "TT",
        "legal_basis": "harare",
        "urgency": "urgent",
        "wanted_by": "2027-01-15",
        "summary_of_facts": "SMS phishing against customers of a Jamaican bank; the sending numbers belong to a Trinidadian carrier.",
        "offences": [{"offence": "Computer-related fraud (Cybercrimes Act 2015, s. 10)", "penalty": "up to 10 years"}],
        "data_sought": [{"provider": "TT Mobile Ltd", "identifier": "+1 868 555 0101",
                         "from": "2026-10-01T00:00:00-04:00", "to": "2026-10-31T23:59:59-04:00",
                         "time_zone": "America/Port_of_Spain"}]
    })
}

fn missing(body: &Value) -> Vec<&str> {
    body["missing_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn drafts_are_numbered_checked_for_their_basis_and_edited_with_if_match() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();

    let res = app.post("/api/v1/mla/requests", t, &draft(case_id)).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(res.body["reference"], format!("JM-MLA-{year}-000001"));
    assert_eq!(res.body["status"], "draft");
    assert_eq!(res.body["requesting_country"], "JM");
    assert_eq!(res.body["requesting_agency_id"], w.police);
    assert_eq!(res.body["urgency"], "urgent");
    assert_eq!(res.headers.get("etag").unwrap(), "\"v1\"");
    let id = res.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.headers.get("location").unwrap(),
        &format!("/api/v1/mla/requests/{id}")
    );
    // The Harare Scheme's essentials that the draft leaves empty.
    assert_eq!(
        missing(&res.body),
        [
            "proceedings",
            "assistance_types",
            "subjects",
            "confidentiality",
            "contacts"
        ]
    );

    let second = app.post("/api/v1/mla/requests", t, &draft(case_id)).await;
    assert_eq!(second.body["reference"], format!("JM-MLA-{year}-000002"));

    // Refused drafts take no number and store nothing.
    let mut bad = Vec::new();
    let mut with = |key: &str, value: Value| {
        let mut body = draft(case_id);
        body[key] = value;
        bad.push((key.to_owned(), body));
    };
    with("legal_basis", json!("budapest-29"));
    with("legal_basis", json!("no-such-basis"));
    with("requested_country", json!("JM"));
    with("requested_country", json!("ZZ"));
    with("wanted_by", json!("2027-02-30"));
    with(
        "requesting_agency_id",
        json!(uuid::Uuid::now_v7().to_string()),
    );
    with(
        "data_sought",
        json!([{"provider": "TT Mobile", "identifier": "x", "from": "2026-10-31T00:00:00Z", "to": "2026-10-01T00:00:00Z"}]),
    );
    with(
        "contacts",
        json!([{"name": "Det. Brown", "email": "not-an-address"}]),
    );
    for (key, body) in &bad {
        let res = app.post("/api/v1/mla/requests", t, body).await;
        res.assert_problem(422, "validation-failed");
        let fields: Vec<&str> = res.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.iter().any(|f| f.starts_with(key.as_str())),
            "{key}: {}",
            res.body
        );
    }
    let third = app.post("/api/v1/mla/requests", t, &draft(case_id)).await;
    assert_eq!(third.body["reference"], format!("JM-MLA-{year}-000003"));

    // Editing needs the version last read.
    let path = format!("/api/v1/mla/requests/{id}");
    let fill = json!({
        "proceedings": "Criminal investigation by the JCF Cybercrime Unit",
        "assistance_types": ["subscriber_information", "traffic_data"],
        "subjects": [{"name": "Unknown holder of +1 868 555 0101", "identifiers": ["+1 868 555 0101"]}],
        "confidentiality": "Do not notify the subscriber.",
        "contacts": [{"name": "Det. Sgt. Brown", "email": "brown@jcf.example", "office_hours": "Mon-Fri 08:30-16:30", "time_zone": "America/Jamaica"}]
    });
    app.patch(&path, t, &fill)
        .await
        .assert_problem(428, "precondition-required");
    app.request_with_headers("PATCH", &path, t, &[("If-Match", "\"v7\"")], Some(&fill))
        .await
        .assert_problem(412, "precondition-failed");
    let res = app
        .request_with_headers("PATCH", &path, t, &[("If-Match", "\"v1\"")], Some(&fill))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.headers.get("etag").unwrap(), "\"v2\"");
    assert!(missing(&res.body).is_empty(), "{}", res.body);
    // Fields not sent are kept.
    assert_eq!(res.body["urgency"], "urgent");
    assert_eq!(res.body["wanted_by"], "2027-01-15");
    assert_eq!(
        res.body["data_sought"][0]["time_zone"],
        "America/Port_of_Spain"
    );

    // Another basis asks for more: reciprocity needs a dual criminality statement.
    let res = app
        .request_with_headers(
            "PATCH",
            &path,
            t,
            &[("If-Match", "\"v2\"")],
            Some(&json!({"legal_basis": "reciprocity"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(missing(&res.body), ["dual_criminality"]);
    app.request_with_headers(
        "PATCH",
        &path,
        t,
        &[("If-Match", "\"v3\"")],
        Some(&json!({"legal_basis": "budapest-29"})),
    )
    .await
    .assert_problem(422, "validation-failed");
    let read = app.get(&path, t).await;
    assert_eq!(read.body["version"], 3);
    assert_eq!(read.body["legal_basis"], "reciprocity");

    // Audited: the draft, the changes, the reads.
    let entries = app.audit_entries();
    let of = |action: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["subject"]["id"] == id.as_str())
            .count()
    };
    assert_eq!(of("mla_request.create"), 1);
    // Two changes; a missing or stale version and invalid fields change nothing.
    assert_eq!(of("mla_request.update"), 2);
    assert_eq!(of("mla_request.read"), 1);
    let change = entries
        .iter()
        .find(|e| e["action"] == "mla_request.update" && e["outcome"] == "success")
        .unwrap();
    assert_eq!(
        change["details"]["fields"],
        json!([
            "proceedings",
            "assistance_types",
            "subjects",
            "confidentiality",
            "contacts"
        ])
    );
}

#[actix_web::test]
async fn a_request_is_seen_by_its_case_team_and_central_authorities_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let created = app
        .post(
            "/api/v1/mla/requests",
            t,
            &draft(case["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/mla/requests/{id}");
    let missing_path = format!("/api/v1/mla/requests/{}", uuid::Uuid::now_v7());

    let count = |page: &Value| page["items"].as_array().unwrap().len();
    let sees = [
        ("the case team", &w.investigator),
        ("JM's central authority", &w.jm_authority),
    ];
    for (who, caller) in sees {
        let res = app.get(&path, &caller.token).await;
        assert_eq!(res.status, 200, "{who}: {}", res.body);
        let list = app.get("/api/v1/mla/requests", &caller.token).await;
        assert_eq!(count(&list.body), 1, "{who}");
        let outgoing = app
            .get("/api/v1/mla/requests?direction=outgoing", &caller.token)
            .await;
        assert_eq!(count(&outgoing.body), 1, "{who}");
    }
    let blind = [
        ("TT's central authority before submission", &w.tt_authority),
        ("a TT investigator", &w.tt_supervisor),
        ("another JM police agency", &w.jm_other_police),
        ("a JM prosecutor not yet asked to approve", &w.jm_prosecutor),
        ("JM's administrator", &w.jm_admin),
        ("an auditor", &w.jm_auditor),
    ];
    for (who, caller) in blind {
        let res = app.get(&path, &caller.token).await;
        let nothing = app.get(&missing_path, &caller.token).await;
        res.assert_problem(404, "not-found");
        assert_eq!(res.body, nothing.body, "{who}: same as a missing request");
        app.request_with_headers(
            "PATCH",
            &path,
            &caller.token,
            &[("If-Match", "\"v1\"")],
            Some(&json!({"urgency": "normal"})),
        )
        .await
        .assert_problem(404, "not-found");
        let list = app.get("/api/v1/mla/requests", &caller.token).await;
        if list.status == 200 {
            assert_eq!(count(&list.body), 0, "{who}");
        } else {
            list.assert_problem(403, "forbidden");
        }
        let filtered = app
            .get(
                &format!(
                    "/api/v1/mla/requests?case_id={}",
                    case["id"].as_str().unwrap()
                ),
                &caller.token,
            )
            .await;
        if filtered.status == 200 {
            assert_eq!(count(&filtered.body), 0, "{who}");
        }
    }
    // Administrators and auditors have no access to requests at all.
    app.get("/api/v1/mla/requests", &w.jm_admin.token)
        .await
        .assert_problem(403, "forbidden");

    // JM's central authority sees the draft but does not edit it.
    app.request_with_headers(
        "PATCH",
        &path,
        &w.jm_authority.token,
        &[("If-Match", "\"v1\"")],
        Some(&json!({"urgency": "normal"})),
    )
    .await
    .assert_problem(403, "forbidden");

    // Drafting needs a case the caller's agency owns: another state's case is not
    // found; a case shared with the caller's agency is refused.
    let tt_case = app
        .create_case(&w.tt_supervisor.token, "Carrier fraud")
        .await;
    let tt_case_id = tt_case["id"].as_str().unwrap();
    let mut body = draft(tt_case_id);
    body["requested_country"] = json!("BB");
    app.post("/api/v1/mla/requests", t, &body)
        .await
        .assert_problem(404, "not-found");
    let shared = app
        .post(
            &format!("/api/v1/cases/{tt_case_id}/participants"),
            &w.tt_supervisor.token,
            &json!({"agency_id": w.police, "access": "contribute"}),
        )
        .await;
    assert_eq!(shared.status, 201, "{}", shared.body);
    app.post("/api/v1/mla/requests", t, &body)
        .await
        .assert_problem(403, "forbidden");

    // Once submitted, the requested state's central authority sees it, and the
    // draft's content is frozen.
    let now = if app.is_postgres() {
        "now()"
    } else {
        "CURRENT_TIMESTAMP"
    };
    app.exec(&format!(
        "UPDATE mla_requests SET status = 'submitted', submitted_at = {now} WHERE id = '{id}'"
    ))
    .unwrap();
    let res = app.get(&path, &w.tt_authority.token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let incoming = app
        .get(
            "/api/v1/mla/requests?direction=incoming",
            &w.tt_authority.token,
        )
        .await;
    assert_eq!(count(&incoming.body), 1);
    let outgoing = app
        .get(
            "/api/v1/mla/requests?direction=outgoing",
            &w.tt_authority.token,
        )
        .await;
    assert_eq!(count(&outgoing.body), 0);
    app.get(&path, &w.tt_supervisor.token)
        .await
        .assert_problem(404, "not-found");
    let res = app
        .request_with_headers(
            "PATCH",
            &path,
            t,
            &[("If-Match", "\"v2\"")],
            Some(&json!({"urgency": "normal"})),
        )
        .await;
    res.assert_problem(409, "conflict");
    // Opened by the requested central authority, it was delivered.
    assert!(
        res.body["detail"].as_str().unwrap().contains("delivered"),
        "{}",
        res.body
    );

    // Refused reads are recorded against the request, for its state's auditors.
    let denied = app
        .audit_entries()
        .into_iter()
        .filter(|e| {
            e["action"] == "mla_request.read"
                && e["outcome"] == "denied"
                && e["subject"]["id"] == id.as_str()
        })
        .count();
    assert_eq!(denied, 7);
}

pub(crate) fn complete(case_id: &str) -> Value {
    let mut body = draft(case_id);
    for (key, value) in [
        (
            "proceedings",
            json!("Criminal investigation by the JCF Cybercrime Unit"),
        ),
        ("assistance_types", json!(["subscriber_information"])),
        (
            "subjects",
            json!([{"name": "Unknown subscriber", "identifiers": ["+1 868 555 0101"]}]),
        ),
        ("confidentiality", json!("Do not notify the subscriber.")),
        (
            "contacts",
            json!([{"name": "Det. Sgt. Brown", "email": "brown@jcf.example"}]),
        ),
    ] {
        body[key] = value;
    }
    body
}

/// A request of a case shared with the DPP, drafted, completed (version 2) and
/// approved by the DPP's prosecutor.
struct Approved {
    id: String,
    path: String,
    events: String,
    /// The approval's entry hash.
    entry_hash: Value,
}

/// Shares the case with Jamaica's prosecution service (read access), as approval
/// needs.
async fn share_with_prosecution(app: &TestApp, w: &World, token: &str, case_id: &str) {
    let dpp = app.get("/api/v1/me", &w.jm_prosecutor.token).await.body["agency_id"].clone();
    let shared = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            token,
            &json!({"agency_id": dpp, "access": "read"}),
        )
        .await;
    assert_eq!(shared.status, 201, "{}", shared.body);
}

async fn approved_request(app: &TestApp, w: &World) -> Approved {
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let created = app.post("/api/v1/mla/requests", t, &draft(case_id)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/mla/requests/{id}");
    let events = format!("{path}/events");
    share_with_prosecution(app, w, t, case_id).await;
    let mut fill = complete(case_id);
    for key in ["case_id", "requested_country", "legal_basis"] {
        fill.as_object_mut().unwrap().remove(key);
    }
    let res = app
        .request_with_headers("PATCH", &path, t, &[("If-Match", "\"v1\"")], Some(&fill))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let approved = app
        .post(
            &events,
            &w.jm_prosecutor.token,
            &json!({"type": "approved"}),
        )
        .await;
    assert_eq!(approved.status, 201, "{}", approved.body);
    Approved {
        id,
        path,
        events,
        entry_hash: approved.body["entry_hash"].clone(),
    }
}

#[actix_web::test]
async fn a_draft_is_approved_only_by_a_prosecutor_it_was_shared_with_once_complete() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let created = app.post("/api/v1/mla/requests", t, &draft(case_id)).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/mla/requests/{id}/events");
    let path = format!("/api/v1/mla/requests/{id}");
    let approve = json!({"type": "approved", "note": "Reviewed against the Harare Scheme"});

    // The DPP sees nothing until the case is referred to it (shared with its agency).
    app.post(&events, &w.jm_prosecutor.token, &approve)
        .await
        .assert_problem(404, "not-found");
    share_with_prosecution(&app, &w, t, case_id).await;
    assert_eq!(app.get(&path, &w.jm_prosecutor.token).await.status, 200);
    let listed = app
        .get("/api/v1/mla/requests", &w.jm_prosecutor.token)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // Out of order, or by the wrong role: nothing is recorded.
    app.post(
        &events,
        &w.jm_authority.token,
        &json!({"type": "submitted"}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(&events, &w.jm_authority.token, &approve)
        .await
        .assert_problem(403, "forbidden");
    app.post(&events, &w.tt_authority.token, &approve)
        .await
        .assert_problem(404, "not-found");

    // An incomplete draft is not approved: every missing essential is named.
    let res = app.post(&events, &w.jm_prosecutor.token, &approve).await;
    res.assert_problem(422, "validation-failed");
    let named: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        [
            "proceedings",
            "assistance_types",
            "subjects",
            "confidentiality",
            "contacts"
        ]
    );
    let mut fill = complete(case_id);
    for key in ["case_id", "requested_country", "legal_basis"] {
        fill.as_object_mut().unwrap().remove(key);
    }
    let res = app
        .request_with_headers("PATCH", &path, t, &[("If-Match", "\"v1\"")], Some(&fill))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);

    let approved = app.post(&events, &w.jm_prosecutor.token, &approve).await;
    assert_eq!(approved.status, 201, "{}", approved.body);
    assert_eq!(approved.body["seq"], 0);
    assert_eq!(approved.body["type"], "approved");
    let entry = &approved.body["entry"];
    assert_eq!(entry["request_id"], id.as_str());
    assert!(entry["prev"].is_null());
    assert_eq!(entry["status_before"], "draft");
    assert_eq!(entry["actor"]["country"], "JM");
    assert!(entry.get("evidence_id").is_none());

    // The refusals are audited, naming the request.
    assert!(
        app.audit_entries()
            .iter()
            .any(|e| e["action"] == "mla_request.event"
                && e["subject"]["id"] == id.as_str()
                && e["outcome"] == "denied")
    );
}

#[actix_web::test]
async fn an_approved_request_is_frozen_submitted_and_delivered_each_step_a_leaf_of_the_log() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let Approved {
        path,
        events,
        entry_hash,
        ..
    } = approved_request(&app, &w).await;
    // Frozen once approved.
    app.request_with_headers(
        "PATCH",
        &path,
        t,
        &[("If-Match", "\"v3\"")],
        Some(&json!({"urgency": "normal"})),
    )
    .await
    .assert_problem(409, "conflict");
    app.get(&path, &w.tt_authority.token)
        .await
        .assert_problem(404, "not-found");

    let submitted = app
        .post(
            &events,
            &w.jm_authority.token,
            &json!({"type": "submitted"}),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    assert_eq!(submitted.body["seq"], 1);
    assert_eq!(submitted.body["entry"]["prev"], entry_hash);
    assert_eq!(submitted.body["entry"]["requested_country"], "TT");
    let sha = submitted.body["entry"]["content_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);

    // Now the requested state's central authority sees it and its history.
    let res = app.get(&path, &w.tt_authority.token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // Its first opening there is recorded by the service as the delivery.
    assert_eq!(res.body["status"], "delivered");
    assert_eq!(app.get(&path, t).await.body["status"], "delivered");
    assert_eq!(
        app.get(&path, &w.tt_authority.token).await.body["status"],
        "delivered"
    );
    let history = app.get(&events, &w.tt_authority.token).await;
    assert_eq!(history.status, 200, "{}", history.body);
    let types: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["approved", "submitted", "delivered"]);
    let delivered = &history.body[2]["entry"];
    assert_eq!(delivered["actor"], json!({"system": "caseledger/custody"}));
    assert_eq!(delivered["opened_by"]["country"], "TT");
    app.post(
        &events,
        &w.tt_authority.token,
        &json!({"type": "delivered"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(&events, &w.tt_supervisor.token)
        .await
        .assert_problem(404, "not-found");

    // Each entry is a leaf of the signed log, hashed as stored, and covered by the
    // published checkpoint.
    for e in history.body.as_array().unwrap() {
        let canonical = caseledger::jcs::to_string(&e["entry"]).unwrap();
        assert_eq!(
            caseledger::ledger::sha256_hex(canonical.as_bytes()),
            e["entry_hash"]
        );
        let index = e["log_index"].as_i64().unwrap();
        let checkpoint = app.get("/api/v1/log/checkpoint", t).await;
        let size: i64 = String::from_utf8(checkpoint.raw.clone())
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert!(index < size);
        let proof = app
            .get(
                &format!("/api/v1/log/proofs/inclusion?index={index}&tree_size={size}"),
                t,
            )
            .await;
        assert_eq!(proof.status, 200, "{}", proof.body);
    }
}

#[actix_web::test]
async fn withdrawal_needs_a_reason_ends_the_history_and_the_history_cannot_be_rewritten() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let Approved {
        id, path, events, ..
    } = approved_request(&app, &w).await;
    let submitted = app
        .post(
            &events,
            &w.jm_authority.token,
            &json!({"type": "submitted"}),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    // Opened by the requested state: delivered.
    assert_eq!(
        app.get(&path, &w.tt_authority.token).await.body["status"],
        "delivered"
    );
    // Withdrawal needs a reason; the case team may withdraw; then nothing follows.
    app.post(&events, t, &json!({"type": "withdrawn"}))
        .await
        .assert_problem(422, "validation-failed");
    let withdrawn = app
        .post(
            &events,
            t,
            &json!({"type": "withdrawn", "reason": "The subscriber was identified locally"}),
        )
        .await;
    assert_eq!(withdrawn.status, 201, "{}", withdrawn.body);
    assert_eq!(withdrawn.body["seq"], 3);
    let res = app
        .post(
            &events,
            &w.jm_authority.token,
            &json!({"type": "withdrawn", "reason": "again"}),
        )
        .await;
    res.assert_problem(409, "conflict");
    assert!(
        res.body["detail"].as_str().unwrap().contains("withdrawn"),
        "{}",
        res.body
    );

    // The history cannot be rewritten behind the service's back.
    app.assert_append_only(
        "request_entries",
        &format!("UPDATE request_entries SET entry_type = 'x' WHERE request_id = '{id}'"),
    );
    app.assert_append_only(
        "request_entries",
        &format!("DELETE FROM request_entries WHERE request_id = '{id}'"),
    );

    // Audited: four events recorded (the delivery too).
    let entries = app.audit_entries();
    let recorded: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "mla_request.event" && e["subject"]["id"] == id.as_str())
        .collect();
    assert_eq!(
        recorded
            .iter()
            .filter(|e| e["outcome"] == "success")
            .count(),
        4
    );
}

/// A JM request accepted by Trinidad and Tobago after the history the decision test
/// records: approved, submitted, acknowledged (with TT's reference), a question asked
/// and answered, postponed until February, accepted.
struct Accepted {
    id: String,
    path: String,
    events: String,
    case_id: String,
    /// The TT police agency, which execution is assigned to.
    tt_police: String,
}

async fn accepted_request(app: &TestApp, w: &World) -> Accepted {
    let t = w.investigator.token.as_str();
    let tt_police = app.get("/api/v1/me", &w.tt_supervisor.token).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let created = app
        .post("/api/v1/mla/requests", t, &complete(&case_id))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/mla/requests/{id}");
    let events = format!("{path}/events");
    share_with_prosecution(app, w, t, &case_id).await;
    let (jm, tt) = (&w.jm_authority.token, &w.tt_authority.token);
    for (token, body) in [
        (&w.jm_prosecutor.token, json!({"type": "approved"})),
        (jm, json!({"type": "submitted"})),
        (
            tt,
            json!({"type": "acknowledged", "their_reference": "AG-TT-2026-0413"}),
        ),
        (
            tt,
            json!({"type": "information_requested", "reason": "Which bank accounts received the funds?"}),
        ),
        (
            jm,
            json!({"type": "information_supplied", "reason": "Accounts 1001 and 1002 at First Bank"}),
        ),
        (
            tt,
            json!({"type": "postponed", "reason": "Parallel domestic investigation", "until": "2027-02-01"}),
        ),
        (tt, json!({"type": "accepted"})),
    ] {
        let res = app.post(&events, token, &body).await;
        assert_eq!(res.status, 201, "{body}: {}", res.body);
    }
    Accepted {
        id,
        path,
        events,
        case_id,
        tt_police,
    }
}

#[actix_web::test]
async fn only_the_requested_state_decides_and_the_requesting_state_answers_its_questions() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let created = app
        .post("/api/v1/mla/requests", t, &complete(case_id))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/mla/requests/{id}/events");
    let path = format!("/api/v1/mla/requests/{id}");
    let tt = w.tt_authority.token.as_str();
    let jm = w.jm_authority.token.as_str();

    // Referred to the DPP, whose prosecutor approves.
    share_with_prosecution(&app, &w, t, case_id).await;
    let step = |token: &str, body: Value| {
        let app = &app;
        let events = events.clone();
        let token = token.to_owned();
        async move { app.post(&events, &token, &body).await }
    };
    assert_eq!(
        step(&w.jm_prosecutor.token, json!({"type": "approved"}))
            .await
            .status,
        201
    );
    assert_eq!(step(jm, json!({"type": "submitted"})).await.status, 201);
    // Acknowledged straight from submitted (before anyone opened it), with TT's own
    // reference.
    let res = step(
        tt,
        json!({"type": "acknowledged", "their_reference": "AG-TT-2026-0413"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        app.get(&path, t).await.body["their_reference"],
        "AG-TT-2026-0413"
    );

    // Only the requested state decides; the requesting state answers questions.
    step(jm, json!({"type": "accepted"}))
        .await
        .assert_problem(403, "forbidden");
    step(tt, json!({"type": "information_requested"}))
        .await
        .assert_problem(422, "validation-failed");
    let asked = step(tt, json!({"type": "information_requested", "reason": "Which bank accounts received the funds?"})).await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    step(tt, json!({"type": "accepted"}))
        .await
        .assert_problem(409, "conflict");
    step(
        tt,
        json!({"type": "information_supplied", "reason": "here"}),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        step(jm, json!({"type": "information_supplied", "reason": "Accounts 1001 and 1002 at First Bank"})).await.status,
        201
    );
    assert_eq!(app.get(&path, tt).await.body["status"], "acknowledged");
    // The Harare Scheme sets no decision deadline to extend.
    step(
        tt,
        json!({"type": "decision_extended", "reason": "workload"}),
    )
    .await
    .assert_problem(409, "conflict");
    step(
        tt,
        json!({"type": "postponed", "reason": "Parallel domestic investigation"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(
        step(tt, json!({"type": "postponed", "reason": "Parallel domestic investigation", "until": "2027-02-01"})).await.status,
        201
    );
    assert_eq!(step(tt, json!({"type": "accepted"})).await.status, 201);
}

#[actix_web::test]
async fn an_executing_agency_of_the_requested_state_reports_execution_in_a_history_that_verifies() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let tt = w.tt_authority.token.as_str();
    let jm = w.jm_authority.token.as_str();
    let Accepted {
        id,
        path,
        events,
        case_id,
        tt_police,
    } = accepted_request(&app, &w).await;
    let step = |token: &str, body: Value| {
        let app = &app;
        let events = events.clone();
        let token = token.to_owned();
        async move { app.post(&events, &token, &body).await }
    };
    // Assigned to an agency of the requested state, which then sees the request
    // (not the case) and reports execution.
    step(
        tt,
        json!({"type": "assigned", "executing_agency_id": w.police}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.get(&path, &w.tt_supervisor.token)
        .await
        .assert_problem(404, "not-found");
    let res = step(
        tt,
        json!({"type": "assigned", "executing_agency_id": tt_police}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let seen = app.get(&path, &w.tt_supervisor.token).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["status"], "in_execution");
    assert_eq!(seen.body["executing_agency_id"], tt_police);
    let incoming = app
        .get(
            "/api/v1/mla/requests?direction=incoming",
            &w.tt_supervisor.token,
        )
        .await;
    assert_eq!(incoming.body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/cases/{case_id}"), &w.tt_supervisor.token)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        step(
            &w.tt_supervisor.token,
            json!({"type": "partially_executed", "note": "Subscriber data produced"})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        step(&w.tt_supervisor.token, json!({"type": "executed"}))
            .await
            .status,
        201
    );
    step(&w.tt_supervisor.token, json!({"type": "closed"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(step(jm, json!({"type": "closed"})).await.status, 201);
    step(t, json!({"type": "withdrawn", "reason": "too late"}))
        .await
        .assert_problem(409, "conflict");

    // The whole history, chained.
    let history = app.get(&events, t).await.body;
    let types: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "approved",
            "submitted",
            "acknowledged",
            "information_requested",
            "information_supplied",
            "postponed",
            "accepted",
            "assigned",
            "partially_executed",
            "executed",
            "closed"
        ]
    );
    for pair in history.as_array().unwrap().windows(2) {
        assert_eq!(pair[1]["entry"]["prev"], pair[0]["entry_hash"]);
        assert_eq!(
            pair[1]["seq"].as_i64().unwrap(),
            pair[0]["seq"].as_i64().unwrap() + 1
        );
    }
    assert_eq!(history[2]["entry"]["their_reference"], "AG-TT-2026-0413");

    // The history as a bundle: the offline verifier accepts it with the log's key,
    // and names what was altered in a copy that was.
    let bundle = app.get(&format!("{path}/bundle"), t).await;
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    assert_eq!(bundle.body["request_id"], id.as_str());
    assert_eq!(bundle.body["entries"].as_array().unwrap().len(), 11);
    let key = crate::custody::log_key(&app, t).await;
    let (code, out) = crate::custody::verify_offline(&app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("VERIFIED: The request's history is complete and unaltered"),
        "{out}"
    );
    assert!(out.contains(&format!("Request {id}")), "{out}");
    let mut altered = bundle.body.clone();
    altered["entries"][6]["entry"]["status_after"] = json!("refused");
    let (code, out) = crate::custody::verify_offline(&app, &altered, &key).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("NOT VERIFIED"), "{out}");
    let mut dropped = bundle.body.clone();
    dropped["entries"].as_array_mut().unwrap().remove(3);
    let (code, _) = crate::custody::verify_offline(&app, &dropped, &key).await;
    assert_eq!(code, 1);
    app.get(&format!("{path}/bundle"), &w.jm_other_police.token)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(history[5]["entry"]["until"], "2027-02-01");
    assert_eq!(
        history[7]["entry"]["executing_agency_id"],
        tt_police.as_str()
    );
}

#[actix_web::test]
async fn deadlines_follow_the_basis_and_the_history_for_those_who_see_the_request() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let w = world(&app).await;
    let t = w.investigator.token.as_str();
    let basis = json!({
        "name": "Treaty with deadlines",
        "request_types": ["mla"],
        "required_fields": ["summary_of_facts"],
        "deadlines": {"acknowledge_days": 7, "decide_days": 30, "execute_days": 90}
    });
    let res = app
        .send_json(
            "PUT",
            "/api/v1/legal-bases/treaty-x",
            Some(&regional.token),
            &basis,
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let mut body = draft(case_id);
    body["legal_basis"] = json!("treaty-x");
    body["wanted_by"] = json!("2099-01-01");
    let id = app.post("/api/v1/mla/requests", t, &body).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/mla/requests/{id}");
    let events = format!("/api/v1/mla/requests/{id}/events");
    share_with_prosecution(&app, &w, t, case_id).await;
    assert_eq!(
        app.post(
            &events,
            &w.jm_prosecutor.token,
            &json!({"type": "approved"})
        )
        .await
        .status,
        201
    );
    let submitted = app
        .post(
            &events,
            &w.jm_authority.token,
            &json!({"type": "submitted"}),
        )
        .await;
    assert_eq!(submitted.status, 201);
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let submitted_at = at(&submitted.body["at"]);

    // A week to acknowledge, from submission.
    let read = app.get(&path, t).await;
    assert_eq!(
        at(&read.body["acknowledge_by"]),
        submitted_at + chrono::Duration::days(7)
    );
    assert!(read.body["decide_by"].is_null());

    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let res = app.get(&format!("/api/v1/deadlines{query}"), &token).await;
            assert_eq!(res.status, 200, "{query}: {}", res.body);
            res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["deadline"].as_str().unwrap().to_owned(),
                        d["direction"].as_str().unwrap().to_owned(),
                        d["overdue"].as_bool().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let jm = w.jm_authority.token.clone();
    let ack = ("acknowledge".to_owned(), "outgoing".to_owned(), false);
    assert_eq!(
        list(jm.clone(), "?within=P8D").await,
        std::slice::from_ref(&ack)
    );
    // The default window is a week from now, and the week began at submission.
    assert_eq!(list(jm.clone(), "").await, std::slice::from_ref(&ack));
    assert!(list(jm.clone(), "?within=P1D").await.is_empty());
    assert!(
        list(jm.clone(), "?within=P8D&overdue=true")
            .await
            .is_empty()
    );
    assert!(
        list(jm.clone(), "?within=P8D&direction=incoming")
            .await
            .is_empty()
    );
    // The wanted-by date far ahead falls outside any window up to a year.
    assert_eq!(list(jm.clone(), "?within=P52W").await.len(), 1);
    // Not for those who do not see the request.
    assert!(
        list(w.tt_supervisor.token.clone(), "?within=P8D")
            .await
            .is_empty()
    );
    assert!(
        list(w.jm_other_police.token.clone(), "?within=P8D")
            .await
            .is_empty()
    );
    app.get("/api/v1/deadlines", &w.jm_admin.token)
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/deadlines?within=P1M", &jm)
        .await
        .assert_problem(422, "validation-failed");

    // The requested state sees it as incoming once it reached it.
    app.get(&path, &w.tt_authority.token).await;
    let tt = w.tt_authority.token.clone();
    assert_eq!(
        list(tt.clone(), "?within=P8D").await,
        [("acknowledge".to_owned(), "incoming".to_owned(), false)]
    );

    // Acknowledged: the decision's 30 days run instead.
    let acked = app
        .post(&events, &tt, &json!({"type": "acknowledged"}))
        .await;
    assert_eq!(acked.status, 201);
    let read = app.get(&path, t).await;
    assert!(read.body["acknowledge_by"].is_null());
    assert_eq!(
        at(&read.body["decide_by"]),
        at(&acked.body["at"]) + chrono::Duration::days(30)
    );
    assert!(list(tt.clone(), "?within=P8D").await.is_empty());
    assert_eq!(
        list(tt.clone(), "?within=P31D").await,
        [("decide".to_owned(), "incoming".to_owned(), false)]
    );
    // Asking for information pauses the decision's clock.
    let done = app
        .post(
            &events,
            &tt,
            &json!({"type": "information_requested", "reason": "Which accounts?"}),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.body);
    assert!(app.get(&path, t).await.body["decide_by"].is_null());
    assert!(list(tt.clone(), "?within=P31D").await.is_empty());

    // Overdue: what is past due comes first and says so.
    app.exec(&format!(
        "UPDATE mla_requests SET decide_by = '2026-01-01 00:00:00' WHERE id = '{id}'"
    ))
    .unwrap();
    assert_eq!(
        list(tt.clone(), "?overdue=true").await,
        [("decide".to_owned(), "incoming".to_owned(), true)]
    );
}
