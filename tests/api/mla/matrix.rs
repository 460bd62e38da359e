//! Who sees what, as a matrix: roles of the requesting, the requested and a third
//! state, before and after submission and assignment, over a request, its events,
//! bundle, list, filters and deadlines, a preservation, and the item execution
//! produced. Everyone outside gets 404, exactly like a missing object, and finds
//! nothing in lists.

use super::preservations::{Desks, desks, preservation, submitted_request};
use crate::common::TestApp;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::json;

/// One person of the matrix: a name and a token.
struct Seat {
    name: &'static str,
    token: String,
}

/// Whether a list answer holds `id` (a 403 for a caller whose roles give no access
/// to such lists holds nothing).
fn holds(res: &crate::common::Response, id: &str) -> bool {
    match res.status.as_u16() {
        200 => res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id || i["request_id"] == id),
        403 => false,
        other => panic!("a list answered {other}: {}", res.body),
    }
}

/// Every seat sees exactly what `expected` names: 200 for them, 404 for the others,
/// on each of `paths`; and each list of `lists` holds `id` for them alone.
async fn assert_seen(
    app: &TestApp,
    seats: &[Seat],
    stage: &str,
    id: &str,
    paths: &[String],
    lists: &[String],
    expected: &[&str],
) {
    for seat in seats {
        let sees = expected.contains(&seat.name);
        for path in paths {
            let res = app.get(path, &seat.token).await;
            if sees {
                assert_eq!(
                    res.status, 200,
                    "{stage}: {} GET {path}: {}",
                    seat.name, res.body
                );
            } else {
                res.assert_problem(404, "not-found");
            }
        }
        for list in lists {
            let res = app.get(list, &seat.token).await;
            assert_eq!(
                holds(&res, id),
                sees,
                "{stage}: {} GET {list}: {}",
                seat.name,
                res.body
            );
        }
    }
}

/// The matrix's seats: the people of Jamaica, Trinidad and Tobago and Barbados around
/// a JM case (its team, its prosecutor and another JM prosecution service, the
/// central authorities, points of contact and police of each state, an
/// administrator, an auditor, the regional administrator, and a TT provider's
/// liaison).
async fn matrix_seats(app: &TestApp, d: &Desks) -> Vec<Seat> {
    let jm_other_dpp = app.agency(
        "JM",
        "Office of the DPP (Montego Bay)",
        AgencyKind::Prosecution,
    );
    let jm_admin_agency = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let tt_fraud = app.agency("TT", "TTPS Fraud Squad", AgencyKind::Police);
    let tt_dpp = app.agency("TT", "TT Office of the DPP", AgencyKind::Prosecution);
    let bb_ca = app.agency("BB", "BB Attorney General", AgencyKind::CentralAuthority);
    let bb_police = app.agency("BB", "RBPF Cyber Unit", AgencyKind::Police);
    let bb_dpp = app.agency("BB", "BB Office of the DPP", AgencyKind::Prosecution);
    // A provider established in the requested state: nothing between states is its.
    let tt_provider = app.agency("TT", "Digicel Trinidad", AgencyKind::Provider);
    let case_roles = [Role::Investigator, Role::Supervisor];
    let extra = [
        ("jm.other_dpp", &jm_other_dpp, &[Role::Prosecutor][..]),
        ("jm.admin", &jm_admin_agency, &[Role::Admin][..]),
        ("tt.fraud", &tt_fraud, &case_roles[..]),
        ("tt.prosecutor", &tt_dpp, &[Role::Prosecutor][..]),
        ("bb.ca", &bb_ca, &[Role::CentralAuthority][..]),
        ("bb.police", &bb_police, &case_roles[..]),
        ("bb.prosecutor", &bb_dpp, &[Role::Prosecutor][..]),
        ("tt.provider", &tt_provider, &[Role::ProviderLiaison][..]),
    ];
    let mut seats = vec![
        Seat {
            name: "jm.inv",
            token: d.jm_investigator.token.clone(),
        },
        Seat {
            name: "jm.dpp",
            token: d.jm_prosecutor.token.clone(),
        },
        Seat {
            name: "jm.ca",
            token: d.jm_authority.token.clone(),
        },
        Seat {
            name: "jm.point",
            token: d.jm_point.token.clone(),
        },
        Seat {
            name: "jm.fraud",
            token: d.jm_other_police.token.clone(),
        },
        Seat {
            name: "jm.auditor",
            token: d.jm_auditor.token.clone(),
        },
        Seat {
            name: "tt.ca",
            token: d.tt_authority.token.clone(),
        },
        Seat {
            name: "tt.point",
            token: d.tt_point.token.clone(),
        },
        Seat {
            name: "tt.police",
            token: d.tt_police.token.clone(),
        },
        Seat {
            name: "bb.point",
            token: d.bb_point.token.clone(),
        },
    ];
    for (name, agency, roles) in extra {
        let caller = app.user_caller(name, agency, roles).await;
        seats.push(Seat {
            name,
            token: caller.token,
        });
    }
    let regional = app.regional_admin().await;
    seats.push(Seat {
        name: "regional",
        token: regional.token.clone(),
    });

    seats
}

