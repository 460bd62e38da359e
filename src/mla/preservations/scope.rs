//! Which preservations a caller's roles reach, as data: the list's filter
//! (`queries::list`) and the single preservation's check (`access::visible`) read the
//! same scope.

use super::model::PreservationRow;
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::cases::access::has_case_role;

/// What of the preservations the caller may see: the list's filter and the single
/// preservation's check read the same.
#[derive(Debug, Clone, Default)]
pub struct PreservationScope {
    /// Preservations for this agency's investigations (its case team).
    pub requesting_agency: Option<String>,
    /// Preservations this state sent or received (its points of contact and central
    /// authority).
    pub country: Option<String>,
}

pub fn is_liaison(caller: &Principal) -> bool {
    caller.has(Role::ContactPoint) || caller.has(Role::CentralAuthority)
}

impl PreservationScope {
    pub fn of(caller: &Principal) -> PreservationScope {
        PreservationScope {
            requesting_agency: has_case_role(caller).then(|| caller.agency_id.clone()),
            country: is_liaison(caller).then(|| caller.country.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.requesting_agency.is_none() && self.country.is_none()
    }

    pub fn covers(&self, row: &PreservationRow) -> bool {
        self.requesting_agency.as_deref() == Some(row.requesting_agency_id.as_str())
            || self
                .country
                .as_deref()
                .is_some_and(|c| c == row.requesting_country || c == row.requested_country)
    }
}
