//! Step-up: the actions that ask for a second factor given in the last
//! `CASELEDGER_STEP_UP_SECS`, refused without one for every role that may do them,
//! and done once the factor is given again; an administrator's reset of another
//! person's factors.

use crate::common::{PASSWORD, Response, TestApp};
use crate::factors::{base32_decode, unix_now};
use caseledger::agencies::AgencyKind;
use caseledger::auth::factors::code_at;
use caseledger::auth::roles::Role;
use caseledger::config::MfaPolicy;
use serde_json::{Value, json};

/// A person signed in who holds a confirmed TOTP factor.
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) token: String,
    pub(crate) secret: Vec<u8>,
}

/// Enrols and confirms a TOTP factor in `token`'s session (an enrol-only session
/// under `required`); the factor counts as given now.
pub(crate) async fn enrol(app: &TestApp, token: &str) -> Vec<u8> {
    let begun = app
        .post("/api/v1/me/factors", token, &json!({"kind": "totp"}))
        .await;
    assert_eq!(begun.status, 201, "{}", begun.body);
    let secret = base32_decode(begun.body["secret"].as_str().unwrap());
    let confirm = format!(
        "/api/v1/me/factors/{}/confirm",
        begun.body["id"].as_str().unwrap()
    );
    let confirmed = app
        .post(
            &confirm,
            token,
            &json!({"code": code_at(&secret, unix_now())}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    secret
}

/// A new person of `agency` with `roles`, signed in and enrolled.
pub(crate) async fn person(app: &TestApp, name: &str, agency: &str, roles: &[Role]) -> Person {
    let username = app.username_in(agency, name);
    let id = app.user(&username, agency, roles);
    let res = app.login(&username, PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["factor_enrolment_required"], true);
    let token = res.body["access_token"].as_str().unwrap().to_owned();
    let secret = enrol(app, &token).await;
    Person { id, token, secret }
}

/// Moves the moment `person` last gave a factor six minutes back.
pub(crate) fn age_factor(app: &TestApp, id: &str) {
    app.exec(&format!(
        "UPDATE sessions SET factor_at = factor_at - INTERVAL '6 minutes' WHERE user_id = '{id}'"
    ))
    .or_else(|_| {
        app.exec(&format!(
            "UPDATE sessions SET factor_at = datetime(factor_at, '-6 minutes') WHERE user_id = '{id}'"
        ))
    })
    .unwrap();
}

/// Gives the factor again (the next step's code: the current one confirmed it).
async fn step_up(app: &TestApp, person: &Person) {
    let res = app
        .post(
            "/api/v1/auth/step-up",
            &person.token,
            &json!({"code": code_at(&person.secret, unix_now() + 30)}),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
}

fn assert_step_up_required(res: &Response, what: &str) {
    assert_eq!(res.status, 401, "{what}: {}", res.body);
    res.assert_problem(401, "step-up-required");
    let challenge = res
        .headers
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_user_authentication\""),
        "{what}: {challenge}"
    );
}

/// The agencies of the matrix, and the people who prepare what it acts on.
struct Region {
    police: String,
    dpp: String,
    ministry: String,
    detective: Person,
}

async fn region(app: &TestApp) -> Region {
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let dpp = app.agency("JM", "Office of the DPP", AgencyKind::Prosecution);
    let ministry = app.agency("JM", "Ministry of Justice", AgencyKind::CentralAuthority);
    let detective = person(
        app,
        "detective",
        &police,
        &[Role::Investigator, Role::Supervisor],
    )
    .await;
    Region {
        police,
        dpp,
        ministry,
        detective,
    }
}

/// A complete draft request of a case shared with Jamaica's DPP: its events' path.
async fn complete_draft(app: &TestApp, r: &Region) -> String {
    let t = r.detective.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let case_id = case["id"].as_str().unwrap();
    let shared = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            t,
            &json!({"agency_id": r.dpp, "access": "read"}),
        )
        .await;
    assert_eq!(shared.status, 201, "{}", shared.body);
    let created = app
        .post("/api/v1/mla/requests", t, &crate::mla::complete(case_id))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    format!(
        "/api/v1/mla/requests/{}/events",
        created.body["id"].as_str().unwrap()
    )
}

