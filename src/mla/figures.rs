//! What a request's events add to the region's figures (see `ledger::tally`).
//!
//! - `requests`: requests between a pair of states (`country` the requesting state,
//!   `counterpart` the requested one), by the quarter they were submitted in, with
//!   dimensions `[request type, legal basis, outcome]`. A request counts as `pending`
//!   when submitted and moves to its outcome as it gets one: `accepted` (decided, not
//!   yet executed), `partially_executed`, `executed`, `refused` or `withdrawn`; closing
//!   keeps the outcome it closes.
//! - `requests.assistance`: the same, under each type of assistance the request seeks:
//!   `[request type, assistance type, outcome]`.
//! - Preservation requests count in both, as request type `preservation` (and
//!   assistance type `preservation`) from when they are sent: `pending`, then
//!   `preserved`, `released`, or `expired`. An MLA request that follows a preservation
//!   keeps it while the request is decided, so a preservation runs out before a
//!   decision only when no MLA request followed it in time: that outcome is
//!   `expired_before_request`.
//! - `turnaround`: from submission to each stage, by the quarter the stage was reached
//!   in, `[stage, legal basis, ""]`, bucketed by tenths of a day: `acknowledged`;
//!   `decided` (accepted or refused: a postponement does not stop the clock); and
//!   `executed` (fully).

use super::events::RequestEventType;
use super::preservations::model::{PreservationEventType, PreservationRow, PreservationStatus};
use super::queries;
use super::request::{MlaRequestRow, RequestStatus};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Tally;
use crate::ledger::tally::Dimensions;
use chrono::NaiveDateTime;
use std::collections::HashMap;

pub const REQUESTS: &str = "requests";
pub const REQUESTS_BY_ASSISTANCE: &str = "requests.assistance";
pub const TURNAROUND: &str = "turnaround";

/// The dimensions of `requests` and `requests.assistance`: the request's type (`mla`
/// or `preservation`), its legal basis (or, under `requests.assistance`, the type of
/// assistance), and its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestDims<'a> {
    pub request_type: &'a str,
    /// The legal basis; the assistance type under `requests.assistance`.
    pub basis_or_assistance: &'a str,
    pub outcome: &'a str,
}

impl<'a> RequestDims<'a> {
    /// A stored counter's dimensions, named.
    pub fn of(dims: &'a Dimensions) -> RequestDims<'a> {
        RequestDims {
            request_type: &dims.first,
            basis_or_assistance: &dims.second,
            outcome: &dims.third,
        }
    }
}

impl From<RequestDims<'_>> for Dimensions {
    fn from(d: RequestDims<'_>) -> Dimensions {
        Dimensions::of(d.request_type, d.basis_or_assistance, d.outcome)
    }
}

/// The dimensions of `turnaround`: the stage reached and the legal basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnaroundDims<'a> {
    pub stage: &'a str,
    pub legal_basis: &'a str,
}

impl<'a> TurnaroundDims<'a> {
    pub fn of(dims: &'a Dimensions) -> TurnaroundDims<'a> {
        TurnaroundDims {
            stage: &dims.first,
            legal_basis: &dims.second,
        }
    }
}

impl From<TurnaroundDims<'_>> for Dimensions {
    fn from(d: TurnaroundDims<'_>) -> Dimensions {
        Dimensions::of(d.stage, d.legal_basis, "")
    }
}

/// The stages turnaround is measured to, in their order.
pub const STAGES: [&str; 3] = ["acknowledged", "decided", "executed"];

/// Where a request in `status` stands in the figures; `None` before it is submitted.
pub fn outcome(status: RequestStatus) -> Option<&'static str> {
    use RequestStatus as S;
    match status {
        S::Draft | S::Approved => None,
        S::Submitted | S::Delivered | S::Acknowledged | S::InformationRequested | S::Postponed => {
            Some("pending")
        }
        S::Accepted | S::InExecution => Some("accepted"),
        S::PartiallyExecuted => Some("partially_executed"),
        S::Executed => Some("executed"),
        // Nothing follows closing, and the tallies keep the outcome it closes
        // (executed or refused): this is never counted.
        S::Closed => Some("closed"),
        S::Refused => Some("refused"),
        S::Withdrawn => Some("withdrawn"),
    }
}

/// The stage an event reaches, if it ends one.
fn stage(kind: RequestEventType) -> Option<&'static str> {
    match kind {
        RequestEventType::Acknowledged => Some("acknowledged"),
        RequestEventType::Accepted | RequestEventType::Refused => Some("decided"),
        RequestEventType::Executed => Some("executed"),
        _ => None,
    }
}

/// Tenths of a day from `from` to `to` (never negative).
pub fn tenths_of_a_day(from: NaiveDateTime, to: NaiveDateTime) -> i32 {
    let seconds = (to - from).num_seconds().max(0);
    ((seconds as f64) / 8_640.0).round() as i32
}

