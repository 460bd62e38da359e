//! Administrative endpoints for every role, in the caller's own country and abroad.

use crate::common::TestApp;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};
use std::collections::HashSet;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Power {
    Regional,
    Country,
    None,
}

fn power(role: Role) -> Power {
    match role {
        Role::RegionalAdmin => Power::Regional,
        Role::Admin => Power::Country,
        _ => Power::None,
    }
}

#[actix_web::test]
async fn admin_endpoints_by_role_and_country() {
    let app = TestApp::spawn().await;
    let home = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let abroad = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let home_target = app.user("jm.target", &home, &[Role::Investigator]);
    let abroad_target = app.user("bb.target", &abroad, &[Role::Investigator]);
    let missing = "01990000-0000-7000-8000-00000000dead";

    for (i, role) in Role::ALL.into_iter().enumerate() {
        let who = format!("{role}");
        let caller = app
            .user_caller(&format!("jm.caller.{i}"), &home, &[role])
            .await;
        let t = caller.token.as_str();
        let p = power(role);
        let expect = |res: &crate::common::Response, ok: u16, what: &str| {
            assert_eq!(res.status.as_u16(), ok, "{who}: {what}: {}", res.body);
            if ok >= 400 {
                assert_eq!(
                    res.content_type(),
                    "application/problem+json",
                    "{who}: {what}"
                );
            }
        };

        // Directory reads: every user.
        expect(
            &app.get("/api/v1/countries", t).await,
            200,
            "list countries",
        );
        expect(&app.get("/api/v1/agencies", t).await, 200, "list agencies");
        expect(
            &app.get(&format!("/api/v1/agencies/{abroad}"), t).await,
            200,
            "read foreign agency",
        );

        // Countries: regional administrators only.
        let code = format!("Q{}", (b'A' + i as u8) as char);
        let res = app
            .post("/api/v1/countries", t, &json!({"code": code, "name": format!("Test state {i}"), "membership": "non_member", "official_languages": ["en"]}))
            .await;
        expect(
            &res,
            if p == Power::Regional { 201 } else { 403 },
            "create country",
        );

        // Agencies: administrators at home, regional administrators anywhere.
        let res = app
            .post(
                "/api/v1/agencies",
                t,
                &json!({"country": "JM", "name": format!("Unit {i}"), "kind": "cert"}),
            )
            .await;
        expect(
            &res,
            if p == Power::None { 403 } else { 201 },
            "create agency at home",
        );
        let res = app
            .post(
                "/api/v1/agencies",
                t,
                &json!({"country": "BB", "name": format!("Unit {i}"), "kind": "cert"}),
            )
            .await;
        expect(
            &res,
            if p == Power::Regional { 201 } else { 403 },
            "create agency abroad",
        );

        // User list: administrators, limited to their country.
        let res = app.get("/api/v1/users?limit=200", t).await;
        expect(&res, if p == Power::None { 403 } else { 200 }, "list users");
        if p != Power::None {
            let ids: HashSet<&str> = res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap())
                .collect();
            assert!(ids.contains(home_target.as_str()), "{who}");
            assert_eq!(
                ids.contains(abroad_target.as_str()),
                p == Power::Regional,
                "{who}"
            );
            for u in res.body["items"].as_array().unwrap() {
                if p == Power::Country {
                    assert_eq!(u["country"], "JM", "{who}");
                }
                assert!(u.get("password_hash").is_none());
            }
        }

        // User creation.
        let new_user = |agency: &str, cc: &str| json!({"username": format!("{cc}.new.{i}"), "display_name": "New", "agency_id": agency, "roles": ["investigator"], "password": "a-first-password-77"});
        let res = app.post("/api/v1/users", t, &new_user(&home, "jm")).await;
        expect(
            &res,
            if p == Power::None { 403 } else { 201 },
            "create user at home",
        );
        if res.status == 201 {
            assert_eq!(res.body["must_change_password"], true);
            assert_eq!(res.body["country"], "JM");
        }
        let res = app.post("/api/v1/users", t, &new_user(&abroad, "bb")).await;
        expect(
            &res,
            if p == Power::Regional { 201 } else { 403 },
            "create user abroad",
        );

        // Reading, changing and unlocking one user: invisible users are 404.
        let sees_home = p != Power::None;
        let sees_abroad = p == Power::Regional;
        let code = |visible: bool, ok: u16| if visible { ok } else { 404 };
        for (target, visible, place) in [
            (&home_target, sees_home, "home"),
            (&abroad_target, sees_abroad, "abroad"),
        ] {
            expect(
                &app.get(&format!("/api/v1/users/{target}"), t).await,
                code(visible, 200),
                &format!("read user {place}"),
            );
            let res = app
                .patch(
                    &format!("/api/v1/users/{target}"),
                    t,
                    &json!({"display_name": format!("Renamed by {who}")}),
                )
                .await;
            expect(&res, code(visible, 200), &format!("patch user {place}"));
            let res = app
                .request(
                    "POST",
                    &format!("/api/v1/users/{target}/unlock"),
                    Some(t),
                    None,
                    None,
                )
                .await;
            expect(&res, code(visible, 204), &format!("unlock user {place}"));
        }
        // An invisible user and a missing one answer byte for byte the same.
        if !sees_abroad {
            let hidden = app.get(&format!("/api/v1/users/{abroad_target}"), t).await;
            let absent = app.get(&format!("/api/v1/users/{missing}"), t).await;
            assert_eq!(hidden.raw, absent.raw, "{who}");
        }

        // Oneself: readable by all, editable only by administrators, never one's own roles.
        expect(
            &app.get(&format!("/api/v1/users/{}", caller.id), t).await,
            200,
            "read self",
        );
        let res = app
            .patch(
                &format!("/api/v1/users/{}", caller.id),
                t,
                &json!({"display_name": "Me"}),
            )
            .await;
        expect(
            &res,
            if p == Power::None { 403 } else { 200 },
            "rename self",
        );
        let res = app
            .patch(
                &format!("/api/v1/users/{}", caller.id),
                t,
                &json!({"roles": ["regional_admin"]}),
            )
            .await;
        expect(&res, 403, "change own roles");
    }
}

