//! The SQL of status reviews and their checklist, and of the figures' counters.

use super::figures::{FigureRow, Folding, Period};
use super::review::{ChecklistItem, Designation, ReviewRow};
use crate::db::schema::{agencies, checklist_items, status_reviews, users};
use crate::db::{DbConn, MultiBackend};
use crate::mla::deadlines::DeadlineKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

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

/// A counter summed over the columns a table does not keep apart.
#[derive(QueryableByName)]
struct SummedCounter {
    #[diesel(sql_type = Text)]
    measure: String,
    #[diesel(sql_type = Text)]
    country: String,
    #[diesel(sql_type = Text)]
    counterpart: String,
    #[diesel(sql_type = Text)]
    quarter: String,
    #[diesel(sql_type = Text)]
    dim1: String,
    #[diesel(sql_type = Text)]
    dim2: String,
    #[diesel(sql_type = Text)]
    dim3: String,
    #[diesel(sql_type = Integer)]
    bucket: i32,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// The counters of `measures` in the quarters of `period`, added up by the database
/// over the columns `folding` does not keep (read as empty), those that sum to zero
/// left out.
pub fn figures(
    conn: &mut DbConn,
    measures: &[&str],
    period: &Period,
    folding: Folding,
) -> QueryResult<Vec<FigureRow>> {
    let columns = [
        ("quarter", folding.quarter),
        ("dim1", folding.dims[0]),
        ("dim2", folding.dims[1]),
        ("dim3", folding.dims[2]),
    ];
    let kept: Vec<&str> = columns
        .iter()
        .filter(|(_, keep)| *keep)
        .map(|(c, _)| *c)
        .collect();
    let selected: Vec<String> = columns
        .iter()
        .map(|(c, keep)| {
            if *keep {
                (*c).to_owned()
            } else {
                format!("'' AS {c}")
            }
        })
        .collect();
    let measure_params: Vec<String> = (1..=measures.len()).map(|i| format!("${i}")).collect();
    let n = measures.len();
    let sql = format!(
        "SELECT measure, country, counterpart, {selected}, bucket, \
         CAST(SUM(count) AS BIGINT) AS count \
         FROM figures WHERE measure IN ({measure_params}) AND quarter >= ${from} AND quarter <= ${to} \
         GROUP BY measure, country, counterpart, {kept}bucket \
         HAVING SUM(count) <> 0",
        selected = selected.join(", "),
        measure_params = measure_params.join(", "),
        from = n + 1,
        to = n + 2,
        kept = kept.iter().map(|c| format!("{c}, ")).collect::<String>(),
    );
    let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
    for m in measures {
        query = query.bind::<Text, _>(*m);
    }
    let rows: Vec<SummedCounter> = query
        .bind::<Text, _>(&period.from)
        .bind::<Text, _>(&period.to)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| FigureRow {
            measure: r.measure,
            country: r.country,
            counterpart: r.counterpart,
            quarter: r.quarter,
            dims: crate::ledger::tally::Dimensions {
                first: r.dim1,
                second: r.dim2,
                third: r.dim3,
            },
            bucket: r.bucket,
            count: r.count,
        })
        .collect())
}

/// Every deadline of an MLA request that has passed with the request still open, by
/// the state that owes it (the requested state) and the kind of deadline; and every
/// deadline an order's provider let pass (`order_acknowledge`, `order_produce`), by
/// the state where the provider is established. A request
/// owes the requested state nothing before it is submitted: a draft's wanted-by day
/// is its own team's (their deadline list shows it), not an overdue of that state.
pub fn overdue(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Vec<super::figures::OverdueDeadline>> {
    Ok(crate::mla::queries::requests_past_due(conn, now)?
        .iter()
        .filter(|row| row.submitted_at.is_some())
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
        .chain(
            // An order's overdue deadlines are its provider's, counted under the
            // state where the provider is established, apart from requests'.
            crate::orders::queries::past_due(conn, now)?
                .iter()
                .flat_map(|row| {
                    crate::orders::deadlines::missed(row, now)
                        .into_iter()
                        .map(|(kind, _)| super::figures::OverdueDeadline {
                            country: row.provider_country.clone(),
                            deadline: match kind {
                                DeadlineKind::Acknowledge => DeadlineKind::OrderAcknowledge,
                                _ => DeadlineKind::OrderProduce,
                            }
                            .as_str(),
                        })
                        .collect::<Vec<_>>()
                }),
        )
        .collect())
}

/// The histogram rows of `measure` in the quarters of `period`.
pub fn histograms(
    conn: &mut DbConn,
    measure: &str,
    period: &Period,
) -> QueryResult<Vec<super::figures::HistogramRow>> {
    diesel::sql_query(
        "SELECT country, counterpart, quarter, dim1, entries FROM figure_histograms \
         WHERE measure = $1 AND quarter >= $2 AND quarter <= $3",
    )
    .into_boxed::<MultiBackend>()
    .bind::<Text, _>(measure)
    .bind::<Text, _>(&period.from)
    .bind::<Text, _>(&period.to)
    .load(conn)
}
