//! Registration and the rules of custody: labels, required fields, the first entry,
//! seals, check-out and check-in, hash checks, transfers and receipts, `prev`,
//! corrections and destruction; and the audit entries they leave.

use super::*;

fn year() -> String {
    chrono::Utc::now().format("%Y").to_string()
}

#[actix_web::test]
async fn registration_numbers_items_and_commits_the_first_entry() {
    let w = world().await;
    let app = &w.app;
    let item = ok(register(app, &w.inv.token, &w.case_id, disk()).await);
    let id = item["id"].as_str().unwrap().to_owned();
    let year = year();
    assert_eq!(item["label"], format!("JM-{year}-000001/E01"));
    assert_eq!(item["status"], "in_custody");
    assert_eq!(
        item["custodian"],
        json!({"user_id": w.inv.id, "agency_id": w.jm})
    );
    assert_eq!(item["entries"], 1);
    let second = register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Seized laptop", "kind": "device"}),
    )
    .await;
    assert_eq!(second.body["label"], format!("JM-{year}-000001/E02"));

    // Digital evidence needs its hash; details take integers only.
    let res = register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Memory dump", "kind": "memory_capture"}),
    )
    .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "sha256");
    for refused in [
        json!({"type": "note", "details": {"ratio": 0.5}}),
        json!({"type": "note", "colour": "red"}),
        json!({"type": "collected"}),
    ] {
        append(app, &w.inv.token, &id, refused.clone())
            .await
            .assert_problem(422, "validation-failed");
    }
    // A refused registration used no number.
    let third = register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Router", "kind": "device"}),
    )
    .await;
    assert_eq!(third.body["label"], format!("JM-{year}-000001/E03"));

    // The first entry commits to the acquisition hash.
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    let first = &custody.body[0]["entry"];
    assert_eq!(first["type"], "collected");
    assert_eq!(first["seq"], 0);
    assert_eq!(first["prev"], Value::Null);
    assert_eq!(first["evidence"]["sha256"], DISK_SHA);
    assert_eq!(first["authority"], "Warrant 2026/117");
    assert_eq!(first["actor"]["country"], "JM");
    assert!(first["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(custody.body.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn seals_check_outs_and_hash_checks_follow_the_rules() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "sealed", "seal": {"number": "JCF-SEAL-0042", "condition": "intact"}}),
    )
    .await);
    append(app, &w.inv.token, &id, json!({"type": "sealed"}))
        .await
        .assert_problem(422, "validation-failed");
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "checked_out", "reason": "imaging verification"}),
    )
    .await);
    // Checked out: no transfer until it is checked in.
    let transfer = json!({"type": "transferred", "to_agency_id": w.bb, "to_custodian_id": w.bb_inv.id, "authority": "MLA JM-BB-2026-07"});
    append(app, &w.inv.token, &id, transfer.clone())
        .await
        .assert_problem(409, "custody-rule-violated");
    ok(append(app, &w.inv.token, &id, json!({"type": "checked_in"})).await);
    append(app, &w.inv.token, &id, json!({"type": "checked_in"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    let same = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": DISK_SHA}}),
    )
    .await);
    assert_eq!(same["entry"]["hash_mismatch"], false);
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await;
    assert_eq!(item.body["integrity_alert"], false);
    // A different hash is recorded and flagged, not refused.
    let differs = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": OTHER_SHA}}),
    )
    .await);
    assert_eq!(differs["entry"]["hash_mismatch"], true);
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await;
    assert_eq!(item.body["integrity_alert"], true);
    // Refused appends left nothing: seal, check-out, check-in and two hash checks.
    assert_eq!(item.body["entries"], 6);
    // Once checked in, the transfer is allowed.
    ok(append(app, &w.inv.token, &id, transfer).await);
}

