use super::entry::{self, FirstEntry, NewEntry};
use super::log;
use super::model::{Evidence, EvidenceKind, EvidenceRow, ItemStatus, is_sha256_hex};
use super::verify::{self, EntrySource, EntryToCheck, Report};
use super::writer::{Append, Op, Registration, Who};
use crate::audit::{Action, Actor, Event, Subject};
use crate::auth::roles::Role;
use crate::auth::{Principal, TokenClaims};
use crate::cases::model::{CaseRow, Standing};
use crate::cases::{has_case_role, visible};
use crate::db::DbConn;
use crate::db::schema::{
    case_participants, cases, custody_entries, evidence_access, evidence_items,
};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::idempotency::IdempotencyKey;
use crate::input::{Id, Json, Query};
use crate::observability::RequestMeta;
use crate::pagination::{Page, PageParams, Paging};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_evidence)
        .service(register_evidence)
        .service(get_evidence)
        .service(list_custody)
        .service(append_custody)
        .service(verify_custody)
        .service(custody_bundle)
        .service(checkpoint)
        .service(log_key)
        .service(inclusion)
        .service(consistency);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    #[schema(min_length = 1, max_length = 5000)]
    pub description: String,
    pub kind: EvidenceKind,
    /// Lowercase hex SHA-256 of the content; required for digital items.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: Option<String>,
    /// Other content hashes by algorithm.
    #[schema(value_type = Option<Object>)]
    pub other_hashes: Option<Value>,
    #[schema(minimum = 0)]
    pub size_bytes: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub seal_number: Option<String>,
    #[schema(min_length = 1, max_length = 500)]
    pub storage_location: Option<String>,
    /// Seized from whom and where, under which legal authority or warrant reference.
    #[schema(value_type = Option<Object>)]
    pub source: Option<Value>,
    /// Method, tool and version, by whom, started and ended.
    #[schema(value_type = Option<Object>)]
    pub acquisition: Option<Value>,
    /// The item this one was derived from, in the same case.
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    /// Where, why and under what authority it was collected (the first custody entry).
    #[serde(default)]
    pub collected: FirstEntry,
}

/// A custody entry as stored in the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedEntry {
    pub log_index: i64,
    #[schema(value_type = Object)]
    pub entry: Value,
    pub entry_hash: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    pub index: u64,
    /// Defaults to the latest checkpoint's size.
    pub tree_size: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    pub first: u64,
    /// Defaults to the latest checkpoint's size.
    pub second: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    /// RFC 9162 §2.1.3 audit path, lowercase hex.
    pub path: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    /// RFC 9162 §2.1.4 consistency path, lowercase hex.
    pub path: Vec<String>,
}

/// An item the caller may see, with its case.
struct ItemAccess {
    item: EvidenceRow,
    case: CaseRow,
}

