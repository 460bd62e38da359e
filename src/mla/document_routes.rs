//! The endpoints of requests' documents, for MLA requests and preservations alike:
//! adding one (`multipart/form-data`, its file streamed into the sealed store),
//! listing them, downloading one. Every read is audited.

use super::documents::{
    self, Document, DocumentJob, DocumentKind, NewDocument, RequestDocuments, RequestRef,
};
use crate::auth::Credentials;
use crate::error::{ApiError, ApiResult, Problem};
use crate::input::Id;
use crate::ledger::Action;
use crate::state::AppState;
use crate::store::{Sealed, Writer};
use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(add_request_document)
        .service(list_request_documents)
        .service(request_document_content)
        .service(add_preservation_document)
        .service(list_preservation_documents)
        .service(preservation_document_content);
}

/// A document upload, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    kind: DocumentKind,
    /// Its language (BCP 47: `en`, `fr`, `nl`, `pt-BR`…).
    #[schema(max_length = 35)]
    language: Option<String>,
    #[schema(min_length = 1, max_length = 500)]
    title: String,
    /// The document; its part's `Content-Type` is kept as its media type. Or, instead,
    /// `upload_id`.
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
    /// A finished resumable upload of the caller's (`/api/v1/uploads`), instead of
    /// `file`; its `filetype` metadata, if any, is kept as the media type.
    #[schema(format = Uuid)]
    upload_id: Option<String>,
}

/// The small fields of an upload, at most this long each.
const FIELD: usize = 2000;

/// The fields and the file of a multipart upload, the file streamed into the store as
/// it arrives.
struct Upload {
    kind: Option<String>,
    language: Option<String>,
    title: Option<String>,
    media_type: String,
    writer: Option<Writer>,
    upload_id: Option<String>,
}

impl Upload {
    async fn read(state: &AppState, form: &mut Multipart) -> ApiResult<Upload> {
        let mut form = crate::store::form::read(
            &state.store,
            state.settings.max_upload_bytes,
            form,
            &["kind", "language", "title", "upload_id"],
            FIELD,
        )
        .await?;
        let mut text = |name: &str| form.fields.remove(name);
        Ok(Upload {
            kind: text("kind"),
            language: text("language").filter(|l| !l.is_empty()),
            title: text("title"),
            upload_id: text("upload_id"),
            media_type: form
                .media_type
                .take()
                .unwrap_or_else(|| "application/octet-stream".into()),
            writer: form.writer.take(),
        })
    }
}

/// Adds a document to `on`: who may is checked before a byte is read; the file is
/// sealed into the store as it arrives, and becomes the document's when the ledger
/// commits its entry (else it is deleted).
async fn add(
    state: &AppState,
    caller: Credentials,
    on: RequestRef,
    req: &HttpRequest,
    mut form: Multipart,
) -> ApiResult<HttpResponse> {
    let media = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media.starts_with("multipart/form-data") {
        return Err(ApiError::UnsupportedMediaType);
    }
    add_from_form(state, caller, on, &mut form).await
}

