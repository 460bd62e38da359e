//! The status review endpoints: a state's review, its history, its review by a
//! regional administrator, and the checklist of regional minimum standards.

use super::access;
use super::queries;
use super::review::{
    ChecklistItem, ChecklistItemDefinition, ChecklistStatus, ChecklistView, LastReview,
    ReviewChange, ReviewChangeRequest, ReviewContent, ReviewRecord, ReviewRow, ReviewVersion,
    StatusReview,
};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{IfMatch, Json, Query, version_tag};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::reply::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_review)
        .service(put_review)
        .service(review_history)
        .service(record_review)
        .service(list_checklist)
        .service(define_checklist_item);
}

/// When to read a review as it stood.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewAt {
    /// The review as it stood at this instant (RFC 3339), or at the end of this day
    /// (`2026-03-31`, UTC). Default: now.
    #[param(min_length = 10, max_length = 40, example = "2026-03-31")]
    pub at: Option<String>,
}

impl ReviewAt {
    fn instant(&self) -> ApiResult<Option<NaiveDateTime>> {
        let Some(text) = self.at.as_deref() else {
            return Ok(None);
        };
        if let Some(at) = crate::time::parse_instant(text) {
            return Ok(Some(at));
        }
        crate::time::FullDate::parse(text)
            .and_then(|day| day.day().and_hms_micro_opt(23, 59, 59, 999_999))
            .map(Some)
            .ok_or_else(|| {
                ApiError::validation(
                    "at",
                    "must be an instant (RFC 3339) or a day (YYYY-MM-DD), from 1900 to 2100, such as 2026-03-31",
                )
            })
    }
}

/// The review as a reply, with its ETag.
fn reply(review: &StatusReview) -> Reply {
    Reply::json(StatusCode::OK, review).etag(version_tag(review.version))
}

/// The country, or 404.
fn known_country(conn: &mut DbConn, code: &str) -> ApiResult<()> {
    if crate::countries::queries::exists(conn, code)? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// A version (or none yet) as the API shows it, against the checklist's `items`.
pub(crate) fn view(
    conn: &mut DbConn,
    country: &str,
    row: Option<&ReviewRow>,
    items: &[ChecklistItem],
) -> ApiResult<StatusReview> {
    let content = match row {
        Some(row) => row.content()?,
        None => ReviewContent::default(),
    };
    let version = row.map_or(0, |r| r.version);
    let checklist = items
        .iter()
        .map(|item| {
            let entry = content.checklist.iter().find(|e| e.item == item.code);
            ChecklistView {
                title: item.title.clone(),
                status: entry.map_or(ChecklistStatus::NotAssessed, |e| e.status),
                date: entry.map(|e| e.date.clone()),
                note: entry.map(|e| e.note.clone()).unwrap_or_default(),
                item: item.code.clone(),
            }
        })
        .collect();
    let last_review = queries::last_review(conn, country, version)?.map(|r| LastReview {
        version: r.version,
        at: r.recorded_at.into(),
        note: r.review_note.unwrap_or_default(),
    });
    Ok(StatusReview {
        country: country.to_owned(),
        version,
        legislation: content.legislation,
        budapest_convention: content.budapest_convention,
        second_protocol: content.second_protocol,
        csirt: content.csirt,
        csirt_name: content.csirt_name,
        checklist,
        notes: content.notes,
        contact_point: queries::designation(conn, country, Role::ContactPoint.as_str())?,
        central_authority: queries::designation(conn, country, Role::CentralAuthority.as_str())?,
        recorded_at: row.map(|r| r.recorded_at.into()),
        reviewed: row.is_some_and(|r| r.change == ReviewChange::Reviewed.as_str()),
        last_review,
    })
}

/// The version a change is based on, as `If-Match` names it (428 without, 412 when
/// another is current); `None` before the first.
fn based_on(conn: &mut DbConn, code: &str, expected: &IfMatch) -> ApiResult<Option<ReviewRow>> {
    let current = queries::version_at(conn, code, None)?;
    expected.require(&version_tag(current.as_ref().map_or(0, |r| r.version)))?;
    Ok(current)
}

/// Writes the next version; a version written meanwhile by another request (both
/// read the same one) makes this one stale: 412, as `If-Match` would have said.
fn record(conn: &mut DbConn, row: &ReviewRow) -> ApiResult<()> {
    queries::insert_version(conn, row).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            ApiError::PreconditionFailed
        } else {
            e.into()
        }
    })
}

