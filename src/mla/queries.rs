//! The SQL of mutual legal assistance: legal bases.

use super::basis::LegalBasisRow;
use crate::db::DbConn;
use crate::db::schema::legal_bases;
use diesel::prelude::*;

pub fn legal_basis(conn: &mut DbConn, code: &str) -> QueryResult<Option<LegalBasisRow>> {
    legal_bases::table
        .find(code)
        .select(LegalBasisRow::as_select())
        .get_result(conn)
        .optional()
}

/// A page of legal bases in code order, after `after`, up to `limit + 1`.
pub fn legal_bases(
    conn: &mut DbConn,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<LegalBasisRow>> {
    let mut query = legal_bases::table
        .select(LegalBasisRow::as_select())
        .order(legal_bases::code)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(legal_bases::code.gt(after));
    }
    query.load(conn)
}

pub fn insert_legal_basis(conn: &mut DbConn, row: &LegalBasisRow) -> QueryResult<()> {
    diesel::insert_into(legal_bases::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn replace_legal_basis(conn: &mut DbConn, row: &LegalBasisRow) -> QueryResult<()> {
    diesel::update(legal_bases::table.find(&row.code))
        .set(row)
        .execute(conn)
        .map(drop)
}
