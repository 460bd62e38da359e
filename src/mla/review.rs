//! What the review pages read of a request: the request as the API shows it, its
//! history, and whether the reader may approve it now; and the approval a page
//! records, through the same ledger job as the API's.

use super::access::{self, visible};
use super::documents::{Document, RequestRef};
use super::events::{NewRequestEvent, RequestEvent, RequestEventType};
use super::jobs::{Recording, RequestEvents};
use super::queries;
use super::request::{MlaRequest, MlaRequestRow, RequestStatus};
use crate::auth::{Credentials, Principal};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Event;
use crate::state::AppState;

pub struct RequestReview {
    pub request: MlaRequest,
    pub history: Vec<Step>,
    /// A draft, and the reader is a prosecutor of the requesting state.
    pub may_approve: bool,
    /// Its documents, in the order they were added.
    pub documents: Vec<super::documents::Document>,
    /// The kinds of document the reader may add now.
    pub addable: Vec<super::documents::DocumentKind>,
    /// The request's codes in words: its states' and its legal basis's names.
    pub names: RequestNames,
    /// Its case, when the reader may see it too.
    pub case: Option<crate::cases::model::CaseRow>,
}

/// A step of a request's history, and who took it.
pub struct Step {
    pub event: RequestEvent,
    /// The person, agency and state its entry names; none for a step the service
    /// recorded itself (a preservation that ran out).
    pub by: Option<StepBy>,
}

/// Who took a step, in words.
pub struct StepBy {
    pub person: String,
    pub agency: String,
    pub state: String,
}

/// What a request's codes name.
pub struct RequestNames {
    pub requesting_state: String,
    pub requested_state: String,
    pub legal_basis: String,
}

