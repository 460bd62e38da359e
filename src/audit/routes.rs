use super::queries::{self, AuditFilter};
use super::verify::{self, Verification};
use crate::auth::roles::Role;
use crate::auth::{Credentials, Principal};
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Query;
use crate::ledger::{Action, AuditEntry};
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_audit)
        .service(verify_audit)
        .service(audit_heads_bundle);
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
pub fn scope(caller: &Principal) -> ApiResult<Option<String>> {
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
    caller: Credentials,
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
    let rows = state
        .read_as(caller, Action::AuditQuery, move |conn, caller, event| {
            let country = scope(caller)?;
            event.set_detail(
                "filter",
                serde_json::json!({
                    "actor": filter.actor, "agency": filter.agency, "case": filter.case,
                    "action": filter.action, "outcome": filter.outcome,
                }),
            );
            Ok(queries::entries(
                conn,
                country.as_deref(),
                &filter,
                before,
                limit,
            )?)
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
    caller: Credentials,
) -> ApiResult<web::Json<Verification>> {
    let result = state
        .read_as(caller, Action::AuditVerify, move |conn, caller, event| {
            scope(caller)?;
            let v = verify::verify(conn)?;
            event.set_detail("intact", v.intact);
            event.set_detail("entries", v.entries);
            Ok(v)
        })
        .await?;
    Ok(web::Json(result))
}

/// The audit trail's heads as anchored in the log (custody log spec §6): every
/// audit-head entry with its inclusion proof against the newest checkpoint that covers
/// them (under a witness policy, the newest its quorum cosigned), and the log's public
/// key. `caseledger verify-bundle` checks it as it checks a custody bundle; an audit
/// trail shown later must continue from the heads it proves (`GET /audit/verify`).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "An audit-head bundle (custody log format §4 and §6)", body = Object),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No audit head has been anchored in the log yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/heads/bundle")]
async fn audit_heads_bundle(
    state: web::Data<AppState>,
    caller: Credentials,
) -> ApiResult<web::Json<serde_json::Value>> {
    let signer = state.log.clone();
    let bundle = state
        .read_as(
            caller,
            Action::AuditHeadsBundle,
            move |conn, caller, event| {
                scope(caller)?;
                let bundle = super::heads::bundle(conn, &signer)?.ok_or(ApiError::NotFound)?;
                event.set_detail("heads", bundle["entries"].as_array().map_or(0, Vec::len));
                Ok(bundle)
            },
        )
        .await?;
    Ok(web::Json(bundle))
}
