//! The stored Merkle nodes (runs of leaves), on the database itself.

use super::*;

/// Leaves `0..n` and the nodes each completes, as the writer computes them.
fn completed_nodes(n: u64) -> Vec<Vec<(merkle::NodeId, merkle::Hash)>> {
    let mut nodes = std::collections::HashMap::new();
    (0..n)
        .map(|i| {
            merkle::add_leaf(
                i,
                merkle::leaf_hash(format!("entry {i}").as_bytes()),
                &mut nodes,
            )
        })
        .collect()
}

/// Every run stays inside one span of `RUN_SPAN` leaves, so finding a leaf's run reads
/// a bounded number of rows.
fn assert_runs_within_spans(conn: &mut caseledger::db::DbConn) {
    use caseledger::db::schema::log_node_runs;
    use diesel::prelude::*;
    let span = caseledger::ledger::log::RUN_SPAN as i64;
    let runs: Vec<(i64, i32)> = log_node_runs::table
        .select((log_node_runs::first_leaf, log_node_runs::leaves))
        .load(conn)
        .unwrap();
    assert!(!runs.is_empty());
    for (first, leaves) in runs {
        assert!(
            first % span + i64::from(leaves) <= span,
            "run {first}+{leaves}"
        );
    }
}

/// Every node of the first `n` leaves, and proofs against an in-memory tree.
fn assert_serves_tree(conn: &mut caseledger::db::DbConn, n: u64) {
    use caseledger::ledger::log;
    let completed = completed_nodes(n);
    let expected: std::collections::HashMap<_, _> = completed.iter().flatten().copied().collect();
    let ids = expected.keys().copied().collect();
    assert_eq!(log::load_nodes(conn, &ids).unwrap(), expected);
    let beyond = merkle::NodeId { level: 0, index: n };
    assert!(log::load_nodes(conn, &[beyond].into()).unwrap().is_empty());
    let mut tree = merkle::MemoryTree::default();
    for i in 0..n {
        tree.push(completed[i as usize][0].1);
    }
    for size in [1, 2, 31, 32, 33, 64, 65, n / 2, n] {
        assert_eq!(
            log::root(conn, size).unwrap(),
            tree.root(size),
            "root {size}"
        );
        for index in (0..size).step_by(5) {
            assert_eq!(
                log::inclusion_proof(conn, index, size).unwrap(),
                tree.inclusion(index, size),
                "inclusion {index} in {size}"
            );
        }
        for first in (1..size).step_by(9) {
            assert_eq!(
                log::consistency_proof(conn, first, size).unwrap(),
                tree.consistency(first, size),
                "consistency {first} to {size}"
            );
        }
    }
}

#[test]
fn node_runs_serve_every_node_and_proof() {
    use caseledger::ledger::log;
    let dir = tempfile::tempdir().unwrap();
    let db = crate::common::TestDb::new(dir.path());
    let pool = caseledger::db::build_pool(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    caseledger::db::run_migrations(&mut conn).unwrap();
    let n = 300;
    let completed = completed_nodes(n);
    // Batches of uneven sizes: runs start and end anywhere, and split at spans.
    let mut next = 0;
    for size in [1, 7, 40, 3, 64, 1, 1, 33, 100, 50] {
        let mut runs = log::Runs::default();
        for i in next..next + size {
            runs.push(i, &completed[i as usize]);
        }
        log::insert_runs(&mut conn, &runs).unwrap();
        next += size;
    }
    assert_eq!(next, n);
    assert_runs_within_spans(&mut conn);
    assert_serves_tree(&mut conn, n);
}

#[derive(diesel::QueryableByName, PartialEq, Debug)]
struct NodeRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    level: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    idx: i64,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    hash: Vec<u8>,
}

/// One migration up or down, on either backend.
fn migrate_one(conn: &mut caseledger::db::DbConn, up: bool) {
    use caseledger::db::{DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    use diesel_migrations::MigrationHarness;
    match (conn, up) {
        (DbConn::Postgresql(c), true) => c.run_next_migration(POSTGRES_MIGRATIONS).map(drop),
        (DbConn::Postgresql(c), false) => c.revert_last_migration(POSTGRES_MIGRATIONS).map(drop),
        (DbConn::Sqlite(c), true) => c.run_next_migration(SQLITE_MIGRATIONS).map(drop),
        (DbConn::Sqlite(c), false) => c.revert_last_migration(SQLITE_MIGRATIONS).map(drop),
    }
    .unwrap();
}

/// A log stored one row per node before the runs existed keeps every node through
/// the migration, and gets them back when it is reverted.
#[test]
fn the_node_runs_migration_keeps_every_node() {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let db = crate::common::TestDb::new(dir.path());
    let pool = caseledger::db::build_pool(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    // Up to the custody migration, the last one with a node per row.
    for _ in 0..3 {
        migrate_one(&mut conn, true);
    }
    let n = 100;
    let mut old: Vec<NodeRow> = completed_nodes(n)
        .into_iter()
        .flatten()
        .map(|(id, hash)| NodeRow {
            level: id.level as i32,
            idx: id.index as i64,
            hash: hash.to_vec(),
        })
        .collect();
    let values: Vec<String> = old
        .iter()
        .map(|r| {
            let hash = hex::encode(&r.hash);
            let hash = if db.is_postgres() {
                format!("'\\x{hash}'::bytea")
            } else {
                format!("x'{hash}'")
            };
            format!("({}, {}, {hash})", r.level, r.idx)
        })
        .collect();
    conn.batch_execute(&format!(
        "INSERT INTO log_nodes (level, idx, hash) VALUES {}",
        values.join(", ")
    ))
    .unwrap();

    // The node runs migration.
    migrate_one(&mut conn, true);
    assert_runs_within_spans(&mut conn);
    assert_serves_tree(&mut conn, n);

    migrate_one(&mut conn, false);
    let mut back: Vec<NodeRow> = diesel::sql_query("SELECT level, idx, hash FROM log_nodes")
        .load(&mut *conn)
        .unwrap();
    back.sort_by_key(|r| (r.level, r.idx));
    old.sort_by_key(|r| (r.level, r.idx));
    assert_eq!(back, old);
}
