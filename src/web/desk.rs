//! The desk: for each role the person holds, a short list of what they must act on,
//! soonest first, every row a link. Each list is read through its feature's access
//! policy and audited as the API's list of the same things.

use super::page::{Leave, Me, PageResult, html};
use super::visitor::Visitor;
use crate::auth::roles::Role;
use crate::cases::model::CaseRow;
use crate::catalogue::{PageWords, in_words};
use crate::countries::queries::StateNames;
use crate::custody::model::EvidenceRow;
use crate::error::ApiError;
use crate::ledger::Action;
use crate::mla::desk::{AuthorityWork, DeskPreservation, DeskRequest, DeskTask, NextDeadline};
use crate::mla::review::AwaitingApproval;
use crate::state::AppState;
use crate::time::Clock;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "desk.html", config = "src/web/askama.toml")]
struct DeskPage<'a> {
    w: &'a PageWords,
    me: Option<Me>,
    /// Whether to lead to the monitoring page.
    monitoring: bool,
    /// The parts the person's roles give them, in this order; a part the person
    /// has no role for is not shown at all.
    case_team: Option<CaseTeamPart>,
    authority: Option<AuthorityPart>,
    contact_point: Option<Vec<WorkLine>>,
    prosecutor: Option<ProsecutorPart>,
    auditor: Option<Vec<VerifiableLine>>,
    deadlines: Option<Vec<DeadlineLine>>,
    /// Orders to providers that wait on someone: for the case team, the provider's
    /// liaisons and the notified state's central authority.
    orders: Option<Vec<OrderLine>>,
}

/// An order as a desk lists it.
struct OrderLine {
    id: String,
    reference: String,
    provider: String,
    status: String,
    due: Due,
}

/// An investigator's or supervisor's part.
struct CaseTeamPart {
    cases: Vec<CaseLine>,
    requests: Vec<WorkLine>,
    preservations: Vec<WorkLine>,
    receipts: Vec<ItemLine>,
}

/// A central authority's part.
struct AuthorityPart {
    incoming: Vec<WorkLine>,
    outgoing: Vec<WorkLine>,
}

/// A prosecutor's part.
struct ProsecutorPart {
    referred: Vec<CaseLine>,
    awaiting: Vec<ApprovalLine>,
}

/// A case as a desk lists it.
struct CaseLine {
    id: String,
    reference: String,
    title: String,
    status: String,
}

/// A request or a preservation as a desk lists it: what is to be done, and by when.
#[derive(Clone)]
struct WorkLine {
    id: String,
    reference: String,
    /// The other state, by name.
    other_state: String,
    status: String,
    task: String,
    due: Due,
}

/// What a desk line is made of, whichever kind of request it is.
struct Work<'a> {
    id: String,
    reference: String,
    requesting: &'a str,
    requested: &'a str,
    /// The status, in words.
    status: String,
    task: DeskTask,
    next: &'a Option<NextDeadline>,
}

/// A deadline in words: which, when, whether it has passed ("none set" when none
/// runs).
#[derive(Clone)]
struct Due {
    kind: String,
    at: String,
    overdue: bool,
}

/// A draft awaiting a prosecutor's approval.
struct ApprovalLine {
    id: String,
    reference: String,
    to: String,
    basis: String,
    missing: usize,
}

/// An evidence item as a desk lists it.
struct ItemLine {
    id: String,
    label: String,
    description: String,
}

/// An item an auditor may verify: its label and when it was registered.
struct VerifiableLine {
    id: String,
    label: String,
    registered: String,
}

/// A deadline of the person's requests and preservations in the coming week.
struct DeadlineLine {
    reference: String,
    /// Where it leads: a request's or a preservation's page.
    href: String,
    kind: String,
    due: String,
    overdue: bool,
}

/// What the desk says of a deadline.
fn due(w: &PageWords, clock: &Clock, next: &Option<NextDeadline>) -> Due {
    match next {
        Some(d) => Due {
            kind: in_words(w.deadline_kinds, d.kind.as_str()),
            at: clock.show_stored(d.due.into(), false),
            overdue: d.overdue,
        },
        None => Due {
            kind: w.none_set_by_basis.to_owned(),
            at: String::new(),
            overdue: false,
        },
    }
}

fn case_lines(w: &PageWords, cases: Vec<CaseRow>) -> Vec<CaseLine> {
    cases
        .into_iter()
        .map(|c| CaseLine {
            status: in_words(w.case_statuses, &c.status),
            id: c.id,
            reference: c.reference,
            title: c.title,
        })
        .collect()
}

