//! The ledger engine itself, with a job kind of the tests' own, on the service's
//! database: a job is answered only once what it wrote is durable, and what was not
//! answered left nothing; a kind that fails or panics fails its own jobs and no other
//! kind's; a key given twice is committed once; a kind forgets its cache when another
//! instance wrote.

use crate::common::TestApp;
use actix_web::http::StatusCode;
use caseledger::error::{ApiError, ApiResult};
use caseledger::ledger::{
    Action, Batch, Claim, Event, Kind, Ledger, LedgerBuilder, Loader, Outcome,
};
use caseledger::observability::{Metrics, RequestMeta};
use caseledger::reply::Reply;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Audits and answers.
    Answer,
    /// Refused by its checks: writes nothing, answers an error.
    Refuse,
    /// A database failure of the whole batch.
    FailBatch,
    /// A bug in the kind.
    Panic,
    /// The kind forgets to answer it.
    Unanswered,
}

struct ProbeJob {
    tag: String,
    mode: Mode,
}

/// A kind that does what its jobs say (writing a row named after the job, and its
/// audit entry), and counts how often it forgot its cache.
struct Probe {
    forgotten: Arc<AtomicUsize>,
}

/// The row a probe job writes: a country whose code is the job's tag.
fn write_row(batch: &mut Batch<'_>, tag: &str) -> ApiResult<()> {
    let row = caseledger::countries::CountryRow {
        code: tag.to_owned(),
        name: "probe".into(),
        membership: "member".into(),
        official_languages: "en".into(),
        created_at: caseledger::db::now(),
        order_notice_required: false,
    };
    Ok(caseledger::countries::queries::insert(batch.conn(), &row)?)
}

/// The probe rows in the database.
fn written_rows(app: &TestApp) -> Vec<String> {
    use caseledger::db::schema::countries;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    countries::table
        .filter(countries::name.eq("probe"))
        .select(countries::code)
        .load(&mut conn)
        .unwrap()
}

fn probe_event(tag: &str) -> Event {
    let meta = RequestMeta {
        ip: None,
        request_id: None,
    };
    Event::new(Action::AuditQuery, None, &meta).detail("probe", tag)
}

impl Kind for Probe {
    type Job = ProbeJob;
    type Loaded = ();

    fn loader(&self, _: &[&ProbeJob]) -> Option<Loader<()>> {
        None
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        _: (),
        jobs: Vec<ProbeJob>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        let mut out = Vec::new();
        for job in jobs {
            match job.mode {
                Mode::Answer => {
                    write_row(batch, &job.tag)?;
                    batch.audit(probe_event(&job.tag), Outcome::Success);
                    out.push(Ok(Reply::json(StatusCode::OK, &json!({"tag": job.tag}))));
                }
                Mode::Refuse => out.push(Err(ApiError::forbidden("refused by the probe"))),
                Mode::FailBatch => {
                    write_row(batch, &job.tag)?;
                    batch.audit(probe_event(&job.tag), Outcome::Success);
                    // As a database failure would: the same row twice.
                    write_row(batch, &job.tag)?;
                }
                Mode::Panic => panic!("the probe panicked"),
                Mode::Unanswered => batch.audit(probe_event(&job.tag), Outcome::Success),
            }
        }
        Ok(out)
    }

    fn forget(&mut self) {
        self.forgotten.fetch_add(1, Ordering::SeqCst);
    }
}

/// A second ledger on the app's database, carrying the probe.
fn probe_ledger(app: &TestApp) -> (Ledger, Arc<AtomicUsize>) {
    let forgotten = Arc::new(AtomicUsize::new(0));
    let ledger = LedgerBuilder::new()
        .kind(Probe {
            forgotten: forgotten.clone(),
        })
        .start(
            app.state.pool.clone(),
            caseledger::db::Manager::new(app.database_url()).unwrap(),
            app.state.log.clone(),
            Arc::new(Metrics::new()),
        );
    (ledger, forgotten)
}

/// The probe tags in the audit trail, in chain order.
fn audited_tags(app: &TestApp) -> Vec<String> {
    app.audit_entries()
        .iter()
        .filter_map(|e| e["details"]["probe"].as_str().map(str::to_owned))
        .collect()
}

fn chain_intact(app: &TestApp) -> bool {
    let mut conn = app.state.pool.get().unwrap();
    caseledger::audit::verify::verify(&mut conn).unwrap().intact
}

