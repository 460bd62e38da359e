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
    }
}

/// The status of an MLA request or of a preservation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(untagged)]
pub enum AnyStatus {
    Request(super::request::RequestStatus),
    Preservation(super::preservations::model::PreservationStatus),
}

/// A deadline the caller may see: what falls due, or is overdue, on which request.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Deadline {
    /// The MLA request's or the preservation's id.
    pub request_id: String,
    /// Whether it is an MLA request or a preservation.
    pub request_type: super::basis::RequestType,
    #[schema(example = "JM-MLA-2026-000007")]
    pub reference: String,
    pub deadline: DeadlineKind,
    pub due_at: crate::time::UtcTimestamp,
    pub overdue: bool,
    pub status: AnyStatus,
    /// Seen from the caller's state.
    pub direction: super::request::Direction,
    pub requesting_country: String,
    pub requested_country: String,
    /// An MLA request's urgency (absent for preservations, expedited by nature).
    pub urgency: Option<Urgency>,
}

/// The filters of the deadline list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadlineFilter {
    /// How far ahead, as an ISO 8601 duration of days, weeks or hours (`P7D`,
    /// `P2W`, `PT36H`); at most a year. Default `P7D`.
    #[param(pattern = "^P(([0-9]{1,3}[DW])|(T[0-9]{1,4}H))$")]
    pub within: Option<String>,
    pub direction: Option<super::request::Direction>,
    /// Only requests or preservations in this state.
    pub status: Option<AnyStatus>,
    /// Requests between the caller's state and this one.
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    /// Only what is overdue now.
    pub overdue: Option<bool>,
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

/// What falls due on the requests and preservations `caller` may see up to `until`,
/// or is overdue, as `filter` narrows it: soonest first (so overdue first), each
/// with the key the list pages by.
pub fn due(
    conn: &mut crate::db::DbConn,
    caller: &crate::auth::Principal,
    filter: &DeadlineFilter,
    now: chrono::NaiveDateTime,
    until: chrono::NaiveDateTime,
) -> crate::error::ApiResult<Vec<(String, Deadline)>> {
    use super::access::Scope;
    use super::basis::RequestType;
    use super::preservations::access::PreservationScope;
    use super::queries;
    use super::request::Direction;
    use crate::error::ApiError;
    let scope = Scope::of(caller);
    let preserving = PreservationScope::of(caller);
    if scope.is_empty() && preserving.is_empty() {
        return Err(ApiError::forbidden("your roles give no access to requests"));
    }
    let until_date = (until.date() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let rows = if scope.is_empty() {
        Vec::new()
    } else {
        queries::requests_due(conn, &scope, filter.direction, until, until_date)?
    };
    let preservations = if preserving.is_empty() {
        Vec::new()
    } else {
        super::preservations::queries::expiring(conn, &preserving, filter.direction, until)?
    };
    let between = |requesting: &str, requested: &str| {
        filter
            .country
            .as_deref()
            .is_none_or(|c| (requesting == c || requested == c) && c != caller.country)
    };
    let direction_of = |requesting: &str| {
        if requesting == caller.country {
            Direction::Outgoing
        } else {
            Direction::Incoming
        }
    };
    let mut keyed: Vec<(String, Deadline)> = Vec::new();
    let mut keep = |deadline: Deadline| {
        if deadline.due_at.naive() > until
            || (filter.overdue == Some(true) && !deadline.overdue)
            || filter.status.is_some_and(|s| s != deadline.status)
        {
            return;
        }
        let key = format!(
            "{}|{}|{}",
            deadline.due_at.naive().format("%Y%m%d%H%M%S%6f"),
            deadline.request_id,
            deadline.deadline.as_str()
        );
        keyed.push((key, deadline));
    };
    for row in rows
        .iter()
        .filter(|r| between(&r.requesting_country, &r.requested_country))
    {
        for (kind, due) in of_request(row) {
            keep(Deadline {
                request_id: row.id.clone(),
                request_type: RequestType::Mla,
                reference: row.reference.clone(),
                deadline: kind,
                due_at: due.into(),
                overdue: due < now,
                status: AnyStatus::Request(row.status()),
                direction: direction_of(&row.requesting_country),
                requesting_country: row.requesting_country.clone(),
                requested_country: row.requested_country.clone(),
                urgency: Some(
                    super::request::Urgency::parse(&row.urgency)
                        .unwrap_or(super::request::Urgency::Normal),
                ),
            });
        }
    }
    for row in preservations
        .iter()
        .filter(|r| between(&r.requesting_country, &r.requested_country))
    {
        let Some(due) = row.expires_at else { continue };
        keep(Deadline {
            request_id: row.id.clone(),
            request_type: RequestType::Preservation,
            reference: row.reference.clone(),
            deadline: DeadlineKind::ExpiresAt,
            due_at: due.into(),
            overdue: due < now,
            status: AnyStatus::Preservation(row.status()),
            direction: direction_of(&row.requesting_country),
            requesting_country: row.requesting_country.clone(),
            requested_country: row.requested_country.clone(),
            urgency: None,
        });
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed)
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
