//! Which orders a caller's roles reach, as data: the list's filter
//! (`queries::list`) and the single order's check (`access::visible`) read the same
//! scope.

use super::model::{OrderRow, Reader};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::cases::access::has_case_role;
pub use crate::mla::scope::Prosecuting;

/// What of the orders a caller's roles reach, as data: the list's filter
/// (`queries::list`) and the single order's check (`visible`) read the same.
#[derive(Debug, Clone, Default)]
pub struct OrderScope {
    /// Orders of this agency's cases (its case team).
    pub requesting_agency: Option<String>,
    /// Orders of this state about cases this agency takes part in (prosecutors).
    pub prosecuting: Option<Prosecuting>,
    /// Orders sent to this provider (its liaisons).
    pub provider: Option<String>,
    /// Orders sent to providers of this state with notice to it (its central
    /// authority).
    pub notified_country: Option<String>,
}

impl OrderScope {
    pub fn of(caller: &Principal) -> OrderScope {
        let liaison = caller.has(Role::ProviderLiaison);
        OrderScope {
            requesting_agency: (!liaison && has_case_role(caller))
                .then(|| caller.agency_id.clone()),
            prosecuting: caller.has(Role::Prosecutor).then(|| Prosecuting {
                agency_id: caller.agency_id.clone(),
                country: caller.country.clone(),
            }),
            provider: liaison.then(|| caller.agency_id.clone()),
            notified_country: caller
                .has(Role::CentralAuthority)
                .then(|| caller.country.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.requesting_agency.is_none()
            && self.prosecuting.is_none()
            && self.provider.is_none()
            && self.notified_country.is_none()
    }

    /// How the scope reaches `row` without asking which cases the agency takes part
    /// in: as its case team, from outside the case, or not at all.
    pub fn reaches(&self, row: &OrderRow) -> Option<Reader> {
        if self.requesting_agency.as_deref() == Some(row.requesting_agency_id.as_str()) {
            return Some(Reader::CaseTeam);
        }
        let sent = row.status().is_sent();
        let provider = self.provider.as_deref() == Some(row.provider_id.as_str());
        let notified =
            row.notified && self.notified_country.as_deref() == Some(row.provider_country.as_str());
        (sent && (provider || notified)).then_some(Reader::Outside)
    }

    /// How the caller reads an order the list (`queries::list`) returned: one the
    /// scope does not reach directly came through the prosecutor's part in its case.
    pub fn reader_of_listed(&self, row: &OrderRow) -> Reader {
        self.reaches(row).unwrap_or(Reader::CaseTeam)
    }
}
