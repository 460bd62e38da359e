//! Second factors: TOTP enrolment and sign-in, recovery codes, step-up, the lockout
//! they share with passwords, and the policy that makes enrol-only sessions.

use crate::common::{PASSWORD, Response, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::factors::code_at;
use caseledger::auth::roles::Role;
use caseledger::config::MfaPolicy;
use serde_json::{Value, json};

/// RFC 4648 base 32, unpadded, as an enrolment gives the secret.
pub(crate) fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base 32") as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Waits, if need be, until the current 30-second step has at least ten seconds
/// left, for a test whose codes must stay within the step they were taken in.
async fn early_in_a_step() {
    let into = unix_now() % 30;
    if into > 20 {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(30 - into)).await;
    }
}

/// The claims of an access token (its signature is the server's business).
fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A person with a confirmed TOTP factor: their username, secret and recovery codes,
/// and the session that enrolled it.
struct Enrolled {
    username: String,
    secret: Vec<u8>,
    factor_id: String,
    recovery_codes: Vec<String>,
    token: String,
}

/// Creates an investigator in Jamaica and enrols a TOTP factor for them.
async fn enrolled(app: &TestApp, name: &str) -> Enrolled {
    let agency = app.agency("JM", &format!("JCF {name}"), AgencyKind::Police);
    let username = app.username_in(&agency, name);
    let caller = app
        .user_caller(&username, &agency, &[Role::Investigator])
        .await;
    let begun = app
        .post(
            "/api/v1/me/factors",
            &caller.token,
            &json!({"kind": "totp"}),
        )
        .await;
    assert_eq!(begun.status, 201, "{}", begun.body);
    let secret = base32_decode(begun.body["secret"].as_str().unwrap());
    let factor_id = begun.body["id"].as_str().unwrap().to_owned();
    let confirmed = app
        .post(
            &format!("/api/v1/me/factors/{factor_id}/confirm"),
            &caller.token,
            &json!({"code": code_at(&secret, unix_now())}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let recovery_codes = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    Enrolled {
        username,
        secret,
        factor_id,
        recovery_codes,
        token: caller.token,
    }
}

/// The `mfa_token` a correct password earns.
async fn mfa_token(app: &TestApp, username: &str) -> String {
    let res = app.login(username, PASSWORD).await;
    res.assert_problem(401, "mfa-required");
    assert_eq!(res.body["factors"], json!(["totp"]));
    assert_eq!(res.body["expires_in"], 300);
    assert!(
        res.body.get("access_token").is_none(),
        "no token before the second factor"
    );
    res.body["mfa_token"].as_str().unwrap().to_owned()
}

async fn second_step(app: &TestApp, token: &str, proof: Value) -> Response {
    let mut body = proof;
    body["mfa_token"] = json!(token);
    app.send_json("POST", "/api/v1/auth/login/mfa", None, &body)
        .await
}

#[actix_web::test]
async fn enrolment_shows_the_secret_as_an_otpauth_uri_and_a_qr_code_and_a_first_code_confirms_it() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let username = app.username_in(&agency, "ebanks");
    let caller = app
        .user_caller(&username, &agency, &[Role::Investigator])
        .await;
    let other_session = app.caller(&username, PASSWORD).await;
    let begun = app
        .post(
            "/api/v1/me/factors",
            &caller.token,
            &json!({"kind": "totp", "label": "Work phone"}),
        )
        .await;
    assert_eq!(begun.status, 201, "{}", begun.body);
    let uri = begun.body["otpauth_uri"].as_str().unwrap();
    let secret_text = begun.body["secret"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("otpauth://totp/caseledger:{username}?")),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret_text}")), "{uri}");
    assert!(uri.contains("issuer=caseledger"), "{uri}");
    let svg = begun.body["qr_svg"].as_str().unwrap();
    assert!(
        svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("<path"),
        "{svg}"
    );
    let secret = base32_decode(secret_text);
    assert_eq!(secret.len(), 20, "160 bits");
    let id = begun.body["id"].as_str().unwrap();

    // Unconfirmed, it is listed and of no use: sign-in still takes the password alone.
    let listed = app.get("/api/v1/me/factors", &caller.token).await;
    assert_eq!(listed.body["items"][0]["confirmed"], false);
    assert_eq!(listed.body["items"][0]["label"], "Work phone");
    assert!(listed.body["items"][0].get("secret").is_none());
    assert_eq!(app.login(&username, PASSWORD).await.status, 200);

    let confirm = format!("/api/v1/me/factors/{id}/confirm");
    let wrong = code_at(&secret, unix_now() + 600);
    app.post(&confirm, &caller.token, &json!({"code": wrong}))
        .await
        .assert_problem(422, "validation-failed");
    let res = app
        .post(
            &confirm,
            &caller.token,
            &json!({"code": code_at(&secret, unix_now())}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["factor"]["confirmed"], true);
    let codes = res.body["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 19));
    app.post(
        &confirm,
        &caller.token,
        &json!({"code": code_at(&secret, unix_now())}),
    )
    .await
    .assert_problem(409, "conflict");

    // The person's other sessions ended; this one goes on, now with a factor given.
    app.get("/api/v1/me", &other_session.token)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.get("/api/v1/me", &caller.token).await.status, 200);
    let listed = app.get("/api/v1/me/factors", &caller.token).await;
    assert_eq!(listed.body["recovery_codes_left"], 10);

    // Audited with the factor's kind, never its secret.
    let trail = serde_json::to_string(&app.audit_entries()).unwrap();
    assert!(
        !trail.contains(secret_text),
        "the secret is not in the trail"
    );
    let actions: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("auth.factor"))
        .map(|e| json!([e["action"], e["outcome"], e["details"]["kind"]]))
        .collect();
    assert_eq!(
        actions,
        [
            json!(["auth.factor_enrol", "success", "totp"]),
            json!(["auth.factor_confirm", "failed", "totp"]),
            json!(["auth.factor_confirm", "success", "totp"]),
        ]
    );
}

