//! The one writer of the custody log in each instance. Appends queue here and are
//! committed in batches: one transaction, one lock, one durable commit and one signed
//! checkpoint for every batch, so throughput grows with concurrency instead of being
//! bound by commits, and every acknowledged entry is already in a published checkpoint.
//! Instances sharing PostgreSQL serialise their batches on an advisory lock.
//!
//! Three threads share the work: a helper loads what a batch's checks need on its own
//! connection while the writer begins the transaction; the writer computes the batch
//! from its cache of the log and sends its writes (on PostgreSQL, one statement); a
//! finisher commits it and sends the replies while the writer begins the next batch,
//! whose locks are granted as this one commits.

use super::entry::{self, FirstEntry, ItemState, NewEntry};
use super::log::{self, LogSigner};
use super::merkle::{self, Hash, NodeId};
use super::model::{Custodian, Evidence, EvidenceRow, ItemStatus};
use crate::audit::{self, Action, Actor, Event, Outcome, Subject};
use crate::auth::Principal;
use crate::auth::roles::{Role, decode_roles};
use crate::auth::tokens::Claims;
use crate::cases::model::{CaseRow, Standing};
use crate::db::schema::{
    case_participants, cases, custody_entries, evidence_access, evidence_items, users,
};
use crate::db::{Backend, DbConn, Pool, PooledConn};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::Reservation;
use crate::observability::{CustodyPhase, Metrics, RequestMeta};
use crate::reply::Reply;
use actix_web::http::StatusCode;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc;

const CUSTODY_LOG_LOCK: i64 = 0x6375_7374_6f64_7921;
const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

pub struct Registration {
    /// The new item; its label and derived columns are filled in when committed.
    pub row: EvidenceRow,
    pub case_reference: String,
    pub first: FirstEntry,
}

pub struct Append {
    pub evidence_id: String,
    pub request: NewEntry,
}

pub enum Op {
    Register(Box<Registration>),
    Append(Box<Append>),
}

/// An `Idempotency-Key` to honour: (user id, key, request fingerprint).
pub type Idempotency = Option<(String, String, String)>;

/// Who asks for a job, and how far the request handler checked them.
pub enum Who {
    /// Authenticated and authorised by the request handler.
    Checked { actor: Actor, event: Event },
    /// A verified access token. The writer loads the principals of the whole batch in
    /// one query (live session, active user, as every request) and checks their access
    /// to the items, saving each append two round trips to the database.
    Token {
        claims: Claims,
        meta: RequestMeta,
        action: Action,
    },
}

struct Job {
    op: Op,
    who: Who,
    idempotency: Idempotency,
    reply: tokio::sync::oneshot::Sender<ApiResult<Reply>>,
}

pub struct CustodyWriter {
    sender: mpsc::SyncSender<Job>,
}

impl CustodyWriter {
    /// Starts the writer and its helper that loads what the checks of a batch need
    /// (principals, cases, standing) on a second connection, while the writer opens
    /// the batch's transaction.
    pub fn start(
        pool: Pool,
        connections: crate::db::Manager,
        signer: Arc<LogSigner>,
        metrics: Arc<Metrics>,
    ) -> CustodyWriter {
        let (sender, receiver) = mpsc::sync_channel::<Job>(QUEUE);
        let loader = AccessLoader::start(connections);
        std::thread::Builder::new()
            .name("custody-writer".into())
            .spawn(move || run(pool, signer, metrics, receiver, loader))
            .expect("starting the custody writer");
        CustodyWriter { sender }
    }

    pub async fn submit(&self, op: Op, who: Who, idempotency: Idempotency) -> ApiResult<Reply> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            op,
            who,
            idempotency,
            reply,
        };
        self.sender.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => ApiError::Unavailable,
            mpsc::TrySendError::Disconnected(_) => {
                ApiError::Internal(anyhow::anyhow!("the custody writer has stopped"))
            }
        })?;
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the custody writer dropped a job")))?
    }
}

/// What a batch's checks need loaded, and where to send it.
struct AccessRequest {
    sessions: Vec<(String, String)>,
    items: Vec<String>,
    answer: mpsc::SyncSender<ApiResult<AccessData>>,
}

/// The writer's helper: loads a batch's principals, the cases of its items, their
/// standing and transfers on its own connection, in parallel with the writer's
/// first round trips. It reads outside the log's lock, like any request handler's
/// checks; a job submitted after another was acknowledged is loaded after that one
/// committed.
struct AccessLoader {
    requests: mpsc::SyncSender<AccessRequest>,
}

