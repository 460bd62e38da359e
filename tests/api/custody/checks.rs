//! Hash checks (custody log format §8): algorithms are a closed set in one spelling,
//! values have their algorithm's form, a check is compared with the acquisition hash
//! of the same algorithm, and one that could not be compared is said so everywhere
//! the verdict is: the API, the report and the offline verifier.

use super::report::{report, text_of};
use super::*;

const MD5: &str = "098f6bcd4621d373cade4e832627b4f6";

/// The verdict on an item's record, as its case's investigator reads it.
async fn verdict_of(w: &World, id: &str) -> Response {
    let res = w
        .app
        .get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &w.inv.token,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res
}

fn check(algorithm: &str, value: &str) -> Value {
    json!({"type": "hash_verified", "hash": {"algorithm": algorithm, "value": value}})
}

#[actix_web::test]
async fn algorithms_are_a_closed_set_written_in_one_spelling() {
    let w = world().await;
    let app = &w.app;
    // Acquisition hashes: known algorithms, each of its own form.
    for (other_hashes, field) in [
        (json!({"crc32": "cbf43926"}), "other_hashes.crc32"),
        (json!({"md5": "not hex"}), "other_hashes.md5"),
        (json!({"md5": DISK_SHA}), "other_hashes.md5"),
        (json!({"sha256": DISK_SHA}), "other_hashes.sha256"),
        (json!({"md5": MD5, "MD5": MD5}), "other_hashes.md5"),
        (json!(["md5"]), "other_hashes"),
    ] {
        let mut body = disk();
        body["other_hashes"] = other_hashes;
        let res = register(app, &w.inv.token, &w.case_id, body).await;
        res.assert_problem(422, "validation-failed");
        let fields: Vec<&str> = res.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} in {}", res.body);
    }
    let mut body = disk();
    body["other_hashes"] = json!({"MD5": MD5.to_uppercase()});
    let item = ok(register(app, &w.inv.token, &w.case_id, body).await);
    assert_eq!(item["other_hashes"], json!({"md5": MD5}));
    let id = item["id"].as_str().unwrap();

    // A check's algorithm and value: refused when unknown or malformed, else written
    // canonically; every spelling of SHA-256 is compared.
    for (algorithm, value, field) in [
        ("crc32", DISK_SHA, "hash.algorithm"),
        ("whirlpool", DISK_SHA, "hash.algorithm"),
        ("sha-256", "9f86d081", "hash.value"),
        ("md5", DISK_SHA, "hash.value"),
        ("sha-512", DISK_SHA, "hash.value"),
    ] {
        let res = append(app, &w.inv.token, id, check(algorithm, value)).await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], field, "{algorithm}");
    }
    for alias in ["SHA-256", "sha256", "SHA256", " sha-256", "sha_256"] {
        let same = ok(append(
            app,
            &w.inv.token,
            id,
            check(alias, &DISK_SHA.to_uppercase()),
        )
        .await);
        assert_eq!(same["entry"]["hash"]["algorithm"], "sha-256", "{alias:?}");
        assert_eq!(same["entry"]["hash"]["value"], DISK_SHA);
        assert_eq!(same["entry"]["hash_mismatch"], false, "{alias:?}");
    }
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await;
    assert_eq!(item.body["integrity_alert"], false);
    // A different value under another spelling is a failed check.
    let differs = ok(append(app, &w.inv.token, id, check("sha256", OTHER_SHA)).await);
    assert_eq!(differs["entry"]["hash_mismatch"], true);
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await;
    assert_eq!(item.body["integrity_alert"], true);
    let verdict = verdict_of(&w, id).await;
    assert_eq!(
        verdict.body["verdict"], "integrity_alert",
        "{}",
        verdict.body
    );
}

