//! An evidence item's bytes: stored once by the agency that holds the item, when they
//! are the bytes it was registered with, and downloaded by those who may see it, each
//! store and download an entry of the item's custody. They stream through the content
//! store both ways; nothing holds a whole file in memory.

use super::access::{self, Holding, Reach};
use super::jobs::{ContentChange, ContentJob, Custody, CustodyJob};
use super::model::{EventType, StoredContent};
use super::queries;
use crate::auth::Credentials;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Id;
use crate::ledger::{Action, Outcome};
use crate::state::AppState;
use crate::store::{Sealed, StoreError};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RANGE};
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use base64::Engine;
use futures_util::StreamExt;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(put_content).service(get_content);
}

/// The bytes an item was registered with: what an upload must be; and who uploads.
struct Expected {
    sha256: String,
    size: Option<u64>,
    uploader: String,
}

/// Who may store an item's content, and whether it takes content: checked before a
/// byte of the upload is read.
async fn expected(state: &AppState, caller: Credentials, id: String) -> ApiResult<Expected> {
    state
        .check_as(caller, Action::ContentStore, move |conn, caller, event| {
            let found = access::visible(conn, caller, &id, event)?;
            let reach = Reach {
                standing: found.standing,
                via_transfer: found.via_transfer,
            };
            let holding = Holding {
                holder: found.item.holder_agency_id.as_deref(),
                receiving: found.item.pending_agency_id.as_deref(),
            };
            access::may_record(caller, reach, holding, EventType::ContentStored)?;
            let Some(sha256) = found.item.sha256.clone() else {
                return Err(ApiError::Conflict(
                    "the item was registered without a SHA-256: it holds no content (its image or extraction is an item of its own, derived from it, that does)"
                        .into(),
                ));
            };
            if queries::content_of(conn, &found.item.id)?.is_some() {
                return Err(ApiError::Conflict(
                    "the item holds its content already: stored content is never replaced".into(),
                ));
            }
            Ok(Expected {
                sha256,
                size: found.item.size_bytes.and_then(|s| u64::try_from(s).ok()),
                uploader: caller.user_id.clone(),
            })
        })
        .await
}

/// The SHA-256 an RFC 9530 digest field names (`sha-256=:<base64>:`), as hex.
fn digest_sha256(req: &HttpRequest) -> ApiResult<Option<String>> {
    let mut named = None;
    for field in ["Content-Digest", "Repr-Digest"] {
        let Some(value) = req.headers().get(field) else {
            continue;
        };
        let value = value.to_str().unwrap_or_default();
        for member in value.split(',') {
            let Some((algorithm, rest)) = member.trim().split_once('=') else {
                continue;
            };
            if !algorithm.trim().eq_ignore_ascii_case("sha-256") {
                continue;
            }
            let bytes = rest
                .trim()
                .strip_prefix(':')
                .and_then(|r| r.strip_suffix(':'))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .filter(|b| b.len() == 32)
                .ok_or_else(|| {
                    ApiError::validation(field, "must be sha-256=:<base64 of 32 bytes>:")
                })?;
            named = Some(hex::encode(bytes));
        }
    }
    Ok(named)
}