impl AccessLoader {
    /// The loader keeps a connection of its own, outside the pool: the writer waits
    /// for it while holding the log's locks, and request handlers waiting for those
    /// locks may hold every pooled connection.
    fn start(connections: crate::db::Manager) -> AccessLoader {
        use diesel::r2d2::ManageConnection;
        let (requests, incoming) = mpsc::sync_channel::<AccessRequest>(1);
        std::thread::Builder::new()
            .name("custody-access".into())
            .spawn(move || {
                let mut own: Option<DbConn> = None;
                for request in incoming {
                    let loaded = match own.take() {
                        Some(conn) => Ok(conn),
                        None => connections.connect().map_err(|e| {
                            ApiError::Internal(anyhow::anyhow!(
                                "connecting the custody access loader: {e}"
                            ))
                        }),
                    }
                    .and_then(|mut conn| {
                        let loaded = load_access(&mut conn, &request.sessions, &request.items);
                        // A connection that failed is replaced for the next batch.
                        if loaded.is_ok() {
                            own = Some(conn);
                        }
                        loaded
                    });
                    let _ = request.answer.send(loaded);
                }
            })
            .expect("starting the custody access loader");
        AccessLoader { requests }
    }

    /// Starts loading for these jobs; the answer arrives on the returned receiver.
    fn request(&self, jobs: &[Job]) -> mpsc::Receiver<ApiResult<AccessData>> {
        let (answer, receiver) = mpsc::sync_channel(1);
        let sessions: Vec<(String, String)> = jobs
            .iter()
            .filter_map(|j| match &j.who {
                Who::Token { claims, .. } => Some((claims.sub.clone(), claims.sid.clone())),
                Who::Checked { .. } => None,
            })
            .collect();
        if sessions.is_empty() {
            let _ = answer.send(Ok(AccessData::default()));
            return receiver;
        }
        let items = jobs
            .iter()
            .filter_map(|j| match &j.op {
                Op::Append(a) => Some(a.evidence_id.clone()),
                Op::Register(_) => None,
            })
            .collect();
        let request = AccessRequest {
            sessions,
            items,
            answer,
        };
        if let Err(mpsc::SendError(request)) = self.requests.send(request) {
            let _ = request.answer.send(Err(ApiError::Internal(anyhow::anyhow!(
                "the custody access loader has stopped"
            ))));
        }
        receiver
    }
}

/// A batch whose writes are done, on its way to COMMIT and to its replies.
struct Finishing {
    conn: PooledConn,
    jobs: Vec<Job>,
    results: Vec<ApiResult<Reply>>,
    started: std::time::Instant,
}

fn fail_all(jobs: Vec<Job>, message: &'static str) {
    for job in jobs {
        let _ = job
            .reply
            .send(Err(ApiError::Internal(anyhow::anyhow!(message))));
    }
}

/// The last step of a batch, on its own thread: COMMIT, then the replies. The writer
/// meanwhile opens the next batch's transaction, whose locks it gets the moment this
/// one commits, so the commit's round trip and the replies are off the log's critical
/// path. Nothing is acknowledged before its COMMIT returns.
fn finisher(
    batches: mpsc::Receiver<Finishing>,
    outcomes: mpsc::SyncSender<bool>,
    metrics: Arc<Metrics>,
) {
    for batch in batches {
        // The writer learns the outcome before it trusts what it cached of this batch.
        finish(batch, &metrics, |committed| {
            let _ = outcomes.send(committed);
        });
    }
}

/// COMMIT, then the replies (or errors when the commit failed). `committed` hears the
/// outcome as soon as it is known.
fn finish(mut batch: Finishing, metrics: &Metrics, committed: impl FnOnce(bool)) {
    let commit = std::time::Instant::now();
    let result = batch.conn.batch_execute("COMMIT");
    metrics.custody_phase(CustodyPhase::Commit, commit.elapsed());
    let ok = match result {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, jobs = batch.jobs.len(), "custody batch did not commit");
            let _ = batch.conn.batch_execute("ROLLBACK");
            false
        }
    };
    drop(batch.conn);
    committed(ok);
    metrics.custody_batch_size.observe(batch.jobs.len() as f64);
    metrics
        .custody_batch_seconds
        .observe(batch.started.elapsed().as_secs_f64());
    if ok {
        for (job, result) in batch.jobs.into_iter().zip(batch.results) {
            let _ = job.reply.send(result);
        }
    } else {
        fail_all(batch.jobs, "the custody batch did not commit");
    }
}