#[actix_web::test]
async fn sign_in_asks_for_the_code_and_takes_each_steps_code_once_within_one_step() {
    let app = TestApp::spawn().await;
    early_in_a_step().await;
    let person = enrolled(&app, "ebanks").await;
    let now = unix_now();

    // The code that confirmed the factor was of this step: used already.
    let token = mfa_token(&app, &person.username).await;
    second_step(&app, &token, json!({"code": code_at(&person.secret, now)}))
        .await
        .assert_problem(401, "invalid-second-factor");
    // Two steps away: refused; one step late: accepted.
    for far in [now - 60, now + 60] {
        second_step(&app, &token, json!({"code": code_at(&person.secret, far)}))
            .await
            .assert_problem(401, "invalid-second-factor");
    }
    let res = second_step(
        &app,
        &token,
        json!({"code": code_at(&person.secret, now + 30)}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["factor_enrolment_required"], false);
    let access = res.body["access_token"].as_str().unwrap();
    let said = claims(access);
    assert_eq!(said["amr"], json!(["pwd", "otp", "mfa"]));
    assert!((said["auth_time"].as_i64().unwrap() - now as i64).abs() <= 5);
    assert_eq!(app.get("/api/v1/me", access).await.status, 200);

    // The token was spent by that sign-in; the next step's code is of no use with it.
    second_step(
        &app,
        &token,
        json!({"code": code_at(&person.secret, now + 60)}),
    )
    .await
    .assert_problem(401, "invalid-second-factor");
    // A refresh keeps how the session was opened.
    let refreshed = app
        .send_json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": res.body["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    assert_eq!(
        claims(refreshed.body["access_token"].as_str().unwrap())["amr"],
        json!(["pwd", "otp", "mfa"])
    );

    // Neither or both proofs: a validation error, nothing counted.
    second_step(&app, "x", json!({}))
        .await
        .assert_problem(422, "validation-failed");
    second_step(&app, "x", json!({"code": "123456", "recovery_code": "a"}))
        .await
        .assert_problem(422, "validation-failed");
    second_step(&app, "not-a-token", json!({"code": "123456"}))
        .await
        .assert_problem(401, "invalid-second-factor");
}

#[actix_web::test]
async fn an_expired_mfa_token_is_refused() {
    let app = TestApp::spawn().await;
    let person = enrolled(&app, "ebanks").await;
    let token = mfa_token(&app, &person.username).await;
    app.exec("UPDATE login_challenges SET expires_at = created_at")
        .unwrap();
    second_step(
        &app,
        &token,
        json!({"code": code_at(&person.secret, unix_now() + 30)}),
    )
    .await
    .assert_problem(401, "invalid-second-factor");
    let reasons: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.login_failed")
        .map(|e| e["details"]["reason"].clone())
        .collect();
    assert_eq!(reasons, [json!("mfa_token spent or expired")]);
    // A token never issued is refused alike, and recorded without anyone to name.
    second_step(&app, "never-issued", json!({"code": "123456"}))
        .await
        .assert_problem(401, "invalid-second-factor");
    let unknown: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| {
            e["action"] == "auth.login_failed" && e["details"]["reason"] == "unknown mfa_token"
        })
        .collect();
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0]["actor"].is_null(), "{:?}", unknown[0]);
}

