//! Resumable uploads over tus 1.0 (core, creation, termination, checksum and
//! expiration), for files too large to send in one request: a person creates an
//! upload of a known length, sends its bytes in as many PATCHes as it takes (resuming
//! from the offset HEAD tells after a cut connection or a restart), then binds the
//! finished upload to an item's content (`PUT /evidence/{id}/content` with
//! `{"upload_id"}`) or a request's document (`upload_id` instead of `file`). Nothing is
//! recorded in custody until the binding; an upload is its owner's alone.

use crate::auth::Credentials;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Id;
use crate::ledger::{Action, Event, Outcome};
use crate::state::AppState;
use crate::store::uploads::{Checksum, ChecksumAlgorithm, Patch, UploadStatus};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, delete, head, options, patch, post, web};
use base64::Engine;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// The tus version spoken.
const TUS: &str = "1.0.0";
/// The extensions of tus 1.0 served.
const EXTENSIONS: &str = "creation,termination,checksum,expiration";
/// The longest `Upload-Metadata` taken.
const METADATA: usize = 4096;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/uploads")
            .wrap(DefaultHeaders::new().add(("Tus-Resumable", TUS)))
            .service(capabilities)
            .service(create_upload)
            .service(upload_status)
            .service(append_upload)
            .service(terminate_upload),
    );
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Every tus request but OPTIONS names the version it speaks, besides the headers
/// its method requires: a header missing (or empty) is a malformed request (`400`);
/// another version of tus is `412`, as tus says.
fn speaks_tus(req: &HttpRequest, required: &[&str]) -> ApiResult<()> {
    let given = |name: &str| header(req, name).is_some_and(|v| !v.trim().is_empty());
    for name in std::iter::once(&"Tus-Resumable").chain(required) {
        if !given(name) {
            return Err(ApiError::Malformed(format!("{name} is required")));
        }
    }
    if header(req, "Tus-Resumable") == Some(TUS) {
        Ok(())
    } else {
        Err(ApiError::TusVersion)
    }
}

/// An RFC 9110 HTTP-date.
fn http_date(at: chrono::NaiveDateTime) -> String {
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A non-negative integer header.
fn count(req: &HttpRequest, name: &str) -> ApiResult<Option<u64>> {
    match header(req, name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| i64::try_from(*n).is_ok())
            .map(Some)
            .ok_or_else(|| ApiError::validation(name, "must be a non-negative integer")),
    }
}

async fn owner(state: &AppState, caller: Credentials) -> ApiResult<String> {
    Ok(state.db(move |conn| caller.load(conn)).await?.user_id)
}

/// What this server takes: tus 1.0.0 with its creation, termination, checksum (SHA-1,
/// SHA-256) and expiration extensions, up to `Tus-Max-Size` bytes an upload.
#[utoipa::path(
    tag = "uploads",
    responses(
        (status = 204, description = "What the server takes", headers(
            ("Tus-Resumable" = String), ("Tus-Version" = String), ("Tus-Extension" = String),
            ("Tus-Max-Size" = u64), ("Tus-Checksum-Algorithm" = String)
        )),
    )
)]
#[options("")]
async fn capabilities(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Tus-Version", TUS))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.uploads.max_length.to_string()))
        .insert_header(("Tus-Checksum-Algorithm", ChecksumAlgorithm::LISTED))
        .finish()
}