fn run(
    pool: Pool,
    signer: Arc<LogSigner>,
    metrics: Arc<Metrics>,
    receiver: mpsc::Receiver<Job>,
    loader: AccessLoader,
) {
    let (to_finisher, finishing) = mpsc::sync_channel::<Finishing>(1);
    let (outcome_sender, outcomes) = mpsc::sync_channel::<bool>(1);
    std::thread::Builder::new()
        .name("custody-commit".into())
        .spawn({
            let metrics = metrics.clone();
            move || finisher(finishing, outcome_sender, metrics)
        })
        .expect("starting the custody committer");
    let mut cache: Option<LogCache> = None;
    let mut in_flight = false;
    while let Ok(first) = receiver.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let access = loader.request(&jobs);
        let started = std::time::Instant::now();
        let mut laps = Laps {
            metrics: &metrics,
            last: started,
        };
        // The locks are granted once the previous batch's transaction has ended. The
        // audit chain's lock comes before any row (Idempotency-Keys included), the
        // order every audited transaction follows (`audit::transaction`).
        let conn = pool.get().map_err(ApiError::from).and_then(|mut conn| {
            crate::db::begin_locked(&mut conn, &[CUSTODY_LOG_LOCK, audit::AUDIT_SEQUENCE_LOCK])?;
            Ok(conn)
        });
        if std::mem::take(&mut in_flight) && !outcomes.recv().unwrap_or(false) {
            // What was cached of a batch that did not commit is not the log.
            cache = None;
        }
        laps.lap(CustodyPhase::Lock);
        let mut conn = match conn {
            Ok(conn) => conn,
            Err(e) => {
                tracing::error!(error = %e, jobs = jobs.len(), "custody batch could not begin");
                fail_all(jobs, "the custody batch could not begin");
                continue;
            }
        };
        // A bug in one batch must not stop the log for good: answer its jobs with an
        // error, roll back and keep serving.
        let known = cache.take();
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            apply_batch(&mut conn, &signer, &jobs, &access, known, &mut laps)
        }));
        match applied {
            Ok(Ok((results, next))) => {
                cache = Some(next);
                let batch = Finishing {
                    conn,
                    jobs,
                    results,
                    started,
                };
                if batch.conn.backend() == Backend::Sqlite {
                    // In process, a COMMIT costs no round trip to overlap, and the
                    // next BEGIN IMMEDIATE would only sleep in SQLite's busy handler.
                    finish(batch, &metrics, |_| {});
                    continue;
                }
                if let Err(mpsc::SendError(batch)) = to_finisher.send(batch) {
                    fail_all(batch.jobs, "the custody committer has stopped");
                    return;
                }
                in_flight = true;
            }
            Ok(Err(e)) => {
                let _ = conn.batch_execute("ROLLBACK");
                tracing::error!(error = %e, jobs = jobs.len(), "custody batch failed");
                fail_all(jobs, "the custody batch did not commit");
            }
            Err(_) => {
                let _ = conn.batch_execute("ROLLBACK");
                tracing::error!(jobs = jobs.len(), "custody batch panicked");
                fail_all(jobs, "the custody batch failed");
            }
        }
    }
}

/// Times the steps of one batch into the writer's phase metrics.
struct Laps<'a> {
    metrics: &'a Metrics,
    last: std::time::Instant,
}

impl Laps<'_> {
    /// Adds the time since the previous lap to `phase`.
    fn lap(&mut self, phase: CustodyPhase) {
        let now = std::time::Instant::now();
        self.metrics.custody_phase(phase, now - self.last);
        self.last = now;
    }
}

fn state_of(row: &EvidenceRow) -> ItemState {
    ItemState {
        status: row.status(),
        custodian: row.custodian(),
        pending: match (&row.pending_agency_id, &row.pending_custodian_id) {
            (Some(agency_id), Some(user_id)) => Some(Custodian {
                user_id: user_id.clone(),
                agency_id: agency_id.clone(),
            }),
            _ => None,
        },
        sha256: row.sha256.clone(),
        integrity_alert: row.integrity_alert,
        last_seq: i64::from(row.last_seq),
        last_hash: (row.last_seq >= 0).then(|| row.last_hash.clone()),
    }
}

fn set_state(row: &mut EvidenceRow, state: &ItemState) {
    row.status = state.status.as_str().to_owned();
    row.custodian_user_id = state.custodian.as_ref().map(|c| c.user_id.clone());
    row.custodian_agency_id = state.custodian.as_ref().map(|c| c.agency_id.clone());
    row.pending_agency_id = state.pending.as_ref().map(|c| c.agency_id.clone());
    row.pending_custodian_id = state.pending.as_ref().map(|c| c.user_id.clone());
    row.integrity_alert = state.integrity_alert;
    row.last_seq = state.last_seq as i32;
    row.last_hash = state.last_hash.clone().unwrap_or_default();
}

