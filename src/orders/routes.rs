//! The endpoints of orders. Drafts are written with their audit entry; events go to
//! the ledger (each an entry of the signed log); reads answer once their audit entry
//! is durable.

use super::access::{self, OrderScope, visible};
use super::jobs::{OrderEvents, Recording, order_basis};
use super::model::{
    NewOrder, NewOrderEvent, Order, OrderChange, OrderFilter, OrderRow, OrderStatus, Reader,
    reference,
};
use super::queries;
use crate::auth::{Credentials, Principal, TokenClaims};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::{Id, IdempotencyKey, IfMatch, Json, Query};
use crate::ledger::idempotency::audited_once;
use crate::ledger::{Action, Event, Subject};
use crate::mla::basis::RequestField;
use crate::mla::events::RequestEvent;
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::Datelike;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_orders)
        .service(create_order)
        .service(get_order)
        .service(update_order)
        .service(record_order_event)
        .service(list_order_events)
        .service(order_bundle)
        .service(register_produced_under_order);
}

/// The view of an order for `reader`: what its basis still misses, for a draft.
pub(crate) fn view(conn: &mut DbConn, row: OrderRow, reader: Reader) -> ApiResult<Order> {
    Ok(views(conn, vec![(row, reader)])?.remove(0))
}

/// The views of orders, each for its reader: the items produced under them counted in
/// one query, each draft's basis read once.
fn views(conn: &mut DbConn, rows: Vec<(OrderRow, Reader)>) -> ApiResult<Vec<Order>> {
    let sent: Vec<String> = rows
        .iter()
        .filter(|(row, _)| row.status().is_sent())
        .map(|(row, _)| row.id.clone())
        .collect();
    let produced = queries::produced_counts(conn, &sent)?;
    let mut required: std::collections::HashMap<(String, String), Vec<RequestField>> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (row, reader) in rows {
        let missing = if row.status() == OrderStatus::Draft {
            let key = (row.legal_basis.clone(), row.order_type.clone());
            if !required.contains_key(&key) {
                let fields = order_basis(conn, &row.legal_basis, row.order_type())
                    .map(|(basis, _)| basis.required_fields)
                    .unwrap_or_default();
                required.insert(key.clone(), fields);
            }
            row.content().missing(&required[&key], row.urgency())
        } else {
            Vec::new()
        };
        let count = produced.get(&row.id).copied().unwrap_or(0);
        out.push(Order::new(row, reader, missing, count));
    }
    Ok(out)
}

/// Where the provider an order names is established; 422 when it is not one in the
/// directory.
fn provider_country(conn: &mut DbConn, provider_id: &str) -> ApiResult<String> {
    crate::providers::queries::find(conn, provider_id)?
        .map(|p| p.country)
        .ok_or_else(|| ApiError::validation("provider_id", "is not a provider in the directory"))
}

/// The receiver of what is produced: an active investigator or supervisor of the
/// requesting agency.
fn check_receiver(conn: &mut DbConn, user_id: &str, agency_id: &str) -> ApiResult<()> {
    if crate::users::queries::serves(
        conn,
        user_id,
        agency_id,
        crate::custody::access::CUSTODIAN_ROLES,
    )? {
        Ok(())
    } else {
        Err(ApiError::validation(
            "deliver_to",
            "must be an active investigator or supervisor of the requesting agency (required when the caller is not one)",
        ))
    }
}

