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
            let writes = sees
                && matches!(place, "owner" | "contribute")
                && matches!(role, Role::Investigator | Role::Supervisor);
            let who = format!("{role} at {place}");
            let code = |ok: u16| {
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
                code(201),
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
                code(201),
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
