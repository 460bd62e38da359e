//! Database access for both backends: one schema, one connection type, one pool.
//!
//! The backend is chosen from the URL scheme here, never by trial: diesel's
//! `MultiConnection` would otherwise fall back to SQLite and silently create a file
//! named after a mistyped PostgreSQL URL.
//!
//! Look rows up by a unique key with `get_result`, not `first`: `first` adds
//! `LIMIT ?`, and SQLite marks a statement with a bound `LIMIT` to be compiled again
//! at every new binding, so a cached statement is parsed anew on each use, with its
//! memory taken under SQLite's global allocator mutex (measured: `GET /me` at half
//! its rate, docs/BENCHMARKS.md).

pub mod schema;

use anyhow::{Context, anyhow, bail};
use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

/// Every SQLite connection: durable WAL commits, enforced foreign keys, and waiting
/// for a busy writer instead of failing at once.
/// The busy timeout comes first: switching to WAL itself needs the lock.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// Key for the PostgreSQL advisory lock that serialises migrations when several
/// instances start against one database.
const MIGRATION_LOCK_KEY: i64 = 0x6361_7365_6c65_6467;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else {
            bail!("DATABASE_URL must start with sqlite:// or postgres://")
        }
    }
}

/// The file a `sqlite://` URL names, so its folder can be created before opening it.
pub fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest))
}

pub struct Manager {
    url: String,
    backend: Backend,
}

impl Manager {
    pub fn new(url: &str) -> anyhow::Result<Manager> {
        Ok(Manager {
            url: url.to_owned(),
            backend: Backend::from_url(url)?,
        })
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.backend {
            Backend::Postgres => diesel::PgConnection::establish(&self.url)
                .map(DbConn::Postgresql)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.url)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgresql(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

pub fn build_pool(url: &str, max_size: u32) -> anyhow::Result<Pool> {
    let manager = Manager::new(url)?;
    let parent = sqlite_path(url).and_then(|path| std::path::Path::new(path).parent());
    if let Some(parent) = parent.filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    if manager.backend == Backend::Sqlite {
        // Switch a new file to WAL on one connection before the pool opens many at
        // once: concurrent switches fail with "database is locked".
        manager.connect().context("opening the SQLite database")?;
    }
    r2d2::Pool::builder()
        .max_size(max_size)
        // A health query on every checkout would double the round trips of short
        // requests; broken connections are detected by `has_broken` and on use.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .context("connecting to the database")
}

pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<()> {
    match conn {
        DbConn::Postgresql(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| anyhow!("running PostgreSQL migrations: {e}"));
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result
        }
        DbConn::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|_| ())
            .map_err(|e| anyhow!("running SQLite migrations: {e}")),
    }
}

/// A write transaction. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so a
/// read-then-write transaction waits for other writers instead of failing with
/// SQLITE_BUSY half-way. `f` must not open a nested transaction.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_tx_locked(conn, &[], f)
}

/// A write transaction that holds the given advisory locks from its first statement
/// (see [`begin_locked`]), so that it takes them before any row lock.
pub fn write_tx_locked<T, E, F>(conn: &mut DbConn, locks: &[i64], f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin_locked(conn, locks)?;
    match f(conn) {
        Ok(value) => match conn.batch_execute("COMMIT") {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Begins a write transaction that holds the given advisory locks from its start; the
/// caller ends it with `COMMIT` or `ROLLBACK`. On PostgreSQL, `BEGIN` and the locks go
/// to the server in one round trip; on SQLite, `BEGIN IMMEDIATE` already holds the
/// only write lock. Every caller must take the locks in the same order.
pub fn begin_locked(conn: &mut DbConn, locks: &[i64]) -> QueryResult<()> {
    let begin = match conn.backend() {
        Backend::Postgres => std::iter::once("BEGIN".to_owned())
            .chain(
                locks
                    .iter()
                    .map(|key| format!("SELECT pg_advisory_xact_lock({key})")),
            )
            .collect::<Vec<_>>()
            .join("; "),
        Backend::Sqlite => "BEGIN IMMEDIATE".to_owned(),
    };
    conn.batch_execute(&begin).inspect_err(|_| {
        let _ = conn.batch_execute("ROLLBACK");
    })
}

/// `EXPLAIN` of a query, with the query's own SQL and binds: benchmarks use it to
/// check that the service's real queries use indexes.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct Explain<Q> {
    query: Q,
    prefix: &'static str,
}

impl<Q> Explain<Q> {
    /// `EXPLAIN (FORMAT JSON)` on PostgreSQL: one row, one text column.
    pub fn postgres(query: Q) -> Explain<Q> {
        Explain {
            query,
            prefix: "EXPLAIN (FORMAT JSON) ",
        }
    }

    /// `EXPLAIN QUERY PLAN` on SQLite: rows of (id, parent, notused, detail).
    pub fn sqlite(query: Q) -> Explain<Q> {
        Explain {
            query,
            prefix: "EXPLAIN QUERY PLAN ",
        }
    }
}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for Explain<Q>
where
    DB: diesel::backend::Backend,
    Q: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Q, Conn> RunQueryDsl<Conn> for Explain<Q> {}

/// The plan as text, whichever the backend.
pub fn explain<Q>(conn: &mut DbConn, query: Q) -> QueryResult<String>
where
    Q: diesel::query_builder::QueryFragment<MultiBackend> + diesel::query_builder::QueryId,
{
    #[derive(diesel::QueryableByName)]
    struct PgPlan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        plan: String,
    }
    #[derive(diesel::QueryableByName)]
    struct SqlitePlan {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    match conn.backend() {
        Backend::Postgres => {
            let rows: Vec<PgPlan> = Explain::postgres(query).load(conn)?;
            Ok(rows
                .into_iter()
                .map(|r| r.plan)
                .collect::<Vec<_>>()
                .join("\n"))
        }
        Backend::Sqlite => {
            let rows: Vec<SqlitePlan> = Explain::sqlite(query).load(conn)?;
            Ok(rows
                .into_iter()
                .map(|r| r.detail)
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

/// Inserts many rows in one statement. Diesel's `MultiConnection` cannot batch
/// inserts, so this dispatches to the concrete connection.
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConn::Postgresql(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

/// The current UTC time at the precision both backends store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