#[actix_web::test]
async fn an_md5_check_is_compared_with_the_md5_taken_at_acquisition() {
    let w = world().await;
    let app = &w.app;
    let mut body = disk();
    body["other_hashes"] = json!({"md5": MD5});
    let id = ok(register(app, &w.inv.token, &w.case_id, body).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let matched = ok(append(app, &w.inv.token, &id, check("MD5", MD5)).await);
    assert_eq!(matched["entry"]["hash_mismatch"], false);
    let failed = ok(append(app, &w.inv.token, &id, check("md5", &"0".repeat(32))).await);
    assert_eq!(failed["entry"]["hash_mismatch"], true);
    let verdict = verdict_of(&w, &id).await;
    assert_eq!(
        verdict.body["verdict"], "integrity_alert",
        "{}",
        verdict.body
    );
    assert_eq!(verdict.body["integrity_alerts"][0]["expected"], MD5);
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await;
    let key = log_key(app, &w.inv.token).await;
    let (code, out) = verify_offline(app, &bundle.body, &key).await;
    assert_eq!(code, 3, "{out}");
}

#[actix_web::test]
async fn a_check_that_could_not_be_compared_is_never_called_a_match() {
    let w = world().await;
    let app = &w.app;
    // A device: no content hash was taken when it was seized.
    let id = ok(register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Seized laptop", "kind": "device"}),
    )
    .await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let recorded = ok(append(app, &w.inv.token, &id, check("sha-256", DISK_SHA)).await);
    assert_eq!(recorded["entry"].get("hash_mismatch"), None, "{recorded}");
    let verdict = verdict_of(&w, &id).await;
    assert_eq!(verdict.body["verdict"], "verified");
    assert_eq!(verdict.body["hash_checks_matched"], 0);
    assert_eq!(verdict.body["uncompared_checks"][0]["position"], 1);
    let summary = verdict.body["summary"].as_str().unwrap();
    assert!(!summary.contains("matched the hash"), "{summary}");
    assert!(
        summary.contains("entry 1 checked sha-256, and no sha-256 hash was taken at acquisition"),
        "{summary}"
    );
    // The report and the offline verifier say the same.
    let path = report(&w, &id).await;
    let first = text_of(&path, Some((1, 1)));
    let flat = first.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("could not be compared"), "{first}");
    assert!(!flat.contains("matched the hash"), "{first}");
    let text = text_of(&path, None)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("NOT COMPARED: no hash of this algorithm"),
        "{text}"
    );
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await;
    let key = log_key(app, &w.inv.token).await;
    let (code, out) = verify_offline(app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("could not be compared"), "{out}");
    assert!(!out.contains("matched the hash"), "{out}");
}

/// Items whose checks an earlier version recorded under other spellings, and judged
/// matched, get the integrity alert their verdict gives them; their entries stay as
/// written.
#[actix_web::test]
async fn items_checked_under_other_spellings_before_get_the_alert_their_verdict_gives() {
    let w = world().await;
    let app = &w.app;
    let sha_item = disk_item(&w).await;
    let md5_item = disk_item(&w).await;
    let matching = disk_item(&w).await;
    // As an earlier version wrote them: any spelling, judged matched unless `sha-256`.
    app.exec(&format!(
        "UPDATE evidence_items SET other_hashes = '{{\"MD5\":\"{MD5}\"}}' WHERE id = '{md5_item}'"
    ))
    .unwrap();
    for (n, (item, algorithm, value)) in [
        (&sha_item, "SHA256", OTHER_SHA.to_owned()),
        (&md5_item, "md5", "0".repeat(32)),
        (&matching, "Sha_256", DISK_SHA.to_uppercase()),
    ]
    .into_iter()
    .enumerate()
    {
        let canonical = format!(
            "{{\"evidence_id\":\"{item}\",\"hash\":{{\"algorithm\":\"{algorithm}\",\"value\":\"{value}\"}},\"hash_mismatch\":false,\"type\":\"hash_verified\"}}"
        );
        app.exec(&format!(
            "INSERT INTO custody_entries (log_index, evidence_id, seq, entry_type, canonical, entry_hash, created_at) \
             VALUES ({}, '{item}', 9, 'hash_verified', '{canonical}', 'legacy', '2026-03-01 10:00:00')",
            1_000_000 + n
        ))
        .unwrap();
    }
    super::holding::redo_migration(app, "hash_checks_judged");
    for (item, alert) in [(&sha_item, true), (&md5_item, true), (&matching, false)] {
        let res = app
            .get(&format!("/api/v1/evidence/{item}"), &w.inv.token)
            .await;
        assert_eq!(res.body["integrity_alert"], alert, "{item}: {}", res.body);
    }
}
