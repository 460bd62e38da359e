use super::model::{
    Access, Case, CaseRow, CaseStatus, OWNER_ACCESS, Offence, Priority, Standing, encode_offences,
    etag, reference, transition,
};
use super::{Visible, has_case_role, visible};
use crate::audit::{Action, Event, Subject, audited};
use crate::auth::Principal;
use crate::auth::roles::{Role, decode_roles};
use crate::db::DbConn;
use crate::db::schema::{
    agencies, case_external_refs, case_offences, case_participants, cases, users,
};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::idempotency::{self, IdempotencyKey};
use crate::input::{Id, IfMatch, Json, Query};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::reply::Reply;
use crate::state::AppState;
use crate::time::UtcTimestamp;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
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

/// A case as one caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    /// The caller's agency's standing: the owner, or a participant with this access.
    pub access: Standing,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: String,
    #[schema(min_items = 1)]
    pub offences: Vec<Offence>,
    pub priority: Priority,
    /// An investigator or supervisor of the caller's agency; defaults to the caller
    /// when they are an investigator.
    #[schema(format = Uuid)]
    pub lead_investigator_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: Option<String>,
    #[schema(min_items = 1)]
    pub offences: Option<Vec<Offence>>,
    pub priority: Option<Priority>,
    #[schema(format = Uuid)]
    pub lead_investigator_id: Option<String>,
    /// Move the case along its workflow.
    pub status: Option<CaseStatus>,
    /// Required when referring to prosecution: that agency gets read access.
    #[schema(format = Uuid)]
    pub prosecution_agency_id: Option<String>,
    /// Why the status changes (kept in the audit trail).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// Owning country (ISO 3166-1 alpha-2).
    #[param(pattern = "^[A-Z]{2}$")]
    pub owner_country: Option<String>,
    pub offence: Option<Offence>,
    pub priority: Option<Priority>,
    /// Cases this agency participates in.
    #[param(format = Uuid)]
    pub participant_agency: Option<String>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Text in the reference or title (case-insensitive).
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// `SYSTEM:ID` of a national case system.
    #[param(max_length = 265, pattern = "^[A-Za-z0-9._-]{1,64}:.+$")]
    pub external_ref: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    #[schema(format = Uuid)]
    pub agency_id: String,
    pub access: Access,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub agency_id: String,
    pub agency_name: String,
    pub country: String,
    pub access: Access,
    pub granted_by: String,
    pub granted_at: UtcTimestamp,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExternalRef {
    /// The national case system, such as `jm-cms`.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub system: String,
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalRef {
    pub system: String,
    pub external_id: String,
    pub created_by: String,
    pub created_at: UtcTimestamp,
}

fn view(row: CaseRow, standing: Standing) -> CaseView {
    CaseView {
        case: Case::from(row),
        access: standing,
    }
}

fn case_reply(status: StatusCode, view: &CaseView) -> Reply {
    let reply = Reply::json(status, view).etag(etag(view.case.version));
    if status == StatusCode::CREATED {
        reply.location(format!("/api/v1/cases/{}", view.case.id))
    } else {
        reply
    }
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let len = value.trim().chars().count();
    if len == 0 || len > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
}

/// The lead investigator must be an active investigator or supervisor of the agency.
fn check_lead(conn: &mut DbConn, user_id: &str, agency_id: &str) -> ApiResult<()> {
    let found: Option<(String, String)> = users::table
        .filter(users::id.eq(user_id))
        .filter(users::agency_id.eq(agency_id))
        .filter(users::status.eq("active"))
        .select((users::id, users::roles))
        .first(conn)
        .optional()?;
    let ok = found.is_some_and(|(_, roles)| {
        let roles = decode_roles(&roles);
        roles.contains(&Role::Investigator) || roles.contains(&Role::Supervisor)
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            "lead_investigator_id",
            "must be an active investigator or supervisor of the owning agency",
        ))
    }
}