#[actix_web::test]
async fn each_recovery_code_works_once_and_new_ones_need_a_recent_factor() {
    let app = TestApp::spawn().await;
    let person = enrolled(&app, "ebanks").await;
    let code = person.recovery_codes[3].clone();

    let token = mfa_token(&app, &person.username).await;
    let res = second_step(&app, &token, json!({"recovery_code": code.to_uppercase()})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let session = res.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&session)["amr"], json!(["pwd", "mfa"]));
    let token = mfa_token(&app, &person.username).await;
    second_step(&app, &token, json!({"recovery_code": code}))
        .await
        .assert_problem(401, "invalid-second-factor");
    let listed = app.get("/api/v1/me/factors", &session).await;
    assert_eq!(listed.body["recovery_codes_left"], 9);

    // The factor was given moments ago: new codes are granted, the old ones end.
    let renewed = app
        .post("/api/v1/me/recovery-codes", &session, &json!({}))
        .await;
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    assert_eq!(renewed.body["recovery_codes"].as_array().unwrap().len(), 10);
    let token = mfa_token(&app, &person.username).await;
    second_step(
        &app,
        &token,
        json!({"recovery_code": person.recovery_codes[0]}),
    )
    .await
    .assert_problem(401, "invalid-second-factor");

    // Six minutes later, no longer.
    app.exec("UPDATE sessions SET factor_at = factor_at - INTERVAL '6 minutes'")
        .or_else(|_| app.exec("UPDATE sessions SET factor_at = datetime(factor_at, '-6 minutes')"))
        .unwrap();
    let stale = app
        .post("/api/v1/me/recovery-codes", &session, &json!({}))
        .await;
    stale.assert_problem(401, "step-up-required");
    let challenge = stale
        .headers
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_user_authentication\""),
        "{challenge}"
    );
    app.delete(
        &format!("/api/v1/me/factors/{}", person.factor_id),
        &session,
    )
    .await
    .assert_problem(401, "step-up-required");
    // A wrong code does not step up; the right one does.
    app.post("/api/v1/auth/step-up", &session, &json!({"code": "000000"}))
        .await
        .assert_problem(422, "validation-failed");
    // (The current step's code confirmed the factor: the next one's, one step early.)
    let res = app
        .post(
            "/api/v1/auth/step-up",
            &session,
            &json!({"code": code_at(&person.secret, unix_now() + 30)}),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    let gone = app
        .delete(
            &format!("/api/v1/me/factors/{}", person.factor_id),
            &session,
        )
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    // No factor left (the policy lets an investigator hold none): the password alone.
    assert_eq!(app.login(&person.username, PASSWORD).await.status, 200);
    let steps: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| {
            [
                "auth.step_up",
                "auth.recovery_code_used",
                "auth.recovery_codes",
                "auth.factor_remove",
            ]
            .contains(&e["action"].as_str().unwrap())
        })
        .map(|e| json!([e["action"], e["outcome"]]))
        .collect();
    assert_eq!(
        steps,
        [
            json!(["auth.recovery_code_used", "success"]),
            json!(["auth.recovery_codes", "success"]),
            json!(["auth.step_up", "failed"]),
            json!(["auth.step_up", "success"]),
            json!(["auth.factor_remove", "success"]),
        ]
    );
}