/// The reads of one request.
fn request_views(id: &str) -> Vec<String> {
    vec![
        format!("/api/v1/mla/requests/{id}"),
        format!("/api/v1/mla/requests/{id}/events"),
        format!("/api/v1/mla/requests/{id}/bundle"),
    ]
}

/// The lists and filters that may hold a request of `case_id`.
fn request_lists(case_id: &str) -> Vec<String> {
    vec![
        "/api/v1/mla/requests".to_owned(),
        format!("/api/v1/mla/requests?case_id={case_id}"),
        "/api/v1/mla/requests?requested_country=TT".to_owned(),
        "/api/v1/deadlines?within=P366D".to_owned(),
    ]
}

/// A complete draft of a JM case shared with the DPP.
struct Drafted {
    case_id: String,
    draft_id: String,
}

async fn drafted(app: &TestApp, d: &Desks) -> Drafted {
    let jm_inv = d.jm_investigator.token.as_str();
    let case = app.create_case(jm_inv, "Matrix case").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let done = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            jm_inv,
            &json!({"agency_id": d.dpp, "access": "read"}),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.body);
    let draft = app
        .post("/api/v1/mla/requests", jm_inv, &super::complete(&case_id))
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let draft_id = draft.body["id"].as_str().unwrap().to_owned();
    Drafted { case_id, draft_id }
}

#[actix_web::test]
async fn a_draft_is_seen_by_its_case_team_prosecutor_and_central_authority_alone() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let seats = matrix_seats(&app, &d).await;
    let Drafted { case_id, draft_id } = drafted(&app, &d).await;
    let drafting = ["jm.inv", "jm.dpp", "jm.ca"];
    assert_seen(
        &app,
        &seats,
        "draft",
        &draft_id,
        &request_views(&draft_id),
        &request_lists(&case_id),
        &drafting,
    )
    .await;
}

