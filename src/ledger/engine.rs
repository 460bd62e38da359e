//! The writer, its helper and its committer, and the interface job kinds implement.

use super::chain::{AUDIT_SEQUENCE_LOCK, AuditRecord, ChainHead, Event, Outcome};
use super::idempotency::{self, Claim, Reservation};
use super::log::LogSigner;
use super::write::{self, Frontier, Leaves};
use crate::db::{Backend, DbConn, Pool, PooledConn};
use crate::error::{ApiError, ApiResult};
use crate::observability::{LedgerPhase, Metrics};
use crate::reply::Reply;
use diesel::connection::SimpleConnection;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;

/// The ledger's advisory lock on PostgreSQL (the value predates the ledger: it was
/// the custody log's, and instances of both generations must exclude each other).
const LEDGER_LOCK: i64 = 0x6375_7374_6f64_7921;
const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

/// What a kind's checks need from the database, loaded on the ledger's helper
/// connection outside its locks while the batch's transaction begins.
pub type Loader<T> = Box<dyn FnOnce(&mut DbConn) -> ApiResult<T> + Send>;

/// One kind of work the ledger commits: custody appends, case creations, the audit
/// entries of reads. A kind sees its jobs of one batch together, in the order they
/// came, inside the batch's transaction.
pub trait Kind: Send + 'static {
    type Job: Send + 'static;
    /// What [`Kind::loader`] loads; the default when the kind loads nothing.
    type Loaded: Default + Send + 'static;

    /// The loading these jobs' checks need, if any.
    fn loader(&self, jobs: &[&Self::Job]) -> Option<Loader<Self::Loaded>>;

    /// Checks and carries out the jobs, each to its own reply or refusal: appends its
    /// leaves and audit entries to `batch` and sends its writes. An `Err` of the whole
    /// (a database failure) fails the batch; a job's refusal must not have written.
    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        loaded: Self::Loaded,
        jobs: Vec<Self::Job>,
    ) -> ApiResult<Vec<ApiResult<Reply>>>;

    /// Forgets what the kind cached of the database: a batch failed, or another
    /// instance wrote to the ledger since this one's last batch.
    fn forget(&mut self) {}

    /// Whether `apply` sends SQL. A kind that does not (the audit entries of reads)
    /// needs no savepoint to be undone when it fails.
    fn writes(&self) -> bool {
        true
    }
}

/// A batch in progress, as a kind sees it.
pub struct Batch<'a> {
    conn: &'a mut DbConn,
    leaves: &'a mut Leaves,
    audit: Vec<AuditRecord>,
    anchor: bool,
}

impl Batch<'_> {
    /// The batch's transaction.
    pub fn conn(&mut self) -> &mut DbConn {
        self.conn
    }

    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }

    /// Records an audit entry, committed with the batch.
    pub fn audit(&mut self, event: Event, outcome: Outcome) {
        self.audit.push(AuditRecord { event, outcome });
    }

    /// Appends a leaf (an entry's canonical bytes) to the log; returns its index. The
    /// batch's checkpoint covers it.
    pub fn append_leaf(&mut self, canonical: &[u8]) -> u64 {
        self.leaves.append(canonical)
    }

    /// Anchors the audit chain's head, as it stands after the batch's own entries, in
    /// the log (spec §6), when it moved since the last anchored head.
    pub(super) fn anchor_audit_head(&mut self) {
        self.anchor = true;
    }
}

/// The audit entry of work done elsewhere: a read, a refused attempt.
pub struct Recorded;

impl Kind for Recorded {
    type Job = AuditRecord;
    type Loaded = ();

    fn writes(&self) -> bool {
        false
    }

    fn loader(&self, _: &[&Self::Job]) -> Option<Loader<()>> {
        None
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        _: (),
        jobs: Vec<Self::Job>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        Ok(jobs
            .into_iter()
            .map(|AuditRecord { event, outcome }| {
                batch.audit(event, outcome);
                Ok(Reply::empty())
            })
            .collect())
    }
}

