//! What the engine itself writes for a batch: its audit entries, the Merkle nodes of
//! its leaves and the signed checkpoint that covers them. On PostgreSQL all of it goes
//! as one statement of data-modifying CTEs over `unnest`ed arrays, whose text does not
//! change with the batch's size, so it is prepared once per connection and a batch
//! costs one round trip here.

use super::chain::{self, AuditInsert, ChainHead};
use super::log::{self, LogSigner, Runs};
use super::merkle::{self, Hash, NodeId};
use crate::db::DbConn;
use crate::db::schema::{audit_log, log_checkpoints};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Nullable, Text, Timestamp};
use std::collections::HashMap;

/// What the writer knows of the committed log: its size and the frontier of its
/// Merkle tree (the nodes it needs to grow). Valid while the log in the database
/// still has `size` leaves.
pub struct Frontier {
    pub size: u64,
    pub nodes: HashMap<NodeId, Hash>,
}

/// The heads of the log and of the audit chain, read once the batch holds their locks.
pub struct Heads {
    pub log_size: u64,
    pub audit: ChainHead,
}

/// One round trip, a query of static shape (prepared once per connection). The log's
/// size is its latest checkpoint's: every batch that adds leaves signs one in the
/// same transaction, whichever kinds the leaves belong to.
pub fn read_heads(conn: &mut DbConn) -> ApiResult<Heads> {
    let (log_size, audit_seq, audit_hash): (Option<i64>, Option<i64>, Option<String>) =
        diesel::select((
            log_checkpoints::table
                .select(diesel::dsl::max(log_checkpoints::tree_size))
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
    Ok(Heads {
        log_size: log_size.unwrap_or(0) as u64,
        audit: ChainHead::after(audit_seq, audit_hash),
    })
}

/// The stored nodes a log of `size` leaves needs to grow.
pub fn load_frontier(conn: &mut DbConn, size: u64) -> ApiResult<HashMap<NodeId, Hash>> {
    if size == 0 {
        return Ok(HashMap::new());
    }
    log::load_nodes(conn, &merkle::nodes_for(&[(0, size)]))
}

/// The leaves a batch appends, and the nodes they complete.
#[derive(Clone)]
pub struct Leaves {
    start: u64,
    size: u64,
    nodes: HashMap<NodeId, Hash>,
    runs: Runs,
}

impl Leaves {
    pub fn new(size: u64, nodes: HashMap<NodeId, Hash>) -> Leaves {
        Leaves {
            start: size,
            size,
            nodes,
            runs: Runs::default(),
        }
    }

    /// Appends one leaf; returns its index.
    pub fn append(&mut self, canonical: &[u8]) -> u64 {
        let index = self.size;
        self.size += 1;
        let completed = merkle::add_leaf(index, merkle::leaf_hash(canonical), &mut self.nodes);
        self.runs.push(index, &completed);
        index
    }

    /// The log's size after the batch and the frontier a next batch needs.
    pub fn into_frontier(mut self) -> Frontier {
        let keep = merkle::nodes_for(&[(0, self.size)]);
        self.nodes.retain(|id, _| keep.contains(id));
        Frontier {
            size: self.size,
            nodes: self.nodes,
        }
    }
}

/// A signed checkpoint to store.
struct Checkpoint {
    size: i64,
    root: String,
    note: String,
}

/// Writes the batch's audit entries, and, when it appended leaves, their nodes and a
/// checkpoint signed over the new root.
pub fn commit_batch(
    conn: &mut DbConn,
    signer: &LogSigner,
    rows: &[AuditInsert],
    leaves: &mut Leaves,
    announced: &[super::outbox::Emit],
) -> ApiResult<()> {
    let checkpoint = if leaves.size > leaves.start {
        let root = merkle::range_hash(0, leaves.size, &leaves.nodes)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the log frontier is incomplete")))?;
        Some(Checkpoint {
            size: leaves.size as i64,
            root: hex::encode(root),
            note: signer.sign_checkpoint(leaves.size, &root),
        })
    } else {
        None
    };
    if rows.is_empty() && checkpoint.is_none() && announced.is_empty() {
        return Ok(());
    }
    let now = crate::db::now();
    match conn {
        DbConn::Postgresql(pg) => {
            // One round trip for all of it, the outbox's events included.
            PgWrite::new(rows, &leaves.runs, checkpoint, now)
                .announcing(announced)
                .execute(pg)?;
        }
        DbConn::Sqlite(_) => {
            chain::insert_all(conn, rows)?;
            log::insert_runs(conn, &leaves.runs)?;
            if let Some(c) = checkpoint {
                log::store_checkpoint(conn, c.size as u64, &c.root, &c.note, now)?;
            }
            super::outbox::write(conn, announced, now)?;
        }
    }
    Ok(())
}

/// Column arrays, one element per row.
struct PgWrite {
    run_first_leaf: Vec<i64>,
    run_leaves: Vec<i32>,
    run_nodes: Vec<Vec<u8>>,
    audit_seq: Vec<i64>,
    audit_at: Vec<NaiveDateTime>,
    audit_action: Vec<String>,
    audit_outcome: Vec<String>,
    audit_actor_user_id: Vec<Option<String>>,
    audit_actor_agency_id: Vec<Option<String>>,
    audit_actor_country: Vec<Option<String>>,
    audit_subject_country: Vec<Option<String>>,
    audit_case_id: Vec<Option<String>>,
    audit_entry: Vec<String>,
    audit_entry_hash: Vec<String>,
    audit_prev_hash: Vec<Option<String>>,
    checkpoint_size: Option<i64>,
    checkpoint_root: Option<String>,
    checkpoint_note: Option<String>,
    created_at: NaiveDateTime,
    /// The outbox's new events, numbered on from the last in the same statement.
    event_id: Vec<String>,
    event_type: Vec<String>,
    event_subject_kind: Vec<String>,
    event_subject_id: Vec<String>,
    event_href: Vec<String>,
}

impl PgWrite {
    fn new(
        rows: &[AuditInsert],
        runs: &Runs,
        checkpoint: Option<Checkpoint>,
        created_at: NaiveDateTime,
    ) -> PgWrite {
        let actor = |row: &AuditInsert, f: fn(&chain::Actor) -> &String| {
            row.actor.as_ref().map(|a| f(a).clone())
        };
        PgWrite {
            run_first_leaf: runs.runs.iter().map(|r| r.first_leaf as i64).collect(),
            run_leaves: runs.runs.iter().map(|r| r.leaves as i32).collect(),
            run_nodes: runs.runs.iter().map(|r| r.nodes.clone()).collect(),
            audit_seq: rows.iter().map(|r| r.seq).collect(),
            audit_at: rows.iter().map(|r| r.at).collect(),
            audit_action: rows.iter().map(|r| r.action.to_owned()).collect(),
            audit_outcome: rows.iter().map(|r| r.outcome.to_owned()).collect(),
            audit_actor_user_id: rows.iter().map(|r| actor(r, |a| &a.user_id)).collect(),
            audit_actor_agency_id: rows.iter().map(|r| actor(r, |a| &a.agency_id)).collect(),
            audit_actor_country: rows.iter().map(|r| actor(r, |a| &a.country)).collect(),
            audit_subject_country: rows.iter().map(|r| r.subject_country.clone()).collect(),
            audit_case_id: rows.iter().map(|r| r.case_id.clone()).collect(),
            audit_entry: rows.iter().map(|r| r.entry.clone()).collect(),
            audit_entry_hash: rows.iter().map(|r| r.entry_hash.clone()).collect(),
            audit_prev_hash: rows.iter().map(|r| r.prev_hash.clone()).collect(),
            checkpoint_size: checkpoint.as_ref().map(|c| c.size),
            checkpoint_root: checkpoint.as_ref().map(|c| c.root.clone()),
            checkpoint_note: checkpoint.map(|c| c.note),
            created_at,
            event_id: Vec::new(),
            event_type: Vec::new(),
            event_subject_kind: Vec::new(),
            event_subject_id: Vec::new(),
            event_href: Vec::new(),
        }
    }

    fn announcing(mut self, announced: &[super::outbox::Emit]) -> PgWrite {
        for e in announced {
            self.event_id.push(uuid::Uuid::now_v7().to_string());
            self.event_type.push(e.event_type.clone());
            self.event_subject_kind.push(e.subject_kind.to_owned());
            self.event_subject_id.push(e.subject_id.clone());
            self.event_href.push(e.href.clone());
        }
        self
    }
}

impl QueryId for PgWrite {
    type QueryId = PgWrite;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for PgWrite {
    type SqlType = BigInt;
}

impl RunQueryDsl<diesel::PgConnection> for PgWrite {}

impl QueryFragment<Pg> for PgWrite {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH runs AS (INSERT INTO log_node_runs (first_leaf, leaves, nodes) \
             SELECT * FROM unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(&self.run_first_leaf)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<diesel::sql_types::Integer>, _>(&self.run_leaves)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Binary>, _>(&self.run_nodes)?;
        out.push_sql(
            ")), audit AS (INSERT INTO audit_log (seq, at, action, outcome, actor_user_id, \
             actor_agency_id, actor_country, subject_country, case_id, entry, entry_hash, \
             prev_hash) SELECT * FROM unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(&self.audit_seq)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.audit_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.audit_action)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.audit_outcome)?;
        for column in [
            &self.audit_actor_user_id,
            &self.audit_actor_agency_id,
            &self.audit_actor_country,
            &self.audit_subject_country,
            &self.audit_case_id,
        ] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Nullable<Text>>, _>(column)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.audit_entry)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.audit_entry_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.audit_prev_hash)?;
        // A batch without leaves signs no checkpoint: the same text, a row of nulls
        // that inserts nothing.
        out.push_sql(
            ")), checkpoint AS (INSERT INTO log_checkpoints (tree_size, root_hash, note, \
             created_at) SELECT s, r, n, t FROM (VALUES (",
        );
        out.push_bind_param::<Nullable<BigInt>, _>(&self.checkpoint_size)?;
        out.push_sql("::BIGINT, ");
        out.push_bind_param::<Nullable<Text>, _>(&self.checkpoint_root)?;
        out.push_sql("::TEXT, ");
        out.push_bind_param::<Nullable<Text>, _>(&self.checkpoint_note)?;
        out.push_sql("::TEXT, ");
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql("::TIMESTAMP)) AS v(s, r, n, t) WHERE s IS NOT NULL)");
        // The outbox's events, in their order after the last one (the batch holds the
        // audit chain's lock, as every writer of the outbox does). The statement's
        // snapshot does not see its own rows: `max` is the last before it.
        out.push_sql(
            ", announced AS (INSERT INTO events (seq, id, event_type, at, subject_kind, \
             subject_id, href) SELECT (SELECT COALESCE(MAX(seq), 0) FROM events) + e.o, \
             e.i, e.ty, ",
        );
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(", e.k, e.s, e.h FROM unnest(");
        out.push_bind_param::<Array<Text>, _>(&self.event_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.event_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.event_subject_kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.event_subject_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.event_href)?;
        out.push_sql(") WITH ORDINALITY AS e(i, ty, k, s, h, o))");
        out.push_sql(" SELECT 1::BIGINT");
        Ok(())
    }
}
