//! The audit trail: what is recorded, who may read it, and tamper evidence.

use crate::common::TestApp;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::{Value, json};

fn entries(res: &crate::common::Response) -> Vec<Value> {
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["items"].as_array().unwrap().clone()
}

fn actions(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Officers of Jamaica and Barbados, auditors of each and a regional one, and a JM
/// case read, changed (by a national system's request id) and refused to a
/// Barbadian officer.
struct Trail {
    app: TestApp,
    jm: String,
    bb: String,
    inv: crate::common::Caller,
    bb_inv: crate::common::Caller,
    jm_auditor: crate::common::Caller,
    bb_auditor: crate::common::Caller,
    regional: crate::common::Caller,
    case_id: String,
    case: Value,
}

async fn trail() -> Trail {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let jm_oversight = app.agency(
        "JM",
        "Independent Commission of Investigations",
        AgencyKind::Other,
    );
    let bb = app.agency("BB", "Royal Barbados Police Force", AgencyKind::Police);
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let bb_inv = app.user_caller("bb.inv", &bb, &[Role::Investigator]).await;
    let jm_auditor = app
        .user_caller("jm.auditor", &jm_oversight, &[Role::Auditor])
        .await;
    let bb_auditor = app.user_caller("bb.auditor", &bb, &[Role::Auditor]).await;
    let regional = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;

    let case = app
        .create_case(&inv.token, "Data interference at a ministry")
        .await;
    let id = case["id"].as_str().unwrap();
    app.get(&format!("/api/v1/cases/{id}"), &inv.token).await;
    let res = app
        .request_with_headers(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            &inv.token,
            &[("If-Match", "\"v1\""), ("X-Request-Id", "jm-cms-77")],
            Some(&json!({"priority": "critical"})),
        )
        .await;
    assert_eq!(res.status, 200);
    app.get(&format!("/api/v1/cases/{id}"), &bb_inv.token)
        .await
        .assert_problem(404, "not-found");
    Trail {
        case_id: id.to_owned(),
        case: case.clone(),
        app,
        jm,
        bb,
        inv,
        bb_inv,
        jm_auditor,
        bb_auditor,
        regional,
    }
}

#[actix_web::test]
async fn reads_changes_and_refusals_about_a_case_reach_the_auditors_of_the_states_concerned() {
    let w = trail().await;
    let id = w.case_id.as_str();
    let Trail {
        app,
        bb_inv,
        jm_auditor,
        bb_auditor,
        regional,
        bb,
        case,
        ..
    } = &w;
    // Everything about the case, as the regional auditor sees it (newest first).
    let trail = entries(
        &app.get(&format!("/api/v1/audit?case={id}"), &regional.token)
            .await,
    );
    assert_eq!(
        actions(&trail),
        vec![
            ("case.read".into(), "denied".into()),
            ("case.update".into(), "success".into()),
            ("case.read".into(), "success".into()),
            ("case.create".into(), "success".into()),
        ]
    );
    let denied = &trail[0];
    assert_eq!(
        denied["actor"],
        json!({"user_id": bb_inv.id, "agency_id": bb, "country": "BB"})
    );
    assert_eq!(
        denied["subject"],
        json!({"type": "case", "id": id, "country": "JM"})
    );
    assert_eq!(denied["details"]["refused"], "not-found");
    let update = &trail[1];
    assert_eq!(update["request_id"], "jm-cms-77");
    assert_eq!(update["ip"], "127.0.0.1");
    assert_eq!(update["details"]["changed"], json!(["priority"]));
    assert_eq!(update["v"], 1);
    let at = update["at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() == 27, "{at}");
    assert_eq!(trail[3]["details"]["reference"], case["reference"]);
    // These four were recorded one after the other: each links to the one before.
    for pair in trail.windows(2) {
        assert_eq!(
            pair[0]["seq"].as_i64().unwrap(),
            pair[1]["seq"].as_i64().unwrap() + 1
        );
        assert_eq!(pair[0]["prev"], pair[1]["entry_hash"]);
    }

    // The Jamaican auditor sees all four; the Barbadian auditor only the refused read
    // by a Barbadian officer.
    assert_eq!(
        entries(
            &app.get(&format!("/api/v1/audit?case={id}"), &jm_auditor.token)
                .await
        )
        .len(),
        4
    );
    let bb_view = entries(
        &app.get(&format!("/api/v1/audit?case={id}"), &bb_auditor.token)
            .await,
    );
    assert_eq!(
        actions(&bb_view),
        vec![("case.read".into(), "denied".into())]
    );
}

#[actix_web::test]
async fn logins_failures_and_lockouts_are_recorded_for_the_auditors_of_the_persons_state() {
    let w = trail().await;
    let Trail {
        app,
        jm,
        inv,
        bb_inv,
        jm_auditor,
        bb_auditor,
        regional,
        ..
    } = &w;
    // Logins, failures and lockouts.
    app.login("jm.inv", "not-the-password").await;
    let failed = entries(
        &app.get(
            &format!("/api/v1/audit?action=auth.login_failed&actor={}", inv.id),
            &jm_auditor.token,
        )
        .await,
    );
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["details"]["reason"], "wrong password");
    assert_eq!(failed[0]["outcome"], "failed");
    app.login("nobody.at.all", "whatever-password").await;
    let unknown = entries(
        &app.get("/api/v1/audit?action=auth.login_failed", &regional.token)
            .await,
    );
    assert!(
        unknown
            .iter()
            .any(|e| e["details"]["username"] == "nobody.at.all" && e["actor"].is_null())
    );
    for _ in 0..5 {
        app.login("bb.inv", "not-the-password").await;
    }
    let locked = entries(
        &app.get(
            "/api/v1/audit?action=auth.account_locked",
            &bb_auditor.token,
        )
        .await,
    );
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0]["actor"]["user_id"], bb_inv.id);
    let logins = entries(
        &app.get(
            &format!("/api/v1/audit?action=auth.login&agency={jm}"),
            &jm_auditor.token,
        )
        .await,
    );
    assert_eq!(logins.len(), 1);
    assert!(
        entries(
            &app.get("/api/v1/audit?action=auth.login", &bb_auditor.token)
                .await
        )
        .iter()
        .all(|e| e["actor"]["country"] == "BB")
    );
}

