//! An identity provider as registered: who it is (its issuer and this service's
//! client there), which agencies it may sign people into, and how its claims name a
//! person's agency and roles.

use crate::auth::roles::Role;
use crate::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The roles a provider may never give: administration stays with accounts the
/// service's own administrators create.
pub const NEVER_MAPPED: [Role; 2] = [Role::Admin, Role::RegionalAdmin];

/// Which claim names the person's agency, and which agency each of its values is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgencyClaim {
    /// The claim (a dotted path reaches into an object: `org.unit`).
    #[schema(min_length = 1, max_length = 100, example = "agency")]
    pub claim: String,
    /// Each value of the claim, and the agency it is (one of the provider's).
    pub values: BTreeMap<String, String>,
}

/// Which claim names the person's groups or roles at the provider, and the roles
/// here each of its values gives.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RolesClaim {
    /// The claim, a string or a list of strings (a dotted path reaches into an
    /// object: `realm_access.roles`).
    #[schema(min_length = 1, max_length = 100, example = "groups")]
    pub claim: String,
    /// Each value, and the roles it gives (never `admin` nor `regional_admin`).
    pub values: BTreeMap<String, Vec<Role>>,
}

fn preferred_username() -> String {
    "preferred_username".into()
}

fn name() -> String {
    "name".into()
}

/// From a provider's claims to a person here.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClaimMapping {
    /// The claim that names the agency; absent, every person goes to the provider's
    /// one agency.
    pub agency: Option<AgencyClaim>,
    pub roles: RolesClaim,
    /// The claim a new account's username is made of (after the country's prefix).
    #[serde(default = "preferred_username")]
    pub username_claim: String,
    /// The claim a new account's display name is taken from.
    #[serde(default = "name")]
    pub name_claim: String,
}

/// A provider to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdentityProvider {
    #[schema(min_length = 1, max_length = 100, example = "Government of Jamaica ID")]
    pub name: String,
    /// The provider's issuer, exactly as its discovery document and ID tokens name it.
    #[schema(example = "https://id.gov.jm/realms/police")]
    pub issuer: String,
    #[schema(min_length = 1, max_length = 255)]
    pub client_id: String,
    /// Never shown again.
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub client_secret: String,
    /// The agencies it may sign people into.
    #[schema(min_items = 1, max_items = 50)]
    pub agencies: Vec<String>,
    pub mapping: ClaimMapping,
    /// What is asked for (must include `openid`; default `openid profile email`).
    #[schema(max_length = 500)]
    pub scopes: Option<String>,
    /// `acr` values that say the person gave a second factor at the provider (besides
    /// an `amr` that says so).
    #[schema(max_items = 20)]
    pub mfa_acr: Option<Vec<String>>,
}

/// A change to a provider: what is given changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderChange {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub client_secret: Option<String>,
    #[schema(min_items = 1, max_items = 50)]
    pub agencies: Option<Vec<String>>,
    pub mapping: Option<ClaimMapping>,
    #[schema(max_length = 500)]
    pub scopes: Option<String>,
    #[schema(max_items = 20)]
    pub mfa_acr: Option<Vec<String>>,
    /// A disabled provider signs nobody in; its accounts stay, with their links.
    pub enabled: Option<bool>,
}

/// A provider as administrators see it (never its client secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityProvider {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub agencies: Vec<String>,
    pub mapping: ClaimMapping,
    pub scopes: String,
    pub mfa_acr: Vec<String>,
    pub enabled: bool,
    /// The redirect URI to register with the provider for this client.
    pub redirect_uri: String,
    pub created_at: crate::time::UtcTimestamp,
    pub updated_at: crate::time::UtcTimestamp,
}

pub const DEFAULT_SCOPES: &str = "openid profile email";

