//! The SQL of mutual legal assistance: legal bases and requests.

use super::basis::LegalBasisRow;
use super::events::RequestEntryRow;
use super::request::{Direction, MlaRequestRow, RequestFilter};
use super::scope::Scope;
use crate::db::schema::{case_participants, legal_bases, mla_requests, request_entries};
use crate::db::{DbConn, MultiBackend};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

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

/// The gapless numbering of requests, per requesting country and year: one table of
/// counters for each kind of request.
#[derive(Debug, Clone, Copy)]
pub enum Numbering {
    MlaRequests,
    Preservations,
    Orders,
}

impl Numbering {
    fn table(self) -> &'static str {
        match self {
            Numbering::MlaRequests => "mla_request_counters",
            Numbering::Preservations => "preservation_counters",
            Numbering::Orders => "order_counters",
        }
    }
}

/// The next number of a country and year. The upsert locks the counter row until the
/// transaction ends, so a rolled-back request gives its number back and concurrent
/// ones never share one.
pub fn next_number(
    conn: &mut DbConn,
    numbering: Numbering,
    country: &str,
    year: i32,
) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = Integer)]
        last_value: i32,
    }
    let table = numbering.table();
    diesel::sql_query(format!(
        "INSERT INTO {table} (country, year, last_value) VALUES ($1, $2, 1) \
         ON CONFLICT (country, year) DO UPDATE \
         SET last_value = {table}.last_value + 1 RETURNING last_value"
    ))
    .bind::<Text, _>(country)
    .bind::<Integer, _>(year)
    .get_result::<Last>(conn)
    .map(|l| l.last_value)
}

