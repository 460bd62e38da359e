//! Who manages service accounts: the administrators of the agency's country and the
//! regional administrators, like people's accounts.

use crate::auth::Principal;
use crate::auth::roles::Role;

pub fn manages(caller: &Principal, country: &str) -> bool {
    caller.has(Role::RegionalAdmin) || (caller.has(Role::Admin) && caller.country == country)
}
