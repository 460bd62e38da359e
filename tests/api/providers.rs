//! The directory of service providers (`/api/v1/providers`): kept by the
//! administrators of the state where a provider is established and by regional
//! administrators, read by the region's officials; a provider's liaisons see their
//! own provider and nothing else of the service.

use crate::common::{Caller, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};
use std::collections::HashSet;

fn provider(name: &str, kind: &str, country: &str, accepts: &[&str]) -> Value {
    json!({
        "name": name,
        "provider_kind": kind,
        "country": country,
        "legal_contact": {"name": "Law Enforcement Liaison", "email": "lea@example.tt",
                          "office_hours": "Mon-Fri 08:00-16:00", "time_zone": "America/Port_of_Spain"},
        "emergency_contact": {"name": "Network Operations Centre", "phone": "+1 868 555 0100",
                              "email": "noc@example.tt", "time_zone": "America/Port_of_Spain"},
        "accepts": accepts,
    })
}

fn fields(res: &crate::common::Response) -> HashSet<String> {
    res.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", res.body))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(res: &crate::common::Response) -> HashSet<String> {
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

struct Directory {
    app: TestApp,
    regional: Caller,
    tt_admin: Caller,
    jm_admin: Caller,
    digicel: String,
    tstt: String,
}

/// A regional administrator registers a TT mobile operator; TT's administrator a TT ISP.
async fn directory() -> Directory {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let tt_ministry = app.agency("TT", "Ministry of National Security", AgencyKind::Other);
    let jm_ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let tt_admin = app
        .user_caller("tt.admin2", &tt_ministry, &[Role::Admin])
        .await;
    let jm_admin = app
        .user_caller("jm.admin", &jm_ministry, &[Role::Admin])
        .await;
    let res = app
        .post(
            "/api/v1/providers",
            &regional.token,
            &provider(
                "Digicel Trinidad",
                "telecom",
                "TT",
                &[
                    "subscriber_information",
                    "traffic_data",
                    "emergency_disclosure",
                ],
            ),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["provider_kind"], "telecom");
    assert_eq!(res.body["country"], "TT");
    assert_eq!(res.body["emergency_contact"]["phone"], "+1 868 555 0100");
    let digicel = res.body["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            "/api/v1/providers",
            &tt_admin.token,
            &provider("TSTT Broadband", "isp", "TT", &["subscriber_information"]),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let tstt = res.body["id"].as_str().unwrap().to_owned();
    Directory {
        app,
        regional,
        tt_admin,
        jm_admin,
        digicel,
        tstt,
    }
}

#[actix_web::test]
async fn the_states_and_regional_administrators_keep_the_directory_of_providers() {
    let d = directory().await;
    let app = &d.app;
    // A provider is an agency of kind `provider` in its state.
    let agency = app
        .get(
            &format!("/api/v1/agencies/{}", d.digicel),
            &d.tt_admin.token,
        )
        .await;
    assert_eq!(agency.body["kind"], "provider", "{}", agency.body);
    assert_eq!(agency.body["name"], "Digicel Trinidad");
    // ...registered here only, with what a provider has.
    app.post(
        "/api/v1/agencies",
        &d.regional.token,
        &json!({"country": "TT", "name": "Bmobile", "kind": "provider"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    // Another state's administrator registers none.
    app.post(
        "/api/v1/providers",
        &d.jm_admin.token,
        &provider("Flow Trinidad", "telecom", "TT", &[]),
    )
    .await
    .assert_problem(403, "forbidden");
    // Every mistake at once.
    let mut bad = provider("  ", "telecom", "TT", &["traffic_data", "traffic_data"]);
    bad["legal_contact"]["email"] = json!("not-an-address");
    bad["emergency_contact"]["time_zone"] = json!("Trinidad/Port_of_Spain");
    bad["emergency_contact"]["phone"] = Value::Null;
    let res = app.post("/api/v1/providers", &d.regional.token, &bad).await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(
        fields(&res),
        HashSet::from(
            [
                "name",
                "legal_contact.email",
                "emergency_contact.time_zone",
                "emergency_contact.phone",
                "accepts"
            ]
            .map(String::from)
        )
    );
    let res = app
        .post(
            "/api/v1/providers",
            &d.regional.token,
            &provider("Flow", "cable", "XX", &[]),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    app.post(
        "/api/v1/providers",
        &d.regional.token,
        &provider("Digicel Trinidad", "telecom", "TT", &[]),
    )
    .await
    .assert_problem(409, "conflict");

    // The region's officials read the directory, filtered.
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let all = ids(&app.get("/api/v1/providers?country=TT", &inv.token).await);
    assert_eq!(all, HashSet::from([d.digicel.clone(), d.tstt.clone()]));
    let emergencies = ids(&app
        .get("/api/v1/providers?accepts=emergency_disclosure", &inv.token)
        .await);
    assert_eq!(emergencies, HashSet::from([d.digicel.clone()]));
    let isps = ids(&app
        .get("/api/v1/providers?provider_kind=isp", &inv.token)
        .await);
    assert_eq!(isps, HashSet::from([d.tstt.clone()]));
    assert!(ids(&app.get("/api/v1/providers?country=JM", &inv.token).await).is_empty());
    app.get("/api/v1/providers?accepts=everything", &inv.token)
        .await
        .assert_problem(422, "validation-failed");

    // TT's administrator changes its contacts and the orders it takes; JM's cannot.
    let path = format!("/api/v1/providers/{}", d.tstt);
    let change = json!({"accepts": ["subscriber_information", "preservation"],
                        "emergency_contact": {"name": "On call", "phone": "+1 868 555 0199",
                                              "time_zone": "America/Port_of_Spain"}});
    app.patch(&path, &d.jm_admin.token, &change)
        .await
        .assert_problem(403, "forbidden");
    let res = app.patch(&path, &d.tt_admin.token, &change).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body["accepts"],
        json!(["subscriber_information", "preservation"])
    );
    assert_eq!(res.body["emergency_contact"]["name"], "On call");
    assert_eq!(res.body["legal_contact"]["email"], "lea@example.tt");
    let read = app.get(&path, &inv.token).await;
    assert_eq!(read.body, res.body);
    app.patch(
        &path,
        &d.tt_admin.token,
        &json!({"emergency_contact": {"name": "On call"}}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.patch(
        &format!("/api/v1/providers/{}", jm),
        &d.regional.token,
        &json!({"name": "Not a provider"}),
    )
    .await
    .assert_problem(404, "not-found");

    // Each registration and change is in the audit trail.
    let actions: Vec<(String, String)> = app
        .audit_entries()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("provider."))
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("provider.create", "success"),
        ("provider.create", "denied"),
        ("provider.update", "success"),
        ("provider.update", "denied"),
    ] {
        assert!(
            actions.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {actions:?}"
        );
    }
}

#[actix_web::test]
async fn a_providers_liaisons_see_their_own_provider_and_nothing_else() {
    let d = directory().await;
    let app = &d.app;
    // Liaisons are made in a provider's agency, and only there.
    let liaison = |username: &str, agency: &str, roles: &[&str]| {
        json!({"username": username, "display_name": "Liaison", "agency_id": agency,
               "roles": roles, "password": "a-first-password-77"})
    };
    let res = app
        .post(
            "/api/v1/users",
            &d.tt_admin.token,
            &liaison("tt.digicel.lea", &d.digicel, &["provider_liaison"]),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    for (agency, roles) in [
        (d.digicel.as_str(), &["investigator"][..]),
        (d.digicel.as_str(), &["provider_liaison", "auditor"][..]),
    ] {
        let res = app
            .post(
                "/api/v1/users",
                &d.tt_admin.token,
                &liaison("tt.digicel.other", agency, roles),
            )
            .await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(fields(&res), HashSet::from(["roles".to_owned()]));
    }
    let tt_police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let res = app
        .post(
            "/api/v1/users",
            &d.tt_admin.token,
            &liaison("tt.police.lea", &tt_police, &["provider_liaison"]),
        )
        .await;
    res.assert_problem(422, "validation-failed");

    let digicel = app
        .user_caller("tt.digicel.noc", &d.digicel, &[Role::ProviderLiaison])
        .await;
    let tstt = app
        .user_caller("tt.tstt.lea", &d.tstt, &[Role::ProviderLiaison])
        .await;
    for (caller, own, other) in [
        (&digicel, &d.digicel, &d.tstt),
        (&tstt, &d.tstt, &d.digicel),
    ] {
        assert_eq!(
            ids(&app.get("/api/v1/providers", &caller.token).await),
            HashSet::from([own.clone()])
        );
        assert_eq!(
            ids(&app
                .get("/api/v1/providers?country=TT&limit=1", &caller.token)
                .await),
            HashSet::from([own.clone()])
        );
        let res = app
            .get(&format!("/api/v1/providers/{own}"), &caller.token)
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        app.get(&format!("/api/v1/providers/{other}"), &caller.token)
            .await
            .assert_problem(404, "not-found");
        // Nor can they change their own entry: their state keeps it.
        app.patch(
            &format!("/api/v1/providers/{own}"),
            &caller.token,
            &json!({"accepts": []}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.patch(
            &format!("/api/v1/providers/{other}"),
            &caller.token,
            &json!({"accepts": []}),
        )
        .await
        .assert_problem(404, "not-found");
        // The directory of agencies shows them their own agency alone.
        assert_eq!(
            ids(&app.get("/api/v1/agencies?limit=200", &caller.token).await),
            HashSet::from([own.clone()])
        );
        app.get(&format!("/api/v1/agencies/{tt_police}"), &caller.token)
            .await
            .assert_problem(404, "not-found");
        app.get(&format!("/api/v1/agencies/{other}"), &caller.token)
            .await
            .assert_problem(404, "not-found");
    }

    // Cases are no business of a provider's: it cannot be made a party to one, and a
    // liaison sees none.
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app
        .user_caller("jm.inv", &jm, &[Role::Investigator, Role::Supervisor])
        .await;
    let case = app.create_case(&inv.token, "SIM swap fraud").await;
    let id = case["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/cases/{id}/participants"),
        &inv.token,
        &json!({"agency_id": d.digicel, "access": "read"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.get(&format!("/api/v1/cases/{id}"), &digicel.token)
        .await
        .assert_problem(404, "not-found");
    let cases = app.get("/api/v1/cases", &digicel.token).await;
    if cases.status == 200 {
        assert!(cases.body["items"].as_array().unwrap().is_empty());
    } else {
        cases.assert_problem(403, "forbidden");
    }
}
