//! Mutual legal assistance: the legal bases requests rest on.

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
            "budapest-30",
            "budapest-31",
            "caricom-2005",
            "harare",
            "reciprocity"
        ]
    );

    // Paged like every list, without gaps or repeats.
    let first = app.get("/api/v1/legal-bases?limit=4", t).await;
    assert_eq!(codes(&first.body).len(), 4);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/legal-bases?limit=4&cursor={cursor}"), t)
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
    assert_eq!(outcomes.iter().filter(|o| **o == "success").count(), 2);
    assert!(outcomes.contains(&"denied"), "{outcomes:?}");
    let changes: Vec<&str> = defines
        .iter()
        .filter(|e| e["outcome"] == "success")
        .map(|e| e["details"]["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["defined", "replaced"]);
    for e in &defines {
        assert_eq!(e["subject"]["id"], "eu-eio", "{e}");
        assert_eq!(e["subject"]["type"], "legal_basis", "{e}");
    }
}