#[actix_web::test]
async fn a_transfer_shares_the_item_with_its_receiver_only() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    let laptop = ok(register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Seized laptop", "kind": "device"}),
    )
    .await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A transfer names a real custodian of the receiving agency.
    for refused in [
        json!({"type": "transferred", "to_agency_id": w.bb, "to_custodian_id": w.inv.id}),
        json!({"type": "transferred", "to_agency_id": w.bb}),
    ] {
        append(app, &w.inv.token, &id, refused)
            .await
            .assert_problem(422, "validation-failed");
    }
    // Barbados sees nothing before the transfer, and cannot write to it.
    app.get(&format!("/api/v1/evidence/{id}"), &w.bb_inv.token)
        .await
        .assert_problem(404, "not-found");
    append(app, &w.bb_inv.token, &id, json!({"type": "note"}))
        .await
        .assert_problem(404, "not-found");
    let transfer = json!({"type": "transferred", "to_agency_id": w.bb, "to_custodian_id": w.bb_inv.id, "authority": "MLA JM-BB-2026-07"});
    let sent = ok(append(app, &w.inv.token, &id, transfer).await);
    assert_eq!(sent["entry"]["to_agency_id"], w.bb);
    let now = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body;
    assert_eq!(now["status"], "in_transit");
    assert_eq!(
        now["pending_transfer"],
        json!({"user_id": w.bb_inv.id, "agency_id": w.bb})
    );
    // In transit: only the receiving agency's receipt moves it on.
    append(app, &w.inv.token, &id, json!({"type": "checked_out"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    append(app, &w.inv.token, &id, json!({"type": "received"}))
        .await
        .assert_problem(403, "forbidden");
    // The receiving agency, outside the case, sees this item and its custody only.
    for path in [
        format!("/api/v1/evidence/{id}"),
        format!("/api/v1/evidence/{id}/custody"),
    ] {
        assert_eq!(app.get(&path, &w.bb_inv.token).await.status, 200, "{path}");
    }
    for path in [
        format!("/api/v1/cases/{}", w.case_id),
        format!("/api/v1/cases/{}/evidence", w.case_id),
        format!("/api/v1/evidence/{laptop}"),
    ] {
        app.get(&path, &w.bb_inv.token)
            .await
            .assert_problem(404, "not-found");
    }
    let received = ok(append(app, &w.bb_inv.token, &id, json!({"type": "received", "location": "Bridgetown", "seal": {"number": "JCF-SEAL-0042", "condition": "intact"}})).await);
    assert_eq!(
        received["entry"]["custodian_after"],
        json!({"user_id": w.bb_inv.id, "agency_id": w.bb})
    );
    assert_eq!(
        received["entry"]["custodian_before"],
        json!({"user_id": w.inv.id, "agency_id": w.jm})
    );
    let now = app
        .get(&format!("/api/v1/evidence/{id}"), &w.bb_inv.token)
        .await
        .body;
    assert_eq!(now["status"], "in_custody");
    assert_eq!(now["pending_transfer"], Value::Null);
}

#[actix_web::test]
async fn prev_corrections_and_destruction() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    let first_hash = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body["head"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "sealed", "seal": {"number": "JCF-SEAL-0042", "condition": "intact"}}),
    )
    .await);
    // prev: a stale head is refused, the current one accepted.
    let head = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body["head"]
        .as_str()
        .unwrap()
        .to_owned();
    append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "note", "prev": first_hash}),
    )
    .await
    .assert_problem(409, "custody-chain-moved");
    let noted = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "note", "prev": head, "details": {"pages": 3}}),
    )
    .await);
    assert_eq!(noted["entry"]["prev"], head);

    // Corrections name an existing entry; destruction is final but for notes.
    append(
        app,
        &w.sup.token,
        &id,
        json!({"type": "correction", "corrects_seq": 99, "reason": "typo"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let corrected = ok(append(
        app,
        &w.sup.token,
        &id,
        json!({"type": "correction", "corrects_seq": 1, "reason": "seal number misread"}),
    )
    .await);
    assert_eq!(corrected["entry"]["corrects_seq"], 1);
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "destroyed", "authority": "Court order 88/2026"}),
    )
    .await);
    append(app, &w.inv.token, &id, json!({"type": "checked_out"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "note", "reason": "certificate of destruction filed"}),
    )
    .await);
    let last = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body;
    assert_eq!(last["status"], "destroyed");
    assert_eq!(last["custodian"], Value::Null);
    assert_eq!(last["entries"], 6);
}