/// Everything one batch writes, gathered before the inserts.
#[derive(Default)]
struct Pending {
    entries: Vec<(i64, String, i32, &'static str, String, String)>,
    runs: log::Runs,
    new_items: Vec<String>,
    grants: Vec<(String, String)>,
    audit: Vec<(Event, Outcome)>,
    /// Replies to store under reserved Idempotency-Keys: (user, key, reply).
    saves: Vec<(String, String, Reply)>,
}

/// What the writer knows of the committed log: the frontier of its Merkle tree and
/// recently touched items. It is valid while the log in the database still has
/// `size` entries: only the log's writers change an item's derived state, and every
/// such change appends an entry. Another instance appending makes it stale, and a
/// failed batch discards it.
struct LogCache {
    size: u64,
    nodes: HashMap<NodeId, Hash>,
    items: HashMap<String, EvidenceRow>,
}

/// Items kept between batches at most (each a few hundred bytes).
const CACHED_ITEMS: usize = 4096;

/// The heads of the custody log and of the audit chain, read in one round trip after
/// their locks are held (a query of static shape, so it is prepared once per
/// connection).
fn read_heads(conn: &mut DbConn) -> ApiResult<(u64, (i64, Option<String>))> {
    use crate::db::schema::audit_log;
    let (log_max, audit_seq, audit_hash): (Option<i64>, Option<i64>, Option<String>) =
        diesel::select((
            custody_entries::table
                .select(diesel::dsl::max(custody_entries::log_index))
                .single_value(),
            audit_log::table
                .select(audit_log::seq)
                .order(audit_log::seq.desc())
                .limit(1)
                .single_value(),
            audit_log::table
                .select(audit_log::entry_hash)
                .order(audit_log::seq.desc())
                .limit(1)
                .single_value(),
        ))
        .get_result(conn)?;
    let size = log_max.map(|m| m as u64 + 1).unwrap_or(0);
    Ok((size, audit::next_after(audit_seq.zip(audit_hash))))
}

fn apply_batch(
    conn: &mut DbConn,
    signer: &LogSigner,
    jobs: &[Job],
    access: &mpsc::Receiver<ApiResult<AccessData>>,
    known: Option<LogCache>,
    laps: &mut Laps,
) -> ApiResult<(Vec<ApiResult<Reply>>, LogCache)> {
    let (start, audit_head) = read_heads(conn)?;
    laps.lap(CustodyPhase::Heads);
    let (mut nodes, mut items) = match known {
        Some(cache) if cache.size == start => (cache.nodes, cache.items),
        _ => {
            let frontier = if start == 0 {
                Default::default()
            } else {
                merkle::nodes_for(&[(0, start)])
            };
            (log::load_nodes(conn, &frontier)?, HashMap::new())
        }
    };
    let missing: Vec<&str> = jobs
        .iter()
        .filter_map(|j| match &j.op {
            Op::Append(a) if !items.contains_key(&a.evidence_id) => Some(a.evidence_id.as_str()),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        let loaded = evidence_items::table
            .filter(evidence_items::id.eq_any(&missing))
            .select(EvidenceRow::as_select())
            .load::<EvidenceRow>(conn)?;
        items.extend(loaded.into_iter().map(|r| (r.id.clone(), r)));
    }
    let access = access.recv().map_err(|_| {
        ApiError::Internal(anyhow::anyhow!("the custody access loader dropped a batch"))
    })??;
    let access = &access;
    laps.lap(CustodyPhase::Checks);
    let mut touched: Vec<String> = Vec::new();
    let mut pending = Pending::default();
    let mut keys_in_batch: HashMap<(String, String), (String, usize)> = HashMap::new();
    let mut results: Vec<ApiResult<Reply>> = Vec::with_capacity(jobs.len());
    let mut size = start;

    for job in jobs {
        let (actor, mut event, principal) = match &job.who {
            Who::Checked { actor, event } => (actor.clone(), event.clone(), None),
            Who::Token {
                claims,
                meta,
                action,
            } => {
                match access
                    .principals
                    .get(&(claims.sub.clone(), claims.sid.clone()))
                {
                    None => {
                        results.push(Err(ApiError::Unauthenticated));
                        continue;
                    }
                    Some(p) if p.must_change_password => {
                        results.push(Err(ApiError::PasswordChangeRequired));
                        continue;
                    }
                    Some(p) => (Actor::from(p), Event::by(*action, p, meta), Some(p)),
                }
            }
        };
        if let Some((user, key, hash)) = &job.idempotency {
            if let Some((first_hash, position)) = keys_in_batch.get(&(user.clone(), key.clone())) {
                let replay = if first_hash != hash {
                    Err(ApiError::IdempotencyKeyReused)
                } else {
                    match &results[*position] {
                        Ok(reply) => Ok(Reply {
                            replayed: true,
                            ..reply.clone()
                        }),
                        Err(_) => Err(ApiError::Conflict(
                            "the first request with this Idempotency-Key failed".into(),
                        )),
                    }
                };
                results.push(replay);
                continue;
            }
            match crate::idempotency::reserve(conn, user, key, hash) {
                Ok(Reservation::Replay(reply)) => {
                    results.push(Ok(reply));
                    continue;
                }
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
                Ok(Reservation::Reserved) => {}
            }
            keys_in_batch.insert((user.clone(), key.clone()), (hash.clone(), results.len()));
        }
        let mut grant = None;
        if let (Some(principal), Op::Append(app)) = (principal, &job.op) {
            match authorize(conn, principal, app, &items, access, &mut event) {
                Ok(g) => grant = g,
                Err(e) => {
                    if audit::is_refusal(&e) {
                        let refused = event.clone().detail("refused", e.kind().0);
                        pending.audit.push((refused, Outcome::Denied));
                    }
                    release_key(conn, job)?;
                    results.push(Err(e));
                    continue;
                }
            }
        }
        let at = audit::format_at(crate::db::now());
        let outcome = match &job.op {
            Op::Register(reg) => register(conn, reg, &actor),
            Op::Append(app) => match items.get(&app.evidence_id) {
                None => Err(ApiError::NotFound),
                Some(row) => entry::apply(&state_of(row), &app.request, &actor)
                    .map(|(entry, state)| (row.clone(), entry, state)),
            },
        };
        let (mut row, fields, mut state) = match outcome {
            Ok(x) => x,
            Err(e) => {
                release_key(conn, job)?;
                results.push(Err(e));
                continue;
            }
        };
        let seq = state.last_seq + 1;
        let (value, canonical) =
            entry::seal_entry(fields, &row.id, seq, state.last_hash.as_deref(), &at)?;
        let entry_hash = crate::audit::sha256_hex(canonical.as_bytes());
        let index = size;
        size += 1;
        let completed =
            merkle::add_leaf(index, merkle::leaf_hash(canonical.as_bytes()), &mut nodes);
        pending.runs.push(index, &completed);
        let event_type = super::model::EventType::parse(value["type"].as_str().unwrap_or_default())
            .map(|t| t.as_str())
            .unwrap_or("note");
        pending.entries.push((
            index as i64,
            row.id.clone(),
            seq as i32,
            event_type,
            canonical,
            entry_hash.clone(),
        ));
        state.last_seq = seq;
        state.last_hash = Some(entry_hash.clone());
        set_state(&mut row, &state);

        let reply = match &job.op {
            Op::Register(_) => {
                pending.new_items.push(row.id.clone());
                Reply::json(StatusCode::CREATED, &Evidence::from(row.clone()))
                    .location(format!("/api/v1/evidence/{}", row.id))
            }
            Op::Append(_) => {
                if let Some(agency) = grant.take() {
                    pending.grants.push((row.id.clone(), agency));
                }
                let mut body = serde_json::Map::new();
                body.insert("log_index".into(), Value::from(index));
                body.insert("entry".into(), value);
                body.insert("entry_hash".into(), Value::from(entry_hash.clone()));
                Reply::value(StatusCode::CREATED, Value::Object(body))
            }
        };
        if !touched.contains(&row.id) {
            touched.push(row.id.clone());
        }
        let event = event
            .detail("evidence_id", row.id.clone())
            .detail("seq", seq)
            .detail("log_index", index)
            .detail("type", event_type);
        pending.audit.push((event, Outcome::Success));
        if let Some((user, key, _)) = &job.idempotency {
            pending
                .saves
                .push((user.clone(), key.clone(), reply.clone()));
        }
        items.insert(row.id.clone(), row);
        results.push(Ok(reply));
    }

    let audit_rows = audit::build_rows(audit_head.0, audit_head.1, &pending.audit)?;
    if size == start {
        // Nothing appended: only refusals, if any, to record.
        audit::insert_all(conn, &audit_rows)?;
        let cache = LogCache { size, nodes, items };
        return Ok((results, cache));
    }
    let root = merkle::range_hash(0, size, &nodes)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the log frontier is incomplete")))?;
    let note = signer.sign_checkpoint(size, &root);
    laps.lap(CustodyPhase::Compute);
    for id in &pending.new_items {
        diesel::insert_into(evidence_items::table)
            .values(&items[id])
            .execute(conn)?;
    }
    let updated: Vec<&EvidenceRow> = touched
        .iter()
        .filter(|id| !pending.new_items.contains(id))
        .map(|id| &items[id])
        .collect();
    let now = crate::db::now();
    let granted: HashSet<&(String, String)> = pending.grants.iter().collect();
    for (evidence_id, agency_id) in granted {
        let exists: bool = diesel::select(diesel::dsl::exists(
            evidence_access::table.find((evidence_id, agency_id)),
        ))
        .get_result(conn)?;
        if !exists {
            diesel::insert_into(evidence_access::table)
                .values((
                    evidence_access::evidence_id.eq(evidence_id),
                    evidence_access::agency_id.eq(agency_id),
                    evidence_access::granted_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    for (user, key, reply) in &pending.saves {
        crate::idempotency::fill(conn, user, key, reply)?;
    }
    if let DbConn::Postgresql(pg) = conn {
        let write = pg_batch(&updated, &pending, &audit_rows, now, size, &root, note);
        let changed = write.run(pg)?;
        if changed != updated.len() as i64 {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "updated {changed} of {} evidence items",
                updated.len()
            )));
        }
    } else {
        write_each(conn, &updated, &pending, &audit_rows, now)?;
        log::store_checkpoint(conn, size, &root, &note)?;
    }
    laps.lap(CustodyPhase::Write);
    let keep = merkle::nodes_for(&[(0, size)]);
    nodes.retain(|id, _| keep.contains(id));
    if items.len() > CACHED_ITEMS {
        items.clear();
    }
    let cache = LogCache { size, nodes, items };
    Ok((results, cache))
}

/// The batch's writes as one PostgreSQL statement.
fn pg_batch(
    updated: &[&EvidenceRow],
    pending: &Pending,
    audit_rows: &[audit::AuditInsert],
    now: chrono::NaiveDateTime,
    size: u64,
    root: &Hash,
    note: String,
) -> super::batch_sql::BatchWrite {
    let mut w = super::batch_sql::BatchWrite {
        created_at: now,
        tree_size: size as i64,
        root_hash: hex::encode(root),
        note,
        ..Default::default()
    };
    for row in updated {
        w.item_id.push(row.id.clone());
        w.item_status.push(row.status.clone());
        w.item_custodian_user_id.push(row.custodian_user_id.clone());
        w.item_custodian_agency_id
            .push(row.custodian_agency_id.clone());
        w.item_pending_agency_id.push(row.pending_agency_id.clone());
        w.item_pending_custodian_id
            .push(row.pending_custodian_id.clone());
        w.item_integrity_alert.push(row.integrity_alert);
        w.item_last_seq.push(row.last_seq);
        w.item_last_hash.push(row.last_hash.clone());
    }
    for (index, evidence_id, seq, event_type, canonical, hash) in &pending.entries {
        w.entry_log_index.push(*index);
        w.entry_evidence_id.push(evidence_id.clone());
        w.entry_seq.push(*seq);
        w.entry_type.push((*event_type).to_owned());
        w.entry_canonical.push(canonical.clone());
        w.entry_hash.push(hash.clone());
    }
    for run in &pending.runs.runs {
        w.run_first_leaf.push(run.first_leaf as i64);
        w.run_leaves.push(run.leaves as i32);
        w.run_nodes.push(run.nodes.clone());
    }
    for row in audit_rows {
        let actor = row.actor.as_ref();
        w.audit_seq.push(row.seq);
        w.audit_at.push(row.at);
        w.audit_action.push(row.action.to_owned());
        w.audit_outcome.push(row.outcome.to_owned());
        w.audit_actor_user_id.push(actor.map(|a| a.user_id.clone()));
        w.audit_actor_agency_id
            .push(actor.map(|a| a.agency_id.clone()));
        w.audit_actor_country.push(actor.map(|a| a.country.clone()));
        w.audit_subject_country.push(row.subject_country.clone());
        w.audit_case_id.push(row.case_id.clone());
        w.audit_entry.push(row.entry.clone());
        w.audit_entry_hash.push(row.entry_hash.clone());
        w.audit_prev_hash.push(row.prev_hash.clone());
    }
    w
}

/// The batch's writes one table at a time (SQLite, where a statement costs no round
/// trip).
fn write_each(
    conn: &mut DbConn,
    updated: &[&EvidenceRow],
    pending: &Pending,
    audit_rows: &[audit::AuditInsert],
    now: chrono::NaiveDateTime,
) -> ApiResult<()> {
    for chunk in updated.chunks(100) {
        update_derived(conn, chunk)?;
    }
    for chunk in pending.entries.chunks(200) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(index, evidence_id, seq, event_type, canonical, hash)| {
                (
                    custody_entries::log_index.eq(*index),
                    custody_entries::evidence_id.eq(evidence_id),
                    custody_entries::seq.eq(*seq),
                    custody_entries::entry_type.eq(*event_type),
                    custody_entries::canonical.eq(canonical),
                    custody_entries::entry_hash.eq(hash),
                    custody_entries::created_at.eq(now),
                )
            })
            .collect();
        crate::insert_rows!(conn, custody_entries::table, rows)?;
    }
    log::insert_runs(conn, &pending.runs)?;
    audit::insert_all(conn, audit_rows)
}

/// Gives back the Idempotency-Key a job reserved, when the job failed.
fn release_key(conn: &mut DbConn, job: &Job) -> ApiResult<()> {
    match &job.idempotency {
        Some((user, key, _)) => crate::idempotency::release(conn, user, key),
        None => Ok(()),
    }
}

fn register(
    conn: &mut DbConn,
    reg: &Registration,
    actor: &Actor,
) -> ApiResult<(EvidenceRow, serde_json::Map<String, Value>, ItemState)> {
    let number = crate::db::next_evidence_number(conn, &reg.row.case_id)?;
    let mut row = reg.row.clone();
    row.label = format!("{}/E{number:02}", reg.case_reference);
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    let evidence = json!({
        "id": row.id,
        "case_id": row.case_id,
        "label": row.label,
        "kind": row.kind,
        "description": row.description,
        "sha256": row.sha256,
        "other_hashes": parse(&row.other_hashes),
        "size_bytes": row.size_bytes,
        "seal_number": row.seal_number,
        "parent_id": row.parent_id,
        "source": parse(&row.source),
        "acquisition": parse(&row.acquisition),
    });
    let (fields, state) = entry::collected(evidence, actor, &reg.first, row.sha256.clone());
    row.status = ItemStatus::InCustody.as_str().to_owned();
    Ok((row, fields, state))
}

/// Writes the derived custody state of many items in one statement (`UPDATE ... FROM
/// (VALUES ...)`, which both backends accept).
fn update_derived(conn: &mut DbConn, rows: &[&EvidenceRow]) -> ApiResult<()> {
    use diesel::sql_types::{Bool, Integer, Nullable, Text};
    const COLUMNS: usize = 9;
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let params: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", r * COLUMNS + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!(
        "UPDATE evidence_items SET status = v.column2, custodian_user_id = v.column3, \
         custodian_agency_id = v.column4, pending_agency_id = v.column5, \
         pending_custodian_id = v.column6, integrity_alert = v.column7, last_seq = v.column8, \
         last_hash = v.column9 FROM (VALUES {}) AS v WHERE evidence_items.id = v.column1",
        values.join(", ")
    );
    let mut query = diesel::sql_query(sql).into_boxed::<crate::db::MultiBackend>();
    for row in rows {
        query = query
            .bind::<Text, _>(row.id.clone())
            .bind::<Text, _>(row.status.clone())
            .bind::<Nullable<Text>, _>(row.custodian_user_id.clone())
            .bind::<Nullable<Text>, _>(row.custodian_agency_id.clone())
            .bind::<Nullable<Text>, _>(row.pending_agency_id.clone())
            .bind::<Nullable<Text>, _>(row.pending_custodian_id.clone())
            .bind::<Bool, _>(row.integrity_alert)
            .bind::<Integer, _>(row.last_seq)
            .bind::<Text, _>(row.last_hash.clone());
    }
    let changed = query.execute(conn)?;
    if changed != rows.len() {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "updated {changed} of {} evidence items",
            rows.len()
        )));
    }
    Ok(())
}

