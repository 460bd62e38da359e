//! The SQL of countries.

use super::CountryRow;
use crate::db::DbConn;
use crate::db::schema::countries;
use diesel::prelude::*;

/// A state's name, by its code.
/// A state's name, in the language of the answer being made.
pub fn name_of(conn: &mut DbConn, code: &str) -> QueryResult<Option<String>> {
    let kept: Option<String> = countries::table
        .find(code)
        .select(countries::name)
        .get_result(conn)
        .optional()?;
    Ok(kept.map(|name| in_language(code, name)))
}

/// A state's name as the language of the answer being made writes it.
fn in_language(code: &str, kept: String) -> String {
    crate::catalogue::current()
        .state_name(code)
        .map_or(kept, str::to_owned)
}

/// Every state's name, by its code (the region has a few dozen).
pub fn names(conn: &mut DbConn) -> QueryResult<StateNames> {
    let rows: Vec<(String, String)> = countries::table
        .select((countries::code, countries::name))
        .load(conn)?;
    Ok(StateNames(
        rows.into_iter()
            .map(|(code, name)| {
                let name = in_language(&code, name);
                (code, name)
            })
            .collect(),
    ))
}

/// Every state's name, for a page (an `ApiResult`, as a page's reads are).
pub fn names_of_all(conn: &mut DbConn) -> crate::error::ApiResult<StateNames> {
    Ok(names(conn)?)
}

/// States' names by code; a code it lacks is shown as it is.
#[derive(Debug, Clone, Default)]
pub struct StateNames(std::collections::HashMap<String, String>);

impl StateNames {
    pub fn of(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

pub fn exists(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(countries::table.find(code))).get_result(conn)
}

/// A page of countries in code order, after `after`, up to `limit + 1`.
pub fn list(conn: &mut DbConn, after: Option<String>, limit: i64) -> QueryResult<Vec<CountryRow>> {
    let mut query = countries::table
        .select(CountryRow::as_select())
        .order(countries::code)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(countries::code.gt(after));
    }
    query.load(conn)
}

pub fn insert(conn: &mut DbConn, row: &CountryRow) -> QueryResult<()> {
    diesel::insert_into(countries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<CountryRow>> {
    countries::table
        .find(code)
        .select(CountryRow::as_select())
        .get_result(conn)
        .optional()
}

/// Whether a state requires notice of the orders its providers are given.
pub fn order_notice_required(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    countries::table
        .find(code)
        .select(countries::order_notice_required)
        .get_result(conn)
        .optional()
        .map(|found| found.unwrap_or(false))
}

pub fn set_order_notice(conn: &mut DbConn, code: &str, required: bool) -> QueryResult<()> {
    diesel::update(countries::table.find(code))
        .set(countries::order_notice_required.eq(required))
        .execute(conn)
        .map(drop)
}
