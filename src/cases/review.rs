//! What the case page reads of a case, in one audited read: the case, its owner, the
//! agencies it is shared with, and how its status came to be, with names for codes.

use super::access;
use super::model::{CaseRow, CaseStatus, ParticipantRow};
use super::queries;
use crate::auth::Principal;
use crate::countries::queries::StateNames;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::Event;
use std::collections::HashMap;

pub struct CaseReview {
    pub case: CaseRow,
    /// The owning agency's name.
    pub owner: String,
    pub participants: Vec<ParticipantRow>,
    pub history: Vec<StatusChange>,
    /// The names of the people the history names, by id.
    pub people: HashMap<String, String>,
    pub states: StateNames,
}

/// A case the caller may see (404 otherwise, as for a missing one).
pub fn read(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<CaseReview> {
    let case = access::visible(conn, caller, id, event)?.case;
    let owner = crate::agencies::find(conn, &case.owner_agency_id)?
        .map(|a| a.name)
        .unwrap_or_default();
    let participants = queries::participants(conn, &case.id)?;
    let history = status_history(conn, &case.id)?;
    let ids: Vec<String> = history
        .iter()
        .filter_map(|h| h.by_user_id.clone())
        .collect();
    let people = crate::users::queries::display_names(conn, &ids)?
        .into_iter()
        .collect();
    let states = crate::countries::queries::names(conn)?;
    Ok(CaseReview {
        case,
        owner,
        participants,
        history,
        people,
        states,
    })
}

/// A step of a case's status, as the audit trail recorded it.
pub struct StatusChange {
    pub at: chrono::NaiveDateTime,
    /// None when the case was opened.
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub by_user_id: Option<String>,
}

/// How a case's status came to be, oldest first: its opening, then each change of
/// status (other changes are left out).
pub fn status_history(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<StatusChange>> {
    let mut out = Vec::new();
    for change in queries::changes(conn, case_id)? {
        let entry: serde_json::Value = serde_json::from_str(&change.entry).unwrap_or_default();
        let details = &entry["details"];
        let reason = details["reason"].as_str().map(str::to_owned);
        if change.action == "case.create" {
            out.push(StatusChange {
                at: change.at,
                from: None,
                to: CaseStatus::Open.as_str().to_owned(),
                reason,
                by_user_id: change.actor_user_id,
            });
        } else if let Some(to) = details["status"]["to"].as_str() {
            out.push(StatusChange {
                at: change.at,
                from: details["status"]["from"].as_str().map(str::to_owned),
                to: to.to_owned(),
                reason,
                by_user_id: change.actor_user_id,
            });
        }
    }
    Ok(out)
}
