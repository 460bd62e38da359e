//! The region's figures as monitors read them: the ledger's counters (see
//! `ledger::tally`) summed over a period and grouped as asked, turnaround medians and
//! 90th percentiles from their histograms, and small counts suppressed for whoever is
//! outside the states a figure concerns.

use crate::error::{ApiError, ApiResult};
use crate::observability::OverdueCount;
use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Below this, a count is shown only inside the states it concerns.
pub const SMALLEST_SHOWN: i64 = 5;

/// A counter as stored.
#[derive(Debug, Clone, diesel::Queryable)]
pub struct FigureRow {
    pub measure: String,
    pub country: String,
    pub counterpart: String,
    pub quarter: String,
    pub dims: (String, String, String),
    pub bucket: i32,
    pub count: i64,
}

/// A period of whole quarters, `from` to `to`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Period {
    #[schema(example = "2026-Q1")]
    pub from: String,
    #[schema(example = "2026-Q4")]
    pub to: String,
}

fn parse_quarter(text: &str) -> Option<(i32, u32)> {
    let (year, q) = text.split_once("-Q")?;
    let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y))?;
    let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
    (text.len() == 7).then_some((year, q))
}

fn quarter_name((year, q): (i32, u32)) -> String {
    format!("{year}-Q{q}")
}

impl Period {
    /// Its quarters, in order.
    pub fn quarters(&self) -> Vec<String> {
        let index = |q: &str| parse_quarter(q).map_or(0, |(y, n)| y * 4 + n as i32 - 1);
        (index(&self.from)..=index(&self.to))
            .map(|i| quarter_name((i / 4, (i % 4) as u32 + 1)))
            .collect()
    }

    /// The period asked for; by default the four quarters up to and including the one
    /// of `now`.
    pub fn of(from: Option<&str>, to: Option<&str>, now: NaiveDateTime) -> ApiResult<Period> {
        let bad = |field: &str| {
            ApiError::validation(
                field,
                "must be a quarter from 2000-Q1 to 2100-Q4, such as 2026-Q3",
            )
        };
        let current = (now.year(), now.month0() / 3 + 1);
        let to = match to {
            Some(t) => parse_quarter(t).ok_or_else(|| bad("to"))?,
            None => current,
        };
        let from = match from {
            Some(f) => parse_quarter(f).ok_or_else(|| bad("from"))?,
            None => {
                let index = to.0 * 4 + to.1 as i32 - 1 - 3;
                (index / 4, (index % 4) as u32 + 1)
            }
        };
        if from > to {
            return Err(ApiError::validation("from", "must not come after `to`"));
        }
        Ok(Period {
            from: quarter_name(from),
            to: quarter_name(to),
        })
    }
}

/// Who reads a figure: exact counts of the states a figure concerns are theirs.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub country: String,
}

impl Viewer {
    /// A count as this viewer may see it: `None` (suppressed) when it is about fewer
    /// than five and the viewer is outside every state it concerns.
    pub fn count(&self, count: i64, concerns: &[&str]) -> Option<i64> {
        let inside = concerns.contains(&self.country.as_str());
        (inside || count == 0 || count >= SMALLEST_SHOWN).then_some(count)
    }
}

/// The median and the 90th percentile of a histogram of tenths of a day, in days:
/// the median is the middle value (the mean of the two middle ones for an even
/// count), the 90th percentile the value at rank ⌈0.9·n⌉.
pub fn median_and_p90(histogram: &BTreeMap<i32, i64>) -> Option<(f64, f64)> {
    let n: i64 = histogram.values().sum();
    if n <= 0 {
        return None;
    }
    let at_rank = |rank: i64| -> i32 {
        let mut seen = 0;
        for (bucket, count) in histogram {
            seen += count;
            if seen >= rank {
                return *bucket;
            }
        }
        *histogram.keys().last().unwrap_or(&0)
    };
    let median = if n % 2 == 1 {
        f64::from(at_rank(n / 2 + 1))
    } else {
        (f64::from(at_rank(n / 2)) + f64::from(at_rank(n / 2 + 1))) / 2.0
    };
    let p90 = f64::from(at_rank((n * 9 + 9) / 10));
    Some((median / 10.0, p90 / 10.0))
}