/// What a provider's fields must be, every problem at once; `agency_exists` says
/// whether an agency is known (and the caller may name it).
pub fn check(
    name: &str,
    agencies: &[String],
    mapping: &ClaimMapping,
    scopes: &str,
    mfa_acr: &[String],
    agency_exists: &mut dyn FnMut(&str) -> bool,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: &str| errors.push(FieldError::new(field, message));
    if name.trim().is_empty() || name.chars().count() > 100 {
        problem("name", "must be 1 to 100 characters");
    }
    if agencies.is_empty() || agencies.len() > 50 {
        problem("agencies", "must name 1 to 50 agencies");
    }
    for (i, agency) in agencies.iter().enumerate() {
        if !agency_exists(agency) {
            problem(&format!("agencies[{i}]"), "is not a known agency");
        }
    }
    let claim_ok = |c: &str| !c.is_empty() && c.len() <= 100;
    match &mapping.agency {
        None if agencies.len() != 1 => problem(
            "mapping.agency",
            "is needed where the provider signs people into more than one agency",
        ),
        None => {}
        Some(agency) => {
            if !claim_ok(&agency.claim) {
                problem("mapping.agency.claim", "must be 1 to 100 characters");
            }
            if agency.values.is_empty() {
                problem("mapping.agency.values", "must map at least one value");
            }
            if agency.values.values().any(|a| !agencies.contains(a)) {
                problem(
                    "mapping.agency.values",
                    "must name only agencies the provider may sign people into",
                );
            }
        }
    }
    if !claim_ok(&mapping.roles.claim) {
        problem("mapping.roles.claim", "must be 1 to 100 characters");
    }
    if mapping.roles.values.is_empty() || mapping.roles.values.values().any(Vec::is_empty) {
        problem(
            "mapping.roles.values",
            "must map at least one value, each to at least one role",
        );
    }
    if mapping
        .roles
        .values
        .values()
        .flatten()
        .any(|r| NEVER_MAPPED.contains(r))
    {
        problem(
            "mapping.roles.values",
            "may not give admin or regional_admin: administrators keep accounts of their own",
        );
    }
    for (field, claim) in [
        ("mapping.username_claim", &mapping.username_claim),
        ("mapping.name_claim", &mapping.name_claim),
    ] {
        if !claim_ok(claim) {
            problem(field, "must be 1 to 100 characters");
        }
    }
    if scopes.len() > 500 || !scopes.split(' ').any(|s| s == "openid") {
        problem("scopes", "must include openid (at most 500 characters)");
    }
    if mfa_acr.len() > 20 || mfa_acr.iter().any(|a| a.is_empty() || a.len() > 200) {
        problem(
            "mfa_acr",
            "must hold at most 20 values of 1 to 200 characters",
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A claim by its dotted path.
fn claim<'a>(
    claims: &'a serde_json::Map<String, serde_json::Value>,
    path: &str,
) -> Option<&'a serde_json::Value> {
    let mut parts = path.split('.');
    let mut here = claims.get(parts.next()?)?;
    for part in parts {
        here = here.get(part)?;
    }
    Some(here)
}

/// A claim's values: a string, or the strings of a list.
fn values(found: Option<&serde_json::Value>) -> Vec<&str> {
    match found {
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        Some(serde_json::Value::Array(list)) => list.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// What a provider's claims make of a person here.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub agency_id: String,
    pub roles: Vec<Role>,
    /// The username's part after the country's prefix, as the claim gave it.
    pub username: Option<String>,
    pub display_name: Option<String>,
}

/// The agency and roles the claims give, or why they give none (a refusal).
pub fn map(
    mapping: &ClaimMapping,
    agencies: &[String],
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Result<Mapped, &'static str> {
    let agency_id = match &mapping.agency {
        None => agencies
            .first()
            .cloned()
            .ok_or("the provider serves no agency")?,
        Some(agency) => {
            let found: Vec<&String> = values(claim(claims, &agency.claim))
                .into_iter()
                .filter_map(|v| agency.values.get(v))
                .filter(|a| agencies.contains(a))
                .collect();
            match found.as_slice() {
                [one] => (*one).clone(),
                [] => return Err("its claims name no agency of the provider's"),
                _ if found.iter().all(|a| *a == found[0]) => found[0].clone(),
                _ => return Err("its claims name more than one agency"),
            }
        }
    };
    let mut roles: Vec<Role> = values(claim(claims, &mapping.roles.claim))
        .into_iter()
        .filter_map(|v| mapping.roles.values.get(v))
        .flatten()
        .copied()
        .filter(|r| !NEVER_MAPPED.contains(r))
        .collect();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err("its claims give no role here");
    }
    let text = |path: &str| {
        claim(claims, path)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(Mapped {
        agency_id,
        roles,
        username: text(&mapping.username_claim),
        display_name: text(&mapping.name_claim),
    })
}

/// Methods of RFC 8176 that prove possession of something (a device, a key, a
/// phone) and those of knowledge or of the body: one of each is two factors.
const POSSESSION: [&str; 6] = ["otp", "hwk", "swk", "sc", "sms", "tel"];
const KNOWLEDGE_OR_BODY: [&str; 7] = ["pwd", "pin", "fpt", "face", "iris", "retina", "vbm"];

/// Whether an ID token says the person gave a second factor at the provider: its
/// `amr` says `mfa`, or names a method of possession with one of knowledge or of the
/// body, or its `acr` is one the provider's registration names.
pub fn gave_second_factor(
    claims: &serde_json::Map<String, serde_json::Value>,
    mfa_acr: &[String],
) -> bool {
    let amr = values(claims.get("amr"));
    let acr = claims.get("acr").and_then(|v| v.as_str());
    amr.contains(&"mfa")
        || (amr.iter().any(|m| POSSESSION.contains(m))
            && amr.iter().any(|m| KNOWLEDGE_OR_BODY.contains(m)))
        || acr.is_some_and(|acr| mfa_acr.iter().any(|a| a == acr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping() -> ClaimMapping {
        serde_json::from_value(json!({
            "agency": {"claim": "org.unit", "values": {"CCU": "a-ccu", "FIU": "a-fiu"}},
            "roles": {"claim": "groups", "values": {
                "investigators": ["investigator"],
                "leads": ["supervisor", "investigator"],
                "it-admins": ["investigator"]}},
        }))
        .unwrap()
    }

    fn claims(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn claims_give_an_agency_of_the_providers_and_the_roles_their_values_map_to() {
        let agencies = vec!["a-ccu".to_owned(), "a-fiu".to_owned()];
        let got = map(
            &mapping(),
            &agencies,
            &claims(json!({"org": {"unit": "CCU"}, "groups": ["leads", "staff"],
                           "preferred_username": "ana", "name": "Ana Brown"})),
        )
        .unwrap();
        assert_eq!(got.agency_id, "a-ccu");
        assert_eq!(got.roles, vec![Role::Investigator, Role::Supervisor]);
        assert_eq!(got.username.as_deref(), Some("ana"));
        assert_eq!(got.display_name.as_deref(), Some("Ana Brown"));
        for (why, c) in [
            (
                "its claims give no role here",
                json!({"org": {"unit": "CCU"}, "groups": ["staff"]}),
            ),
            (
                "its claims give no role here",
                json!({"org": {"unit": "CCU"}}),
            ),
            (
                "its claims name no agency of the provider's",
                json!({"org": {"unit": "NSA"}, "groups": "leads"}),
            ),
        ] {
            assert_eq!(map(&mapping(), &agencies, &claims(c)).unwrap_err(), why);
        }
        // A value mapped to an agency the provider may not sign people into counts for
        // nothing.
        assert_eq!(
            map(
                &mapping(),
                &agencies[..1],
                &claims(json!({"org": {"unit": "FIU"}, "groups": "leads"}))
            )
            .unwrap_err(),
            "its claims name no agency of the provider's"
        );
    }

    #[test]
    fn a_second_factor_counts_when_amr_or_acr_says_so() {
        let none: Vec<String> = vec![];
        assert!(gave_second_factor(
            &claims(json!({"amr": ["pwd", "mfa"]})),
            &none
        ));
        assert!(gave_second_factor(
            &claims(json!({"amr": ["pwd", "otp"]})),
            &none
        ));
        assert!(gave_second_factor(
            &claims(json!({"amr": ["hwk", "fpt"]})),
            &none
        ));
        assert!(!gave_second_factor(&claims(json!({"amr": ["pwd"]})), &none));
        assert!(!gave_second_factor(&claims(json!({"amr": ["otp"]})), &none));
        assert!(!gave_second_factor(&claims(json!({})), &none));
        let acr = vec!["urn:gov.jm:loa:high".to_owned()];
        assert!(gave_second_factor(
            &claims(json!({"acr": "urn:gov.jm:loa:high"})),
            &acr
        ));
        assert!(!gave_second_factor(
            &claims(json!({"acr": "urn:gov.jm:loa:low"})),
            &acr
        ));
    }

    #[test]
    fn a_registration_names_every_problem_at_once() {
        let mut bad = mapping();
        bad.roles
            .values
            .insert("root".into(), vec![Role::RegionalAdmin]);
        bad.agency
            .as_mut()
            .unwrap()
            .values
            .insert("X".into(), "elsewhere".into());
        let err = check(
            "",
            &["a-ccu".to_owned(), "nope".to_owned()],
            &bad,
            "profile",
            &[],
            &mut |a| a != "nope",
        )
        .unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!()
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "agencies[1]",
                "mapping.agency.values",
                "mapping.roles.values",
                "scopes"
            ]
        );
    }
}
