//! The deadline engine: one set of rules over every legal basis. A basis may set,
//! in days (hours for emergencies), how long the requested state has to acknowledge
//! a request, to decide on it (with one extension), and to execute it; where it sets
//! none (the Harare Scheme, the CARICOM treaty, most bilateral treaties), only the
//! requester's wanted-by date is tracked. Clocks start with the event that opens their
//! stage and stop with the event that closes it; asking for information and
//! postponing pause the decision's clock until the requesting state answers or the
//! decision comes.

use super::basis::Deadlines;
use super::events::RequestEventType;
use super::request::Urgency;
use chrono::{Duration, NaiveDateTime};

/// The deadlines running after a history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueDates {
    pub acknowledge_by: Option<NaiveDateTime>,
    pub decide_by: Option<NaiveDateTime>,
    pub execute_by: Option<NaiveDateTime>,
}

/// A stage's allowance: the emergency hours on the emergency track when the basis
/// sets them, else the days.
fn allowance(
    days: Option<i32>,
    emergency_hours: Option<i32>,
    urgency: Urgency,
) -> Option<Duration> {
    match (urgency, emergency_hours) {
        (Urgency::Emergency, Some(hours)) => Some(Duration::hours(hours.into())),
        _ => days.map(|d| Duration::days(d.into())),
    }
}

/// The deadlines running after `history` (events in order, with their times).
pub fn due_dates(
    basis: &Deadlines,
    urgency: Urgency,
    history: &[(RequestEventType, NaiveDateTime)],
) -> DueDates {
    use RequestEventType as E;
    let acknowledge = allowance(
        basis.acknowledge_days,
        basis.emergency_acknowledge_hours,
        urgency,
    );
    let decide = allowance(basis.decide_days, basis.emergency_decide_hours, urgency);
    let execute = allowance(basis.execute_days, basis.emergency_execute_hours, urgency);
    let extension = basis
        .decide_extension_days
        .map(|d| Duration::days(d.into()));

    let mut due = DueDates::default();
    // The decision's clock: when it started, what it has been granted, what it has
    // spent paused, and whether it is paused now.
    let mut decision: Option<(NaiveDateTime, Duration)> = None;
    let mut paused_for = Duration::zero();
    let mut paused_since: Option<NaiveDateTime> = None;
    let decide_by = |decision: &Option<(NaiveDateTime, Duration)>, paused_for: Duration| {
        decision.map(|(start, granted)| start + granted + paused_for)
    };
    for &(event, at) in history {
        match event {
            E::Submitted => due.acknowledge_by = acknowledge.map(|a| at + a),
            E::Acknowledged => {
                due.acknowledge_by = None;
                decision = decide.map(|d| (at, d));
                due.decide_by = decide_by(&decision, paused_for);
            }
            E::InformationRequested | E::Postponed => {
                paused_since.get_or_insert(at);
                due.decide_by = None;
            }
            E::InformationSupplied => {
                if let Some(since) = paused_since.take() {
                    paused_for += at - since;
                }
                due.decide_by = decide_by(&decision, paused_for);
            }
            E::DecisionExtended => {
                if let (Some((start, granted)), Some(more)) = (decision, extension) {
                    decision = Some((start, granted + more));
                }
                due.decide_by = decide_by(&decision, paused_for);
            }
            E::Accepted => {
                paused_since = None;
                due.decide_by = None;
                due.execute_by = execute.map(|e| at + e);
            }
            E::Refused | E::Executed | E::Closed | E::Withdrawn => due = DueDates::default(),
            E::Approved | E::Delivered | E::Assigned | E::PartiallyExecuted => {}
        }
    }
    due
}

crate::string_enum! {
    /// Which deadline of a request.
    DeadlineKind {
        Acknowledge => "acknowledge",
        Decide => "decide",
        Execute => "execute",
        /// The requester's wanted-by date (due at the end of that day, UTC).
        WantedBy => "wanted_by",
        /// When a preservation runs out.
        ExpiresAt => "expires_at",
        /// When a provider must have produced what an order asks.
        Produce => "produce",
        /// When the notified state's period to object to an order ends (the
        /// provider holds the data back until then).
        ObjectionEnds => "objection_ends",
        /// An order's acknowledgement and production, as the overdue figures count
        /// them apart from requests' (owed by the provider's state).
        OrderAcknowledge => "order_acknowledge",
        OrderProduce => "order_produce",
    }
}

/// `P7D`, `P2W`, `PT36H`: at most a year.
pub fn parse_within(text: &str) -> Option<Duration> {
    let rest = text.strip_prefix('P')?;
    let duration = if let Some(hours) = rest.strip_prefix('T') {
        Duration::hours(hours.strip_suffix('H')?.parse().ok()?)
    } else if let Some(days) = rest.strip_suffix('D') {
        Duration::days(days.parse().ok()?)
    } else {
        Duration::weeks(rest.strip_suffix('W')?.parse().ok()?)
    };
    (duration > Duration::zero() && duration <= Duration::days(366)).then_some(duration)
}