#[actix_web::test]
async fn a_request_gains_the_requested_authority_when_submitted_and_the_executing_agency_when_assigned()
 {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let seats = matrix_seats(&app, &d).await;
    let Drafted { case_id, draft_id } = drafted(&app, &d).await;
    let drafting = ["jm.inv", "jm.dpp", "jm.ca"];
    let jm_inv = d.jm_investigator.token.as_str();
    // Submitted (another request, of another case): the requested central authority
    // joins. Its first opening records the delivery, which changes nothing here.
    let id = submitted_request(&app, &d).await;
    let submitted_case = app
        .get(&format!("/api/v1/mla/requests/{id}"), jm_inv)
        .await
        .body["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = ["jm.inv", "jm.dpp", "jm.ca", "tt.ca"];
    assert_seen(
        &app,
        &seats,
        "submitted",
        &id,
        &request_views(&id),
        &request_lists(&submitted_case),
        &submitted,
    )
    .await;
    // Those who do not see it cannot act on it either: 404, not 403.
    for seat in seats.iter().filter(|s| !submitted.contains(&s.name)) {
        app.post(
            &format!("/api/v1/mla/requests/{id}/events"),
            &seat.token,
            &json!({"type": "withdrawn", "reason": "probe"}),
        )
        .await
        .assert_problem(404, "not-found");
    }

    // Assigned to TT police: the executing agency sees the request, not its case.
    let tt = d.tt_authority.token.as_str();
    let tt_police_agency = app.get("/api/v1/me", &d.tt_police.token).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for body in [
        json!({"type": "acknowledged"}),
        json!({"type": "accepted"}),
        json!({"type": "assigned", "executing_agency_id": tt_police_agency}),
    ] {
        let res = app
            .post(&format!("/api/v1/mla/requests/{id}/events"), tt, &body)
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
    }
    let assigned = ["jm.inv", "jm.dpp", "jm.ca", "tt.ca", "tt.police"];
    assert_seen(
        &app,
        &seats,
        "assigned",
        &id,
        &request_views(&id),
        &request_lists(&submitted_case),
        &assigned,
    )
    .await;
    let case_seers = ["jm.inv", "jm.dpp"];
    assert_seen(
        &app,
        &seats,
        "assigned: the case",
        &submitted_case,
        &[format!("/api/v1/cases/{submitted_case}")],
        &["/api/v1/cases".to_owned()],
        &case_seers,
    )
    .await;
    // The draft is still seen by its drafters alone.
    assert_seen(
        &app,
        &seats,
        "draft, later",
        &draft_id,
        &request_views(&draft_id),
        &request_lists(&case_id),
        &drafting,
    )
    .await;

    // The item execution produced: the case's agencies and the executing agency.
    let produced = app
        .post(
            &format!("/api/v1/mla/requests/{id}/evidence"),
            &d.tt_police.token,
            &json!({
                "description": "Subscriber records",
                "kind": "cloud_account_data",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "collected": {"location": "Port of Spain", "reason": "produced", "authority": "order"}
            }),
        )
        .await;
    assert_eq!(produced.status, 201, "{}", produced.body);
    let item = produced.body["id"].as_str().unwrap().to_owned();
    assert_seen(
        &app,
        &seats,
        "produced item",
        &item,
        &[
            format!("/api/v1/evidence/{item}"),
            format!("/api/v1/evidence/{item}/custody"),
            format!("/api/v1/evidence/{item}/custody/bundle"),
        ],
        &[],
        &["jm.inv", "jm.dpp", "tt.police"],
    )
    .await;
}

#[actix_web::test]
async fn a_preservation_is_seen_by_both_states_points_of_contact_authorities_and_its_case_team() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let seats = matrix_seats(&app, &d).await;
    // A preservation: both states' points of contact and central authorities, and
    // the requesting agency's case team; before and after it is preserved.
    let sent = app
        .post(
            "/api/v1/preservations",
            &d.jm_point.token,
            &preservation(&d.jm_police),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let kept = sent.body["id"].as_str().unwrap().to_owned();
    let preservation_views = vec![
        format!("/api/v1/preservations/{kept}"),
        format!("/api/v1/preservations/{kept}/events"),
        format!("/api/v1/preservations/{kept}/bundle"),
    ];
    let keepers = ["jm.inv", "jm.ca", "jm.point", "tt.ca", "tt.point"];
    assert_seen(
        &app,
        &seats,
        "preservation requested",
        &kept,
        &preservation_views,
        &["/api/v1/preservations".to_owned()],
        &keepers,
    )
    .await;
    let preserved = app
        .post(
            &format!("/api/v1/preservations/{kept}/events"),
            &d.tt_point.token,
            &json!({"type": "preserved"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    assert_seen(
        &app,
        &seats,
        "preserved",
        &kept,
        &preservation_views,
        &[
            "/api/v1/preservations".to_owned(),
            "/api/v1/preservations?status=preserved".to_owned(),
            "/api/v1/deadlines?within=P61D".to_owned(),
        ],
        &keepers,
    )
    .await;
}