#[actix_web::test]
async fn wrong_codes_and_wrong_passwords_share_one_lockout_under_concurrency() {
    let app = TestApp::spawn().await;
    let person = enrolled(&app, "ebanks").await;
    for _ in 0..2 {
        app.login(&person.username, "not-the-password")
            .await
            .assert_problem(401, "invalid-credentials");
    }
    let token = mfa_token(&app, &person.username).await;
    let far = code_at(&person.secret, unix_now() + 300);
    let attempts = (0..3).map(|_| second_step(&app, &token, json!({"code": far})));
    for res in futures_util::future::join_all(attempts).await {
        res.assert_problem(401, "invalid-second-factor");
    }
    // Five failures: locked. The right code and the right password are refused now.
    second_step(
        &app,
        &token,
        json!({"code": code_at(&person.secret, unix_now() + 30)}),
    )
    .await
    .assert_problem(401, "invalid-second-factor");
    app.login(&person.username, PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    let locks = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.account_locked")
        .count();
    assert_eq!(locks, 1, "one lockout, recorded once");
}

#[actix_web::test]
async fn a_person_sees_and_changes_only_their_own_factors() {
    let app = TestApp::spawn().await;
    let one = enrolled(&app, "ebanks").await;
    let other = enrolled(&app, "brown").await;
    let path = format!("/api/v1/me/factors/{}", one.factor_id);
    app.delete(&path, &other.token)
        .await
        .assert_problem(404, "not-found");
    app.post(
        &format!("{path}/confirm"),
        &other.token,
        &json!({"code": "123456"}),
    )
    .await
    .assert_problem(404, "not-found");
    let listed = app.get("/api/v1/me/factors", &other.token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_ne!(listed.body["items"][0]["id"], json!(one.factor_id));
}

#[actix_web::test]
async fn where_the_policy_requires_a_factor_a_person_without_one_can_only_enrol() {
    let app = TestApp::spawn_with(|s| s.mfa = MfaPolicy::Required).await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let username = app.username_in(&agency, "ebanks");
    app.user(&username, &agency, &[Role::Investigator]);
    let res = app.login(&username, PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["factor_enrolment_required"], true);
    let token = res.body["access_token"].as_str().unwrap();
    app.get("/api/v1/cases", token)
        .await
        .assert_problem(403, "factor-enrolment-required");
    let me = app.get("/api/v1/me", token).await;
    assert_eq!(me.body["factor_enrolment_required"], true);

    let begun = app
        .post("/api/v1/me/factors", token, &json!({"kind": "totp"}))
        .await;
    assert_eq!(begun.status, 201, "{}", begun.body);
    let secret = base32_decode(begun.body["secret"].as_str().unwrap());
    let confirmed = app
        .post(
            &format!(
                "/api/v1/me/factors/{}/confirm",
                begun.body["id"].as_str().unwrap()
            ),
            token,
            &json!({"code": code_at(&secret, unix_now())}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(app.get("/api/v1/cases", token).await.status, 200);
    // The last factor stays where the policy requires one.
    let stepped = app
        .post(
            "/api/v1/auth/step-up",
            token,
            &json!({"recovery_code": confirmed.body["recovery_codes"][0]}),
        )
        .await;
    assert_eq!(stepped.status, 204, "{}", stepped.body);
    app.delete(
        &format!("/api/v1/me/factors/{}", begun.body["id"].as_str().unwrap()),
        token,
    )
    .await
    .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn under_privileged_only_the_privileged_roles_must_hold_a_factor() {
    let app = TestApp::spawn_with(|s| s.mfa = MfaPolicy::Privileged).await;
    let police = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let dpp = app.agency("JM", "ODPP Jamaica", AgencyKind::Prosecution);
    for (name, agency, role, owed) in [
        ("ebanks", &police, Role::Investigator, false),
        ("brown", &dpp, Role::Prosecutor, true),
    ] {
        let username = app.username_in(agency, name);
        app.user(&username, agency, &[role]);
        let res = app.login(&username, PASSWORD).await;
        assert_eq!(res.body["factor_enrolment_required"], owed, "{role}");
    }
}

/// Posts the second step's form with the cookies and token `from` gave.
pub(crate) async fn post_second_step(
    app: &TestApp,
    from: &Response,
    mfa_cookie: &str,
    field: (&str, &str),
) -> Response {
    use crate::pages::{csrf_field, set_cookie, text, value};
    let login = value(&set_cookie(from, "caseledger-login").unwrap());
    let body =
        serde_urlencoded::to_string([field, ("csrf", csrf_field(&text(from)).as_str())]).unwrap();
    let cookie = format!("caseledger-login={login}; caseledger-second-step={mfa_cookie}");
    app.post_form("/app/login/code", &[("Cookie", cookie.as_str())], &body)
        .await
}

#[actix_web::test]
async fn the_pages_ask_for_the_second_factor_after_the_password() {
    use crate::pages::{page, set_cookie, sign_in, text, value};
    let app = TestApp::spawn().await;
    let person = enrolled(&app, "ebanks").await;
    let asked = sign_in(&app, &person.username, PASSWORD).await.unwrap_err();
    assert_eq!(asked.status, 200);
    let html = text(&asked);
    assert!(html.contains("<h1>Your second factor</h1>"), "{html}");
    assert!(!html.contains("<script"), "no JavaScript for a code");
    assert!(set_cookie(&asked, "caseledger").is_none(), "no session yet");
    let second = set_cookie(&asked, "caseledger-second-step").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(second.contains(attribute), "{second}");
    }
    let mfa_cookie = value(&second);

    let wrong = code_at(&person.secret, unix_now() + 600);
    let refused = post_second_step(&app, &asked, &mfa_cookie, ("code", &wrong)).await;
    assert_eq!(refused.status, 401);
    assert!(text(&refused).contains("not right"), "{}", text(&refused));
    let right = code_at(&person.secret, unix_now() + 30);
    let res = post_second_step(&app, &refused, &mfa_cookie, ("code", &right)).await;
    assert_eq!(res.status, 303, "{}", text(&res));
    assert_eq!(res.headers.get("location").unwrap(), "/app/");
    let session = value(&set_cookie(&res, "caseledger").unwrap());
    assert_eq!(page(&app, "/app/", Some(&session)).await.status, 200);
    // Without the cookie the password earned, the code opens nothing.
    let res = post_second_step(&app, &refused, "", ("code", &right)).await;
    assert_eq!(res.status, 401);
}