/// Whether a caller with this standing in the item's case (or the item sent to their
/// agency) may see it; invisible answers 404, like missing.
pub(super) fn check_visible(
    caller: &Principal,
    standing: Option<Standing>,
    via_transfer: bool,
) -> ApiResult<()> {
    if has_case_role(caller) && (standing.is_some() || via_transfer) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// An item the caller may see: through its case, or as an agency it was sent to.
/// One query: the item, its case and the caller's agency's standing and access.
fn visible_item(
    conn: &mut DbConn,
    caller: &Principal,
    id: &str,
    event: &mut Event,
) -> ApiResult<ItemAccess> {
    let agency = caller.agency_id.clone();
    let found: Option<(EvidenceRow, CaseRow, Option<String>, Option<String>)> =
        evidence_items::table
            .inner_join(cases::table)
            .left_join(
                case_participants::table.on(case_participants::case_id
                    .eq(cases::id)
                    .and(case_participants::agency_id.eq(agency.clone()))),
            )
            .left_join(
                evidence_access::table.on(evidence_access::evidence_id
                    .eq(evidence_items::id)
                    .and(evidence_access::agency_id.eq(agency))),
            )
            .filter(evidence_items::id.eq(id.to_owned()))
            .select((
                EvidenceRow::as_select(),
                CaseRow::as_select(),
                case_participants::access.nullable(),
                evidence_access::agency_id.nullable(),
            ))
            .first(conn)
            .optional()?;
    let (item, case, access, transfer) = found.ok_or(ApiError::NotFound)?;
    event.case_id = Some(case.id.clone());
    event.subject = Some(Subject::new(
        "evidence",
        &item.id,
        Some(&case.owner_country),
    ));
    let standing = access.as_deref().and_then(Standing::from_stored);
    check_visible(caller, standing, transfer.is_some())?;
    Ok(ItemAccess { item, case })
}

fn entries_of(conn: &mut DbConn, evidence_id: &str) -> ApiResult<Vec<(i64, String, String)>> {
    Ok(custody_entries::table
        .filter(custody_entries::evidence_id.eq(evidence_id))
        .order(custody_entries::seq)
        .select((
            custody_entries::log_index,
            custody_entries::canonical,
            custody_entries::entry_hash,
        ))
        .load(conn)?)
}

fn parse_entry(canonical: &str) -> ApiResult<Value> {
    serde_json::from_str(canonical)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored entry: {e}")))
}

/// Evidence items of a case, in the order they were registered.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Case id"), PageParams),
    responses(
        (status = 200, description = "A page of the case's evidence items", body = Page<Evidence>),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/evidence")]
async fn list_evidence(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
    paging: Paging,
) -> ApiResult<web::Json<Page<Evidence>>> {
    let id = id.into_inner().into_string();
    let (limit, after) = (paging.limit(), paging.after());
    let event = Event::by(Action::EvidenceList, &caller, &meta);
    let rows = state
        .audited(event, move |conn, event| {
            let v = visible(conn, &caller, &id, event)?;
            let mut query = evidence_items::table
                .filter(evidence_items::case_id.eq(&v.case.id))
                .order(evidence_items::id)
                .limit(limit + 1)
                .select(EvidenceRow::as_select())
                .into_boxed();
            if let Some(after) = after {
                query = query.filter(evidence_items::id.gt(after));
            }
            Ok(query.load::<EvidenceRow>(conn)?)
        })
        .await?;
    Ok(web::Json(paging.page(
        rows,
        |r| r.id.clone(),
        Evidence::from,
    )))
}

fn object_or_empty(field: &str, value: Option<Value>, errors: &mut Vec<FieldError>) -> String {
    match value {
        None => "{}".into(),
        Some(v) if v.is_object() && v.to_string().len() <= 16 * 1024 => v.to_string(),
        Some(_) => {
            errors.push(FieldError::new(
                field,
                "must be a JSON object of at most 16 KiB",
            ));
            "{}".into()
        }
    }
}

/// Register an evidence item in a case; writes its first custody entry (`collected`).
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = NewEvidence,
    responses(
        (status = 201, description = "The item was registered with its first custody entry", body = Evidence),
        (status = 403, description = "Not an investigator or supervisor of an agency that owns or contributes to the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/evidence")]
async fn register_evidence(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<NewEvidence>,
) -> ApiResult<HttpResponse> {
    let case_id = id.into_inner().into_string();
    let body = body.into_inner();
    let keyed = key.with_body(&body);
    let mut errors = Vec::new();
    let description = body.description.trim().to_owned();
    if description.is_empty() || description.chars().count() > 5000 {
        errors.push(FieldError::new(
            "description",
            "must be 1 to 5000 characters",
        ));
    }
    match &body.sha256 {
        Some(h) if !is_sha256_hex(h) => {
            errors.push(FieldError::new("sha256", "must be 64 lowercase hex digits"))
        }
        None if body.kind.is_digital() => errors.push(FieldError::new(
            "sha256",
            "is required for digital evidence",
        )),
        _ => {}
    }
    if body.size_bytes.is_some_and(|s| s < 0) {
        errors.push(FieldError::new("size_bytes", "must not be negative"));
    }
    let source = object_or_empty("source", body.source, &mut errors);
    let acquisition = object_or_empty("acquisition", body.acquisition, &mut errors);
    let other_hashes = object_or_empty("other_hashes", body.other_hashes, &mut errors);
    let first_check = NewEntry {
        event: super::model::EventType::Note,
        prev: None,
        to_agency_id: None,
        to_custodian_id: None,
        location: body.collected.location.clone(),
        reason: body.collected.reason.clone(),
        authority: body.collected.authority.clone(),
        seal: None,
        hash: None,
        corrects_seq: None,
        details: body.collected.details.clone(),
    };
    if let Err(ApiError::Validation(more)) = entry::validate(&first_check) {
        errors.extend(
            more.into_iter()
                .map(|e| FieldError::new(format!("collected.{}", e.field), e.message)),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let event = Event::by(Action::EvidenceRegister, &caller, &meta);
    let actor = Actor::from(&caller);
    let (op, event) = state
        .db(move |conn| {
            let mut event = event;
            let v = crate::audit::checked(conn, &mut event, |conn, event| {
                let v = visible(conn, &caller, &case_id, event)?;
                if !(matches!(v.standing, Standing::Owner | Standing::Contribute)
                    && (caller.has(Role::Investigator) || caller.has(Role::Supervisor)))
                {
                    return Err(ApiError::forbidden(
                        "only investigators and supervisors of agencies that own or contribute to the case register evidence",
                    ));
                }
                if let Some(parent) = &body.parent_id {
                    let same_case: bool = diesel::select(diesel::dsl::exists(
                        evidence_items::table
                            .filter(evidence_items::id.eq(parent))
                            .filter(evidence_items::case_id.eq(&v.case.id)),
                    ))
                    .get_result(conn)?;
                    if !same_case {
                        return Err(ApiError::validation("parent_id", "must be an evidence item of the same case"));
                    }
                }
                Ok(v)
            })?;
            let now = crate::db::now();
            let row = EvidenceRow {
                id: uuid::Uuid::now_v7().to_string(),
                case_id: v.case.id.clone(),
                label: String::new(),
                description,
                kind: body.kind.as_str().to_owned(),
                source,
                acquisition,
                sha256: body.sha256,
                other_hashes,
                size_bytes: body.size_bytes,
                seal_number: body.seal_number,
                storage_location: body.storage_location,
                parent_id: body.parent_id,
                created_by: caller.user_id.clone(),
                created_at: now,
                status: ItemStatus::InCustody.as_str().to_owned(),
                custodian_user_id: None,
                custodian_agency_id: None,
                pending_agency_id: None,
                pending_custodian_id: None,
                integrity_alert: false,
                last_seq: -1,
                last_hash: String::new(),
            };
            Ok((
                Op::Register(Box::new(Registration {
                    row,
                    case_reference: v.case.reference.clone(),
                    first: body.collected,
                })),
                event,
            ))
        })
        .await?;
    let idempotency = keyed.map(|(k, hash)| (actor.user_id.clone(), k, hash));
    let reply = state
        .custody
        .submit(op, Who::Checked { actor, event }, idempotency)
        .await?;
    Ok(reply.into_response())
}

/// One evidence item, with its custodian and status as its custody log says.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "The evidence item", body = Evidence),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}")]
async fn get_evidence(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Evidence>> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::EvidenceRead, &caller, &meta);
    let item = state
        .audited(event, move |conn, event| {
            Ok(visible_item(conn, &caller, &id, event)?.item)
        })
        .await?;
    Ok(web::Json(Evidence::from(item)))
}

/// The item's custody entries in `seq` order.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "The item's custody entries", body = Vec<LoggedEntry>),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody")]
async fn list_custody(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<LoggedEntry>>> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::CustodyRead, &caller, &meta);
    let rows = state
        .audited(event, move |conn, event| {
            let access = visible_item(conn, &caller, &id, event)?;
            entries_of(conn, &access.item.id)
        })
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (log_index, canonical, entry_hash) in rows {
        out.push(LoggedEntry {
            log_index,
            entry: parse_entry(&canonical)?,
            entry_hash,
        });
    }
    Ok(web::Json(out))
}

/// Record a custody event. Pass `prev` (the item's `head`) to be refused with 409
/// when someone else recorded an event since you read the chain.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Evidence id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "1 to 255 visible ASCII characters, unique per request: a retry with the same key and body replays the first response (`Idempotent-Replayed: true`); the same key with another request is 422"),
    ),
    request_body = NewEntry,
    responses(
        (status = 201, description = "The entry was committed to the log", body = LoggedEntry),
        (status = 403, description = "The caller may see the item but not record its custody", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A custody rule forbids the event, or the chain moved on since `prev`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evidence/{id}/custody")]
async fn append_custody(
    state: web::Data<AppState>,
    claims: TokenClaims,
    meta: RequestMeta,
    key: IdempotencyKey,
    id: web::Path<Id>,
    body: Json<NewEntry>,
) -> ApiResult<HttpResponse> {
    let evidence_id = id.into_inner().into_string();
    let request = body.into_inner();
    entry::validate(&request)?;
    let claims = claims.0;
    let idempotency = key
        .with_body(&request)
        .map(|(k, hash)| (claims.sub.clone(), k, hash));
    // The writer authenticates and authorises appends for a whole batch at once.
    let op = Op::Append(Box::new(Append {
        evidence_id,
        request,
    }));
    let who = Who::Token {
        claims,
        meta,
        action: Action::CustodyAppend,
    };
    let reply = state.custody.submit(op, who, idempotency).await?;
    Ok(reply.into_response())
}

/// An entry with what verifying it needs: (log index, stored bytes, hash, proof).
type ProvenEntry = (i64, String, String, Vec<super::merkle::Hash>);

/// Loads what verifying an item needs: its entries with inclusion proofs against the
/// latest checkpoint, and that checkpoint.
fn item_proofs(
    conn: &mut DbConn,
    signer: &log::LogSigner,
    evidence_id: &str,
) -> ApiResult<(String, Vec<ProvenEntry>)> {
    let (size, note) = log::current_checkpoint(conn, signer)?;
    let mut out = Vec::new();
    for (log_index, canonical, entry_hash) in entries_of(conn, evidence_id)? {
        let proof = if (log_index as u64) < size {
            log::inclusion_proof(conn, log_index as u64, size)?
        } else {
            Vec::new()
        };
        out.push((log_index, canonical, entry_hash, proof));
    }
    Ok((note, out))
}

/// Recompute the item's chain and the inclusion of every entry in the latest signed
/// checkpoint. Open to those who see the item, and to auditors of its country.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "The verdict and what was checked", body = Report),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody/verify")]
async fn verify_custody(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Report>> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::CustodyVerify, &caller, &meta);
    let st = state.clone();
    let report = state
        .audited(event, move |conn, event| {
            let evidence_id = match visible_item(conn, &caller, &id, event) {
                Ok(access) => access.item.id,
                // Auditors verify chains they may not read: the report holds hashes,
                // positions and event types, no case content.
                Err(ApiError::NotFound) if auditor_may_verify(&caller, event) => id.clone(),
                Err(e) => return Err(e),
            };
            let (note, entries) = item_proofs(conn, &st.log, &evidence_id)?;
            let checks: Vec<EntryToCheck> = entries
                .iter()
                .map(|(log_index, canonical, hash, proof)| EntryToCheck {
                    log_index: *log_index as u64,
                    entry: EntrySource::Stored(canonical),
                    entry_hash: hash,
                    proof,
                })
                .collect();
            let report = verify::verify(&evidence_id, &note, &st.log.verifier, &checks);
            event.set_detail("verdict", report.verdict.as_str());
            Ok(report)
        })
        .await?;
    Ok(web::Json(report))
}

/// An auditor of the item's country, or of a regional agency, may verify its chain.
/// `event` names the item's country once `visible_item` found the item.
fn auditor_may_verify(caller: &Principal, event: &Event) -> bool {
    let country = event.subject.as_ref().and_then(|s| s.country.as_deref());
    caller.has(Role::Auditor)
        && country.is_some()
        && (caller.agency_kind == "regional" || country == Some(caller.country.as_str()))
}

/// The spec's bundle for offline verification, with the evidence record and case reference.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence id")),
    responses(
        (status = 200, description = "A custody bundle (custody log format §4)", body = Object),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/custody/bundle")]
async fn custody_bundle(
    state: web::Data<AppState>,
    caller: Principal,
    meta: RequestMeta,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Value>> {
    let id = id.into_inner().into_string();
    let event = Event::by(Action::CustodyExport, &caller, &meta);
    let st = state.clone();
    let bundle = state
        .audited(event, move |conn, event| {
            let access = visible_item(conn, &caller, &id, event)?;
            let (note, entries) = item_proofs(conn, &st.log, &access.item.id)?;
            let entries = entries
                .into_iter()
                .map(|(log_index, canonical, entry_hash, proof)| {
                    Ok(json!({
                        "log_index": log_index,
                        "entry": parse_entry(&canonical)?,
                        "entry_hash": entry_hash,
                        "inclusion_proof": log::hex_path(&proof),
                    }))
                })
                .collect::<ApiResult<Vec<Value>>>()?;
            Ok(json!({
                "evidence_id": access.item.id,
                "entries": entries,
                "checkpoint": note,
                "public_key": st.log.verifier_key,
                "case_reference": access.case.reference,
                "evidence": Evidence::from(access.item),
            }))
        })
        .await?;
    Ok(web::Json(bundle))
}

/// The latest signed checkpoint (C2SP signed note).
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    responses((status = 200, description = "Signed note", content_type = "text/plain", body = String))
)]
#[get("/log/checkpoint")]
async fn checkpoint(state: web::Data<AppState>, _caller: Principal) -> ApiResult<HttpResponse> {
    let st = state.clone();
    let (_, note) = state
        .db(move |conn| log::current_checkpoint(conn, &st.log))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

/// The log's verifier key string (`<name>+<key id>+<key>`).
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    responses((status = 200, description = "Verifier key", content_type = "text/plain", body = String))
)]
#[get("/log/key")]
async fn log_key(state: web::Data<AppState>, _caller: Principal) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{}\n", state.log.verifier_key))
}

