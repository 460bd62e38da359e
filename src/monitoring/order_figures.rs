//! The figures of orders to providers as monitors read them (see `orders::figures`
//! for what is counted): orders per requesting state, provider's state, provider,
//! type and outcome; turnaround per provider in hours; emergencies answered within
//! their hours or late. Small counts are suppressed as the requests' are: a figure
//! concerns the requesting state and the provider's state.

use super::figures::{Cell, FigureRow, Folding, Grouping, HistogramRow, Viewer, kept, kept_ref};
use crate::orders::figures::OrderDims;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// The providers' names, by agency id.
pub type ProviderNames = HashMap<String, String>;

/// The provider ids counters name.
pub fn providers_named(rows: &[FigureRow]) -> Vec<String> {
    let mut ids: Vec<String> = rows
        .iter()
        .map(|r| OrderDims::of(&r.dims).provider.to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The provider ids histogram rows name.
pub fn providers_in_histograms(rows: &[HistogramRow]) -> Vec<String> {
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|r| crate::ledger::tally::histogram_entries(&r.entries))
        .map(|e| e.second.to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

impl Folding {
    /// Order figures: `[provider, order type, outcome]` (under `orders.emergency`
    /// the third is whether the answer came in time, always kept).
    pub fn orders(grouping: &Grouping, by_third: bool) -> Folding {
        Folding {
            quarter: grouping.has("quarter"),
            dims: [
                grouping.has("provider"),
                grouping.has("order_type"),
                by_third,
            ],
        }
    }
}

pub const ORDER_COLUMNS: [&str; 9] = [
    "requesting_country",
    "provider_country",
    "quarter",
    "provider_id",
    "provider_name",
    "order_type",
    "outcome",
    "count",
    "suppressed",
];
pub const EMERGENCY_COLUMNS: [&str; 9] = [
    "requesting_country",
    "provider_country",
    "quarter",
    "provider_id",
    "provider_name",
    "order_type",
    "answered",
    "count",
    "suppressed",
];
pub const ORDER_TURNAROUND_COLUMNS: [&str; 11] = [
    "requesting_country",
    "provider_country",
    "stage",
    "quarter",
    "provider_id",
    "provider_name",
    "order_type",
    "count",
    "median_hours",
    "p90_hours",
    "suppressed",
];

/// Orders sent by one state to providers established in another (or the same).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderFigure {
    #[schema(example = "JM")]
    pub requesting_country: String,
    /// Where the provider is established.
    #[schema(example = "TT")]
    pub provider_country: String,
    /// With `group_by=quarter`: the quarter the orders were sent in.
    pub quarter: Option<String>,
    /// With `group_by=provider`.
    pub provider_id: Option<String>,
    pub provider_name: Option<String>,
    /// With `group_by=order_type`.
    pub order_type: Option<String>,
    /// With `group_by=outcome`: `pending`, `partially_produced`, `produced`,
    /// `refused`, `objected` (by the notified state) or `withdrawn`.
    pub outcome: Option<String>,
    /// `null` when suppressed.
    pub count: Option<i64>,
    /// About fewer than 5 orders, or hidden so that one that is cannot be worked out
    /// from a total; and the reader outside both states.
    pub suppressed: bool,
}

/// Emergencies answered: data produced (in part or whole) or refused, before the
/// deadline in hours passed or after.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmergencyFigure {
    #[schema(example = "JM")]
    pub requesting_country: String,
    #[schema(example = "TT")]
    pub provider_country: String,
    /// With `group_by=quarter`: the quarter they were answered in.
    pub quarter: Option<String>,
    /// With `group_by=provider`.
    pub provider_id: Option<String>,
    pub provider_name: Option<String>,
    /// With `group_by=order_type`.
    pub order_type: Option<String>,
    /// `in_time` or `late`.
    pub answered: String,
    pub count: Option<i64>,
    /// About fewer than 5 orders, and the reader outside both states.
    pub suppressed: bool,
}

/// How long providers took, from an order's sending to a stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderTurnaroundFigure {
    #[schema(example = "JM")]
    pub requesting_country: String,
    #[schema(example = "TT")]
    pub provider_country: String,
    /// `acknowledged`, or `produced` (the first data delivered, in part or whole).
    pub stage: String,
    /// With `group_by=quarter`: the quarter the stage was reached in.
    pub quarter: Option<String>,
    /// With `group_by=provider`.
    pub provider_id: Option<String>,
    pub provider_name: Option<String>,
    /// With `group_by=order_type`.
    pub order_type: Option<String>,
    /// Orders that reached the stage in the period.
    pub count: Option<i64>,
    /// Hours, to a tenth.
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    /// About fewer than 5 orders, and the reader outside both states.
    pub suppressed: bool,
}

