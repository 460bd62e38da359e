//! Which requests a caller's roles reach, as data: the list's filter
//! (`queries::requests`) and the single request's check (`access::visible`) read the
//! same scope.

use super::request::MlaRequestRow;
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::cases::access::has_case_role;

/// What of the requests the caller may see: the list's filter and the single
/// request's check say the same.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Requests of cases this agency owns (for its case team).
    pub requesting_agency: Option<String>,
    /// Every request of this state (for its central authority).
    pub requesting_country: Option<String>,
    /// Submitted requests to this state (for its central authority).
    pub requested_country: Option<String>,
    /// Requests of this state about cases this agency takes part in (for prosecutors).
    pub prosecuting: Option<Prosecuting>,
    /// Requests assigned to this agency for execution (the request, not its case).
    pub executing_agency: Option<String>,
}

/// A prosecutor's reach: their agency, in their state.
#[derive(Debug, Clone)]
pub struct Prosecuting {
    pub agency_id: String,
    pub country: String,
}

impl Scope {
    pub fn of(caller: &Principal) -> Scope {
        let authority = caller.has(Role::CentralAuthority);
        Scope {
            requesting_agency: has_case_role(caller).then(|| caller.agency_id.clone()),
            requesting_country: authority.then(|| caller.country.clone()),
            requested_country: authority.then(|| caller.country.clone()),
            prosecuting: caller.has(Role::Prosecutor).then(|| Prosecuting {
                agency_id: caller.agency_id.clone(),
                country: caller.country.clone(),
            }),
            executing_agency: has_case_role(caller).then(|| caller.agency_id.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.requesting_agency.is_none()
            && self.requesting_country.is_none()
            && self.requested_country.is_none()
            && self.prosecuting.is_none()
            && self.executing_agency.is_none()
    }

    /// Whether the scope covers `row` without asking which cases the agency takes
    /// part in.
    pub fn covers(&self, row: &MlaRequestRow) -> bool {
        self.executing_agency.is_some() && self.executing_agency == row.executing_agency_id
            || self.requesting_agency.as_deref() == Some(row.requesting_agency_id.as_str())
            || self.requesting_country.as_deref() == Some(row.requesting_country.as_str())
            || (row.submitted_at.is_some()
                && self.requested_country.as_deref() == Some(row.requested_country.as_str()))
    }
}
