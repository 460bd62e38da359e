//! Who sees and writes evidence, by role, agency and country: what one may not see
//! answers exactly like what does not exist.

use super::*;

#[actix_web::test]
async fn evidence_endpoints_by_role_and_agency() {
    let w = world().await;
    let app = &w.app;
    let reader = app.agency("JM", "JM Office of the DPP", AgencyKind::Prosecution);
    let helper = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let stranger = app.agency("GY", "Guyana Police Force", AgencyKind::Police);
    for (agency, access) in [(&reader, "read"), (&helper, "contribute")] {
        let res = app
            .post(
                &format!("/api/v1/cases/{}/participants", w.case_id),
                &w.sup.token,
                &json!({"agency_id": agency, "access": access}),
            )
            .await;
        assert_eq!(res.status, 201);
    }
    let item = register(app, &w.inv.token, &w.case_id, disk()).await.body;
    let id = item["id"].as_str().unwrap().to_owned();
    let mut n = 0;
    for (place, agency) in [
        ("owner", &w.jm),
        ("read", &reader),
        ("contribute", &helper),
        ("stranger", &stranger),
    ] {
        for role in Role::ALL {
            n += 1;
            let caller = app
                .user_caller(
                    &app.username_in(agency, &format!("ev.{n}")),
                    agency,
                    &[role],
                )
                .await;
            let t = caller.token.as_str();
            let case_role = matches!(
                role,
                Role::Investigator | Role::Supervisor | Role::Prosecutor | Role::CentralAuthority
            );
            let sees = case_role && place != "stranger";
            let handles = matches!(role, Role::Investigator | Role::Supervisor);
            // Contributors register items of their own; the item's custody is its
            // holder's (the owner's agency, which registered it) to record.
            let registers = sees && matches!(place, "owner" | "contribute") && handles;
            let records = sees && place == "owner" && handles;
            let who = format!("{role} at {place}");
            let code = |ok: u16, writes: bool| {
                if sees {
                    if writes { ok } else { 403 }
                } else {
                    404
                }
            };
            for path in [
                format!("/api/v1/evidence/{id}"),
                format!("/api/v1/evidence/{id}/custody"),
                format!("/api/v1/evidence/{id}/custody/bundle"),
                format!("/api/v1/cases/{}/evidence", w.case_id),
            ] {
                let res = app.get(&path, t).await;
                assert_eq!(
                    res.status.as_u16(),
                    if sees { 200 } else { 404 },
                    "{who}: GET {path}: {}",
                    res.body
                );
            }
            // Auditors of the item's country verify its chain without reading it.
            let jamaican = matches!(place, "owner" | "read");
            let verifies = sees || (role == Role::Auditor && jamaican);
            let res = app
                .get(&format!("/api/v1/evidence/{id}/custody/verify"), t)
                .await;
            assert_eq!(
                res.status.as_u16(),
                if verifies { 200 } else { 404 },
                "{who}: verify: {}",
                res.body
            );
            if verifies {
                assert_eq!(res.body["verdict"], "verified");
            }
            let res = append(
                app,
                t,
                &id,
                json!({"type": "note", "reason": format!("by {who}")}),
            )
            .await;
            assert_eq!(
                res.status.as_u16(),
                code(201, records),
                "{who}: append: {}",
                res.body
            );
            let res = register(
                app,
                t,
                &w.case_id,
                json!({"description": format!("by {who}"), "kind": "document"}),
            )
            .await;
            assert_eq!(
                res.status.as_u16(),
                code(201, registers),
                "{who}: register: {}",
                res.body
            );
            if !sees {
                let hidden = app.get(&format!("/api/v1/evidence/{id}"), t).await;
                let missing = app
                    .get("/api/v1/evidence/01990000-0000-7000-8000-00000000cafe", t)
                    .await;
                assert_eq!(hidden.raw, missing.raw, "{who}");
            }
        }
    }
}

