//! Service providers that take orders directly (Second Additional Protocol, arts.
//! 6-9): telecom operators, ISPs, hosting companies, registrars, platforms and banks.
//! A provider is an agency of kind `provider` in the state where it is established;
//! its people are `provider_liaison`s of that agency, its systems service accounts.
//! The directory is kept by that state's administrators and regional administrators,
//! read by the region's officials; a provider's own people see only their provider.

pub mod access;
pub mod queries;
pub mod routes;

pub use routes::routes;

use crate::contact::Contact;
use crate::error::FieldError;
use crate::time::UtcTimestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::string_enum! {
    /// What a provider does.
    ProviderKind {
        Telecom => "telecom",
        Isp => "isp",
        Hosting => "hosting",
        Registrar => "registrar",
        Platform => "platform",
        Financial => "financial",
    }
}

crate::string_enum! {
    /// The orders a provider may be given (and takes directly, when it says so).
    OrderType {
        SubscriberInformation => "subscriber_information",
        DomainRegistration => "domain_registration",
        TrafficData => "traffic_data",
        ContentData => "content_data",
        EmergencyDisclosure => "emergency_disclosure",
        Preservation => "preservation",
    }
}

/// A provider as the directory shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Provider {
    /// Its agency's id: orders and liaisons name it.
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub provider_kind: ProviderKind,
    /// Where it is established (ISO 3166-1 alpha-2).
    #[schema(example = "TT")]
    pub country: String,
    /// Where orders and legal questions go.
    pub legal_contact: Contact,
    /// Who answers an emergency disclosure, at any hour.
    pub emergency_contact: Contact,
    /// The order types it takes directly.
    pub accepts: Vec<OrderType>,
    pub created_at: UtcTimestamp,
    pub updated_at: UtcTimestamp,
}

/// A provider to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvider {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub provider_kind: ProviderKind,
    #[schema(example = "TT", pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// Its `email` is required.
    pub legal_contact: Contact,
    /// Its `phone` and `time_zone` are required.
    pub emergency_contact: Contact,
    /// The order types it takes directly (each at most once).
    #[schema(max_items = 6)]
    pub accepts: Vec<OrderType>,
}

/// A change to a provider: the members given replace what it had.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderChange {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub provider_kind: Option<ProviderKind>,
    pub legal_contact: Option<Contact>,
    pub emergency_contact: Option<Contact>,
    #[schema(max_items = 6)]
    pub accepts: Option<Vec<OrderType>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProviderFilter {
    /// Only providers established in this country.
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    /// Only providers of this kind.
    pub provider_kind: Option<ProviderKind>,
    /// Only providers that take this order type directly.
    pub accepts: Option<OrderType>,
}

/// The name as kept (trimmed), or what is wrong with it.
pub fn check_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    name.to_owned()
}

/// What the contacts and order types must hold.
pub fn check_legal(contact: &Contact, errors: &mut Vec<FieldError>) {
    contact.check("legal_contact", errors);
    if contact.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        errors.push(FieldError::new("legal_contact.email", "is required"));
    }
}

pub fn check_emergency(contact: &Contact, errors: &mut Vec<FieldError>) {
    contact.check("emergency_contact", errors);
    if contact.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
        errors.push(FieldError::new("emergency_contact.phone", "is required"));
    }
    if contact.time_zone.is_none() {
        errors.push(FieldError::new(
            "emergency_contact.time_zone",
            "is required",
        ));
    }
}

pub fn check_accepts(accepts: &[OrderType], errors: &mut Vec<FieldError>) {
    let mut seen = accepts.to_vec();
    seen.sort();
    seen.dedup();
    if seen.len() != accepts.len() {
        errors.push(FieldError::new("accepts", "names an order type twice"));
    }
}