/// What the batch's token jobs need to be checked: their principals, the cases of
/// their items, their agencies' standing in those cases and items sent to them.
#[derive(Default)]
struct AccessData {
    principals: HashMap<(String, String), Principal>,
    /// Case of each item.
    item_cases: HashMap<String, String>,
    cases: HashMap<String, CaseRow>,
    standing: HashMap<(String, String), String>,
    transferred: HashSet<(String, String)>,
}

/// (item, its case, a batch agency's standing in the case, a batch agency the item
/// was transferred to)
type AccessRow = (String, CaseRow, Option<(String, String)>, Option<String>);

fn load_access(
    conn: &mut DbConn,
    sessions: &[(String, String)],
    item_ids: &[String],
) -> ApiResult<AccessData> {
    let principals = crate::auth::load_principals(conn, sessions)?;
    let agencies: Vec<String> = principals.values().map(|p| p.agency_id.clone()).collect();
    // Items, their cases, the callers' standing in them and transfers to them, in one
    // query (a row per item × participant × transfer among the batch's agencies).
    let rows: Vec<AccessRow> = evidence_items::table
        .inner_join(cases::table)
        .left_join(
            case_participants::table.on(case_participants::case_id
                .eq(cases::id)
                .and(case_participants::agency_id.eq_any(agencies.clone()))),
        )
        .left_join(
            evidence_access::table.on(evidence_access::evidence_id
                .eq(evidence_items::id)
                .and(evidence_access::agency_id.eq_any(agencies))),
        )
        .filter(evidence_items::id.eq_any(item_ids))
        .select((
            evidence_items::id,
            CaseRow::as_select(),
            (case_participants::agency_id, case_participants::access).nullable(),
            evidence_access::agency_id.nullable(),
        ))
        .load(conn)?;
    let mut item_cases = HashMap::new();
    let mut cases = HashMap::new();
    let mut standing = HashMap::new();
    let mut transferred = HashSet::new();
    for (item, case, participant, sent_to) in rows {
        if let Some((agency, access)) = participant {
            standing.insert((case.id.clone(), agency), access);
        }
        if let Some(agency) = sent_to {
            transferred.insert((item.clone(), agency));
        }
        item_cases.insert(item, case.id.clone());
        cases.insert(case.id.clone(), case);
    }
    Ok(AccessData {
        principals,
        item_cases,
        cases,
        standing,
        transferred,
    })
}

