//! Countries: seeded with the CARICOM member and associate states; a regional
//! administrator adds others (states where service providers keep data).

pub mod queries;
pub mod routes;

pub use routes::routes;

use crate::db::schema::countries;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    Member,
    Associate,
    /// A state outside CARICOM.
    NonMember,
}

impl Membership {
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Member => "member",
            Membership::Associate => "associate",
            Membership::NonMember => "non_member",
        }
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = countries)]
pub struct CountryRow {
    pub code: String,
    pub name: String,
    pub membership: String,
    pub official_languages: String,
    pub created_at: NaiveDateTime,
    pub order_notice_required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    #[schema(example = "JM")]
    pub code: String,
    pub name: String,
    pub membership: String,
    /// BCP 47 language codes.
    pub official_languages: Vec<String>,
    /// Whether the state requires notice of the orders its providers are given
    /// (Second Additional Protocol, art. 7(5)(a)): orders on a basis that notifies
    /// where the state requires it then reach its central authority.
    pub order_notice_required: bool,
}

impl From<CountryRow> for Country {
    fn from(row: CountryRow) -> Country {
        Country {
            code: row.code,
            name: row.name,
            membership: row.membership,
            official_languages: row
                .official_languages
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            order_notice_required: row.order_notice_required,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCountry {
    #[schema(example = "US")]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub membership: Membership,
    #[schema(schema_with = language_codes)]
    pub official_languages: Vec<String>,
}

/// One or more lower-case language codes (`en`, `fr`, `pap`, `nl-sr`).
fn language_codes() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[a-z-]{2,8}$")),
        )
        .min_items(Some(1))
        .examples([serde_json::json!(["en"])])
        .build()
}

/// A change to a country's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountryChange {
    /// Whether the state requires notice of the orders its providers are given.
    pub order_notice_required: Option<bool>,
}
