//! Everything the monitoring page shows at once: every state's status review beside
//! the checklist, turnaround per pair of states, the trends per quarter and what is
//! overdue, each as its reader may see it.

use super::figures::{
    self, CaseFigure, FigureRow, Folding, Grouping, OverdueFigure, Period, RequestFigure,
    TurnaroundFigure, Viewer,
};
use super::queries;
use super::review::{ChecklistItem, StatusReview};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::mla::figures::{REQUESTS, TURNAROUND};
use chrono::NaiveDateTime;

/// The most states the page lists.
const STATES: i64 = 200;

/// The cases measures the figures read.
pub const CASE_MEASURES: [&str; 5] = [
    "cases.opened",
    "cases.referred",
    "cases.charged",
    "cases.closed",
    crate::custody::figures::INTEGRITY_ALERTS,
];

/// Every state's review, against the checklist.
pub struct Reviews {
    pub checklist: Vec<ChecklistItem>,
    pub reviews: Vec<StatusReview>,
}

/// The figures of the last four quarters, as the reader may see them.
pub struct Overview {
    pub period: Period,
    /// Per pair and stage, over the period.
    pub turnaround: Vec<TurnaroundFigure>,
    /// Per state, event and quarter.
    pub cases: Vec<CaseFigure>,
    /// Per pair and quarter.
    pub requests: Vec<RequestFigure>,
    /// The region's totals per quarter, for the trends (`None` where suppressed).
    pub case_trend: Vec<QuarterTotals>,
    pub request_trend: Vec<QuarterTotals>,
    pub overdue: Vec<OverdueFigure>,
}

/// A series' value for each quarter of the period, in order.
pub struct QuarterTotals {
    pub series: String,
    pub values: Vec<Option<i64>>,
}

/// The region's total per quarter of the `rows` a series counts: a total about
/// fewer than 5 is left out, whoever reads.
fn trend(
    rows: &[FigureRow],
    quarters: &[String],
    series: &str,
    counts: impl Fn(&FigureRow) -> bool,
) -> QuarterTotals {
    QuarterTotals {
        series: series.to_owned(),
        values: quarters
            .iter()
            .map(|q| {
                let n: i64 = rows
                    .iter()
                    .filter(|r| &r.quarter == q && counts(r))
                    .map(|r| r.count)
                    .sum();
                (n == 0 || n >= figures::SMALLEST_SHOWN).then_some(n)
            })
            .collect(),
    }
}

pub fn reviews(conn: &mut DbConn) -> ApiResult<Reviews> {
    let checklist = queries::checklist(conn)?;
    let states = crate::countries::queries::list(conn, None, STATES)?;
    let mut reviews = Vec::with_capacity(states.len());
    for state in &states {
        let row = queries::version_at(conn, &state.code, None)?;
        reviews.push(super::routes::view(
            conn,
            &state.code,
            row.as_ref(),
            &checklist,
        )?);
    }
    Ok(Reviews { checklist, reviews })
}

pub fn read(conn: &mut DbConn, viewer: &Viewer, now: NaiveDateTime) -> ApiResult<Overview> {
    let period = Period::of(None, None, now)?;
    let by_quarter = Grouping::of(Some("quarter"), &["quarter"], &[])?;
    let whole = Grouping::default();
    let case_rows = queries::figures(conn, &CASE_MEASURES, &period, Folding::cases(&by_quarter))?;
    let request_rows =
        queries::figures(conn, &[REQUESTS], &period, Folding::requests(&by_quarter))?;
    let turnaround_rows =
        queries::figures(conn, &[TURNAROUND], &period, Folding::turnaround(&whole))?;
    let quarters = period.quarters();
    // A case's total is its row without an offence.
    let case_trend = ["opened", "referred", "charged", "closed"]
        .iter()
        .map(|event| {
            let measure = format!("cases.{event}");
            trend(&case_rows, &quarters, event, |r| {
                r.measure == measure && r.dims.0.is_empty()
            })
        })
        .collect();
    let overdue = queries::overdue(conn, now)?;
    Ok(Overview {
        turnaround: figures::turnaround_figures(&turnaround_rows, &whole, viewer),
        cases: figures::case_figures(&case_rows, &by_quarter, viewer),
        requests: figures::request_figures(&request_rows, &by_quarter, viewer),
        case_trend,
        request_trend: vec![trend(&request_rows, &quarters, "submitted", |_| true)],
        overdue: figures::overdue_figures(&overdue, viewer),
        period,
    })
}
