//! Retries with Idempotency-Keys, and sessions checked on batched writes as on every
//! request.

use super::*;

#[actix_web::test]
async fn idempotency_keys_make_custody_writes_safe_to_retry() {
    let w = world().await;
    let app = &w.app;
    let t = w.inv.token.as_str();
    let send = |path: String, key: &'static str, body: Value| {
        let token = t.to_owned();
        async move {
            app.request_with_headers(
                "POST",
                &path,
                &token,
                &[("Idempotency-Key", key)],
                Some(&body),
            )
            .await
        }
    };
    let path = format!("/api/v1/cases/{}/evidence", w.case_id);
    let first = send(
        path.clone(),
        "reg-1",
        json!({"description": "Phone", "kind": "device"}),
    )
    .await;
    let again = send(
        path.clone(),
        "reg-1",
        json!({"description": "Phone", "kind": "device"}),
    )
    .await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let id = first.body["id"].as_str().unwrap().to_owned();
    let items = app.get(&path, t).await.body;
    assert_eq!(items["items"].as_array().unwrap().len(), 1);

    let custody = format!("/api/v1/evidence/{id}/custody");
    let note = json!({"type": "note", "reason": "photographed"});
    // Sent twice at once and once more later: one entry.
    let (a, b) = futures_util::future::join(
        send(custody.clone(), "note-1", note.clone()),
        send(custody.clone(), "note-1", note.clone()),
    )
    .await;
    let c = send(custody.clone(), "note-1", note.clone()).await;
    for r in [&a, &b, &c] {
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["log_index"], a.body["log_index"]);
    }
    send(
        custody.clone(),
        "note-1",
        json!({"type": "note", "reason": "other"}),
    )
    .await
    .assert_problem(422, "idempotency-key-reused");
    let entries = app.get(&custody, t).await.body;
    assert_eq!(entries.as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn appends_check_the_session_and_user_like_every_request() {
    let w = world().await;
    let app = &w.app;
    let id = register(app, &w.inv.token, &w.case_id, disk()).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let note = json!({"type": "note"});
    assert_eq!(
        append(app, &w.sup.token, &id, note.clone()).await.status,
        201
    );
    // Logged out: the token's session is gone.
    let res = app
        .request(
            "POST",
            "/api/v1/auth/logout",
            Some(&w.sup.token),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 204);
    append(app, &w.sup.token, &id, note.clone())
        .await
        .assert_problem(401, "unauthenticated");
    // Disabled by an administrator: refused at once.
    let admin = app.regional_admin().await;
    let res = app
        .patch(
            &format!("/api/v1/users/{}", w.inv.id),
            &admin.token,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(res.status, 200);
    append(app, &w.inv.token, &id, note.clone())
        .await
        .assert_problem(401, "unauthenticated");
    // A user who owes a password change records nothing.
    let jm = w.jm.clone();
    let res = app
        .post("/api/v1/users", &admin.token, &json!({"username": "jm.new", "display_name": "New", "agency_id": jm, "roles": ["investigator"], "password": "a-first-password-77"}))
        .await;
    assert_eq!(res.status, 201);
    let first = app.login("jm.new", "a-first-password-77").await;
    let token = first.body["access_token"].as_str().unwrap().to_owned();
    append(app, &token, &id, note.clone())
        .await
        .assert_problem(403, "password-change-required");
    append(app, "not-a-token", &id, note)
        .await
        .assert_problem(401, "unauthenticated");
}

/// One client reusing an `Idempotency-Key` across endpoints at the same moment (a
/// custody append and a case creation) gets its own answers: one request wins, the
/// others are replays or refusals, and the appends batched with them, from the same
/// user, all land.
#[actix_web::test]
async fn a_key_reused_across_endpoints_fails_only_its_own_requests() {
    let w = world().await;
    let app = &w.app;
    let t = w.inv.token.as_str();
    let a = register(
        app,
        t,
        &w.case_id,
        json!({"description": "Laptop", "kind": "device"}),
    )
    .await;
    let b = register(
        app,
        t,
        &w.case_id,
        json!({"description": "Phone", "kind": "device"}),
    )
    .await;
    let a = a.body["id"].as_str().unwrap().to_owned();
    let b = b.body["id"].as_str().unwrap().to_owned();
    let keyed = |path: String, key: String, body: Value| async move {
        app.request_with_headers("POST", &path, t, &[("Idempotency-Key", &key)], Some(&body))
            .await
    };
    for round in 0..4 {
        let key = format!("shared-{round}");
        let before = app
            .get(&format!("/api/v1/evidence/{a}/custody"), t)
            .await
            .body;
        let mut requests = Vec::new();
        for _ in 0..6 {
            requests.push(keyed(
                format!("/api/v1/evidence/{a}/custody"),
                key.clone(),
                json!({"type": "note", "reason": "keyed"}),
            ));
        }
        for _ in 0..3 {
            requests.push(keyed(
                "/api/v1/cases".into(),
                key.clone(),
                json!({"title": "Keyed case", "summary": "s", "offences": ["illegal_access"], "priority": "low"}),
            ));
        }
        let plain = (0..12).map(|_| append(app, t, &b, json!({"type": "note", "reason": "plain"})));
        let (keyed, plain) = futures_util::future::join(
            futures_util::future::join_all(requests),
            futures_util::future::join_all(plain),
        )
        .await;
        for r in &plain {
            assert_eq!(r.status, 201, "an unkeyed append failed: {}", r.body);
        }
        let mut originals = 0;
        for r in &keyed {
            assert!(
                [201, 409, 422].contains(&r.status.as_u16()),
                "round {round}: {} {}",
                r.status,
                r.body
            );
            if r.status == 201 && r.headers.get("idempotent-replayed").is_none() {
                originals += 1;
            }
        }
        assert_eq!(
            originals, 1,
            "round {round}: exactly one request carries out the key"
        );
        let after = app
            .get(&format!("/api/v1/evidence/{a}/custody"), t)
            .await
            .body;
        let added = after.as_array().unwrap().len() - before.as_array().unwrap().len();
        assert!(added <= 1, "round {round}: {added} entries for one key");
    }
}