/// A state's status review, as it stands or as it stood at `at`. Every signed-in
/// user reads it: it holds nothing of any case or request.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Z]{2}$", description = "The state's ISO 3166-1 alpha-2 code"), ReviewAt),
    responses(
        (status = 200, description = "The review (version 0 before anyone recorded one)", body = StatusReview, headers(("ETag" = String))),
        (status = 404, description = "No such country", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`at` is not an instant or a day", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/countries/{code}/status-review")]
async fn get_review(
    state: web::Data<AppState>,
    _caller: Principal,
    code: web::Path<String>,
    at: Query<ReviewAt>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let at = at.into_inner().instant()?;
    let review = state
        .db(move |conn| {
            known_country(conn, &code)?;
            let row = queries::version_at(conn, &code, at)?;
            let items = queries::checklist(conn)?;
            view(conn, &code, row.as_ref(), &items)
        })
        .await?;
    Ok(reply(&review).into_response())
}

/// Change a state's status review (its administrators, or a regional
/// administrator): any subset of its fields. Requires `If-Match` with the ETag last
/// read (428 without, 412 when it changed since). A change that changes nothing
/// records no version.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, pattern = "^[A-Z]{2}$", description = "The state's ISO 3166-1 alpha-2 code"),
        ("If-Match" = String, Header, min_length = 1, pattern = r#"^\s*(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*\s*$"#, description = "The ETag of the version the change is based on (an entity tag, not `*`; weak tags never match)"),
    ),
    request_body = ReviewChangeRequest,
    responses(
        (status = 200, description = "The review as changed", body = StatusReview, headers(("ETag" = String))),
        (status = 403, description = "Not an administrator of this state, nor a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such country", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The review changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/countries/{code}/status-review")]
async fn put_review(
    state: web::Data<AppState>,
    caller: Principal,
    expected: IfMatch,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<ReviewChangeRequest>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let change = body.into_inner();
    let event = Event::by(Action::StatusReviewUpdate, &caller, &meta).subject(Subject::new(
        "country",
        &code,
        Some(&code),
    ));
    let review = state
        .audited(event, move |conn, event| {
            known_country(conn, &code)?;
            access::may_update(&caller, &code)?;
            let current = based_on(conn, &code, &expected)?;
            let version = current.as_ref().map_or(0, |r| r.version);
            let items = queries::checklist(conn)?;
            let codes: Vec<&str> = items.iter().map(|i| i.code.as_str()).collect();
            change.check(&codes, crate::db::now().date())?;
            let content = match &current {
                Some(row) => row.content()?,
                None => ReviewContent::default(),
            };
            let (next, changed) = change.apply(&content);
            if changed.is_empty() {
                event.set_detail("changed", Vec::<&str>::new());
                return view(conn, &code, current.as_ref(), &items);
            }
            let row = ReviewRow::new(
                &code,
                version + 1,
                ReviewChange::Updated,
                &next,
                None,
                &caller.user_id,
            );
            record(conn, &row)?;
            event.set_detail("changed", changed);
            event.set_detail("version", row.version);
            view(conn, &code, Some(&row), &items)
        })
        .await?;
    Ok(reply(&review).into_response())
}

/// Record that a regional administrator reviewed a state's status review as it
/// stands. Requires `If-Match` with the ETag of the version reviewed.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, pattern = "^[A-Z]{2}$", description = "The state's ISO 3166-1 alpha-2 code"),
        ("If-Match" = String, Header, min_length = 1, pattern = r#"^\s*(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*\s*$"#, description = "The ETag of the version reviewed (an entity tag, not `*`; weak tags never match)"),
    ),
    request_body = ReviewRecord,
    responses(
        (status = 200, description = "The review, now reviewed", body = StatusReview, headers(("ETag" = String))),
        (status = 403, description = "Not a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such country", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing is recorded yet to review", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The review changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/countries/{code}/status-review/reviews")]
async fn record_review(
    state: web::Data<AppState>,
    caller: Principal,
    expected: IfMatch,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<ReviewRecord>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let note = body.into_inner().note.trim().to_owned();
    let event = Event::by(Action::StatusReviewReview, &caller, &meta).subject(Subject::new(
        "country",
        &code,
        Some(&code),
    ));
    let review = state
        .audited(event, move |conn, event| {
            known_country(conn, &code)?;
            access::may_review(&caller)?;
            let n = note.chars().count();
            if n == 0 || n > 2000 {
                return Err(ApiError::validation("note", "must be 1 to 2000 characters"));
            }
            let Some(current) = based_on(conn, &code, &expected)? else {
                return Err(ApiError::Conflict(
                    "nothing is recorded yet for this state to review".into(),
                ));
            };
            let version = current.version;
            let row = ReviewRow::new(
                &code,
                version + 1,
                ReviewChange::Reviewed,
                &current.content()?,
                Some(note),
                &caller.user_id,
            );
            record(conn, &row)?;
            event.set_detail("reviewed_version", version);
            event.set_detail("version", row.version);
            let items = queries::checklist(conn)?;
            view(conn, &code, Some(&row), &items)
        })
        .await?;
    Ok(reply(&review).into_response())
}

/// A state's status review, version by version, oldest first: what was recorded,
/// when, and what each reviewer noted.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Z]{2}$", description = "The state's ISO 3166-1 alpha-2 code"), PageParams),
    responses(
        (status = 200, description = "A page of versions", body = Page<ReviewVersion>),
        (status = 404, description = "No such country", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/countries/{code}/status-review/history")]
async fn review_history(
    state: web::Data<AppState>,
    _caller: Principal,
    code: web::Path<String>,
    paging: Paging,
) -> ApiResult<web::Json<Page<ReviewVersion>>> {
    let code = code.into_inner();
    let limit = paging.limit();
    let after = paging.after().and_then(|a| a.parse::<i32>().ok());
    let versions = state
        .db(move |conn| {
            known_country(conn, &code)?;
            queries::history(conn, &code, after, limit)?
                .iter()
                .map(ReviewVersion::of)
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(paging.page(
        versions,
        |v| v.version.to_string(),
        |v| v,
    )))
}

/// The regional minimum standards: the checklist every state's review answers, in
/// its order.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The checklist's items", body = Vec<ChecklistItem>),
    )
)]
#[get("/checklist-items")]
async fn list_checklist(
    state: web::Data<AppState>,
    _caller: Principal,
) -> ApiResult<web::Json<Vec<ChecklistItem>>> {
    let items = state.db(move |conn| Ok(queries::checklist(conn)?)).await?;
    Ok(web::Json(items))
}

/// Define an item of the regional minimum standards, or reword one (regional
/// administrators). States' entries name items by code, so a code stays.
#[utoipa::path(
    tag = "monitoring",
    security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[a-z][a-z0-9_]{0,63}$", description = "The item's code")),
    request_body = ChecklistItemDefinition,
    responses(
        (status = 200, description = "The item, reworded", body = ChecklistItem),
        (status = 201, description = "The item, defined", body = ChecklistItem),
        (status = 403, description = "Not a regional administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another request defined the item at the same moment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/checklist-items/{code}")]
async fn define_checklist_item(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<ChecklistItemDefinition>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let definition = body.into_inner();
    let event = Event::by(Action::ChecklistItemDefine, &caller, &meta)
        .subject(Subject::new("checklist_item", &code, None))
        .detail("title", definition.title.trim());
    let (status, item) = state
        .audited(event, move |conn, event| {
            access::may_review(&caller)?;
            definition.check(&code)?;
            let now = crate::db::now();
            let held = queries::checklist_item(conn, &code)?;
            let position = match (definition.position, &held) {
                (Some(p), _) => p,
                (None, Some(item)) => item.position,
                (None, None) => queries::next_position(conn)?,
            };
            let item = ChecklistItem {
                code: code.clone(),
                title: definition.title.trim().to_owned(),
                description: definition.description.trim().to_owned(),
                position,
                created_at: held.as_ref().map_or(now, |i| i.created_at),
                updated_at: now,
            };
            if held.is_some() {
                queries::update_item(conn, &item)?;
                event.set_detail("defined", "reworded");
                Ok((StatusCode::OK, item))
            } else {
                queries::insert_item(conn, &item).map_err(|e| {
                    if crate::db::is_unique_violation(&e) {
                        ApiError::Conflict(format!("item {code} was defined meanwhile"))
                    } else {
                        e.into()
                    }
                })?;
                event.set_detail("defined", "new");
                Ok((StatusCode::CREATED, item))
            }
        })
        .await?;
    Ok(HttpResponse::build(status).json(item))
}
