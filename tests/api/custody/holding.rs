//! Custody powers follow the item: the agency that holds it records what a holder
//! does, the agency a transfer awaits (and only it) records the receipt, and an
//! agency that held it before keeps the history it was part of and no power over it.
//! Every event type against holder, former holder, pending receiver and outsider.

use super::*;

/// A request body for every event type an append may record.
fn every_event(to_agency: &str, to_custodian: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "sealed",
            json!({"type": "sealed", "seal": {"number": "LAB-0007", "condition": "intact"}}),
        ),
        (
            "transferred",
            json!({"type": "transferred", "to_agency_id": to_agency, "to_custodian_id": to_custodian}),
        ),
        ("received", json!({"type": "received"})),
        (
            "checked_out",
            json!({"type": "checked_out", "reason": "imaging"}),
        ),
        ("checked_in", json!({"type": "checked_in"})),
        (
            "hash_verified",
            json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": DISK_SHA}}),
        ),
        (
            "analysed",
            json!({"type": "analysed", "reason": "timeline"}),
        ),
        (
            "copied",
            json!({"type": "copied", "reason": "working copy"}),
        ),
        (
            "shared_abroad",
            json!({"type": "shared_abroad", "reason": "to a partner"}),
        ),
        (
            "returned",
            json!({"type": "returned", "reason": "to its owner"}),
        ),
        (
            "released",
            json!({"type": "released", "reason": "no longer needed"}),
        ),
        (
            "destroyed",
            json!({"type": "destroyed", "reason": "court order"}),
        ),
        ("note", json!({"type": "note", "reason": "a remark"})),
        (
            "correction",
            json!({"type": "correction", "corrects_seq": 0, "reason": "a typo"}),
        ),
    ]
}

