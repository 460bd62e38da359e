//! Opening a case as a kind of ledger work. A batch's new cases get their gapless
//! per-country numbers in one statement, and are written in a few, however many there
//! are: a case creation costs its share of one commit instead of a commit of its own.

use super::access;
use super::model::{CaseRow, CaseStatus, CaseView, NewCase, Standing, encode_offences, reference};
use super::queries::{self, CaseYear};
use crate::auth::{Credentials, Principal, Principals};
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Action, Batch, Event, Kind, Loader, Outcome, Subject};
use crate::reply::Reply;
use crate::users::queries::{Membership, memberships};
use actix_web::http::StatusCode;
use chrono::Datelike;
use std::collections::{BTreeMap, HashMap};

/// A case to open, its fields already checked.
pub struct Opening {
    pub credentials: Credentials,
    pub case: NewCase,
}

#[derive(Default)]
pub struct Loaded {
    principals: Principals,
    leads: HashMap<String, Membership>,
}

/// The kind of case creations.
#[derive(Default)]
pub struct CaseCreation;

/// A creation that passed its checks, waiting for its number.
struct Checked<'p> {
    position: usize,
    opening: Opening,
    principal: &'p Principal,
    lead: Option<String>,
}

impl Kind for CaseCreation {
    type Job = Opening;
    type Loaded = Loaded;

    fn loader(&self, jobs: &[&Opening]) -> Option<Loader<Loaded>> {
        let sessions = Credentials::sessions(jobs.iter().map(|j| &j.credentials));
        let leads: Vec<String> = jobs
            .iter()
            .filter_map(|j| j.case.lead_investigator_id.clone())
            .collect();
        Some(Box::new(move |conn| {
            let principals = crate::auth::queries::load_principals(conn, &sessions)?;
            let leads = memberships(conn, &leads)?
                .into_iter()
                .map(|m| (m.id.clone(), m))
                .collect();
            Ok(Loaded { principals, leads })
        }))
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        loaded: Loaded,
        jobs: Vec<Opening>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        let mut results: Vec<ApiResult<Reply>> = Vec::with_capacity(jobs.len());
        let mut checked = Vec::new();
        for opening in jobs {
            let position = results.len();
            results.push(Ok(Reply::empty()));
            match check(batch, &loaded, position, opening) {
                Ok(c) => checked.push(c),
                Err(e) => results[position] = Err(e),
            }
        }
        if checked.is_empty() {
            return Ok(results);
        }
        let year = chrono::Utc::now().year();
        let mut wanted: BTreeMap<CaseYear, i32> = BTreeMap::new();
        for c in &checked {
            *wanted.entry(CaseYear::of(c.principal, year)).or_default() += 1;
        }
        let mut next = queries::reserve_case_numbers(batch.conn(), &wanted)?;
        let now = crate::db::now();
        let mut rows = Vec::with_capacity(checked.len());
        for c in checked {
            let number = next
                .get_mut(&CaseYear::of(c.principal, year))
                .expect("counted above");
            let case = &c.opening.case;
            let row = CaseRow {
                id: uuid::Uuid::now_v7().to_string(),
                reference: reference(&c.principal.country, year, *number),
                owner_agency_id: c.principal.agency_id.clone(),
                owner_country: c.principal.country.clone(),
                title: case.title.trim().to_owned(),
                summary: case.summary.trim().to_owned(),
                offences: encode_offences(&case.offences),
                priority: case.priority.as_str().to_owned(),
                status: CaseStatus::Open.as_str().to_owned(),
                lead_investigator_id: c.lead,
                created_by: c.principal.user_id.clone(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            *number += 1;
            let mut event = Event::by(Action::CaseCreate, c.principal, &c.opening.credentials.meta)
                .subject(Subject::new("case", &row.id, Some(&row.owner_country)))
                .case(&row.id)
                .detail("reference", row.reference.clone())
                .detail(
                    "offences",
                    crate::cases::figures::offences_detail(&row.offences),
                )
                .announcing(crate::cases::model::case_event("created", &row.id));
            for tally in crate::cases::figures::case_tallies(CaseStatus::Open, &row, now) {
                event.tally(tally);
            }
            batch.audit(event, Outcome::Success);
            results[c.position] =
                Ok(CaseView::new(row.clone(), Standing::Owner).reply(StatusCode::CREATED));
            rows.push(row);
        }
        queries::insert_cases(batch.conn(), &rows)?;
        Ok(results)
    }
}

/// The caller may open a case, and its lead is an active investigator or supervisor
/// of the caller's agency (the caller, by default, when an investigator).
fn check<'p>(
    batch: &mut Batch<'_>,
    loaded: &'p Loaded,
    position: usize,
    opening: Opening,
) -> ApiResult<Checked<'p>> {
    let principal = opening.credentials.principal(&loaded.principals)?;
    if let Err(e) = access::may_open(principal) {
        let event = Event::by(Action::CaseCreate, principal, &opening.credentials.meta)
            .detail("refused", e.kind().0);
        batch.audit(event, Outcome::Denied);
        return Err(e);
    }
    let lead = match &opening.case.lead_investigator_id {
        Some(id) => {
            let fits = loaded
                .leads
                .get(id)
                .is_some_and(|lead| lead.serves(&principal.agency_id, access::LEAD_ROLES));
            if !fits {
                return Err(ApiError::validation(
                    "lead_investigator_id",
                    "must be an active investigator or supervisor of the owning agency",
                ));
            }
            Some(id.clone())
        }
        None => principal
            .has(crate::auth::roles::Role::Investigator)
            .then(|| principal.user_id.clone()),
    };
    Ok(Checked {
        position,
        opening,
        principal,
        lead,
    })
}