#[actix_web::test]
async fn the_trail_filters_by_time_and_outcome_pages_without_gaps_and_only_auditors_read_it() {
    let w = trail().await;
    let Trail {
        app, inv, regional, ..
    } = &w;
    // Time and outcome filters, and pages.
    assert!(
        entries(
            &app.get("/api/v1/audit?from=2100-01-01T00:00:00Z", &regional.token)
                .await
        )
        .is_empty()
    );
    assert!(
        !entries(
            &app.get(
                "/api/v1/audit?to=2100-01-01T00:00:00Z&outcome=denied",
                &regional.token
            )
            .await
        )
        .is_empty()
    );
    let mut seqs = Vec::new();
    let mut path = "/api/v1/audit?limit=3".to_owned();
    loop {
        let res = app.get(&path, &regional.token).await;
        seqs.extend(entries(&res).iter().map(|e| e["seq"].as_i64().unwrap()));
        match res.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/audit?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert!(seqs.windows(2).all(|w| w[0] == w[1] + 1), "{seqs:?}");
    assert_eq!(*seqs.last().unwrap(), 0);

    // Only auditors read the trail, and a refusal is itself recorded.
    app.get("/api/v1/audit", &inv.token)
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/audit/verify", &inv.token)
        .await
        .assert_problem(403, "forbidden");
    let refused = entries(
        &app.get(
            &format!("/api/v1/audit?actor={}&outcome=denied", inv.id),
            &regional.token,
        )
        .await,
    );
    assert_eq!(
        actions(&refused),
        vec![
            ("audit.verify".into(), "denied".into()),
            ("audit.query".into(), "denied".into())
        ]
    );
}

#[actix_web::test]
async fn administration_is_recorded() {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let auditor = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;
    let res = app
        .post(
            "/api/v1/agencies",
            &regional.token,
            &json!({"country": "GD", "name": "RGPF", "kind": "police"}),
        )
        .await;
    let agency = res.body["id"].as_str().unwrap().to_owned();
    let res = app
        .post("/api/v1/users", &regional.token, &json!({"username": "gd.admin", "display_name": "GD", "agency_id": agency, "roles": ["admin"], "password": "grenada-spice-island"}))
        .await;
    let user = res.body["id"].as_str().unwrap().to_owned();
    let done = app
        .patch(
            &format!("/api/v1/users/{user}"),
            &regional.token,
            &json!({"status": "disabled"}),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.body);
    let done = app.post("/api/v1/countries", &regional.token, &json!({"code": "CA", "name": "Canada", "membership": "non_member", "official_languages": ["en", "fr"]})).await;
    assert!(done.status.is_success(), "{}", done.body);
    let trail = entries(
        &app.get(
            &format!("/api/v1/audit?actor={}", regional.id),
            &auditor.token,
        )
        .await,
    );
    let got: Vec<String> = trail
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        &got[..4],
        &[
            "country.create",
            "user.update",
            "user.create",
            "agency.create"
        ]
    );
    assert_eq!(trail[1]["details"]["changed"]["status"], "disabled");
    assert_eq!(trail[1]["subject"]["country"], "GD");
    assert!(got.contains(&"auth.password_change".to_owned()));
    assert!(got.contains(&"auth.login".to_owned()));
}