/// Asks the batch it lands in to anchor the audit chain's head after its own entries.
pub struct Anchor;

impl Kind for Anchor {
    type Job = ();
    type Loaded = ();

    fn writes(&self) -> bool {
        false
    }

    fn loader(&self, _: &[&()]) -> Option<Loader<()>> {
        None
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        _: (),
        jobs: Vec<()>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        batch.anchor_audit_head();
        Ok(jobs.into_iter().map(|_| Ok(Reply::empty())).collect())
    }
}

type AnyJob = Box<dyn Any + Send>;
type AnyLoaded = Box<dyn Any + Send>;
type AnyLoader = Box<dyn FnOnce(&mut DbConn) -> ApiResult<AnyLoaded> + Send>;

/// A kind behind its types, as the engine holds it.
trait AnyKind: Send {
    fn loader(&self, jobs: &[&AnyJob]) -> Option<AnyLoader>;
    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        loaded: Option<AnyLoaded>,
        jobs: Vec<AnyJob>,
    ) -> ApiResult<Vec<ApiResult<Reply>>>;
    fn forget(&mut self);
    fn writes(&self) -> bool;
}

impl<K: Kind> AnyKind for K {
    fn loader(&self, jobs: &[&AnyJob]) -> Option<AnyLoader> {
        let jobs: Vec<&K::Job> = jobs
            .iter()
            .map(|j| j.downcast_ref().expect("a job of its kind"))
            .collect();
        let load = Kind::loader(self, &jobs)?;
        Some(Box::new(move |conn| {
            load(conn).map(|l| Box::new(l) as AnyLoaded)
        }))
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        loaded: Option<AnyLoaded>,
        jobs: Vec<AnyJob>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        let loaded = match loaded {
            Some(l) => *l.downcast::<K::Loaded>().expect("loaded by its kind"),
            None => K::Loaded::default(),
        };
        let jobs = jobs
            .into_iter()
            .map(|j| *j.downcast::<K::Job>().expect("a job of its kind"))
            .collect();
        Kind::apply(self, batch, loaded, jobs)
    }

    fn forget(&mut self) {
        Kind::forget(self)
    }

    fn writes(&self) -> bool {
        Kind::writes(self)
    }
}

/// The kinds a ledger will carry, before it starts.
#[derive(Default)]
pub struct LedgerBuilder {
    kinds: Vec<Box<dyn AnyKind>>,
    index: HashMap<TypeId, usize>,
}

impl LedgerBuilder {
    pub fn new() -> LedgerBuilder {
        LedgerBuilder::default().kind(Recorded).kind(Anchor)
    }

    pub fn kind<K: Kind>(mut self, kind: K) -> LedgerBuilder {
        self.index.insert(TypeId::of::<K>(), self.kinds.len());
        self.kinds.push(Box::new(kind));
        self
    }

    /// Starts the writer and its helper, which loads what checks need on a
    /// connection of its own (`connections`), outside the pool.
    pub fn start(
        self,
        pool: Pool,
        connections: crate::db::Manager,
        signer: Arc<LogSigner>,
        metrics: Arc<Metrics>,
    ) -> Ledger {
        let (sender, receiver) = mpsc::sync_channel::<Submission>(QUEUE);
        let helper = Helper::start(connections);
        let kinds = self.kinds;
        std::thread::Builder::new()
            .name("ledger-writer".into())
            .spawn(move || {
                Writer {
                    pool,
                    signer,
                    metrics,
                    helper,
                    kinds,
                    frontier: None,
                }
                .run(receiver)
            })
            .expect("starting the ledger writer");
        Ledger {
            sender,
            index: self.index,
        }
    }
}

struct Submission {
    kind: usize,
    job: AnyJob,
    claim: Option<Claim>,
    reply: tokio::sync::oneshot::Sender<ApiResult<Reply>>,
}

/// The handle work is submitted through. Cheap to share.
pub struct Ledger {
    sender: mpsc::SyncSender<Submission>,
    index: HashMap<TypeId, usize>,
}