/// Store an item's bytes (`application/octet-stream`), once. They must be the bytes
/// the item was registered with (its `sha256`, and its `size_bytes` when it has one),
/// else `422 content-mismatch` and nothing is kept. An optional RFC 9530
/// `Content-Digest` or `Repr-Digest` (`sha-256=:…:`) is checked too. The bytes are
/// sealed at rest; the item's custody records `content_stored` in the same commit.
/// Only the agency that holds the item stores its content. A file too large for one
/// request is sent as a resumable upload (`/api/v1/uploads`, tus 1.0) and bound here
/// with `application/json` `{"upload_id": "..."}`: the same checks, and the upload
/// consumed in the commit that records it.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Evidence id"),
        ("Content-Digest" = Option<String>, Header, description = "RFC 9530: `sha-256=:<base64>:`, checked against the bytes"),
    ),
    request_body(description = "The item's bytes, or a finished resumable upload of them", content(
        (Vec<u8> = "application/octet-stream"),
        (BindUpload = "application/json"),
    )),
    responses(
        (status = 201, description = "Stored, and recorded in the item's custody", body = StoredContent, headers(("Location" = String))),
        (status = 403, description = "The caller sees the item but its agency does not hold it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The item holds content already, holds none (registered without a SHA-256), or is in transit or was released, returned or destroyed; or the upload named is not finished, or was bound meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than `CASELEDGER_MAX_UPLOAD_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither `application/octet-stream` nor `application/json`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`content-mismatch`: not the bytes the item was registered with, or not those the digest names; or `upload_id` names no finished upload of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The content store cannot be reached now: nothing kept; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 507, description = "The content store is full: nothing kept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/evidence/{id}/content")]
async fn put_content(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
    mut body: web::Payload,
) -> ApiResult<HttpResponse> {
    let media = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let from_upload = media.starts_with("application/json");
    if !media.starts_with("application/octet-stream") && !from_upload {
        return Err(ApiError::UnsupportedMediaType);
    }
    let evidence_id = id.into_inner().into_string();
    let expected = expected(&state, caller.clone(), evidence_id.clone()).await?;
    if from_upload {
        let bind = BindUpload::read(&mut body).await?;
        return bind_upload(&state, caller, evidence_id, expected, bind).await;
    }
    let limit = state.settings.max_upload_bytes;
    let declared: Option<u64> = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge {
            limit: usize::try_from(limit).ok(),
        });
    }
    let mismatch = |why: &str| ApiError::ContentMismatch(why.to_owned());
    if declared.is_some_and(|n| expected.size.is_some_and(|size| size != n)) {
        return Err(mismatch("the body's length is not the item's size_bytes"));
    }
    let digest = digest_sha256(&req)?;
    if digest.as_ref().is_some_and(|d| *d != expected.sha256) {
        return Err(mismatch("the digest sent is not the item's sha256"));
    }

    let mut writer = state.store.writer(limit).await?;
    let streamed = async {
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::Malformed(format!("the body broke off: {e}")))?;
            writer.write(&chunk).await?;
            if expected.size.is_some_and(|size| writer.size() > size) {
                return Err(mismatch("more bytes than the item's size_bytes"));
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = streamed {
        writer.abort().await;
        return Err(e);
    }
    let stored = writer.finish().await?;
    let wrong = if stored.sha256 != expected.sha256 {
        Some("the bytes' SHA-256 is not the item's sha256")
    } else if expected.size.is_some_and(|size| size != stored.size) {
        Some("the bytes' length is not the item's size_bytes")
    } else {
        None
    };
    if let Some(why) = wrong {
        state.store.discard(&[stored.object]).await;
        return Err(mismatch(why));
    }
    let object = stored.object.clone();
    match record_stored(&state, caller, evidence_id, stored, None).await {
        Ok(created) => Ok(created),
        Err(e) => {
            state.store.discard(&[object]).await;
            Err(e)
        }
    }
}

/// A finished resumable upload to bind: `{"upload_id": "..."}`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindUpload {
    /// The caller's finished upload (`/api/v1/uploads`).
    #[schema(format = Uuid)]
    upload_id: String,
}

impl BindUpload {
    /// The small JSON body that names an upload.
    async fn read(body: &mut web::Payload) -> ApiResult<BindUpload> {
        const LIMIT: usize = 1024;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::Malformed(format!("the body broke off: {e}")))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() > LIMIT {
                return Err(ApiError::PayloadTooLarge { limit: Some(LIMIT) });
            }
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::Malformed("the body is not JSON".into()))?;
        serde_json::from_value(value).map_err(|_| {
            ApiError::validation(
                "upload_id",
                "the body must be {\"upload_id\": \"...\"} and nothing else",
            )
        })
    }
}

/// Binds the caller's finished upload as the item's content: the same checks as
/// bytes sent whole, and the upload consumed in the commit that records it.
async fn bind_upload(
    state: &AppState,
    caller: Credentials,
    evidence_id: String,
    expected: Expected,
    bind: BindUpload,
) -> ApiResult<HttpResponse> {
    let finished = state
        .uploads
        .finished(&expected.uploader, &bind.upload_id)
        .await?;
    let stored = finished.stored;
    if stored.sha256 != expected.sha256 {
        return Err(ApiError::ContentMismatch(
            "the upload's SHA-256 is not the item's sha256".into(),
        ));
    }
    if expected.size.is_some_and(|size| size != stored.size) {
        return Err(ApiError::ContentMismatch(
            "the upload's length is not the item's size_bytes".into(),
        ));
    }
    record_stored(state, caller, evidence_id, stored, Some(finished.claim)).await
}

