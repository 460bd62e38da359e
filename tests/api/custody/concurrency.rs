//! Concurrent appends, on one instance and on two sharing one database, never fork a
//! chain or the log.

use super::*;

async fn hammer(
    apps: &[&TestApp],
    tokens: &[String],
    items: &[String],
    per_item: usize,
) -> Vec<u16> {
    let mut futures = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for j in 0..per_item {
            let app = apps[(i + j) % apps.len()];
            let token = tokens[(i + j) % tokens.len()].clone();
            let path = format!("/api/v1/evidence/{item}/custody");
            futures.push(async move {
                app.post(&path, &token, &json!({"type": "note", "details": {"n": j}}))
                    .await
                    .status
                    .as_u16()
            });
        }
    }
    futures_util::future::join_all(futures).await
}

/// Every item's chain is whole and verifies, and together the items fill the log
/// without gaps or duplicates. `items` must be every item in the log.
async fn assert_log_whole(app: &TestApp, token: &str, items: &[String]) {
    let key = log_key(app, token).await;
    let verifier = note::parse_verifier_key(&key).unwrap();
    let mut indexes = HashSet::new();
    let mut total = 0;
    for item in items {
        let custody = app
            .get(&format!("/api/v1/evidence/{item}/custody"), token)
            .await
            .body;
        let entries = custody.as_array().unwrap();
        for (seq, e) in entries.iter().enumerate() {
            assert_eq!(e["entry"]["seq"], seq);
            assert!(
                indexes.insert(e["log_index"].as_u64().unwrap()),
                "duplicate log index"
            );
        }
        total += entries.len();
        let report = app
            .get(&format!("/api/v1/evidence/{item}/custody/verify"), token)
            .await
            .body;
        assert_eq!(report["verdict"], "verified", "{report}");
    }
    let expected: HashSet<u64> = (0..total as u64).collect();
    assert_eq!(indexes, expected, "the log has gaps");
    let text = String::from_utf8(app.get("/api/v1/log/checkpoint", token).await.raw).unwrap();
    assert_eq!(
        note::verify_checkpoint(&text, &verifier).unwrap().size,
        total as u64
    );
}

#[actix_web::test]
async fn concurrent_appends_never_fork_a_chain_or_the_log() {
    let w = world().await;
    let app = &w.app;
    let mut items = Vec::new();
    for i in 0..5 {
        let res = register(
            app,
            &w.inv.token,
            &w.case_id,
            json!({"description": format!("item {i}"), "kind": "document"}),
        )
        .await;
        items.push(res.body["id"].as_str().unwrap().to_owned());
    }
    // One item hammered by many clients, then many items at once.
    let statuses = hammer(
        &[app],
        &[w.inv.token.clone(), w.sup.token.clone()],
        &items[..1],
        64,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let statuses = hammer(
        &[app],
        &[w.inv.token.clone(), w.sup.token.clone()],
        &items[1..],
        16,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let custody = app
        .get(
            &format!("/api/v1/evidence/{}/custody", items[0]),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(custody.as_array().unwrap().len(), 65);
    // The writer batched them: fewer commits than appends.
    let metrics =
        String::from_utf8(app.request("GET", "/metrics", None, None, None).await.raw).unwrap();
    let batches: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("caseledger_ledger_batch_size_count "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        batches > 0 && batches < 5 + 64,
        "{batches} batches for 69 jobs"
    );
    // Where the batches' time went, step by step.
    for phase in ["lock", "heads", "checks", "compute", "write", "commit"] {
        let seconds: f64 = metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "caseledger_ledger_batch_phase_seconds_total{{phase=\"{phase}\"}} "
                ))
            })
            .unwrap_or_else(|| panic!("no {phase} time in {metrics}"))
            .trim()
            .parse()
            .unwrap();
        assert!(seconds > 0.0, "{phase}: {seconds}");
    }
    let custody = app
        .get(
            &format!("/api/v1/evidence/{}/custody", items[4]),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(custody.as_array().unwrap().len(), 17);
    assert_log_whole(app, &w.inv.token, &items).await;
}

#[actix_web::test]
async fn two_instances_append_to_one_log() {
    let w = world().await;
    // The second instance shares the database and the log key (as deployments must).
    let key_file = w.app.data_dir().join("log-signing-key.pem");
    let jwt_file = w.app.data_dir().join("jwt-signing-key.pem");
    let other = w
        .app
        .sibling(|s| {
            s.log_key_file = Some(key_file);
            s.jwt_key_file = Some(jwt_file);
        })
        .await;
    let mut items = Vec::new();
    for i in 0..4 {
        let res = register(
            &w.app,
            &w.inv.token,
            &w.case_id,
            json!({"description": format!("item {i}"), "kind": "document"}),
        )
        .await;
        items.push(res.body["id"].as_str().unwrap().to_owned());
    }
    let statuses = hammer(
        &[&w.app, &other],
        std::slice::from_ref(&w.inv.token),
        &items,
        24,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_log_whole(&w.app, &w.inv.token, &items).await;
    let custody = other
        .get(
            &format!("/api/v1/evidence/{}/custody", items[3]),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(custody.as_array().unwrap().len(), 25);
}