#[actix_web::test]
async fn a_job_is_answered_only_when_what_it_wrote_is_durable() {
    let app = TestApp::spawn().await;
    let (ledger, _) = probe_ledger(&app);
    let modes = [
        Mode::Answer,
        Mode::Refuse,
        Mode::Answer,
        Mode::FailBatch,
        Mode::Answer,
        Mode::Unanswered,
        Mode::Answer,
        Mode::Panic,
        Mode::Answer,
        Mode::Refuse,
    ];
    // Several rounds of all modes at once, so that batches mix them in varying ways,
    // with the audit entries of reads (another kind) among them.
    let mut jobs = Vec::new();
    for round in 0..8 {
        for (i, mode) in modes.iter().enumerate() {
            jobs.push((format!("r{round}-j{i}"), *mode));
        }
    }
    let probes = futures_util::future::join_all(jobs.iter().map(|(tag, mode)| {
        ledger.submit::<Probe>(
            ProbeJob {
                tag: tag.clone(),
                mode: *mode,
            },
            None,
        )
    }));
    let reads = futures_util::future::join_all(
        (0..80).map(|i| ledger.record(probe_event(&format!("read{i}")), Outcome::Success)),
    );
    let (results, reads) = futures_util::future::join(probes, reads).await;
    // The other kind's jobs never fail for the probe's failures.
    for (i, read) in reads.iter().enumerate() {
        assert!(read.is_ok(), "read{i}: {read:?}");
    }
    let audited = audited_tags(&app);
    for i in 0..80 {
        assert!(audited.contains(&format!("read{i}")), "read{i} not durable");
    }
    let written = written_rows(&app);
    let mut answered = 0;
    for ((tag, mode), result) in jobs.iter().zip(&results) {
        let durable = audited.contains(tag);
        assert_eq!(
            durable,
            written.contains(tag),
            "{tag}: its row and audit entry"
        );
        match result {
            Ok(reply) => {
                answered += 1;
                assert_eq!(*mode, Mode::Answer, "{tag}");
                assert_eq!(reply.body, json!({"tag": tag}));
                assert!(
                    durable,
                    "{tag} was answered but its audit entry is not durable"
                );
            }
            Err(e) => {
                assert!(
                    !durable,
                    "{tag} failed ({e:?}) but its audit entry was kept"
                );
                // Refused by its checks, or failed with the probe's jobs of its
                // batch (one of which failed).
                match e {
                    ApiError::Forbidden(_) => assert_eq!(*mode, Mode::Refuse, "{tag}"),
                    ApiError::Internal(_) => {}
                    other => panic!("{tag}: {other:?}"),
                }
            }
        }
    }
    assert_eq!(audited.len(), answered + 80);
    assert_eq!(written.len(), answered);
    assert!(chain_intact(&app));

    // One at a time (a batch each): every failure fails its own job only, and the
    // ledger serves on after each.
    for (i, mode) in modes.iter().enumerate() {
        let tag = format!("alone{i}");
        let result = ledger
            .submit::<Probe>(
                ProbeJob {
                    tag: tag.clone(),
                    mode: *mode,
                },
                None,
            )
            .await;
        match mode {
            Mode::Answer => assert_eq!(result.unwrap().body, json!({"tag": tag})),
            Mode::Refuse => assert!(matches!(result, Err(ApiError::Forbidden(_)))),
            _ => assert!(matches!(result, Err(ApiError::Internal(_))), "{mode:?}"),
        }
        let durable = audited_tags(&app).contains(&tag);
        assert_eq!(durable, *mode == Mode::Answer, "{tag} {mode:?}");
        assert_eq!(written_rows(&app).contains(&tag), durable, "{tag}");
    }
    assert!(chain_intact(&app));
}

