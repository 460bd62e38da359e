//! Every role at its own desk: what each person must act on, in words, soonest
//! first, every row a link; and never what they may not see.

use crate::common::{Caller, PASSWORD, TestApp};
use crate::mla::preservations::{Desks, desks, preservation};
use crate::pages::{page, sign_in, text};
use caseledger::auth::roles::Role;
use serde_json::json;

/// A JM→TT request of its own case, taken through `steps` (each by whom, which
/// event); the case is referred to the DPP first, as approval needs.
struct Taken {
    id: String,
    reference: String,
    case_id: String,
}

async fn request_through(
    app: &TestApp,
    d: &Desks,
    title: &str,
    steps: &[(&Caller, &str)],
) -> Taken {
    let t = d.jm_investigator.token.as_str();
    let case = app.create_case(t, title).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let referred = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            t,
            &json!({"agency_id": d.dpp, "access": "read"}),
        )
        .await;
    assert_eq!(referred.status, 201, "{}", referred.body);
    let created = app
        .post("/api/v1/mla/requests", t, &crate::mla::complete(&case_id))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    for (by, kind) in steps {
        let res = app
            .post(
                &format!("/api/v1/mla/requests/{id}/events"),
                &by.token,
                &json!({"type": kind}),
            )
            .await;
        assert_eq!(res.status, 201, "{kind}: {}", res.body);
    }
    Taken {
        reference: created.body["reference"].as_str().unwrap().to_owned(),
        id,
        case_id,
    }
}

/// The desk of `username`, as its page shows it.
async fn desk_of(app: &TestApp, username: &str) -> String {
    let session = sign_in(app, username, PASSWORD).await.unwrap();
    let res = page(app, "/app/", Some(&session)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    text(&res)
}

/// The part of a page from the heading with `id` to the next heading of its level.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<h2 id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}: {html}"));
    let rest = &html[start + 4..];
    let end = rest.find("<h2 ").map_or(rest.len(), |e| e);
    &html[start..start + 4 + end]
}

