use crate::common::{BOOTSTRAP_PASSWORD, PASSWORD, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::json;

#[actix_web::test]
async fn bootstrap_admin_must_change_password_first() {
    let app = TestApp::spawn().await;
    let res = app.login("tt.admin", BOOTSTRAP_PASSWORD).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["token_type"], "Bearer");
    assert_eq!(res.body["expires_in"], 900);
    assert_eq!(res.body["password_change_required"], true);
    let token = res.body["access_token"].as_str().unwrap();

    // Everything but the password change, /me and logout is refused meanwhile.
    app.get("/api/v1/countries", token)
        .await
        .assert_problem(403, "password-change-required");
    let me = app.get("/api/v1/me", token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "tt.admin");
    assert_eq!(me.body["roles"], json!(["regional_admin"]));
    assert_eq!(me.body["country"], "TT");

    // The new password must follow the policy.
    for (weak, why) in [
        ("short-pw", "at least 12"),
        ("password12345", "too common"),
        ("tt.admin-harbour-lantern", "username"),
    ] {
        let res = app
            .post(
                "/api/v1/auth/password",
                token,
                &json!({"current_password": BOOTSTRAP_PASSWORD, "new_password": weak}),
            )
            .await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], "new_password");
        assert!(
            res.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(why),
            "{}",
            res.body
        );
    }
    let res = app
        .post(
            "/api/v1/auth/password",
            token,
            &json!({"current_password": "not-the-password", "new_password": PASSWORD}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "current_password");

    let res = app
        .post(
            "/api/v1/auth/password",
            token,
            &json!({"current_password": BOOTSTRAP_PASSWORD, "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(app.get("/api/v1/countries", token).await.status, 200);
    app.login("tt.admin", BOOTSTRAP_PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    let again = app.login("tt.admin", PASSWORD).await;
    assert_eq!(again.body["password_change_required"], false);
}

#[actix_web::test]
async fn unknown_user_wrong_password_disabled_and_locked_look_the_same() {
    let app = TestApp::spawn().await;
    let admin = app.regional_admin().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let disabled = app.user("jm.disabled", &agency, &[Role::Investigator]);
    app.user("jm.locked", &agency, &[Role::Investigator]);
    let res = app
        .patch(
            &format!("/api/v1/users/{disabled}"),
            &admin.token,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    for _ in 0..5 {
        app.login("jm.locked", "wrong-password-xyz").await;
    }
    let answers = [
        app.login("nobody.here", PASSWORD).await,
        app.login("tt.admin", "wrong-password-xyz").await,
        app.login("jm.disabled", PASSWORD).await,
        app.login("jm.locked", PASSWORD).await,
    ];
    for res in &answers {
        res.assert_problem(401, "invalid-credentials");
        assert_eq!(res.raw, answers[0].raw);
    }
}

#[actix_web::test]
async fn five_failures_lock_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::spawn().await;
    let admin = app.regional_admin().await;
    let agency = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let id = app.user("bb.investigator", &agency, &[Role::Investigator]);
    for _ in 0..4 {
        app.login("bb.investigator", "wrong-password-xyz").await;
    }
    // Four failures: not locked yet, and success resets the count.
    assert_eq!(app.login("bb.investigator", PASSWORD).await.status, 200);
    for _ in 0..5 {
        app.login("bb.investigator", "wrong-password-xyz").await;
    }
    app.login("bb.investigator", PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    let user = app.get(&format!("/api/v1/users/{id}"), &admin.token).await;
    assert_eq!(user.body["locked"], true);

    let res = app
        .request(
            "POST",
            &format!("/api/v1/users/{id}/unlock"),
            Some(&admin.token),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(app.login("bb.investigator", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn lockout_expires_after_the_configured_time() {
    let app = TestApp::spawn_with(|s| s.lockout_secs = 1).await;
    let agency = app.agency("GY", "Guyana Police Force", AgencyKind::Police);
    app.user("gy.investigator", &agency, &[Role::Investigator]);
    for _ in 0..5 {
        app.login("gy.investigator", "wrong-password-xyz").await;
    }
    app.login("gy.investigator", PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.login("gy.investigator", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_session() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;

    let refresh = |token: String| {
        let app = &app;
        async move {
            app.send_json(
                "POST",
                "/api/v1/auth/refresh",
                None,
                &json!({"refresh_token": token}),
            )
            .await
        }
    };
    let first = refresh(caller.refresh_token.clone()).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let second_token = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, caller.refresh_token);
    let new_access = first.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &new_access).await.status, 200);

    // The spent token comes back: refused, and the whole session ends.
    refresh(caller.refresh_token.clone())
        .await
        .assert_problem(401, "invalid-refresh-token");
    refresh(second_token)
        .await
        .assert_problem(401, "invalid-refresh-token");
    app.get("/api/v1/me", &new_access)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", &caller.token)
        .await
        .assert_problem(401, "unauthenticated");
    refresh("not-a-token".into())
        .await
        .assert_problem(401, "invalid-refresh-token");

    // Another login is a new session, unaffected.
    let fresh = app.caller("jm.inv", PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", &fresh.token).await.status, 200);
}

#[actix_web::test]
async fn concurrent_use_of_one_refresh_token_succeeds_at_most_once() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let body = json!({"refresh_token": caller.refresh_token});
    let attempts = (0..8).map(|_| app.send_json("POST", "/api/v1/auth/refresh", None, &body));
    let results = futures_util::future::join_all(attempts).await;
    // Exactly one wins (none winning would pass a looser check); the others are told
    // the token is spent.
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{ok} concurrent refreshes succeeded");
    for refused in results.iter().filter(|r| r.status != 200) {
        refused.assert_problem(401, "invalid-refresh-token");
    }
}

#[actix_web::test]
async fn refresh_tokens_expire() {
    let app = TestApp::spawn_with(|s| s.refresh_token_ttl_secs = 1).await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.send_json(
        "POST",
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": caller.refresh_token}),
    )
    .await
    .assert_problem(401, "invalid-refresh-token");
}

#[actix_web::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let res = app
        .request(
            "POST",
            "/api/v1/auth/logout",
            Some(&caller.token),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/me", &caller.token)
        .await
        .assert_problem(401, "unauthenticated");
    app.send_json(
        "POST",
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": caller.refresh_token}),
    )
    .await
    .assert_problem(401, "invalid-refresh-token");
}

#[actix_web::test]
async fn disabling_a_user_and_changing_roles_take_effect_at_once() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let admin = app.user_caller("jm.admin", &agency, &[Role::Admin]).await;
    let other = app.user_caller("jm.other", &agency, &[Role::Admin]).await;

    // A role removed: the very next request with the same token is refused.
    assert_eq!(app.get("/api/v1/users", &other.token).await.status, 200);
    let res = app
        .patch(
            &format!("/api/v1/users/{}", other.id),
            &admin.token,
            &json!({"roles": ["investigator"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["roles"], json!(["investigator"]));
    app.get("/api/v1/users", &other.token)
        .await
        .assert_problem(403, "forbidden");
    let me = app.get("/api/v1/me", &other.token).await;
    assert_eq!(me.body["roles"], json!(["investigator"]));

    // Disabled: the token stops working and refresh is refused.
    let res = app
        .patch(
            &format!("/api/v1/users/{}", other.id),
            &admin.token,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["status"], "disabled");
    app.get("/api/v1/me", &other.token)
        .await
        .assert_problem(401, "unauthenticated");
    app.send_json(
        "POST",
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": other.refresh_token}),
    )
    .await
    .assert_problem(401, "invalid-refresh-token");

    // Enabled again: a new login works.
    let res = app
        .patch(
            &format!("/api/v1/users/{}", other.id),
            &admin.token,
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(app.login("jm.other", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn password_change_ends_other_sessions_only() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let phone = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let laptop = app.caller("jm.inv", PASSWORD).await;
    let res = app
        .post(
            "/api/v1/auth/password",
            &laptop.token,
            &json!({"current_password": PASSWORD, "new_password": "a-new-and-longer-secret"}),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(app.get("/api/v1/me", &laptop.token).await.status, 200);
    app.get("/api/v1/me", &phone.token)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(
        app.login("jm.inv", "a-new-and-longer-secret").await.status,
        200
    );
}

#[actix_web::test]
async fn me_and_jwks() {
    let app = TestApp::spawn().await;
    let agency = app.agency("HT", "Police nationale d'Haïti", AgencyKind::Police);
    let caller = app
        .user_caller("ht.sup", &agency, &[Role::Supervisor, Role::Investigator])
        .await;
    let me = app.get("/api/v1/me", &caller.token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "ht.sup");
    assert_eq!(me.body["display_name"], "User ht.sup");
    assert_eq!(me.body["agency_id"], agency);
    assert_eq!(me.body["country"], "HT");
    assert_eq!(me.body["roles"], json!(["investigator", "supervisor"]));

    let jwks = app
        .request("GET", "/api/v1/auth/jwks", None, None, None)
        .await;
    assert_eq!(jwks.status, 200);
    let key = &jwks.body["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["kid"], app.state.tokens.kid());
    // A national system verifies our tokens with nothing but the JWKS.
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.clone()).unwrap();
    let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["caseledger-api"]);
    validation.set_issuer(&["caseledger"]);
    let data =
        jsonwebtoken::decode::<serde_json::Value>(&caller.token, &decoding, &validation).unwrap();
    assert_eq!(data.claims["sub"], caller.id);
    assert_eq!(data.header.typ.as_deref(), Some("at+jwt"));
}

#[actix_web::test]
async fn usernames_are_case_insensitive() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    app.user("JM.Jane.Doe", &agency, &[Role::Investigator]);
    assert_eq!(app.login("JM.JANE.DOE", PASSWORD).await.status, 200);
    assert_eq!(app.login("jm.jane.doe", PASSWORD).await.status, 200);
}

/// Replays the audit trail of one account in chain order and checks the lockout
/// rules against it: a login is granted only while fewer than five failures stand and
/// the account is not locked, the fifth failure locks it (recorded once), and attempts
/// on a locked account are refused. Returns the number of attempts recorded.
fn assert_lockout_followed(app: &TestApp, user_id: &str) -> usize {
    let mut failures = 0;
    let mut locked = false;
    let mut attempts = 0;
    for entry in app.audit_entries() {
        if entry["actor"]["user_id"] != user_id {
            continue;
        }
        let action = entry["action"].as_str().unwrap();
        let reason = entry["details"]["reason"].as_str().unwrap_or("");
        match action {
            "auth.login" => {
                attempts += 1;
                assert!(!locked && failures < 5, "granted after {failures} failures");
                failures = 0;
            }
            "auth.login_failed" if reason == "wrong password" => {
                attempts += 1;
                assert!(!locked, "a wrong password was counted on a locked account");
                assert!(failures < 5, "a failure after the fifth did not lock");
                failures += 1;
            }
            "auth.login_failed" => {
                attempts += 1;
                assert_eq!(reason, "locked");
                assert!(locked);
            }
            "auth.account_locked" => {
                assert_eq!(failures, 5, "locked after {failures} failures");
                assert!(!locked, "the lockout was recorded twice");
                locked = true;
                failures = 0;
            }
            _ => {}
        }
    }
    attempts
}

/// A burst of simultaneous logins to one account: every attempt answers 200 or 401,
/// on both databases, and every attempt is audited exactly once.
async fn burst(app: &TestApp, username: &str, right_at: &[usize], size: usize) -> Vec<u16> {
    let attempts = (0..size).map(|i| {
        let password = if right_at.contains(&i) {
            PASSWORD
        } else {
            "wrong-password-xyz"
        };
        app.login(username, password)
    });
    let answers = futures_util::future::join_all(attempts).await;
    for res in &answers {
        if res.status != 200 {
            res.assert_problem(401, "invalid-credentials");
        }
    }
    answers.iter().map(|r| r.status.as_u16()).collect()
}

#[actix_web::test]
async fn concurrent_logins_to_one_account_never_fail_and_are_each_audited() {
    let app = TestApp::spawn_with(|s| s.pool_size = 16).await;
    let agency = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let id = app.user("tt.inv", &agency, &[Role::Investigator]);
    let right: Vec<usize> = (0..31).step_by(8).collect();
    let statuses = burst(&app, "tt.inv", &right, 31).await;
    assert_eq!(assert_lockout_followed(&app, &id), 31, "{statuses:?}");
}

#[actix_web::test]
async fn the_lockout_holds_however_simultaneous_attempts_interleave() {
    let app = TestApp::spawn_with(|s| s.pool_size = 16).await;
    let agency = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    for round in 0..10 {
        let username = format!("tt.burst{round}");
        let id = app.user(&username, &agency, &[Role::Investigator]);
        let right = rand::random_range(0..31);
        let statuses = burst(&app, &username, &[right], 31).await;
        assert_eq!(assert_lockout_followed(&app, &id), 31);
        // Thirty wrong passwords lock the account whatever came first, and the right
        // one was granted only if it was decided before the fifth failure.
        let granted = statuses.iter().filter(|s| **s == 200).count();
        assert!(granted <= 1);
        app.login(&username, PASSWORD)
            .await
            .assert_problem(401, "invalid-credentials");
    }
}

/// The messages of a 422's errors for one field.
fn messages(res: &crate::common::Response, field: &str) -> Vec<String> {
    res.assert_problem(422, "validation-failed");
    res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == field)
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_password_policy_names_every_rule_a_password_breaks() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.jdoe", &agency, &[Role::Investigator])
        .await;
    let change = |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        let (app, token) = (&app, caller.token.clone());
        async move { app.post("/api/v1/auth/password", &token, &body).await }
    };
    for weak in [
        "123456789012",
        "abcdefghijkl",
        "qwertyuiopas",
        "passwordpassword",
        "JCF Cybercrime Unit",
        "jdoe-and-more-words",
    ] {
        let res = change(PASSWORD, weak).await;
        assert!(
            !messages(&res, "new_password").is_empty(),
            "{weak} accepted"
        );
    }
    // Several rules at once, each named.
    let res = change(PASSWORD, "jdoe1").await;
    let broken = messages(&res, "new_password");
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken[0].contains("at least 12") && broken[1].contains("username"));
    // The current password, and the ones before it, cannot come back.
    let res = change(PASSWORD, PASSWORD).await;
    assert!(messages(&res, "new_password")[0].contains("must differ"));
    let mut current = PASSWORD.to_owned();
    let mut token = caller.token.clone();
    for next in ["tamarind-season-north-1", "tamarind-season-north-2"] {
        let res = app
            .post(
                "/api/v1/auth/password",
                &token,
                &json!({"current_password": current, "new_password": next}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.body);
        current = next.to_owned();
        token = app.caller("jm.jdoe", &current).await.token;
    }
    let res = app
        .post(
            "/api/v1/auth/password",
            &token,
            &json!({"current_password": current, "new_password": PASSWORD}),
        )
        .await;
    assert!(messages(&res, "new_password")[0].contains("must differ"));
}

#[actix_web::test]
async fn guessing_the_current_password_with_a_stolen_token_cannot_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let stolen = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let owner = app.caller("jm.inv", PASSWORD).await;
    for guess in 0..5 {
        let res = app
            .post(
                "/api/v1/auth/password",
                &stolen.token,
                &json!({"current_password": format!("guess-number-{guess}"), "new_password": "a-new-one-for-the-thief"}),
            )
            .await;
        assert_eq!(messages(&res, "current_password"), ["is wrong"]);
    }
    // The guesser's session has ended; the owner's account is neither locked nor
    // signed out.
    app.get("/api/v1/me", &stolen.token)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.get("/api/v1/me", &owner.token).await.status, 200);
    assert_eq!(app.login("jm.inv", PASSWORD).await.status, 200);
    let revoked = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.session_revoked")
        .count();
    assert_eq!(revoked, 1);
}

#[actix_web::test]
async fn a_login_flood_is_shed_with_503_and_retry_after() {
    let app = TestApp::spawn_with(|s| {
        s.password_hashes_at_once = 1;
        s.password_hash_wait_ms = 0;
        // A hash that takes a few milliseconds, so that the flood overlaps.
        s.argon2 = caseledger::config::Argon2Settings {
            memory_kib: 8 * 1024,
            iterations: 2,
            parallelism: 1,
        };
    })
    .await;
    let agency = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    app.user("tt.inv", &agency, &[Role::Investigator]);
    let flood = (0..31).map(|_| app.login("tt.inv", PASSWORD));
    let answers = futures_util::future::join_all(flood).await;
    let shed: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(!shed.is_empty(), "nothing was shed");
    for res in &shed {
        res.assert_problem(503, "server-busy");
        assert_eq!(res.headers.get("retry-after").unwrap(), "1");
    }
    assert!(answers.iter().all(|r| r.status == 200 || r.status == 503));
    let metrics = app.request("GET", "/metrics", None, None, None).await;
    let text = String::from_utf8(metrics.raw).unwrap();
    assert!(
        text.contains(&format!(
            "caseledger_password_hashes_shed_total {}",
            shed.len()
        )),
        "{text}"
    );
}
