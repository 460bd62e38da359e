//! The signed log as a verifier reads it: the latest checkpoint, the verifier key, and
//! RFC 9162 inclusion and consistency proofs. Every entry of the log (custody events
//! today) is a leaf here; the proofs say nothing about what a leaf holds.

use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Query;
use crate::ledger::log;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(checkpoint)
        .service(log_key)
        .service(inclusion)
        .service(consistency)
        .service(entry_proof);
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckpointQuery {
    /// The newest signed checkpoint, with the cosignatures it has so far, whether or
    /// not they meet the witness policy's quorum.
    pub latest: Option<bool>,
}

/// The log's checkpoint (a C2SP signed note).
///
/// Under a witness policy (`CASELEDGER_WITNESS_POLICY`): the newest checkpoint whose
/// witnesses' cosignatures meet its quorum, with them (404 until one does);
/// `?latest=true` gives the newest signed one with the cosignatures it has so far.
/// Without a policy: the newest signed checkpoint.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(CheckpointQuery),
    responses(
        (status = 200, description = "Signed note, with its witnesses' cosignature lines", content_type = "text/plain", body = String),
        (status = 404, description = "No checkpoint meets the witness policy's quorum yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/log/checkpoint")]
async fn checkpoint(
    state: web::Data<AppState>,
    _caller: Principal,
    query: Query<CheckpointQuery>,
) -> ApiResult<HttpResponse> {
    let latest = query.into_inner().latest.unwrap_or(false);
    let st = state.clone();
    let note = state
        .db(move |conn| {
            let signer = &st.log;
            let Some(policy) = &signer.policy else {
                return Ok(log::current_checkpoint(conn, signer)?.note);
            };
            if latest {
                let current = log::current_checkpoint(conn, signer)?;
                return Ok(
                    crate::ledger::witnessed::with_cosignatures(conn, &current, policy)?
                        .0
                        .note,
                );
            }
            crate::ledger::witnessed::cosigned(conn, policy, 0)?
                .map(|c| c.note)
                .ok_or(ApiError::NotFound)
        })
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
    let latest = log::current_checkpoint(conn, signer)?.size;
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

/// One entry's proof as a C2SP `tlog-proof` file (`c2sp.org/tlog-proof@v1`).
///
/// The entry's index, its inclusion proof and the checkpoint it is proven against:
/// under a witness policy, the newest checkpoint its quorum cosigned that covers the
/// entry, with the cosignatures; for tools outside this project.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(("index" = u64, Path, description = "The entry's position in the log")),
    responses(
        (status = 200, description = "The proof (`c2sp.org/tlog-proof@v1`, file extension `.tlog-proof`)", content_type = "text/plain", body = String),
        (status = 404, description = "No entry at this index is covered by a checkpoint yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/log/entries/{index}/proof")]
async fn entry_proof(
    state: web::Data<AppState>,
    _caller: Principal,
    index: web::Path<u64>,
) -> ApiResult<HttpResponse> {
    let index = index.into_inner();
    let st = state.clone();
    let (signed, proofs) = state
        .db(move |conn| crate::ledger::witnessed::proofs_at(conn, &st.log, &[index]))
        .await?;
    if index >= signed.size {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"entry-{index}.tlog-proof\""),
        ))
        .body(tlog_proof(index, &proofs[0], &signed.note)))
}

/// A C2SP `tlog-proof`: the format line, `index`, the proof's hashes in base64 one a
/// line, an empty line, the checkpoint.
pub fn tlog_proof(index: u64, proof: &[crate::ledger::merkle::Hash], note: &str) -> String {
    use base64::Engine;
    let mut out = format!("c2sp.org/tlog-proof@v1\nindex {index}\n");
    for hash in proof {
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(hash));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(note);
    out
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
