//! The SQL of preservation requests, for both backends.

use super::model::{PreservationFilter, PreservationRow, PreservationStatus};
use super::scope::PreservationScope;
use crate::db::schema::{mla_requests, preservations};
use crate::db::{DbConn, MultiBackend};
use crate::mla::request::Direction;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn preservation(conn: &mut DbConn, id: &str) -> QueryResult<Option<PreservationRow>> {
    preservations::table
        .find(id)
        .select(PreservationRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, row: &PreservationRow) -> QueryResult<()> {
    diesel::insert_into(preservations::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Stores a changed preservation if it is still at the version it was read at.
pub fn update(conn: &mut DbConn, row: &PreservationRow, read_at: i32) -> QueryResult<bool> {
    diesel::update(preservations::table.find(&row.id))
        .filter(preservations::version.eq(read_at))
        .set(row)
        .execute(conn)
        .map(|n| n == 1)
}

type Condition = Box<
    dyn BoxableExpression<preservations::table, MultiBackend, SqlType = diesel::sql_types::Bool>,
>;

/// The preservations `scope` covers, in one direction or both.
fn visible_to(scope: &PreservationScope, direction: Option<Direction>) -> Condition {
    let none = || -> Condition { Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")) };
    let outgoing = || -> Condition {
        let mine: Condition = match &scope.requesting_agency {
            Some(a) => Box::new(preservations::requesting_agency_id.eq(a.clone())),
            None => none(),
        };
        let ours: Condition = match &scope.country {
            Some(c) => Box::new(preservations::requesting_country.eq(c.clone())),
            None => none(),
        };
        Box::new(mine.or(ours))
    };
    let incoming = || -> Condition {
        match &scope.country {
            Some(c) => Box::new(preservations::requested_country.eq(c.clone())),
            None => none(),
        }
    };
    match direction {
        Some(Direction::Outgoing) => outgoing(),
        Some(Direction::Incoming) => incoming(),
        None => Box::new(outgoing().or(incoming())),
    }
}

/// A page of the preservations `scope` covers, newest first. A status is as at
/// `now`: one that ran out is expired, whether or not its expiry is recorded yet.
pub fn list(
    conn: &mut DbConn,
    scope: &PreservationScope,
    filter: &PreservationFilter,
    after: Option<String>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<PreservationRow>> {
    let mut query = preservations::table
        .select(PreservationRow::as_select())
        .filter(visible_to(scope, filter.direction))
        .order(preservations::id.desc())
        .limit(limit + 1)
        .into_boxed();
    match filter.status {
        Some(PreservationStatus::Expired) => {
            query = query.filter(
                preservations::status
                    .eq(PreservationStatus::Expired.as_str())
                    .or(preservations::expires_at.le(now)),
            );
        }
        Some(status) => {
            query = query
                .filter(preservations::status.eq(status.as_str()))
                .filter(
                    preservations::expires_at
                        .is_null()
                        .or(preservations::expires_at.gt(now)),
                );
        }
        None => {}
    }
    if let Some(after) = after {
        query = query.filter(preservations::id.lt(after));
    }
    query.load(conn)
}

/// The preservations `scope` covers in `direction` that wait to be preserved or run
/// out by `until` (and have not yet), oldest first, up to `limit`: a desk's work.
pub fn awaiting_or_expiring(
    conn: &mut DbConn,
    scope: &PreservationScope,
    direction: Direction,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<PreservationRow>> {
    let held = [
        PreservationStatus::Preserved.as_str(),
        PreservationStatus::Extended.as_str(),
        PreservationStatus::PartiallyDisclosed.as_str(),
    ];
    preservations::table
        .select(PreservationRow::as_select())
        .filter(visible_to(scope, Some(direction)))
        .filter(
            preservations::status
                .eq(PreservationStatus::Requested.as_str())
                .or(preservations::status
                    .eq_any(held)
                    .and(preservations::expires_at.gt(now))
                    .and(preservations::expires_at.le(until))),
        )
        .order(preservations::id)
        .limit(limit)
        .load(conn)
}

/// The preservations `scope` covers that run out by `until`.
pub fn expiring(
    conn: &mut DbConn,
    scope: &PreservationScope,
    direction: Option<Direction>,
    until: NaiveDateTime,
) -> QueryResult<Vec<PreservationRow>> {
    preservations::table
        .select(PreservationRow::as_select())
        .filter(visible_to(scope, direction))
        .filter(preservations::expires_at.le(until))
        .load(conn)
}

/// Preservations that have run out and are not yet recorded as expired, oldest
/// expiry first: the sweeper's work.
pub fn run_out(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    let closed = [
        PreservationStatus::Released.as_str(),
        PreservationStatus::Expired.as_str(),
    ];
    preservations::table
        .filter(preservations::expires_at.le(now))
        .filter(preservations::status.ne_all(closed))
        .order(preservations::expires_at)
        .select(preservations::id)
        .limit(limit)
        .load(conn)
}

/// Preservations whose expiry is suspended while `mla_request_id` is decided.
pub fn suspended_for(conn: &mut DbConn, mla_request_id: &str) -> QueryResult<Vec<PreservationRow>> {
    preservations::table
        .filter(preservations::mla_request_id.eq(mla_request_id))
        .filter(preservations::suspended_seconds.is_not_null())
        .select(PreservationRow::as_select())
        .load(conn)
}

/// An MLA request as a preservation that it follows needs it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = mla_requests)]
pub struct FollowingRequest {
    pub id: String,
    pub requesting_country: String,
    pub requested_country: String,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
}

pub fn following_request(conn: &mut DbConn, id: &str) -> QueryResult<Option<FollowingRequest>> {
    mla_requests::table
        .find(id)
        .select(FollowingRequest::as_select())
        .get_result(conn)
        .optional()
}

/// Once the MLA request a preservation waits on is decided, the preservation's
/// expiry runs again with the time it had left. Called by the MLA request's kind in
/// the same batch as the decision.
pub fn resume_expiry(
    conn: &mut crate::db::DbConn,
    mla_request_id: &str,
    now: NaiveDateTime,
) -> crate::error::ApiResult<()> {
    for mut row in suspended_for(conn, mla_request_id)? {
        let read_at = row.version;
        row.expires_at = Some(now + chrono::Duration::seconds(row.suspended_seconds.unwrap_or(0)));
        row.suspended_seconds = None;
        row.version += 1;
        row.updated_at = now;
        if !update(conn, &row, read_at)? {
            return Err(crate::error::ApiError::Internal(anyhow::anyhow!(
                "preservation {} changed under the ledger's lock",
                row.id
            )));
        }
    }
    Ok(())
}

/// Preservations that run out by `until` (whoever may see them).
pub fn expiring_by(conn: &mut DbConn, until: NaiveDateTime) -> QueryResult<Vec<PreservationRow>> {
    preservations::table
        .select(PreservationRow::as_select())
        .filter(preservations::expires_at.le(until))
        .load(conn)
}

/// Every preservation, in no order.
pub fn every_preservation(conn: &mut DbConn) -> QueryResult<Vec<PreservationRow>> {
    preservations::table
        .select(PreservationRow::as_select())
        .load(conn)
}