fn write_offences(conn: &mut DbConn, case_id: &str, offences: &[Offence]) -> ApiResult<()> {
    diesel::delete(case_offences::table.filter(case_offences::case_id.eq(case_id)))
        .execute(conn)?;
    let mut unique = offences.to_vec();
    unique.sort();
    unique.dedup();
    for offence in unique {
        diesel::insert_into(case_offences::table)
            .values((
                case_offences::case_id.eq(case_id),
                case_offences::offence.eq(offence.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
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
    caller: Principal,
    meta: RequestMeta,
    key: IdempotencyKey,
    body: Json<NewCase>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let keyed = key.with_body(&body);
    let mut errors = Vec::new();
    check_text(&mut errors, "title", &body.title, 300);
    check_text(&mut errors, "summary", &body.summary, 20_000);
    if body.offences.is_empty() {
        errors.push(FieldError::new(
            "offences",
            "must name at least one offence",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let event = Event::by(Action::CaseCreate, &caller, &meta);
    state
        .db(move |conn| {
            idempotency::run(conn, &caller.user_id, &keyed, |conn| {
                audited(conn, event, |conn, event| {
                    caller.require_any(&[Role::Investigator, Role::Supervisor])?;
                    let lead = match body.lead_investigator_id {
                        Some(lead) => {
                            check_lead(conn, &lead, &caller.agency_id)?;
                            Some(lead)
                        }
                        None => caller
                            .has(Role::Investigator)
                            .then(|| caller.user_id.clone()),
                    };
                    let now = crate::db::now();
                    let year = Utc::now().year();
                    let number = crate::db::next_case_number(conn, &caller.country, year)?;
                    let row = CaseRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        reference: reference(&caller.country, year, number),
                        owner_agency_id: caller.agency_id.clone(),
                        owner_country: caller.country.clone(),
                        title: body.title.trim().to_owned(),
                        summary: body.summary.trim().to_owned(),
                        offences: encode_offences(&body.offences),
                        priority: body.priority.as_str().to_owned(),
                        status: CaseStatus::Open.as_str().to_owned(),
                        lead_investigator_id: lead,
                        created_by: caller.user_id.clone(),
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    };
                    diesel::insert_into(cases::table)
                        .values((
                            cases::id.eq(&row.id),
                            cases::reference.eq(&row.reference),
                            cases::owner_agency_id.eq(&row.owner_agency_id),
                            cases::owner_country.eq(&row.owner_country),
                            cases::title.eq(&row.title),
                            cases::summary.eq(&row.summary),
                            cases::offences.eq(&row.offences),
                            cases::priority.eq(&row.priority),
                            cases::status.eq(&row.status),
                            cases::lead_investigator_id.eq(&row.lead_investigator_id),
                            cases::created_by.eq(&row.created_by),
                            cases::created_at.eq(row.created_at),
                            cases::updated_at.eq(row.updated_at),
                            cases::version.eq(row.version),
                        ))
                        .execute(conn)?;
                    write_offences(conn, &row.id, &body.offences)?;
                    diesel::insert_into(case_participants::table)
                        .values((
                            case_participants::case_id.eq(&row.id),
                            case_participants::agency_id.eq(&row.owner_agency_id),
                            case_participants::access.eq(OWNER_ACCESS),
                            case_participants::granted_by.eq(&caller.user_id),
                            case_participants::granted_at.eq(now),
                        ))
                        .execute(conn)?;
                    event.case_id = Some(row.id.clone());
                    event.subject = Some(Subject::new("case", &row.id, Some(&row.owner_country)));
                    event.set_detail("reference", row.reference.clone());
                    let reply = case_reply(StatusCode::CREATED, &view(row, Standing::Owner));
                    if let Some((key, hash)) = &keyed {
                        idempotency::save(conn, &caller.user_id, key, hash, &reply)?;
                    }
                    Ok(reply)
                })
            })
        })
        .await
        .map(Reply::into_response)
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
    caller: Principal,
    meta: RequestMeta,
    filter: Query<CaseFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<CaseView>>> {
    let filter = filter.into_inner();
    let limit = paging.limit();
    let after = paging.after();
    let external = match &filter.external_ref {
        Some(r) => Some(
            r.split_once(':')
                .map(|(s, id)| (s.to_owned(), id.to_owned()))
                .ok_or_else(|| ApiError::validation("external_ref", "must be SYSTEM:ID"))?,
        ),
        None => None,
    };
    let event = Event::by(Action::CaseList, &caller, &meta);
    let rows = state
        .audited(event, move |conn, event| {
            if !has_case_role(&caller) {
                return Err(ApiError::forbidden(
                    "your roles give no access to case content",
                ));
            }
            let rows = query_cases(conn, &caller, &filter, external, after, limit)?;
            let ids: Vec<&str> = rows
                .iter()
                .take(limit as usize)
                .map(|(r, _)| r.id.as_str())
                .collect();
            event.set_detail("case_ids", ids);
            Ok(rows)
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |(r, _)| r.id.clone(),
        |(r, s)| view(r, s),
    )))
}

/// The visible cases matching a filter, newest first, up to `limit + 1`.
pub fn query_cases(
    conn: &mut DbConn,
    caller: &Principal,
    filter: &CaseFilter,
    external: Option<(String, String)>,
    after: Option<String>,
    limit: i64,
) -> ApiResult<Vec<(CaseRow, Standing)>> {
    let rows: Vec<(CaseRow, String)> = case_list_query(
        conn.backend(),
        &caller.agency_id,
        filter,
        external,
        after,
        limit,
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(row, access)| Some((row, Standing::from_stored(&access)?)))
        .collect())
}

pub type CaseListQuery = diesel::helper_types::IntoBoxed<
    'static,
    diesel::helper_types::Select<
        diesel::helper_types::InnerJoin<case_participants::table, cases::table>,
        (
            diesel::helper_types::AsSelect<CaseRow, crate::db::MultiBackend>,
            case_participants::access,
        ),
    >,
    crate::db::MultiBackend,
>;

/// The list query: cases the agency owns or participates in, filtered, newest first.
/// It walks the agency's rows of `case_participants` (owner rows included) in case
/// order and joins each case, so a page costs about its own size however many cases
/// the agency sees.
pub fn case_list_query(
    backend: crate::db::Backend,
    agency: &str,
    filter: &CaseFilter,
    external: Option<(String, String)>,
    after: Option<String>,
    limit: i64,
) -> CaseListQuery {
    let mut query = case_participants::table
        .inner_join(cases::table)
        .select((CaseRow::as_select(), case_participants::access))
        .into_boxed()
        .filter(case_participants::agency_id.eq(agency.to_owned()))
        .order(case_participants::case_id.desc())
        .limit(limit + 1);
    if let Some(v) = filter.status {
        query = query.filter(cases::status.eq(v.as_str()));
    }
    if let Some(v) = &filter.owner_country {
        query = query.filter(cases::owner_country.eq(v.clone()));
    }
    if let Some(v) = filter.priority {
        query = query.filter(cases::priority.eq(v.as_str()));
    }
    if let Some(v) = filter.offence {
        query = query.filter(
            cases::id.eq_any(
                case_offences::table
                    .filter(case_offences::offence.eq(v.as_str()))
                    .select(case_offences::case_id),
            ),
        );
    }
    if let Some(v) = &filter.participant_agency {
        // `case_participants` already drives the query: the subquery needs its own name.
        let shared_with = diesel::alias!(case_participants as shared_with);
        query = query.filter(
            cases::id.eq_any(
                shared_with
                    .filter(
                        shared_with
                            .field(case_participants::agency_id)
                            .eq(v.clone()),
                    )
                    .filter(
                        shared_with
                            .field(case_participants::access)
                            .ne(OWNER_ACCESS),
                    )
                    .select(shared_with.field(case_participants::case_id)),
            ),
        );
    }
    if let Some(v) = filter.created_from {
        query = query.filter(cases::created_at.ge(v.naive_utc()));
    }
    if let Some(v) = filter.created_to {
        query = query.filter(cases::created_at.lt(v.naive_utc()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(crate::db::case_text_filter(backend, q));
    }
    if let Some((system, id)) = external {
        query = query.filter(
            cases::id.eq_any(
                case_external_refs::table
                    .filter(case_external_refs::system.eq(system))
                    .filter(case_external_refs::external_id.eq(id))
                    .select(case_external_refs::case_id),
            ),
        );
    }
    if let Some(after) = after {
        query = query.filter(case_participants::case_id.lt(after));
    }
    query
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
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::CaseRead, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let Visible { case, standing } = visible(conn, &caller, &id, event)?;
            Ok(case_reply(StatusCode::OK, &view(case, standing)))
        })
        .await
        .map(Reply::into_response)
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
    let mut errors = Vec::new();
    if let Some(t) = &patch.title {
        check_text(&mut errors, "title", t, 300);
    }
    if let Some(s) = &patch.summary {
        check_text(&mut errors, "summary", s, 20_000);
    }
    if patch.offences.as_ref().is_some_and(Vec::is_empty) {
        errors.push(FieldError::new(
            "offences",
            "must name at least one offence",
        ));
    }
    if patch.prosecution_agency_id.is_some()
        && patch.status != Some(CaseStatus::ReferredToProsecution)
    {
        errors.push(FieldError::new(
            "prosecution_agency_id",
            "is only for a referral to prosecution",
        ));
    }
    if patch.status == Some(CaseStatus::ReferredToProsecution)
        && patch.prosecution_agency_id.is_none()
    {
        errors.push(FieldError::new(
            "prosecution_agency_id",
            "is required for a referral",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
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
    let edits_fields = patch.title.is_some()
        || patch.summary.is_some()
        || patch.offences.is_some()
        || patch.priority.is_some()
        || patch.lead_investigator_id.is_some();
    if edits_fields
        && !(standing == Standing::Owner
            && (caller.has(Role::Investigator) || caller.has(Role::Supervisor)))
    {
        return Err(ApiError::forbidden(
            "only investigators and supervisors of the owning agency edit a case",
        ));
    }
    let mut changed: Vec<&str> = Vec::new();
    let mut next = case.clone();
    if let Some(t) = patch.title {
        next.title = t.trim().to_owned();
        changed.push("title");
    }
    if let Some(s) = patch.summary {
        next.summary = s.trim().to_owned();
        changed.push("summary");
    }
    if let Some(o) = &patch.offences {
        next.offences = encode_offences(o);
        changed.push("offences");
    }
    if let Some(p) = patch.priority {
        next.priority = p.as_str().to_owned();
        changed.push("priority");
    }
    if let Some(lead) = patch.lead_investigator_id {
        check_lead(conn, &lead, &case.owner_agency_id)?;
        next.lead_investigator_id = Some(lead);
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
        let role_ok = step.roles.iter().any(|r| caller.has(*r));
        let agency_ok = !step.owner_only || standing == Standing::Owner;
        if !role_ok || !agency_ok {
            return Err(ApiError::forbidden(format!(
                "your role or agency may not move a case from {} to {}",
                from.as_str(),
                to.as_str()
            )));
        }
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
    let updated = diesel::update(cases::table.find(&case.id))
        .filter(cases::version.eq(case.version))
        .set((
            cases::title.eq(&next.title),
            cases::summary.eq(&next.summary),
            cases::offences.eq(&next.offences),
            cases::priority.eq(&next.priority),
            cases::status.eq(&next.status),
            cases::lead_investigator_id.eq(&next.lead_investigator_id),
            cases::updated_at.eq(next.updated_at),
            cases::version.eq(next.version),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    if let Some(offences) = &patch.offences {
        write_offences(conn, &case.id, offences)?;
    }
    Ok(case_reply(StatusCode::OK, &view(next, standing)))
}

/// A referral gives the prosecution agency read access (if it has none yet).
fn refer(conn: &mut DbConn, caller: &Principal, case: &CaseRow, agency_id: &str) -> ApiResult<()> {
    let agency = crate::agencies::find(conn, agency_id)?
        .filter(|a| a.kind == "prosecution")
        .ok_or_else(|| {
            ApiError::validation("prosecution_agency_id", "must be a prosecution agency")
        })?;
    let present = super::standing(conn, case, &agency.id)?.is_some();
    if !present {
        diesel::insert_into(case_participants::table)
            .values((
                case_participants::case_id.eq(&case.id),
                case_participants::agency_id.eq(&agency.id),
                case_participants::access.eq(Access::Read.as_str()),
                case_participants::granted_by.eq(&caller.user_id),
                case_participants::granted_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn participants(conn: &mut DbConn, case_id: &str) -> ApiResult<Vec<Participant>> {
    let rows: Vec<(String, String, String, String, String, NaiveDateTime)> =
        case_participants::table
            .inner_join(agencies::table)
            .filter(case_participants::case_id.eq(case_id))
            .filter(case_participants::access.ne(OWNER_ACCESS))
            .order(case_participants::agency_id)
            .select((
                case_participants::agency_id,
                agencies::name,
                agencies::country_code,
                case_participants::access,
                case_participants::granted_by,
                case_participants::granted_at,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(agency_id, agency_name, country, access, granted_by, granted_at)| Participant {
                agency_id,
                agency_name,
                country,
                access: Access::parse(&access).unwrap_or(Access::Read),
                granted_by,
                granted_at: granted_at.into(),
            },
        )
        .collect())
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
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<Participant>>> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::CaseParticipantsRead, &caller, &meta);
    let list = state
        .audited(event, move |conn, event| {
            let v = visible(conn, &caller, &id, event)?;
            participants(conn, &v.case.id)
        })
        .await?;
    Ok(web::Json(list))
}

fn require_owner_supervisor(caller: &Principal, standing: Standing) -> ApiResult<()> {
    if standing == Standing::Owner && caller.has(Role::Supervisor) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a supervisor of the owning agency shares a case",
        ))
    }
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
    let keyed = key.with_body(&body);
    let event = Event::by(Action::CaseParticipantGrant, &caller, &meta);
    state
        .db(move |conn| {
            idempotency::run(conn, &caller.user_id, &keyed, |conn| {
                audited(conn, event, |conn, event| {
                    let v = visible(conn, &caller, &id, event)?;
                    require_owner_supervisor(&caller, v.standing)?;
                    let agency =
                        crate::agencies::find(conn, &body.agency_id)?.ok_or_else(|| {
                            ApiError::validation("agency_id", "is not a known agency")
                        })?;
                    if agency.id == v.case.owner_agency_id {
                        return Err(ApiError::validation("agency_id", "is the owning agency"));
                    }
                    let now = crate::db::now();
                    let existing = super::standing(conn, &v.case, &agency.id)?;
                    let status = if existing.is_some() {
                        diesel::update(case_participants::table.find((&v.case.id, &agency.id)))
                            .set((
                                case_participants::access.eq(body.access.as_str()),
                                case_participants::granted_by.eq(&caller.user_id),
                                case_participants::granted_at.eq(now),
                            ))
                            .execute(conn)?;
                        StatusCode::OK
                    } else {
                        diesel::insert_into(case_participants::table)
                            .values((
                                case_participants::case_id.eq(&v.case.id),
                                case_participants::agency_id.eq(&agency.id),
                                case_participants::access.eq(body.access.as_str()),
                                case_participants::granted_by.eq(&caller.user_id),
                                case_participants::granted_at.eq(now),
                            ))
                            .execute(conn)?;
                        StatusCode::CREATED
                    };
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
                    let reply = Reply::json(status, &participant);
                    if let Some((key, hash)) = &keyed {
                        idempotency::save(conn, &caller.user_id, key, hash, &reply)?;
                    }
                    Ok(reply)
                })
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
            require_owner_supervisor(&caller, v.standing)?;
            event.set_detail("agency_id", agency_id.clone());
            let removed = diesel::delete(case_participants::table.find((&v.case.id, &agency_id)))
                .filter(case_participants::access.ne(OWNER_ACCESS))
                .execute(conn)?;
            if removed == 0 {
                return Err(ApiError::NotFound);
            }
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
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<ExternalRef>>> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::CaseExternalRefsRead, &caller, &meta);
    let refs = state
        .audited(event, move |conn, event| {
            let v = visible(conn, &caller, &id, event)?;
            let rows: Vec<(String, String, String, NaiveDateTime)> = case_external_refs::table
                .filter(case_external_refs::case_id.eq(&v.case.id))
                .order((case_external_refs::system, case_external_refs::external_id))
                .select((
                    case_external_refs::system,
                    case_external_refs::external_id,
                    case_external_refs::created_by,
                    case_external_refs::created_at,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(
                    |(system, external_id, created_by, created_at)| ExternalRef {
                        system,
                        external_id,
                        created_by,
                        created_at: created_at.into(),
                    },
                )
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(web::Json(refs))
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
    let mut errors = Vec::new();
    let system_ok = (1..=64).contains(&body.system.len())
        && body
            .system
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !system_ok {
        errors.push(FieldError::new(
            "system",
            "must be 1 to 64 letters, digits, '-', '_' or '.'",
        ));
    }
    check_text(&mut errors, "external_id", &body.external_id, 200);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let keyed = key.with_body(&body);
    let event = Event::by(Action::CaseExternalRefAdd, &caller, &meta);
    state
        .db(move |conn| {
            idempotency::run(conn, &caller.user_id, &keyed, |conn| {
                audited(conn, event, |conn, event| {
                    let v = visible(conn, &caller, &id, event)?;
                    if v.standing != Standing::Owner
                        || !(caller.has(Role::Investigator) || caller.has(Role::Supervisor))
                    {
                        return Err(ApiError::forbidden(
                            "only investigators and supervisors of the owning agency link references",
                        ));
                    }
                    let now = crate::db::now();
                    let external_id = body.external_id.trim().to_owned();
                    // Unique among the owning agency's cases only, so that a conflict
                    // can only name a case the caller's agency owns.
                    let linked: Option<String> = case_external_refs::table
                        .inner_join(cases::table)
                        .filter(case_external_refs::agency_id.eq(&v.case.owner_agency_id))
                        .filter(case_external_refs::system.eq(&body.system))
                        .filter(case_external_refs::external_id.eq(&external_id))
                        .select(cases::reference)
                        .first(conn)
                        .optional()?;
                    let taken = |case: &str| {
                        ApiError::Conflict(format!(
                            "{}:{external_id} is already linked to {case} of your agency",
                            body.system
                        ))
                    };
                    if let Some(reference) = linked {
                        return Err(taken(&reference));
                    }
                    diesel::insert_into(case_external_refs::table)
                        .values((
                            case_external_refs::agency_id.eq(&v.case.owner_agency_id),
                            case_external_refs::system.eq(&body.system),
                            case_external_refs::external_id.eq(&external_id),
                            case_external_refs::case_id.eq(&v.case.id),
                            case_external_refs::created_by.eq(&caller.user_id),
                            case_external_refs::created_at.eq(now),
                        ))
                        .execute(conn)
                        .map_err(|e| {
                            if crate::db::is_unique_violation(&e) {
                                taken("a case")
                            } else {
                                e.into()
                            }
                        })?;
                    event.set_detail("system", body.system.clone());
                    event.set_detail("external_id", external_id.clone());
                    let reference = ExternalRef {
                        system: body.system.clone(),
                        external_id,
                        created_by: caller.user_id.clone(),
                        created_at: now.into(),
                    };
                    let reply = Reply::json(StatusCode::CREATED, &reference);
                    if let Some((key, hash)) = &keyed {
                        idempotency::save(conn, &caller.user_id, key, hash, &reply)?;
                    }
                    Ok(reply)
                })
            })
        })
        .await
        .map(Reply::into_response)
}