#[actix_web::test]
async fn country_admins_cannot_reach_regional_administration() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let home = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let admin = app.user_caller("jm.admin", &home, &[Role::Admin]).await;
    let target = app.user("jm.target", &home, &[Role::Investigator]);
    let jm_regional = app.user("jm.regional", &home, &[Role::RegionalAdmin]);

    let res = app
        .patch(
            &format!("/api/v1/users/{target}"),
            &admin.token,
            &json!({"roles": ["regional_admin"]}),
        )
        .await;
    res.assert_problem(403, "forbidden");
    let res = app
        .patch(
            &format!("/api/v1/users/{jm_regional}"),
            &admin.token,
            &json!({"status": "disabled"}),
        )
        .await;
    res.assert_problem(403, "forbidden");
    let res = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"username": "jm.sneaky", "display_name": "S", "agency_id": home, "roles": ["regional_admin"], "password": "a-first-password-77"}),
        )
        .await;
    res.assert_problem(403, "forbidden");

    // The regional administrator can do all three.
    let res = app
        .patch(
            &format!("/api/v1/users/{target}"),
            &regional.token,
            &json!({"roles": ["regional_admin", "auditor"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["roles"], json!(["auditor", "regional_admin"]));
}

#[actix_web::test]
async fn user_creation_validates_and_refuses_duplicates() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let home = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let body = json!({"username": "jm.new", "display_name": "New", "agency_id": home, "roles": ["investigator"], "password": "a-first-password-77"});
    assert_eq!(
        app.post("/api/v1/users", &regional.token, &body)
            .await
            .status,
        201
    );
    let mut dup = body.clone();
    dup["username"] = json!("JM.New");
    let res = app.post("/api/v1/users", &regional.token, &dup).await;
    res.assert_problem(409, "conflict");
    let text = String::from_utf8_lossy(&res.raw).to_lowercase();
    assert!(
        !text.contains("unique") && !text.contains("constraint") && !text.contains("duplicate key"),
        "{text}"
    );

    let res = app
        .post(
            "/api/v1/users",
            &regional.token,
            &json!({"username": "x", "display_name": "", "agency_id": "01990000-0000-7000-8000-000000000000", "roles": [], "password": "password"}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    let fields: HashSet<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    // The body's form first, every member at once...
    assert_eq!(fields, HashSet::from(["username", "display_name", "roles"]));
    // ...then, once it has the right form, every rule of the domain at once.
    let res = app
        .post(
            "/api/v1/users",
            &regional.token,
            &json!({"username": "xx.someone", "display_name": "X", "agency_id": "01990000-0000-7000-8000-000000000000", "roles": ["auditor"], "password": "password"}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    let fields: HashSet<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, HashSet::from(["password", "agency_id"]));

    let res = app
        .post(
            "/api/v1/users",
            &regional.token,
            &json!({"username": "jm.other", "display_name": "O", "agency_id": "01990000-0000-7000-8000-000000000000", "roles": ["auditor"], "password": "a-first-password-77"}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "agency_id");

    let res = app
        .post("/api/v1/users", &regional.token, &json!({"username": "jm.x", "display_name": "X", "agency_id": home, "roles": ["chief"], "password": "a-first-password-77"}))
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "roles[0]");

    // The new user must change the initial password before doing anything else.
    let first = app.login("jm.new", "a-first-password-77").await;
    assert_eq!(first.body["password_change_required"], true);
    app.get(
        "/api/v1/countries",
        first.body["access_token"].as_str().unwrap(),
    )
    .await
    .assert_problem(403, "password-change-required");
}

#[actix_web::test]
async fn countries_and_agencies() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let t = regional.token.as_str();

    // The seed: every CARICOM member and associate state, in code order, paged.
    let mut codes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/countries?limit=7&cursor={c}"),
            None => "/api/v1/countries?limit=7".to_owned(),
        };
        let res = app.get(&path, t).await;
        assert_eq!(res.status, 200);
        for c in res.body["items"].as_array().unwrap() {
            codes.push(c["code"].as_str().unwrap().to_owned());
        }
        match res.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let csv = include_str!("../../src/reference/caricom-states.csv");
    let mut expected: Vec<String> = csv.lines().skip(1).map(|l| l[..2].to_owned()).collect();
    expected.sort();
    assert_eq!(codes, expected);
    let haiti = app.get("/api/v1/countries?limit=200", t).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "HT")
        .cloned()
        .unwrap();
    assert_eq!(
        haiti,
        json!({"code": "HT", "name": "Haiti", "membership": "member", "official_languages": ["fr", "ht"],
               "order_notice_required": false})
    );

    // A state outside the region.
    let us = json!({"code": "US", "name": "United States", "membership": "non_member", "official_languages": ["en"]});
    let res = app.post("/api/v1/countries", t, &us).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let mut added = us.clone();
    added["order_notice_required"] = json!(false);
    assert_eq!(res.body, added);
    app.post("/api/v1/countries", t, &us)
        .await
        .assert_problem(409, "conflict");
    let res = app
        .post(
            "/api/v1/countries",
            t,
            &json!({"code": "usa", "name": "", "membership": "member", "official_languages": []}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 3);

    // Whether a state requires notice of its providers' orders (art. 7(5)(a)) is set
    // by regional administrators and that state's own administrators, audited.
    let notice = json!({"order_notice_required": true});
    let res = app.patch("/api/v1/countries/US", t, &notice).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["order_notice_required"], true);
    app.patch("/api/v1/countries/ZZ", t, &notice)
        .await
        .assert_problem(404, "not-found");
    app.patch(
        "/api/v1/countries/US",
        t,
        &json!({"order_notice_required": "yes"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let jm_ministry = app.agency("JM", "Ministry of Justice", AgencyKind::Other);
    let jm_admin = app
        .user_caller("jm.admin", &jm_ministry, &[Role::Admin])
        .await;
    let res = app
        .patch("/api/v1/countries/JM", &jm_admin.token, &notice)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    app.patch(
        "/api/v1/countries/US",
        &jm_admin.token,
        &json!({"order_notice_required": false}),
    )
    .await
    .assert_problem(403, "forbidden");
    let changes: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "country.update")
        .collect();
    let outcomes: Vec<&str> = changes
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["success", "denied", "success", "denied"]);
    assert_eq!(changes[0]["details"]["order_notice_required"], true);

    // Agencies of a country, including the new one.
    let res = app
        .post(
            "/api/v1/agencies",
            t,
            &json!({"country": "US", "name": "FBI Cyber Division", "kind": "police"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let fbi = res.body["id"].as_str().unwrap().to_owned();
    assert_eq!(res.body["country"], "US");
    assert_eq!(res.body["kind"], "police");
    app.post(
        "/api/v1/agencies",
        t,
        &json!({"country": "US", "name": "FBI Cyber Division", "kind": "police"}),
    )
    .await
    .assert_problem(409, "conflict");
    let res = app
        .post(
            "/api/v1/agencies",
            t,
            &json!({"country": "ZZ", "name": "Nowhere", "kind": "police"}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "country");
    let res = app.get("/api/v1/agencies?country=US", t).await;
    let items: Vec<Value> = res.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], fbi);
    assert_eq!(
        app.get(&format!("/api/v1/agencies/{fbi}"), t).await.body["name"],
        "FBI Cyber Division"
    );
    app.get("/api/v1/agencies/01990000-0000-7000-8000-000000000000", t)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn user_lists_page_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let home = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let mut expected: HashSet<String> = (0..9)
        .map(|i| app.user(&format!("jm.paged.{i}"), &home, &[Role::Investigator]))
        .collect();
    expected.insert(regional.id.clone());
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=2".to_owned();
    loop {
        let res = app.get(&path, &regional.token).await;
        assert_eq!(res.status, 200);
        assert!(res.body["items"].as_array().unwrap().len() <= 2);
        seen.extend(
            res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
        match res.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/users?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), expected);
    let res = app
        .get(&format!("/api/v1/users?agency_id={home}"), &regional.token)
        .await;
    assert_eq!(res.body["items"].as_array().unwrap().len(), 9);
}

#[actix_web::test]
async fn a_username_clash_never_names_a_user_of_another_country() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let tt = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let tt_admin = app.user_caller("tt.admin2", &tt, &[Role::Admin]).await;
    let jm_user = app.user("jm.inv", &jm, &[Role::Investigator]);
    let tt_user = app.user("tt.inv", &tt, &[Role::Investigator]);
    let body = |username: &str, agency: &str| json!({"username": username, "display_name": "N", "agency_id": agency, "roles": ["investigator"], "password": "a-first-password-77"});
    // A TT administrator can only name users `tt.…`: a Jamaican username is refused
    // for its form, whether or not it exists.
    for username in ["jm.inv", "jm.nobody", "inv"] {
        let res = app
            .post("/api/v1/users", &tt_admin.token, &body(username, &tt))
            .await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], "username");
        assert!(
            res.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("tt.")
        );
    }
    // A clash inside the administrator's own namespace names a user they manage.
    let res = app
        .post("/api/v1/users", &tt_admin.token, &body("tt.inv", &tt))
        .await;
    res.assert_problem(409, "conflict");
    let visible = app
        .get(&format!("/api/v1/users/{tt_user}"), &tt_admin.token)
        .await;
    assert_eq!(visible.status, 200);
    app.get(&format!("/api/v1/users/{jm_user}"), &tt_admin.token)
        .await
        .assert_problem(404, "not-found");
    // The regional administrator sees every country, and every clash.
    let res = app
        .post("/api/v1/users", &regional.token, &body("jm.inv", &jm))
        .await;
    res.assert_problem(409, "conflict");
}