/// An item the detective's agency holds: its custody path.
async fn held_item(app: &TestApp, r: &Region) -> String {
    let case = app.create_case(&r.detective.token, "Ransomware").await;
    let res = app
        .post(
            &format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap()),
            &r.detective.token,
            &json!({"description": "Seized laptop", "kind": "device"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    format!(
        "/api/v1/evidence/{}/custody",
        res.body["id"].as_str().unwrap()
    )
}

/// One action that asks for a recent factor, ready to be tried by `actor`.
async fn attempt(app: &TestApp, r: &Region, action: &str, actor: &Person) -> (String, Value) {
    let n = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    match action {
        "create a user" => (
            "POST /api/v1/users".into(),
            json!({"username": format!("jm.new.{n}"), "display_name": "New Officer",
                   "agency_id": r.police, "roles": ["investigator"],
                   "password": "a long enough passphrase 42"}),
        ),
        "change roles" => {
            let target = app.user(&format!("jm.target.{n}"), &r.police, &[Role::Investigator]);
            (
                format!("PATCH /api/v1/users/{target}"),
                json!({"roles": ["investigator", "supervisor"]}),
            )
        }
        "reset factors" => {
            let target = person(app, &format!("lost.{n}"), &r.police, &[Role::Investigator]).await;
            (
                format!("DELETE /api/v1/users/{}/factors", target.id),
                json!(null),
            )
        }
        "register a service account" => (
            "POST /api/v1/service-accounts".into(),
            json!({"agency_id": r.police, "name": format!("Mirror {n}"),
                   "roles": ["investigator"], "auth_method": "client_secret"}),
        ),
        "rotate a secret" => {
            let created = app
                .post(
                    "/api/v1/service-accounts",
                    &actor.token,
                    &json!({"agency_id": r.police, "name": format!("Mirror {n}"),
                            "roles": ["investigator"], "auth_method": "client_secret"}),
                )
                .await;
            assert_eq!(created.status, 201, "{}", created.body);
            (
                format!(
                    "POST /api/v1/service-accounts/{}/secret",
                    created.body["id"].as_str().unwrap()
                ),
                json!({}),
            )
        }
        "define a legal basis" => (
            format!("PUT /api/v1/legal-bases/treaty-{n}"),
            json!({"name": "A bilateral treaty", "request_types": ["mla"],
                   "required_fields": ["summary_of_facts"], "deadlines": {}}),
        ),
        "approve a request" => (
            format!("POST {}", complete_draft(app, r).await),
            json!({"type": "approved"}),
        ),
        "submit a request" => {
            let events = complete_draft(app, r).await;
            let prosecutor = person(app, &format!("dpp.{n}"), &r.dpp, &[Role::Prosecutor]).await;
            let approved = app
                .post(&events, &prosecutor.token, &json!({"type": "approved"}))
                .await;
            assert_eq!(approved.status, 201, "{}", approved.body);
            (format!("POST {events}"), json!({"type": "submitted"}))
        }
        "destroy an item" => (
            format!("POST {}", held_item(app, r).await),
            json!({"type": "destroyed", "reason": "court order 2026/77"}),
        ),
        other => panic!("no such action: {other}"),
    }
}

async fn send(app: &TestApp, actor: &Person, call: &(String, Value)) -> Response {
    let (line, body) = call;
    let (method, path) = line.split_once(' ').unwrap();
    if body.is_null() {
        app.request(method, path, Some(&actor.token), None, None)
            .await
    } else {
        app.send_json(method, path, Some(&actor.token), body).await
    }
}

#[actix_web::test]
async fn every_decision_asks_for_a_recent_second_factor_of_every_role_that_may_take_it() {
    use Role::*;
    let app = TestApp::spawn_with(|s| s.mfa = MfaPolicy::Required).await;
    let r = region(&app).await;
    let admins: &[Role] = &[Admin, RegionalAdmin];
    let matrix: [(&str, &[Role]); 9] = [
        ("create a user", admins),
        ("change roles", admins),
        ("reset factors", admins),
        ("register a service account", admins),
        ("rotate a secret", admins),
        ("define a legal basis", &[RegionalAdmin]),
        ("approve a request", &[Prosecutor]),
        ("submit a request", &[CentralAuthority]),
        ("destroy an item", &[Investigator, Supervisor]),
    ];
    let mut tried = 0;
    for (action, roles) in matrix {
        for role in roles {
            let what = format!("{role}: {action}");
            let agency = match role {
                Prosecutor => &r.dpp,
                Investigator | Supervisor => &r.police,
                _ => &r.ministry,
            };
            let actor = person(&app, &format!("actor{tried}"), agency, &[*role]).await;
            // Fresh from giving the factor, the preparation may act (a rotation needs
            // an account first); six minutes on, the action is refused and nothing
            // changes; given again, the same action goes through.
            let call = attempt(&app, &r, action, &actor).await;
            age_factor(&app, &actor.id);
            let refused = send(&app, &actor, &call).await;
            assert_step_up_required(&refused, &what);
            step_up(&app, &actor).await;
            let done = send(&app, &actor, &call).await;
            assert!(
                done.status.is_success(),
                "{what}: {} {}",
                done.status,
                done.body
            );
            tried += 1;
        }
    }
    assert_eq!(tried, 15);
    // Each refusal is a denied attempt in the audit trail.
    let denied = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["outcome"] == "denied" && e["details"]["refused"] == "step-up-required")
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(denied.len(), tried, "{denied:?}");
}

#[actix_web::test]
async fn where_the_policy_lets_a_person_hold_no_factor_one_who_holds_none_is_not_asked() {
    let app = TestApp::spawn_with(|s| s.mfa = MfaPolicy::Privileged).await;
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let username = app.username_in(&police, "ebanks");
    let caller = app
        .user_caller(&username, &police, &[Role::Investigator])
        .await;
    let r = Region {
        police: police.clone(),
        dpp: String::new(),
        ministry: String::new(),
        detective: Person {
            id: caller.id.clone(),
            token: caller.token.clone(),
            secret: Vec::new(),
        },
    };
    let custody = held_item(&app, &r).await;
    let destroyed = app
        .post(
            &custody,
            &caller.token,
            &json!({"type": "destroyed", "reason": "court order 2026/77"}),
        )
        .await;
    assert_eq!(destroyed.status, 201, "{}", destroyed.body);

    // Once they hold one, they are asked like anybody.
    let secret = enrol(&app, &caller.token).await;
    let holder = Person {
        id: caller.id,
        token: caller.token,
        secret,
    };
    let custody = held_item(&app, &r).await;
    age_factor(&app, &holder.id);
    let body = json!({"type": "destroyed", "reason": "court order 2026/78"});
    assert_step_up_required(
        &app.post(&custody, &holder.token, &body).await,
        "investigator holding a factor",
    );
    step_up(&app, &holder).await;
    assert_eq!(app.post(&custody, &holder.token, &body).await.status, 201);
}

#[actix_web::test]
async fn an_administrator_resets_the_factors_of_a_person_of_their_country_who_enrols_again() {
    let app = TestApp::spawn_with(|s| s.mfa = MfaPolicy::Required).await;
    let r = region(&app).await;
    let admin = person(&app, "admin", &r.ministry, &[Role::Admin]).await;
    let bb_ministry = app.agency("BB", "BB Home Affairs", AgencyKind::Other);
    let bb_admin = person(&app, "bb.admin", &bb_ministry, &[Role::Admin]).await;
    let investigator = person(&app, "investigator", &r.police, &[Role::Investigator]).await;
    let reset = format!("/api/v1/users/{}/factors", investigator.id);

    // Another country's administrator does not see the person; nobody resets their
    // own factors here; an investigator is no administrator.
    app.delete(&reset, &bb_admin.token)
        .await
        .assert_problem(404, "not-found");
    app.delete(&format!("/api/v1/users/{}/factors", admin.id), &admin.token)
        .await
        .assert_problem(403, "forbidden");
    app.delete(&reset, &r.detective.token)
        .await
        .assert_problem(404, "not-found");
    let missing = format!("/api/v1/users/{}/factors", uuid::Uuid::now_v7());
    app.delete(&missing, &admin.token)
        .await
        .assert_problem(404, "not-found");

    let res = app.delete(&reset, &admin.token).await;
    assert_eq!(res.status, 204, "{}", res.body);
    // Their session ended; their next sign-in takes the password and asks them to
    // enrol, and nothing else.
    app.get("/api/v1/me", &investigator.token)
        .await
        .assert_problem(401, "unauthenticated");
    let username = app.get("/api/v1/me", &admin.token).await;
    assert_eq!(username.status, 200);
    let again = app
        .login(&app.username_in(&r.police, "investigator"), PASSWORD)
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["factor_enrolment_required"], true);
    let token = again.body["access_token"].as_str().unwrap();
    app.get("/api/v1/cases", token)
        .await
        .assert_problem(403, "factor-enrolment-required");
    let listed = app.get("/api/v1/me/factors", token).await;
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(listed.body["recovery_codes_left"], 0);

    let reset_entry = app
        .audit_entries()
        .into_iter()
        .find(|e| e["action"] == "user.factors_reset" && e["outcome"] == "success")
        .expect("the reset is audited");
    assert_eq!(reset_entry["details"]["kinds"], json!(["totp"]));
    assert_eq!(reset_entry["subject"]["id"], json!(investigator.id));
}