pub fn insert_request(conn: &mut DbConn, row: &MlaRequestRow) -> QueryResult<()> {
    diesel::insert_into(mla_requests::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn request(conn: &mut DbConn, id: &str) -> QueryResult<Option<MlaRequestRow>> {
    mla_requests::table
        .find(id)
        .select(MlaRequestRow::as_select())
        .get_result(conn)
        .optional()
}

/// Stores a changed request if it is still at the version it was read at; false when
/// another change came first.
pub fn update_request(conn: &mut DbConn, row: &MlaRequestRow, read_at: i32) -> QueryResult<bool> {
    diesel::update(mla_requests::table.find(&row.id))
        .filter(mla_requests::version.eq(read_at))
        .set(row)
        .execute(conn)
        .map(|n| n == 1)
}

/// A condition on requests.
type Condition = Box<
    dyn BoxableExpression<mla_requests::table, MultiBackend, SqlType = diesel::sql_types::Bool>,
>;

/// The requests `scope` covers, in one direction or both: the list, the deadlines
/// and the single request's check (`access::visible`) say the same.
fn visible_to(scope: &Scope, direction: Option<Direction>) -> Condition {
    let none = || -> Condition { Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")) };
    let mine = |agency: &Option<String>| -> Condition {
        match agency {
            Some(a) => Box::new(mla_requests::requesting_agency_id.eq(a.clone())),
            None => none(),
        }
    };
    let of_country = |country: &Option<String>| -> Condition {
        match country {
            Some(c) => Box::new(mla_requests::requesting_country.eq(c.clone())),
            None => none(),
        }
    };
    let to_country = |country: &Option<String>| -> Condition {
        match country {
            Some(c) => Box::new(
                mla_requests::requested_country
                    .eq(c.clone())
                    .and(mla_requests::submitted_at.is_not_null()),
            ),
            None => none(),
        }
    };
    let prosecuted = || -> Condition {
        match &scope.prosecuting {
            Some(p) => Box::new(
                mla_requests::requesting_country.eq(p.country.clone()).and(
                    mla_requests::case_id.eq_any(
                        case_participants::table
                            .filter(case_participants::agency_id.eq(p.agency_id.clone()))
                            .select(case_participants::case_id),
                    ),
                ),
            ),
            None => none(),
        }
    };
    let outgoing = || -> Condition {
        Box::new(
            mine(&scope.requesting_agency)
                .or(of_country(&scope.requesting_country))
                .or(prosecuted()),
        )
    };
    let incoming = || -> Condition {
        let executing: Condition = match &scope.executing_agency {
            Some(a) => Box::new(
                mla_requests::executing_agency_id
                    .assume_not_null()
                    .eq(a.clone()),
            ),
            None => none(),
        };
        Box::new(to_country(&scope.requested_country).or(executing))
    };
    match direction {
        Some(Direction::Outgoing) => outgoing(),
        Some(Direction::Incoming) => incoming(),
        None => Box::new(outgoing().or(incoming())),
    }
}

/// A page of the requests `scope` covers, newest first, after `after`, up to
/// `limit + 1`.
pub fn requests(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &RequestFilter,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<MlaRequestRow>> {
    let visible = visible_to(scope, filter.direction);
    let mut query = mla_requests::table
        .select(MlaRequestRow::as_select())
        .filter(visible)
        .order(mla_requests::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(mla_requests::status.eq(status.as_str()));
    }
    if let Some(case) = &filter.case_id {
        query = query.filter(mla_requests::case_id.eq(case.clone()));
    }
    if let Some(country) = &filter.requested_country {
        query = query.filter(mla_requests::requested_country.eq(country.clone()));
    }
    if let Some(after) = after {
        query = query.filter(mla_requests::id.lt(after));
    }
    query.load(conn)
}

/// The requests `scope` covers in `direction`, in one of `statuses` (and of one of
/// `cases`, when named), oldest first, up to `limit`: a desk's work.
pub fn requests_in(
    conn: &mut DbConn,
    scope: &Scope,
    direction: Option<Direction>,
    statuses: &[&str],
    cases: Option<&[String]>,
    limit: i64,
) -> QueryResult<Vec<MlaRequestRow>> {
    let mut query = mla_requests::table
        .select(MlaRequestRow::as_select())
        .filter(visible_to(scope, direction))
        .filter(mla_requests::status.eq_any(statuses.to_vec()))
        .order(mla_requests::id)
        .limit(limit)
        .into_boxed();
    if let Some(cases) = cases {
        query = query.filter(mla_requests::case_id.eq_any(cases.to_vec()));
    }
    query.load(conn)
}

pub fn insert_entries(conn: &mut DbConn, rows: &[RequestEntryRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(request_entries::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A request's history, oldest first.
pub fn entries(conn: &mut DbConn, request_id: &str) -> QueryResult<Vec<RequestEntryRow>> {
    request_entries::table
        .filter(request_entries::request_id.eq(request_id))
        .order(request_entries::seq)
        .select(RequestEntryRow::as_select())
        .load(conn)
}

/// Whether a request's history already holds an event of this type.
pub fn has_event(conn: &mut DbConn, request_id: &str, entry_type: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        request_entries::table
            .filter(request_entries::request_id.eq(request_id))
            .filter(request_entries::entry_type.eq(entry_type)),
    ))
    .get_result(conn)
}

/// The requests `scope` covers with a deadline running until `until` (or before):
/// a legal deadline, or a wanted-by date up to `until_date`.
pub fn requests_due(
    conn: &mut DbConn,
    scope: &Scope,
    direction: Option<Direction>,
    until: chrono::NaiveDateTime,
    until_date: String,
) -> QueryResult<Vec<MlaRequestRow>> {
    let open = ["executed", "closed", "refused", "withdrawn"];
    mla_requests::table
        .select(MlaRequestRow::as_select())
        .filter(visible_to(scope, direction))
        .filter(
            mla_requests::acknowledge_by
                .le(until)
                .or(mla_requests::decide_by.le(until))
                .or(mla_requests::execute_by.le(until))
                .or(mla_requests::wanted_by
                    .le(until_date)
                    .or(mla_requests::wanted_by.not_like(CANONICAL_DAY))
                    .and(mla_requests::status.ne_all(open))),
        )
        .load(conn)
}

/// The shape of a day as the API has taken it since days were checked strictly
/// (`2026-09-01`): such days compare as text as they do as days. A day stored in
/// another shape before (`2026-9-1`) is read whatever it says, and compared as a day
/// by the caller ([`super::deadlines::of_request`]); it is never rewritten, since a
/// submitted request's content is committed to the log as it was.
const CANONICAL_DAY: &str = "____-__-__";

/// Open requests with a legal deadline or a wanted-by date passed by `now` (and a
/// few more whose wanted-by day was stored in another shape: the caller compares).
pub fn requests_past_due(
    conn: &mut DbConn,
    now: chrono::NaiveDateTime,
) -> QueryResult<Vec<MlaRequestRow>> {
    let finished = ["executed", "closed", "refused", "withdrawn"];
    let yesterday = (now.date() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    mla_requests::table
        .select(MlaRequestRow::as_select())
        .filter(mla_requests::status.ne_all(finished))
        .filter(
            mla_requests::acknowledge_by
                .le(now)
                .or(mla_requests::decide_by.le(now))
                .or(mla_requests::execute_by.le(now))
                .or(mla_requests::wanted_by.le(yesterday))
                .or(mla_requests::wanted_by.not_like(CANONICAL_DAY)),
        )
        .load(conn)
}

/// Notes that a deadline was announced; false when it was already.
pub fn note_alert(
    conn: &mut DbConn,
    subject_kind: &str,
    subject_id: &str,
    deadline: &str,
    due_at: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    diesel::sql_query(
        "INSERT INTO deadline_alerts (subject_kind, subject_id, deadline, due_at, alerted_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(subject_kind)
    .bind::<Text, _>(subject_id)
    .bind::<Text, _>(deadline)
    .bind::<diesel::sql_types::Timestamp, _>(due_at)
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .execute(conn)
    .map(|n| n == 1)
}

/// Every request that was submitted, in no order.
pub fn every_submitted_request(conn: &mut DbConn) -> QueryResult<Vec<MlaRequestRow>> {
    mla_requests::table
        .filter(mla_requests::submitted_at.is_not_null())
        .select(MlaRequestRow::as_select())
        .load(conn)
}

/// An entry of a request's or a preservation's history, as replaying the figures
/// needs it.
#[derive(Queryable)]
pub struct HistoryStep {
    pub log_index: i64,
    pub request_id: String,
    pub entry_type: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The entries of every request's and preservation's history after log index
/// `after`, in the order they were logged, up to `limit`.
pub fn history_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<HistoryStep>> {
    request_entries::table
        .filter(request_entries::log_index.gt(after))
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