fn checked_size(
    conn: &mut DbConn,
    signer: &log::LogSigner,
    wanted: Option<u64>,
    field: &str,
) -> ApiResult<u64> {
    let (latest, _) = log::current_checkpoint(conn, signer)?;
    match wanted {
        None => Ok(latest),
        Some(size) if size <= latest => Ok(size),
        Some(_) => Err(ApiError::validation(
            field,
            format!("must not exceed the latest checkpoint size {latest}"),
        )),
    }
}

/// RFC 9162 inclusion proof of one leaf.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(InclusionQuery),
    responses(
        (status = 200, description = "The inclusion proof", body = InclusionProof),
        (status = 422, description = "Index or size out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/log/proofs/inclusion")]
async fn inclusion(
    state: web::Data<AppState>,
    _caller: Principal,
    query: Query<InclusionQuery>,
) -> ApiResult<web::Json<InclusionProof>> {
    let query = query.into_inner();
    let st = state.clone();
    let proof = state
        .db(move |conn| {
            let size = checked_size(conn, &st.log, query.tree_size, "tree_size")?;
            if query.index >= size {
                return Err(ApiError::validation("index", "must be less than tree_size"));
            }
            let leaf = log::leaf(conn, query.index)?.ok_or(ApiError::NotFound)?;
            Ok(InclusionProof {
                index: query.index,
                tree_size: size,
                leaf_hash: hex::encode(leaf),
                path: log::hex_path(&log::inclusion_proof(conn, query.index, size)?),
            })
        })
        .await?;
    Ok(web::Json(proof))
}

/// RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The consistency proof", body = ConsistencyProof),
        (status = 422, description = "Sizes out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/log/proofs/consistency")]
async fn consistency(
    state: web::Data<AppState>,
    _caller: Principal,
    query: Query<ConsistencyQuery>,
) -> ApiResult<web::Json<ConsistencyProof>> {
    let query = query.into_inner();
    let st = state.clone();
    let proof = state
        .db(move |conn| {
            let second = checked_size(conn, &st.log, query.second, "second")?;
            if query.first > second {
                return Err(ApiError::validation("first", "must not exceed second"));
            }
            Ok(ConsistencyProof {
                first: query.first,
                second,
                path: log::hex_path(&log::consistency_proof(conn, query.first, second)?),
            })
        })
        .await?;
    Ok(web::Json(proof))
}