async fn chain_with_entries(app: &TestApp) -> (String, i64) {
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let auditor = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;
    let case = app.create_case(&inv.token, "Tamper target").await;
    let id = case["id"].as_str().unwrap();
    app.get(&format!("/api/v1/cases/{id}"), &inv.token).await;
    app.get("/api/v1/cases?limit=5", &inv.token).await;
    let read = entries(
        &app.get(
            &format!("/api/v1/audit?case={id}&action=case.read"),
            &auditor.token,
        )
        .await,
    );
    let seq = read[0]["seq"].as_i64().unwrap();
    let verify = app.get("/api/v1/audit/verify", &auditor.token).await;
    assert_eq!(verify.status, 200);
    assert_eq!(verify.body["intact"], true, "{}", verify.body);
    assert!(verify.body["entries"].as_i64().unwrap() > seq + 1);
    assert!(verify.body["broken_seq"].is_null());
    (auditor.token, seq)
}

fn drop_trigger(app: &TestApp, name: &str) {
    let sql = if app.is_postgres() {
        format!("DROP TRIGGER {name} ON audit_log")
    } else {
        format!("DROP TRIGGER {name}")
    };
    app.exec(&sql).unwrap();
}

#[actix_web::test]
async fn the_database_refuses_to_change_or_delete_audit_entries() {
    let app = TestApp::spawn().await;
    let (_, seq) = chain_with_entries(&app).await;
    app.assert_append_only(
        "audit_log",
        &format!("UPDATE audit_log SET action = 'x' WHERE seq = {seq}"),
    );
    app.assert_append_only(
        "audit_log",
        &format!("DELETE FROM audit_log WHERE seq = {seq}"),
    );
    if app.is_postgres() {
        app.assert_append_only("audit_log", "TRUNCATE audit_log");
    }
}

#[actix_web::test]
async fn verify_names_an_altered_entry() {
    let app = TestApp::spawn().await;
    let (token, seq) = chain_with_entries(&app).await;
    drop_trigger(&app, "audit_log_no_update");
    app.exec(&format!(
        "UPDATE audit_log SET entry = replace(entry, '\"case.read\"', '\"case.list\"') WHERE seq = {seq}"
    ))
    .unwrap();
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], false);
    assert_eq!(v.body["broken_seq"], seq);
    assert_eq!(v.body["problem"], "the entry does not match its hash");
}

#[actix_web::test]
async fn verify_names_an_altered_column() {
    let app = TestApp::spawn().await;
    let (token, seq) = chain_with_entries(&app).await;
    drop_trigger(&app, "audit_log_no_update");
    app.exec(&format!(
        "UPDATE audit_log SET actor_country = 'BB' WHERE seq = {seq}"
    ))
    .unwrap();
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], false);
    assert_eq!(v.body["broken_seq"], seq);
    assert_eq!(
        v.body["problem"],
        "the indexed columns differ from the hashed entry"
    );
}

#[actix_web::test]
async fn verify_names_a_deleted_entry() {
    let app = TestApp::spawn().await;
    let (token, seq) = chain_with_entries(&app).await;
    drop_trigger(&app, "audit_log_no_delete");
    app.exec(&format!("DELETE FROM audit_log WHERE seq = {seq}"))
        .unwrap();
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], false);
    assert_eq!(v.body["broken_seq"], seq);
    assert!(
        v.body["problem"].as_str().unwrap().contains("missing"),
        "{}",
        v.body
    );
}