impl Ledger {
    /// Commits `job` in the next batch; answers once it is durable. With a `claim`,
    /// a retried request gets the first reply again.
    pub async fn submit<K: Kind>(&self, job: K::Job, claim: Option<Claim>) -> ApiResult<Reply> {
        let kind = *self.index.get(&TypeId::of::<K>()).ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "{} is not a kind of this ledger",
                std::any::type_name::<K>()
            ))
        })?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let submission = Submission {
            kind,
            job: Box::new(job),
            claim,
            reply,
        };
        self.sender.try_send(submission).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => ApiError::Unavailable,
            mpsc::TrySendError::Disconnected(_) => {
                ApiError::Internal(anyhow::anyhow!("the ledger writer has stopped"))
            }
        })?;
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the ledger writer dropped a job")))?
    }

    /// Records the audit entry of work done elsewhere; returns once it is durable.
    pub async fn record(&self, event: Event, outcome: Outcome) -> ApiResult<()> {
        self.submit::<Recorded>(AuditRecord { event, outcome }, None)
            .await
            .map(|_| ())
    }

    /// Anchors the audit chain's head in the log (spec §6) if it moved since the last
    /// anchored head; returns once that is durable.
    pub async fn anchor_audit_head(&self) -> ApiResult<()> {
        self.submit::<Anchor>((), None).await.map(|_| ())
    }
}

/// Runs loaders on the helper's own connection. The writer waits for it while
/// holding the ledger's locks, and request handlers waiting for those locks may hold
/// every pooled connection: it must not take one from the pool.
struct Helper {
    requests: mpsc::SyncSender<LoadRequest>,
}

/// Loaders to run, and where their results go.
type LoadRequest = (Vec<AnyLoader>, mpsc::SyncSender<ApiResult<Vec<AnyLoaded>>>);

impl Helper {
    fn start(connections: crate::db::Manager) -> Helper {
        use diesel::r2d2::ManageConnection;
        type Request = (Vec<AnyLoader>, mpsc::SyncSender<ApiResult<Vec<AnyLoaded>>>);
        let (requests, incoming) = mpsc::sync_channel::<Request>(1);
        std::thread::Builder::new()
            .name("ledger-loader".into())
            .spawn(move || {
                let mut own: Option<DbConn> = None;
                for (loaders, answer) in incoming {
                    let conn = match own.take() {
                        Some(conn) => Ok(conn),
                        None => connections.connect().map_err(|e| {
                            ApiError::Internal(anyhow::anyhow!(
                                "connecting the ledger's loader: {e}"
                            ))
                        }),
                    };
                    let loaded = conn.and_then(|mut conn| {
                        let loaded: ApiResult<Vec<AnyLoaded>> =
                            loaders.into_iter().map(|load| load(&mut conn)).collect();
                        // A connection that failed is replaced for the next batch.
                        if loaded.is_ok() {
                            own = Some(conn);
                        }
                        loaded
                    });
                    let _ = answer.send(loaded);
                }
            })
            .expect("starting the ledger's loader");
        Helper { requests }
    }

    /// Starts the loaders; their results arrive, in order, on the returned receiver.
    fn load(&self, loaders: Vec<AnyLoader>) -> mpsc::Receiver<ApiResult<Vec<AnyLoaded>>> {
        let (answer, receiver) = mpsc::sync_channel(1);
        if loaders.is_empty() {
            let _ = answer.send(Ok(Vec::new()));
            return receiver;
        }
        if let Err(mpsc::SendError((_, answer))) = self.requests.send((loaders, answer)) {
            let _ = answer.send(Err(ApiError::Internal(anyhow::anyhow!(
                "the ledger's loader has stopped"
            ))));
        }
        receiver
    }
}

/// A kind with jobs in the batch, and whether it loaded anything for them.
#[derive(Clone, Copy)]
struct KindInBatch {
    kind: usize,
    loads: bool,
}