/// The number of entries the item has, read by someone who sees all of them.
async fn entries(app: &TestApp, token: &str, id: &str) -> i64 {
    let res = app.get(&format!("/api/v1/evidence/{id}"), token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["entries"].as_i64().unwrap()
}

/// JM police owns the case and registers the item; a JM forensic laboratory outside
/// the case and a BB police force take it in turn; GY police is an outsider.
struct Places {
    w: World,
    lab: String,
    lab_inv: Caller,
    outsider: Caller,
    item: String,
}

impl Places {
    /// Asserts that `who` may record no event of the item (`status` each time), and
    /// that nothing was recorded.
    async fn records_nothing(
        &self,
        who: &str,
        caller: &Caller,
        events: &[(&'static str, Value)],
        status: u16,
    ) {
        let (app, id, reader) = (&self.w.app, self.item.as_str(), &self.w.inv.token);
        let before = entries(app, reader, id).await;
        for (event, body) in events {
            let res = append(app, &caller.token, id, body.clone()).await;
            assert_eq!(
                res.status.as_u16(),
                status,
                "{who} recording {event}: {}",
                res.body
            );
        }
        assert_eq!(entries(app, reader, id).await, before, "{who}");
    }

    /// JM police sends `item` to the laboratory.
    async fn send_to_lab(&self, item: &str) {
        let to_lab = json!({"type": "transferred", "to_agency_id": self.lab, "to_custodian_id": self.lab_inv.id});
        ok(append(&self.w.app, &self.w.inv.token, item, to_lab).await);
    }

    /// JM police sends `item` to the laboratory, which records its receipt.
    async fn hand_to_lab(&self, item: &str) {
        self.send_to_lab(item).await;
        ok(append(
            &self.w.app,
            &self.lab_inv.token,
            item,
            json!({"type": "received"}),
        )
        .await);
    }
}

async fn places() -> Places {
    let w = world().await;
    let app = &w.app;
    let lab = app.agency("JM", "JCF Forensic Laboratory", AgencyKind::Police);
    let lab_inv = app.user_caller("jm.lab", &lab, &[Role::Investigator]).await;
    let gy = app.agency("GY", "Guyana Police Force", AgencyKind::Police);
    let outsider = app
        .user_caller("gy.inv", &gy, &[Role::Investigator, Role::Supervisor])
        .await;
    let item = disk_item(&w).await;
    Places {
        w,
        lab,
        lab_inv,
        outsider,
        item,
    }
}

#[actix_web::test]
async fn in_transit_the_sender_holds_and_only_the_receiver_records_the_receipt() {
    let p = places().await;
    let (app, id) = (&p.w.app, p.item.as_str());
    let police = &p.w.inv;
    p.send_to_lab(id).await;
    let events = every_event(&p.w.bb, &p.w.bb_inv.id);
    // The receiver records the receipt and nothing else; an outsider learns nothing.
    let not_receipt: Vec<_> = events
        .iter()
        .filter(|(e, _)| *e != "received")
        .cloned()
        .collect();
    p.records_nothing("receiver", &p.lab_inv, &not_receipt, 403)
        .await;
    p.records_nothing("outsider", &p.outsider, &events, 404)
        .await;
    // The sender still holds it: what moves it waits for the receipt (409), notes and
    // corrections do not, and the receipt is not the sender's to record (403).
    for (event, body) in &events {
        let res = append(app, &police.token, id, body.clone()).await;
        let expected = match *event {
            "received" => 403,
            "note" | "correction" => 201,
            _ => 409,
        };
        assert_eq!(
            res.status.as_u16(),
            expected,
            "sender: {event}: {}",
            res.body
        );
    }
    ok(append(app, &p.lab_inv.token, id, json!({"type": "received"})).await);
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &police.token)
        .await;
    assert_eq!(item.body["holder_agency_id"], p.lab.as_str());
}

#[actix_web::test]
async fn once_handed_on_the_former_holder_records_nothing_and_the_holder_everything() {
    let p = places().await;
    let (app, id) = (&p.w.app, p.item.as_str());
    let police = &p.w.inv;
    p.hand_to_lab(id).await;
    let events = every_event(&p.w.bb, &p.w.bb_inv.id);

    // JM police owns the case and still reads everything, but records nothing: not
    // even within its own country may a former holder move the item.
    p.records_nothing("former holder", police, &events, 403)
        .await;
    p.records_nothing("supervisor of the former holder", &p.w.sup, &events, 403)
        .await;
    p.records_nothing("outsider", &p.outsider, &events, 404)
        .await;
    p.records_nothing("BB police", &p.w.bb_inv, &events, 404)
        .await;

    // The laboratory holds it and records every event in its turn.
    for (event, body) in &events {
        if matches!(
            *event,
            "transferred" | "received" | "returned" | "released" | "destroyed"
        ) {
            continue;
        }
        let res = append(app, &p.lab_inv.token, id, body.clone()).await;
        assert_eq!(res.status, 201, "holder: {event}: {}", res.body);
    }
    // Destroyed, it stays the laboratory's to annotate, and no one else's.
    ok(append(
        app,
        &p.lab_inv.token,
        id,
        json!({"type": "destroyed", "reason": "court order"}),
    )
    .await);
    ok(append(
        app,
        &p.lab_inv.token,
        id,
        json!({"type": "note", "reason": "certificate filed"}),
    )
    .await);
    append(
        app,
        &police.token,
        id,
        json!({"type": "note", "reason": "seen"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &police.token)
        .await;
    assert_eq!(item.body["status"], "destroyed");
    assert_eq!(item.body["holder_agency_id"], p.lab.as_str());
}

#[actix_web::test]
async fn an_agency_outside_the_case_that_handed_the_item_on_reads_only_its_part() {
    let p = places().await;
    let (app, id) = (&p.w.app, p.item.as_str());
    let police = &p.w.inv;
    // To the laboratory and back: the laboratory is outside the case, and held it.
    p.hand_to_lab(id).await;
    ok(append(
        app,
        &p.lab_inv.token,
        id,
        json!({"type": "analysed", "reason": "timeline"}),
    )
    .await);
    ok(append(
        app,
        &p.lab_inv.token,
        id,
        json!({"type": "transferred", "to_agency_id": p.w.jm, "to_custodian_id": police.id}),
    )
    .await);
    let receipt = ok(append(app, &police.token, id, json!({"type": "received"})).await);
    let receipt_seq = receipt["entry"]["seq"].as_i64().unwrap();
    let receipt_hash = receipt["entry_hash"].as_str().unwrap().to_owned();

    // The review's attack: the former holder sends it on, takes it out, destroys it.
    let events = every_event(&p.w.bb, &p.w.bb_inv.id);
    p.records_nothing("former holder", &p.lab_inv, &events, 403)
        .await;
    app.get(&format!("/api/v1/evidence/{id}"), &p.w.bb_inv.token)
        .await
        .assert_problem(404, "not-found");

    // What JM police does next is not the laboratory's to read.
    ok(append(
        app,
        &police.token,
        id,
        json!({"type": "checked_out", "reason": "court"}),
    )
    .await);
    ok(append(
        app,
        &police.token,
        id,
        json!({"type": "note", "reason": "shown in court"}),
    )
    .await);
    let seen = app
        .get(&format!("/api/v1/evidence/{id}"), &p.lab_inv.token)
        .await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["entries"], receipt_seq + 1);
    assert_eq!(seen.body["head"], receipt_hash.as_str());
    assert_eq!(seen.body["status"], "in_custody");
    assert_eq!(seen.body["custodian"]["user_id"], police.id.as_str());
    assert_eq!(seen.body["holder_agency_id"], p.w.jm.as_str());
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &p.lab_inv.token)
        .await;
    let types: Vec<&str> = custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "collected",
            "transferred",
            "received",
            "analysed",
            "transferred",
            "received"
        ]
    );
    // Its part verifies offline like the whole.
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &p.lab_inv.token,
        )
        .await;
    assert_eq!(
        bundle.body["entries"].as_array().unwrap().len() as i64,
        receipt_seq + 1
    );
    assert_eq!(bundle.body["evidence"]["status"], "in_custody");
    let key = log_key(app, &police.token).await;
    let (code, out) = verify_offline(app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    let verdict = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/verify"),
            &p.lab_inv.token,
        )
        .await;
    assert_eq!(
        verdict.body["entries"].as_array().unwrap().len() as i64,
        receipt_seq + 1
    );
    // The case's owner reads it all.
    assert_eq!(entries(app, &police.token, id).await, receipt_seq + 3);
    // And the laboratory hears no more of the item.
    let heard = app.get("/api/v1/events?limit=500", &p.lab_inv.token).await;
    assert_eq!(heard.status, 200, "{}", heard.body);
    assert!(
        heard.body["items"].as_array().unwrap().is_empty(),
        "{}",
        heard.body
    );

    // Sent to the laboratory again, it reads the whole history again.
    ok(append(app, &police.token, id, json!({"type": "checked_in"})).await);
    p.send_to_lab(id).await;
    assert_eq!(
        entries(app, &p.lab_inv.token, id).await,
        entries(app, &police.token, id).await
    );
}

