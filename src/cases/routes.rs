//! The case endpoints. Opening a case goes to the ledger as a batched job; reads run
//! on the pool and answer once their audit entry is durable; the other changes are
//! rare and commit on their own, with their audit entry.

use super::access::{self, visible};
use super::figures::offences_detail;
use super::jobs::{CaseCreation, Opening};
use super::model::{
    Access, CaseFilter, CasePatch, CaseRow, CaseView, ExternalRef, NewCase, NewExternalRef,
    NewParticipant, Participant, Standing, Visible, case_event, encode_offences, transition,
};
use super::queries::{self, ExternalRefForm, ParticipantForm};
use crate::auth::{Credentials, Principal, TokenClaims};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, IdempotencyKey, IfMatch, Json, Query};
use crate::ledger::idempotency::audited_once;
use crate::ledger::{Action, Event};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::reply::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_cases)
        .service(create_case)
        .service(get_case)
        .service(update_case)
        .service(list_participants)
        .service(add_participant)
        .service(remove_participant)
        .service(list_external_refs)
        .service(add_external_ref);
}

/// Open a case owned by the caller's agency. Its reference is the next number of the
/// caller's country and the current year.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    request_body = NewCase,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422")),
    responses(
        (status = 201, description = "The case was opened", body = CaseView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Only investigators and supervisors open cases", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
async fn create_case(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    key: IdempotencyKey,
    body: Json<NewCase>,
) -> ApiResult<HttpResponse> {
    let case = body.into_inner();
    case.check()?;
    let claims = claims.0;
    let claim = key.claim(&claims.sub, &case);
    // The ledger authenticates the batch's callers at once and numbers their cases.
    let opening = Opening {
        credentials: Credentials { claims, meta },
        case,
    };
    let reply = state.ledger.submit::<CaseCreation>(opening, claim).await?;
    Ok(reply.into_response())
}

/// Cases the caller's agency owns or participates in, newest first.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(CaseFilter, PageParams),
    responses(
        (status = 200, description = "A page of the cases the caller's agency sees", body = Page<CaseView>),
        (status = 403, description = "The caller's roles give no access to case content", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases")]
async fn list_cases(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: Query<CaseFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<CaseView>>> {
    let filter = filter.into_inner();
    let (limit, after) = (paging.limit(), paging.after());
    let external = filter.system_ref()?;
    let rows = state
        .read_as(caller, Action::CaseList, move |conn, caller, event| {
            if !access::has_case_role(caller) {
                return Err(ApiError::forbidden(
                    "your roles give no access to case content",
                ));
            }
            let rows = queries::list(conn, &caller.agency_id, &filter, external, after, limit)?;
            let ids: Vec<&str> = rows
                .iter()
                .take(limit as usize)
                .map(|v| v.case.id.as_str())
                .collect();
            event.set_detail("case_ids", ids);
            Ok(rows)
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |v| v.case.id.clone(),
        |v| CaseView::new(v.case, v.standing),
    )))
}

/// One case.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseView, headers(("ETag" = String))),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}")]
async fn get_case(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let Visible { case, standing } = state
        .read_as(caller, Action::CaseRead, move |conn, caller, event| {
            visible(conn, caller, &id, event)
        })
        .await?;
    Ok(CaseView::new(case, standing)
        .reply(StatusCode::OK)
        .into_response())
}

/// Change a case. Requires `If-Match` with the ETag last read (428 without, 412 when
/// the case has changed since). Status changes follow the workflow and its roles.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Case id"),
        ("If-Match" = String, Header, min_length = 1, pattern = r#"^\s*(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*\s*$"#, description = "The ETag of the version the change is based on (an entity tag, not `*`; weak tags never match)"),
    ),
    request_body = CasePatch,
    responses(
        (status = 200, description = "The case as changed", body = CaseView, headers(("ETag" = String))),
        (status = 403, description = "The caller's role or agency may not make this change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The workflow has no such step from the current status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The case changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}")]
async fn update_case(
    state: web::Data<AppState>,
    caller: Principal,
    expected: IfMatch,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<CasePatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let patch = body.into_inner();
    patch.check()?;
    let event = Event::by(Action::CaseUpdate, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let Visible { case, standing } = visible(conn, &caller, &id, event)?;
            expected.require(&case.etag())?;
            apply_patch(conn, &caller, case, standing, patch, event)
        })
        .await
        .map(Reply::into_response)
}

fn apply_patch(
    conn: &mut DbConn,
    caller: &Principal,
    case: CaseRow,
    standing: Standing,
    patch: CasePatch,
    event: &mut Event,
) -> ApiResult<Reply> {
    if patch.edits_fields() {
        access::may_edit(caller, standing)?;
    }
    let mut changed: Vec<&str> = Vec::new();
    let mut next = case.clone();
    if let Some(t) = &patch.title {
        next.title = t.trim().to_owned();
        changed.push("title");
    }
    if let Some(s) = &patch.summary {
        next.summary = s.trim().to_owned();
        changed.push("summary");
    }
    if let Some(o) = &patch.offences {
        next.offences = encode_offences(o);
        changed.push("offences");
        event.set_detail(
            "offences",
            json!({"from": offences_detail(&case.offences), "to": offences_detail(&next.offences)}),
        );
    }
    if let Some(p) = patch.priority {
        next.priority = p.as_str().to_owned();
        changed.push("priority");
    }
    if let Some(lead) = &patch.lead_investigator_id {
        if !crate::users::queries::serves(conn, lead, &case.owner_agency_id, access::LEAD_ROLES)? {
            return Err(ApiError::validation(
                "lead_investigator_id",
                "must be an active investigator or supervisor of the owning agency",
            ));
        }
        next.lead_investigator_id = Some(lead.clone());
        changed.push("lead_investigator_id");
    }
    if let Some(to) = patch.status {
        let from = case.status();
        let step = transition(from, to).ok_or_else(|| {
            ApiError::Conflict(format!(
                "a case cannot move from {} to {}",
                from.as_str(),
                to.as_str()
            ))
        })?;
        access::may_move(caller, standing, step)?;
        if let Some(prosecution) = &patch.prosecution_agency_id {
            refer(conn, caller, &case, prosecution)?;
            event.set_detail("prosecution_agency_id", prosecution.clone());
        }
        next.status = to.as_str().to_owned();
        changed.push("status");
        event.set_detail("status", json!({"from": from.as_str(), "to": to.as_str()}));
    }
    if let Some(reason) = patch.reason {
        event.set_detail("reason", reason);
    }
    event.set_detail("changed", changed);
    next.version = case.version + 1;
    next.updated_at = crate::db::now();
    if !queries::update_case(conn, &next, case.version)? {
        return Err(ApiError::PreconditionFailed);
    }
    if let Some(offences) = &patch.offences {
        queries::write_offences(conn, &case.id, offences)?;
    }
    // Closed again after archiving is no second closing.
    if let Some(to) = patch
        .status
        .filter(|_| case.status() != super::model::CaseStatus::Archived)
    {
        for tally in crate::cases::figures::case_tallies(to, &next, next.updated_at) {
            event.tally(tally);
        }
    }
    event.announce(case_event("updated", &case.id));
    if patch.prosecution_agency_id.is_some() {
        event.announce(case_event("referred", &case.id));
    }
    Ok(CaseView::new(next, standing).reply(StatusCode::OK))
}

/// A referral gives the prosecution agency read access (if it has none yet).
fn refer(conn: &mut DbConn, caller: &Principal, case: &CaseRow, agency_id: &str) -> ApiResult<()> {
    let agency = crate::agencies::find(conn, agency_id)?
        .filter(|a| a.kind == "prosecution")
        .ok_or_else(|| {
            ApiError::validation("prosecution_agency_id", "must be a prosecution agency")
        })?;
    if queries::standing(conn, &case.id, &agency.id)?.is_none() {
        let form = ParticipantForm {
            case_id: &case.id,
            agency_id: &agency.id,
            access: Access::Read.as_str(),
            granted_by: &caller.user_id,
            granted_at: crate::db::now(),
        };
        queries::set_participant(conn, &form, false)?;
    }
    Ok(())
}

/// The agencies a case is shared with.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Case id")),
    responses(
        (status = 200, description = "The agencies the case is shared with", body = Vec<Participant>),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/participants")]
async fn list_participants(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<Participant>>> {
    let id = id.into_inner().into_string();
    let rows = state
        .read_as(
            caller,
            Action::CaseParticipantsRead,
            move |conn, caller, event| {
                let v = visible(conn, caller, &id, event)?;
                Ok(queries::participants(conn, &v.case.id)?)
            },
        )
        .await?;
    Ok(web::Json(rows.into_iter().map(Participant::from).collect()))
}

/// Share a case with an agency at home or abroad, or change its access
/// (supervisors of the owning agency).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = NewParticipant,
    responses(
        (status = 201, description = "Shared", body = Participant),
        (status = 200, description = "Access changed", body = Participant),
        (status = 403, description = "Not a supervisor of the owning agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown agency, or the owning agency itself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/participants")]
async fn add_participant(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<NewParticipant>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let body = body.into_inner();
    let claim = key.claim(&caller.user_id, &body);
    let event = Event::by(Action::CaseParticipantGrant, &caller, &meta);
    state
        .db(move |conn| {
            audited_once(conn, claim.as_ref(), event, |conn, event| {
                let v = visible(conn, &caller, &id, event)?;
                access::may_share(&caller, v.standing)?;
                let agency = crate::agencies::find(conn, &body.agency_id)?
                    .ok_or_else(|| ApiError::validation("agency_id", "is not a known agency"))?;
                if agency.id == v.case.owner_agency_id {
                    return Err(ApiError::validation("agency_id", "is the owning agency"));
                }
                if agency.kind == crate::agencies::AgencyKind::Provider.as_str() {
                    return Err(ApiError::validation(
                        "agency_id",
                        "is a service provider, which takes part through orders, not cases",
                    ));
                }
                let now = crate::db::now();
                let exists = queries::standing(conn, &v.case.id, &agency.id)?.is_some();
                let form = ParticipantForm {
                    case_id: &v.case.id,
                    agency_id: &agency.id,
                    access: body.access.as_str(),
                    granted_by: &caller.user_id,
                    granted_at: now,
                };
                queries::set_participant(conn, &form, exists)?;
                event.announce(case_event("shared", &v.case.id));
                event.set_detail("agency_id", agency.id.clone());
                event.set_detail("agency_country", agency.country_code.clone());
                event.set_detail("access", body.access.as_str());
                let participant = Participant {
                    agency_id: agency.id,
                    agency_name: agency.name,
                    country: agency.country_code,
                    access: body.access,
                    granted_by: caller.user_id.clone(),
                    granted_at: now.into(),
                };
                let status = if exists {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                Ok(Reply::json(status, &participant))
            })
        })
        .await
        .map(Reply::into_response)
}

/// Stop sharing a case with an agency (supervisors of the owning agency).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Case id"),
        ("agency_id" = String, Path, format = Uuid, description = "Participant agency id"),
    ),
    responses(
        (status = 204, description = "No longer shared"),
        (status = 403, description = "Not a supervisor of the owning agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or participant", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/cases/{id}/participants/{agency_id}")]
async fn remove_participant(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    path: web::Path<(Id, Id)>,
) -> ApiResult<HttpResponse> {
    let (id, agency_id) = path.into_inner();
    let (id, agency_id) = (id.into_string(), agency_id.into_string());
    let event = Event::by(Action::CaseParticipantRevoke, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let v = visible(conn, &caller, &id, event)?;
            access::may_share(&caller, v.standing)?;
            event.set_detail("agency_id", agency_id.clone());
            if !queries::remove_participant(conn, &v.case.id, &agency_id)? {
                return Err(ApiError::NotFound);
            }
            event.announce(case_event("unshared", &v.case.id));
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// References of the case in national case systems.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Case id")),
    responses(
        (status = 200, description = "The case's references in national systems", body = Vec<ExternalRef>),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/external-refs")]
async fn list_external_refs(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<ExternalRef>>> {
    let id = id.into_inner().into_string();
    let rows = state
        .read_as(
            caller,
            Action::CaseExternalRefsRead,
            move |conn, caller, event| {
                let v = visible(conn, caller, &id, event)?;
                Ok(queries::external_refs(conn, &v.case.id)?)
            },
        )
        .await?;
    Ok(web::Json(rows.into_iter().map(ExternalRef::from).collect()))
}

/// Link the case to its record in a national case system. A reference is unique
/// among the cases of the owning agency (another agency may link the same one to its
/// own case). Investigators and supervisors of the owning agency.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = NewExternalRef,
    responses(
        (status = 201, description = "The reference was linked", body = ExternalRef),
        (status = 403, description = "Not an investigator or supervisor of the owning agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reference is already linked to another case of the owning agency", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/external-refs")]
async fn add_external_ref(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<NewExternalRef>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let body = body.into_inner();
    let reference = body.check()?;
    let claim = key.claim(&caller.user_id, &body);
    let event = Event::by(Action::CaseExternalRefAdd, &caller, &meta);
    state
        .db(move |conn| {
            audited_once(conn, claim.as_ref(), event, |conn, event| {
                let v = visible(conn, &caller, &id, event)?;
                access::may_link(&caller, v.standing)?;
                // Unique among the owning agency's cases only, so that a conflict can
                // only name a case the caller's agency owns.
                let taken = |case: &str| {
                    ApiError::Conflict(format!(
                        "{}:{} is already linked to {case} of your agency",
                        reference.system, reference.external_id
                    ))
                };
                if let Some(holder) = queries::holder_of(conn, &v.case.owner_agency_id, &reference)?
                {
                    return Err(taken(&holder));
                }
                let now = crate::db::now();
                let form = ExternalRefForm {
                    agency_id: &v.case.owner_agency_id,
                    system: &reference.system,
                    external_id: &reference.external_id,
                    case_id: &v.case.id,
                    created_by: &caller.user_id,
                    created_at: now,
                };
                queries::insert_external_ref(conn, &form).map_err(|e| {
                    if crate::db::is_unique_violation(&e) {
                        taken("a case")
                    } else {
                        e.into()
                    }
                })?;
                event.set_detail("system", reference.system.clone());
                event.set_detail("external_id", reference.external_id.clone());
                let linked = ExternalRef {
                    system: reference.system.clone(),
                    external_id: reference.external_id.clone(),
                    created_by: caller.user_id.clone(),
                    created_at: now.into(),
                };
                Ok(Reply::json(StatusCode::CREATED, &linked))
            })
        })
        .await
        .map(Reply::into_response)
}