/// The kinds a batch holds jobs of, and the loaders that read for them.
struct BatchLoads {
    kinds: Vec<KindInBatch>,
    loaders: Vec<AnyLoader>,
}

/// A job's result, and where to send it once the batch has committed.
struct Answer {
    to: tokio::sync::oneshot::Sender<ApiResult<Reply>>,
    result: ApiResult<Reply>,
}

/// A batch whose writes are done, on its way to COMMIT and to its replies.
struct Finishing {
    conn: PooledConn,
    replies: Vec<Answer>,
    started: std::time::Instant,
}

fn fail_all(submissions: Vec<Submission>, message: &'static str) {
    for s in submissions {
        let _ = s
            .reply
            .send(Err(ApiError::Internal(anyhow::anyhow!(message))));
    }
}

/// COMMIT, then the replies (or errors when the commit failed). `committed` hears the
/// outcome as soon as it is known.
fn finish(mut batch: Finishing, metrics: &Metrics, committed: impl FnOnce(bool)) {
    let commit = std::time::Instant::now();
    let result = batch.conn.batch_execute("COMMIT");
    metrics.ledger_phase(LedgerPhase::Commit, commit.elapsed());
    let ok = match result {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, jobs = batch.replies.len(), "ledger batch did not commit");
            let _ = batch.conn.batch_execute("ROLLBACK");
            false
        }
    };
    drop(batch.conn);
    committed(ok);
    metrics
        .ledger_batch_size
        .observe(batch.replies.len() as f64);
    metrics
        .ledger_batch_seconds
        .observe(batch.started.elapsed().as_secs_f64());
    for Answer { to, result } in batch.replies {
        let result = if ok {
            result
        } else {
            Err(ApiError::Internal(anyhow::anyhow!(
                "the ledger batch did not commit"
            )))
        };
        let _ = to.send(result);
    }
}

/// The last step of a batch on PostgreSQL, on its own thread: COMMIT, then the
/// replies, while the writer opens the next batch's transaction.
fn committer(
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

/// Times the steps of one batch into the ledger's phase metrics.
struct Laps<'a> {
    metrics: &'a Metrics,
    last: std::time::Instant,
}

impl Laps<'_> {
    fn lap(&mut self, phase: LedgerPhase) {
        let now = std::time::Instant::now();
        self.metrics.ledger_phase(phase, now - self.last);
        self.last = now;
    }
}

struct Writer {
    pool: Pool,
    signer: Arc<LogSigner>,
    metrics: Arc<Metrics>,
    helper: Helper,
    kinds: Vec<Box<dyn AnyKind>>,
    frontier: Option<Frontier>,
}

/// Where a batch stood before a kind's jobs, to go back to if they fail.
struct Undo {
    audit: usize,
    leaves: Leaves,
    savepoint: bool,
}

/// The outcome of one batch's work, before its commit.
struct Done {
    results: Vec<ApiResult<Reply>>,
    frontier: Frontier,
}