/// The columns of each table as CSV, in their order.
pub const CASE_COLUMNS: [&str; 6] = [
    "country",
    "quarter",
    "offence",
    "event",
    "count",
    "suppressed",
];
pub const REQUEST_COLUMNS: [&str; 9] = [
    "requesting_country",
    "requested_country",
    "quarter",
    "request_type",
    "legal_basis",
    "assistance_type",
    "outcome",
    "count",
    "suppressed",
];
pub const TURNAROUND_COLUMNS: [&str; 9] = [
    "requesting_country",
    "requested_country",
    "stage",
    "quarter",
    "legal_basis",
    "count",
    "median_days",
    "p90_days",
    "suppressed",
];
pub const OVERDUE_COLUMNS: [&str; 4] = ["country", "deadline", "count", "suppressed"];

/// A deadline passed, by the state that owes it.
#[derive(Debug, Clone)]
pub struct OverdueDeadline {
    pub country: String,
    pub deadline: &'static str,
}

/// How a figure endpoint groups its rows, from `group_by=quarter,offence`.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    names: Vec<String>,
}

impl Grouping {
    /// The names asked for, each one of `allowed` (422 otherwise); `default` when
    /// none is given.
    pub fn of(text: Option<&str>, allowed: &[&str], default: &[&str]) -> ApiResult<Grouping> {
        let names: Vec<String> = match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.split(',').map(|n| n.trim().to_owned()).collect(),
            None => default.iter().map(|n| (*n).to_owned()).collect(),
        };
        if let Some(bad) = names.iter().find(|n| !allowed.contains(&n.as_str())) {
            return Err(ApiError::validation(
                "group_by",
                format!("`{bad}` is not one of: {}", allowed.join(", ")),
            ));
        }
        Ok(Grouping { names })
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// Keeps `value` when grouped by it.
fn kept(grouping: &Grouping, name: &str, value: &str) -> Option<String> {
    grouping.has(name).then(|| value.to_owned())
}

/// How many cases a state's agencies opened, referred to prosecution, charged and
/// closed, and how many hash checks of their evidence failed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseFigure {
    #[schema(example = "JM")]
    pub country: String,
    /// With `group_by=quarter`.
    pub quarter: Option<String>,
    /// With `group_by=offence` (a case of two offences counts under each).
    pub offence: Option<String>,
    /// `opened`, `referred`, `charged` or `closed`; or `integrity_alerts`, the failed
    /// hash checks of the state's evidence (not by offence).
    pub event: String,
    /// `null` when suppressed.
    pub count: Option<i64>,
    /// About fewer than 5 cases, and the reader outside the state.
    pub suppressed: bool,
}

pub fn case_figures(rows: &[FigureRow], grouping: &Grouping, viewer: &Viewer) -> Vec<CaseFigure> {
    let by_offence = grouping.has("offence");
    let mut sums: BTreeMap<(String, Option<String>, Option<String>, String), i64> = BTreeMap::new();
    for r in rows {
        if by_offence == r.dims.0.is_empty() {
            continue;
        }
        let event = r.measure.rsplit('.').next().unwrap_or_default().to_owned();
        let key = (
            r.country.clone(),
            kept(grouping, "quarter", &r.quarter),
            kept(grouping, "offence", &r.dims.0),
            event,
        );
        *sums.entry(key).or_insert(0) += r.count;
    }
    sums.into_iter()
        .map(|((country, quarter, offence, event), n)| {
            let count = viewer.count(n, &[&country]);
            CaseFigure {
                suppressed: count.is_none(),
                count,
                country,
                quarter,
                offence,
                event,
            }
        })
        .collect()
}

/// Requests between a pair of states: sent by the one, received by the other.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestFigure {
    #[schema(example = "JM")]
    pub requesting_country: String,
    #[schema(example = "TT")]
    pub requested_country: String,
    /// With `group_by=quarter`: the quarter the requests were submitted in.
    pub quarter: Option<String>,
    /// `mla` or `preservation`.
    pub request_type: String,
    /// With `group_by=legal_basis`.
    pub legal_basis: Option<String>,
    /// With `group_by=assistance_type` (a request seeking two counts under each).
    pub assistance_type: Option<String>,
    /// With `group_by=outcome`: for MLA requests `pending`, `accepted`,
    /// `partially_executed`, `executed`, `refused` or `withdrawn`; for preservations
    /// `pending`, `preserved`, `released`, `expired` (after the MLA request that
    /// followed was decided) or `expired_before_request` (no MLA request followed in
    /// time).
    pub outcome: Option<String>,
    pub count: Option<i64>,
    /// About fewer than 5 requests, and the reader outside both states.
    pub suppressed: bool,
}

