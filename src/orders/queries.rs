//! The SQL of orders.

use super::model::{OrderFilter, OrderRow, OrderStatus};
use super::scope::OrderScope;
use crate::db::schema::{case_participants, evidence_items, orders, request_entries};
use crate::db::{DbConn, MultiBackend};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConn, row: &OrderRow) -> QueryResult<()> {
    crate::insert_rows!(conn, orders::table, row).map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrderRow>> {
    orders::table
        .find(id)
        .select(OrderRow::as_select())
        .get_result(conn)
        .optional()
}

/// Writes `row` if the stored one is still at version `read_at`; whether it was.
pub fn update(conn: &mut DbConn, row: &OrderRow, read_at: i32) -> QueryResult<bool> {
    diesel::update(
        orders::table
            .filter(orders::id.eq(&row.id))
            .filter(orders::version.eq(read_at)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

/// A condition on orders.
type Condition =
    Box<dyn BoxableExpression<orders::table, MultiBackend, SqlType = diesel::sql_types::Bool>>;

fn nothing() -> Condition {
    Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"))
}

/// The orders the scope reaches as a case team: its agency's, and (prosecutors) those
/// of its state about cases its agency takes part in.
fn of_case_team(scope: &OrderScope) -> Condition {
    let team: Condition = match &scope.requesting_agency {
        Some(a) => Box::new(orders::requesting_agency_id.eq(a.clone())),
        None => nothing(),
    };
    let prosecuted: Condition = match &scope.prosecuting {
        Some(p) => Box::new(
            orders::requesting_country.eq(p.country.clone()).and(
                orders::case_id.eq_any(
                    case_participants::table
                        .filter(case_participants::agency_id.eq(p.agency_id.clone()))
                        .select(case_participants::case_id),
                ),
            ),
        ),
        None => nothing(),
    };
    Box::new(team.or(prosecuted))
}

/// The orders `scope` reaches: the list says what `access::visible` says.
fn visible_to(scope: &OrderScope) -> Condition {
    let unsent = [OrderStatus::Draft.as_str(), OrderStatus::Approved.as_str()];
    let provider: Condition = match &scope.provider {
        Some(p) => Box::new(
            orders::provider_id
                .eq(p.clone())
                .and(orders::status.ne_all(unsent)),
        ),
        None => nothing(),
    };
    let notified: Condition = match &scope.notified_country {
        Some(c) => Box::new(
            orders::provider_country
                .eq(c.clone())
                .and(orders::notified.eq(true))
                .and(orders::status.ne_all(unsent)),
        ),
        None => nothing(),
    };
    Box::new(of_case_team(scope).or(provider).or(notified))
}

/// A page of the orders `scope` reaches, newest first, after `after`, up to
/// `limit + 1`.
pub fn list(
    conn: &mut DbConn,
    scope: &OrderScope,
    filter: &OrderFilter,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut query = orders::table
        .select(OrderRow::as_select())
        .filter(visible_to(scope))
        .order(orders::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(order_type) = filter.order_type {
        query = query.filter(orders::order_type.eq(order_type.as_str()));
    }
    if let Some(provider) = &filter.provider_id {
        query = query.filter(orders::provider_id.eq(provider.clone()));
    }
    if let Some(case) = &filter.case_id {
        // A case's orders are listed to its team alone: from outside the case the
        // filter matches nothing, as for a case that does not exist.
        query = query
            .filter(orders::case_id.eq(case.clone()))
            .filter(of_case_team(scope));
    }
    if let Some(after) = after {
        query = query.filter(orders::id.lt(after));
    }
    query.load(conn)
}

/// How many items the providers registered under each of the orders `ids` (those
/// with none left out).
pub fn produced_counts(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, i64>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Option<String>, i64)> = evidence_items::table
        .filter(evidence_items::order_id.eq_any(ids))
        .group_by(evidence_items::order_id)
        .select((evidence_items::order_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| Some((id?, n)))
        .collect())
}

/// How many items the provider registered under the order.
pub fn produced_items(conn: &mut DbConn, order_id: &str) -> QueryResult<i64> {
    evidence_items::table
        .filter(evidence_items::order_id.eq(order_id))
        .count()
        .get_result(conn)
}

/// The statuses in which an order waits on its provider.
const WITH_PROVIDER: [&str; 5] = [
    "sent",
    "acknowledged",
    "clarification_asked",
    "clarification_given",
    "partially_produced",
];

/// The orders `scope` reaches that wait on their provider with a deadline (or the
/// end of an objection period) by `until`.
pub fn due(
    conn: &mut DbConn,
    scope: &OrderScope,
    until: chrono::NaiveDateTime,
) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .select(OrderRow::as_select())
        .filter(visible_to(scope))
        .filter(orders::status.eq_any(WITH_PROVIDER))
        .filter(
            orders::acknowledge_by
                .le(until)
                .or(orders::produce_by.le(until))
                .or(orders::objection_by.le(until)),
        )
        .load(conn)
}

/// Orders that wait on their provider past a deadline at `now`.
pub fn past_due(conn: &mut DbConn, now: chrono::NaiveDateTime) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .select(OrderRow::as_select())
        .filter(orders::status.eq_any(WITH_PROVIDER))
        .filter(
            orders::acknowledge_by
                .le(now)
                .or(orders::produce_by.le(now)),
        )
        .load(conn)
}

/// Every order that was sent, as replaying the figures needs it.
pub fn every_sent(conn: &mut DbConn) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::sent_at.is_not_null())
        .select(OrderRow::as_select())
        .load(conn)
}

/// The entries of every order's history after log index `after`, in the order they
/// were logged, up to `limit`.
pub fn history_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<crate::mla::queries::HistoryStep>> {
    request_entries::table
        .filter(request_entries::log_index.gt(after))
        .filter(request_entries::request_id.eq_any(orders::table.select(orders::id)))
        .order(request_entries::log_index)
        .limit(limit)
        .select((
            request_entries::log_index,
            request_entries::request_id,
            request_entries::entry_type,
            request_entries::created_at,
        ))
        .load(conn)
}
