//! Who keeps and who reads the directory of providers.

use crate::agencies::AgencyKind;
use crate::auth::Principal;
use crate::auth::roles::Role;

/// Administrators of the state where a provider is established, and regional ones.
pub fn may_manage(caller: &Principal, country: &str) -> bool {
    caller.has(Role::RegionalAdmin) || (caller.has(Role::Admin) && caller.country == country)
}

/// The provider a caller from a provider is confined to; `None` for the region's
/// officials, who read the whole directory.
pub fn confined_to(caller: &Principal) -> Option<&str> {
    (caller.agency_kind == AgencyKind::Provider.as_str() || caller.has(Role::ProviderLiaison))
        .then_some(caller.agency_id.as_str())
}

/// Whether the caller may know that provider `id` exists.
pub fn may_read(caller: &Principal, id: &str) -> bool {
    confined_to(caller).is_none_or(|own| own == id)
}