/// Binds bytes already streamed into the store as the content of an item registered
/// from them (a page's upload form registers the item with the hash and length the
/// store computed): the checks of `PUT /evidence/{id}/content`, nothing kept when
/// they fail (the caller discards the object).
pub async fn bind_stored(
    state: &AppState,
    caller: Credentials,
    evidence_id: String,
    stored: crate::store::StoredObject,
) -> ApiResult<()> {
    let expected = expected(state, caller.clone(), evidence_id.clone()).await?;
    if stored.sha256 != expected.sha256 || expected.size.is_some_and(|size| size != stored.size) {
        return Err(ApiError::ContentMismatch(
            "the bytes are not those the item was registered with".into(),
        ));
    }
    record_stored(state, caller, evidence_id, stored, None)
        .await
        .map(drop)
}

/// Records stored bytes as the item's content (`content_stored` in its custody).
async fn record_stored(
    state: &AppState,
    caller: Credentials,
    evidence_id: String,
    stored: crate::store::StoredObject,
    from_upload: Option<crate::store::uploads::UploadClaim>,
) -> ApiResult<HttpResponse> {
    let view = StoredContent {
        sha256: stored.sha256.clone(),
        size_bytes: stored.size as i64,
        stored_at: crate::db::now().into(),
    };
    let job = CustodyJob::Content(Box::new(ContentJob {
        credentials: caller,
        evidence_id: evidence_id.clone(),
        change: ContentChange::Stored {
            stored,
            from_upload,
        },
    }));
    state.ledger.submit::<Custody>(job, None).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/evidence/{evidence_id}/content"),
        ))
        .json(view))
}

/// Objects deleted per sweep at most; the next sweep takes the rest.
const PER_SWEEP: i64 = 200;

/// Deletes from the store the objects of content destroyed (their keys are already
/// forgotten, so nothing could open them): how many it deleted. Runs on every
/// instance; two instances deleting one object both succeed.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    let due = state
        .db(|conn| Ok(queries::objects_to_delete(conn, PER_SWEEP)?))
        .await?;
    let mut deleted = 0;
    for (content_id, object) in due {
        state.store.delete(&object).await?;
        let now = crate::db::now();
        state
            .db(move |conn| Ok(queries::object_deleted(conn, &content_id, now)?))
            .await?;
        deleted += 1;
    }
    Ok(deleted)
}

/// How old an object nothing records must be before it is taken for the leftover of
/// a write cut short (a process killed between storing it and recording it, a delete
/// that failed): far longer than any write takes from its last byte to its commit.
pub const ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(6 * 3600);
/// How often the store is searched for such objects (it lists every object).
const ORPHAN_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes the objects of the store older than `older_than` that no content, upload
/// or part records: what a crash or a failed delete left behind. Nothing can open them
/// (their keys were never kept, or are forgotten), so this frees space and nothing
/// else. Returns how many it deleted.
pub async fn sweep_orphans(state: &AppState, older_than: std::time::Duration) -> ApiResult<usize> {
    let before = chrono::Utc::now()
        - chrono::TimeDelta::from_std(older_than).unwrap_or(chrono::TimeDelta::hours(6));
    let deleted = state
        .store
        .older_objects(before, 500, |names| async {
            let listed = names.clone();
            let known = state
                .db(move |conn| {
                    let mut known = queries::content_objects(conn, &listed)?;
                    known.extend(crate::store::queries::upload_objects(conn, &listed)?);
                    Ok(known)
                })
                .await
                .map_err(|e| StoreError::Other(anyhow::anyhow!("{e}")))?;
            let known: std::collections::HashSet<String> = known.into_iter().collect();
            let mut deleted = 0;
            for name in names.into_iter().filter(|n| !known.contains(n)) {
                state.store.delete(&name).await?;
                tracing::info!(object = %name, "deleted an object that nothing records");
                deleted += 1;
            }
            Ok(deleted)
        })
        .await?;
    Ok(deleted)
}