/// Adds the document a multipart form holds to `on` (the API's upload, and the request
/// page's form once its token is checked).
pub async fn add_from_form(
    state: &AppState,
    caller: Credentials,
    on: RequestRef,
    form: &mut Multipart,
) -> ApiResult<HttpResponse> {
    let uploader = {
        let on = on.clone();
        state
            .check_as(
                caller.clone(),
                Action::DocumentAdd,
                move |conn, caller, event| documents::may_add_any(conn, caller, &on, event),
            )
            .await?
    };
    let mut upload = Upload::read(state, form).await?;
    let writer = match (upload.writer.take(), upload.upload_id.take()) {
        (Some(writer), None) => writer,
        (None, Some(upload_id)) => {
            return bind_upload(state, caller, on, &uploader, upload, &upload_id).await;
        }
        (Some(writer), Some(_)) => {
            writer.abort().await;
            return Err(ApiError::validation(
                "upload_id",
                "a document is a file or an upload, not both",
            ));
        }
        (None, None) => return Err(ApiError::validation("file", "is required (or upload_id)")),
    };
    let document = NewDocument::of(
        upload.kind.as_deref(),
        upload.language.as_deref(),
        upload.title.as_deref(),
        upload.media_type.clone(),
    );
    let document = match document {
        Ok(document) => document,
        Err(e) => {
            writer.abort().await;
            return Err(e);
        }
    };
    let stored = writer.finish().await?;
    let object = stored.object.clone();
    let job = DocumentJob {
        credentials: caller,
        on,
        document,
        stored,
        from_upload: None,
    };
    match state.ledger.submit::<RequestDocuments>(job, None).await {
        Ok(reply) => Ok(reply.into_response()),
        Err(e) => {
            state.store.discard(&[object]).await;
            Err(e)
        }
    }
}

/// Adds the caller's finished resumable upload as a document: the upload is consumed
/// in the commit that records the document.
async fn bind_upload(
    state: &AppState,
    caller: Credentials,
    on: RequestRef,
    uploader: &str,
    upload: Upload,
    upload_id: &str,
) -> ApiResult<HttpResponse> {
    let finished = state.uploads.finished(uploader, upload_id).await?;
    let media_type = finished
        .metadata
        .as_deref()
        .and_then(|m| crate::store::uploads::metadata_value(m, "filetype"))
        .filter(|m| m.parse::<actix_web::mime::Mime>().is_ok())
        .unwrap_or(upload.media_type);
    let document = NewDocument::of(
        upload.kind.as_deref(),
        upload.language.as_deref(),
        upload.title.as_deref(),
        media_type,
    )?;
    let job = DocumentJob {
        credentials: caller,
        on,
        document,
        stored: finished.stored,
        from_upload: Some(finished.claim),
    };
    Ok(state
        .ledger
        .submit::<RequestDocuments>(job, None)
        .await?
        .into_response())
}

async fn list(state: &AppState, caller: Credentials, on: RequestRef) -> ApiResult<Vec<Document>> {
    let rows = state
        .read_as(caller, Action::DocumentList, move |conn, caller, event| {
            documents::visible_documents(conn, caller, &on, event)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row, content)| Document::of(row, &content))
        .collect())
}

/// A document of `on`, streamed, for a caller who sees the request (audited).
pub async fn download(
    state: &AppState,
    caller: Credentials,
    on: RequestRef,
    document_id: String,
) -> ApiResult<HttpResponse> {
    let (row, content) = state
        .read_as(
            caller,
            Action::DocumentDownload,
            move |conn, caller, event| {
                event.set_detail("document_id", document_id.clone());
                documents::visible_documents(conn, caller, &on, event)?
                    .into_iter()
                    .find(|(row, _)| row.id == document_id)
                    .ok_or(ApiError::NotFound)
            },
        )
        .await?;
    let size = content.size_bytes as u64;
    let sealed = Sealed {
        object: content.object_name,
        wrapped_key: content.wrapped_key.ok_or(ApiError::Gone(
            "the document's content was destroyed".into(),
        ))?,
        size,
    };
    let stream = state.store.read(sealed, 0..size).await?;
    let body = stream
        .map(|chunk| chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string())));
    Ok(HttpResponse::Ok()
        .content_type(documents::served_as(&row.media_type))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"document-{}\"", row.id),
        ))
        .insert_header(("ETag", format!("\"{}\"", content.sha256)))
        .no_chunking(size)
        .streaming(body))
}

