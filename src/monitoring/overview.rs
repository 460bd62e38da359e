//! Everything the monitoring page shows at once: every state's status review beside
//! the checklist, turnaround per pair of states, the trends per quarter and what is
//! overdue, each as its reader may see it.

use super::figures::{
    self, CaseFigure, Grouping, OverdueFigure, Period, RequestFigure, TurnaroundFigure, Viewer,
};
use super::queries;
use super::review::{ChecklistItem, StatusReview};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::mla::figures::{REQUESTS, TURNAROUND};
use chrono::NaiveDateTime;

/// The most states the page lists.
const STATES: i64 = 200;

/// The cases measures the trends show.
pub const CASE_MEASURES: [&str; 5] = [
    "cases.opened",
    "cases.referred",
    "cases.charged",
    "cases.closed",
    "custody.integrity_alerts",
];

pub struct Overview {
    pub period: Period,
    pub checklist: Vec<ChecklistItem>,
    pub reviews: Vec<StatusReview>,
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

/// The quarters of `period`, in order.
pub fn quarters(period: &Period) -> Vec<String> {
    let parse = |q: &str| -> i32 {
        let (year, n) = q.split_once("-Q").unwrap_or(("0", "1"));
        year.parse::<i32>().unwrap_or(0) * 4 + n.parse::<i32>().unwrap_or(1) - 1
    };
    (parse(&period.from)..=parse(&period.to))
        .map(|i| format!("{}-Q{}", i / 4, i % 4 + 1))
        .collect()
}

/// Region totals per quarter: a total about fewer than 5 is left out, whoever reads.
fn trend(
    rows: &[figures::FigureRow],
    quarters: &[String],
    series: &[(&str, &str)],
) -> Vec<QuarterTotals> {
    series
        .iter()
        .map(|(measure, name)| QuarterTotals {
            series: (*name).to_owned(),
            values: quarters
                .iter()
                .map(|q| {
                    let n: i64 = rows
                        .iter()
                        .filter(|r| r.measure == *measure && &r.quarter == q && r.dims.0.is_empty())
                        .map(|r| r.count)
                        .sum();
                    (n == 0 || n >= figures::SMALLEST_SHOWN).then_some(n)
                })
                .collect(),
        })
        .collect()
}

pub fn read(conn: &mut DbConn, viewer: &Viewer, now: NaiveDateTime) -> ApiResult<Overview> {
    let period = Period::of(None, None, now)?;
    let states = crate::countries::queries::list(conn, None, STATES)?;
    let mut reviews = Vec::with_capacity(states.len());
    for state in &states {
        let row = queries::version_at(conn, &state.code, None)?;
        reviews.push(super::routes::view(conn, &state.code, row.as_ref())?);
    }
    let by_quarter = Grouping::of(Some("quarter"), &["quarter"], &[])?;
    let whole = Grouping::default();
    let case_rows = queries::figures(conn, &CASE_MEASURES, &period)?;
    let request_rows = queries::figures(conn, &[REQUESTS], &period)?;
    let turnaround_rows = queries::figures(conn, &[TURNAROUND], &period)?;
    let quarters = quarters(&period);
    let case_trend = trend(
        &case_rows,
        &quarters,
        &[
            ("cases.opened", "opened"),
            ("cases.referred", "referred"),
            ("cases.charged", "charged"),
            ("cases.closed", "closed"),
        ],
    );
    let requests_total = QuarterTotals {
        series: "submitted".into(),
        values: quarters
            .iter()
            .map(|q| {
                let n: i64 = request_rows
                    .iter()
                    .filter(|r| &r.quarter == q)
                    .map(|r| r.count)
                    .sum();
                (n == 0 || n >= figures::SMALLEST_SHOWN).then_some(n)
            })
            .collect(),
    };
    let overdue = queries::overdue(conn, now)?;
    Ok(Overview {
        checklist: queries::checklist(conn)?,
        reviews,
        turnaround: figures::turnaround_figures(&turnaround_rows, &whole, viewer),
        cases: figures::case_figures(&case_rows, &by_quarter, viewer),
        requests: figures::request_figures(&request_rows, &by_quarter, viewer),
        case_trend,
        request_trend: vec![requests_total],
        overdue: figures::overdue_figures(&overdue, viewer),
        period,
    })
}
