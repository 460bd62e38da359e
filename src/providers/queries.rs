//! The SQL of the directory of providers: an agency of kind `provider` and its
//! `providers` row, read together.

use super::{NewProvider, OrderType, Provider, ProviderFilter, ProviderKind};
use crate::agencies::AgencyKind;
use crate::contact::Contact;
use crate::db::DbConn;
use crate::db::schema::{agencies, providers};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A provider's agency and provider rows, as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ProviderRow {
    #[diesel(select_expression = agencies::id)]
    pub id: String,
    #[diesel(select_expression = agencies::name)]
    pub name: String,
    #[diesel(select_expression = agencies::country_code)]
    pub country: String,
    #[diesel(select_expression = agencies::created_at)]
    pub created_at: NaiveDateTime,
    #[diesel(select_expression = providers::provider_kind)]
    pub provider_kind: String,
    #[diesel(select_expression = providers::legal_contact)]
    pub legal_contact: String,
    #[diesel(select_expression = providers::emergency_contact)]
    pub emergency_contact: String,
    #[diesel(select_expression = providers::accepts)]
    pub accepts: String,
    #[diesel(select_expression = providers::updated_at)]
    pub updated_at: NaiveDateTime,
}

impl ProviderRow {
    pub fn into_provider(self) -> ApiResult<Provider> {
        let stored = |what: &str, e: serde_json::Error| {
            ApiError::Internal(anyhow::anyhow!("provider {}: stored {what}: {e}", self.id))
        };
        let legal: Contact =
            serde_json::from_str(&self.legal_contact).map_err(|e| stored("legal_contact", e))?;
        let emergency: Contact = serde_json::from_str(&self.emergency_contact)
            .map_err(|e| stored("emergency_contact", e))?;
        let accepts: Vec<String> =
            serde_json::from_str(&self.accepts).map_err(|e| stored("accepts", e))?;
        Ok(Provider {
            provider_kind: ProviderKind::parse(&self.provider_kind).ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("provider {}: stored kind", self.id))
            })?,
            accepts: accepts.iter().filter_map(|a| OrderType::parse(a)).collect(),
            legal_contact: legal,
            emergency_contact: emergency,
            created_at: self.created_at.into(),
            updated_at: self.updated_at.into(),
            id: self.id,
            name: self.name,
            country: self.country,
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("contacts and order types serialise")
}

fn accepts_json(accepts: &[OrderType]) -> String {
    json(&accepts.iter().map(|a| a.as_str()).collect::<Vec<_>>())
}

/// Registers a provider: its agency, then its own row.
pub fn insert(conn: &mut DbConn, new: &NewProvider, name: &str) -> ApiResult<String> {
    let agency = crate::agencies::insert(conn, &new.country, name, AgencyKind::Provider)?;
    crate::insert_rows!(
        conn,
        providers::table,
        (
            providers::agency_id.eq(&agency.id),
            providers::provider_kind.eq(new.provider_kind.as_str()),
            providers::legal_contact.eq(json(&new.legal_contact)),
            providers::emergency_contact.eq(json(&new.emergency_contact)),
            providers::accepts.eq(accepts_json(&new.accepts)),
            providers::updated_at.eq(agency.created_at.naive()),
        )
    )?;
    Ok(agency.id)
}

pub fn find(conn: &mut DbConn, id: &str) -> ApiResult<Option<ProviderRow>> {
    Ok(providers::table
        .inner_join(agencies::table)
        .filter(agencies::id.eq(id))
        .select(ProviderRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// A page of providers in id order, filtered, confined to `only` when given, after
/// `after`, up to `limit + 1`.
pub fn list(
    conn: &mut DbConn,
    filter: &ProviderFilter,
    only: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> ApiResult<Vec<ProviderRow>> {
    let mut query = providers::table
        .inner_join(agencies::table)
        .select(ProviderRow::as_select())
        .order(agencies::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(country) = &filter.country {
        query = query.filter(agencies::country_code.eq(country.clone()));
    }
    if let Some(kind) = filter.provider_kind {
        query = query.filter(providers::provider_kind.eq(kind.as_str()));
    }
    if let Some(accepts) = filter.accepts {
        // The stored array holds each type once, quoted: its quoted name matches it alone.
        query = query.filter(providers::accepts.like(format!("%\"{}\"%", accepts.as_str())));
    }
    if let Some(only) = only {
        query = query.filter(agencies::id.eq(only.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(agencies::id.gt(after.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Stores a provider as changed.
pub fn update(conn: &mut DbConn, provider: &Provider, at: NaiveDateTime) -> ApiResult<()> {
    diesel::update(agencies::table.find(&provider.id))
        .set(agencies::name.eq(&provider.name))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                ApiError::Conflict(format!(
                    "{} already has an agency named {}",
                    provider.country, provider.name
                ))
            } else {
                e.into()
            }
        })?;
    diesel::update(providers::table.find(&provider.id))
        .set((
            providers::provider_kind.eq(provider.provider_kind.as_str()),
            providers::legal_contact.eq(json(&provider.legal_contact)),
            providers::emergency_contact.eq(json(&provider.emergency_contact)),
            providers::accepts.eq(accepts_json(&provider.accepts)),
            providers::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