#[actix_web::test]
async fn verify_names_a_rewritten_entry_whose_hash_was_recomputed() {
    let app = TestApp::spawn().await;
    let (token, seq) = chain_with_entries(&app).await;
    drop_trigger(&app, "audit_log_no_update");
    // A forger rewrites the entry and its hash consistently: the next entry's link breaks.
    let mut conn = app.state.pool.get().unwrap();
    use caseledger::db::schema::audit_log;
    use diesel::prelude::*;
    let entry: String = audit_log::table
        .find(seq)
        .select(audit_log::entry)
        .first(&mut conn)
        .unwrap();
    let forged = entry.replace("127.0.0.1", "10.9.9.9");
    let hash = caseledger::ledger::sha256_hex(forged.as_bytes());
    drop(conn);
    app.exec(&format!(
        "UPDATE audit_log SET entry = '{forged}', entry_hash = '{hash}' WHERE seq = {seq}"
    ))
    .unwrap();
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], false);
    assert_eq!(v.body["broken_seq"], seq + 1);
    assert_eq!(
        v.body["problem"],
        "the entry does not link to the previous entry's hash"
    );
}

#[actix_web::test]
async fn concurrent_appends_never_fork_the_chain() {
    let app = TestApp::spawn().await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let impacs = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let auditor = app
        .user_caller("tt.impacs.auditor", &impacs, &[Role::Auditor])
        .await;
    let case = app.create_case(&inv.token, "Busy case").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let reads = (0..40).map(|_| {
        let app = &app;
        let path = format!("/api/v1/cases/{id}");
        let token = inv.token.clone();
        async move { app.get(&path, &token).await.status }
    });
    let statuses = futures_util::future::join_all(reads).await;
    assert!(statuses.iter().all(|s| *s == 200));
    let v = app.get("/api/v1/audit/verify", &auditor.token).await;
    assert_eq!(v.body["intact"], true, "{}", v.body);
    let reads = entries(
        &app.get(
            &format!("/api/v1/audit?case={id}&action=case.read&limit=100"),
            &auditor.token,
        )
        .await,
    );
    assert_eq!(reads.len(), 40);
}

/// The audit-head entries anchored so far, read behind the service's back.
fn anchored(app: &TestApp) -> Vec<caseledger::ledger::anchor::AnchoredHead> {
    use caseledger::db::schema::audit_heads;
    use caseledger::ledger::anchor::AnchoredHead;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    audit_heads::table
        .order(audit_heads::seq)
        .select(AnchoredHead::as_select())
        .load(&mut conn)
        .unwrap()
}

/// The hash of the audit entry `seq`, read behind the service's back.
fn audit_hash(app: &TestApp, seq: i64) -> String {
    use caseledger::db::schema::audit_log;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .find(seq)
        .select(audit_log::entry_hash)
        .first(&mut conn)
        .unwrap()
}