/// Add a document to an MLA request (`multipart/form-data`: `kind`, `title`,
/// `language`, `file`). The requesting side (its case team and central authority)
/// adds the letter of request, translations, court orders and annexes until it sends
/// the request, or while information is asked of it; the requested side (its central
/// authority, the executing agency) adds its response or grounds of refusal once it
/// has the request. The document is an entry of the request's history
/// (`document_added`, with its SHA-256).
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Request id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added, and in the request's history", body = Document),
        (status = 403, description = "Not of the side that adds this kind of document", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not while the request is where it stands", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than `CASELEDGER_MAX_UPLOAD_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `multipart/form-data`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field missing, unknown or out of range", body = Problem, content_type = "application/problem+json"),
        (status = 507, description = "The content store is full: nothing kept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/mla/requests/{id}/documents")]
async fn add_request_document(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let on = RequestRef::Mla(id.into_inner().into_string());
    add(&state, caller, on, &req, form).await
}

/// The documents of an MLA request, in the order they were added.
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Request id")),
    responses(
        (status = 200, description = "Its documents", body = Vec<Document>),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mla/requests/{id}/documents")]
async fn list_request_documents(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<Document>>> {
    let on = RequestRef::Mla(id.into_inner().into_string());
    Ok(web::Json(list(&state, caller, on).await?))
}

/// Download a document of an MLA request (audited).
#[utoipa::path(
    tag = "mla",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Request id"),
        ("doc" = String, Path, format = Uuid, description = "Document id"),
    ),
    responses(
        (status = 200, description = "The document", content_type = "application/octet-stream", body = Vec<u8>, headers(("ETag" = String), ("Content-Disposition" = String))),
        (status = 404, description = "No such request or document, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mla/requests/{id}/documents/{doc}/content")]
async fn request_document_content(
    state: web::Data<AppState>,
    caller: Credentials,
    path: web::Path<(Id, Id)>,
) -> ApiResult<HttpResponse> {
    let (id, doc) = path.into_inner();
    let on = RequestRef::Mla(id.into_string());
    download(&state, caller, on, doc.into_string()).await
}

/// Add a document to a preservation (`multipart/form-data`: `kind`, `title`,
/// `language`, `file`): the requesting state's point of contact or case team while it
/// waits to be preserved; the requested state's point of contact while it is open.
/// The document is an entry of the preservation's history (`document_added`).
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Preservation id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added, and in the preservation's history", body = Document),
        (status = 403, description = "Not of the side that adds this kind of document", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such preservation, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not while the preservation is where it stands", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than `CASELEDGER_MAX_UPLOAD_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `multipart/form-data`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field missing, unknown or out of range", body = Problem, content_type = "application/problem+json"),
        (status = 507, description = "The content store is full: nothing kept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/preservations/{id}/documents")]
async fn add_preservation_document(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
    req: HttpRequest,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let on = RequestRef::Preservation(id.into_inner().into_string());
    add(&state, caller, on, &req, form).await
}

/// The documents of a preservation, in the order they were added.
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Preservation id")),
    responses(
        (status = 200, description = "Its documents", body = Vec<Document>),
        (status = 404, description = "No such preservation, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preservations/{id}/documents")]
async fn list_preservation_documents(
    state: web::Data<AppState>,
    caller: Credentials,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Vec<Document>>> {
    let on = RequestRef::Preservation(id.into_inner().into_string());
    Ok(web::Json(list(&state, caller, on).await?))
}

/// Download a document of a preservation (audited).
#[utoipa::path(
    tag = "preservations",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Preservation id"),
        ("doc" = String, Path, format = Uuid, description = "Document id"),
    ),
    responses(
        (status = 200, description = "The document", content_type = "application/octet-stream", body = Vec<u8>, headers(("ETag" = String), ("Content-Disposition" = String))),
        (status = 404, description = "No such preservation or document, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preservations/{id}/documents/{doc}/content")]
async fn preservation_document_content(
    state: web::Data<AppState>,
    caller: Credentials,
    path: web::Path<(Id, Id)>,
) -> ApiResult<HttpResponse> {
    let (id, doc) = path.into_inner();
    let on = RequestRef::Preservation(id.into_string());
    download(&state, caller, on, doc.into_string()).await
}