/// A request the caller may see (404 otherwise, as for a missing one).
pub fn read(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<RequestReview> {
    let row = visible(conn, caller, id, event)?;
    let may_approve = row.status() == RequestStatus::Draft
        && access::may_record(caller, &row, RequestEventType::Approved).is_ok();
    let events: Vec<RequestEvent> = queries::entries(conn, &row.id)?
        .into_iter()
        .map(RequestEvent::from)
        .collect();
    let history = steps(conn, events)?;
    let documents = super::documents::documents_of(conn, &RequestRef::Mla(row.id.clone()))?
        .into_iter()
        .map(|(document, content)| Document::of(document, &content))
        .collect();
    let addable = super::documents::addable_kinds(caller, &row);
    let names = names_of(
        conn,
        &row.requesting_country,
        &row.requested_country,
        &row.legal_basis,
    )?;
    let case = crate::cases::access::seen(conn, caller, &row.case_id)?;
    let request = super::routes::view(conn, row)?;
    Ok(RequestReview {
        case,
        request,
        history,
        may_approve,
        documents,
        addable,
        names,
    })
}

/// What the review pages read of a preservation.
pub struct PreservationReview {
    pub preservation: super::preservations::model::Preservation,
    pub history: Vec<Step>,
    pub documents: Vec<Document>,
    pub names: RequestNames,
    /// The request for assistance that followed it, when the reader sees that too.
    pub followed_by: Option<MlaRequestRow>,
}

/// A preservation the caller may see (404 otherwise, as for a missing one).
pub fn read_preservation(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<PreservationReview> {
    let row = super::preservations::access::visible(conn, caller, id, event)?;
    let events: Vec<RequestEvent> = queries::entries(conn, &row.id)?
        .into_iter()
        .map(RequestEvent::from)
        .collect();
    let history = steps(conn, events)?;
    let documents =
        super::documents::documents_of(conn, &RequestRef::Preservation(row.id.clone()))?
            .into_iter()
            .map(|(document, content)| Document::of(document, &content))
            .collect();
    let names = names_of(
        conn,
        &row.requesting_country,
        &row.requested_country,
        &row.legal_basis,
    )?;
    let followed_by = match &row.mla_request_id {
        Some(request_id) => match queries::request(conn, request_id)? {
            Some(request) if access::sees(conn, caller, &request)? => Some(request),
            _ => None,
        },
        None => None,
    };
    Ok(PreservationReview {
        preservation: row.into(),
        history,
        documents,
        names,
        followed_by,
    })
}

/// The names of a request's states and legal basis.
pub fn names_of(
    conn: &mut DbConn,
    requesting: &str,
    requested: &str,
    basis: &str,
) -> ApiResult<RequestNames> {
    let state = |conn: &mut DbConn, code: &str| {
        crate::countries::queries::name_of(conn, code).map(|n| n.unwrap_or_else(|| code.to_owned()))
    };
    Ok(RequestNames {
        requesting_state: state(conn, requesting)?,
        requested_state: state(conn, requested)?,
        legal_basis: match crate::catalogue::current().legal_basis_name(basis) {
            Some(name) => name.to_owned(),
            None => queries::legal_basis(conn, basis)?.map_or_else(|| basis.to_owned(), |b| b.name),
        },
    })
}

/// Each event with who took it, named from the directory of people and agencies.
pub fn steps(conn: &mut DbConn, events: Vec<RequestEvent>) -> ApiResult<Vec<Step>> {
    let actor =
        |e: &RequestEvent, member: &str| e.entry["actor"][member].as_str().map(str::to_owned);
    let people: Vec<String> = events.iter().filter_map(|e| actor(e, "user_id")).collect();
    let agencies: Vec<String> = events
        .iter()
        .filter_map(|e| actor(e, "agency_id"))
        .collect();
    let directory = crate::custody::queries::directory(conn, &people, &agencies)?;
    let mut states = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let by = match (actor(&event, "user_id"), actor(&event, "agency_id")) {
            (Some(user), Some(agency)) => {
                let country = actor(&event, "country").unwrap_or_default();
                if !states.contains_key(&country) {
                    let name = crate::countries::queries::name_of(conn, &country)?
                        .unwrap_or_else(|| country.clone());
                    states.insert(country.clone(), name);
                }
                Some(StepBy {
                    person: directory.people.get(&user).cloned().unwrap_or(user),
                    agency: directory
                        .agencies
                        .get(&agency)
                        .map_or(agency, |a| a.name.clone()),
                    state: states[&country].clone(),
                })
            }
            _ => None,
        };
        out.push(Step { event, by });
    }
    Ok(out)
}

/// Approves a draft as `credentials`' holder: refused as the API refuses it (403 for
/// one who may not, 409 when it is no draft, 422 listing what its basis still needs).
pub async fn approve(
    state: &AppState,
    credentials: Credentials,
    request_id: String,
) -> ApiResult<()> {
    let recording = Recording {
        credentials,
        request_id,
        event: NewRequestEvent::of(RequestEventType::Approved),
        by_service: None,
    };
    state
        .ledger
        .submit::<RequestEvents>(recording, None)
        .await
        .map(drop)
}

/// The most a desk lists at once.
const DESK_LIMIT: i64 = 100;

/// A case's requests that the caller sees, newest first (for the case page's links).
pub fn requests_of_case(
    conn: &mut DbConn,
    caller: &Principal,
    case_id: &str,
) -> ApiResult<Vec<MlaRequestRow>> {
    let scope = super::access::Scope::of(caller);
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let filter = super::request::RequestFilter {
        case_id: Some(case_id.to_owned()),
        ..Default::default()
    };
    let mut rows = queries::requests(conn, &scope, &filter, None, DESK_LIMIT)?;
    rows.truncate(DESK_LIMIT as usize);
    Ok(rows)
}

/// A draft that waits for the reader's approval, with its names.
pub struct AwaitingApproval {
    pub request: MlaRequest,
    pub names: RequestNames,
}

/// Drafts the caller may approve now: those of the requests they see that wait for a
/// prosecutor of the requesting state.
pub fn awaiting_approval(
    conn: &mut DbConn,
    caller: &Principal,
) -> ApiResult<Vec<AwaitingApproval>> {
    let scope = super::access::Scope::of(caller);
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let filter = super::request::RequestFilter {
        status: Some(RequestStatus::Draft),
        ..Default::default()
    };
    let rows: Vec<_> = queries::requests(conn, &scope, &filter, None, DESK_LIMIT)?
        .into_iter()
        .take(DESK_LIMIT as usize)
        .filter(|row| access::may_record(caller, row, RequestEventType::Approved).is_ok())
        .collect();
    rows.into_iter()
        .map(|row| {
            let names = names_of(
                conn,
                &row.requesting_country,
                &row.requested_country,
                &row.legal_basis,
            )?;
            Ok(AwaitingApproval {
                request: super::routes::view(conn, row)?,
                names,
            })
        })
        .collect()
}
