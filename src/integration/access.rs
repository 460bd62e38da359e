//! Who manages service accounts: the administrators of the agency's country and the
//! regional administrators, like people's accounts.

use crate::auth::Principal;
use crate::auth::roles::Role;

pub fn manages(caller: &Principal, country: &str) -> bool {
    caller.has(Role::RegionalAdmin) || (caller.has(Role::Admin) && caller.country == country)
}

/// Who manages an agency's webhook endpoints: its service accounts, and the
/// administrators of its country.
pub fn manages_webhooks(caller: &Principal, agency_id: &str, country: &str) -> bool {
    (caller.machine && caller.agency_id == agency_id) || manages(caller, country)
}
