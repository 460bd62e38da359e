//! Agencies: police units, prosecution services, central authorities, CERTs and
//! regional bodies, each in one country. The directory is readable by every user
//! (sharing a case abroad starts with finding the agency); administrators manage it.

pub mod queries;
pub mod routes;

pub use queries::{find, insert};
pub use routes::routes;

use crate::db::schema::agencies;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Police,
    Prosecution,
    CentralAuthority,
    Cert,
    Regional,
    Other,
    /// A service provider (registered at `/api/v1/providers`, not here).
    Provider,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Police => "police",
            AgencyKind::Prosecution => "prosecution",
            AgencyKind::CentralAuthority => "central_authority",
            AgencyKind::Cert => "cert",
            AgencyKind::Regional => "regional",
            AgencyKind::Other => "other",
            AgencyKind::Provider => "provider",
        }
    }
}

/// Whether an agency of `kind` may hold people with `roles`: a provider's people are
/// its liaisons, and nobody else is one. What is wrong, otherwise.
pub fn roles_fit(kind: &str, roles: &[crate::auth::roles::Role]) -> Result<(), &'static str> {
    use crate::auth::roles::Role;
    let provider = kind == AgencyKind::Provider.as_str();
    if provider && roles.iter().any(|r| *r != Role::ProviderLiaison) {
        return Err("a provider's people hold provider_liaison only");
    }
    if !provider && roles.contains(&Role::ProviderLiaison) {
        return Err("provider_liaison is held in a provider's agency only");
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: String,
    #[serde(rename = "country")]
    #[schema(example = "JM")]
    pub country_code: String,
    pub name: String,
    #[schema(value_type = AgencyKind)]
    pub kind: String,
    #[diesel(deserialize_as = NaiveDateTime)]
    pub created_at: UtcTimestamp,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgency {
    #[schema(example = "JM")]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: NewAgencyKind,
}

/// The kinds of agency added at `/agencies`: every kind but `provider`, which is
/// registered at `/providers` with what a provider has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewAgencyKind {
    Police,
    Prosecution,
    CentralAuthority,
    Cert,
    Regional,
    Other,
}

impl From<NewAgencyKind> for AgencyKind {
    fn from(kind: NewAgencyKind) -> AgencyKind {
        match kind {
            NewAgencyKind::Police => AgencyKind::Police,
            NewAgencyKind::Prosecution => AgencyKind::Prosecution,
            NewAgencyKind::CentralAuthority => AgencyKind::CentralAuthority,
            NewAgencyKind::Cert => AgencyKind::Cert,
            NewAgencyKind::Regional => AgencyKind::Regional,
            NewAgencyKind::Other => AgencyKind::Other,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgencyFilter {
    /// Only agencies of this country.
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
}