#[actix_web::test]
async fn the_chain_the_log_and_the_offline_verifier_agree() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    ok(append(app, &w.inv.token, &id, json!({"type": "checked_out"})).await);
    ok(append(app, &w.inv.token, &id, json!({"type": "checked_in"})).await);
    let differs = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": OTHER_SHA}}),
    )
    .await);
    ok(append(app, &w.inv.token, &id, json!({"type": "note"})).await);
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body;
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await
        .body;
    let entries = custody.as_array().unwrap();
    assert_eq!(entries.len() as i64, item["entries"].as_i64().unwrap());
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["entry"]["seq"], i);
        let canonical = serde_json_canonicalizer::to_string(&e["entry"]).unwrap();
        assert_eq!(
            caseledger::ledger::sha256_hex(canonical.as_bytes()),
            e["entry_hash"]
        );
        if i > 0 {
            assert_eq!(e["entry"]["prev"], entries[i - 1]["entry_hash"]);
        }
    }
    let report = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.inv.token,
        )
        .await;
    // The record verifies, and says first that the item failed a hash check: which
    // entry, which hashes, when and by whom.
    assert_eq!(report.body["verdict"], "integrity_alert", "{}", report.body);
    let summary = report.body["summary"].as_str().unwrap();
    assert!(summary.starts_with("The custody record is complete and unaltered, but"));
    assert!(
        summary.contains(OTHER_SHA) && summary.contains(DISK_SHA),
        "{summary}"
    );
    let alerts = report.body["integrity_alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["position"], differs["entry"]["seq"]);
    assert_eq!(alerts[0]["observed"], OTHER_SHA);
    assert_eq!(alerts[0]["expected"], DISK_SHA);
    assert_eq!(alerts[0]["at"], differs["entry"]["at"]);
    assert_eq!(alerts[0]["actor"]["user_id"], w.inv.id);
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await
        .body;
    assert_eq!(bundle["case_reference"], format!("JM-{}-000001", year()));
    assert_eq!(bundle["evidence"]["label"], item["label"]);
    let key = log_key(app, &w.inv.token).await;
    assert_eq!(bundle["public_key"], key);
    let (code, output) = verify_offline(app, &bundle, &key).await;
    assert_eq!(code, 3, "{output}");
    assert!(output.starts_with("INTEGRITY ALERT: "), "{output}");
    assert!(
        output.contains(&format!("observed sha-256 {OTHER_SHA}")),
        "{output}"
    );
}

#[actix_web::test]
async fn the_audit_trail_holds_every_append_and_the_refused_attempts() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    ok(register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Seized laptop", "kind": "device"}),
    )
    .await);
    ok(append(app, &w.inv.token, &id, json!({"type": "note"})).await);
    ok(append(app, &w.inv.token, &id, json!({"type": "checked_out"})).await);
    // Refused: one the rules forbid (not audited as a refusal of access), one by a
    // caller who may not see the item, and two reads by that caller.
    append(app, &w.inv.token, &id, json!({"type": "checked_out"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    append(app, &w.bb_inv.token, &id, json!({"type": "note"}))
        .await
        .assert_problem(404, "not-found");
    for path in [
        format!("/api/v1/evidence/{id}"),
        format!("/api/v1/evidence/{id}/custody"),
    ] {
        app.get(&path, &w.bb_inv.token)
            .await
            .assert_problem(404, "not-found");
    }
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let auditor = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;
    let trail = app
        .get(
            &format!("/api/v1/audit?case={}&limit=200", w.case_id),
            &auditor.token,
        )
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    let count = |action: &str, outcome: &str| {
        trail
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("evidence.register", "success"), 2);
    assert_eq!(count("custody.append", "success"), 2);
    assert_eq!(count("custody.append", "denied"), 1);
    assert_eq!(count("evidence.read", "denied"), 1);
    assert_eq!(count("custody.read", "denied"), 1);
    let appended = trail
        .iter()
        .find(|e| e["action"] == "custody.append" && e["outcome"] == "success")
        .unwrap();
    assert_eq!(appended["subject"]["type"], "evidence");
    assert_eq!(appended["details"]["evidence_id"], id);
    let denied = trail
        .iter()
        .find(|e| e["action"] == "custody.append" && e["outcome"] == "denied")
        .unwrap();
    assert_eq!(denied["actor"]["user_id"], w.bb_inv.id);
}