/// What an order figure is summed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct OrderKey {
    requesting: String,
    provider_country: String,
    quarter: Option<String>,
    provider: Option<String>,
    order_type: Option<String>,
    third: Option<String>,
}

/// The counters summed by what `grouping` keeps (the third dimension when
/// `third` names it, or always when `None`), each count as `viewer` may see it.
fn order_counts(
    rows: &[FigureRow],
    grouping: &Grouping,
    third: Option<&str>,
    viewer: &Viewer,
) -> Vec<(OrderKey, Option<i64>)> {
    let mut sums: BTreeMap<OrderKey, i64> = BTreeMap::new();
    for r in rows {
        let dims = OrderDims::of(&r.dims);
        let key = OrderKey {
            requesting: r.country.clone(),
            provider_country: r.counterpart.clone(),
            quarter: kept(grouping, "quarter", &r.quarter),
            provider: kept(grouping, "provider", dims.provider),
            order_type: kept(grouping, "order_type", dims.order_type),
            third: match third {
                Some(name) => kept(grouping, name, dims.outcome),
                None => Some(dims.outcome.to_owned()),
            },
        };
        *sums.entry(key).or_insert(0) += r.count;
    }
    sums.retain(|_, n| *n != 0);
    let cells: Vec<Cell<'_>> = sums
        .iter()
        .map(|(k, n)| Cell {
            key: vec![
                Some(&k.requesting),
                Some(&k.provider_country),
                k.quarter.as_deref(),
                k.provider.as_deref(),
                k.order_type.as_deref(),
                k.third.as_deref(),
            ],
            count: *n,
            concerns: [&k.requesting, &k.provider_country],
        })
        .collect();
    // Every column but the third of emergencies may be left out of a grouping.
    let free: &[usize] = if third.is_some() {
        &[0, 1, 2, 3, 4, 5]
    } else {
        &[0, 1, 2, 3, 4]
    };
    let counts = viewer.counts(&cells, free);
    sums.into_keys().zip(counts).collect()
}

fn name_of(names: &ProviderNames, id: &Option<String>) -> Option<String> {
    id.as_ref().and_then(|id| names.get(id).cloned())
}

pub fn order_figures(
    rows: &[FigureRow],
    grouping: &Grouping,
    viewer: &Viewer,
    names: &ProviderNames,
) -> Vec<OrderFigure> {
    order_counts(rows, grouping, Some("outcome"), viewer)
        .into_iter()
        .map(|(k, count)| OrderFigure {
            suppressed: count.is_none(),
            count,
            provider_name: name_of(names, &k.provider),
            requesting_country: k.requesting,
            provider_country: k.provider_country,
            quarter: k.quarter,
            provider_id: k.provider,
            order_type: k.order_type,
            outcome: k.third,
        })
        .collect()
}

pub fn emergency_figures(
    rows: &[FigureRow],
    grouping: &Grouping,
    viewer: &Viewer,
    names: &ProviderNames,
) -> Vec<EmergencyFigure> {
    order_counts(rows, grouping, None, viewer)
        .into_iter()
        .map(|(k, count)| EmergencyFigure {
            suppressed: count.is_none(),
            count,
            provider_name: name_of(names, &k.provider),
            requesting_country: k.requesting,
            provider_country: k.provider_country,
            quarter: k.quarter,
            provider_id: k.provider,
            order_type: k.order_type,
            answered: k.third.unwrap_or_default(),
        })
        .collect()
}

/// What an order turnaround histogram is kept by (borrowed from the rows read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct TurnaroundKey<'a> {
    requesting: &'a str,
    provider_country: &'a str,
    stage: &'a str,
    quarter: Option<&'a str>,
    provider: Option<&'a str>,
    order_type: Option<&'a str>,
}