/// The tallies of `kind` recorded at `now` on `row` (the request as it was before).
pub fn tallies(row: &MlaRequestRow, kind: RequestEventType, now: NaiveDateTime) -> Vec<Tally> {
    let submitted_at = match kind {
        RequestEventType::Submitted => now,
        _ => match row.submitted_at {
            Some(at) => at,
            None => return Vec::new(),
        },
    };
    let before = match kind {
        RequestEventType::Submitted => None,
        _ => outcome(row.status()),
    };
    let after = match kind.leads_to() {
        // Closing keeps the outcome it closes.
        RequestStatus::Closed => before,
        status => outcome(status),
    };
    let mut out = Vec::new();
    if before != after {
        let types = row.content().assistance_types.unwrap_or_default();
        let count = |outcome: &str| -> Vec<Tally> {
            let one = Tally::one(REQUESTS, &row.requesting_country, submitted_at)
                .between(&row.requested_country);
            let by_type = types.iter().map(|t| {
                Tally {
                    measure: REQUESTS_BY_ASSISTANCE,
                    ..one.clone()
                }
                .by(RequestDims {
                    request_type: "mla",
                    basis_or_assistance: t.as_str(),
                    outcome,
                })
            });
            std::iter::once(one.clone().by(RequestDims {
                request_type: "mla",
                basis_or_assistance: &row.legal_basis,
                outcome,
            }))
            .chain(by_type)
            .collect()
        };
        if let Some(was) = before {
            out.extend(count(was).into_iter().map(Tally::undone));
        }
        if let Some(is) = after {
            out.extend(count(is));
        }
    }
    if let Some(stage) = stage(kind) {
        out.push(
            Tally::one(TURNAROUND, &row.requesting_country, now)
                .between(&row.requested_country)
                .by(TurnaroundDims {
                    stage,
                    legal_basis: &row.legal_basis,
                })
                .bucket(tenths_of_a_day(submitted_at, now)),
        );
    }
    out
}

/// Where a preservation in `status` stands in the figures, `mla_followed` whether an
/// MLA request followed it.
pub fn preservation_outcome(status: PreservationStatus, mla_followed: bool) -> &'static str {
    use PreservationStatus as S;
    match status {
        S::Requested => "pending",
        S::Preserved | S::Extended | S::MlaFollowed | S::PartiallyDisclosed => "preserved",
        S::Released => "released",
        S::Expired if mla_followed => "expired",
        S::Expired => "expired_before_request",
    }
}

/// The tallies of a preservation moving from `before` (`None` when it is sent) to
/// `after` at `now`.
pub fn preservation_tallies(
    row: &PreservationRow,
    before: Option<PreservationStatus>,
    after: PreservationStatus,
) -> Vec<Tally> {
    let followed = row.mla_request_id.is_some();
    let was = before.map(|b| preservation_outcome(b, followed));
    let is = preservation_outcome(after, followed);
    if was == Some(is) {
        return Vec::new();
    }
    let count = |outcome: &str| {
        let one = Tally::one(REQUESTS, &row.requesting_country, row.created_at)
            .between(&row.requested_country);
        [
            one.clone().by(RequestDims {
                request_type: "preservation",
                basis_or_assistance: &row.legal_basis,
                outcome,
            }),
            Tally {
                measure: REQUESTS_BY_ASSISTANCE,
                ..one
            }
            .by(RequestDims {
                request_type: "preservation",
                basis_or_assistance: "preservation",
                outcome,
            }),
        ]
    };
    let mut out = Vec::new();
    if let Some(was) = was {
        out.extend(count(was).into_iter().map(Tally::undone));
    }
    out.extend(count(is));
    out
}

/// How many history entries a replay reads at a time.
const PAGE: i64 = 10_000;

/// A preservation as its figures are replayed: where it stands, and whether an MLA
/// request has followed it yet.
struct ReplayedPreservation {
    row: PreservationRow,
    status: Option<PreservationStatus>,
    followed: bool,
}

/// The figures of every request and preservation, replayed from their histories in
/// the order they were logged: each entry counted as it was when it was recorded.
pub fn replay(conn: &mut DbConn) -> ApiResult<Vec<Tally>> {
    let mut requests: HashMap<String, MlaRequestRow> = queries::every_submitted_request(conn)?
        .into_iter()
        .map(|mut r| {
            r.status = RequestStatus::Draft.as_str().to_owned();
            (r.id.clone(), r)
        })
        .collect();
    let mut preservations: HashMap<String, ReplayedPreservation> =
        super::preservations::queries::every_preservation(conn)?
            .into_iter()
            .map(|row| {
                let replayed = ReplayedPreservation {
                    row,
                    status: None,
                    followed: false,
                };
                (replayed.row.id.clone(), replayed)
            })
            .collect();
    let mut out = Vec::new();
    let mut after = -1;
    loop {
        let page = queries::history_after(conn, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.log_index;
        for step in &page {
            if let Some(row) = requests.get_mut(&step.request_id) {
                let Some(kind) = RequestEventType::parse(&step.entry_type) else {
                    continue;
                };
                out.extend(tallies(row, kind, step.created_at));
                row.status = kind.leads_to().as_str().to_owned();
            } else if let Some(p) = preservations.get_mut(&step.request_id) {
                let after = match PreservationEventType::parse(&step.entry_type) {
                    Some(kind) => kind.leads_to(),
                    None if step.entry_type == "requested" => PreservationStatus::Requested,
                    None => continue,
                };
                p.followed |= after == PreservationStatus::MlaFollowed;
                let mut row = p.row.clone();
                if !p.followed {
                    row.mla_request_id = None;
                } else if row.mla_request_id.is_none() {
                    row.mla_request_id = Some(String::new());
                }
                out.extend(preservation_tallies(&row, p.status, after));
                p.status = Some(after);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turnaround_is_counted_in_tenths_of_a_day() {
        let at = |h: i64| {
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::Duration::hours(h)
        };
        assert_eq!(tenths_of_a_day(at(0), at(24)), 10);
        assert_eq!(tenths_of_a_day(at(0), at(36)), 15);
        assert_eq!(tenths_of_a_day(at(0), at(1)), 0, "an hour is 0.04 of a day");
        assert_eq!(tenths_of_a_day(at(0), at(2)), 1);
        assert_eq!(tenths_of_a_day(at(5), at(0)), 0);
    }

    #[test]
    fn every_status_after_submission_has_an_outcome() {
        for status in RequestStatus::ALL {
            let submitted = !matches!(status, RequestStatus::Draft | RequestStatus::Approved);
            assert_eq!(outcome(*status).is_some(), submitted, "{status:?}");
        }
    }
}