/// Begin an upload of `Upload-Length` bytes (at most `CASELEDGER_MAX_UPLOAD_BYTES`),
/// with optional tus `Upload-Metadata` (`filename`, `filetype`: the media type a
/// document bound from it takes). Answers its address; it expires when left
/// untouched for `CASELEDGER_UPLOAD_EXPIRY_SECS` (a day by default).
#[utoipa::path(
    tag = "uploads",
    security(("bearer" = [])),
    params(
        ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "`1.0.0`, as tus requires of every request but OPTIONS: another version is `412`, none `400`"),
        ("Upload-Length" = u64, Header, description = "The upload's length in bytes"),
        ("Upload-Metadata" = Option<String>, Header, pattern = r"^[!-+\--~]+( (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)?(,[!-+\--~]+( (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)?)*$", description = "tus metadata: `key base64value` pairs, comma-separated"),
    ),
    responses(
        (status = 201, description = "Created", headers(("Location" = String), ("Upload-Expires" = String), ("Tus-Resumable" = String))),
        (status = 400, description = "`Tus-Resumable` or `Upload-Length` missing, or `Upload-Metadata` malformed (`Upload-Defer-Length` is not taken)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`tus-version-unsupported`: a `Tus-Resumable` other than `1.0.0`", body = Problem, content_type = "application/problem+json", headers(("Tus-Version" = String))),
        (status = 413, description = "`Upload-Length` beyond `Tus-Max-Size`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
async fn create_upload(
    state: web::Data<AppState>,
    caller: Credentials,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    if header(&req, "Upload-Defer-Length").is_some() {
        return Err(ApiError::Malformed(
            "Upload-Defer-Length is not taken: send Upload-Length".into(),
        ));
    }
    speaks_tus(&req, &["Upload-Length"])?;
    let length = count(&req, "Upload-Length")?
        .ok_or_else(|| ApiError::Malformed("Upload-Length is required".into()))?;
    let metadata = header(&req, "Upload-Metadata").map(str::to_owned);
    if let Some(metadata) = &metadata {
        if metadata.len() > METADATA {
            return Err(ApiError::Malformed(format!(
                "Upload-Metadata is longer than {METADATA} bytes"
            )));
        }
        crate::store::uploads::check_metadata(metadata)
            .map_err(|why| ApiError::Malformed(format!("Upload-Metadata: {why}")))?;
    }
    let meta = caller.meta.clone();
    let principal = state.db(move |conn| caller.load(conn)).await?;
    let upload = state
        .uploads
        .create(principal.user_id.clone(), length, metadata)
        .await?;
    let event = Event::by(Action::UploadCreate, &principal, &meta)
        .detail("upload_id", upload.id.clone())
        .detail("length", length);
    state.ledger.record(event, Outcome::Success).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/uploads/{}", upload.id)))
        .insert_header(("Upload-Expires", http_date(upload.expires_at)))
        .finish())
}

fn status_headers(builder: &mut actix_web::HttpResponseBuilder, upload: &UploadStatus) {
    builder
        .insert_header(("Upload-Offset", upload.offset.to_string()))
        .insert_header(("Upload-Expires", http_date(upload.expires_at)));
}

/// Where an upload stands: `Upload-Offset` (the bytes received) of `Upload-Length`.
#[utoipa::path(
    tag = "uploads",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Upload id"),
        ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "`1.0.0`, as tus requires of every request but OPTIONS: another version is `412`, none `400`"),
    ),
    responses(
        (status = 200, description = "Where it stands", headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Upload-Metadata" = String), ("Upload-Expires" = String))),
        (status = 404, description = "No such upload, or not the caller's"),
        (status = 410, description = "The upload expired"),
        (status = 412, description = "`tus-version-unsupported`: a `Tus-Resumable` other than `1.0.0`"),
    )
)]
#[head("/{id}")]
async fn upload_status(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    speaks_tus(&req, &[])?;
    let owner = owner(&state, caller).await?;
    let upload = state.uploads.status(&owner, &id).await?;
    let mut response = HttpResponse::Ok();
    status_headers(&mut response, &upload);
    response.insert_header(("Upload-Length", upload.length.to_string()));
    if let Some(metadata) = &upload.metadata {
        response.insert_header(("Upload-Metadata", metadata.as_str()));
    }
    Ok(response.finish())
}

