//! The SQL of reading the audit chain.

use super::verify::AuditRow;
use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::ledger::{Action, Outcome};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Acting user id.
    #[param(format = Uuid)]
    pub actor: Option<String>,
    /// Acting agency id.
    #[param(format = Uuid)]
    pub agency: Option<String>,
    /// Case id.
    #[param(format = Uuid)]
    pub case: Option<String>,
    pub action: Option<Action>,
    pub outcome: Option<Outcome>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// Entries matching `filter`, newest first, before `before`, up to `limit + 1`;
/// only those about `country` (as actor or subject) when one is given.
pub fn entries(
    conn: &mut DbConn,
    country: Option<&str>,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::seq.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = country {
        query = query.filter(
            audit_log::actor_country
                .eq(c.to_owned())
                .or(audit_log::subject_country.eq(c.to_owned())),
        );
    }
    if let Some(v) = &filter.actor {
        query = query.filter(audit_log::actor_user_id.eq(v.clone()));
    }
    if let Some(v) = &filter.agency {
        query = query.filter(audit_log::actor_agency_id.eq(v.clone()));
    }
    if let Some(v) = &filter.case {
        query = query.filter(audit_log::case_id.eq(v.clone()));
    }
    if let Some(v) = filter.action {
        query = query.filter(audit_log::action.eq(v.as_str()));
    }
    if let Some(v) = filter.outcome {
        query = query.filter(audit_log::outcome.eq(v.as_str()));
    }
    if let Some(v) = filter.from {
        query = query.filter(audit_log::at.ge(v.naive_utc()));
    }
    if let Some(v) = filter.to {
        query = query.filter(audit_log::at.lt(v.naive_utc()));
    }
    if let Some(v) = before {
        query = query.filter(audit_log::seq.lt(v));
    }
    query.load(conn)
}