/// Posts a page's form as the signed-in person `session`, with the page's CSRF token.
async fn post_page(
    app: &TestApp,
    session: &str,
    path: &str,
    from: &str,
    fields: &[(&str, &str)],
) -> Response {
    use crate::pages::csrf_field;
    let token = csrf_field(from);
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&all).unwrap();
    let cookie = format!("caseledger={session}");
    app.post_form(path, &[("Cookie", cookie.as_str())], &body)
        .await
}

#[actix_web::test]
async fn the_pages_enrol_a_first_factor_show_its_codes_once_and_ask_for_it_again_before_an_approval()
 {
    use crate::pages::{page, sign_in, text};
    let app = TestApp::spawn_with(|s| s.mfa = MfaPolicy::Required).await;
    let r = region(&app).await;
    let events = complete_draft(&app, &r).await;
    let id = events.split('/').nth(5).unwrap().to_owned();
    let username = app.username_in(&r.dpp, "brown");
    let prosecutor = app.user(&username, &r.dpp, &[Role::Prosecutor]);

    // The password opens a session that leads to enrolment and nowhere else.
    let session = sign_in(&app, &username, PASSWORD).await.unwrap();
    for path in ["/app/", &format!("/app/requests/{id}")] {
        let res = page(&app, path, Some(&session)).await;
        assert_eq!(res.status, 303, "{path}");
        assert_eq!(res.headers.get("location").unwrap(), "/app/factors");
    }
    let factors = page(&app, "/app/factors", Some(&session)).await;
    assert_eq!(factors.status, 200);
    let html = text(&factors);
    assert!(html.contains("must hold a second factor"), "{html}");
    assert!(!html.contains("<script"), "no script");

    // Adding an authenticator app shows its QR code, drawn inline, and its secret.
    let begun = post_page(
        &app,
        &session,
        "/app/factors",
        &html,
        &[("label", "Work phone")],
    )
    .await;
    assert_eq!(begun.status, 200, "{}", text(&begun));
    let html = text(&begun);
    assert!(html.contains("<svg") && !html.contains("<?xml"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "the policy holds"
    );
    let at = html.find("<code>").unwrap() + 6;
    let shown = &html[at..at + html[at..].find("</code>").unwrap()];
    let secret = base32_decode(&shown.replace(' ', ""));
    assert_eq!(secret.len(), 20);
    let at = html.find("action=\"/app/factors/").unwrap() + 8;
    let confirm = html[at..].split('"').next().unwrap().to_owned();
    let wrong = code_at(&secret, unix_now() + 600);
    let again = post_page(&app, &session, &confirm, &html, &[("code", &wrong)]).await;
    assert_eq!(again.status, 422);
    let html = text(&again);
    assert!(
        html.contains("not right") && html.contains(shown),
        "the same secret again"
    );
    let right = code_at(&secret, unix_now());
    let done = post_page(&app, &session, &confirm, &html, &[("code", &right)]).await;
    assert_eq!(done.status, 200, "{}", text(&done));
    assert_eq!(done.headers.get("cache-control").unwrap(), "no-store");
    let html = text(&done);
    assert_eq!(html.matches("<li><code>").count(), 10, "{html}");
    assert_eq!(page(&app, "/app/", Some(&session)).await.status, 200);

    // Six minutes on, an approval asks for the factor again and returns to the
    // request's page; the approval then goes through.
    age_factor(&app, &prosecutor);
    let request_page = text(&page(&app, &format!("/app/requests/{id}"), Some(&session)).await);
    let approve = format!("/app/requests/{id}/approve");
    let asked = post_page(&app, &session, &approve, &request_page, &[]).await;
    assert_eq!(asked.status, 303);
    let step_up = asked
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        step_up,
        format!("/app/step-up?back=%2Fapp%2Frequests%2F{id}")
    );
    let form = page(&app, &step_up, Some(&session)).await;
    assert_eq!(form.status, 200);
    let html = text(&form);
    let wrong = post_page(
        &app,
        &session,
        "/app/step-up",
        &html,
        &[("code", "000000"), ("back", &format!("/app/requests/{id}"))],
    )
    .await;
    assert_eq!(wrong.status, 422);
    let next = code_at(&secret, unix_now() + 30);
    let given = post_page(
        &app,
        &session,
        "/app/step-up",
        &html,
        &[("code", &next), ("back", &format!("/app/requests/{id}"))],
    )
    .await;
    assert_eq!(given.status, 303, "{}", text(&given));
    assert_eq!(
        given.headers.get("location").unwrap(),
        &format!("/app/requests/{id}")
    );
    let approved = post_page(&app, &session, &approve, &request_page, &[]).await;
    assert_eq!(approved.status, 303);
    assert_eq!(
        approved.headers.get("location").unwrap(),
        &format!("/app/requests/{id}?approved=1")
    );
    let api = app
        .get(&format!("/api/v1/mla/requests/{id}"), &r.detective.token)
        .await;
    assert_eq!(api.body["status"], "approved");
}