/// A desk line in words; the other state is the requested one unless the person's
/// own state is.
fn work_line(
    w: &PageWords,
    clock: &Clock,
    states: &StateNames,
    mine: &str,
    work: Work<'_>,
) -> WorkLine {
    let other = if work.requested == mine {
        work.requesting
    } else {
        work.requested
    };
    WorkLine {
        other_state: states.of(other),
        task: in_words(w.desk_tasks, work.task.as_str()),
        due: due(w, clock, work.next),
        status: work.status,
        id: work.id,
        reference: work.reference,
    }
}

fn request_lines(
    w: &PageWords,
    clock: &Clock,
    states: &StateNames,
    mine: &str,
    requests: Vec<DeskRequest>,
) -> Vec<WorkLine> {
    requests
        .into_iter()
        .map(|r| {
            let work = Work {
                status: in_words(w.request_statuses, &r.row.status),
                requesting: &r.row.requesting_country,
                requested: &r.row.requested_country,
                task: r.task,
                next: &r.next,
                id: r.row.id.clone(),
                reference: r.row.reference.clone(),
            };
            work_line(w, clock, states, mine, work)
        })
        .collect()
}

fn preservation_lines(
    w: &PageWords,
    clock: &Clock,
    states: &StateNames,
    mine: &str,
    preservations: Vec<DeskPreservation>,
) -> Vec<WorkLine> {
    preservations
        .into_iter()
        .map(|p| {
            let work = Work {
                status: in_words(w.preservation_statuses, &p.row.status),
                requesting: &p.row.requesting_country,
                requested: &p.row.requested_country,
                task: p.task,
                next: &p.next,
                id: p.row.id.clone(),
                reference: p.row.reference.clone(),
            };
            work_line(w, clock, states, mine, work)
        })
        .collect()
}

fn item_lines(items: Vec<EvidenceRow>) -> Vec<ItemLine> {
    items
        .into_iter()
        .map(|i| ItemLine {
            id: i.id,
            label: i.label,
            description: i.description,
        })
        .collect()
}

/// What the desk reads of cases.
#[derive(Default)]
struct CasesRead {
    worked: Vec<CaseRow>,
    referred: Vec<CaseRow>,
}

/// What the desk reads of requests.
#[derive(Default)]
struct RequestsRead {
    team: Vec<DeskRequest>,
    authority: AuthorityWork,
    awaiting: Vec<AwaitingApproval>,
}

/// Which parts the person's roles give them.
struct Parts {
    case_team: bool,
    prosecutor: bool,
    authority: bool,
    contact_point: bool,
    auditor: bool,
}

impl Parts {
    fn of(visitor: &Visitor) -> Parts {
        Parts {
            case_team: visitor.has(Role::Investigator) || visitor.has(Role::Supervisor),
            prosecutor: visitor.has(Role::Prosecutor),
            authority: visitor.has(Role::CentralAuthority),
            contact_point: visitor.has(Role::ContactPoint),
            auditor: visitor.has(Role::Auditor),
        }
    }
}

/// The cases the person works and those referred to their service (audited as the
/// case list).
async fn read_cases(state: &AppState, visitor: &Visitor) -> Result<CasesRead, Leave> {
    let read = state
        .read_as(
            visitor.credentials(),
            Action::CaseList,
            |conn, caller, event| {
                let worked = crate::cases::desk::worked_by(conn, caller)?;
                let referred = crate::cases::desk::referred_to(conn, caller)?;
                let ids: Vec<&str> = worked
                    .iter()
                    .chain(&referred)
                    .map(|c| c.id.as_str())
                    .collect();
                event.set_detail("case_ids", ids);
                event.set_detail("page", "desk");
                Ok(CasesRead { worked, referred })
            },
        )
        .await?;
    Ok(read)
}

/// The requests of the person's cases, their authority's work and the drafts
/// awaiting their approval (audited as the request list).
async fn read_requests(
    state: &AppState,
    visitor: &Visitor,
    worked_ids: Vec<String>,
) -> Result<RequestsRead, Leave> {
    let read = state
        .read_as(
            visitor.credentials(),
            Action::MlaRequestList,
            move |conn, caller, event| {
                let now = crate::db::now();
                let team = crate::mla::desk::case_team_requests(conn, caller, &worked_ids, now)?;
                let authority = crate::mla::desk::authority_work(conn, caller, now)?;
                let awaiting = crate::mla::review::awaiting_approval(conn, caller)?;
                let ids: Vec<&str> = team
                    .iter()
                    .chain(&authority.incoming)
                    .chain(&authority.outgoing)
                    .map(|r| r.row.id.as_str())
                    .chain(awaiting.iter().map(|r| r.request.id.as_str()))
                    .collect();
                event.set_detail("request_ids", ids);
                event.set_detail("page", "desk");
                Ok(RequestsRead {
                    team,
                    authority,
                    awaiting,
                })
            },
        )
        .await?;
    Ok(read)
}