/// Runs one migration of `source` down and up again, by its name.
fn redo<DB: diesel::backend::Backend>(
    conn: &mut impl diesel_migrations::MigrationHarness<DB>,
    source: impl diesel::migration::MigrationSource<DB>,
    name: &str,
) {
    let all = source.migrations().unwrap();
    let m = all
        .iter()
        .find(|m| m.name().to_string().contains(name))
        .unwrap();
    conn.revert_migration(&**m).unwrap();
    conn.run_migration(&**m).unwrap();
}

/// Runs one migration of the tree down and up again, by its name.
pub(super) fn redo_migration(app: &TestApp, name: &str) {
    use caseledger::db::{DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    let mut conn = app.state.pool.get().unwrap();
    match &mut *conn {
        DbConn::Postgresql(c) => redo(c, POSTGRES_MIGRATIONS, name),
        DbConn::Sqlite(c) => redo(c, SQLITE_MIGRATIONS, name),
    }
}

/// Items logged before holders were kept get theirs from the log: the custodian's
/// agency, or for an item released, returned or destroyed, the agency that held it
/// then.
#[actix_web::test]
async fn items_logged_before_holders_were_kept_get_theirs_from_the_log() {
    let p = places().await;
    let (app, id) = (&p.w.app, p.item.as_str());
    let police = &p.w.inv;
    p.hand_to_lab(id).await;
    ok(append(
        app,
        &p.lab_inv.token,
        id,
        json!({"type": "destroyed", "reason": "order"}),
    )
    .await);
    let kept = disk_item(&p.w).await;
    let moving = disk_item(&p.w).await;
    p.send_to_lab(&moving).await;

    redo_migration(app, "custody_holder");
    for (item, holder) in [(id, &p.lab), (&kept, &p.w.jm), (&moving, &p.w.jm)] {
        let res = app
            .get(&format!("/api/v1/evidence/{item}"), &police.token)
            .await;
        assert_eq!(
            res.body["holder_agency_id"],
            holder.as_str(),
            "{}",
            res.body
        );
    }
}