/// The deadlines of one request now running: its legal ones and, until it is
/// finished, its wanted-by date.
pub fn of_request(row: &super::request::MlaRequestRow) -> Vec<(DeadlineKind, NaiveDateTime)> {
    let mut out: Vec<(DeadlineKind, NaiveDateTime)> = [
        (DeadlineKind::Acknowledge, row.acknowledge_by),
        (DeadlineKind::Decide, row.decide_by),
        (DeadlineKind::Execute, row.execute_by),
    ]
    .into_iter()
    .filter_map(|(k, at)| Some((k, at?)))
    .collect();
    let finished = matches!(
        row.status(),
        super::request::RequestStatus::Executed
            | super::request::RequestStatus::Closed
            | super::request::RequestStatus::Refused
            | super::request::RequestStatus::Withdrawn
    );
    // The wanted-by day is due when it ends. Days stored before they were checked
    // strictly are read as the days they are; one that is none counts for nothing.
    if !finished
        && let Some(end) = row
            .wanted_by
            .as_deref()
            .and_then(crate::time::FullDate::from_stored)
            .and_then(|d| d.day().succ_opt())
    {
        out.push((DeadlineKind::WantedBy, end.and_time(chrono::NaiveTime::MIN)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestEventType as E;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    /// The EU investigation order's pattern: a week to acknowledge, 30 days (+30)
    /// to decide, 90 to execute; 24 hours to decide an emergency.
    fn eio() -> Deadlines {
        Deadlines {
            acknowledge_days: Some(7),
            decide_days: Some(30),
            decide_extension_days: Some(30),
            execute_days: Some(90),
            emergency_acknowledge_hours: Some(4),
            emergency_decide_hours: Some(24),
            ..Deadlines::default()
        }
    }

    #[test]
    fn each_stage_runs_from_the_event_that_opens_it() {
        let b = eio();
        let n = Urgency::Normal;
        let d = due_dates(&b, n, &[(E::Approved, at(1, 9)), (E::Submitted, at(2, 9))]);
        assert_eq!(d.acknowledge_by, Some(at(9, 9)));
        assert_eq!(d.decide_by, None);
        let d = due_dates(
            &b,
            n,
            &[(E::Submitted, at(2, 9)), (E::Acknowledged, at(3, 9))],
        );
        assert_eq!(d.acknowledge_by, None);
        assert_eq!(d.decide_by, Some(at(3, 9) + Duration::days(30)));
        let d = due_dates(
            &b,
            n,
            &[
                (E::Submitted, at(2, 9)),
                (E::Acknowledged, at(3, 9)),
                (E::Accepted, at(10, 9)),
            ],
        );
        assert_eq!(d.decide_by, None);
        assert_eq!(d.execute_by, Some(at(10, 9) + Duration::days(90)));
        let d = due_dates(
            &b,
            n,
            &[
                (E::Submitted, at(2, 9)),
                (E::Acknowledged, at(3, 9)),
                (E::Accepted, at(4, 9)),
                (E::Executed, at(20, 9)),
            ],
        );
        assert_eq!(d, DueDates::default());
    }

    #[test]
    fn emergencies_run_on_hours_where_the_basis_sets_them() {
        let d = due_dates(&eio(), Urgency::Emergency, &[(E::Submitted, at(2, 9))]);
        assert_eq!(d.acknowledge_by, Some(at(2, 13)));
        let d = due_dates(
            &eio(),
            Urgency::Emergency,
            &[
                (E::Submitted, at(2, 9)),
                (E::Acknowledged, at(2, 10)),
                (E::Accepted, at(2, 20)),
            ],
        );
        // No emergency execution hours: the days apply.
        assert_eq!(d.execute_by, Some(at(2, 20) + Duration::days(90)));
    }

    #[test]
    fn one_extension_adds_its_days() {
        let d = due_dates(
            &eio(),
            Urgency::Normal,
            &[
                (E::Acknowledged, at(3, 9)),
                (E::DecisionExtended, at(20, 9)),
            ],
        );
        assert_eq!(d.decide_by, Some(at(3, 9) + Duration::days(60)));
    }

    #[test]
    fn questions_and_postponement_pause_the_decision() {
        let b = eio();
        let asked = [
            (E::Acknowledged, at(1, 9)),
            (E::InformationRequested, at(5, 9)),
        ];
        assert_eq!(due_dates(&b, Urgency::Normal, &asked).decide_by, None);
        let answered = [
            (E::Acknowledged, at(1, 9)),
            (E::InformationRequested, at(5, 9)),
            (E::InformationSupplied, at(8, 9)),
        ];
        // Three days paused.
        assert_eq!(
            due_dates(&b, Urgency::Normal, &answered).decide_by,
            Some(at(1, 9) + Duration::days(33))
        );
        let postponed = [
            (E::Acknowledged, at(1, 9)),
            (E::Postponed, at(5, 9)),
            (E::Accepted, at(25, 9)),
        ];
        let d = due_dates(&b, Urgency::Normal, &postponed);
        assert_eq!(d.decide_by, None);
        assert_eq!(d.execute_by, Some(at(25, 9) + Duration::days(90)));
    }

    #[test]
    fn windows_are_days_weeks_or_hours_up_to_a_year() {
        assert_eq!(parse_within("P7D"), Some(Duration::days(7)));
        assert_eq!(parse_within("P2W"), Some(Duration::weeks(2)));
        assert_eq!(parse_within("PT36H"), Some(Duration::hours(36)));
        for bad in ["P0D", "P400D", "7D", "P1M", "PT", "P", "P-1D"] {
            assert_eq!(parse_within(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_basis_without_deadlines_runs_none() {
        let d = due_dates(
            &Deadlines::default(),
            Urgency::Emergency,
            &[
                (E::Submitted, at(2, 9)),
                (E::Acknowledged, at(3, 9)),
                (E::Accepted, at(4, 9)),
            ],
        );
        assert_eq!(d, DueDates::default());
    }
}
