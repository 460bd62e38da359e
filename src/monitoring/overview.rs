//! Everything the monitoring page shows at once: every state's status review beside
//! the checklist, turnaround per pair of states, the trends per quarter, what is
//! overdue, and how providers answer orders, each as its reader may see it.

use super::figures::{
    self, CaseFigure, FigureRow, Folding, Grouping, OverdueFigure, Period, RequestFigure,
    TurnaroundFigure, Viewer,
};
use super::order_figures::{self, EmergencyFigure, OrderFigure, OrderTurnaroundFigure};
use super::queries;
use super::review::{ChecklistItem, StatusReview};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::mla::figures::{REQUESTS, TURNAROUND};
use crate::orders::figures::{EMERGENCIES, ORDER_TURNAROUND, ORDERS};
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
    /// The region's totals per quarter, for the trends (`None` where a single hidden
    /// figure could be worked out from it, or it is about fewer than five).
    pub case_trend: Vec<QuarterTotals>,
    pub request_trend: Vec<QuarterTotals>,
    pub overdue: Vec<OverdueFigure>,
    /// Orders to providers per pair and provider, over the period.
    pub orders: Vec<OrderFigure>,
    pub order_turnaround: Vec<OrderTurnaroundFigure>,
    pub emergencies: Vec<EmergencyFigure>,
}

/// A series' value for each quarter of the period, in order.
pub struct QuarterTotals {
    pub series: String,
    pub values: Vec<Option<i64>>,
}

/// The region's total per quarter of a series: its exact value where the reader may
/// see it ([`figures::total`]), given the exact total of each quarter and how many of
/// the figures it adds up are hidden from the reader.
fn trend(
    quarters: &[String],
    series: &str,
    exact: impl Fn(&str) -> i64,
    hidden: impl Fn(&str) -> usize,
) -> QuarterTotals {
    QuarterTotals {
        series: series.to_owned(),
        values: quarters
            .iter()
            .map(|q| figures::total(exact(q), hidden(q)))
            .collect(),
    }
}

/// The exact sum of the counters of `rows` that `counts` keeps, in `quarter`.
fn sum_in(rows: &[FigureRow], quarter: &str, counts: impl Fn(&FigureRow) -> bool) -> i64 {
    rows.iter()
        .filter(|r| r.quarter == quarter && counts(r))
        .map(|r| r.count)
        .sum()
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
    let turnaround_rows = queries::histograms(conn, TURNAROUND, &period)?;
    let quarters = period.quarters();
    let cases = figures::case_figures(&case_rows, &by_quarter, viewer);
    let requests = figures::request_figures(&request_rows, &by_quarter, viewer);
    // A case's total is its row without an offence; the trends add up the states'
    // figures of the tables below, each as hidden as the reader's table has it.
    let case_trend = ["opened", "referred", "charged", "closed"]
        .iter()
        .map(|event| {
            let measure = format!("cases.{event}");
            trend(
                &quarters,
                event,
                |q| {
                    sum_in(&case_rows, q, |r| {
                        r.measure == measure
                            && crate::cases::figures::CaseDims::of(&r.dims)
                                .offence
                                .is_empty()
                    })
                },
                |q| {
                    cases
                        .iter()
                        .filter(|f| f.quarter.as_deref() == Some(q) && f.event == *event)
                        .filter(|f| f.suppressed)
                        .count()
                },
            )
        })
        .collect();
    let request_trend = vec![trend(
        &quarters,
        "submitted",
        |q| sum_in(&request_rows, q, |_| true),
        |q| {
            requests
                .iter()
                .filter(|f| f.quarter.as_deref() == Some(q) && f.suppressed)
                .count()
        },
    )];
    let overdue = queries::overdue(conn, now)?;
    let by_provider = Grouping::of(Some("provider"), &["provider"], &[])?;
    let order_rows = queries::figures(
        conn,
        &[ORDERS],
        &period,
        Folding::orders(&by_provider, false),
    )?;
    let emergency_rows = queries::figures(
        conn,
        &[EMERGENCIES],
        &period,
        Folding::orders(&by_provider, true),
    )?;
    let order_turnaround_rows = queries::histograms(conn, ORDER_TURNAROUND, &period)?;
    let mut providers = order_figures::providers_named(&order_rows);
    providers.extend(order_figures::providers_named(&emergency_rows));
    providers.extend(order_figures::providers_in_histograms(
        &order_turnaround_rows,
    ));
    providers.sort();
    providers.dedup();
    let names = crate::agencies::queries::names(conn, &providers)?;
    Ok(Overview {
        orders: order_figures::order_figures(&order_rows, &by_provider, viewer, &names),
        order_turnaround: order_figures::turnaround_figures(
            &order_turnaround_rows,
            &by_provider,
            viewer,
            &names,
        ),
        emergencies: order_figures::emergency_figures(
            &emergency_rows,
            &by_provider,
            viewer,
            &names,
        ),
        turnaround: figures::turnaround_from_histograms(&turnaround_rows, &whole, viewer),
        cases,
        requests,
        case_trend,
        request_trend,
        overdue: figures::overdue_figures(&overdue, viewer),
        period,
    })
}