/// The checks the request handlers make elsewhere, for an append: the item is
/// visible (404 otherwise, like a missing one), the caller may record its custody
/// (403), and a transfer names a real recipient. Returns the agency that gets access
/// to the item through the transfer, if any.
fn authorize(
    conn: &mut DbConn,
    principal: &Principal,
    app: &Append,
    items: &HashMap<String, EvidenceRow>,
    access: &AccessData,
    event: &mut Event,
) -> ApiResult<Option<String>> {
    let item = items.get(&app.evidence_id).ok_or(ApiError::NotFound)?;
    let case = access
        .item_cases
        .get(&item.id)
        .and_then(|case| access.cases.get(case))
        .ok_or(ApiError::NotFound)?;
    event.case_id = Some(case.id.clone());
    event.subject = Some(Subject::new(
        "evidence",
        &item.id,
        Some(&case.owner_country),
    ));
    let standing = access
        .standing
        .get(&(case.id.clone(), principal.agency_id.clone()))
        .and_then(|a| Standing::from_stored(a));
    let via_transfer = access
        .transferred
        .contains(&(item.id.clone(), principal.agency_id.clone()));
    super::routes::check_visible(principal, standing, via_transfer)?;
    let holds = via_transfer || matches!(standing, Some(Standing::Owner | Standing::Contribute));
    if !(holds && (principal.has(Role::Investigator) || principal.has(Role::Supervisor))) {
        return Err(ApiError::forbidden(
            "only investigators and supervisors of agencies that hold the item record its custody",
        ));
    }
    match &app.request.to_agency_id {
        Some(agency) => check_recipient(conn, case, agency, app.request.to_custodian_id.as_deref()),
        None => Ok(None),
    }
}

