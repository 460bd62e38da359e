//! Tampering with stored custody is refused by the database, and caught by the
//! service's verification and the offline verifier alike.

use super::*;

pub(super) async fn tamper_setup(w: &World) -> (String, Vec<Value>) {
    let app = &w.app;
    let id = register(app, &w.inv.token, &w.case_id, disk()).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for t in ["sealed", "checked_out", "checked_in", "note"] {
        let mut body = json!({"type": t});
        if t == "sealed" {
            body["seal"] = json!({"number": "S-1", "condition": "intact"});
        }
        assert_eq!(append(app, &w.inv.token, &id, body).await.status, 201);
    }
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await
        .body;
    assert_eq!(
        app.get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.inv.token
        )
        .await
        .body["verdict"],
        "verified"
    );
    (id, custody.as_array().unwrap().clone())
}

pub(super) fn drop_custody_triggers(app: &TestApp) {
    for trigger in ["custody_entries_no_update", "custody_entries_no_delete"] {
        let sql = if app.is_postgres() {
            format!("DROP TRIGGER {trigger} ON custody_entries")
        } else {
            format!("DROP TRIGGER {trigger}")
        };
        app.exec(&sql).unwrap();
    }
}

/// The service's verify and the offline verifier both fail, naming `position`.
async fn assert_caught(w: &World, id: &str, position: u64, what: &str) {
    let app = &w.app;
    let report = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(report["verdict"], "not_verified", "{what}: {report}");
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .starts_with("The custody record does not verify"),
        "{what}: {report}"
    );
    let named: Vec<u64> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["problems"].as_array().unwrap().is_empty())
        .map(|f| f["position"].as_u64().unwrap())
        .collect();
    assert_eq!(named.first(), Some(&position), "{what}: {report}");
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await
        .body;
    let key = log_key(app, &w.inv.token).await;
    let (code, output) = verify_offline(app, &bundle, &key).await;
    assert_eq!(code, 1, "{what}: {output}");
    assert!(output.starts_with("NOT VERIFIED: "), "{what}: {output}");
    assert!(
        output.contains(&format!("FAIL entry {position:>4}")),
        "{what}: {output}"
    );
}

#[actix_web::test]
async fn the_database_refuses_to_rewrite_custody() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    let app = &w.app;
    app.assert_append_only(
        "custody_entries",
        &format!("UPDATE custody_entries SET entry_type = 'x' WHERE evidence_id = '{id}'"),
    );
    app.assert_append_only(
        "custody_entries",
        &format!("DELETE FROM custody_entries WHERE evidence_id = '{id}'"),
    );
    app.assert_append_only("log_node_runs", "DELETE FROM log_node_runs");
    app.assert_append_only("log_node_runs", "UPDATE log_node_runs SET leaves = 1");
    app.assert_append_only("log_checkpoints", "UPDATE log_checkpoints SET note = 'x'");
}

#[actix_web::test]
async fn a_changed_byte_is_caught() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    drop_custody_triggers(&w.app);
    w.app
        .exec(&format!(
            "UPDATE custody_entries SET canonical = replace(canonical, '\"checked_out\"', '\"checked_in_\"') WHERE evidence_id = '{id}' AND seq = 2"
        ))
        .unwrap();
    assert_caught(&w, &id, 2, "changed byte").await;
}

#[actix_web::test]
async fn a_deleted_entry_is_caught() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    drop_custody_triggers(&w.app);
    w.app
        .exec(&format!(
            "DELETE FROM custody_entries WHERE evidence_id = '{id}' AND seq = 3"
        ))
        .unwrap();
    assert_caught(&w, &id, 3, "deleted entry").await;
}

#[actix_web::test]
async fn reordered_entries_are_caught() {
    let w = world().await;
    let (id, entries) = tamper_setup(&w).await;
    drop_custody_triggers(&w.app);
    // Swap the stored bytes and hashes of entries 1 and 2.
    let (i1, i2) = (
        entries[1]["log_index"].as_i64().unwrap(),
        entries[2]["log_index"].as_i64().unwrap(),
    );
    w.app
        .exec(&format!(
            "UPDATE custody_entries SET seq = -1 WHERE log_index = {i1}; \
             UPDATE custody_entries SET seq = 1 WHERE log_index = {i2}; \
             UPDATE custody_entries SET seq = 2 WHERE log_index = {i1};"
        ))
        .unwrap();
    assert_caught(&w, &id, 1, "reordered").await;
}

#[actix_web::test]
async fn a_swapped_log_key_is_caught() {
    let w = world().await;
    let (id, _) = tamper_setup(&w).await;
    let trusted = log_key(&w.app, &w.inv.token).await;
    // Another instance on the same database with a different log key: its own key
    // does not verify the checkpoints, and the trusted key does not verify its bundles.
    let swapped = w.app.sibling(|_| {}).await;
    let inv = swapped.caller("jm.inv", crate::common::PASSWORD).await;
    let report = swapped
        .get(&format!("/api/v1/evidence/{id}/custody/verify"), &inv.token)
        .await
        .body;
    assert_eq!(report["verdict"], "not_verified", "{report}");
    assert!(!report["checkpoint_problems"].as_array().unwrap().is_empty());
    assert_eq!(
        append(&swapped, &inv.token, &id, json!({"type": "note"}))
            .await
            .status,
        201
    );
    let bundle = swapped
        .get(&format!("/api/v1/evidence/{id}/custody/bundle"), &inv.token)
        .await
        .body;
    let (code, output) = verify_offline(&w.app, &bundle, &trusted).await;
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("FAIL checkpoint"), "{output}");
    // Against a checkpoint that is not trusted, no entry's inclusion "holds".
    assert!(
        !output.contains("inclusion in the checkpoint hold"),
        "{output}"
    );
    assert!(output.contains("inclusion not checked"), "{output}");
}