impl Writer {
    fn run(mut self, receiver: mpsc::Receiver<Submission>) {
        let (to_committer, finishing) = mpsc::sync_channel::<Finishing>(1);
        let (outcome_sender, outcomes) = mpsc::sync_channel::<bool>(1);
        std::thread::Builder::new()
            .name("ledger-commit".into())
            .spawn({
                let metrics = self.metrics.clone();
                move || committer(finishing, outcome_sender, metrics)
            })
            .expect("starting the ledger's committer");
        let mut in_flight = false;
        while let Ok(first) = receiver.recv() {
            let mut submissions = vec![first];
            while submissions.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(s) => submissions.push(s),
                    Err(_) => break,
                }
            }
            let BatchLoads {
                kinds: kinds_used,
                loaders,
            } = self.loaders(&submissions);
            let loaded = self.helper.load(loaders);
            let started = std::time::Instant::now();
            let metrics = self.metrics.clone();
            let mut laps = Laps {
                metrics: &metrics,
                last: started,
            };
            // The locks are granted once the previous batch's transaction has ended.
            let conn = self
                .pool
                .get()
                .map_err(ApiError::from)
                .and_then(|mut conn| {
                    crate::db::begin_locked(&mut conn, &[LEDGER_LOCK, AUDIT_SEQUENCE_LOCK])?;
                    Ok(conn)
                });
            if std::mem::take(&mut in_flight) && !outcomes.recv().unwrap_or(false) {
                // What was cached of a batch that did not commit is not the ledger.
                self.forget();
            }
            laps.lap(LedgerPhase::Lock);
            let mut conn = match conn {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::error!(error = %e, jobs = submissions.len(), "ledger batch could not begin");
                    fail_all(submissions, "the ledger batch could not begin");
                    continue;
                }
            };
            // A bug in one batch must not stop the ledger for good: answer its jobs
            // with an error, roll back and keep serving.
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.apply(&mut conn, &mut submissions, &kinds_used, loaded, &mut laps)
            }));
            match applied {
                Ok(Ok(done)) => {
                    self.frontier = Some(done.frontier);
                    let replies = submissions
                        .into_iter()
                        .zip(done.results)
                        .map(|(s, result)| Answer {
                            to: s.reply,
                            result,
                        })
                        .collect();
                    let batch = Finishing {
                        conn,
                        replies,
                        started,
                    };
                    if batch.conn.backend() == Backend::Sqlite {
                        // In process, a COMMIT costs no round trip to overlap, and the
                        // next BEGIN IMMEDIATE would only sleep in SQLite's busy handler.
                        finish(batch, &self.metrics, |_| {});
                        continue;
                    }
                    if let Err(mpsc::SendError(batch)) = to_committer.send(batch) {
                        for answer in batch.replies {
                            let _ = answer.to.send(Err(ApiError::Internal(anyhow::anyhow!(
                                "the ledger's committer has stopped"
                            ))));
                        }
                        return;
                    }
                    in_flight = true;
                }
                Ok(Err(e)) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    tracing::error!(error = %e, jobs = submissions.len(), "ledger batch failed");
                    self.forget();
                    fail_all(submissions, "the ledger batch did not commit");
                }
                Err(_) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    tracing::error!(jobs = submissions.len(), "ledger batch panicked");
                    self.forget();
                    fail_all(submissions, "the ledger batch failed");
                }
            }
        }
    }

    fn forget(&mut self) {
        self.frontier = None;
        for kind in &mut self.kinds {
            kind.forget();
        }
    }

    /// The kinds of this batch in the order their first job came, each with whether
    /// it loads; and the loaders, in that order.
    fn loaders(&self, submissions: &[Submission]) -> BatchLoads {
        let mut order: Vec<usize> = Vec::new();
        for s in submissions {
            if !order.contains(&s.kind) {
                order.push(s.kind);
            }
        }
        let mut kinds = Vec::with_capacity(order.len());
        let mut loaders = Vec::new();
        for kind in order {
            let jobs: Vec<&AnyJob> = submissions
                .iter()
                .filter(|s| s.kind == kind)
                .map(|s| &s.job)
                .collect();
            let loader = self.kinds[kind].loader(&jobs);
            kinds.push(KindInBatch {
                kind,
                loads: loader.is_some(),
            });
            loaders.extend(loader);
        }
        BatchLoads { kinds, loaders }
    }

    fn apply(
        &mut self,
        conn: &mut DbConn,
        submissions: &mut [Submission],
        kinds_used: &[KindInBatch],
        loaded: mpsc::Receiver<ApiResult<Vec<AnyLoaded>>>,
        laps: &mut Laps,
    ) -> ApiResult<Done> {
        let heads = write::read_heads(conn)?;
        laps.lap(LedgerPhase::Heads);
        let mut frontier = match self.frontier.take() {
            Some(f) if f.size == heads.log_size => f,
            known => {
                if known.is_some() {
                    // Another instance appended: what any kind cached may be stale.
                    for kind in &mut self.kinds {
                        kind.forget();
                    }
                }
                Frontier {
                    size: heads.log_size,
                    nodes: write::load_frontier(conn, heads.log_size)?,
                }
            }
        };
        let mut results: Vec<Option<ApiResult<Reply>>> =
            (0..submissions.len()).map(|_| None).collect();
        let keys = self.reserve_keys(conn, submissions, &mut results)?;
        let mut loaded = loaded
            .recv()
            .map_err(|_| {
                ApiError::Internal(anyhow::anyhow!("the ledger's loader dropped a batch"))
            })??
            .into_iter();
        laps.lap(LedgerPhase::Checks);

        let mut leaves = Leaves::new(frontier.size, std::mem::take(&mut frontier.nodes));
        let mut batch = Batch {
            conn,
            leaves: &mut leaves,
            audit: Vec::new(),
            anchor: false,
        };
        let kinds_of: Vec<usize> = submissions.iter().map(|s| s.kind).collect();
        let positions_of = |kind: usize, results: &[Option<ApiResult<Reply>>]| -> Vec<usize> {
            (0..kinds_of.len())
                .filter(|&i| kinds_of[i] == kind && results[i].is_none())
                .collect()
        };
        // With jobs of several kinds, a kind that fails (a database error, a panic, a
        // job left unanswered) is undone alone, back to a savepoint, and fails only its
        // own jobs; the others' still commit.
        let several = kinds_used
            .iter()
            .filter(|k| !positions_of(k.kind, &results).is_empty())
            .count()
            > 1;
        for &KindInBatch { kind, loads } in kinds_used {
            let positions = positions_of(kind, &results);
            let this_loaded = if loads { loaded.next() } else { None };
            if positions.is_empty() {
                continue;
            }
            let jobs: Vec<AnyJob> = positions
                .iter()
                .map(|&i| std::mem::replace(&mut submissions[i].job, Box::new(())))
                .collect();
            let undo = several.then(|| Undo {
                audit: batch.audit.len(),
                leaves: batch.leaves.clone(),
                savepoint: self.kinds[kind].writes(),
            });
            if undo.as_ref().is_some_and(|u| u.savepoint) {
                batch.conn.batch_execute("SAVEPOINT ledger_kind")?;
            }
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.kinds[kind].apply(&mut batch, this_loaded, jobs)
            }));
            let outcomes = match applied {
                Ok(Ok(outcomes)) if outcomes.len() == positions.len() => Ok(outcomes),
                Ok(Ok(outcomes)) => Err(ApiError::Internal(anyhow::anyhow!(
                    "a kind answered {} of {} jobs",
                    outcomes.len(),
                    positions.len()
                ))),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(ApiError::Internal(anyhow::anyhow!("a kind panicked"))),
            };
            let outcomes = match (outcomes, undo) {
                (Ok(outcomes), _) => outcomes,
                (Err(e), Some(undo)) => {
                    if undo.savepoint {
                        batch
                            .conn
                            .batch_execute("ROLLBACK TO SAVEPOINT ledger_kind")?;
                    }
                    batch.audit.truncate(undo.audit);
                    *batch.leaves = undo.leaves;
                    self.kinds[kind].forget();
                    tracing::error!(error = %e, jobs = positions.len(), "a ledger kind failed; its jobs alone are undone");
                    positions
                        .iter()
                        .map(|_| {
                            Err(ApiError::Internal(anyhow::anyhow!(
                                "the ledger could not carry out this job"
                            )))
                        })
                        .collect()
                }
                (Err(e), None) => return Err(e),
            };
            for (i, outcome) in positions.into_iter().zip(outcomes) {
                results[i] = Some(outcome);
            }
        }
        let audit = std::mem::take(&mut batch.audit);
        let anchor = batch.anchor;
        laps.lap(LedgerPhase::Compute);
        for ReservedKey { position, claim } in &keys.reserved {
            match &results[*position] {
                Some(Ok(reply)) => idempotency::fill(conn, &claim.user_id, &claim.key, reply)?,
                _ => idempotency::release(conn, &claim.user_id, &claim.key)?,
            }
        }
        keys.answer_twins(&mut results);
        // The events the batch's successes announce, in their order, written with them.
        let announced: Vec<super::outbox::Emit> = audit
            .iter()
            .filter(|r| r.outcome == Outcome::Success)
            .flat_map(|r| r.event.announces.iter().cloned())
            .collect();
        let rows = super::chain::build_rows(&heads.audit, &audit)?;
        if anchor {
            let after = match rows.last() {
                Some(last) => ChainHead::after(Some(last.seq), Some(last.entry_hash.clone())),
                None => heads.audit.clone(),
            };
            let at = crate::db::now();
            super::anchor::append(conn, &self.signer.origin, &after, &mut leaves, at)?;
        }
        write::commit_batch(conn, &self.signer, &rows, &mut leaves, &announced)?;
        let tallies: Vec<super::tally::Tally> = audit
            .iter()
            .filter(|r| r.outcome == Outcome::Success)
            .flat_map(|r| r.event.tallies.iter().cloned())
            .collect();
        super::tally::write(conn, &tallies)?;
        laps.lap(LedgerPhase::Write);
        Ok(Done {
            results: results
                .into_iter()
                .map(|r| {
                    r.unwrap_or_else(|| {
                        Err(ApiError::Internal(anyhow::anyhow!(
                            "a job was not answered"
                        )))
                    })
                })
                .collect(),
            frontier: leaves.into_frontier(),
        })
    }

    /// Reserves the batch's Idempotency-Keys (after the audit lock, as every audited
    /// transaction orders them): a key already answered gets its stored reply; a key
    /// given twice in the batch is the first one's (its reply is replayed to the
    /// second once known). Returns the positions whose keys are now this batch's, and
    /// the twins.
    fn reserve_keys(
        &self,
        conn: &mut DbConn,
        submissions: &[Submission],
        results: &mut [Option<ApiResult<Reply>>],
    ) -> ApiResult<Keys> {
        let mut keys = Keys::default();
        for (i, s) in submissions.iter().enumerate() {
            let Some(claim) = &s.claim else { continue };
            if let Some(first) = keys
                .reserved
                .iter()
                .find(|r| r.claim.user_id == claim.user_id && r.claim.key == claim.key)
            {
                if first.claim.request_hash != claim.request_hash {
                    results[i] = Some(Err(ApiError::IdempotencyKeyReused));
                } else {
                    // Answered after the batch, with the first one's reply.
                    results[i] = Some(Err(ApiError::Conflict(String::new())));
                    keys.twins.push(Twin {
                        position: i,
                        first: first.position,
                    });
                }
                continue;
            }
            match idempotency::reserve(conn, claim)? {
                Reservation::Reserved => keys.reserved.push(ReservedKey {
                    position: i,
                    claim: claim.clone(),
                }),
                Reservation::Replay(reply) => results[i] = Some(Ok(reply)),
                Reservation::Refused(e) => results[i] = Some(Err(e)),
            }
        }
        Ok(keys)
    }
}

/// The Idempotency-Keys of a batch: those it reserved, and requests that came twice
/// with one key.
#[derive(Default)]
struct Keys {
    reserved: Vec<ReservedKey>,
    twins: Vec<Twin>,
}

/// A key the batch reserved, for the job at `position`.
struct ReservedKey {
    position: usize,
    claim: Claim,
}

/// A job that came with the key of an earlier job of the batch, and gets its reply.
struct Twin {
    position: usize,
    first: usize,
}

impl Keys {
    /// Gives each twin the reply of its first request, as a replay.
    fn answer_twins(&self, results: &mut [Option<ApiResult<Reply>>]) {
        for &Twin { position, first } in &self.twins {
            results[position] = Some(match &results[first] {
                Some(Ok(reply)) => Ok(Reply {
                    replayed: true,
                    ..reply.clone()
                }),
                _ => Err(ApiError::Conflict(
                    "the first request with this Idempotency-Key failed".into(),
                )),
            });
        }
    }
}
