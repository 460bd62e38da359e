//! Checkpoints, inclusion and consistency proofs, and entries that hash to their own
//! entry hash.

use super::*;

#[actix_web::test]
async fn checkpoints_and_proofs() {
    let w = world().await;
    let app = &w.app;
    let t = w.inv.token.as_str();
    let key = log_key(app, t).await;
    let verifier = note::parse_verifier_key(&key).unwrap();
    assert!(key.starts_with("caseledger/custody+"));
    // An empty log has a signed checkpoint too.
    let empty = String::from_utf8(app.get("/api/v1/log/checkpoint", t).await.raw).unwrap();
    let cp = note::verify_checkpoint(&empty, &verifier).unwrap();
    assert_eq!((cp.size, cp.root), (0, merkle::empty_root()));

    let mut leaves = Vec::new();
    for i in 0..5 {
        let res = register(
            app,
            t,
            &w.case_id,
            json!({"description": format!("item {i}"), "kind": "document"}),
        )
        .await;
        let id = res.body["id"].as_str().unwrap().to_owned();
        for _ in 0..i {
            let done = append(app, t, &id, json!({"type": "note"})).await;
            assert!(done.status.is_success(), "{}", done.body);
        }
    }
    let res = app.get("/api/v1/log/checkpoint", t).await;
    assert!(res.content_type().starts_with("text/plain"));
    let text = String::from_utf8(res.raw).unwrap();
    let cp = note::verify_checkpoint(&text, &verifier).unwrap();
    assert_eq!(cp.size, 15);
    for index in 0..cp.size {
        let p = app
            .get(
                &format!(
                    "/api/v1/log/proofs/inclusion?index={index}&tree_size={}",
                    cp.size
                ),
                t,
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        let leaf: merkle::Hash = hex::decode(p.body["leaf_hash"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let path: Vec<merkle::Hash> = p.body["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        assert!(
            merkle::verify_inclusion(&leaf, index, cp.size, &path, &cp.root),
            "index {index}"
        );
        leaves.push(leaf);
    }
    // Consistency from every earlier size to the latest; the log is append-only.
    let mut tree = merkle::MemoryTree::default();
    for leaf in &leaves {
        tree.push(*leaf);
    }
    for first in 1..cp.size {
        let p = app
            .get(&format!("/api/v1/log/proofs/consistency?first={first}"), t)
            .await;
        assert_eq!(p.body["second"], cp.size);
        let path: Vec<merkle::Hash> = p.body["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        assert!(
            merkle::verify_consistency(first, cp.size, &tree.root(first), &cp.root, &path),
            "{first}"
        );
    }
    app.get("/api/v1/log/proofs/inclusion?index=15&tree_size=15", t)
        .await
        .assert_problem(422, "validation-failed");
    app.get("/api/v1/log/proofs/inclusion?index=0&tree_size=99", t)
        .await
        .assert_problem(422, "validation-failed");
    app.get("/api/v1/log/proofs/consistency?first=9&second=4", t)
        .await
        .assert_problem(422, "validation-failed");
    app.request("GET", "/api/v1/log/checkpoint", None, None, None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn details_are_i_json_so_an_entry_hashes_to_its_own_entry_hash() {
    let w = world().await;
    let app = &w.app;
    let res = register(app, &w.inv.token, &w.case_id, disk()).await;
    let id = res.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/evidence/{id}/custody");
    let raw = |body: &'static str| app.post_raw(&path, Some(&w.inv.token), body);
    for (body, field) in [
        (
            r#"{"type": "note", "details": {"n": 9007199254740993}}"#,
            "details.n",
        ),
        (
            r#"{"type": "note", "details": {"n": -9007199254740992}}"#,
            "details.n",
        ),
        (
            r#"{"type": "note", "details": {"list": [1, 2.5]}}"#,
            "details.list[1]",
        ),
        (r#"{"type": "note", "details": {"n": 1e3}}"#, "details.n"),
        (
            r#"{"type": "note", "details": {"a": 1, "a": 2}}"#,
            "details.a",
        ),
        (
            r#"{"type": "note", "details": {"x": {"b": true, "b": false}}}"#,
            "details.x.b",
        ),
        (r#"{"type": "note", "type": "note"}"#, "type"),
    ] {
        let res = raw(body).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    // Nothing refused was recorded.
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    assert_eq!(custody.body.as_array().unwrap().len(), 1);

    // The largest safe integers are kept exactly, and the reply hashes to its hash.
    let res =
        raw(r#"{"type": "note", "details": {"max": 9007199254740991, "min": -9007199254740991}}"#)
            .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["entry"]["details"]["max"], 9007199254740991_i64);
    let canonical = serde_json_canonicalizer::to_string(&res.body["entry"]).unwrap();
    assert_eq!(
        caseledger::ledger::sha256_hex(canonical.as_bytes()),
        res.body["entry_hash"].as_str().unwrap()
    );
    let stored = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    assert_eq!(stored.body[1], res.body);
}
