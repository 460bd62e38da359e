//! The endpoints of preservation requests. Sending and events go to the ledger (each
//! is an entry of the signed log); reads answer once their audit entry is durable.

use super::access::{PreservationScope, visible};
use super::jobs::{PreservationJob, Preservations, Recorder};
use super::model::{NewPreservation, NewPreservationEvent, Preservation, PreservationFilter};
use super::queries;
use crate::auth::{Credentials, TokenClaims};
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, Json, Query};
use crate::ledger::Action;
use crate::mla::events::RequestEvent;
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_preservations)
        .service(send_preservation)
        .service(get_preservation)
        .service(record_preservation_event)
        .service(list_preservation_events)
        .service(preservation_bundle);
}

/// Preservation requests the caller may see, newest first: those for their agency's
/// investigations, and (for points of contact and central authorities) those their
/// state sent or received.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(PreservationFilter, PageParams),
    responses(
        (status = 200, description = "A page of preservation requests", body = Page<Preservation>),
        (status = 403, description = "The caller's roles give no access to preservation requests", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preservations")]
async fn list_preservations(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: Query<PreservationFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Preservation>>> {
    let filter = filter.into_inner();
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .read_as(
            caller,
            Action::PreservationList,
            move |conn, caller, event| {
                let scope = PreservationScope::of(caller);
                if scope.is_empty() {
                    return Err(ApiError::forbidden(
                        "your roles give no access to preservation requests",
                    ));
                }
                let rows = queries::list(conn, &scope, &filter, after, limit, crate::db::now())?;
                let ids: Vec<&str> = rows
                    .iter()
                    .take(limit as usize)
                    .map(|r| r.id.as_str())
                    .collect();
                event.set_detail("preservation_ids", ids);
                Ok(rows)
            },
        )
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.id.clone(),
        Preservation::from,
    )))
}

/// Send a preservation request (Budapest Convention art. 29): the requesting state's
/// 24/7 point of contact, to another state, at once (there is no draft). The legal
/// basis must cover preservation; every field it requires is checked (422 lists the
/// missing ones), and the data sought is always required. The first entry of its
/// history, `requested`, commits to its content.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    request_body = NewPreservation,
    responses(
        (status = 201, description = "The preservation request as sent", body = Preservation, headers(("Location" = String))),
        (status = 403, description = "Not a 24/7 point of contact", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: an unknown basis or one that does not cover preservation, the caller's own state, an agency of another state, or fields the basis requires", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/preservations")]
async fn send_preservation(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    body: Json<NewPreservation>,
) -> ApiResult<HttpResponse> {
    let job = PreservationJob::Send {
        credentials: Credentials {
            claims: claims.0,
            meta,
        },
        request: Box::new(body.into_inner()),
    };
    let reply = state.ledger.submit::<Preservations>(job, None).await?;
    Ok(reply.into_response())
}

/// One preservation request.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Preservation id")),
    responses(
        (status = 200, description = "The preservation request", body = Preservation),
        (status = 404, description = "No such preservation, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preservations/{id}")]
async fn get_preservation(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Preservation>> {
    let id = id.into_inner().into_string();
    let row = state
        .read_as(
            caller,
            Action::PreservationRead,
            move |conn, caller, event| visible(conn, caller, &id, event),
        )
        .await?;
    Ok(web::Json(Preservation::from(row)))
}

/// Record an event of a preservation: `preserved` (with `expires_at`, by default the
/// basis's period), `extended`, `partially_disclosed` (with `third_country`) by the
/// requested state's point of contact; `mla_followed` (with `mla_request_id`: the
/// expiry is suspended while that request is decided) by the requesting state's point
/// of contact or central authority; `released` by either point of contact. `expired`
/// is recorded by the service itself (403 here). An event that cannot follow the
/// current state is 409.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Preservation id")),
    request_body = NewPreservationEvent,
    responses(
        (status = 201, description = "The event, as committed to the log", body = RequestEvent),
        (status = 403, description = "The caller's role or state may not record this event", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such preservation, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event cannot follow the preservation's current state, which the problem names", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/preservations/{id}/events")]
async fn record_preservation_event(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<NewPreservationEvent>,
) -> ApiResult<HttpResponse> {
    let event = body.into_inner();
    event.check()?;
    let job = PreservationJob::Record {
        by: Recorder::User(Box::new(Credentials {
            claims: claims.0,
            meta,
        })),
        preservation_id: id.into_inner().into_string(),
        event: Box::new(event),
    };
    let reply = state.ledger.submit::<Preservations>(job, None).await?;
    Ok(reply.into_response())
}

/// A preservation's history, oldest first: each event with its log entry.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Preservation id")),
    responses(
        (status = 200, description = "The preservation's events", body = Vec<RequestEvent>),
        (status = 404, description = "No such preservation, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preservations/{id}/events")]
async fn list_preservation_events(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<RequestEvent>>> {
    let id = id.into_inner().into_string();
    let entries = state
        .read_as(
            caller,
            Action::PreservationHistory,
            move |conn, caller, event| {
                let row = visible(conn, caller, &id, event)?;
                Ok(crate::mla::queries::entries(conn, &row.id)?)
            },
        )
        .await?;
    Ok(web::Json(
        entries.into_iter().map(RequestEvent::from).collect(),
    ))
}

/// The preservation's history as a bundle a court verifies offline (custody log spec
/// §4 with `request_id`, §5); `caseledger verify-bundle` checks it.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Preservation id")),
    responses(
        (status = 200, description = "A request bundle (custody log format §4 and §5)", body = Object),
        (status = 404, description = "No such preservation, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preservations/{id}/bundle")]
async fn preservation_bundle(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<serde_json::Value>> {
    let id = id.into_inner().into_string();
    let signer = state.log.clone();
    let bundle = state
        .read_as(
            caller,
            Action::PreservationExport,
            move |conn, caller, event| {
                let row = visible(conn, caller, &id, event)?;
                let stored = crate::mla::queries::entries(conn, &row.id)?;
                crate::mla::bundle::of_history(conn, &signer, &row.id, &row.reference, stored)
            },
        )
        .await?;
    Ok(web::Json(bundle))
}
