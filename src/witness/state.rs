//! What a witness keeps: per log origin, the last checkpoint it cosigned, in a SQLite
//! file of its own. A submission is decided and stored in one immediate transaction,
//! so that of two submissions from the same old size one wins and the other is told
//! the new size, in one process or several on the same file.

use super::check::{self, Refusal, Seen, Submission};
use crate::ledger::merkle::Hash;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use std::sync::Mutex;

diesel::table! {
    witnessed (origin) {
        origin -> Text,
        size -> BigInt,
        root -> Binary,
        cosigned_at -> BigInt,
    }
}

pub struct State {
    conn: Mutex<SqliteConnection>,
}

/// What a submission came to.
pub enum Outcome {
    Cosign,
    Refused(Refusal),
}

impl State {
    pub fn open(path: &std::path::Path) -> anyhow::Result<State> {
        let url = path
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the state's path is not UTF-8"))?;
        let mut conn = SqliteConnection::establish(url)?;
        conn.batch_execute(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS witnessed (
                 origin TEXT PRIMARY KEY,
                 size BIGINT NOT NULL,
                 root BLOB NOT NULL,
                 cosigned_at BIGINT NOT NULL
             );",
        )?;
        Ok(State {
            conn: Mutex::new(conn),
        })
    }

    /// The last checkpoint cosigned for `origin`.
    pub fn seen(&self, origin: &str) -> anyhow::Result<Option<Seen>> {
        let mut conn = self.conn.lock().expect("the witness state");
        Self::read(&mut conn, origin)
    }

    fn read(conn: &mut SqliteConnection, origin: &str) -> anyhow::Result<Option<Seen>> {
        let row: Option<(i64, Vec<u8>)> = witnessed::table
            .find(origin)
            .select((witnessed::size, witnessed::root))
            .get_result(conn)
            .optional()?;
        row.map(|(size, root)| {
            Ok(Seen {
                size: u64::try_from(size)?,
                root: Hash::try_from(root).map_err(|_| anyhow::anyhow!("a stored root"))?,
            })
        })
        .transpose()
    }

    /// Decides a submission against what was last cosigned and, when it may be
    /// cosigned, stores it before the answer is made.
    pub fn submit(&self, sub: &Submission, now: i64) -> anyhow::Result<Outcome> {
        let mut conn = self.conn.lock().expect("the witness state");
        conn.immediate_transaction(|conn| {
            let seen = Self::read(conn, &sub.checkpoint.origin)?;
            if let Err(refusal) = check::decide(sub, seen) {
                return Ok(Outcome::Refused(refusal));
            }
            diesel::replace_into(witnessed::table)
                .values((
                    witnessed::origin.eq(&sub.checkpoint.origin),
                    witnessed::size.eq(i64::try_from(sub.checkpoint.size)?),
                    witnessed::root.eq(sub.checkpoint.root.to_vec()),
                    witnessed::cosigned_at.eq(now),
                ))
                .execute(conn)?;
            Ok(Outcome::Cosign)
        })
    }
}