/// The preservations the person must act on (audited as the preservation list).
async fn read_preservations(
    state: &AppState,
    visitor: &Visitor,
) -> Result<Vec<DeskPreservation>, Leave> {
    let found = state
        .read_as(
            visitor.credentials(),
            Action::PreservationList,
            |conn, caller, event| {
                let found = crate::mla::desk::preservations(conn, caller, crate::db::now())?;
                let ids: Vec<&str> = found.iter().map(|p| p.row.id.as_str()).collect();
                event.set_detail("preservation_ids", ids);
                event.set_detail("page", "desk");
                Ok(found)
            },
        )
        .await?;
    Ok(found)
}

/// Items on their way to the person (audited as the incoming transfers' list).
async fn read_receipts(state: &AppState, visitor: &Visitor) -> Result<Vec<EvidenceRow>, Leave> {
    let items = state
        .read_as(
            visitor.credentials(),
            Action::TransferList,
            |conn, caller, event| {
                let items = crate::custody::record::awaiting_receipt(conn, caller)?;
                let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
                event.set_detail("evidence_ids", ids);
                event.set_detail("direction", "incoming");
                event.set_detail("page", "desk");
                Ok(items)
            },
        )
        .await?;
    Ok(items)
}

/// The items an auditor may verify (audited as an evidence list).
async fn read_verifiable(
    state: &AppState,
    visitor: &Visitor,
    clock: &Clock,
) -> Result<Vec<VerifiableLine>, Leave> {
    let items = state
        .read_as(
            visitor.credentials(),
            Action::EvidenceList,
            |conn, caller, event| {
                let items = crate::custody::record::verifiable_items(conn, caller)?;
                let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
                event.set_detail("evidence_ids", ids);
                event.set_detail("page", "desk");
                Ok(items)
            },
        )
        .await?;
    Ok(items
        .into_iter()
        .map(|i| VerifiableLine {
            registered: clock.show(i.registered_at.and_utc(), false),
            id: i.id,
            label: i.label,
        })
        .collect())
}

pub async fn page(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let w = super::page::words();
    let clock = Clock::of_country(&visitor.me.country);
    let parts = Parts::of(&visitor);
    let mine = visitor.signed.principal.country.clone();
    // Only the reads the person's parts need (each is an audited read).
    let cases = if parts.case_team || parts.prosecutor {
        read_cases(&state, &visitor).await?
    } else {
        CasesRead::default()
    };
    let requests = if parts.case_team || parts.prosecutor || parts.authority {
        let worked_ids = cases.worked.iter().map(|c| c.id.clone()).collect();
        read_requests(&state, &visitor, worked_ids).await?
    } else {
        RequestsRead::default()
    };
    let preservations = if parts.case_team || parts.contact_point {
        read_preservations(&state, &visitor).await?
    } else {
        Vec::new()
    };
    let receipts = if parts.case_team {
        read_receipts(&state, &visitor).await?
    } else {
        Vec::new()
    };
    let auditor = if parts.auditor {
        Some(read_verifiable(&state, &visitor, &clock).await?)
    } else {
        None
    };
    let deadlines = if parts.case_team || parts.prosecutor {
        Some(deadlines(&state, &visitor, clock).await?)
    } else {
        None
    };
    let orders = order_lines(&state, &visitor, clock).await?;
    // States' names are no one's secret: read without an audit entry.
    let states = state.db(crate::countries::queries::names_of_all).await?;
    let preservations = preservation_lines(w, &clock, &states, &mine, preservations);
    let page = DeskPage {
        w,
        monitoring: visitor.has(Role::Monitor) || visitor.has(Role::RegionalAdmin),
        case_team: parts.case_team.then(|| CaseTeamPart {
            cases: case_lines(w, cases.worked),
            requests: request_lines(w, &clock, &states, &mine, requests.team),
            // A point of contact sees them in their own part.
            preservations: if parts.contact_point {
                Vec::new()
            } else {
                preservations.clone()
            },
            receipts: item_lines(receipts),
        }),
        authority: parts.authority.then(|| AuthorityPart {
            incoming: request_lines(w, &clock, &states, &mine, requests.authority.incoming),
            outgoing: request_lines(w, &clock, &states, &mine, requests.authority.outgoing),
        }),
        contact_point: parts.contact_point.then_some(preservations),
        prosecutor: parts.prosecutor.then(|| ProsecutorPart {
            referred: case_lines(w, cases.referred),
            awaiting: requests
                .awaiting
                .into_iter()
                .map(|a| ApprovalLine {
                    missing: a.request.missing_fields.len(),
                    to: a.names.requested_state,
                    basis: a.names.legal_basis,
                    id: a.request.id,
                    reference: a.request.reference,
                })
                .collect(),
        }),
        auditor,
        deadlines,
        orders,
        me: Some(visitor.me),
    };
    Ok(html(StatusCode::OK, page))
}

