//! A custody batch's own writes on PostgreSQL in one statement: the items' derived
//! state and the new entries, as data-modifying CTEs over `unnest`ed array parameters.
//! The text never changes with the batch size, so the statement is prepared once per
//! connection and costs one round trip. (The ledger sends the audit entries, Merkle
//! nodes and checkpoint in a statement of its own.)

use super::model::{EvidenceRow, NewEntryRow};
use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// Column arrays, one element per row.
pub struct ItemsAndEntries {
    item_id: Vec<String>,
    item_status: Vec<String>,
    item_custodian_user_id: Vec<Option<String>>,
    item_custodian_agency_id: Vec<Option<String>>,
    item_pending_agency_id: Vec<Option<String>>,
    item_pending_custodian_id: Vec<Option<String>>,
    item_integrity_alert: Vec<bool>,
    item_last_seq: Vec<i32>,
    item_last_hash: Vec<String>,
    item_holder_agency_id: Vec<Option<String>>,
    entry_log_index: Vec<i64>,
    entry_evidence_id: Vec<String>,
    entry_seq: Vec<i32>,
    entry_type: Vec<String>,
    entry_canonical: Vec<String>,
    entry_hash: Vec<String>,
    created_at: NaiveDateTime,
}

impl ItemsAndEntries {
    pub fn new(
        items: &[&EvidenceRow],
        entries: &[NewEntryRow],
        created_at: NaiveDateTime,
    ) -> ItemsAndEntries {
        ItemsAndEntries {
            item_id: items.iter().map(|r| r.id.clone()).collect(),
            item_status: items.iter().map(|r| r.status.clone()).collect(),
            item_custodian_user_id: items.iter().map(|r| r.custodian_user_id.clone()).collect(),
            item_custodian_agency_id: items
                .iter()
                .map(|r| r.custodian_agency_id.clone())
                .collect(),
            item_pending_agency_id: items.iter().map(|r| r.pending_agency_id.clone()).collect(),
            item_pending_custodian_id: items
                .iter()
                .map(|r| r.pending_custodian_id.clone())
                .collect(),
            item_integrity_alert: items.iter().map(|r| r.integrity_alert).collect(),
            item_last_seq: items.iter().map(|r| r.last_seq).collect(),
            item_last_hash: items.iter().map(|r| r.last_hash.clone()).collect(),
            item_holder_agency_id: items.iter().map(|r| r.holder_agency_id.clone()).collect(),
            entry_log_index: entries.iter().map(|e| e.log_index).collect(),
            entry_evidence_id: entries.iter().map(|e| e.evidence_id.clone()).collect(),
            entry_seq: entries.iter().map(|e| e.seq).collect(),
            entry_type: entries.iter().map(|e| e.entry_type.to_owned()).collect(),
            entry_canonical: entries.iter().map(|e| e.canonical.clone()).collect(),
            entry_hash: entries.iter().map(|e| e.entry_hash.clone()).collect(),
            created_at,
        }
    }

    /// Runs the statement; returns how many items' derived state it updated.
    pub fn run(self, conn: &mut PgConnection) -> QueryResult<i64> {
        self.get_result(conn)
    }
}

impl QueryId for ItemsAndEntries {
    type QueryId = ItemsAndEntries;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for ItemsAndEntries {
    type SqlType = BigInt;
}

impl RunQueryDsl<PgConnection> for ItemsAndEntries {}

impl QueryFragment<Pg> for ItemsAndEntries {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH items AS (UPDATE evidence_items AS t SET status = v.status, \
             custodian_user_id = v.custodian_user_id, custodian_agency_id = v.custodian_agency_id, \
             pending_agency_id = v.pending_agency_id, pending_custodian_id = v.pending_custodian_id, \
             integrity_alert = v.integrity_alert, last_seq = v.last_seq, last_hash = v.last_hash, \
             holder_agency_id = v.holder_agency_id FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.item_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.item_status)?;
        for column in [
            &self.item_custodian_user_id,
            &self.item_custodian_agency_id,
            &self.item_pending_agency_id,
            &self.item_pending_custodian_id,
        ] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Nullable<Text>>, _>(column)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<Bool>, _>(&self.item_integrity_alert)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.item_last_seq)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.item_last_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.item_holder_agency_id)?;
        out.push_sql(
            ") AS v(id, status, custodian_user_id, custodian_agency_id, pending_agency_id, \
             pending_custodian_id, integrity_alert, last_seq, last_hash, holder_agency_id) \
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
        out.push_sql(") AS x(l, e, s, ty, c, h)) SELECT count(*) FROM items");
        Ok(())
    }
}
