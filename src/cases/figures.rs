//! What a case's moves add to the region's figures (see `ledger::tally`): one in its
//! state and quarter when it is opened, referred to prosecution, charged or closed,
//! in all and under each of its offences; and the same figures replayed from the
//! audit trail, which records each opening and change.

use super::model::{CaseRow, CaseStatus, Offence, decode_offences, encode_offences};
use super::queries;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Tally;
use crate::ledger::tally::Dimensions;
use chrono::NaiveDateTime;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The dimension of the case measures: an offence (none for a state's total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseDims<'a> {
    pub offence: &'a str,
}

impl<'a> CaseDims<'a> {
    pub fn of(dims: &'a Dimensions) -> CaseDims<'a> {
        CaseDims {
            offence: &dims.first,
        }
    }
}

impl From<CaseDims<'_>> for Dimensions {
    fn from(d: CaseDims<'_>) -> Dimensions {
        Dimensions::of(d.offence, "", "")
    }
}

/// What the region's figures count a case as when it moves to `status`: opened,
/// referred to prosecution, charged, closed.
pub fn counted_as(status: CaseStatus) -> Option<&'static str> {
    match status {
        CaseStatus::Open => Some("cases.opened"),
        CaseStatus::ReferredToProsecution => Some("cases.referred"),
        CaseStatus::Charged => Some("cases.charged"),
        CaseStatus::Closed => Some("cases.closed"),
        CaseStatus::UnderInvestigation | CaseStatus::Archived => None,
    }
}

/// The figures a case's move to `status` at `at` adds to: one in its state and
/// quarter, in all (no offence named) and under each of its offences.
pub fn case_tallies(status: CaseStatus, case: &CaseRow, at: NaiveDateTime) -> Vec<Tally> {
    let Some(measure) = counted_as(status) else {
        return Vec::new();
    };
    let one = || Tally::one(measure, &case.owner_country, at);
    std::iter::once(one())
        .chain(decode_offences(&case.offences).into_iter().map(|o| {
            one().by(CaseDims {
                offence: o.as_str(),
            })
        }))
        .collect()
}

/// Offences as the audit trail records them: their codes, in order.
pub fn offences_detail(stored: &str) -> Value {
    json!(
        decode_offences(stored)
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
    )
}

fn offences_of(detail: &Value) -> Option<String> {
    let codes = detail.as_array()?;
    let offences: Vec<Offence> = codes
        .iter()
        .filter_map(|c| c.as_str().and_then(Offence::parse))
        .collect();
    Some(encode_offences(&offences))
}

/// A case's opening or change, as replaying its figures needs it.
struct Step {
    at: NaiveDateTime,
    /// The status it moved from and to; for the opening, `(None, Open)`.
    status: Option<(Option<CaseStatus>, CaseStatus)>,
    /// The offences before and after, when it recorded them.
    offences: Option<(Option<String>, String)>,
}

impl Step {
    fn of(change: &queries::AuditedChange) -> Step {
        let entry: Value = serde_json::from_str(&change.entry).unwrap_or_default();
        let details = &entry["details"];
        let status = if change.action == "case.create" {
            Some((None, CaseStatus::Open))
        } else {
            let moved = &details["status"];
            moved["to"].as_str().and_then(CaseStatus::parse).map(|to| {
                let from = moved["from"].as_str().and_then(CaseStatus::parse);
                (from, to)
            })
        };
        let offences = match &details["offences"] {
            // At the opening, the offences it was opened with.
            list @ Value::Array(_) => offences_of(list).map(|to| (None, to)),
            Value::Object(change) => {
                offences_of(&change["to"]).map(|to| (offences_of(&change["from"]), to))
            }
            _ => None,
        };
        Step {
            at: change.at,
            status,
            offences,
        }
    }
}

/// How many audit entries a replay reads at a time.
const PAGE: i64 = 10_000;

/// The figures of every case, replayed from the audit trail: each opening and each
/// change of status counted as it was when it happened, under the case's offences as
/// they then stood. (Openings and changes of offences recorded before the audit
/// trail named the offences count the case's current ones.)
pub fn replay(conn: &mut DbConn) -> ApiResult<Vec<Tally>> {
    let cases: HashMap<String, CaseRow> = queries::every_case(conn)?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut steps: HashMap<String, Vec<Step>> = HashMap::new();
    let mut after = 0;
    loop {
        let page = queries::changes_after(conn, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for (case_id, change) in page.iter().filter_map(|c| Some((c.case_id.clone()?, c))) {
            steps
                .entry(case_id)
                .or_default()
                .push(Step::of(&change.change));
        }
    }
    let mut out = Vec::new();
    for (case_id, steps) in steps {
        let Some(case) = cases.get(&case_id) else {
            continue;
        };
        let mut row = case.clone();
        if let Some((from, to)) = steps.iter().find_map(|s| s.offences.clone()) {
            row.offences = from.unwrap_or(to);
        }
        for step in steps {
            if let Some((_, to)) = step.offences {
                row.offences = to;
            }
            match step.status {
                Some((None, status)) => out.extend(case_tallies(status, &row, case.created_at)),
                // Closed again after archiving is no second closing.
                Some((Some(CaseStatus::Archived), _)) => {}
                Some((Some(_), status)) => out.extend(case_tallies(status, &row, step.at)),
                None => {}
            }
        }
    }
    Ok(out)
}