/// The orders that wait on someone, each with its next deadline; none for roles that
/// see no orders.
async fn order_lines(
    state: &AppState,
    visitor: &Visitor,
    clock: Clock,
) -> Result<Option<Vec<OrderLine>>, Leave> {
    const DESK_LIMIT: i64 = 50;
    let w = super::page::words();
    let lines = state
        .read_as(
            visitor.credentials(),
            Action::OrderList,
            move |conn, caller, event| {
                if crate::orders::access::OrderScope::of(caller).is_empty() {
                    return Ok(None);
                }
                let open = crate::orders::review::open(conn, caller, DESK_LIMIT)?;
                let ids: Vec<&str> = open.iter().map(|o| o.row.id.as_str()).collect();
                event.set_detail("order_ids", ids);
                event.set_detail("page", "desk");
                let now = crate::db::now();
                Ok(Some(
                    open.into_iter()
                        .map(|o| {
                            let next = crate::orders::deadlines::running(&o.row, now)
                                .into_iter()
                                .min_by_key(|(_, at)| *at);
                            OrderLine {
                                due: match next {
                                    Some((kind, at)) => Due {
                                        kind: in_words(w.deadline_kinds, kind.as_str()),
                                        at: clock.show_stored(at.into(), false),
                                        overdue: at < now,
                                    },
                                    None => Due {
                                        kind: w.none_set_by_basis.to_owned(),
                                        at: String::new(),
                                        overdue: false,
                                    },
                                },
                                status: in_words(w.order_statuses, &o.row.status),
                                provider: o.provider,
                                id: o.row.id,
                                reference: o.row.reference,
                            }
                        })
                        .collect(),
                ))
            },
        )
        .await?;
    Ok(lines)
}

/// The deadlines of the person's requests and preservations in the coming week.
async fn deadlines(
    state: &AppState,
    visitor: &Visitor,
    clock: Clock,
) -> Result<Vec<DeadlineLine>, Leave> {
    let w = super::page::words();
    let lines = state
        .read_as(
            visitor.credentials(),
            Action::MlaDeadlineList,
            move |conn, caller, event| {
                let now = crate::db::now();
                let filter = crate::deadlines::DeadlineFilter::default();
                let due = crate::deadlines::due(
                    conn,
                    caller,
                    &filter,
                    now,
                    now + chrono::Duration::days(7),
                )
                .or_else(|e| match e {
                    ApiError::Forbidden(_) => Ok(Vec::new()),
                    e => Err(e),
                })?;
                let ids: Vec<&str> = due.iter().map(|(_, d)| d.request_id.as_str()).collect();
                event.set_detail("request_ids", ids);
                event.set_detail("page", "desk");
                Ok(due
                    .into_iter()
                    .map(|(_, d)| DeadlineLine {
                        href: match d.request_type {
                            crate::mla::basis::RequestType::Mla => {
                                format!("/app/requests/{}", d.request_id)
                            }
                            crate::mla::basis::RequestType::Preservation => {
                                format!("/app/preservations/{}", d.request_id)
                            }
                            crate::mla::basis::RequestType::Order => {
                                format!("/app/orders/{}", d.request_id)
                            }
                        },
                        reference: d.reference,
                        kind: in_words(w.deadline_kinds, d.deadline.as_str()),
                        due: clock.show_stored(d.due_at, false),
                        overdue: d.overdue,
                    })
                    .collect())
            },
        )
        .await?;
    Ok(lines)
}