/// Waits until a head at or after audit entry `seq` is anchored; returns the heads.
async fn anchored_after(app: &TestApp, seq: i64) -> Vec<caseledger::ledger::anchor::AnchoredHead> {
    for _ in 0..200 {
        let heads = anchored(app);
        if heads.last().is_some_and(|h| h.audit_seq >= seq) {
            return heads;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no audit head at or after entry {seq} was anchored");
}

#[actix_web::test]
async fn the_trails_head_is_anchored_in_the_log_only_when_it_moved_and_its_bundle_verifies_offline()
{
    use caseledger::custody::verify::{Verdict, verify_bundle};
    let app = TestApp::spawn_with(|s| s.audit_anchor_ms = 50).await;
    let (token, seq) = chain_with_entries(&app).await;
    let heads = anchored_after(&app, seq).await;
    // Each head names an audit entry as the trail holds it, and they chain in order.
    for (i, head) in heads.iter().enumerate() {
        assert_eq!(head.seq, i as i64);
        assert_eq!(head.audit_hash, audit_hash(&app, head.audit_seq));
        let entry: Value = serde_json::from_str(&head.canonical).unwrap();
        assert_eq!(entry["type"], "audit_head");
        assert_eq!(entry["audit_head"], app.state.log.origin);
        assert_eq!(entry["actor"], json!({"system": app.state.log.origin}));
        assert_eq!(entry["audit_seq"], head.audit_seq);
        assert_eq!(
            entry["prev"],
            match i {
                0 => Value::Null,
                _ => json!(heads[i - 1].entry_hash),
            }
        );
        assert!(i == 0 || heads[i - 1].audit_seq < head.audit_seq);
    }
    // Nothing audited, nothing anchored: the log does not grow while the trail rests.
    let resting = anchored_after(&app, audit_seq_now(&app)).await.len();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(anchored(&app).len(), resting);

    let res = app.get("/api/v1/audit/heads/bundle", &token).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let bundle = res.body;
    assert_eq!(bundle["entries"].as_array().unwrap().len(), resting);
    let key = app.state.log.verifier_key.clone();
    let report = verify_bundle(&bundle, &key).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{report:?}");
    assert_eq!(
        report.audit_head.as_deref(),
        Some(app.state.log.origin.as_str())
    );
    assert!(
        report.summary.starts_with(
            "The record of the audit trail's anchored heads is complete and unaltered"
        ),
        "{}",
        report.summary
    );
    // An anchored head altered in the bundle no longer verifies.
    let mut forged = bundle.clone();
    forged["entries"][0]["entry"]["audit_hash"] = json!("0".repeat(64));
    assert_eq!(
        verify_bundle(&forged, &key).unwrap().verdict,
        Verdict::NotVerified
    );
    // Nor does an entry of another kind passed off as one.
    let mut other = bundle.clone();
    other["audit_head"] = json!("another.log.example");
    assert_eq!(
        verify_bundle(&other, &key).unwrap().verdict,
        Verdict::NotVerified
    );

    // The trail's verification says which anchored head it continues from.
    let last = bundle["entries"].as_array().unwrap().last().unwrap()["entry"].clone();
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], true, "{}", v.body);
    let from = &v.body["continues_from"];
    assert!(
        from["audit_seq"].as_i64().unwrap() >= last["audit_seq"].as_i64().unwrap(),
        "{}",
        v.body
    );
    assert_eq!(
        from["audit_hash"],
        json!(audit_hash(&app, from["audit_seq"].as_i64().unwrap()))
    );
    assert!(v.body["anchored_heads_checked"].as_i64().unwrap() >= resting as i64);

    // Audit-head entries are never changed or removed.
    app.assert_append_only("audit_heads", "UPDATE audit_heads SET audit_seq = 0");
    app.assert_append_only("audit_heads", "DELETE FROM audit_heads");
    if app.is_postgres() {
        app.assert_append_only("audit_heads", "TRUNCATE audit_heads");
    }
}

/// The newest audit entry's `seq`.
fn audit_seq_now(app: &TestApp) -> i64 {
    app.audit_entries().len() as i64 - 1
}

#[actix_web::test]
async fn only_auditors_export_the_anchored_heads_and_before_the_first_there_is_none() {
    let app = TestApp::spawn().await;
    let (token, _) = chain_with_entries(&app).await;
    // The default interval is a minute: nothing is anchored yet.
    app.get("/api/v1/audit/heads/bundle", &token)
        .await
        .assert_problem(404, "not-found");
    let jm = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let inv = app
        .user_caller("jm.fraud", &jm, &[Role::Investigator])
        .await;
    app.get("/api/v1/audit/heads/bundle", &inv.token)
        .await
        .assert_problem(403, "forbidden");
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], true);
    assert!(v.body["continues_from"].is_null(), "{}", v.body);
    assert_eq!(v.body["anchored_heads_checked"], 0);
}

#[actix_web::test]
async fn a_trail_cut_short_or_rewritten_no_longer_continues_from_its_anchored_head() {
    let app = TestApp::spawn_with(|s| s.audit_anchor_ms = 50).await;
    let (token, seq) = chain_with_entries(&app).await;
    let head = anchored_after(&app, seq).await.last().unwrap().clone();
    // The operator cuts the trail back to before the anchored entry. What is left is a
    // chain intact in itself; only the log remembers the head it had.
    drop_trigger(&app, "audit_log_no_delete");
    app.exec(&format!(
        "DELETE FROM audit_log WHERE seq >= {}",
        head.audit_seq
    ))
    .unwrap();
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], false, "{}", v.body);
    assert_eq!(v.body["broken_seq"], head.audit_seq, "{}", v.body);
    assert_eq!(
        v.body["problem"],
        format!(
            "the trail ends before entry {}, anchored in the log at index {}: it was cut short",
            head.audit_seq, head.log_index
        )
    );
    // That verification was itself recorded, in the place of the anchored entry: the
    // trail goes on, but not from what the witnesses saw.
    let v = app.get("/api/v1/audit/verify", &token).await;
    assert_eq!(v.body["intact"], false, "{}", v.body);
    assert_eq!(v.body["broken_seq"], head.audit_seq, "{}", v.body);
    assert_eq!(
        v.body["problem"],
        format!(
            "entry {} is not the one anchored in the log at index {}: the trail was rewritten",
            head.audit_seq, head.log_index
        )
    );
}
