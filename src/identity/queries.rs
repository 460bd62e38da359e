//! Identity providers, the accounts linked to their subjects, and the sign-ins sent
//! to them and not yet back.

use crate::db::DbConn;
use crate::db::schema::{identity_links, identity_providers, sso_attempts};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A provider as stored: its client secret sealed, its agencies, mapping and `acr`
/// values as JSON.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = identity_providers)]
pub struct ProviderRow {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Vec<u8>,
    pub agencies: String,
    pub mapping: String,
    pub mfa_acr: String,
    pub scopes: String,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_provider(conn: &mut DbConn, row: &ProviderRow) -> QueryResult<()> {
    diesel::insert_into(identity_providers::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn provider(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProviderRow>> {
    identity_providers::table
        .find(id)
        .select(ProviderRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn provider_by_issuer(conn: &mut DbConn, issuer: &str) -> QueryResult<Option<ProviderRow>> {
    identity_providers::table
        .filter(identity_providers::issuer.eq(issuer))
        .select(ProviderRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every provider, by name.
pub fn providers(conn: &mut DbConn) -> QueryResult<Vec<ProviderRow>> {
    identity_providers::table
        .select(ProviderRow::as_select())
        .order((identity_providers::name, identity_providers::id))
        .load(conn)
}

/// A provider a sign-in page offers: its id and name.
#[derive(Debug, Clone, Queryable)]
pub struct Offered {
    pub id: String,
    pub name: String,
}

pub fn enabled_providers(conn: &mut DbConn) -> QueryResult<Vec<Offered>> {
    identity_providers::table
        .filter(identity_providers::enabled.eq(true))
        .select((identity_providers::id, identity_providers::name))
        .order((identity_providers::name, identity_providers::id))
        .load(conn)
}

/// Writes a provider's fields as they now are.
pub fn update_provider(conn: &mut DbConn, row: &ProviderRow) -> QueryResult<()> {
    diesel::update(identity_providers::table.find(&row.id))
        .set((
            identity_providers::name.eq(&row.name),
            identity_providers::client_secret.eq(&row.client_secret),
            identity_providers::agencies.eq(&row.agencies),
            identity_providers::mapping.eq(&row.mapping),
            identity_providers::mfa_acr.eq(&row.mfa_acr),
            identity_providers::scopes.eq(&row.scopes),
            identity_providers::enabled.eq(row.enabled),
            identity_providers::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// An account's link to a provider's subject.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = identity_links)]
pub struct LinkRow {
    pub issuer: String,
    pub subject: String,
    pub user_id: String,
    pub provider_id: String,
    pub created_at: NaiveDateTime,
    pub last_sign_in_at: NaiveDateTime,
}

pub fn link(conn: &mut DbConn, issuer: &str, subject: &str) -> QueryResult<Option<LinkRow>> {
    identity_links::table
        .find((issuer, subject))
        .select(LinkRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert_link(conn: &mut DbConn, row: &LinkRow) -> QueryResult<()> {
    diesel::insert_into(identity_links::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn link_used(
    conn: &mut DbConn,
    issuer: &str,
    subject: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(identity_links::table.find((issuer, subject)))
        .set(identity_links::last_sign_in_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Whether an account is linked to some provider (its roles are the provider's).
pub fn is_linked(conn: &mut DbConn, user_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        identity_links::table.filter(identity_links::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// A sign-in sent to a provider: its state (by hash), nonce and PKCE verifier.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sso_attempts)]
pub struct AttemptRow {
    pub state_hash: String,
    pub provider_id: String,
    pub nonce: String,
    pub verifier: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert_attempt(conn: &mut DbConn, row: &AttemptRow) -> QueryResult<()> {
    diesel::insert_into(sso_attempts::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn attempt(conn: &mut DbConn, state_hash: &str) -> QueryResult<Option<AttemptRow>> {
    sso_attempts::table
        .find(state_hash)
        .select(AttemptRow::as_select())
        .get_result(conn)
        .optional()
}

/// Spends an attempt if unspent and unexpired: one row when this call spent it.
pub fn spend_attempt(conn: &mut DbConn, state_hash: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sso_attempts::table.find(state_hash))
        .filter(sso_attempts::used_at.is_null())
        .filter(sso_attempts::expires_at.gt(at))
        .set(sso_attempts::used_at.eq(Some(at)))
        .execute(conn)
}

/// An account's roles as its provider's claims now give them.
pub fn set_roles(
    conn: &mut DbConn,
    user_id: &str,
    roles: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use crate::db::schema::users;
    diesel::update(users::table.find(user_id))
        .set((users::roles.eq(roles), users::updated_at.eq(at)))
        .execute(conn)
        .map(drop)
}