/// Turnaround from the histogram rows of `orders.turnaround` (`queries::histograms`).
pub fn turnaround_figures(
    rows: &[HistogramRow],
    grouping: &Grouping,
    viewer: &Viewer,
    names: &ProviderNames,
) -> Vec<OrderTurnaroundFigure> {
    let mut histograms: HashMap<TurnaroundKey<'_>, BTreeMap<i32, i64>> = HashMap::new();
    for r in rows {
        for entry in crate::ledger::tally::histogram_entries(&r.entries) {
            let key = TurnaroundKey {
                requesting: &r.country,
                provider_country: &r.counterpart,
                stage: &r.dim1,
                quarter: kept_ref(grouping, "quarter", &r.quarter),
                provider: kept_ref(grouping, "provider", entry.second),
                order_type: kept_ref(grouping, "order_type", entry.third),
            };
            *histograms
                .entry(key)
                .or_default()
                .entry(entry.bucket)
                .or_insert(0) += entry.delta;
        }
    }
    let histograms: BTreeMap<_, _> = histograms
        .into_iter()
        .filter(|(_, h)| h.values().sum::<i64>() > 0)
        .collect();
    let cells: Vec<Cell<'_>> = histograms
        .iter()
        .map(|(k, histogram)| Cell {
            key: vec![
                Some(k.requesting),
                Some(k.provider_country),
                Some(k.stage),
                k.quarter,
                k.provider,
                k.order_type,
            ],
            count: histogram.values().sum(),
            concerns: [k.requesting, k.provider_country],
        })
        .collect();
    let counts = viewer.counts(&cells, &[0, 1, 3, 4, 5]);
    histograms
        .iter()
        .zip(counts)
        .filter_map(|((k, histogram), count)| {
            // Tenths of an hour: the same arithmetic as tenths of a day gives hours.
            let (median, p90) = super::figures::median_and_p90(histogram)?;
            let shown = count.is_some();
            let provider = k.provider.map(str::to_owned);
            Some(OrderTurnaroundFigure {
                suppressed: !shown,
                count,
                median_hours: shown.then_some(median),
                p90_hours: shown.then_some(p90),
                requesting_country: k.requesting.to_owned(),
                provider_country: k.provider_country.to_owned(),
                stage: k.stage.to_owned(),
                quarter: k.quarter.map(str::to_owned),
                provider_name: name_of(names, &provider),
                provider_id: provider,
                order_type: k.order_type.map(str::to_owned),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tally::Dimensions;

    fn row(measure: &str, dims: [&str; 3], count: i64) -> FigureRow {
        FigureRow {
            measure: measure.into(),
            country: "JM".into(),
            counterpart: "TT".into(),
            quarter: "2026-Q4".into(),
            dims: Dimensions::of(dims[0], dims[1], dims[2]),
            bucket: 0,
            count,
        }
    }

    #[test]
    fn order_counts_are_hidden_outside_both_states_beside_a_lone_small_one() {
        let rows = [
            row("orders", ["p1", "subscriber_information", "produced"], 9),
            row("orders", ["p1", "subscriber_information", "refused"], 2),
            row("orders", ["p2", "traffic_data", "produced"], 12),
            row("orders", ["p3", "traffic_data", "produced"], 20),
        ];
        let names: ProviderNames = [("p1".to_owned(), "Telco".to_owned())].into();
        let by = Grouping::of(Some("provider,outcome"), &["provider", "outcome"], &[]).unwrap();
        let outside = Viewer {
            country: "BB".into(),
        };
        let shown: Vec<_> = order_figures(&rows, &by, &outside, &names)
            .into_iter()
            .map(|f| (f.provider_id.unwrap(), f.outcome.unwrap(), f.count))
            .collect();
        // p1's 2 refusals are hidden, so its 9 productions are (p1's total would
        // give the 2 away), so the smallest other production (p2's 12) is (the
        // productions' total would give the 9 away); p3's 20 stays.
        assert_eq!(
            shown,
            [
                ("p1".into(), "produced".into(), None),
                ("p1".into(), "refused".into(), None),
                ("p2".into(), "produced".into(), None),
                ("p3".into(), "produced".into(), Some(20)),
            ]
        );
        let inside = Viewer {
            country: "TT".into(),
        };
        let figures = order_figures(&rows, &by, &inside, &names);
        assert_eq!(figures[1].count, Some(2));
        assert_eq!(figures[0].provider_name.as_deref(), Some("Telco"));
        assert_eq!(figures[2].provider_name, None);
        // Without the provider and the outcome: the pair's total.
        let total = order_figures(&rows, &Grouping::default(), &outside, &names);
        assert_eq!(total.len(), 1);
        assert_eq!(total[0].count, Some(43));
    }

    #[test]
    fn emergencies_keep_whether_they_were_answered_in_time() {
        let rows = [
            row(
                "orders.emergency",
                ["p1", "emergency_disclosure", "in_time"],
                6,
            ),
            row(
                "orders.emergency",
                ["p1", "emergency_disclosure", "late"],
                1,
            ),
        ];
        let inside = Viewer {
            country: "JM".into(),
        };
        let shown: Vec<_> =
            emergency_figures(&rows, &Grouping::default(), &inside, &ProviderNames::new())
                .into_iter()
                .map(|f| (f.answered, f.count))
                .collect();
        assert_eq!(
            shown,
            [("in_time".into(), Some(6)), ("late".into(), Some(1))]
        );
    }
}
