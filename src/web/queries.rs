//! The SQL of review-page sign-ins, for both backends.

use crate::db::DbConn;
use crate::db::schema::web_sessions;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct WebSessionRow {
    pub secret_hash: String,
    pub session_id: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &WebSessionRow) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, secret_hash: &str) -> QueryResult<Option<WebSessionRow>> {
    web_sessions::table
        .find(secret_hash)
        .select(WebSessionRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn touch(conn: &mut DbConn, secret_hash: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(web_sessions::table.find(secret_hash))
        .set(web_sessions::last_seen_at.eq(at))
        .execute(conn)
        .map(drop)
}

pub fn delete(conn: &mut DbConn, secret_hash: &str) -> QueryResult<()> {
    diesel::delete(web_sessions::table.find(secret_hash))
        .execute(conn)
        .map(drop)
}