type RequestKey = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub fn request_figures(
    rows: &[FigureRow],
    grouping: &Grouping,
    viewer: &Viewer,
) -> Vec<RequestFigure> {
    let by_assistance = grouping.has("assistance_type");
    let mut sums: BTreeMap<RequestKey, i64> = BTreeMap::new();
    for r in rows {
        let (basis, assistance) = if by_assistance {
            (None, Some(r.dims.1.clone()))
        } else {
            (kept(grouping, "legal_basis", &r.dims.1), None)
        };
        let key = (
            r.country.clone(),
            r.counterpart.clone(),
            kept(grouping, "quarter", &r.quarter),
            r.dims.0.clone(),
            basis,
            assistance,
            kept(grouping, "outcome", &r.dims.2),
        );
        *sums.entry(key).or_insert(0) += r.count;
    }
    sums.into_iter()
        .filter(|(_, n)| *n != 0)
        .map(
            |((requesting, requested, quarter, kind, basis, assistance, outcome), n)| {
                let count = viewer.count(n, &[&requesting, &requested]);
                RequestFigure {
                    suppressed: count.is_none(),
                    count,
                    requesting_country: requesting,
                    requested_country: requested,
                    quarter,
                    request_type: kind,
                    legal_basis: basis,
                    assistance_type: assistance,
                    outcome,
                }
            },
        )
        .collect()
}

/// How long a pair of states took, from submission to a stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TurnaroundFigure {
    #[schema(example = "JM")]
    pub requesting_country: String,
    #[schema(example = "TT")]
    pub requested_country: String,
    /// `acknowledged`, `decided` (accepted or refused) or `executed`.
    pub stage: String,
    /// With `group_by=quarter`: the quarter the stage was reached in.
    pub quarter: Option<String>,
    /// With `group_by=legal_basis`.
    pub legal_basis: Option<String>,
    /// Requests that reached the stage in the period.
    pub count: Option<i64>,
    /// Days, to a tenth.
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    /// About fewer than 5 requests, and the reader outside both states.
    pub suppressed: bool,
}

type TurnaroundKey = (String, String, String, Option<String>, Option<String>);

pub fn turnaround_figures(
    rows: &[FigureRow],
    grouping: &Grouping,
    viewer: &Viewer,
) -> Vec<TurnaroundFigure> {
    let mut histograms: BTreeMap<TurnaroundKey, BTreeMap<i32, i64>> = BTreeMap::new();
    for r in rows {
        let key = (
            r.country.clone(),
            r.counterpart.clone(),
            r.dims.0.clone(),
            kept(grouping, "quarter", &r.quarter),
            kept(grouping, "legal_basis", &r.dims.1),
        );
        *histograms
            .entry(key)
            .or_default()
            .entry(r.bucket)
            .or_insert(0) += r.count;
    }
    histograms
        .into_iter()
        .filter_map(
            |((requesting, requested, stage, quarter, basis), histogram)| {
                let n: i64 = histogram.values().sum();
                let (median, p90) = median_and_p90(&histogram)?;
                let count = viewer.count(n, &[&requesting, &requested]);
                let shown = count.is_some();
                Some(TurnaroundFigure {
                    suppressed: !shown,
                    count,
                    median_days: shown.then_some(median),
                    p90_days: shown.then_some(p90),
                    requesting_country: requesting,
                    requested_country: requested,
                    stage,
                    quarter,
                    legal_basis: basis,
                })
            },
        )
        .collect()
}

/// Deadlines passed now, by the state that owes them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueFigure {
    #[schema(example = "TT")]
    pub country: String,
    /// `acknowledge`, `decide`, `execute` or `wanted_by`.
    pub deadline: String,
    pub count: Option<i64>,
    /// About fewer than 5 requests, and the reader outside the state.
    pub suppressed: bool,
}