/// The checksum a PATCH names: `Upload-Checksum: <algorithm> <base64>`.
fn checksum(req: &HttpRequest) -> ApiResult<Option<Checksum>> {
    let Some(value) = header(req, "Upload-Checksum") else {
        return Ok(None);
    };
    let bad = |why: &str| ApiError::Malformed(format!("Upload-Checksum: {why}"));
    let (name, digest) = value
        .trim()
        .split_once(' ')
        .ok_or_else(|| bad("must be an algorithm and a base64 digest"))?;
    let algorithm = ChecksumAlgorithm::named(name)
        .ok_or_else(|| bad("the algorithm is not one of Tus-Checksum-Algorithm"))?;
    let digest = crate::store::uploads::LENIENT_BASE64
        .decode(digest.trim())
        .map_err(|_| bad("the digest is not base64"))?;
    Ok(Some(Checksum { algorithm, digest }))
}

/// Send bytes from `Upload-Offset` (where HEAD says the upload stands), as
/// `application/offset+octet-stream`. Each 16 MiB received is sealed and recorded as
/// it comes, so a connection cut short keeps what came; with `Upload-Checksum`
/// (`sha1` or `sha256`) the bytes are kept only if they match it (`460` else, and none
/// is kept).
#[utoipa::path(
    tag = "uploads",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Upload id"),
        ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "`1.0.0`, as tus requires of every request but OPTIONS: another version is `412`, none `400`"),
        ("Upload-Offset" = u64, Header, description = "Where the upload stands"),
        ("Upload-Checksum" = Option<String>, Header, pattern = r"^(sha1|sha256) (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$", description = "`sha1 <base64>` or `sha256 <base64>` of this body"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Received", headers(("Upload-Offset" = u64), ("Upload-Expires" = String))),
        (status = 400, description = "`Tus-Resumable` or `Upload-Offset` missing, or `Upload-Checksum` malformed or of an algorithm not taken", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`Upload-Offset` is not where the upload stands, or it is complete", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The upload expired", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`tus-version-unsupported`: a `Tus-Resumable` other than `1.0.0`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than the upload's length", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `application/offset+octet-stream`", body = Problem, content_type = "application/problem+json"),
        (status = 460, description = "`checksum-mismatch`: the body is not what `Upload-Checksum` says; nothing of it kept", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The content store cannot be reached now; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 507, description = "The content store is full", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
async fn append_upload(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    speaks_tus(&req, &["Upload-Offset"])?;
    if header(&req, "Content-Type").map(|m| m.split(';').next().unwrap_or_default().trim())
        != Some("application/offset+octet-stream")
    {
        return Err(ApiError::UnsupportedMediaType);
    }
    let offset = count(&req, "Upload-Offset")?
        .ok_or_else(|| ApiError::Malformed("Upload-Offset is required".into()))?;
    let checksum = checksum(&req)?;
    let owner = owner(&state, caller).await?;
    let patch = Patch {
        offset,
        checksum,
        body,
    };
    let upload = state.uploads.append(&owner, &id, patch).await?;
    let mut response = HttpResponse::NoContent();
    status_headers(&mut response, &upload);
    Ok(response.finish())
}

/// End an upload: what it received is deleted (tus termination).
#[utoipa::path(
    tag = "uploads",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Upload id"),
        ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "`1.0.0`, as tus requires of every request but OPTIONS: another version is `412`, none `400`"),
    ),
    responses(
        (status = 204, description = "Ended, its bytes deleted"),
        (status = 404, description = "No such upload, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`tus-version-unsupported`: a `Tus-Resumable` other than `1.0.0`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
async fn terminate_upload(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    speaks_tus(&req, &[])?;
    let meta = caller.meta.clone();
    let principal = state.db(move |conn| caller.load(conn)).await?;
    let upload_id = id.into_inner().into_string();
    state
        .uploads
        .terminate(principal.user_id.clone(), upload_id.clone())
        .await?;
    let event =
        Event::by(Action::UploadTerminate, &principal, &meta).detail("upload_id", upload_id);
    state.ledger.record(event, Outcome::Success).await?;
    Ok(HttpResponse::NoContent().finish())
}