/// A transfer names a real agency and one of its active investigators or
/// supervisors; an agency outside the case (or only reading it) gets access to this
/// item, and nothing else of the case.
fn check_recipient(
    conn: &mut DbConn,
    case: &CaseRow,
    agency_id: &str,
    custodian_id: Option<&str>,
) -> ApiResult<Option<String>> {
    if crate::agencies::find(conn, agency_id)?.is_none() {
        return Err(ApiError::validation(
            "to_agency_id",
            "is not a known agency",
        ));
    }
    if let Some(custodian) = custodian_id {
        let roles: Option<String> = users::table
            .filter(users::id.eq(custodian))
            .filter(users::agency_id.eq(agency_id))
            .filter(users::status.eq("active"))
            .select(users::roles)
            .first(conn)
            .optional()?;
        let ok = roles.is_some_and(|roles| {
            let roles = decode_roles(&roles);
            roles.contains(&Role::Investigator) || roles.contains(&Role::Supervisor)
        });
        if !ok {
            return Err(ApiError::validation(
                "to_custodian_id",
                "must be an active investigator or supervisor of the receiving agency",
            ));
        }
    }
    let standing = crate::cases::standing(conn, case, agency_id)?;
    Ok(
        (!matches!(standing, Some(Standing::Owner | Standing::Contribute)))
            .then(|| agency_id.to_owned()),
    )
}
