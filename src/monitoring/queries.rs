//! The SQL of status reviews and their checklist.

use super::review::{ChecklistItem, Designation, ReviewRow};
use crate::db::DbConn;
use crate::db::schema::{agencies, checklist_items, status_reviews, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The checklist in its order.
pub fn checklist(conn: &mut DbConn) -> QueryResult<Vec<ChecklistItem>> {
    checklist_items::table
        .select(ChecklistItem::as_select())
        .order((checklist_items::position, checklist_items::code))
        .load(conn)
}

pub fn checklist_item(conn: &mut DbConn, code: &str) -> QueryResult<Option<ChecklistItem>> {
    checklist_items::table
        .find(code)
        .select(ChecklistItem::as_select())
        .first(conn)
        .optional()
}

/// The position after every item's.
pub fn next_position(conn: &mut DbConn) -> QueryResult<i32> {
    let last: Option<i32> = checklist_items::table
        .select(diesel::dsl::max(checklist_items::position))
        .get_result(conn)?;
    Ok(last.map_or(0, |p| p + 1))
}

pub fn insert_item(conn: &mut DbConn, item: &ChecklistItem) -> QueryResult<()> {
    diesel::insert_into(checklist_items::table)
        .values(item)
        .execute(conn)
        .map(drop)
}

pub fn update_item(conn: &mut DbConn, item: &ChecklistItem) -> QueryResult<()> {
    diesel::update(checklist_items::table.find(&item.code))
        .set((
            checklist_items::title.eq(&item.title),
            checklist_items::description.eq(&item.description),
            checklist_items::position.eq(item.position),
            checklist_items::updated_at.eq(item.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// A state's last version, or the last recorded at or before `at`.
pub fn version_at(
    conn: &mut DbConn,
    country: &str,
    at: Option<NaiveDateTime>,
) -> QueryResult<Option<ReviewRow>> {
    let mut query = status_reviews::table
        .filter(status_reviews::country.eq(country))
        .select(ReviewRow::as_select())
        .order(status_reviews::version.desc())
        .into_boxed();
    if let Some(at) = at {
        query = query.filter(status_reviews::recorded_at.le(at));
    }
    query.first(conn).optional()
}

/// A state's last `reviewed` version at or before `version`.
pub fn last_review(
    conn: &mut DbConn,
    country: &str,
    version: i32,
) -> QueryResult<Option<ReviewRow>> {
    status_reviews::table
        .filter(status_reviews::country.eq(country))
        .filter(status_reviews::version.le(version))
        .filter(status_reviews::change.eq("reviewed"))
        .select(ReviewRow::as_select())
        .order(status_reviews::version.desc())
        .first(conn)
        .optional()
}

/// A page of a state's versions, oldest first, after version `after`.
pub fn history(
    conn: &mut DbConn,
    country: &str,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<ReviewRow>> {
    let mut query = status_reviews::table
        .filter(status_reviews::country.eq(country))
        .select(ReviewRow::as_select())
        .order(status_reviews::version)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(status_reviews::version.gt(after));
    }
    query.load(conn)
}

pub fn insert_version(conn: &mut DbConn, row: &ReviewRow) -> QueryResult<()> {
    diesel::insert_into(status_reviews::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Who in `country` holds `role` now: the active people (not service accounts) and
/// their agencies. (`LIKE` narrows; the roles column is then read exactly.)
pub fn designation(conn: &mut DbConn, country: &str, role: &str) -> QueryResult<Designation> {
    let holders: Vec<(String, String)> = users::table
        .inner_join(agencies::table)
        .filter(agencies::country_code.eq(country))
        .filter(users::status.eq("active"))
        .filter(users::kind.ne(crate::auth::account::SERVICE_KIND))
        .filter(users::roles.like(format!("%{role}%")))
        .select((users::roles, agencies::name))
        .load(conn)?;
    let mut people = 0;
    let mut names: Vec<String> = Vec::new();
    for (roles, agency) in holders {
        if roles.split(',').any(|r| r == role) {
            people += 1;
            if !names.contains(&agency) {
                names.push(agency);
            }
        }
    }
    names.sort();
    Ok(Designation {
        designated: people > 0,
        agencies: names,
        people,
    })
}

/// The non-zero counters of `measures` in the quarters of `period`.
pub fn figures(
    conn: &mut DbConn,
    measures: &[&str],
    period: &super::figures::Period,
) -> QueryResult<Vec<super::figures::FigureRow>> {
    use crate::db::schema::figures as f;
    f::table
        .filter(f::measure.eq_any(measures))
        .filter(f::quarter.ge(&period.from))
        .filter(f::quarter.le(&period.to))
        .filter(f::count.ne(0))
        .select((
            f::measure,
            f::country,
            f::counterpart,
            f::quarter,
            (f::dim1, f::dim2, f::dim3),
            f::bucket,
            f::count,
        ))
        .load(conn)
}

/// Every deadline of an MLA request that has passed with the request still open, by
/// the state that owes it (the requested state) and the kind of deadline.
pub fn overdue(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Vec<super::figures::OverdueDeadline>> {
    Ok(crate::mla::queries::requests_past_due(conn, now)?
        .iter()
        .flat_map(|row| {
            crate::mla::deadlines::of_request(row)
                .into_iter()
                .filter(|(_, due)| *due <= now)
                .map(|(kind, _)| super::figures::OverdueDeadline {
                    country: row.requested_country.clone(),
                    deadline: kind.as_str(),
                })
                .collect::<Vec<_>>()
        })
        .collect())
}