/// The row of a table that links to `href`.
fn row_of<'a>(html: &'a str, href: &str) -> &'a str {
    let at = html
        .find(&format!("href=\"{href}\""))
        .unwrap_or_else(|| panic!("no link to {href}: {html}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

#[actix_web::test]
async fn a_central_authoritys_desk_lists_what_its_state_must_do_with_requests_both_ways() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let approve = (&d.jm_prosecutor, "approved");
    let submit = (&d.jm_authority, "submitted");
    let sent = request_through(&app, &d, "Bank SMS phishing", &[approve, submit]).await;
    let late = request_through(&app, &d, "Carrier fraud", &[approve, submit]).await;
    let ready = request_through(&app, &d, "Port ransomware", &[approve]).await;
    let draft = request_through(&app, &d, "Draft case", &[]).await;
    // The requester wanted the late one's answer long ago: overdue, it comes first.
    app.exec(&format!(
        "UPDATE mla_requests SET wanted_by = '2026-01-15' WHERE id = '{}'",
        late.id
    ))
    .unwrap();

    let tt = desk_of(&app, "tt.ca").await;
    let incoming = section(&tt, "incoming");
    for taken in [&sent, &late] {
        let row = row_of(incoming, &format!("/app/requests/{}", taken.id));
        assert!(
            row.contains(&taken.reference)
                && row.contains("<td>Jamaica</td>")
                && row.contains("<td>Submitted</td>")
                && row.contains("Acknowledge receipt")
                && row.contains("Wanted by"),
            "{row}"
        );
    }
    assert!(
        incoming.find(&late.reference).unwrap() < incoming.find(&sent.reference).unwrap(),
        "overdue first: {incoming}"
    );
    assert!(
        row_of(incoming, &format!("/app/requests/{}", late.id)).contains("OVERDUE"),
        "{incoming}"
    );
    assert!(!row_of(incoming, &format!("/app/requests/{}", sent.id)).contains("OVERDUE"));
    // What JM has not sent is not TT's to see, nor are JM's own parts TT's.
    for hidden in [&ready, &draft] {
        assert!(!tt.contains(&hidden.reference), "{tt}");
    }
    assert!(section(&tt, "outgoing").contains("No outgoing request is open."));
    assert!(!tt.contains("id=\"my-cases\"") && !tt.contains("id=\"referred\""));

    let jm = desk_of(&app, "jm.ca").await;
    let outgoing = section(&jm, "outgoing");
    let row = row_of(outgoing, &format!("/app/requests/{}", ready.id));
    assert!(
        row.contains("Submit to the requested state")
            && row.contains("<td>Trinidad and Tobago</td>"),
        "{row}"
    );
    let row = row_of(outgoing, &format!("/app/requests/{}", sent.id));
    assert!(row.contains("Waiting for the other state"), "{row}");
    assert!(
        !outgoing.contains(&draft.reference),
        "a draft is the case team's: {outgoing}"
    );
    assert!(section(&jm, "incoming").contains("No incoming request waits for your authority."));

    // TT acknowledges: now it is to be decided.
    let res = app
        .post(
            &format!("/api/v1/mla/requests/{}/events", sent.id),
            &d.tt_authority.token,
            &json!({"type": "acknowledged", "their_reference": "AG-TT-2026-77"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let tt = desk_of(&app, "tt.ca").await;
    let row = row_of(
        section(&tt, "incoming"),
        &format!("/app/requests/{}", sent.id),
    );
    assert!(
        row.contains("Decide: accept, refuse or postpone") && row.contains("<td>Acknowledged</td>"),
        "{row}"
    );

    // No one else's desk names these requests.
    for other in ["bb.point", "jm.fraud", "tt.police"] {
        let html = desk_of(&app, other).await;
        for taken in [&sent, &late, &ready, &draft] {
            assert!(!html.contains(&taken.reference), "{other}: {html}");
        }
    }
}

#[actix_web::test]
async fn an_investigators_desk_lists_their_cases_requests_preservations_and_items_to_receive() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let detective = app
        .user_caller("jm.detective", &d.jm_police, &[Role::Investigator])
        .await;
    let own = app.create_case(&detective.token, "Romance scam ring").await;
    let own_id = own["id"].as_str().unwrap();
    let draft = request_through(&app, &d, "Supervisor's case", &[]).await;

    // The supervisor's agency sends an item to the detective.
    let item = app
        .post(
            &format!("/api/v1/cases/{}/evidence", draft.case_id),
            &d.jm_investigator.token,
            &json!({"description": "Seized router", "kind": "device"}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let item_id = item.body["id"].as_str().unwrap();
    let label = item.body["label"].as_str().unwrap();
    let sent = app
        .post(
            &format!("/api/v1/evidence/{item_id}/custody"),
            &d.jm_investigator.token,
            &json!({"type": "transferred", "to_agency_id": d.jm_police, "to_custodian_id": detective.id}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);

    // A preservation of the agency that runs out in three days.
    let pres = app
        .post(
            "/api/v1/preservations",
            &d.jm_point.token,
            &preservation(&d.jm_police),
        )
        .await;
    assert_eq!(pres.status, 201, "{}", pres.body);
    let pres_id = pres.body["id"].as_str().unwrap();
    let preserved = app
        .post(
            &format!("/api/v1/preservations/{pres_id}/events"),
            &d.tt_point.token,
            &json!({"type": "preserved"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    let soon = (chrono::Utc::now() + chrono::Duration::days(3))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f");
    app.exec(&format!(
        "UPDATE preservations SET expires_at = '{soon}' WHERE id = '{pres_id}'"
    ))
    .unwrap();

    // The detective: their own case only, the item coming to them.
    let html = desk_of(&app, "jm.detective").await;
    let cases = section(&html, "my-cases");
    let row = row_of(cases, &format!("/app/cases/{own_id}"));
    assert!(
        row.contains("Romance scam ring") && row.contains("<td>Open</td>"),
        "{row}"
    );
    assert!(
        !cases.contains("Supervisor&#x27;s case") && !cases.contains(&draft.case_id),
        "{cases}"
    );
    assert!(section(&html, "team-requests").contains("No request of your cases is open."));
    let receipts = section(&html, "receipts");
    assert!(
        row_of(receipts, &format!("/app/evidence/{item_id}")).contains(label),
        "{receipts}"
    );
    assert!(!html.contains("id=\"incoming\"") && !html.contains("id=\"referred\""));

    // The supervisor: every case the agency works, the draft to complete, the
    // preservation running out; the item is not theirs to receive.
    let html = desk_of(&app, "jm.inv").await;
    let cases = section(&html, "my-cases");
    assert!(
        cases.contains(&format!("/app/cases/{own_id}"))
            && cases.contains(&format!("/app/cases/{}", draft.case_id)),
        "{cases}"
    );
    let row = row_of(
        section(&html, "team-requests"),
        &format!("/app/requests/{}", draft.id),
    );
    assert!(
        row.contains("Complete the draft and have it approved")
            && row.contains("<td>Draft</td>")
            && row.contains("<td>Trinidad and Tobago</td>"),
        "{row}"
    );
    let row = row_of(
        section(&html, "expiring"),
        &format!("/app/preservations/{pres_id}"),
    );
    assert!(
        row.contains("Extend, release, or follow with a request")
            && row.contains("Preservation expires"),
        "{row}"
    );
    assert!(section(&html, "receipts").contains("No item is on its way to you."));

    // Another agency's desk names none of it.
    let html = desk_of(&app, "jm.fraud").await;
    for hidden in [own_id, draft.id.as_str(), item_id, pres_id] {
        assert!(!html.contains(hidden), "{html}");
    }
}

#[actix_web::test]
async fn a_contact_points_desk_lists_preservations_to_preserve_and_those_running_out() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let sent = app
        .post(
            "/api/v1/preservations",
            &d.jm_point.token,
            &preservation(&d.jm_police),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let id = sent.body["id"].as_str().unwrap();
    let reference = sent.body["reference"].as_str().unwrap();
    let href = format!("/app/preservations/{id}");
    // Its order travels with it (the requesting side adds it before it is preserved),
    // listed on its page and downloaded from there.
    use crate::mla::documents::{add, form, letter};
    let order = add(
        &app,
        &d.jm_point.token,
        &format!("/api/v1/preservations/{id}/documents"),
        form(
            &[
                ("kind", "court_order"),
                ("title", "Preservation order 2026/311"),
            ],
            Some(("application/pdf", &letter())),
        ),
    )
    .await;
    assert_eq!(order.status, 201, "{}", order.body);
    let download = format!("{href}/documents/{}", order.body["id"].as_str().unwrap());

    let tt = desk_of(&app, "tt.point").await;
    let row = row_of(section(&tt, "preservations"), &href);
    assert!(
        row.contains(reference)
            && row.contains("<td>Jamaica</td>")
            && row.contains("Preserve the data")
            && row.contains("None set by the basis"),
        "{row}"
    );
    // Sent, it waits on TT: nothing for JM to do yet.
    let jm = desk_of(&app, "jm.point").await;
    assert!(
        section(&jm, "preservations").contains("No preservation waits for you."),
        "{jm}"
    );

    let preserved = app
        .post(
            &format!("/api/v1/preservations/{id}/events"),
            &d.tt_point.token,
            &json!({"type": "preserved", "their_reference": "TTPS-247-118"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    // Preserved for the basis's 60 days, it is not yet running out.
    let jm = desk_of(&app, "jm.point").await;
    assert!(!jm.contains(&href), "{jm}");
    let soon = (chrono::Utc::now() + chrono::Duration::days(5))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f");
    app.exec(&format!(
        "UPDATE preservations SET expires_at = '{soon}' WHERE id = '{id}'"
    ))
    .unwrap();
    for (who, other) in [("jm.point", "Trinidad and Tobago"), ("tt.point", "Jamaica")] {
        let html = desk_of(&app, who).await;
        let row = row_of(section(&html, "preservations"), &href);
        assert!(
            row.contains(&format!("<td>{other}</td>"))
                && row.contains("<td>Preserved</td>")
                && row.contains("Extend, release, or follow with a request")
                && row.contains("Preservation expires"),
            "{who}: {row}"
        );
    }
    let bb = desk_of(&app, "bb.point").await;
    assert!(!bb.contains(id) && !bb.contains(reference), "{bb}");

    // Its page: in words, with who did each step; not found for anyone else.
    let session = sign_in(&app, "tt.point", PASSWORD).await.unwrap();
    let res = page(&app, &href, Some(&session)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let html = text(&res);
    assert!(
        html.contains(&format!(
            "<a href=\"{download}\">Preservation order 2026/311</a>"
        )),
        "{html}"
    );
    let got = page(&app, &download, Some(&session)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.raw, letter());
    for words in [
        reference,
        "TTPS-247-118",
        "Preserved",
        "Jamaica",
        "Trinidad and Tobago",
        "Requested by the 24/7 point of contact",
        "User jm.point, JCF 24/7 Desk (Jamaica)",
        "User tt.point, TTPS 24/7 Desk (Trinidad and Tobago)",
        "Who holds the data, or where",
        "TT Mobile Ltd, Port of Spain",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    let session = sign_in(&app, "bb.point", PASSWORD).await.unwrap();
    let res = page(&app, &href, Some(&session)).await;
    assert_eq!(res.status, 404);
    assert_eq!(page(&app, &download, Some(&session)).await.status, 404);
    let missing = page(
        &app,
        &format!("/app/preservations/{}", uuid::Uuid::new_v4()),
        Some(&session),
    )
    .await;
    assert_eq!(text(&res), text(&missing));

    // The request that followed it is a link for those who see that request (JM's
    // central authority), and not for a point of contact, who does not.
    let request = crate::mla::preservations::submitted_request(&app, &d).await;
    let followed = app
        .post(
            &format!("/api/v1/preservations/{id}/events"),
            &d.jm_point.token,
            &json!({"type": "mla_followed", "mla_request_id": request}),
        )
        .await;
    assert_eq!(followed.status, 201, "{}", followed.body);
    let link = format!("href=\"/app/requests/{request}\"");
    let ca = sign_in(&app, "jm.ca", PASSWORD).await.unwrap();
    let html = text(&page(&app, &href, Some(&ca)).await);
    assert!(html.contains(&link), "{html}");
    let point = sign_in(&app, "jm.point", PASSWORD).await.unwrap();
    let html = text(&page(&app, &href, Some(&point)).await);
    assert!(
        html.contains("Request for assistance followed") && !html.contains(&link),
        "{html}"
    );
}

#[actix_web::test]
async fn an_auditors_desk_lists_their_states_items_and_verifies_them_without_their_content() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let register = |token: String, title: &'static str| {
        let app = &app;
        async move {
            let case = app.create_case(&token, title).await;
            let res = app
                .post(
                    &format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap()),
                    &token,
                    &json!({"description": format!("Router of {title}"), "kind": "device"}),
                )
                .await;
            assert_eq!(res.status, 201, "{}", res.body);
            res.body
        }
    };
    let jm_item = register(d.jm_investigator.token.clone(), "JM fraud").await;
    let tt_item = register(d.tt_police.token.clone(), "TT fraud").await;
    let jm_id = jm_item["id"].as_str().unwrap();
    let tt_id = tt_item["id"].as_str().unwrap();

    let html = desk_of(&app, "jm.auditor").await;
    let items = section(&html, "verify");
    assert!(
        row_of(items, &format!("/app/evidence/{jm_id}/verification"))
            .contains(jm_item["label"].as_str().unwrap()),
        "{items}"
    );
    assert!(!html.contains(tt_id), "{html}");
    assert!(html.contains("href=\"/app/audit\""), "{html}");

    let session = sign_in(&app, "jm.auditor", PASSWORD).await.unwrap();
    let res = page(
        &app,
        &format!("/app/evidence/{jm_id}/verification"),
        Some(&session),
    )
    .await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let verification = text(&res);
    assert!(
        verification.contains("VERIFIED")
            && verification.contains("<td>Collected</td>")
            && verification.contains(jm_item["label"].as_str().unwrap()),
        "{verification}"
    );
    assert!(
        !verification.contains("Router of JM fraud"),
        "no content: {verification}"
    );
    // The item's own page stays closed to the auditor, and TT's item is not theirs.
    let res = page(&app, &format!("/app/evidence/{jm_id}"), Some(&session)).await;
    assert_eq!(res.status, 404);
    let res = page(
        &app,
        &format!("/app/evidence/{tt_id}/verification"),
        Some(&session),
    )
    .await;
    assert_eq!(res.status, 404);

    let res = page(&app, "/app/audit", Some(&session)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let audit = text(&res);
    assert!(audit.contains("The audit trail is intact"), "{audit}");
    let entries = app.audit_entries().len();
    assert!(entries > 0);
    // Anyone else: not found.
    let session = sign_in(&app, "jm.inv", PASSWORD).await.unwrap();
    assert_eq!(page(&app, "/app/audit", Some(&session)).await.status, 404);
    assert_eq!(
        page(
            &app,
            &format!("/app/evidence/{tt_id}/verification"),
            Some(&session)
        )
        .await
        .status,
        404
    );
}

#[actix_web::test]
async fn one_with_several_roles_sees_each_part_and_one_with_none_is_told_so() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let ministry = app.agency(
        "JM",
        "Ministry of National Security",
        caseledger::agencies::AgencyKind::CentralAuthority,
    );
    app.user(
        "jm.both",
        &ministry,
        &[Role::CentralAuthority, Role::ContactPoint],
    );
    app.user("jm.admin", &d.jm_police, &[Role::Admin]);
    let html = desk_of(&app, "jm.both").await;
    for part in ["incoming", "outgoing", "preservations"] {
        section(&html, part);
    }
    assert!(!html.contains("id=\"my-cases\""), "{html}");
    let html = desk_of(&app, "jm.admin").await;
    assert!(
        html.contains("Nothing waits for you here") && !html.contains("<h2 "),
        "{html}"
    );
}

#[actix_web::test]
async fn case_and_request_pages_link_to_each_other_for_those_who_see_both() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let taken = request_through(
        &app,
        &d,
        "Bank SMS phishing",
        &[
            (&d.jm_prosecutor, "approved"),
            (&d.jm_authority, "submitted"),
        ],
    )
    .await;
    let session = sign_in(&app, "jm.inv", PASSWORD).await.unwrap();
    let case = text(
        &page(
            &app,
            &format!("/app/cases/{}", taken.case_id),
            Some(&session),
        )
        .await,
    );
    let row = row_of(
        section(&case, "requests"),
        &format!("/app/requests/{}", taken.id),
    );
    assert!(
        row.contains(&taken.reference)
            && row.contains("<td>Trinidad and Tobago</td>")
            && row.contains("<td>Submitted</td>"),
        "{row}"
    );
    let request = text(&page(&app, &format!("/app/requests/{}", taken.id), Some(&session)).await);
    assert!(
        request.contains(&format!("<a href=\"/app/cases/{}\">", taken.case_id))
            && request.contains("Bank SMS phishing"),
        "{request}"
    );
    // The requested state sees the request, never its case.
    let session = sign_in(&app, "tt.ca", PASSWORD).await.unwrap();
    let request = text(&page(&app, &format!("/app/requests/{}", taken.id), Some(&session)).await);
    assert!(request.contains(&taken.reference), "{request}");
    assert!(
        !request.contains(&taken.case_id) && !request.contains("Bank SMS phishing"),
        "{request}"
    );
    // Codes in words: the basis by name, what is sought.
    assert!(
        request.contains("Subscriber information") && !request.contains("subscriber_information"),
        "{request}"
    );
}
