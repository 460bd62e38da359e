use super::{Action, AuditEntry, AuditRow, Event, Outcome, Verification};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::schema::audit_log;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Query;
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_audit).service(verify_audit);
}

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

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Lowercase hex SHA-256 of the entry's canonical (JCS) bytes.
    pub entry_hash: String,
}

/// Auditors of a regional agency see every entry; other auditors see the entries
/// about their own country (as actor or as subject).
fn scope(caller: &Principal) -> ApiResult<Option<String>> {
    if !caller.has(Role::Auditor) {
        return Err(ApiError::forbidden("only auditors read the audit trail"));
    }
    Ok((caller.agency_kind != "regional").then(|| caller.country.clone()))
}

/// Query the audit trail, newest first.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditFilter, PageParams),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = Page<AuditRecord>),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
async fn list_audit(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    filter: Query<AuditFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<AuditRecord>>> {
    let filter = filter.into_inner();
    let limit = paging.limit();
    let before: Option<i64> =
        match paging.after() {
            Some(s) => Some(s.parse().map_err(|_| {
                ApiError::validation("cursor", "is not a cursor this service issued")
            })?),
            None => None,
        };
    let event = Event::by(Action::AuditQuery, &caller, &meta);
    let rows = state
        .db(move |conn| {
            super::audited(conn, event, |conn, event| {
                let country = scope(&caller)?;
                event.set_detail(
                    "filter",
                    serde_json::json!({
                        "actor": filter.actor, "agency": filter.agency, "case": filter.case,
                        "action": filter.action, "outcome": filter.outcome,
                    }),
                );
                let mut query = audit_log::table
                    .select(AuditRow::as_select())
                    .order(audit_log::seq.desc())
                    .limit(limit + 1)
                    .into_boxed();
                if let Some(c) = country {
                    query = query.filter(
                        audit_log::actor_country
                            .eq(c.clone())
                            .or(audit_log::subject_country.eq(c)),
                    );
                }
                if let Some(v) = filter.actor {
                    query = query.filter(audit_log::actor_user_id.eq(v));
                }
                if let Some(v) = filter.agency {
                    query = query.filter(audit_log::actor_agency_id.eq(v));
                }
                if let Some(v) = filter.case {
                    query = query.filter(audit_log::case_id.eq(v));
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
                Ok(query.load::<AuditRow>(conn)?)
            })
        })
        .await?;
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        let entry: AuditEntry = serde_json::from_str(&row.entry).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("stored audit entry {}: {e}", row.seq))
        })?;
        records.push((
            row.seq,
            AuditRecord {
                entry,
                entry_hash: row.entry_hash,
            },
        ));
    }
    Ok(web::Json(paging.page(
        records,
        |(seq, _)| seq.to_string(),
        |(_, r)| r,
    )))
}

/// Verify the whole audit chain: every entry's hash, its link to the previous entry,
/// and that the searchable columns match what was hashed.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What verifying the chain found", body = Verification),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/verify")]
async fn verify_audit(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
) -> ApiResult<web::Json<Verification>> {
    let event = Event::by(Action::AuditVerify, &caller, &meta);
    let result = state
        .db(move |conn| {
            if let Err(refused) = scope(&caller) {
                super::record(conn, &event.detail("refused", "forbidden"), Outcome::Denied)?;
                return Err(refused);
            }
            // Read outside a write transaction (on SQLite a long verification would
            // hold the write lock), then record what was found.
            let v = super::verify(conn)?;
            let event = event
                .detail("intact", v.intact)
                .detail("entries", v.entries);
            super::record(conn, &event, Outcome::Success)?;
            Ok(v)
        })
        .await?;
    Ok(web::Json(result))
}
