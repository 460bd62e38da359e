//! What the desks show of requests and preservations: for each role, the ones its
//! holder must act on now (or follow, when the other state has the next move), each
//! with what is to be done and its next deadline, overdue first, then soonest.
//!
//! - a central authority: incoming requests to acknowledge, decide, assign, follow
//!   in execution or close; outgoing ones to submit, to supply information for, to
//!   close, or waiting for an answer;
//! - an investigator or supervisor: the open requests of the cases they work, and
//!   those their agency executes; their agency's preservations that run out soon;
//! - a 24/7 point of contact: preservations to preserve, and those that run out soon.

use super::access::Scope;
use super::deadlines::{DeadlineKind, of_request};
use super::preservations::model::{PreservationRow, PreservationStatus};
use super::preservations::scope::PreservationScope;
use super::queries;
use super::request::{Direction, MlaRequestRow, RequestStatus};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::ApiResult;
use chrono::{Duration, NaiveDateTime};

/// The most a desk's list holds.
const DESK_LIMIT: i64 = 100;

/// How far ahead a desk looks for preservations that run out.
pub const EXPIRY_HORIZON_DAYS: i64 = 30;

crate::string_enum! {
    /// What the person is to do with a request or preservation on their desk.
    DeskTask {
        /// Complete the draft and have it approved.
        CompleteDraft => "complete_draft",
        Submit => "submit",
        SupplyInformation => "supply_information",
        Acknowledge => "acknowledge",
        Decide => "decide",
        Assign => "assign",
        /// Execution is under way: by the executing agency, followed by the authority.
        Execute => "execute",
        FollowExecution => "follow_execution",
        Close => "close",
        /// Approved, it waits for the requesting state's central authority to send it.
        AwaitSubmission => "await_submission",
        /// The other state has the next move.
        AwaitAnswer => "await_answer",
        Preserve => "preserve",
        /// The data's preservation runs out soon: extend it, or follow it with a
        /// request.
        ExtendOrFollow => "extend_or_follow",
    }
}

/// A deadline that runs: which, when, and whether it has passed.
#[derive(Debug, Clone)]
pub struct NextDeadline {
    pub kind: DeadlineKind,
    pub due: NaiveDateTime,
    pub overdue: bool,
}

/// A request on a desk.
pub struct DeskRequest {
    pub row: MlaRequestRow,
    pub task: DeskTask,
    pub next: Option<NextDeadline>,
}

/// A preservation on a desk.
pub struct DeskPreservation {
    pub row: PreservationRow,
    pub task: DeskTask,
    pub next: Option<NextDeadline>,
}

/// The work of a central authority: requests to its state, and from it.
#[derive(Default)]
pub struct AuthorityWork {
    pub incoming: Vec<DeskRequest>,
    pub outgoing: Vec<DeskRequest>,
}

/// The soonest deadline a request runs to.
fn next_of(row: &MlaRequestRow, now: NaiveDateTime) -> Option<NextDeadline> {
    of_request(row)
        .into_iter()
        .min_by_key(|(_, due)| *due)
        .map(|(kind, due)| NextDeadline {
            kind,
            due,
            overdue: due < now,
        })
}

/// Overdue first, then the soonest due, then those with no deadline (oldest first,
/// as they were read).
fn soonest_first<T>(items: &mut [T], next: impl Fn(&T) -> Option<&NextDeadline>) {
    items.sort_by_key(|item| match next(item) {
        Some(d) => (0, Some(d.due)),
        None => (1, None),
    });
}

fn statuses(of: &[RequestStatus]) -> Vec<&'static str> {
    of.iter().map(|s| s.as_str()).collect()
}

fn desk_requests(
    rows: Vec<MlaRequestRow>,
    now: NaiveDateTime,
    task: impl Fn(&MlaRequestRow) -> DeskTask,
) -> Vec<DeskRequest> {
    let mut out: Vec<DeskRequest> = rows
        .into_iter()
        .map(|row| DeskRequest {
            task: task(&row),
            next: next_of(&row, now),
            row,
        })
        .collect();
    soonest_first(&mut out, |r| r.next.as_ref());
    out
}

/// A central authority's requests: none for other roles.
pub fn authority_work(
    conn: &mut DbConn,
    caller: &Principal,
    now: NaiveDateTime,
) -> ApiResult<AuthorityWork> {
    use RequestStatus as S;
    if !caller.has(Role::CentralAuthority) {
        return Ok(AuthorityWork::default());
    }
    let scope = Scope {
        requesting_country: Some(caller.country.clone()),
        requested_country: Some(caller.country.clone()),
        ..Scope::default()
    };
    let incoming = queries::requests_in(
        conn,
        &scope,
        Some(Direction::Incoming),
        &statuses(&[
            S::Submitted,
            S::Delivered,
            S::Acknowledged,
            S::Postponed,
            S::Accepted,
            S::InExecution,
            S::PartiallyExecuted,
            S::Executed,
            S::Refused,
            S::InformationRequested,
        ]),
        None,
        DESK_LIMIT,
    )?;
    let incoming = desk_requests(incoming, now, |row| match row.status() {
        S::Submitted | S::Delivered => DeskTask::Acknowledge,
        S::Acknowledged | S::Postponed => DeskTask::Decide,
        S::Accepted => DeskTask::Assign,
        S::InExecution | S::PartiallyExecuted => DeskTask::FollowExecution,
        S::Executed | S::Refused => DeskTask::Close,
        _ => DeskTask::AwaitAnswer,
    });
    let outgoing = queries::requests_in(
        conn,
        &scope,
        Some(Direction::Outgoing),
        &statuses(&[
            S::Approved,
            S::Submitted,
            S::Delivered,
            S::Acknowledged,
            S::InformationRequested,
            S::Accepted,
            S::Postponed,
            S::InExecution,
            S::PartiallyExecuted,
            S::Executed,
            S::Refused,
        ]),
        None,
        DESK_LIMIT,
    )?;
    let outgoing = desk_requests(outgoing, now, |row| match row.status() {
        S::Approved => DeskTask::Submit,
        S::InformationRequested => DeskTask::SupplyInformation,
        S::Executed | S::Refused => DeskTask::Close,
        _ => DeskTask::AwaitAnswer,
    });
    Ok(AuthorityWork { incoming, outgoing })
}