/// Orders the caller may see, newest first: those of their agency's cases (and, for
/// prosecutors, of the cases their agency takes part in); for a provider's liaisons,
/// those sent to it; for a central authority, those sent to its state's providers
/// with notice to it.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(OrderFilter, PageParams),
    responses(
        (status = 200, description = "A page of orders", body = Page<Order>),
        (status = 403, description = "The caller's roles give no access to orders", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders")]
async fn list_orders(
    state: web::Data<AppState>,
    caller: Credentials,
    filter: Query<OrderFilter>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Order>>> {
    let filter = filter.into_inner();
    let (limit, after) = (paging.limit(), paging.after());
    let views = state
        .read_as(caller, Action::OrderList, move |conn, caller, event| {
            let scope = OrderScope::of(caller);
            if scope.is_empty() {
                return Err(ApiError::forbidden("your roles give no access to orders"));
            }
            let rows = queries::list(conn, &scope, &filter, after, limit)?;
            let ids: Vec<&str> = rows
                .iter()
                .take(limit as usize)
                .map(|r| r.id.as_str())
                .collect();
            event.set_detail("order_ids", ids);
            let read: Vec<(OrderRow, Reader)> = rows
                .into_iter()
                .map(|row| {
                    let reader = scope.reader_of_listed(&row);
                    (row, reader)
                })
                .collect();
            views(conn, read)
        })
        .await?;
    Ok(web::Json(paging.page(views, |o| o.id.clone(), |o| o)))
}

/// Draft an order to a provider for a case the caller's agency owns. Its reference is
/// the next number of the caller's country and the current year. A draft may be
/// incomplete: `missing_fields` lists what its legal basis still needs.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422")),
    request_body = NewOrder,
    responses(
        (status = 201, description = "The draft", body = Order, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not an investigator, supervisor or prosecutor of the agency that owns the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: an unknown provider, a legal basis that does not cover orders of this type, identifiers or times that are not, or an Idempotency-Key reused for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders")]
async fn create_order(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    key: IdempotencyKey,
    body: Json<NewOrder>,
) -> ApiResult<HttpResponse> {
    let draft = body.into_inner();
    let content = draft.content()?;
    let claim = key.claim(&caller.user_id, &draft);
    let event = Event::by(Action::OrderCreate, &caller, &meta);
    let reply = state
        .db(move |conn| {
            audited_once(conn, claim.as_ref(), event, |conn, event| {
                let case = crate::cases::access::visible(conn, &caller, &draft.case_id, event)?;
                access::may_draft(&caller, case.standing)?;
                let provider_country = provider_country(conn, &draft.provider_id)?;
                let receiver = draft
                    .deliver_to
                    .clone()
                    .unwrap_or_else(|| caller.user_id.clone());
                check_receiver(conn, &receiver, &caller.agency_id)?;
                order_basis(conn, &draft.legal_basis, draft.order_type)?;
                let year = chrono::Utc::now().year();
                let number = crate::mla::queries::next_number(
                    conn,
                    crate::mla::queries::Numbering::Orders,
                    &caller.country,
                    year,
                )?;
                let now = crate::db::now();
                let row = OrderRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    reference: reference(&caller.country, year, number),
                    case_id: case.case.id,
                    requesting_agency_id: caller.agency_id.clone(),
                    requesting_country: caller.country.clone(),
                    provider_id: draft.provider_id,
                    provider_country,
                    order_type: draft.order_type.as_str().to_owned(),
                    legal_basis: draft.legal_basis,
                    urgency: draft.urgency.as_str().to_owned(),
                    content: serde_json::to_string(&content).expect("content serialises"),
                    status: OrderStatus::Draft.as_str().to_owned(),
                    notified: false,
                    authorisation: None,
                    sent_at: None,
                    objection_by: None,
                    acknowledge_by: None,
                    produce_by: None,
                    acknowledged_at: None,
                    answered_at: None,
                    version: 1,
                    last_seq: -1,
                    last_hash: None,
                    created_by: caller.user_id.clone(),
                    created_at: now,
                    updated_at: now,
                    deliver_to: Some(receiver),
                };
                queries::insert(conn, &row)?;
                event.subject = Some(Subject::new(
                    "order",
                    &row.id,
                    Some(&row.requesting_country),
                ));
                event.set_detail("reference", row.reference.clone());
                event.set_detail("provider_id", row.provider_id.clone());
                event.set_detail("type", row.order_type.clone());
                event.set_detail("legal_basis", row.legal_basis.clone());
                Ok(view(conn, row, Reader::CaseTeam)?.reply(StatusCode::CREATED))
            })
        })
        .await?;
    Ok(reply.into_response())
}

/// One order. The case it serves is shown to its case team alone.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = Order, headers(("ETag" = String))),
        (status = 404, description = "No such order, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}")]
async fn get_order(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let order = state
        .read_as(caller, Action::OrderRead, move |conn, caller, event| {
            let (row, reader) = visible(conn, caller, &id, event)?;
            view(conn, row, reader)
        })
        .await?;
    Ok(order.reply(StatusCode::OK).into_response())
}

/// Change a draft. Requires `If-Match` with the ETag last read (428 without, 412 when
/// it has changed since). The members sent replace the draft's; once approved, an
/// order's content is frozen (409).
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Order id"),
        ("If-Match" = String, Header, min_length = 1, pattern = r#"^\s*(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*\s*$"#, description = "The ETag of the version the change is based on (an entity tag, not `*`; weak tags never match)"),
    ),
    request_body = OrderChange,
    responses(
        (status = 200, description = "The draft as changed", body = Order, headers(("ETag" = String))),
        (status = 403, description = "Not an investigator, supervisor or prosecutor of the requesting agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is no longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The draft changed since the ETag given", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/orders/{id}")]
async fn update_order(
    state: web::Data<AppState>,
    caller: Principal,
    expected: IfMatch,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<OrderChange>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().into_string();
    let change = body.into_inner();
    let event = Event::by(Action::OrderUpdate, &caller, &meta);
    state
        .audited(event, move |conn, event| {
            let (row, reader) = visible(conn, &caller, &id, event)?;
            expected.require(&row.etag())?;
            access::may_edit(&caller, &row)?;
            event.set_detail("fields", change.fields());
            let provider = change.provider_id.clone();
            if let Some(receiver) = &change.deliver_to {
                check_receiver(conn, receiver, &row.requesting_agency_id)?;
            }
            let mut next = change.apply(&row, crate::db::now())?;
            if let Some(provider) = provider {
                next.provider_country = provider_country(conn, &provider)?;
            }
            order_basis(conn, &next.legal_basis, next.order_type())?;
            if !queries::update(conn, &next, row.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            Ok(view(conn, next, reader)?.reply(StatusCode::OK))
        })
        .await
        .map(|r| r.into_response())
}

/// Record an event of an order's life, each an entry of the signed log chained to
/// the order's previous one. The case team: `sent` (its deadlines start; the
/// provider's state is notified where the basis or that state requires it),
/// `clarification_given`, `closed`, `withdrawn` (with a `note`). A prosecutor of the
/// requesting state: `approved` (422 lists every field the basis still needs, and
/// the judge's `authorisation` where a judge approves). The provider's liaisons:
/// `acknowledged`, `clarification_asked`, `refused` (with `grounds`),
/// `partially_produced`, `produced` (409 while the notified state may still object).
/// The notified state's central authority: `clarification_asked`, `no_objection`,
/// `objected` (with `grounds`; within its period). An event that cannot follow the
/// order's state is 409.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Order id")),
    request_body = NewOrderEvent,
    responses(
        (status = 201, description = "The event, as committed to the log", body = RequestEvent),
        (status = 401, description = "Not authenticated, or `approved` or `sent` asks for a second factor given in the last `CASELEDGER_STEP_UP_SECS` (`step-up-required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\"`): give one at `POST /api/v1/auth/step-up`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role or agency may not record this event", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event cannot follow the order's current state, the period to object has ended, or the data is held back while the notified state may object", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or (approval) fields the legal basis requires are empty", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/events")]
async fn record_order_event(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    id: web::Path<Id>,
    body: Json<NewOrderEvent>,
) -> ApiResult<HttpResponse> {
    let event = body.into_inner();
    event.check()?;
    let job = Recording {
        credentials: Credentials {
            claims: claims.0,
            meta,
        },
        order_id: id.into_inner().into_string(),
        event,
    };
    let reply = state.ledger.submit::<OrderEvents>(job, None).await?;
    Ok(reply.into_response())
}

/// An order's history, oldest first: each event with its log entry.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Order id")),
    responses(
        (status = 200, description = "The order's events", body = Vec<RequestEvent>),
        (status = 404, description = "No such order, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/events")]
async fn list_order_events(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<RequestEvent>>> {
    let id = id.into_inner().into_string();
    let entries = state
        .read_as(caller, Action::OrderHistory, move |conn, caller, event| {
            let (row, _) = visible(conn, caller, &id, event)?;
            Ok(crate::mla::queries::entries(conn, &row.id)?)
        })
        .await?;
    Ok(web::Json(
        entries.into_iter().map(RequestEvent::from).collect(),
    ))
}

/// The order's history as a bundle a court verifies offline (custody log spec §4 with
/// `request_id`, §5); `caseledger verify-bundle` checks it.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Order id")),
    responses(
        (status = 200, description = "A request bundle (custody log format §4 and §5)", body = Object),
        (status = 404, description = "No such order, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/bundle")]
async fn order_bundle(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<serde_json::Value>> {
    let id = id.into_inner().into_string();
    let signer = state.log.clone();
    let bundle = state
        .read_as(caller, Action::OrderExport, move |conn, caller, event| {
            let (row, _) = visible(conn, caller, &id, event)?;
            let stored = crate::mla::queries::entries(conn, &row.id)?;
            crate::mla::bundle::of_history(conn, &signer, &row.id, &row.reference, stored)
        })
        .await?;
    Ok(web::Json(bundle))
}

/// Register what the provider produced under the order: an evidence item of the
/// requesting case whose custody starts with the liaison (`collected`, naming the
/// order). Its bytes are then uploaded as any item's content (`PUT
/// /api/v1/evidence/{id}/content`, or resumably at `/api/v1/uploads`), and the item
/// transferred to the requesting agency. By the provider's liaisons, once the order is
/// acknowledged and until it is answered, and not while the notified state may still
/// object.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = crate::custody::registration::NewEvidence,
    responses(
        (status = 201, description = "The item was registered in the requesting case with its first custody entry", body = crate::custody::model::Evidence),
        (status = 403, description = "Not a liaison of the provider the order is addressed to", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is not acknowledged or already answered, or the data is held back while the notified state may object", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/evidence")]
async fn register_produced_under_order(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<crate::custody::registration::NewEvidence>,
) -> ApiResult<HttpResponse> {
    use crate::custody::registration::{ProducedUnder, register_produced};
    let body = body.into_inner();
    let claims = claims.0;
    let claim = key.claim(&claims.sub, &body);
    let credentials = Credentials { claims, meta };
    let order_id = id.into_inner().into_string();
    // The order as the caller may see it (404 otherwise); the ledger then checks,
    // under its lock, that the caller is its provider's and that it is being
    // answered, and files the item in the case the order serves.
    let lookup = order_id.clone();
    state
        .read_as(
            credentials.clone(),
            Action::OrderRead,
            move |conn, caller, event| Ok(visible(conn, caller, &lookup, event)?.0.id),
        )
        .await?;
    let under = ProducedUnder::Order(order_id);
    let reply = register_produced(&state, credentials, body, claim, under).await?;
    Ok(reply.into_response())
}