/// Runs every `every` for as long as the service runs.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut ticks = actix_web::rt::time::interval(every);
    let mut orphans_swept: Option<std::time::Instant> = None;
    loop {
        ticks.tick().await;
        if orphans_swept.is_none_or(|at| at.elapsed() >= ORPHAN_SWEEP_EVERY) {
            orphans_swept = Some(std::time::Instant::now());
            match sweep_orphans(&state, ORPHAN_AGE).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "objects that nothing records deleted"),
                Err(e) => tracing::warn!(error = %e, "the orphan sweep failed; it runs again"),
            }
        }
        match sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "objects of destroyed content deleted"),
            Err(e) => tracing::warn!(error = %e, "the content sweep failed; it runs again"),
        }
        match state.uploads.sweep().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired uploads deleted"),
            Err(e) => tracing::warn!(error = %e, "the upload sweep failed; it runs again"),
        }
    }
}

/// A single byte range asked for (`bytes=a-b`, `bytes=a-`, `bytes=-n`), as
/// `first..=last` within `size` bytes; `None` for the whole (no range, or one this
/// service does not serve in part: several ranges, other units).
fn byte_range(header: Option<&str>, size: u64) -> ApiResult<Option<(u64, u64)>> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let unsatisfiable = ApiError::RangeNotSatisfiable { size };
    let (first, last) = match spec.split_once('-') {
        Some(("", suffix)) => {
            let n: u64 = suffix
                .parse()
                .map_err(|_| ApiError::RangeNotSatisfiable { size })?;
            if n == 0 || size == 0 {
                return Err(unsatisfiable);
            }
            (size.saturating_sub(n), size - 1)
        }
        Some((first, "")) => {
            let first: u64 = first
                .parse()
                .map_err(|_| ApiError::RangeNotSatisfiable { size })?;
            (first, size.saturating_sub(1))
        }
        Some((first, last)) => {
            let first: u64 = first
                .parse()
                .map_err(|_| ApiError::RangeNotSatisfiable { size })?;
            let last: u64 = last
                .parse()
                .map_err(|_| ApiError::RangeNotSatisfiable { size })?;
            if last < first {
                return Err(unsatisfiable);
            }
            (first, last.min(size.saturating_sub(1)))
        }
        None => return Err(unsatisfiable),
    };
    if first >= size {
        return Err(unsatisfiable);
    }
    Ok(Some((first, last)))
}

/// What a download needs of the item: its content, sealed, and what it is.
struct Download {
    sealed: Sealed,
    sha256: String,
}