/// The open requests of the cases the caller works (`case_ids`), and those their
/// agency executes; none for roles that handle no cases.
pub fn case_team_requests(
    conn: &mut DbConn,
    caller: &Principal,
    case_ids: &[String],
    now: NaiveDateTime,
) -> ApiResult<Vec<DeskRequest>> {
    use RequestStatus as S;
    if !(caller.has(Role::Investigator) || caller.has(Role::Supervisor)) {
        return Ok(Vec::new());
    }
    let open: Vec<&str> = RequestStatus::ALL
        .iter()
        .filter(|s| !matches!(s, S::Closed | S::Withdrawn))
        .map(|s| s.as_str())
        .collect();
    let ours = Scope {
        requesting_agency: Some(caller.agency_id.clone()),
        ..Scope::default()
    };
    let mut rows = queries::requests_in(
        conn,
        &ours,
        Some(Direction::Outgoing),
        &open,
        Some(case_ids),
        DESK_LIMIT,
    )?;
    let executing = Scope {
        executing_agency: Some(caller.agency_id.clone()),
        ..Scope::default()
    };
    for row in queries::requests_in(
        conn,
        &executing,
        Some(Direction::Incoming),
        &statuses(&[S::InExecution, S::PartiallyExecuted]),
        None,
        DESK_LIMIT,
    )? {
        if !rows.iter().any(|r| r.id == row.id) {
            rows.push(row);
        }
    }
    let agency = caller.agency_id.clone();
    Ok(desk_requests(rows, now, |row| {
        if row.executing_agency_id.as_deref() == Some(agency.as_str())
            && matches!(row.status(), S::InExecution | S::PartiallyExecuted)
        {
            DeskTask::Execute
        } else if row.status() == S::Draft {
            DeskTask::CompleteDraft
        } else if row.status() == S::Approved {
            DeskTask::AwaitSubmission
        } else {
            DeskTask::AwaitAnswer
        }
    }))
}

/// Preservations the caller must act on: for a point of contact, those their state
/// is asked to preserve (and has not yet) and those, either way, that run out within
/// the horizon; for a case team, their agency's that run out within it.
pub fn preservations(
    conn: &mut DbConn,
    caller: &Principal,
    now: NaiveDateTime,
) -> ApiResult<Vec<DeskPreservation>> {
    let until = now + Duration::days(EXPIRY_HORIZON_DAYS);
    let mut rows = Vec::new();
    if caller.has(Role::ContactPoint) {
        let ours = PreservationScope {
            country: Some(caller.country.clone()),
            ..PreservationScope::default()
        };
        for direction in [Direction::Incoming, Direction::Outgoing] {
            rows.extend(
                super::preservations::queries::awaiting_or_expiring(
                    conn, &ours, direction, now, until, DESK_LIMIT,
                )?
                .into_iter()
                .filter(|row| {
                    // One the other state must still preserve is theirs to act on.
                    direction == Direction::Incoming
                        || row.status() != PreservationStatus::Requested
                }),
            );
        }
    } else if caller.has(Role::Investigator) || caller.has(Role::Supervisor) {
        let ours = PreservationScope {
            requesting_agency: Some(caller.agency_id.clone()),
            ..PreservationScope::default()
        };
        rows.extend(
            super::preservations::queries::awaiting_or_expiring(
                conn,
                &ours,
                Direction::Outgoing,
                now,
                until,
                DESK_LIMIT,
            )?
            .into_iter()
            .filter(|row| row.status() != PreservationStatus::Requested),
        );
    }
    let mut out: Vec<DeskPreservation> = rows
        .into_iter()
        .map(|row| DeskPreservation {
            task: if row.status() == PreservationStatus::Requested {
                DeskTask::Preserve
            } else {
                DeskTask::ExtendOrFollow
            },
            next: row.expires_at.map(|due| NextDeadline {
                kind: DeadlineKind::ExpiresAt,
                due,
                overdue: due < now,
            }),
            row,
        })
        .collect();
    // One waiting to be preserved cannot wait: first of all.
    out.sort_by_key(|p| match (&p.next, p.task) {
        (_, DeskTask::Preserve) => (0, None),
        (Some(d), _) => (1, Some(d.due)),
        (None, _) => (2, None),
    });
    Ok(out)
}