#[actix_web::test]
async fn the_custodian_directory_names_who_can_receive_and_nothing_more() {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let tt = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let sender = app
        .user_caller("jm.sender", &jm, &[Role::Investigator])
        .await;
    let receiver = app.user("tt.receiver", &tt, &[Role::Investigator]);
    let supervisor = app.user("tt.chief", &tt, &[Role::Supervisor, Role::Prosecutor]);
    app.user("tt.auditor", &tt, &[Role::Auditor]);
    app.user("tt.prosecutor", &tt, &[Role::Prosecutor]);
    let admin = app.user_caller("jm.admin", &jm, &[Role::Admin]).await;

    let res = app
        .get(&format!("/api/v1/agencies/{tt}/custodians"), &sender.token)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let mut expected = vec![receiver.clone(), supervisor.clone()];
    expected.sort();
    let items = res.body["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected);
    for item in items {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["display_name", "id"], "{item}");
    }
    // Paged like every list.
    let first = app
        .get(
            &format!("/api/v1/agencies/{tt}/custodians?limit=1"),
            &sender.token,
        )
        .await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/v1/agencies/{tt}/custodians?limit=1&cursor={cursor}"),
            &sender.token,
        )
        .await;
    assert_eq!(second.body["items"][0]["id"], expected[1].as_str());
    assert!(second.body["next_cursor"].is_null());

    app.get(&format!("/api/v1/agencies/{tt}/custodians"), &admin.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(
        &format!("/api/v1/agencies/{}/custodians", uuid::Uuid::now_v7()),
        &sender.token,
    )
    .await
    .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn each_side_finds_its_pending_transfers() {
    let w = world().await;
    let app = &w.app;
    let item = register(app, &w.inv.token, &w.case_id, disk()).await;
    assert_eq!(item.status, 201, "{}", item.body);
    let id = item.body["id"].as_str().unwrap().to_owned();
    let other = register(app, &w.inv.token, &w.case_id, disk()).await;
    assert_eq!(other.status, 201);
    let gy = app.agency("GY", "Guyana Police Force", AgencyKind::Police);
    let stranger = app.user_caller("gy.inv", &gy, &[Role::Investigator]).await;
    let ids = |res: &Response| -> Vec<String> {
        assert_eq!(res.status, 200, "{}", res.body);
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(ids(&app.get("/api/v1/transfers", &w.bb_inv.token).await).is_empty());

    let transfer = json!({"type": "transferred", "to_agency_id": w.bb, "to_custodian_id": w.bb_inv.id, "authority": "MLA JM-BB-2026-07"});
    assert_eq!(append(app, &w.inv.token, &id, transfer).await.status, 201);
    // The receiver finds it without being told its id; the sender sees it leaving.
    let incoming = app
        .get(
            "/api/v1/transfers?direction=incoming&status=pending",
            &w.bb_inv.token,
        )
        .await;
    assert_eq!(ids(&incoming), std::slice::from_ref(&id));
    assert_eq!(
        incoming.body["items"][0]["pending_transfer"]["agency_id"],
        w.bb.as_str()
    );
    assert!(
        ids(&app
            .get("/api/v1/transfers?direction=outgoing", &w.bb_inv.token)
            .await)
        .is_empty()
    );
    assert_eq!(
        ids(&app
            .get("/api/v1/transfers?direction=outgoing", &w.sup.token)
            .await),
        std::slice::from_ref(&id)
    );
    assert!(ids(&app.get("/api/v1/transfers", &w.sup.token).await).is_empty());
    assert!(ids(&app.get("/api/v1/transfers", &stranger.token).await).is_empty());
    assert!(
        ids(&app
            .get("/api/v1/transfers?direction=outgoing", &stranger.token)
            .await)
        .is_empty()
    );

    // Received: no longer pending on either side.
    assert_eq!(
        append(app, &w.bb_inv.token, &id, json!({"type": "received"}))
            .await
            .status,
        201
    );
    assert!(ids(&app.get("/api/v1/transfers", &w.bb_inv.token).await).is_empty());
    assert!(
        ids(&app
            .get("/api/v1/transfers?direction=outgoing", &w.sup.token)
            .await)
        .is_empty()
    );

    let auditor = app.user_caller("jm.auditor", &w.jm, &[Role::Auditor]).await;
    app.get("/api/v1/transfers", &auditor.token)
        .await
        .assert_problem(403, "forbidden");
}
