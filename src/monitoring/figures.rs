//! The region's figures as monitors read them: the ledger's counters (see
//! `ledger::tally`) summed over a period and grouped as asked, turnaround medians and
//! 90th percentiles from their histograms, and small counts suppressed for whoever is
//! outside the states a figure concerns.

use crate::cases::figures::CaseDims;
use crate::error::{ApiError, ApiResult};
use crate::ledger::tally::Dimensions;
use crate::mla::figures::{RequestDims, TurnaroundDims};
use crate::observability::OverdueCount;
use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
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
    pub dims: Dimensions,
    pub bucket: i32,
    pub count: i64,
}

/// A histogram row as stored: its entries hold the second and third dimensions, the
/// bucket and the count of each tally (see `ledger::tally::histogram_entries`).
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct HistogramRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub country: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub counterpart: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub quarter: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub dim1: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub entries: String,
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

/// A figure before it is shown: the values it is grouped by, in order (`None` for a
/// dimension not grouped by), its exact count, and the states it concerns.
pub struct Cell<'a> {
    pub key: Vec<Option<&'a str>>,
    pub count: i64,
    pub concerns: [&'a str; 2],
}

impl Viewer {
    /// The counts of a table as this viewer may see them. A count about fewer than
    /// five is hidden outside the states it concerns ([`Viewer::count`]); and since a
    /// reader can ask for the same table grouped by one dimension fewer and subtract
    /// what is shown from its total, a hidden count never stands alone among the
    /// figures that differ from it only in one of the `free` dimensions (the
    /// positions of `key` a reader may leave out of the grouping): the smallest count
    /// shown beside it is hidden too, until no hidden count stands alone.
    pub fn counts(&self, cells: &[Cell<'_>], free: &[usize]) -> Vec<Option<i64>> {
        let mut hidden: Vec<bool> = cells
            .iter()
            .map(|c| self.count(c.count, &c.concerns).is_none())
            .collect();
        loop {
            let mut more = false;
            for &d in free {
                let mut beside: HashMap<Vec<Option<&str>>, Vec<usize>> = HashMap::new();
                for (i, c) in cells.iter().enumerate() {
                    let mut key = c.key.clone();
                    if let Some(slot) = key.get_mut(d) {
                        *slot = None;
                    }
                    beside.entry(key).or_default().push(i);
                }
                for members in beside.values() {
                    if members.iter().filter(|&&i| hidden[i]).count() != 1 {
                        continue;
                    }
                    let smallest = members
                        .iter()
                        .copied()
                        .filter(|&i| !hidden[i] && cells[i].count != 0)
                        .filter(|&i| !cells[i].concerns.contains(&self.country.as_str()))
                        .min_by_key(|&i| (cells[i].count, i));
                    if let Some(i) = smallest {
                        hidden[i] = true;
                        more = true;
                    }
                }
            }
            if !more {
                break;
            }
        }
        cells
            .iter()
            .zip(hidden)
            .map(|(c, hidden)| (!hidden).then_some(c.count))
            .collect()
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

/// Which of a counter's columns a table keeps apart; the others are added up by the
/// database (and read as empty), so that it sends a row per figure's bucket rather
/// than one per counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folding {
    pub quarter: bool,
    pub dims: [bool; 3],
}

impl Folding {
    /// Case figures: by offence or not (a case's total is its row without one).
    pub fn cases(grouping: &Grouping) -> Folding {
        Folding {
            quarter: grouping.has("quarter"),
            dims: [true, false, false],
        }
    }

    /// Request figures: `[request type, legal basis or assistance type, outcome]`.
    pub fn requests(grouping: &Grouping) -> Folding {
        Folding {
            quarter: grouping.has("quarter"),
            dims: [
                true,
                grouping.has("legal_basis") || grouping.has("assistance_type"),
                grouping.has("outcome"),
            ],
        }
    }

    /// Turnaround: `[stage, legal basis, ""]`, by bucket.
    pub fn turnaround(grouping: &Grouping) -> Folding {
        Folding {
            quarter: grouping.has("quarter"),
            dims: [true, grouping.has("legal_basis"), false],
        }
    }
}

/// Keeps `value` when grouped by it.
pub(super) fn kept(grouping: &Grouping, name: &str, value: &str) -> Option<String> {
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
    /// About fewer than 5 cases, or hidden so that one that is cannot be worked out
    /// from a total; and the reader outside the state.
    pub suppressed: bool,
}

/// What a case figure is summed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CaseKey {
    country: String,
    quarter: Option<String>,
    offence: Option<String>,
    event: String,
}

pub fn case_figures(rows: &[FigureRow], grouping: &Grouping, viewer: &Viewer) -> Vec<CaseFigure> {
    let by_offence = grouping.has("offence");
    let mut sums: BTreeMap<CaseKey, i64> = BTreeMap::new();
    for r in rows {
        let dims = CaseDims::of(&r.dims);
        if by_offence == dims.offence.is_empty() {
            continue;
        }
        let key = CaseKey {
            country: r.country.clone(),
            quarter: kept(grouping, "quarter", &r.quarter),
            offence: kept(grouping, "offence", dims.offence),
            event: r.measure.rsplit('.').next().unwrap_or_default().to_owned(),
        };
        *sums.entry(key).or_insert(0) += r.count;
    }
    let cells: Vec<Cell<'_>> = sums
        .iter()
        .map(|(k, n)| Cell {
            key: vec![
                Some(&k.country),
                k.quarter.as_deref(),
                k.offence.as_deref(),
                Some(&k.event),
            ],
            count: *n,
            concerns: [&k.country, &k.country],
        })
        .collect();
    // A reader may leave out the quarter and the offence, and sees totals over the
    // states (the monitoring page's trends): each protects a hidden count.
    let counts = viewer.counts(&cells, &[0, 1, 2]);
    sums.into_iter()
        .zip(counts)
        .map(|((k, _), count)| CaseFigure {
            suppressed: count.is_none(),
            count,
            country: k.country,
            quarter: k.quarter,
            offence: k.offence,
            event: k.event,
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

/// What a request figure is summed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    requesting: String,
    requested: String,
    quarter: Option<String>,
    request_type: String,
    basis: Option<String>,
    assistance: Option<String>,
    outcome: Option<String>,
}

pub fn request_figures(
    rows: &[FigureRow],
    grouping: &Grouping,
    viewer: &Viewer,
) -> Vec<RequestFigure> {
    let by_assistance = grouping.has("assistance_type");
    let mut sums: BTreeMap<RequestKey, i64> = BTreeMap::new();
    for r in rows {
        let dims = RequestDims::of(&r.dims);
        let (basis, assistance) = if by_assistance {
            (None, Some(dims.basis_or_assistance.to_owned()))
        } else {
            (
                kept(grouping, "legal_basis", dims.basis_or_assistance),
                None,
            )
        };
        let key = RequestKey {
            requesting: r.country.clone(),
            requested: r.counterpart.clone(),
            quarter: kept(grouping, "quarter", &r.quarter),
            request_type: dims.request_type.to_owned(),
            basis,
            assistance,
            outcome: kept(grouping, "outcome", dims.outcome),
        };
        *sums.entry(key).or_insert(0) += r.count;
    }
    sums.retain(|_, n| *n != 0);
    let cells: Vec<Cell<'_>> = sums
        .iter()
        .map(|(k, n)| Cell {
            key: vec![
                Some(&k.requesting),
                Some(&k.requested),
                k.quarter.as_deref(),
                Some(&k.request_type),
                k.basis.as_deref(),
                k.assistance.as_deref(),
                k.outcome.as_deref(),
            ],
            count: *n,
            concerns: [&k.requesting, &k.requested],
        })
        .collect();
    let counts = viewer.counts(&cells, &[0, 1, 2, 4, 5, 6]);
    sums.into_iter()
        .zip(counts)
        .map(|((k, _), count)| RequestFigure {
            suppressed: count.is_none(),
            count,
            requesting_country: k.requesting,
            requested_country: k.requested,
            quarter: k.quarter,
            request_type: k.request_type,
            legal_basis: k.basis,
            assistance_type: k.assistance,
            outcome: k.outcome,
        })
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

/// What a turnaround histogram is kept by (borrowed from the rows read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct TurnaroundKey<'a> {
    requesting: &'a str,
    requested: &'a str,
    stage: &'a str,
    quarter: Option<&'a str>,
    basis: Option<&'a str>,
}

/// Each key's histogram: bucket (tenths of a day) to count. (Hashed while the rows
/// are added up, a lookup per entry; put in order once, for the answer.)
type Histograms<'a> = HashMap<TurnaroundKey<'a>, BTreeMap<i32, i64>>;

/// Keeps `value` when grouped by it (borrowed).
pub(super) fn kept_ref<'a>(grouping: &Grouping, name: &str, value: &'a str) -> Option<&'a str> {
    grouping.has(name).then_some(value)
}

/// Turnaround from the counters, one per bucket (`queries::figures`).
pub fn turnaround_figures(
    rows: &[FigureRow],
    grouping: &Grouping,
    viewer: &Viewer,
) -> Vec<TurnaroundFigure> {
    let mut histograms = Histograms::new();
    for r in rows {
        let dims = TurnaroundDims::of(&r.dims);
        let key = TurnaroundKey {
            requesting: &r.country,
            requested: &r.counterpart,
            stage: dims.stage,
            quarter: kept_ref(grouping, "quarter", &r.quarter),
            basis: kept_ref(grouping, "legal_basis", dims.legal_basis),
        };
        *histograms
            .entry(key)
            .or_default()
            .entry(r.bucket)
            .or_insert(0) += r.count;
    }
    turnaround_of(histograms, viewer)
}

/// Turnaround from the histogram rows (`queries::histograms`): the same figures as
/// from the counters, from a row per pair, stage and quarter instead of one per
/// bucket.
pub fn turnaround_from_histograms(
    rows: &[HistogramRow],
    grouping: &Grouping,
    viewer: &Viewer,
) -> Vec<TurnaroundFigure> {
    let mut histograms = Histograms::new();
    for r in rows {
        let mut key = TurnaroundKey {
            requesting: &r.country,
            requested: &r.counterpart,
            stage: &r.dim1,
            quarter: kept_ref(grouping, "quarter", &r.quarter),
            basis: None,
        };
        let entries = crate::ledger::tally::histogram_entries(&r.entries);
        if grouping.has("legal_basis") {
            for entry in entries {
                key.basis = Some(entry.second);
                *histograms
                    .entry(key)
                    .or_default()
                    .entry(entry.bucket)
                    .or_insert(0) += entry.delta;
            }
        } else {
            let histogram = histograms.entry(key).or_default();
            for entry in entries {
                *histogram.entry(entry.bucket).or_insert(0) += entry.delta;
            }
        }
    }
    turnaround_of(histograms, viewer)
}

/// The figures of each key's histogram, suppressed as `viewer` must see them.
fn turnaround_of(histograms: Histograms<'_>, viewer: &Viewer) -> Vec<TurnaroundFigure> {
    let histograms: BTreeMap<_, _> = histograms
        .into_iter()
        .filter(|(_, h)| h.values().sum::<i64>() > 0)
        .collect();
    let cells: Vec<Cell<'_>> = histograms
        .iter()
        .map(|(k, histogram)| Cell {
            key: vec![
                Some(k.requesting),
                Some(k.requested),
                Some(k.stage),
                k.quarter,
                k.basis,
            ],
            count: histogram.values().sum(),
            concerns: [k.requesting, k.requested],
        })
        .collect();
    let counts = viewer.counts(&cells, &[0, 1, 3, 4]);
    histograms
        .iter()
        .zip(counts)
        .filter_map(|((k, histogram), count)| {
            let (median, p90) = median_and_p90(histogram)?;
            let shown = count.is_some();
            Some(TurnaroundFigure {
                suppressed: !shown,
                count,
                median_days: shown.then_some(median),
                p90_days: shown.then_some(p90),
                requesting_country: k.requesting.to_owned(),
                requested_country: k.requested.to_owned(),
                stage: k.stage.to_owned(),
                quarter: k.quarter.map(str::to_owned),
                legal_basis: k.basis.map(str::to_owned),
            })
        })
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
    let exact = overdue_counts(overdue);
    let cells: Vec<Cell<'_>> = exact
        .iter()
        .map(|c| Cell {
            key: vec![Some(&c.country), Some(&c.deadline)],
            count: c.count,
            concerns: [&c.country, &c.country],
        })
        .collect();
    let counts = viewer.counts(&cells, &[0]);
    exact
        .into_iter()
        .zip(counts)
        .map(|(c, count)| OverdueFigure {
            suppressed: count.is_none(),
            count,
            country: c.country,
            deadline: c.deadline,
        })
        .collect()
}

/// A total a reader may see over figures of which they may not see some: shown when
/// no single hidden figure could be worked out from it (none is hidden, or at least
/// two are), and, like any count, when it is not about fewer than five.
pub fn total(exact: i64, hidden_parts: usize) -> Option<i64> {
    let small = exact != 0 && exact < SMALLEST_SHOWN;
    (hidden_parts != 1 && !small).then_some(exact)
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

    /// Requests of pair JM→TT, by quarter and outcome, as `counts` shows them to
    /// `country`.
    fn by_quarter_and_outcome(country: &str, cells: &[(&str, &str, i64)]) -> Vec<Option<i64>> {
        let viewer = Viewer {
            country: country.into(),
        };
        let cells: Vec<Cell<'_>> = cells
            .iter()
            .map(|(quarter, outcome, count)| Cell {
                key: vec![Some("JM"), Some("TT"), Some(quarter), Some(outcome)],
                count: *count,
                concerns: ["JM", "TT"],
            })
            .collect();
        viewer.counts(&cells, &[2, 3])
    }

    #[test]
    fn a_hidden_count_never_stands_alone_beside_a_total_a_reader_can_ask_for() {
        // One quarter: 3 executed could be worked out as the total (23) less 8 and
        // 12, so the smallest beside it (8) is hidden too; 12 stays.
        let one_quarter = [
            ("Q1", "pending", 8),
            ("Q1", "executed", 3),
            ("Q1", "refused", 12),
        ];
        assert_eq!(
            by_quarter_and_outcome("BB", &one_quarter),
            [None, None, Some(12)]
        );
        assert_eq!(
            by_quarter_and_outcome("TT", &one_quarter),
            [Some(8), Some(3), Some(12)],
            "inside, every count"
        );
        // Two small counts already hide each other.
        assert_eq!(
            by_quarter_and_outcome(
                "BB",
                &[
                    ("Q1", "pending", 8),
                    ("Q1", "executed", 3),
                    ("Q1", "refused", 2)
                ]
            ),
            [Some(8), None, None]
        );
        // Across two dimensions the hiding goes on until no hidden count is alone in
        // its row or its column: here all four.
        let square = [
            ("Q1", "pending", 3),
            ("Q1", "executed", 10),
            ("Q2", "pending", 6),
            ("Q2", "executed", 7),
        ];
        assert_eq!(by_quarter_and_outcome("BB", &square), [None; 4]);
        // A count alone in its row and column is its own total, hidden as well.
        assert_eq!(
            by_quarter_and_outcome("BB", &[("Q1", "pending", 3), ("Q2", "executed", 10)]),
            [None, Some(10)]
        );
    }

    fn row(measure: &str, dims: [&str; 3], bucket: i32, count: i64) -> FigureRow {
        FigureRow {
            measure: measure.into(),
            country: "JM".into(),
            counterpart: if measure.starts_with("cases.") {
                ""
            } else {
                "TT"
            }
            .into(),
            quarter: "2026-Q4".into(),
            dims: Dimensions::of(dims[0], dims[1], dims[2]),
            bucket,
            count,
        }
    }

    #[test]
    fn every_table_hides_the_count_beside_a_lone_hidden_one() {
        let outside = Viewer {
            country: "BB".into(),
        };
        let by = |names: &str| Grouping::of(Some(names), &[names], &[]).unwrap();
        let requests = [
            row("requests", ["mla", "harare", "pending"], 0, 8),
            row("requests", ["mla", "harare", "executed"], 0, 3),
            row("requests", ["mla", "harare", "refused"], 0, 12),
        ];
        let shown: Vec<_> = request_figures(&requests, &by("outcome"), &outside)
            .into_iter()
            .map(|f| (f.outcome.unwrap(), f.count, f.suppressed))
            .collect();
        assert_eq!(
            shown,
            [
                ("executed".into(), None, true),
                ("pending".into(), None, true),
                ("refused".into(), Some(12), false)
            ]
        );
        let cases = [
            row("cases.opened", ["phishing", "", ""], 0, 9),
            row("cases.opened", ["ransomware", "", ""], 0, 3),
        ];
        let shown: Vec<_> = case_figures(&cases, &by("offence"), &outside)
            .into_iter()
            .map(|f| f.count)
            .collect();
        assert_eq!(shown, [None, None]);
        let mut turnaround: Vec<FigureRow> = (0..10)
            .map(|b| row("turnaround", ["decided", "harare", ""], b, 1))
            .collect();
        turnaround.push(row("turnaround", ["decided", "budapest-27", ""], 4, 2));
        let shown: Vec<_> = turnaround_figures(&turnaround, &by("legal_basis"), &outside)
            .into_iter()
            .map(|f| (f.count, f.median_days))
            .collect();
        assert_eq!(shown, [(None, None), (None, None)]);
        let shown: Vec<_> = turnaround_figures(&turnaround, &Grouping::default(), &outside)
            .into_iter()
            .map(|f| (f.count, f.median_days))
            .collect();
        assert_eq!(shown, [(Some(12), Some(0.4))], "the total is not hidden");
    }

    /// The review's case: JM opened 3 cases and TT 5. A reader outside both sees
    /// neither (TT's 5 would give JM's 3 away beside the region's total, which the
    /// monitoring page's trend shows), and the total, which then tells only their sum;
    /// a reader in TT sees its own 5, so the total, which would give JM's 3 away, is
    /// hidden from it; a reader in JM sees everything it adds up.
    #[test]
    fn the_states_are_a_dimension_hidden_counts_are_protected_in_and_totals_follow() {
        let opened = |country: &str, count| FigureRow {
            country: country.into(),
            ..row("cases.opened", ["", "", ""], 0, count)
        };
        let by_quarter = Grouping::of(Some("quarter"), &["quarter"], &[]).unwrap();
        let seen = |rows: &[FigureRow], country: &str| {
            let viewer = Viewer {
                country: country.into(),
            };
            let figures = case_figures(rows, &by_quarter, &viewer);
            let counts: Vec<(String, Option<i64>)> = figures
                .iter()
                .map(|f| (f.country.clone(), f.count))
                .collect();
            let hidden = figures.iter().filter(|f| f.suppressed).count();
            let exact = rows.iter().map(|r| r.count).sum();
            (counts, total(exact, hidden))
        };
        let two = [opened("JM", 3), opened("TT", 5)];
        let (counts, region) = seen(&two, "BB");
        assert_eq!(counts, [("JM".into(), None), ("TT".into(), None)]);
        assert_eq!(region, Some(8), "only the sum of two hidden counts");
        let (counts, region) = seen(&two, "TT");
        assert_eq!(counts, [("JM".into(), None), ("TT".into(), Some(5))]);
        assert_eq!(region, None, "8 - 5 would be JM's 3");
        let (counts, region) = seen(&two, "JM");
        assert_eq!(counts, [("JM".into(), Some(3)), ("TT".into(), Some(5))]);
        assert_eq!(region, Some(8));
        // With a third state, a reader in TT loses the smallest count beside JM's
        // instead, and sees the total again.
        let three = [opened("JM", 3), opened("TT", 5), opened("GY", 40)];
        let (counts, region) = seen(&three, "TT");
        assert_eq!(
            counts,
            [
                ("GY".into(), None),
                ("JM".into(), None),
                ("TT".into(), Some(5))
            ]
        );
        assert_eq!(region, Some(48));
        let (counts, _) = seen(&three, "BB");
        assert_eq!(
            counts,
            [
                ("GY".into(), Some(40)),
                ("JM".into(), None),
                ("TT".into(), None)
            ]
        );
        // A small total is hidden too; none is never hidden.
        assert_eq!(total(4, 0), None);
        assert_eq!(total(0, 0), Some(0));
        assert_eq!(total(12, 2), Some(12));
        assert_eq!(total(12, 1), None);
        // Overdue deadlines: the same across states.
        let overdue: Vec<OverdueDeadline> = [("JM", 3), ("TT", 6), ("GY", 9)]
            .iter()
            .flat_map(|(c, n)| {
                (0..*n).map(|_| OverdueDeadline {
                    country: (*c).into(),
                    deadline: "decide",
                })
            })
            .collect();
        let shown: Vec<Option<i64>> = overdue_figures(
            &overdue,
            &Viewer {
                country: "BB".into(),
            },
        )
        .into_iter()
        .map(|f| f.count)
        .collect();
        assert_eq!(shown, [Some(9), None, None], "GY, JM, TT");
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