/// Download an item's bytes, whole or one byte range (`Range: bytes=a-b`, answered
/// `206`), with `ETag` (the SHA-256) and `Repr-Digest`. Each download is recorded in
/// the item's custody (`content_downloaded`: who, and which range) before a byte is
/// sent. Those who may see the item download it, but for an agency that handed it on
/// (it keeps the history, not the bytes). A stored object that does not open is never
/// served: refused before anything is sent, or, found further on, the transfer is cut
/// short; either is audited.
#[utoipa::path(
    tag = "evidence",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Evidence id"),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=a-b`, `bytes=a-` or `bytes=-n`"),
    ),
    responses(
        (status = 200, description = "The item's bytes", content_type = "application/octet-stream", body = Vec<u8>, headers(("ETag" = String), ("Repr-Digest" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The byte range asked for", content_type = "application/octet-stream", body = Vec<u8>, headers(("Content-Range" = String), ("ETag" = String), ("Repr-Digest" = String))),
        (status = 403, description = "The caller's agency handed the item on: it keeps the history, not the bytes", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item, not one the caller may see, or one that holds no content", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The item was destroyed, and its content with it", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is not within the content", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`content-altered`: the stored object does not open; nothing of it is served", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The content store cannot be reached now; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evidence/{id}/content")]
async fn get_content(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let range = req.headers().get(RANGE).and_then(|v| v.to_str().ok());
    serve(&state, caller, id.into_inner().into_string(), range).await
}

/// An item's content for `caller` (the API's download and the evidence page's):
/// checked, recorded in the item's custody, then streamed.
pub async fn serve(
    state: &AppState,
    caller: Credentials,
    evidence_id: String,
    range: Option<&str>,
) -> ApiResult<HttpResponse> {
    let found = {
        let id = evidence_id.clone();
        state
            .check_as(
                caller.clone(),
                Action::ContentDownload,
                move |conn, caller, event| {
                    let found = access::visible(conn, caller, &id, event)?;
                    if found.horizon.is_some() {
                        return Err(ApiError::forbidden(
                            "your agency handed the item on: it keeps the item's history, not its content",
                        ));
                    }
                    let content =
                        queries::content_of(conn, &found.item.id)?.ok_or(ApiError::NotFound)?;
                    let Some(wrapped_key) = content.wrapped_key else {
                        return Err(ApiError::Gone(
                            "the item was destroyed, and its content with it".into(),
                        ));
                    };
                    Ok(Download {
                        sealed: Sealed {
                            object: content.object_name,
                            wrapped_key,
                            size: content.size_bytes as u64,
                        },
                        sha256: content.sha256,
                    })
                },
            )
            .await?
    };
    let size = found.sealed.size;
    let range = byte_range(range, size)?;
    let (start, end) = match range {
        Some((first, last)) => (first, last + 1),
        None => (0, size),
    };
    let altered = {
        let state = state.clone();
        let caller = caller.clone();
        move || async move {
            tracing::error!("stored content of an item does not open: it was altered");
            let meta = caller.meta.clone();
            let principal = state.db(move |conn| caller.load(conn)).await?;
            let event = crate::ledger::Event::by(Action::ContentDownload, &principal, &meta)
                .detail("failed", "content-altered");
            state.ledger.record(event, Outcome::Failed).await
        }
    };
    let stream = match state.store.read(found.sealed, start..end).await {
        Ok(stream) => stream,
        Err(StoreError::Altered) => {
            altered().await?;
            return Err(ApiError::ContentAltered);
        }
        Err(e) => return Err(e.into()),
    };
    let job = CustodyJob::Content(Box::new(ContentJob {
        credentials: caller,
        evidence_id,
        change: ContentChange::Downloaded { range },
    }));
    state.ledger.submit::<Custody>(job, None).await?;
    let body = stream.then(move |chunk| {
        let altered = altered.clone();
        async move {
            match chunk {
                Err(StoreError::Altered) => {
                    let _ = altered().await;
                    Err(actix_web::error::ErrorInternalServerError(
                        "stored content altered",
                    ))
                }
                Err(e) => Err(actix_web::error::ErrorInternalServerError(e.to_string())),
                Ok(bytes) => Ok(bytes),
            }
        }
    });
    let digest = hex::decode(&found.sha256).unwrap_or_default();
    let mut response = HttpResponse::build(if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    });
    response
        .content_type("application/octet-stream")
        .insert_header(("ETag", format!("\"{}\"", found.sha256)))
        .insert_header((
            "Repr-Digest",
            format!(
                "sha-256=:{}:",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ),
        ))
        .insert_header(("Accept-Ranges", "bytes"))
        .no_chunking(end - start);
    if range.is_some() {
        response.insert_header(("Content-Range", format!("bytes {start}-{}/{size}", end - 1)));
    }
    Ok(response.streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_one_byte_range_within_the_content() {
        let r = |h: &str, size| byte_range(Some(h), size);
        assert_eq!(r("bytes=0-9", 100).unwrap(), Some((0, 9)));
        assert_eq!(r("bytes=90-", 100).unwrap(), Some((90, 99)));
        assert_eq!(r("bytes=-10", 100).unwrap(), Some((90, 99)));
        assert_eq!(r("bytes=-500", 100).unwrap(), Some((0, 99)));
        assert_eq!(r("bytes=95-200", 100).unwrap(), Some((95, 99)));
        assert_eq!(r("bytes=0-1,5-6", 100).unwrap(), None);
        assert_eq!(r("items=0-1", 100).unwrap(), None);
        assert_eq!(byte_range(None, 100).unwrap(), None);
        for bad in [
            "bytes=100-",
            "bytes=9-3",
            "bytes=-0",
            "bytes=x-3",
            "bytes=5",
        ] {
            assert!(
                matches!(
                    r(bad, 100),
                    Err(ApiError::RangeNotSatisfiable { size: 100 })
                ),
                "{bad}"
            );
        }
        assert!(r("bytes=0-0", 0).is_err());
    }
}
