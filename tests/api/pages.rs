//! The review pages over HTTP: sign-in with the API's accounts and lockout, cookies
//! and CSRF, the Content-Security-Policy, sign-out, the idle timeout, and a desk that
//! shows only what the person may see.

use crate::common::{PASSWORD, Response, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::json;

pub(crate) fn text(res: &Response) -> String {
    String::from_utf8(res.raw.clone()).unwrap()
}

/// The value of a `Set-Cookie` of `name`, with its attributes.
pub(crate) fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub(crate) fn value(cookie: &str) -> String {
    cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

/// The hidden CSRF field of a page's form.
pub(crate) fn csrf_field(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

/// The first entry's "When" on an evidence page.
fn first_when(html: &str) -> String {
    let at = html.find("<dt>When</dt><dd>").expect("a When field") + 17;
    html[at..].split("</dd>").next().unwrap().to_owned()
}

pub(crate) async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    let header = cookie.map(|c| format!("caseledger={c}"));
    let headers: Vec<(&str, &str)> = header.iter().map(|h| ("Cookie", h.as_str())).collect();
    app.request_with_headers("GET", path, "", &headers, None)
        .await
}

/// Signs in through the form; the session cookie's value.
pub(crate) async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> Result<String, Response> {
    let form = page(app, "/app/login", None).await;
    let token = csrf_field(&text(&form));
    let login = value(&set_cookie(&form, "caseledger-login").unwrap());
    let body = serde_urlencoded::to_string([
        ("username", username),
        ("password", password),
        ("csrf", token.as_str()),
    ])
    .unwrap();
    let cookie = format!("caseledger-login={login}");
    let res = app
        .post_form("/app/login", &[("Cookie", cookie.as_str())], &body)
        .await;
    match set_cookie(&res, "caseledger") {
        Some(session) if res.status == 303 => Ok(value(&session)),
        _ => Err(res),
    }
}

#[actix_web::test]
async fn signing_in_and_out_uses_the_apis_accounts_with_strict_cookies_and_csrf() {
    let app = TestApp::spawn().await;
    let police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    app.user("tt.inv", &police, &[Role::Investigator]);

    // Anonymous: to the sign-in page, which is strict about what it allows.
    let res = page(&app, "/app", None).await;
    assert_eq!(res.headers.get("location").unwrap(), "/app/");
    let res = page(&app, "/app/", None).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.headers.get("location").unwrap(), "/app/login");
    let form = page(&app, "/app/login", None).await;
    assert_eq!(form.status, 200);
    assert!(
        form.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = form
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src"),
        "no script is allowed at all: {csp}"
    );
    let html = text(&form);
    assert!(html.contains("<label for=\"username\">") && html.contains("<html lang=\"en\">"));
    assert!(!html.contains("<script"), "no JavaScript");
    // The pages' icon, served from here (the policy's img-src 'self').
    assert!(
        html.contains("<link rel=\"icon\" href=\"/app/assets/favicon.svg\""),
        "{html}"
    );
    let icon = page(&app, "/app/assets/favicon.svg", None).await;
    assert_eq!(icon.status, 200);
    assert_eq!(icon.content_type(), "image/svg+xml");
    assert!(text(&icon).starts_with("<svg"));
    let login_cookie = set_cookie(&form, "caseledger-login").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(login_cookie.contains(attribute), "{login_cookie}");
    }
    assert_eq!(value(&login_cookie), csrf_field(&html));

    // A form post without the token, or with another's, is refused.
    let body = serde_urlencoded::to_string([
        ("username", "tt.inv"),
        ("password", PASSWORD),
        ("csrf", "forged"),
    ])
    .unwrap();
    let cookie = format!("caseledger-login={}", value(&login_cookie));
    let res = app
        .post_form("/app/login", &[("Cookie", cookie.as_str())], &body)
        .await;
    assert_eq!(res.status, 403);
    assert!(set_cookie(&res, "caseledger").is_none());
    let body =
        serde_urlencoded::to_string([("username", "tt.inv"), ("password", PASSWORD)]).unwrap();
    assert_eq!(app.post_form("/app/login", &[], &body).await.status, 403);

    // A wrong password is the API's refusal, and counts towards its lockout.
    let refused = sign_in(&app, "tt.inv", "not-the-password")
        .await
        .unwrap_err();
    assert_eq!(refused.status, 401);
    assert!(text(&refused).contains("not right"), "{}", text(&refused));
    assert!(
        app.audit_entries()
            .iter()
            .any(|e| e["action"] == "auth.login_failed")
    );

    // Signed in: a strict session cookie, and the desk.
    let session = sign_in(&app, "tt.inv", PASSWORD).await.unwrap();
    let desk = page(&app, "/app/", Some(&session)).await;
    assert_eq!(desk.status, 200, "{}", text(&desk));
    let html = text(&desk);
    assert!(
        html.contains("User tt.inv, TTPS Cyber Crime Unit (Trinidad and Tobago)"),
        "{html}"
    );
    let csrf = csrf_field(&html);

    // Sign-out: refused from another site or without the token; then the session ends.
    let cookie = format!("caseledger={session}");
    let body = format!("csrf={csrf}");
    let res = app
        .post_form(
            "/app/logout",
            &[
                ("Cookie", cookie.as_str()),
                ("Origin", "https://elsewhere.example"),
            ],
            &body,
        )
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .post_form(
            "/app/logout",
            &[
                ("Cookie", cookie.as_str()),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            &body,
        )
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .post_form("/app/logout", &[("Cookie", cookie.as_str())], "csrf=")
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        page(&app, "/app/", Some(&session)).await.status,
        200,
        "still signed in"
    );
    let res = app
        .post_form("/app/logout", &[("Cookie", cookie.as_str())], &body)
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(res.headers.get("location").unwrap(), "/app/login");
    assert!(
        set_cookie(&res, "caseledger")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        page(&app, "/app/", Some(&session)).await.status,
        303,
        "the old cookie is dead"
    );
    assert!(
        app.audit_entries()
            .iter()
            .any(|e| e["action"] == "auth.logout" && e["details"]["via"] == "pages")
    );
}