#[actix_web::test]
async fn a_key_given_twice_commits_once_and_replays_to_both() {
    let app = TestApp::spawn().await;
    let agency = app.agency(
        "JM",
        "JCF Cybercrime Unit",
        caseledger::agencies::AgencyKind::Police,
    );
    let user = app.user(
        "jm.inv",
        &agency,
        &[caseledger::auth::roles::Role::Investigator],
    );
    let (ledger, _) = probe_ledger(&app);
    let claim = |key: &str, body: &str| Claim {
        user_id: user.clone(),
        key: key.to_owned(),
        request_hash: caseledger::ledger::sha256_hex(body.as_bytes()),
    };
    // Pairs submitted together land in one batch or in two; either way the key's
    // first job is committed once and the other gets its reply, replayed.
    let mut submissions = Vec::new();
    for pair in 0..20 {
        for copy in 0..2 {
            submissions.push((
                format!("pair{pair}-copy{copy}"),
                claim(&format!("k{pair}"), "same"),
            ));
        }
    }
    let results = futures_util::future::join_all(submissions.iter().map(|(tag, claim)| {
        ledger.submit::<Probe>(
            ProbeJob {
                tag: tag.clone(),
                mode: Mode::Answer,
            },
            Some(claim.clone()),
        )
    }))
    .await;
    let audited = audited_tags(&app);
    for pair in 0..20 {
        let replies: Vec<&Reply> = results[2 * pair..2 * pair + 2]
            .iter()
            .map(|r| r.as_ref().expect("both copies answered"))
            .collect();
        assert_eq!(replies[0].body, replies[1].body, "pair {pair}");
        assert_eq!(
            replies.iter().filter(|r| r.replayed).count(),
            1,
            "pair {pair}: one original, one replay"
        );
        let committed: Vec<&String> = audited
            .iter()
            .filter(|t| t.starts_with(&format!("pair{pair}-")))
            .collect();
        assert_eq!(committed.len(), 1, "pair {pair}: {committed:?}");
        assert_eq!(replies[0].body["tag"], Value::from(committed[0].as_str()));
    }
    // The same key with another request is refused, and commits nothing.
    let reused = ledger
        .submit::<Probe>(
            ProbeJob {
                tag: "reused".into(),
                mode: Mode::Answer,
            },
            Some(claim("k0", "another body")),
        )
        .await;
    assert!(
        matches!(reused, Err(ApiError::IdempotencyKeyReused)),
        "{reused:?}"
    );
    assert!(!audited_tags(&app).contains(&"reused".to_owned()));
    // A refused job's key is released: a retry runs again.
    let refused = ledger
        .submit::<Probe>(
            ProbeJob {
                tag: "refused".into(),
                mode: Mode::Refuse,
            },
            Some(claim("k-refused", "x")),
        )
        .await;
    assert!(refused.is_err());
    let retried = ledger
        .submit::<Probe>(
            ProbeJob {
                tag: "retried".into(),
                mode: Mode::Answer,
            },
            Some(claim("k-refused", "x")),
        )
        .await
        .unwrap();
    assert!(!retried.replayed);
    assert!(chain_intact(&app));
}

#[actix_web::test]
async fn a_kind_forgets_its_cache_when_another_instance_wrote() {
    let app = TestApp::spawn().await;
    let (ledger, forgotten) = probe_ledger(&app);
    let answer = |tag: &str| {
        ledger.submit::<Probe>(
            ProbeJob {
                tag: tag.to_owned(),
                mode: Mode::Answer,
            },
            None,
        )
    };
    answer("first").await.unwrap();
    answer("second").await.unwrap();
    // Audit entries alone do not move the log: nothing to forget.
    app.state
        .ledger
        .record(probe_event("elsewhere"), Outcome::Success)
        .await
        .unwrap();
    answer("third").await.unwrap();
    assert_eq!(forgotten.load(Ordering::SeqCst), 0);
    // The app's own ledger (another writer on this database) appends to the log.
    let jm = app.agency(
        "JM",
        "JCF Cybercrime Unit",
        caseledger::agencies::AgencyKind::Police,
    );
    let inv = app
        .user_caller(
            "jm.inv",
            &jm,
            &[caseledger::auth::roles::Role::Investigator],
        )
        .await;
    let case = app.create_case(&inv.token, "Phishing ring").await;
    let res = app
        .post(
            &format!("/api/v1/cases/{}/evidence", case["id"].as_str().unwrap()),
            &inv.token,
            &json!({"description": "Seized phone", "kind": "device"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    answer("fourth").await.unwrap();
    assert_eq!(forgotten.load(Ordering::SeqCst), 1);
    answer("fifth").await.unwrap();
    assert_eq!(forgotten.load(Ordering::SeqCst), 1);
    assert_eq!(
        audited_tags(&app),
        ["first", "second", "elsewhere", "third", "fourth", "fifth"]
    );
    assert!(chain_intact(&app));
}
