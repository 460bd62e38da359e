//! Cases: the authorization matrix, the workflow, ETags, idempotency, references,
//! external references and listing.

use crate::common::{Response, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};
use std::collections::HashSet;

const MISSING: &str = "01990000-0000-7000-8000-00000000beef";

async fn etag_of(app: &TestApp, token: &str, case_id: &str) -> String {
    let res = app.get(&format!("/api/v1/cases/{case_id}"), token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

async fn patch_with(
    app: &TestApp,
    token: &str,
    case_id: &str,
    etag: &str,
    body: &Value,
) -> Response {
    app.request_with_headers(
        "PATCH",
        &format!("/api/v1/cases/{case_id}"),
        token,
        &[("If-Match", etag)],
        Some(body),
    )
    .await
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    Owner,
    SameCountry,
    Abroad,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Sharing {
    None,
    Read,
    Contribute,
}

/// A case shared with nobody, one shared for reading and one to contribute (with a
/// JM agency and a BB one), each with a national system's reference, and the agencies.
struct Shared {
    app: TestApp,
    owner: String,
    same: String,
    abroad: String,
    extra: String,
    lead: crate::common::Caller,
    cases: Vec<SharedCase>,
}

struct SharedCase {
    id: String,
    sharing: Sharing,
}

async fn shared() -> Shared {
    let app = TestApp::spawn().await;
    let owner = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let same = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let abroad = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let extra = app.agency("JM", "JM CIRT", AgencyKind::Cert);
    let lead = app
        .user_caller("jm.lead", &owner, &[Role::Investigator])
        .await;
    let boss = app
        .user_caller("jm.boss", &owner, &[Role::Supervisor])
        .await;

    let mut cases = Vec::new();
    for sharing in [Sharing::None, Sharing::Read, Sharing::Contribute] {
        let case = app
            .create_case(&lead.token, &format!("Case shared {sharing:?}"))
            .await;
        let id = case["id"].as_str().unwrap().to_owned();
        if sharing != Sharing::None {
            let access = if sharing == Sharing::Read {
                "read"
            } else {
                "contribute"
            };
            for agency in [&same, &abroad] {
                let res = app
                    .post(
                        &format!("/api/v1/cases/{id}/participants"),
                        &boss.token,
                        &json!({"agency_id": agency, "access": access}),
                    )
                    .await;
                assert_eq!(res.status, 201, "{}", res.body);
            }
        }
        let res = app
            .post(
                &format!("/api/v1/cases/{id}/external-refs"),
                &lead.token,
                &json!({"system": "jm-cms", "external_id": format!("CMS-{sharing:?}")}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        cases.push(SharedCase { id, sharing });
    }
    Shared {
        app,
        owner,
        same,
        abroad,
        extra,
        lead,
        cases,
    }
}

/// Every role, in an agency at `place`, against the three cases: each endpoint
/// answers as the role and the case's sharing allow, and 404 where the case is not
/// the agency's to see.
async fn every_role_at(place: Place) {
    let s = shared().await;
    let Shared {
        app,
        extra,
        lead,
        cases,
        ..
    } = &s;
    let agency = match place {
        Place::Owner => &s.owner,
        Place::SameCountry => &s.same,
        Place::Abroad => &s.abroad,
    };
    let mut n = 0;
    for role in Role::ALL {
        n += 1;
        let who = format!("{role} at {place:?}");
        let caller = app
            .user_caller(
                &app.username_in(agency, &format!("member.{n}")),
                agency,
                &[role],
            )
            .await;
        let t = caller.token.as_str();
        let case_role = matches!(
            role,
            Role::Investigator | Role::Supervisor | Role::Prosecutor | Role::CentralAuthority
        );
        let editor = place == Place::Owner && matches!(role, Role::Investigator | Role::Supervisor);
        let sharer = place == Place::Owner && role == Role::Supervisor;

        let list = app.get("/api/v1/cases?limit=200", t).await;
        if !case_role {
            list.assert_problem(403, "forbidden");
        } else {
            assert_eq!(list.status, 200, "{who}");
        }
        let listed: HashSet<String> = list.body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();

        for SharedCase { id, sharing } in cases {
            let visible = case_role && (place == Place::Owner || *sharing != Sharing::None);
            let what = format!("{who}, case shared {sharing:?}");
            let expect = |res: &Response, ok: u16, action: &str| {
                let want = if visible { ok } else { 404 };
                assert_eq!(res.status.as_u16(), want, "{what}: {action}: {}", res.body);
                if want >= 400 {
                    assert_eq!(
                        res.content_type(),
                        "application/problem+json",
                        "{what}: {action}"
                    );
                }
            };
            if case_role {
                assert_eq!(listed.contains(id), visible, "{what}: list");
                let found = app
                    .get(
                        &format!("/api/v1/cases?external_ref=jm-cms:CMS-{sharing:?}"),
                        t,
                    )
                    .await;
                assert_eq!(
                    found.body["items"].as_array().unwrap().len(),
                    usize::from(visible),
                    "{what}: lookup"
                );
            }

            let read = app.get(&format!("/api/v1/cases/{id}"), t).await;
            expect(&read, 200, "read");
            if visible {
                let standing = match (place, sharing) {
                    (Place::Owner, _) => "owner",
                    (_, Sharing::Read) => "read",
                    _ => "contribute",
                };
                assert_eq!(read.body["access"], standing, "{what}");
            } else {
                // Indistinguishable from a case that does not exist.
                let missing = app.get(&format!("/api/v1/cases/{MISSING}"), t).await;
                assert_eq!(read.raw, missing.raw, "{what}");
            }

            let etag = etag_of(app, &lead.token, id).await;
            let res = app
                .request_with_headers(
                    "PATCH",
                    &format!("/api/v1/cases/{id}"),
                    t,
                    &[("If-Match", &etag)],
                    Some(&json!({"priority": "critical"})),
                )
                .await;
            expect(&res, if editor { 200 } else { 403 }, "edit");

            expect(
                &app.get(&format!("/api/v1/cases/{id}/participants"), t)
                    .await,
                200,
                "read participants",
            );
            let res = app
                .post(
                    &format!("/api/v1/cases/{id}/participants"),
                    t,
                    &json!({"agency_id": extra, "access": "read"}),
                )
                .await;
            expect(&res, if sharer { 201 } else { 403 }, "share");
            let res = app
                .request(
                    "DELETE",
                    &format!("/api/v1/cases/{id}/participants/{extra}"),
                    Some(t),
                    None,
                    None,
                )
                .await;
            expect(&res, if sharer { 204 } else { 403 }, "unshare");

            expect(
                &app.get(&format!("/api/v1/cases/{id}/external-refs"), t)
                    .await,
                200,
                "read references",
            );
            let res = app
                .post(
                    &format!("/api/v1/cases/{id}/external-refs"),
                    t,
                    &json!({"system": "jm-cms", "external_id": format!("X-{n}-{sharing:?}")}),
                )
                .await;
            expect(&res, if editor { 201 } else { 403 }, "link reference");
        }

        // Nobody reads or changes a case that does not exist.
        app.get(&format!("/api/v1/cases/{MISSING}/participants"), t)
            .await
            .assert_problem(404, "not-found");
        let res = app
            .request_with_headers(
                "PATCH",
                &format!("/api/v1/cases/{MISSING}"),
                t,
                &[("If-Match", "\"v1\"")],
                Some(&json!({"title": "x"})),
            )
            .await;
        res.assert_problem(404, "not-found");
        // Creating: investigators and supervisors only.
        let res = app
            .post("/api/v1/cases", t, &json!({"title": "New", "summary": "S", "offences": ["illegal_access"], "priority": "low"}))
            .await;
        let creator = matches!(role, Role::Investigator | Role::Supervisor);
        assert_eq!(
            res.status.as_u16(),
            if creator { 201 } else { 403 },
            "{who}: create"
        );
    }
}

#[actix_web::test]
async fn every_role_of_the_owning_agency_reads_edits_and_shares_its_cases_as_the_role_allows() {
    every_role_at(Place::Owner).await;
}

#[actix_web::test]
async fn every_role_of_another_agency_of_the_same_state_sees_only_what_is_shared_with_it() {
    every_role_at(Place::SameCountry).await;
}

#[actix_web::test]
async fn every_role_of_an_agency_abroad_sees_only_what_is_shared_with_it() {
    every_role_at(Place::Abroad).await;
}

#[actix_web::test]
async fn workflow_steps_belong_to_their_roles() {
    let app = TestApp::spawn().await;
    let police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let dpp = app.agency("TT", "Office of the DPP", AgencyKind::Prosecution);
    let inv = app
        .user_caller("tt.inv", &police, &[Role::Investigator])
        .await;
    let sup = app
        .user_caller("tt.sup", &police, &[Role::Supervisor])
        .await;
    let pros = app.user_caller("tt.pros", &dpp, &[Role::Prosecutor]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["status"], "open");
    assert_eq!(case["lead_investigator_id"], inv.id);

    let step = |token: &'static str, body: Value| {
        let app = &app;
        let tokens = [
            ("inv", inv.token.clone()),
            ("sup", sup.token.clone()),
            ("pros", pros.token.clone()),
        ];
        async move {
            let token = &tokens.iter().find(|(n, _)| *n == token).unwrap().1;
            let etag = etag_of(app, &tokens[0].1, id).await;
            app.request_with_headers(
                "PATCH",
                &format!("/api/v1/cases/{id}"),
                token,
                &[("If-Match", &etag)],
                Some(&body),
            )
            .await
        }
    };
    // The prosecutor sees nothing before the referral.
    app.get(&format!("/api/v1/cases/{id}"), &pros.token)
        .await
        .assert_problem(404, "not-found");
    step("inv", json!({"status": "charged"}))
        .await
        .assert_problem(409, "conflict");
    step("inv", json!({"status": "closed"}))
        .await
        .assert_problem(403, "forbidden");
    let res = step("inv", json!({"status": "under_investigation"})).await;
    assert_eq!(res.body["status"], "under_investigation", "{}", res.body);
    step(
        "inv",
        json!({"status": "referred_to_prosecution", "prosecution_agency_id": dpp}),
    )
    .await
    .assert_problem(403, "forbidden");
    let res = step("sup", json!({"status": "referred_to_prosecution"})).await;
    res.assert_problem(422, "validation-failed");
    let res = step(
        "sup",
        json!({"status": "referred_to_prosecution", "prosecution_agency_id": police}),
    )
    .await;
    res.assert_problem(422, "validation-failed");
    let res = step("sup", json!({"status": "referred_to_prosecution", "prosecution_agency_id": dpp, "reason": "file complete"})).await;
    assert_eq!(res.status, 200, "{}", res.body);

    // The referral shared the case with the prosecution service, read only.
    let shared = app
        .get(&format!("/api/v1/cases/{id}/participants"), &inv.token)
        .await;
    assert_eq!(shared.body.as_array().unwrap().len(), 1, "{}", shared.body);
    assert_eq!(shared.body[0]["agency_id"], dpp);
    assert_eq!(shared.body[0]["agency_name"], "Office of the DPP");
    assert_eq!(shared.body[0]["access"], "read");
    assert_eq!(shared.body[0]["granted_by"], sup.id);
    let seen = app.get(&format!("/api/v1/cases/{id}"), &pros.token).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["access"], "read");
    step("pros", json!({"title": "Edited by the prosecutor"}))
        .await
        .assert_problem(403, "forbidden");
    step("sup", json!({"status": "charged"}))
        .await
        .assert_problem(403, "forbidden");
    let res = step(
        "pros",
        json!({"status": "charged", "reason": "two counts under s.5"}),
    )
    .await;
    assert_eq!(res.body["status"], "charged", "{}", res.body);
    step("inv", json!({"status": "closed"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        step("sup", json!({"status": "closed"})).await.body["status"],
        "closed"
    );
    assert_eq!(
        step("sup", json!({"status": "archived"})).await.body["status"],
        "archived"
    );
    step("sup", json!({"status": "open"}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(
        step("sup", json!({"status": "closed"})).await.body["status"],
        "closed"
    );
    let final_case = app.get(&format!("/api/v1/cases/{id}"), &inv.token).await;
    assert_eq!(final_case.body["version"], 7);
}

#[actix_web::test]
async fn updates_need_the_current_etag() {
    let app = TestApp::spawn().await;
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app
        .user_caller("jm.inv", &police, &[Role::Investigator])
        .await;
    let case = app.create_case(&inv.token, "BEC at a credit union").await;
    let id = case["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/cases/{id}"), &inv.token).await;
    let etag = read
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(etag, "\"v1\"");

    let body = json!({"title": "BEC at a credit union (Kingston)"});
    app.patch(&format!("/api/v1/cases/{id}"), &inv.token, &body)
        .await
        .assert_problem(428, "precondition-required");
    app.request_with_headers(
        "PATCH",
        &format!("/api/v1/cases/{id}"),
        &inv.token,
        &[("If-Match", "*")],
        Some(&body),
    )
    .await
    .assert_problem(428, "precondition-required");
    app.request_with_headers(
        "PATCH",
        &format!("/api/v1/cases/{id}"),
        &inv.token,
        &[("If-Match", "\"v7\"")],
        Some(&body),
    )
    .await
    .assert_problem(412, "precondition-failed");
    let res = patch_with(&app, &inv.token, id, &etag, &body).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.headers.get("etag").unwrap(), "\"v2\"");
    assert_eq!(res.body["title"], "BEC at a credit union (Kingston)");
    // The old ETag is stale now.
    app.request_with_headers(
        "PATCH",
        &format!("/api/v1/cases/{id}"),
        &inv.token,
        &[("If-Match", &etag)],
        Some(&json!({"priority": "low"})),
    )
    .await
    .assert_problem(412, "precondition-failed");

    // Concurrent writers with the same ETag: exactly one wins.
    let attempts = (0..6).map(|i| {
        let app = &app;
        let token = inv.token.clone();
        async move {
            patch_with(
                app,
                &token,
                id,
                "\"v2\"",
                &json!({"summary": format!("writer {i}")}),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 412),
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn idempotency_keys_replay_the_first_response() {
    let app = TestApp::spawn().await;
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app
        .user_caller("jm.inv", &police, &[Role::Investigator])
        .await;
    let other = app
        .user_caller("jm.other", &police, &[Role::Investigator])
        .await;
    let body = json!({"title": "Sextortion ring", "summary": "Victims across the region", "offences": ["sextortion"], "priority": "critical"});
    let send = |token: &str, key: &str, body: &Value| {
        let token = token.to_owned();
        let key = key.to_owned();
        let body = body.clone();
        let app = &app;
        async move {
            app.request_with_headers(
                "POST",
                "/api/v1/cases",
                &token,
                &[("Idempotency-Key", &key)],
                Some(&body),
            )
            .await
        }
    };
    let first = send(&inv.token, "sync-001", &body).await;
    assert_eq!(first.status, 201);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = send(&inv.token, "sync-001", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.headers.get("etag"), first.headers.get("etag"));
    assert_eq!(again.headers.get("location"), first.headers.get("location"));

    let mut changed = body.clone();
    changed["priority"] = json!("low");
    send(&inv.token, "sync-001", &changed)
        .await
        .assert_problem(422, "idempotency-key-reused");
    // Keys belong to their user.
    let theirs = send(&other.token, "sync-001", &body).await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.body["id"], first.body["id"]);

    // The same key sent concurrently creates one case.
    let results =
        futures_util::future::join_all((0..6).map(|_| send(&inv.token, "sync-002", &body))).await;
    let ids: HashSet<&str> = results
        .iter()
        .map(|r| r.body["id"].as_str().unwrap())
        .collect();
    assert!(results.iter().all(|r| r.status == 201));
    assert_eq!(ids.len(), 1);
    let all = app.get("/api/v1/cases?limit=200", &inv.token).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn references_are_gapless_per_country_and_year() {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let bb = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let jm_inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let bb_inv = app.user_caller("bb.inv", &bb, &[Role::Investigator]).await;
    let year = chrono::Utc::now().format("%Y").to_string();

    assert_eq!(
        app.create_case(&jm_inv.token, "first").await["reference"],
        format!("JM-{year}-000001")
    );
    assert_eq!(
        app.create_case(&bb_inv.token, "first").await["reference"],
        format!("BB-{year}-000001")
    );
    // A creation refused inside its transaction gives its number back.
    let res = app
        .post("/api/v1/cases", &jm_inv.token, &json!({"title": "t", "summary": "s", "offences": ["phishing"], "priority": "low", "lead_investigator_id": bb_inv.id}))
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(
        app.create_case(&jm_inv.token, "second").await["reference"],
        format!("JM-{year}-000002")
    );

    let created = futures_util::future::join_all((0..20).map(|i| {
        let token = jm_inv.token.clone();
        let app = &app;
        async move {
            app.post("/api/v1/cases", &token, &json!({"title": format!("parallel {i}"), "summary": "s", "offences": ["phishing"], "priority": "low"}))
                .await
        }
    }))
    .await;
    let mut numbers: Vec<u32> = created
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["reference"]
                .as_str()
                .unwrap()
                .rsplit('-')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (3..=22).collect::<Vec<u32>>());
}

#[actix_web::test]
async fn external_references_are_unique_and_looked_up() {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let a = app.create_case(&inv.token, "A").await;
    let b = app.create_case(&inv.token, "B").await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let link = |case: &str, id: &str| {
        let path = format!("/api/v1/cases/{case}/external-refs");
        let body = json!({"system": "jm-cms", "external_id": id});
        let app = &app;
        let token = inv.token.clone();
        async move { app.post(&path, &token, &body).await }
    };
    assert_eq!(link(a, "2026/001").await.status, 201);
    link(b, "2026/001").await.assert_problem(409, "conflict");
    assert_eq!(link(b, "2026/002").await.status, 201);
    let res = app
        .post(
            &format!("/api/v1/cases/{a}/external-refs"),
            &inv.token,
            &json!({"system": "bad system!", "external_id": ""}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 2);

    let found = app
        .get("/api/v1/cases?external_ref=jm-cms:2026/001", &inv.token)
        .await;
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a);
    let refs = app
        .get(&format!("/api/v1/cases/{a}/external-refs"), &inv.token)
        .await;
    assert_eq!(refs.body[0]["system"], "jm-cms");
    assert_eq!(refs.body[0]["external_id"], "2026/001");
    app.get("/api/v1/cases?external_ref=no-colon", &inv.token)
        .await
        .assert_problem(422, "validation-failed");
}

#[actix_web::test]
async fn listing_filters_and_pages() {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let bb = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let jm_inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let jm_sup = app.user_caller("jm.sup", &jm, &[Role::Supervisor]).await;
    let bb_inv = app.user_caller("bb.inv", &bb, &[Role::Investigator]).await;
    let bb_sup = app.user_caller("bb.sup", &bb, &[Role::Supervisor]).await;

    let mk = |token: String, title: &'static str, offences: Value, priority: &'static str| {
        let app = &app;
        async move {
            let res = app
                .post("/api/v1/cases", &token, &json!({"title": title, "summary": "s", "offences": offences, "priority": priority}))
                .await;
            assert_eq!(res.status, 201);
            res.body["id"].as_str().unwrap().to_owned()
        }
    };
    let ransom = mk(
        jm_inv.token.clone(),
        "Ransomware at Kingston Wharves",
        json!(["ransomware", "system_interference"]),
        "critical",
    )
    .await;
    let bec = mk(
        jm_inv.token.clone(),
        "BEC against a Montego Bay hotel",
        json!(["business_email_compromise"]),
        "high",
    )
    .await;
    let fraud = mk(
        jm_inv.token.clone(),
        "Lottery scam calls",
        json!(["online_fraud"]),
        "medium",
    )
    .await;
    let bb_case = mk(
        bb_inv.token.clone(),
        "Bridgetown ATM skimming",
        json!(["computer_related_fraud"]),
        "high",
    )
    .await;
    let hidden = mk(
        bb_inv.token.clone(),
        "Not shared with Jamaica",
        json!(["ransomware"]),
        "critical",
    )
    .await;
    // Barbados shares one case with Jamaica.
    let res = app
        .post(
            &format!("/api/v1/cases/{bb_case}/participants"),
            &bb_sup.token,
            &json!({"agency_id": jm, "access": "read"}),
        )
        .await;
    assert_eq!(res.status, 201);
    let etag = etag_of(&app, &jm_inv.token, &fraud).await;
    let res = app
        .request_with_headers(
            "PATCH",
            &format!("/api/v1/cases/{fraud}"),
            &jm_sup.token,
            &[("If-Match", &etag)],
            Some(&json!({"status": "closed"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);

    let ids = |res: &Response| -> Vec<String> {
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = |query: &str| {
        let path = format!("/api/v1/cases?{query}");
        let app = &app;
        let token = jm_inv.token.clone();
        async move { app.get(&path, &token).await }
    };
    // Newest first; the unshared Barbadian case never appears.
    assert_eq!(
        ids(&q("").await),
        vec![bb_case.clone(), fraud.clone(), bec.clone(), ransom.clone()]
    );
    assert_eq!(ids(&q("offence=ransomware").await), vec![ransom.clone()]);
    assert_eq!(
        ids(&q("priority=high").await),
        vec![bb_case.clone(), bec.clone()]
    );
    assert_eq!(ids(&q("status=closed").await), vec![fraud.clone()]);
    assert_eq!(ids(&q("owner_country=BB").await), vec![bb_case.clone()]);
    assert_eq!(
        ids(&q(&format!("participant_agency={jm}")).await),
        vec![bb_case.clone()]
    );
    assert_eq!(ids(&q("q=KINGSTON").await), vec![ransom.clone()]);
    assert_eq!(ids(&q("q=wharves").await), vec![ransom.clone()]);
    assert_eq!(ids(&q("q=Montego%20Bay").await), vec![bec.clone()]);
    // A renamed case is found by its new title only.
    let etag = etag_of(&app, &jm_inv.token, &bec).await;
    let res = app
        .request_with_headers(
            "PATCH",
            &format!("/api/v1/cases/{bec}"),
            &jm_inv.token,
            &[("If-Match", &etag)],
            Some(&json!({"title": "BEC against a Negril resort"})),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(ids(&q("q=negril").await), vec![bec.clone()]);
    assert!(ids(&q("q=montego").await).is_empty());
    // Two letters: too short for the trigram index, still answered.
    assert_eq!(ids(&q("q=tm").await), vec![bb_case.clone()]);
    assert_eq!(ids(&q("q=jm-").await).len(), 3);
    assert_eq!(ids(&q("q=100%25").await).len(), 0);
    assert_eq!(
        ids(&q("created_from=2000-01-01T00:00:00Z&created_to=2000-01-02T00:00:00Z").await).len(),
        0
    );
    assert_eq!(ids(&q("created_from=2000-01-01T00:00:00Z").await).len(), 4);
    let res = q("status=lost").await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "status");
    assert!(!ids(&q("owner_country=BB&offence=ransomware").await).contains(&hidden));

    // Pages of two: no repeats, no gaps, same order.
    let mut seen = Vec::new();
    let mut path = "limit=2".to_owned();
    loop {
        let res = q(&path).await;
        seen.extend(ids(&res));
        match res.body["next_cursor"].as_str() {
            Some(c) => path = format!("limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, vec![bb_case, fraud, bec, ransom]);
}

#[actix_web::test]
async fn a_reference_held_by_a_case_the_caller_cannot_see_is_not_revealed() {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let tt = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let jm_inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let tt_inv = app.user_caller("tt.inv", &tt, &[Role::Investigator]).await;
    let secret = app.create_case(&jm_inv.token, "Secret").await;
    let own = app.create_case(&tt_inv.token, "Own").await;
    let reference = json!({"system": "JMCMS", "external_id": "SECRET-42"});
    let link = |case: &Value, token: &str| {
        let path = format!(
            "/api/v1/cases/{}/external-refs",
            case["id"].as_str().unwrap()
        );
        let (app, body, token) = (&app, reference.clone(), token.to_owned());
        async move { app.post(&path, &token, &body).await }
    };
    assert_eq!(link(&secret, &jm_inv.token).await.status, 201);
    // The TT agency links the same reference to its own case: nothing says that a
    // case it cannot see holds it.
    let res = link(&own, &tt_inv.token).await;
    assert_eq!(res.status, 201, "{}", res.body);
    // Within one agency the reference stays unique, and the conflict names the case.
    let other = app.create_case(&tt_inv.token, "Other").await;
    let res = link(&other, &tt_inv.token).await;
    res.assert_problem(409, "conflict");
    assert!(
        res.body["detail"]
            .as_str()
            .unwrap()
            .contains(own["reference"].as_str().unwrap())
    );
    // A lookup finds only the cases the caller may see.
    for (token, case) in [(&tt_inv.token, &own), (&jm_inv.token, &secret)] {
        let found = app
            .get("/api/v1/cases?external_ref=JMCMS:SECRET-42", token)
            .await;
        let items = found.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], case["id"]);
    }
}
