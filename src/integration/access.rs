//! Who manages service accounts: the administrators of the agency's country and the
//! regional administrators, like people's accounts.

use crate::auth::Principal;
use crate::auth::roles::Role;

pub fn manages(caller: &Principal, country: &str) -> bool {
    caller.has(Role::RegionalAdmin) || (caller.has(Role::Admin) && caller.country == country)
}

/// Who manages a webhook endpoint: the service account whose view it hears (never a
/// sibling account of the same agency, which may see less), and the administrators
/// of its agency's country.
pub fn manages_webhook(caller: &Principal, service_account_id: &str, country: &str) -> bool {
    (caller.machine && caller.user_id == service_account_id) || manages(caller, country)
}
