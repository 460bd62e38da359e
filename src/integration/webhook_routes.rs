//! The endpoints of webhooks: registration, the delivery log, replay and secret
//! rotation. An endpoint is managed by the service account whose view it hears and
//! by the administrators of its agency's country; for everyone else it does not exist
//! (404).

use super::access::{manages, manages_webhook};
use super::egress::{self, Exemptions};
use super::queries::{self, WebhookOwner};
use super::webhook::{
    Delivery, NewWebhook, Replay, Webhook, WebhookRotation, WebhookRow, secret, secret_text,
};
use crate::auth::Principal;
use crate::auth::roles::Role;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, Json};
use crate::ledger::{Action, Event, Subject};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(list_deliveries)
        .service(replay)
        .service(rotate_webhook_secret)
        .service(enable_webhook);
}

/// An endpoint the caller manages, or 404.
fn managed(
    conn: &mut crate::db::DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<WebhookRow> {
    let hook = queries::webhook(conn, id)?.ok_or(ApiError::NotFound)?;
    let country = crate::agencies::find(conn, &hook.agency_id)?
        .map(|a| a.country_code)
        .unwrap_or_default();
    event.subject = Some(Subject::new("webhook", &hook.id, Some(&country)));
    if manages_webhook(caller, &hook.service_account_id, &country) {
        Ok(hook)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Register an endpoint for an agency. Its secret (`whsec_...`, Standard Webhooks) is
/// in the answer, this once. The URL must be `https` and resolve to public addresses
/// only (unless the operator exempts its host). The endpoint hears of the events whose
/// object its service account may see when each is delivered, from now on.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The endpoint, with its secret", body = Webhook, headers(("Location" = String))),
        (status = 403, description = "Neither the service account whose view the endpoint hears nor an administrator of the agency's country", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: a refused URL, an unknown agency or service account, a malformed event type", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    body: Json<NewWebhook>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    // Only those who could register one get the URL looked up.
    if !caller.machine && !caller.has(Role::Admin) && !caller.has(Role::RegionalAdmin) {
        return Err(ApiError::forbidden(
            "only the agency's service accounts and its country's administrators register its webhooks",
        ));
    }
    body.check()?;
    let url = body.url.trim().to_owned();
    let exemptions = Exemptions::parse(&state.settings.webhook_allow_hosts).unwrap_or_default();
    let checked = url.clone();
    web::block(move || egress::check(&checked, &exemptions))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the address check: {e}")))?
        .map_err(|refusal| ApiError::validation("url", refusal.message()))?;
    let key = state.webhook_key;
    let event = Event::by(Action::WebhookCreate, &caller, &meta);
    let (row, secret) = state
        .audited(event, move |conn, event| {
            let agency_id = body
                .agency_id
                .clone()
                .unwrap_or_else(|| caller.agency_id.clone());
            let agency = crate::agencies::find(conn, &agency_id)?
                .ok_or_else(|| ApiError::validation("agency_id", "is not a known agency"))?;
            let account = match (&body.service_account_id, caller.machine) {
                (Some(id), _) => id.clone(),
                (None, true) => caller.user_id.clone(),
                (None, false) => {
                    return Err(ApiError::validation(
                        "service_account_id",
                        "is required: name the service account whose view the endpoint hears",
                    ));
                }
            };
            // A service account registers endpoints that hear its own view only.
            let own = caller.machine && account == caller.user_id && agency.id == caller.agency_id;
            if !own && !manages(&caller, &agency.country_code) {
                return Err(ApiError::forbidden(
                    "a service account registers webhooks that hear its own view; its country's administrators register any of its agency's",
                ));
            }
            let belongs = queries::by_id(conn, &account)?
                .is_some_and(|a| a.user.agency_id == agency.id);
            if !belongs {
                return Err(ApiError::validation(
                    "service_account_id",
                    "must be a service account of the agency",
                ));
            }
            let now = crate::db::now();
            let mut row = WebhookRow {
                id: uuid::Uuid::now_v7().to_string(),
                agency_id: agency.id.clone(),
                service_account_id: account,
                url,
                event_types: serde_json::to_string(&body.event_types).expect("types serialise"),
                secret_generation: 1,
                previous_generation_until: None,
                status: "active".into(),
                disabled_reason: None,
                cursor: 0,
                created_by: caller.user_id.clone(),
                created_at: now,
                updated_at: now,
                signature_schemes: serde_json::to_string(&body.schemes())
                    .expect("schemes serialise"),
            };
            queries::insert_webhook(conn, &mut row)?;
            event.subject = Some(Subject::new("webhook", &row.id, Some(&agency.country_code)));
            event.set_detail("agency_id", agency.id);
            event.set_detail("url", row.url.clone());
            let secret = secret_text(&secret(&key, &row.id, 1));
            Ok((row, secret))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", row.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(Webhook::new(row, Some(secret), &state.webhook_key)))
}

/// The endpoints the caller manages: those that hear its own view, for a service
/// account; its country's (every country's, for regional administrators), for
/// administrators.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of endpoints", body = Page<Webhook>),
        (status = 403, description = "Neither a service account nor an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    caller: crate::auth::Credentials,
    paging: Paging,
) -> ApiResult<web::Json<Page<Webhook>>> {
    let (limit, after) = (paging.limit(), paging.after());
    let rows = state
        .read_as(caller, Action::WebhookList, move |conn, caller, _| {
            if caller.machine {
                Ok(queries::webhooks_of(
                    conn,
                    WebhookOwner::ServiceAccount(&caller.user_id),
                    after,
                    limit,
                )?)
            } else {
                caller.require_any(&[Role::Admin, Role::RegionalAdmin])?;
                let owner = match caller.has(Role::RegionalAdmin) {
                    true => WebhookOwner::Anyone,
                    false => WebhookOwner::Country(&caller.country),
                };
                Ok(queries::webhooks_of(conn, owner, after, limit)?)
            }
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.id.clone(),
        |r| Webhook::new(r, None, &state.webhook_key),
    )))
}

/// One endpoint, with why it was disabled if it was.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Webhook id")),
    responses(
        (status = 200, description = "The endpoint", body = Webhook),
        (status = 404, description = "No such endpoint, or not one the caller manages", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    caller: crate::auth::Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Webhook>> {
    let id = id.into_inner().into_string();
    let row = state
        .read_as(caller, Action::WebhookRead, move |conn, caller, event| {
            managed(conn, caller, &id, event)
        })
        .await?;
    Ok(web::Json(Webhook::new(row, None, &state.webhook_key)))
}

/// The endpoint's delivery log, newest event first: each delivery's status, attempts,
/// the receiver's last answer and latency, and the next try.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Webhook id"), PageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<Delivery>),
        (status = 404, description = "No such endpoint, or not one the caller manages", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
async fn list_deliveries(
    state: web::Data<AppState>,
    caller: crate::auth::Credentials,
    id: web::Path<Id>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Delivery>>> {
    let id = id.into_inner().into_string();
    let limit = paging.limit();
    let before = paging.after().and_then(|a| a.parse::<i64>().ok());
    let rows = state
        .read_as(caller, Action::WebhookRead, move |conn, caller, event| {
            let hook = managed(conn, caller, &id, event)?;
            Ok(queries::deliveries(conn, &hook.id, before, limit)?)
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |(d, _)| d.event_seq.to_string(),
        |(d, e)| Delivery {
            event_id: e.id,
            event_type: e.event_type,
            status: d.status,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            last_latency_ms: d.last_latency_ms,
            next_attempt_at: d.next_attempt_at.map(Into::into),
            updated_at: d.updated_at.into(),
        },
    )))
}

/// Send again the delivery of one event (`event_id`), or of every event since a time
/// (`since`), at once, whatever became of them before. Answers how many.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Webhook id")),
    request_body = Replay,
    responses(
        (status = 200, description = "How many deliveries were queued again", body = Object),
        (status = 404, description = "No such endpoint, or not one the caller manages", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of event_id and since, or an invalid time", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/replay")]
async fn replay(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<Replay>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let body = body.into_inner();
    let since = match &body.since {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| ApiError::validation("since", "must be an RFC 3339 instant"))?
                .naive_utc(),
        ),
        None => None,
    };
    if body.event_id.is_some() == since.is_some() {
        return Err(ApiError::validation(
            "event_id",
            "give exactly one of event_id and since",
        ));
    }
    let event = Event::by(Action::WebhookReplay, &caller, &meta);
    let count = state
        .audited(event, move |conn, event| {
            let hook = managed(conn, &caller, &id, event)?;
            let n = queries::requeue(
                conn,
                &hook.id,
                body.event_id.as_deref(),
                since,
                crate::db::now(),
            )?;
            event.set_detail("queued", n);
            Ok(n)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"queued": count})))
}

/// A new signing secret, shown once; deliveries carry a second signature with the old
/// one for `overlap_secs` (default a day), so the receiver can switch without a gap.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Webhook id")),
    request_body = WebhookRotation,
    responses(
        (status = 200, description = "The endpoint with its new secret", body = Webhook),
        (status = 404, description = "No such endpoint, or not one the caller manages", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/secret")]
async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<WebhookRotation>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let overlap = super::service_account::overlap(body.into_inner().overlap_secs)?;
    let key = state.webhook_key;
    let event = Event::by(Action::WebhookRotate, &caller, &meta);
    let (row, secret) = state
        .audited(event, move |conn, event| {
            let mut hook = managed(conn, &caller, &id, event)?;
            let now = crate::db::now();
            hook.secret_generation += 1;
            hook.previous_generation_until = Some(now + chrono::Duration::seconds(overlap));
            hook.updated_at = now;
            queries::update_webhook(conn, &hook)?;
            event.set_detail("overlap_secs", overlap);
            let secret = secret_text(&secret(&key, &hook.id, hook.secret_generation));
            Ok((hook, secret))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Webhook::new(row, Some(secret), &state.webhook_key)))
}

/// Enable a disabled endpoint again (once its receiver is fixed). Deliveries that
/// failed stay failed (replay them); new events are sent from now on, and events
/// committed while it was disabled are queued as usual.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Webhook id")),
    responses(
        (status = 200, description = "The endpoint, active", body = Webhook),
        (status = 404, description = "No such endpoint, or not one the caller manages", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Its URL is no longer allowed by the address guard", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/enable")]
async fn enable_webhook(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let exemptions = Exemptions::parse(&state.settings.webhook_allow_hosts).unwrap_or_default();
    let event = Event::by(Action::WebhookEnable, &caller, &meta);
    let row = state
        .audited(event, move |conn, event| {
            let mut hook = managed(conn, &caller, &id, event)?;
            egress::check(&hook.url, &exemptions)
                .map_err(|refusal| ApiError::validation("url", refusal.message()))?;
            event.set_detail("was", hook.disabled_reason.clone());
            hook.status = "active".into();
            hook.disabled_reason = None;
            hook.updated_at = crate::db::now();
            queries::update_webhook(conn, &hook)?;
            Ok(hook)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Webhook::new(row, None, &state.webhook_key)))
}
