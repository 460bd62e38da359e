//! All of a custody batch's writes on PostgreSQL in one statement: the items'
//! derived state, the entries, the Merkle nodes (in runs), the audit entries and the signed
//! checkpoint, as data-modifying CTEs over `unnest`ed array parameters. The text never
//! changes with the batch size, so the statement is prepared once per connection and
//! each batch costs one round trip instead of one per table.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text, Timestamp};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// Column arrays, one element per row.
#[derive(Default)]
pub struct BatchWrite {
    pub item_id: Vec<String>,
    pub item_status: Vec<String>,
    pub item_custodian_user_id: Vec<Option<String>>,
    pub item_custodian_agency_id: Vec<Option<String>>,
    pub item_pending_agency_id: Vec<Option<String>>,
    pub item_pending_custodian_id: Vec<Option<String>>,
    pub item_integrity_alert: Vec<bool>,
    pub item_last_seq: Vec<i32>,
    pub item_last_hash: Vec<String>,

    pub entry_log_index: Vec<i64>,
    pub entry_evidence_id: Vec<String>,
    pub entry_seq: Vec<i32>,
    pub entry_type: Vec<String>,
    pub entry_canonical: Vec<String>,
    pub entry_hash: Vec<String>,
    pub created_at: NaiveDateTime,

    pub run_first_leaf: Vec<i64>,
    pub run_leaves: Vec<i32>,
    pub run_nodes: Vec<Vec<u8>>,

    pub audit_seq: Vec<i64>,
    pub audit_at: Vec<NaiveDateTime>,
    pub audit_action: Vec<String>,
    pub audit_outcome: Vec<String>,
    pub audit_actor_user_id: Vec<Option<String>>,
    pub audit_actor_agency_id: Vec<Option<String>>,
    pub audit_actor_country: Vec<Option<String>>,
    pub audit_subject_country: Vec<Option<String>>,
    pub audit_case_id: Vec<Option<String>>,
    pub audit_entry: Vec<String>,
    pub audit_entry_hash: Vec<String>,
    pub audit_prev_hash: Vec<Option<String>>,

    pub tree_size: i64,
    pub root_hash: String,
    pub note: String,
}

impl BatchWrite {
    /// Runs the statement; returns how many items' derived state it updated.
    pub fn run(self, conn: &mut PgConnection) -> QueryResult<i64> {
        self.get_result(conn)
    }
}

impl QueryId for BatchWrite {
    type QueryId = BatchWrite;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for BatchWrite {
    type SqlType = BigInt;
}

impl RunQueryDsl<PgConnection> for BatchWrite {}

impl QueryFragment<Pg> for BatchWrite {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH items AS (UPDATE evidence_items AS t SET status = v.status, \
             custodian_user_id = v.custodian_user_id, custodian_agency_id = v.custodian_agency_id, \
             pending_agency_id = v.pending_agency_id, pending_custodian_id = v.pending_custodian_id, \
             integrity_alert = v.integrity_alert, last_seq = v.last_seq, last_hash = v.last_hash \
             FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.item_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.item_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.item_custodian_user_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.item_custodian_agency_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.item_pending_agency_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.item_pending_custodian_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Bool>, _>(&self.item_integrity_alert)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.item_last_seq)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.item_last_hash)?;
        out.push_sql(
            ") AS v(id, status, custodian_user_id, custodian_agency_id, pending_agency_id, \
             pending_custodian_id, integrity_alert, last_seq, last_hash) \
             WHERE t.id = v.id RETURNING 1), \
             entries AS (INSERT INTO custody_entries (log_index, evidence_id, seq, entry_type, \
             canonical, entry_hash, created_at) SELECT l, e, s, ty, c, h, ",
        );
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(" FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.entry_log_index)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.entry_evidence_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.entry_seq)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.entry_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.entry_canonical)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.entry_hash)?;
        out.push_sql(
            ") AS x(l, e, s, ty, c, h)), \
             runs AS (INSERT INTO log_node_runs (first_leaf, leaves, nodes) SELECT * FROM unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(&self.run_first_leaf)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.run_leaves)?;
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
        out.push_sql(
            ")), checkpoint AS (INSERT INTO log_checkpoints (tree_size, root_hash, note, \
             created_at) VALUES (",
        );
        out.push_bind_param::<BigInt, _>(&self.tree_size)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.root_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.note)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(")) SELECT count(*) FROM items");
        Ok(())
    }
}