#[actix_web::test]
async fn five_wrong_passwords_lock_the_account_for_the_pages_as_for_the_api() {
    let app = TestApp::spawn().await;
    let police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    app.user("tt.inv", &police, &[Role::Investigator]);
    for _ in 0..5 {
        assert_eq!(
            sign_in(&app, "tt.inv", "wrong-password-1")
                .await
                .unwrap_err()
                .status,
            401
        );
    }
    assert_eq!(
        sign_in(&app, "tt.inv", PASSWORD).await.unwrap_err().status,
        401,
        "locked"
    );
    let api = app
        .send_json(
            "POST",
            "/api/v1/auth/login",
            None,
            &json!({"username": "tt.inv", "password": PASSWORD}),
        )
        .await;
    assert_eq!(api.status, 401, "the API sees the same lock");
}

#[actix_web::test]
async fn an_idle_sign_in_ends_and_unknown_pages_are_not_found() {
    let app = TestApp::spawn_with(|s| s.web_idle_secs = 1).await;
    let police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    app.user("tt.inv", &police, &[Role::Investigator]);
    let session = sign_in(&app, "tt.inv", PASSWORD).await.unwrap();
    assert_eq!(page(&app, "/app/", Some(&session)).await.status, 200);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        page(&app, "/app/", Some(&session)).await.status,
        303,
        "idle too long"
    );
    let missing = page(&app, "/app/no-such-page", None).await;
    assert_eq!(missing.status, 404);
    assert!(text(&missing).contains("Not found"));
    assert!(
        missing
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[actix_web::test]
async fn the_desk_lists_the_cases_referred_to_the_prosecutors_service_and_no_others() {
    let app = TestApp::spawn().await;
    let police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let dpp = app.agency("TT", "Office of the DPP", AgencyKind::Prosecution);
    let other_dpp = app.agency("JM", "ODPP Jamaica", AgencyKind::Prosecution);
    let inv = app
        .user_caller("tt.inv", &police, &[Role::Investigator])
        .await;
    let sup = app
        .user_caller("tt.sup", &police, &[Role::Supervisor])
        .await;
    app.user("tt.pros", &dpp, &[Role::Prosecutor]);
    app.user("jm.pros", &other_dpp, &[Role::Prosecutor]);
    let referred = app.create_case(&inv.token, "Ransomware at the port").await;
    app.create_case(&inv.token, "Unreferred phishing case")
        .await;
    let id = referred["id"].as_str().unwrap();
    for (token, body) in [
        (&inv.token, json!({"status": "under_investigation"})),
        (
            &sup.token,
            json!({"status": "referred_to_prosecution", "prosecution_agency_id": dpp}),
        ),
    ] {
        let read = app.get(&format!("/api/v1/cases/{id}"), token).await;
        let etag = read
            .headers
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let res = app
            .request_with_headers(
                "PATCH",
                &format!("/api/v1/cases/{id}"),
                token,
                &[("If-Match", &etag)],
                Some(&body),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let item = app
        .post(
            &format!("/api/v1/cases/{id}/evidence"),
            &inv.token,
            &json!({"description": "Seized router", "kind": "device"}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let session = sign_in(&app, "tt.pros", PASSWORD).await.unwrap();
    let html = text(&page(&app, "/app/", Some(&session)).await);
    assert!(html.contains("Ransomware at the port"), "{html}");
    assert!(
        html.contains(&format!("href=\"/app/cases/{id}\"")),
        "{html}"
    );

    // The case page: summary, the agencies it is shared with, how its status came to
    // be, and its items with their verdicts.
    let res = page(&app, &format!("/app/cases/{id}"), Some(&session)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let case_page = text(&res);
    assert!(
        case_page.contains("Ransomware at the port")
            && case_page.contains("TTPS Cyber Crime Unit (Trinidad and Tobago)"),
        "{case_page}"
    );
    assert!(
        case_page.contains("<td>Office of the DPP</td><td>Trinidad and Tobago</td><td>Read</td>"),
        "{case_page}"
    );
    assert!(
        case_page
            .contains("<th scope=\"row\">Offences</th><td>Computer-related fraud; Phishing</td>"),
        "the case's offences in words: {case_page}"
    );
    let opened = case_page.find("Open (opened)").expect("opened");
    let investigated = case_page
        .find("Open \u{2192} Under investigation")
        .expect("under investigation");
    let referred_at = case_page
        .find("Under investigation \u{2192} Referred to prosecution")
        .expect("referred");
    assert!(
        opened < investigated && investigated < referred_at,
        "in order: {case_page}"
    );
    assert!(
        case_page.contains("User tt.sup"),
        "who referred it: {case_page}"
    );
    let item_id = item.body["id"].as_str().unwrap();
    assert!(
        case_page.contains(&format!("href=\"/app/evidence/{item_id}\""))
            && case_page.contains("Seized router")
    );
    assert!(case_page.contains("<td>No alert</td>"), "{case_page}");
    assert!(html.contains(referred["reference"].as_str().unwrap()));
    assert!(!html.contains("Unreferred phishing case"));
    let elsewhere = sign_in(&app, "jm.pros", PASSWORD).await.unwrap();
    for path in [
        format!("/app/cases/{id}"),
        format!("/app/cases/{}", uuid::Uuid::now_v7()),
        "/app/cases/nope".to_owned(),
    ] {
        let res = page(&app, &path, Some(&elsewhere)).await;
        assert_eq!(res.status, 404, "{path}");
        assert!(!text(&res).contains("Ransomware"));
    }
    let html = text(&page(&app, "/app/", Some(&elsewhere)).await);
    assert!(!html.contains("Ransomware at the port"), "{html}");
    assert!(html.contains("No case is referred to your service."));
    // The desk's read is audited as the case list, naming what it showed.
    assert!(app.audit_entries().iter().any(|e| {
        e["action"] == "case.list"
            && e["details"]["page"] == "desk"
            && e["details"]["case_ids"][0] == id
    }));
}

#[actix_web::test]
async fn the_evidence_page_puts_the_verdict_first_and_hides_the_item_from_other_agencies() {
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let rbpf = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    app.user("bb.inv", &rbpf, &[Role::Investigator]);
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let item = app
        .post(
            &format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap()),
            &inv.token,
            &json!({"description": "Seized laptop", "kind": "device",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "collected": {"location": "Kingston, Jamaica", "reason": "seized under warrant", "authority": "Warrant 2026/117"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let id = item.body["id"].as_str().unwrap().to_owned();
    let mismatch = app
        .post(
            &format!("/api/v1/evidence/{id}/custody"),
            &inv.token,
            &json!({"type": "hash_verified", "hash": {"algorithm": "sha-256",
                    "value": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"}}),
        )
        .await;
    assert_eq!(mismatch.status, 201, "{}", mismatch.body);

    let session = sign_in(&app, "jm.inv", PASSWORD).await.unwrap();
    // The case page lists the item with the alert its record holds, kept as the
    // failed check committed.
    let case_page = text(
        &page(
            &app,
            &format!("/app/cases/{}", case["id"].as_str().unwrap()),
            Some(&session),
        )
        .await,
    );
    let row = &case_page[case_page.find(&format!("/app/evidence/{id}")).unwrap()..];
    assert!(
        row[..row.find("</tr>").unwrap()]
            .contains("<strong class=\"error\">INTEGRITY ALERT</strong>"),
        "{case_page}"
    );
    let res = page(&app, &format!("/app/evidence/{id}"), Some(&session)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let html = text(&res);
    let verdict = html.find("Verdict: INTEGRITY ALERT").expect("the verdict");
    let timeline = html.find("Custody timeline").unwrap();
    assert!(verdict < timeline, "the verdict comes first");
    assert!(html.contains("failed an integrity check"));
    assert!(html.contains("Entry 0 - Collected") && html.contains("Entry 1 - Hash verified"));
    assert!(html.contains("User jm.inv, JCF Cybercrime Unit (Jamaica)"));
    assert!(html.contains("Warrant 2026/117") && html.contains("Kingston, Jamaica"));
    // Times in the viewer's state's zone, then in UTC; the report reads UTC only.
    let when = first_when(&html);
    assert!(when.contains("(America/Jamaica, UTC-05:00) · "), "{when}");
    assert!(when.ends_with(" UTC"), "{when}");
    let mark = html
        .find("INTEGRITY ALERT: the hash observed differs")
        .expect("the mark");
    assert!(
        mark > html.find("Entry 1 - Hash verified").unwrap(),
        "marked where it happens"
    );

    // The downloads are the API's documents.
    let pdf = page(
        &app,
        &format!("/app/evidence/{id}/report.pdf"),
        Some(&session),
    )
    .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers.get("content-type").unwrap(), "application/pdf");
    assert!(pdf.raw.starts_with(b"%PDF-"));
    let bundle = page(
        &app,
        &format!("/app/evidence/{id}/bundle.json"),
        Some(&session),
    )
    .await;
    assert_eq!(bundle.status, 200);
    let bundle: serde_json::Value = serde_json::from_slice(&bundle.raw).unwrap();
    assert_eq!(bundle["evidence_id"], id.as_str());
    let key = crate::custody::log_key(&app, &inv.token).await;
    let (code, output) = crate::custody::verify_offline(&app, &bundle, &key).await;
    assert_eq!(code, 3, "an integrity alert: {output}");

    // Another agency's investigator, a missing item and a malformed id: the same
    // not-found page, for the page and both downloads.
    let other = sign_in(&app, "bb.inv", PASSWORD).await.unwrap();
    let missing = uuid::Uuid::now_v7().to_string();
    for (who, target) in [
        (&other, id.as_str()),
        (&session, missing.as_str()),
        (&session, "not-an-id"),
    ] {
        for suffix in ["", "/report.pdf", "/bundle.json"] {
            let res = page(&app, &format!("/app/evidence/{target}{suffix}"), Some(who)).await;
            assert_eq!(res.status, 404, "{target}{suffix}");
            let html = text(&res);
            assert!(
                html.contains("Not found") && !html.contains("Seized laptop"),
                "{html}"
            );
        }
    }
}

/// Two drafts of a JM case to Trinidad and Tobago: one its basis finds incomplete,
/// one ready (wanted within the week).
struct Drafts {
    app: TestApp,
    w: crate::mla::World,
    case_id: String,
    incomplete: String,
    ready: String,
    /// The ready one's reference.
    reference: String,
}

async fn drafts() -> Drafts {
    let app = TestApp::spawn().await;
    let w = crate::mla::world(&app).await;
    let t = w.investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let case_id = case_id.as_str();
    let incomplete = app
        .post("/api/v1/mla/requests", t, &crate::mla::draft(case_id))
        .await;
    assert_eq!(incomplete.status, 201, "{}", incomplete.body);
    let incomplete = incomplete.body["id"].as_str().unwrap().to_owned();
    // Wanted within the week: a deadline for the desk.
    let mut body = crate::mla::complete(case_id);
    body["wanted_by"] = json!(
        (chrono::Utc::now() + chrono::Duration::days(3))
            .format("%Y-%m-%d")
            .to_string()
    );
    let ready = app.post("/api/v1/mla/requests", t, &body).await;
    assert_eq!(ready.status, 201, "{}", ready.body);
    let reference = ready.body["reference"].as_str().unwrap().to_owned();
    let ready = ready.body["id"].as_str().unwrap().to_owned();
    Drafts {
        case_id: case_id.to_owned(),
        app,
        w,
        incomplete,
        ready,
        reference,
    }
}

/// The case shared with the DPP, whose prosecutors then see its requests.
async fn share_with_dpp(d: &Drafts) {
    let dpp = d.app.get("/api/v1/me", &d.w.jm_prosecutor.token).await.body["agency_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shared = d
        .app
        .post(
            &format!("/api/v1/cases/{}/participants", d.case_id),
            &d.w.investigator.token,
            &json!({"agency_id": dpp, "access": "read"}),
        )
        .await;
    assert_eq!(shared.status, 201, "{}", shared.body);
}

/// The prosecutor signed in on the pages: the session, its cookie header and the body
/// of a form carrying its CSRF token.
struct Prosecutor {
    session: String,
    cookie: String,
    body: String,
}

async fn prosecutor(app: &TestApp) -> Prosecutor {
    let session = sign_in(app, "jm.prosecutor", PASSWORD).await.unwrap();
    let csrf = csrf_field(&text(&page(app, "/app/", Some(&session)).await));
    Prosecutor {
        cookie: format!("caseledger={session}"),
        body: format!("csrf={csrf}"),
        session,
    }
}

#[actix_web::test]
async fn the_dpp_sees_drafts_once_their_case_is_shared_each_with_what_it_still_misses() {
    let d = drafts().await;
    let Drafts {
        app,
        incomplete,
        ready,
        reference,
        ..
    } = &d;
    let session = sign_in(app, "jm.prosecutor", PASSWORD).await.unwrap();
    // The DPP sees nothing until the case is shared with it.
    let res = page(app, &format!("/app/requests/{incomplete}"), Some(&session)).await;
    assert_eq!(res.status, 404);
    share_with_dpp(&d).await;
    // The desk lists both drafts as awaiting approval, with what each still misses.
    let desk = text(&page(app, "/app/", Some(&session)).await);
    assert!(
        desk.contains(&format!("href=\"/app/requests/{incomplete}\"")),
        "{desk}"
    );
    assert!(
        desk.contains(&format!("href=\"/app/requests/{ready}\"")),
        "{desk}"
    );
    assert!(
        desk.contains("Wanted by") && desk.contains(reference.as_str()),
        "{desk}"
    );
    let res = page(app, &format!("/app/requests/{incomplete}"), Some(&session)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let html = text(&res);
    assert!(
        html.contains("Completeness check") && html.contains("Its legal basis still requires:"),
        "{html}"
    );
    assert!(html.contains("<li>Proceedings</li>"), "{html}");
    assert!(html.contains("Approve this request"));
    assert!(
        html.contains("SMS phishing against customers of a Jamaican bank"),
        "the content: {html}"
    );
    // Content in the catalogue's words, and what a member holds named, not as JSON.
    assert!(
        html.contains("<th scope=\"row\">Summary of the facts</th>"),
        "{html}"
    );
    let ready_page = text(&page(app, &format!("/app/requests/{ready}"), Some(&session)).await);
    assert!(
        ready_page.contains("Name: Det. Sgt. Brown, Email: brown@jcf.example"),
        "{ready_page}"
    );
    assert!(!ready_page.contains("{&quot;") && !ready_page.contains("{\""));
}

#[actix_web::test]
async fn a_draft_its_basis_finds_incomplete_is_refused_and_its_page_says_why() {
    let d = drafts().await;
    share_with_dpp(&d).await;
    let Drafts {
        app, w, incomplete, ..
    } = &d;
    let t = w.investigator.token.as_str();
    let Prosecutor {
        session,
        cookie,
        body,
    } = prosecutor(app).await;
    // Incomplete: refused, and the page says what is missing.
    let res = app
        .post_form(
            &format!("/app/requests/{incomplete}/approve"),
            &[("Cookie", cookie.as_str())],
            &body,
        )
        .await;
    // The browser goes back to the request's page, which says why (a reload of it
    // posts nothing).
    assert_eq!(res.status, 303, "{}", text(&res));
    let back = res.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(
        back,
        format!("/app/requests/{incomplete}?refused=incomplete")
    );
    let html = text(&page(app, back, Some(&session)).await);
    assert!(
        html.contains("The request was not approved:")
            && html.contains("Its legal basis still requires what the completeness check lists.")
            && html.contains("<li>Proceedings</li>"),
        "{html}"
    );
    let api = app
        .get(&format!("/api/v1/mla/requests/{incomplete}"), t)
        .await;
    assert_eq!(api.body["status"], "draft");
}

#[actix_web::test]
async fn approving_needs_the_forms_token_and_the_approved_draft_leaves_the_desk_for_its_deadline() {
    let d = drafts().await;
    share_with_dpp(&d).await;
    let Drafts {
        app,
        w,
        ready,
        reference,
        ..
    } = &d;
    let t = w.investigator.token.as_str();
    let Prosecutor {
        session,
        cookie,
        body,
    } = prosecutor(app).await;
    // Without the token, nothing happens; with it, the complete one is approved.
    let res = app
        .post_form(
            &format!("/app/requests/{ready}/approve"),
            &[("Cookie", cookie.as_str())],
            "csrf=",
        )
        .await;
    assert_eq!(res.status, 403);
    let api = app.get(&format!("/api/v1/mla/requests/{ready}"), t).await;
    assert_eq!(api.body["status"], "draft");
    let res = app
        .post_form(
            &format!("/app/requests/{ready}/approve"),
            &[("Cookie", cookie.as_str())],
            &body,
        )
        .await;
    assert_eq!(res.status, 303, "{}", text(&res));
    let location = res
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let after = text(&page(app, &location, Some(&session)).await);
    assert!(
        after.contains("The request is approved.") && after.contains(reference.as_str()),
        "{after}"
    );
    assert!(
        after.contains("<td>Approved by the prosecutor</td>"),
        "the history: {after}"
    );
    assert!(!after.contains("Approve this request"), "approved once");
    let api = app.get(&format!("/api/v1/mla/requests/{ready}"), t).await;
    assert_eq!(api.body["status"], "approved");
    let desk = text(&page(app, "/app/", Some(&session)).await);
    let awaiting =
        &desk[desk.find("id=\"awaiting\"").unwrap()..desk.find("id=\"deadlines\"").unwrap()];
    assert!(
        !awaiting.contains(&format!("href=\"/app/requests/{ready}\"")),
        "approved: no longer waiting: {awaiting}"
    );
    // Submitted, it has a deadline to be acknowledged by, on the desk of those who see it.
    let submitted = app
        .post(
            &format!("/api/v1/mla/requests/{ready}/events"),
            &w.jm_authority.token,
            &json!({"type": "submitted"}),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    // The desk's deadlines are the API's, for the same person.
    let desk = text(&page(app, "/app/", Some(&session)).await);
    let listed = app.get("/api/v1/deadlines", &w.jm_prosecutor.token).await;
    let due = listed.body["items"].as_array().unwrap();
    for d in due {
        assert!(
            desk.contains(d["reference"].as_str().unwrap()),
            "{d}: {desk}"
        );
    }
    assert_eq!(
        due.is_empty(),
        desk.contains("Nothing falls due in the next 7 days.")
    );
    assert!(
        !due.is_empty(),
        "the wanted-by date falls due: {}",
        listed.body
    );
    assert!(desk.contains("Wanted by"), "{desk}");
    // A second approval is the API's conflict, said on the request's page.
    let res = app
        .post_form(
            &format!("/app/requests/{ready}/approve"),
            &[("Cookie", cookie.as_str())],
            &body,
        )
        .await;
    assert_eq!(res.status, 303, "{}", text(&res));
    let back = res.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(back, format!("/app/requests/{ready}?refused=not-draft"));
    let html = text(&page(app, back, Some(&session)).await);
    assert!(html.contains("The request was not approved:"), "{html}");
}

#[actix_web::test]
async fn the_investigator_sees_the_request_without_the_button_and_the_requested_states_police_nothing()
 {
    let d = drafts().await;
    share_with_dpp(&d).await;
    let Drafts {
        app, incomplete, ..
    } = &d;
    // The investigator sees the request, without the check or the button; the
    // requested state's police do not see a draft at all.
    let inv = sign_in(app, "jm.detective", PASSWORD).await.unwrap();
    let html = text(&page(app, &format!("/app/requests/{incomplete}"), Some(&inv)).await);
    assert!(html.contains("Mutual legal assistance request"), "{html}");
    assert!(!html.contains("Approve this request") && !html.contains("Completeness check"));
    let tt = sign_in(app, "tt.supervisor", PASSWORD).await.unwrap();
    let res = page(app, &format!("/app/requests/{incomplete}"), Some(&tt)).await;
    assert_eq!(res.status, 404);
    let tt_cookie = format!("caseledger={tt}");
    let tt_csrf = csrf_field(&text(&page(app, "/app/", Some(&tt)).await));
    let res = app
        .post_form(
            &format!("/app/requests/{incomplete}/approve"),
            &[("Cookie", tt_cookie.as_str())],
            &format!("csrf={tt_csrf}"),
        )
        .await;
    assert_eq!(res.status, 404, "{}", text(&res));
}

#[actix_web::test]
async fn a_password_that_must_be_changed_is_changed_on_its_page_first() {
    let app = TestApp::spawn().await;
    // The first administrator must change the bootstrap password.
    let session = sign_in(&app, "tt.admin", crate::common::BOOTSTRAP_PASSWORD)
        .await
        .unwrap();
    let res = page(&app, "/app/", Some(&session)).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.headers.get("location").unwrap(), "/app/password");
    let form = page(&app, "/app/password", Some(&session)).await;
    assert_eq!(form.status, 200);
    let html = text(&form);
    assert!(html.contains("<label for=\"new_password\">"), "{html}");
    let csrf = csrf_field(&html);
    let cookie = format!("caseledger={session}");
    let post = |current: &str, new: &str, token: &str| {
        serde_urlencoded::to_string([
            ("csrf", token),
            ("current_password", current),
            ("new_password", new),
        ])
        .unwrap()
    };
    // Without the token, a wrong current password, a weak new one: refused, and said why.
    let res = app
        .post_form(
            "/app/password",
            &[("Cookie", cookie.as_str())],
            &post(crate::common::BOOTSTRAP_PASSWORD, PASSWORD, "x"),
        )
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .post_form(
            "/app/password",
            &[("Cookie", cookie.as_str())],
            &post("not-it-at-all", PASSWORD, &csrf),
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        text(&res).contains("Current password is wrong"),
        "{}",
        text(&res)
    );
    let res = app
        .post_form(
            "/app/password",
            &[("Cookie", cookie.as_str())],
            &post(crate::common::BOOTSTRAP_PASSWORD, "password", &csrf),
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        text(&res).contains("New password must be at least 12 characters"),
        "{}",
        text(&res)
    );
    // Changed: on to the desk, and the new password signs in (the API's too).
    let res = app
        .post_form(
            "/app/password",
            &[("Cookie", cookie.as_str())],
            &post(crate::common::BOOTSTRAP_PASSWORD, PASSWORD, &csrf),
        )
        .await;
    assert_eq!(res.status, 303, "{}", text(&res));
    assert_eq!(res.headers.get("location").unwrap(), "/app/");
    assert_eq!(page(&app, "/app/", Some(&session)).await.status, 200);
    assert!(sign_in(&app, "tt.admin", PASSWORD).await.is_ok());
    assert!(
        sign_in(&app, "tt.admin", crate::common::BOOTSTRAP_PASSWORD)
            .await
            .is_err()
    );
    assert!(
        app.audit_entries()
            .iter()
            .any(|e| e["action"] == "auth.password_change")
    );
}

/// The requested central authority opening a submitted request on its page delivers
/// it, exactly as opening it through the API does: once, in its history, by the
/// service.
#[actix_web::test]
async fn opening_a_request_on_its_page_delivers_it_once() {
    let app = TestApp::spawn().await;
    let d = crate::mla::preservations::desks(&app).await;
    let id = crate::mla::preservations::submitted_request(&app, &d).await;
    let path = format!("/api/v1/mla/requests/{id}");
    // The requesting side's readings deliver nothing.
    let jm = sign_in(&app, "jm.ca", PASSWORD).await.expect("signed in");
    assert_eq!(
        page(&app, &format!("/app/requests/{id}"), Some(&jm))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&path, &d.jm_investigator.token).await.body["status"],
        "submitted"
    );

    let tt = sign_in(&app, "tt.ca", PASSWORD).await.expect("signed in");
    for _ in 0..2 {
        let res = page(&app, &format!("/app/requests/{id}"), Some(&tt)).await;
        assert_eq!(res.status, 200, "{}", text(&res));
        let html = text(&res);
        assert!(html.contains("<td>Delivered</td>"), "{html}");
    }
    let history = app
        .get(&format!("{path}/events"), &d.jm_investigator.token)
        .await;
    let delivered: Vec<&serde_json::Value> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "delivered")
        .collect();
    assert_eq!(delivered.len(), 1, "{}", history.body);
    assert_eq!(
        app.get(&path, &d.jm_investigator.token).await.body["status"],
        "delivered"
    );
}

/// The evidence page names the item's stored content and downloads it, the download
/// recorded in the item's custody like any other; another agency gets the not-found
/// page for it.
#[actix_web::test]
async fn the_evidence_page_names_the_stored_content_and_downloads_it() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let rbpf = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    app.user("bb.inv", &rbpf, &[Role::Investigator]);
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 211) as u8).collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    let item = app
        .post(
            &format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap()),
            &inv.token,
            &json!({"description": "Server logs", "kind": "logs", "sha256": sha, "size_bytes": bytes.len()}),
        )
        .await;
    let id = item.body["id"].as_str().unwrap().to_owned();
    let stored = app
        .send_bytes(
            "PUT",
            &format!("/api/v1/evidence/{id}/content"),
            &inv.token,
            &[("Content-Type", "application/octet-stream")],
            bytes.clone(),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);

    let session = sign_in(&app, "jm.inv", PASSWORD).await.unwrap();
    let html = text(&page(&app, &format!("/app/evidence/{id}"), Some(&session)).await);
    assert!(
        html.contains("<th scope=\"row\">Stored content</th>"),
        "{html}"
    );
    assert!(html.contains(&sha), "{html}");
    assert!(
        html.contains(&format!("href=\"/app/evidence/{id}/content\"")),
        "{html}"
    );
    let got = page(&app, &format!("/app/evidence/{id}/content"), Some(&session)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.raw, bytes);
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &inv.token)
        .await;
    assert_eq!(custody.body[2]["entry"]["type"], "content_downloaded");

    let other = sign_in(&app, "bb.inv", PASSWORD).await.unwrap();
    let hidden = page(&app, &format!("/app/evidence/{id}/content"), Some(&other)).await;
    assert_eq!(hidden.status, 404);
    assert!(text(&hidden).contains("Not found"));
}

/// A multipart form of the request page: its fields in order, then perhaps a file.
pub(crate) fn document_form(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "page-form-boundary-41c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"answer.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                .into_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The request page lists the request's documents, each downloadable, and offers the
/// reader a form (no script, CSRF token first) for the kinds it may add now.
#[actix_web::test]
async fn the_request_page_lists_documents_and_adds_one_from_its_form() {
    let app = TestApp::spawn().await;
    let d = crate::mla::preservations::desks(&app).await;
    let id = crate::mla::preservations::submitted_request(&app, &d).await;
    let path = format!("/app/requests/{id}");
    let answer: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..90_000u32).map(|i| (i % 251) as u8))
        .collect();

    // The requested central authority: the form offers its side's kinds only.
    let tt = sign_in(&app, "tt.ca", PASSWORD).await.expect("signed in");
    let html = text(&page(&app, &path, Some(&tt)).await);
    assert!(html.contains("No document has been added"), "{html}");
    // Its codes in words: the states and the legal basis by name; a deadline not set
    // says so instead of a blank.
    let fact = |name: &str, value: &str| format!("<th scope=\"row\">{name}</th><td>{value}</td>");
    assert!(html.contains(&fact("From", "Jamaica")), "{html}");
    assert!(html.contains(&fact("To", "Trinidad and Tobago")), "{html}");
    assert!(!html.contains("<td></td>"), "no blank fact: {html}");
    let code = app
        .get(&format!("/api/v1/mla/requests/{id}"), &d.tt_authority.token)
        .await
        .body["legal_basis"]
        .as_str()
        .unwrap()
        .to_owned();
    let basis = app
        .get(
            &format!("/api/v1/legal-bases/{code}"),
            &d.tt_authority.token,
        )
        .await;
    let name = basis.body["name"].as_str().unwrap();
    assert_ne!(name, code);
    assert!(html.contains(&fact("Legal basis", name)), "{html}");
    assert!(
        html.contains(&fact("To be executed by", "None set")),
        "{html}"
    );
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(
        html.contains("<option value=\"response\">Response</option>"),
        "{html}"
    );
    assert!(!html.contains("value=\"letter_of_request\""), "{html}");
    let csrf = csrf_field(&html);
    let cookie = format!("caseledger={tt}");
    let post = |fields: Vec<(&'static str, String)>, file: Option<Vec<u8>>| {
        let app = &app;
        let cookie = cookie.clone();
        let path = format!("{path}/documents");
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (media, body) = document_form(&fields, file.as_deref());
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
    let fields = |token: &str, kind: &str| {
        vec![
            ("csrf", token.to_owned()),
            ("kind", kind.to_owned()),
            ("title", "Answer of the Attorney General".to_owned()),
            ("language", String::new()),
        ]
    };
    // Without the token (or with it anywhere but first), nothing is read or added.
    let forged = post(fields("forged", "response"), Some(answer.clone())).await;
    assert_eq!(forged.status, 403);
    // A kind of the other side: refused on the page, saying why.
    let refused = post(fields(&csrf, "letter_of_request"), Some(answer.clone())).await;
    assert_eq!(refused.status, 403, "{}", text(&refused));
    let html = text(&refused);
    assert!(html.contains("The document was not added:"), "{html}");
    let listed = app
        .get(
            &format!("/api/v1/mla/requests/{id}/documents"),
            &d.tt_authority.token,
        )
        .await;
    assert_eq!(listed.body, json!([]));

    let added = post(fields(&csrf, "response"), Some(answer.clone())).await;
    assert_eq!(added.status, 303, "{}", text(&added));
    let to = added.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(to, format!("{path}?document=added"));
    let html = text(&page(&app, to, Some(&tt)).await);
    assert!(html.contains("The document is added"), "{html}");
    assert!(html.contains("Answer of the Attorney General"), "{html}");
    let listed = app
        .get(
            &format!("/api/v1/mla/requests/{id}/documents"),
            &d.tt_authority.token,
        )
        .await;
    let document = listed.body[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed.body[0]["language"], serde_json::Value::Null);
    // A language the catalogue names is shown by its name.
    let mut french = fields(&csrf, "response");
    french[2].1 = "The answer, in French".to_owned();
    french[3].1 = "fr".to_owned();
    let added = post(french, Some(answer.clone())).await;
    assert_eq!(added.status, 303, "{}", text(&added));
    let html = text(&page(&app, &path, Some(&tt)).await);
    assert!(html.contains("<td>French</td>"), "{html}");

    // The requesting side reads it on its page and downloads it; it may add nothing now.
    let jm = sign_in(&app, "jm.ca", PASSWORD).await.expect("signed in");
    let html = text(&page(&app, &path, Some(&jm)).await);
    let link = format!("{path}/documents/{document}");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(html.contains("<td>Response</td>"), "{html}");
    assert!(!html.contains("enctype=\"multipart/form-data\""), "{html}");
    let got = page(&app, &link, Some(&jm)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.raw, answer);
    // Someone who does not see the request: not found, as for a document that is not.
    let bb = sign_in(&app, "bb.point", PASSWORD)
        .await
        .expect("signed in");
    assert_eq!(page(&app, &link, Some(&bb)).await.status, 404);
    let unknown = format!("{path}/documents/{}", uuid::Uuid::new_v4());
    assert_eq!(page(&app, &unknown, Some(&jm)).await.status, 404);

    // The requested state's own reference, once it acknowledges the request.
    assert!(!html.contains("Their reference"), "{html}");
    let acknowledged = app
        .post(
            &format!("/api/v1/mla/requests/{id}/events"),
            &d.tt_authority.token,
            &json!({"type": "acknowledged", "their_reference": "AG-TT-2026-0413"}),
        )
        .await;
    assert_eq!(acknowledged.status, 201, "{}", acknowledged.body);
    let html = text(&page(&app, &path, Some(&jm)).await);
    assert!(
        html.contains(&fact("Their reference", "AG-TT-2026-0413")),
        "{html}"
    );
    // The history names who took each step: person, agency and state.
    assert!(
        html.contains("Office of the AG (Trinidad and Tobago)</td>"),
        "{html}"
    );
    assert!(
        html.contains("Ministry of Justice (Jamaica)</td>"),
        "{html}"
    );
}