/// How many deadlines of each kind each state has let pass, exactly (the gauge's).
pub fn overdue_counts(overdue: &[OverdueDeadline]) -> Vec<OverdueCount> {
    let mut sums: BTreeMap<(&str, &'static str), i64> = BTreeMap::new();
    for o in overdue {
        *sums.entry((&o.country, o.deadline)).or_insert(0) += 1;
    }
    sums.into_iter()
        .map(|((country, deadline), count)| OverdueCount {
            country: country.to_owned(),
            deadline: deadline.to_owned(),
            count,
        })
        .collect()
}

pub fn overdue_figures(overdue: &[OverdueDeadline], viewer: &Viewer) -> Vec<OverdueFigure> {
    overdue_counts(overdue)
        .into_iter()
        .map(|c| {
            let count = viewer.count(c.count, &[&c.country]);
            OverdueFigure {
                suppressed: count.is_none(),
                count,
                country: c.country,
                deadline: c.deadline,
            }
        })
        .collect()
}

/// Rows as CSV (RFC 4180): the columns named, in their order, from each row's JSON
/// members; `null` is an empty cell.
pub fn csv<T: Serialize>(columns: &[&str], rows: &[T]) -> String {
    let cell = |v: Option<&serde_json::Value>| -> String {
        let text = match v {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    };
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for row in rows {
        let value = serde_json::to_value(row).unwrap_or_default();
        let line: Vec<String> = columns.iter().map(|c| cell(value.get(*c))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(tenths: &[i32]) -> BTreeMap<i32, i64> {
        let mut h = BTreeMap::new();
        for t in tenths {
            *h.entry(*t).or_insert(0) += 1;
        }
        h
    }

    #[test]
    fn medians_and_90th_percentiles_by_hand() {
        assert_eq!(median_and_p90(&histogram(&[])), None);
        assert_eq!(median_and_p90(&histogram(&[30])), Some((3.0, 3.0)));
        // 1, 2, 4, 10 days: the median between 2 and 4, rank ⌈3.6⌉ = 4 is 10.
        assert_eq!(
            median_and_p90(&histogram(&[10, 20, 40, 100])),
            Some((3.0, 10.0))
        );
        // Ten values 1..10 days: median 5.5, rank 9 is 9.
        let ten: Vec<i32> = (1..=10).map(|d| d * 10).collect();
        assert_eq!(median_and_p90(&histogram(&ten)), Some((5.5, 9.0)));
        // Eleven: rank ⌈9.9⌉ = 10.
        let eleven: Vec<i32> = (1..=11).map(|d| d * 10).collect();
        assert_eq!(median_and_p90(&histogram(&eleven)), Some((6.0, 10.0)));
    }

    #[test]
    fn periods_default_to_the_last_four_quarters_and_refuse_nonsense() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 2, 10)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let p = Period::of(None, None, now).unwrap();
        assert_eq!((p.from.as_str(), p.to.as_str()), ("2025-Q2", "2026-Q1"));
        let p = Period::of(Some("2024-Q4"), Some("2025-Q1"), now).unwrap();
        assert_eq!((p.from.as_str(), p.to.as_str()), ("2024-Q4", "2025-Q1"));
        assert!(Period::of(Some("2026-Q5"), None, now).is_err());
        assert!(Period::of(Some("2026-Q01"), None, now).is_err());
        assert!(Period::of(Some("2026-Q2"), Some("2026-Q1"), now).is_err());
        let p = Period::of(Some("2025-Q3"), Some("2026-Q2"), now).unwrap();
        assert_eq!(p.quarters(), ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]);
    }

    #[test]
    fn small_counts_are_shown_only_inside_the_states_they_concern() {
        let jm = Viewer {
            country: "JM".into(),
        };
        assert_eq!(jm.count(3, &["JM", "TT"]), Some(3));
        assert_eq!(jm.count(3, &["BB", "TT"]), None);
        assert_eq!(jm.count(4, &["BB"]), None);
        assert_eq!(jm.count(5, &["BB"]), Some(5));
        assert_eq!(jm.count(0, &["BB"]), Some(0));
    }
}
