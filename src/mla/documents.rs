//! The documents of MLA and preservation requests: the letter of request, its
//! translation, a court order and annexes from the requesting side, until it sends
//! the request (or while information is asked of it); the response and grounds of
//! refusal from the requested side, once it has the request. Each is a content of the
//! store, sealed at rest, and an entry of the request's history (`document_added`,
//! with its hash), so that the request's bundle proves which documents were
//! exchanged, when and by whom. Whoever sees a request sees its documents; no one
//! else learns they exist.

use super::request::{MlaRequestRow, RequestStatus};
use crate::auth::roles::Role;
use crate::auth::{Credentials, Principal, Principals};
use crate::cases::access::has_case_role;
use crate::custody::model::ContentRow;
use crate::db::schema::request_documents;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::ledger::{Action, Actor, Batch, Emit, Event, Kind, Loader, Outcome};
use crate::reply::Reply;
use crate::store::StoredObject;
use crate::time::UtcTimestamp;
use actix_web::http::StatusCode;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use utoipa::ToSchema;

/// The type of the history entry that adds a document to a request.
pub const DOCUMENT_ADDED: &str = "document_added";

crate::string_enum! {
    /// What a document of a request is.
    DocumentKind {
        LetterOfRequest => "letter_of_request",
        Translation => "translation",
        CourtOrder => "court_order",
        Annex => "annex",
        Response => "response",
        RefusalGrounds => "refusal_grounds",
    }
}

crate::string_enum! {
    /// The side of a request a document comes from.
    Side {
        Requesting => "requesting",
        Requested => "requested",
    }
}

impl DocumentKind {
    pub fn side(self) -> Side {
        match self {
            DocumentKind::Response | DocumentKind::RefusalGrounds => Side::Requested,
            _ => Side::Requesting,
        }
    }
}

/// A document as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_documents, treat_none_as_default_value = false)]
pub struct DocumentRow {
    pub id: String,
    pub mla_request_id: Option<String>,
    pub preservation_id: Option<String>,
    pub content_id: String,
    pub kind: String,
    pub language: Option<String>,
    pub title: String,
    pub media_type: String,
    pub side: String,
    pub added_by: String,
    pub added_at: NaiveDateTime,
}

/// A document of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    #[schema(format = Uuid)]
    pub id: String,
    pub kind: DocumentKind,
    /// Its language (BCP 47: `en`, `fr`, `nl`, `es`, `pt-BR`…), when given.
    pub language: Option<String>,
    pub title: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub side: Side,
    #[schema(format = Uuid)]
    pub added_by: String,
    pub added_at: UtcTimestamp,
}

impl Document {
    pub fn of(row: DocumentRow, content: &ContentRow) -> Document {
        Document {
            kind: DocumentKind::parse(&row.kind).unwrap_or(DocumentKind::Annex),
            side: Side::parse(&row.side).unwrap_or(Side::Requesting),
            id: row.id,
            language: row.language,
            title: row.title,
            sha256: content.sha256.clone(),
            size_bytes: content.size_bytes,
            media_type: row.media_type,
            added_by: row.added_by,
            added_at: row.added_at.into(),
        }
    }
}

/// The request a document belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestRef {
    Mla(String),
    Preservation(String),
}

/// What a document upload says of it besides its bytes.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub language: Option<String>,
    pub title: String,
    pub media_type: String,
}

impl NewDocument {
    /// The fields of an upload, checked (every problem at once).
    pub fn of(
        kind: Option<&str>,
        language: Option<&str>,
        title: Option<&str>,
        media_type: String,
    ) -> Result<NewDocument, ApiError> {
        let mut errors = Vec::new();
        let kind = match kind.map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("kind", "is required"));
                None
            }
            Some(text) => DocumentKind::parse(text).or_else(|| {
                let known: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
                errors.push(FieldError::new(
                    "kind",
                    format!("must be one of: {}", known.join(", ")),
                ));
                None
            }),
        };
        let title = title.map(str::trim).unwrap_or_default().to_owned();
        if title.is_empty() || title.chars().count() > 500 {
            errors.push(FieldError::new("title", "must be 1 to 500 characters"));
        }
        let language = language.map(str::trim).filter(|l| !l.is_empty());
        if language.is_some_and(|l| !is_language_tag(l)) {
            errors.push(FieldError::new(
                "language",
                "must be a language tag such as en, fr, nl or pt-BR",
            ));
        }
        match (kind, errors.is_empty()) {
            (Some(kind), true) => Ok(NewDocument {
                kind,
                language: language.map(str::to_owned),
                title,
                media_type,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// A BCP 47 tag of the simple kind documents carry: a language, and perhaps a
/// region or script (`en`, `fr`, `ht`, `pt-BR`, `zh-Hant`).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    let first_ok =
        (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase());
    let rest: Vec<&str> = parts.collect();
    first_ok
        && rest.len() <= 2
        && rest
            .iter()
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Media types a download carries as they were given; any other is served as bytes.
const INERT_MEDIA_TYPES: [&str; 8] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "text/plain",
    "application/zip",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
];

/// The media type a document is served with.
pub fn served_as(media_type: &str) -> &str {
    let bare = media_type.split(';').next().unwrap_or_default().trim();
    if INERT_MEDIA_TYPES.contains(&bare) {
        bare
    } else {
        "application/octet-stream"
    }
}

/// Who may add a document of `side` to an MLA request, and when: the requesting
/// agency's case team and its state's central authority until they send it (or while
/// information is asked of them); the requested state's central authority and the
/// executing agency once they have it, until it is closed.
fn may_add_to_request(caller: &Principal, row: &MlaRequestRow, side: Side) -> ApiResult<()> {
    let status = row.status();
    let (allowed, open) = match side {
        Side::Requesting => (
            (caller.agency_id == row.requesting_agency_id && has_case_role(caller))
                || (caller.country == row.requesting_country && caller.has(Role::CentralAuthority)),
            matches!(
                status,
                RequestStatus::Draft
                    | RequestStatus::Approved
                    | RequestStatus::InformationRequested
            ),
        ),
        Side::Requested => (
            (caller.country == row.requested_country && caller.has(Role::CentralAuthority))
                || (row.executing_agency_id.as_deref() == Some(caller.agency_id.as_str())
                    && has_case_role(caller)),
            row.submitted_at.is_some()
                && !matches!(status, RequestStatus::Closed | RequestStatus::Withdrawn),
        ),
    };
    if !allowed {
        return Err(ApiError::forbidden(format!(
            "documents of the {} side are added by that side of the request",
            side.as_str()
        )));
    }
    if !open {
        return Err(ApiError::Conflict(match side {
            Side::Requesting => format!(
                "the request is {}: the requesting side adds documents until it sends the request, or while information is asked of it",
                status.as_str()
            ),
            Side::Requested => format!(
                "the request is {}: the requested side adds documents once it has the request, until it is closed",
                status.as_str()
            ),
        }));
    }
    Ok(())
}

/// Who may add a document of `side` to a preservation, and when: the requesting
/// state's point of contact or the requesting agency's case team while it waits to
/// be preserved; the requested state's point of contact while it is open.
fn may_add_to_preservation(
    caller: &Principal,
    row: &super::preservations::model::PreservationRow,
    side: Side,
) -> ApiResult<()> {
    use super::preservations::model::PreservationStatus;
    let point = caller.has(Role::ContactPoint);
    let status = row.status();
    let (allowed, open) = match side {
        Side::Requesting => (
            (point && caller.country == row.requesting_country)
                || (caller.agency_id == row.requesting_agency_id && has_case_role(caller)),
            status == PreservationStatus::Requested,
        ),
        Side::Requested => (
            point && caller.country == row.requested_country,
            status.is_open(),
        ),
    };
    if !allowed {
        return Err(ApiError::forbidden(format!(
            "documents of the {} side are added by that side of the preservation",
            side.as_str()
        )));
    }
    if !open {
        return Err(ApiError::Conflict(format!(
            "the preservation is {}: no document of the {} side is added now",
            status.as_str(),
            side.as_str()
        )));
    }
    Ok(())
}

/// A document to add: who adds it, to which request, what it is, and its bytes,
/// stored already (the job makes them the document's, or they are deleted).
pub struct DocumentJob {
    pub credentials: Credentials,
    pub on: RequestRef,
    pub document: NewDocument,
    pub stored: StoredObject,
    /// The resumable upload the bytes came from, consumed in the same commit.
    pub from_upload: Option<crate::store::uploads::UploadClaim>,
}

/// The kind of document work.
#[derive(Default)]
pub struct RequestDocuments;

impl Kind for RequestDocuments {
    type Job = DocumentJob;
    type Loaded = Principals;

    fn loader(&self, jobs: &[&DocumentJob]) -> Option<Loader<Principals>> {
        let sessions = Credentials::sessions(jobs.iter().map(|j| &j.credentials));
        Some(Box::new(move |conn| {
            crate::auth::queries::load_principals(conn, &sessions)
        }))
    }

    fn apply(
        &mut self,
        batch: &mut Batch<'_>,
        principals: Principals,
        jobs: Vec<DocumentJob>,
    ) -> ApiResult<Vec<ApiResult<Reply>>> {
        let mut work = Work::default();
        let results = jobs
            .into_iter()
            .map(|job| add(batch, &principals, &mut work, job))
            .collect();
        work.store(batch)?;
        Ok(results)
    }
}

/// What a batch of documents writes, gathered before the writes.
#[derive(Default)]
struct Work {
    contents: Vec<ContentRow>,
    documents: Vec<DocumentRow>,
    entries: Vec<super::events::RequestEntryRow>,
    /// Requests and preservations as the batch leaves them, with the version read.
    requests: HashMap<String, (MlaRequestRow, i32)>,
    preservations: HashMap<String, (super::preservations::model::PreservationRow, i32)>,
    /// Uploads the batch's documents came from, consumed with them.
    uploads: Vec<crate::store::uploads::UploadClaim>,
}

impl Work {
    fn store(self, batch: &mut Batch<'_>) -> ApiResult<()> {
        crate::custody::queries::insert_contents(batch.conn(), &self.contents)?;
        super::queries::insert_entries(batch.conn(), &self.entries)?;
        insert_documents(batch.conn(), &self.documents)?;
        for upload in &self.uploads {
            upload.consume(batch.conn())?;
        }
        for (row, read_at) in self.requests.values() {
            if !super::queries::update_request(batch.conn(), row, *read_at)? {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "request {} changed under the ledger's lock",
                    row.id
                )));
            }
        }
        for (row, read_at) in self.preservations.values() {
            if !super::preservations::queries::update(batch.conn(), row, *read_at)? {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "preservation {} changed under the ledger's lock",
                    row.id
                )));
            }
        }
        Ok(())
    }
}

/// Where a request's history stands: what a new entry chains to.
struct Chain {
    id: String,
    reference: String,
    status: String,
    last_seq: i32,
    last_hash: Option<String>,
    subject_kind: &'static str,
}

/// One document: checked, its entry sealed into the request's history, its rows
/// gathered. A refusal writes nothing but, for a request the caller may not see or
/// add to, its audit entry.
fn add(
    batch: &mut Batch<'_>,
    principals: &Principals,
    work: &mut Work,
    job: DocumentJob,
) -> ApiResult<Reply> {
    let caller = job.credentials.principal(principals)?;
    let side = job.document.kind.side();
    let mut event = Event::by(Action::DocumentAdd, caller, &job.credentials.meta)
        .detail("kind", job.document.kind.as_str());
    let now = crate::db::now();
    let checked = match &job.on {
        RequestRef::Mla(id) => super::access::visible(batch.conn(), caller, id, &mut event)
            .map(|stored| {
                work.requests
                    .get(&stored.id)
                    .map_or(stored, |(mine, _)| mine.clone())
            })
            .and_then(|row| may_add_to_request(caller, &row, side).map(|()| row))
            .map(|row| {
                let chain = Chain {
                    id: row.id.clone(),
                    reference: row.reference.clone(),
                    status: row.status.clone(),
                    last_seq: row.last_seq,
                    last_hash: row.last_hash.clone(),
                    subject_kind: "mla_request",
                };
                (chain, Holder::Request(row))
            }),
        RequestRef::Preservation(id) => {
            super::preservations::access::visible(batch.conn(), caller, id, &mut event)
                .map(|stored| {
                    work.preservations
                        .get(&stored.id)
                        .map_or(stored, |(mine, _)| mine.clone())
                })
                .and_then(|row| may_add_to_preservation(caller, &row, side).map(|()| row))
                .map(|row| {
                    let chain = Chain {
                        id: row.id.clone(),
                        reference: row.reference.clone(),
                        status: row.status.clone(),
                        last_seq: row.last_seq,
                        last_hash: row.last_hash.clone(),
                        subject_kind: "preservation",
                    };
                    (chain, Holder::Preservation(row))
                })
        }
    };
    let (chain, holder) = match checked {
        Ok(found) => found,
        Err(e) => {
            if crate::ledger::is_refusal(&e) {
                batch.audit(event.detail("refused", e.kind().0), Outcome::Denied);
            }
            return Err(e);
        }
    };
    if let Some(upload) = &job.from_upload {
        let taken = work.uploads.iter().any(|u| u.upload_id == upload.upload_id);
        if taken || !upload.bindable(batch.conn())? {
            return Err(ApiError::Conflict(
                "the upload was bound, ended or expired meanwhile".into(),
            ));
        }
    }
    let content_id = uuid::Uuid::now_v7().to_string();
    let row = DocumentRow {
        id: uuid::Uuid::now_v7().to_string(),
        mla_request_id: matches!(job.on, RequestRef::Mla(_)).then(|| chain.id.clone()),
        preservation_id: matches!(job.on, RequestRef::Preservation(_)).then(|| chain.id.clone()),
        content_id: content_id.clone(),
        kind: job.document.kind.as_str().to_owned(),
        language: job.document.language.clone(),
        title: job.document.title.clone(),
        media_type: job.document.media_type.clone(),
        side: side.as_str().to_owned(),
        added_by: caller.user_id.clone(),
        added_at: now,
    };
    let content = ContentRow {
        id: content_id,
        evidence_id: None,
        object_name: job.stored.object.clone(),
        wrapped_key: Some(job.stored.wrapped_key.clone()),
        sha256: job.stored.sha256.clone(),
        size_bytes: job.stored.size as i64,
        stored_at: now,
        stored_by: caller.user_id.clone(),
        shredded_at: None,
        object_deleted_at: None,
    };
    let members = entry_members(&chain, &row, &content, &Actor::from(caller));
    let head = super::events::ChainHead {
        request_id: &chain.id,
        last_seq: chain.last_seq,
        last_hash: chain.last_hash.as_deref(),
    };
    let entry = super::events::append_entry(batch, head, DOCUMENT_ADDED, members, now)?;
    let (seq, log_index, entry_hash) = (entry.seq, entry.log_index, entry.entry_hash.clone());
    work.entries.push(entry);
    match holder {
        Holder::Request(mut next) => {
            let read_at = work
                .requests
                .get(&next.id)
                .map_or(next.version, |(_, v)| *v);
            if !work.requests.contains_key(&next.id) {
                next.version += 1;
            }
            next.last_seq = seq;
            next.last_hash = Some(entry_hash.clone());
            next.updated_at = now;
            work.requests.insert(next.id.clone(), (next, read_at));
        }
        Holder::Preservation(mut next) => {
            let read_at = work
                .preservations
                .get(&next.id)
                .map_or(next.version, |(_, v)| *v);
            if !work.preservations.contains_key(&next.id) {
                next.version += 1;
            }
            next.last_seq = seq;
            next.last_hash = Some(entry_hash.clone());
            next.updated_at = now;
            work.preservations.insert(next.id.clone(), (next, read_at));
        }
    }
    let href = match job.on {
        RequestRef::Mla(_) => format!("/api/v1/mla/requests/{}", chain.id),
        RequestRef::Preservation(_) => format!("/api/v1/preservations/{}", chain.id),
    };
    let family = match chain.subject_kind {
        "mla_request" => "mla",
        _ => "preservation",
    };
    let event = event
        .detail("document_id", row.id.clone())
        .detail("seq", seq)
        .detail("log_index", log_index)
        .detail("entry_hash", entry_hash)
        .announcing(Emit::new(
            format!("{family}.{DOCUMENT_ADDED}"),
            chain.subject_kind,
            &chain.id,
            href,
        ));
    batch.audit(event, Outcome::Success);
    let view = Document::of(row.clone(), &content);
    work.contents.push(content);
    work.documents.push(row);
    work.uploads.extend(job.from_upload);
    Ok(Reply::json(StatusCode::CREATED, &view))
}

/// The request a document is added to, as the batch leaves it.
enum Holder {
    Request(MlaRequestRow),
    Preservation(super::preservations::model::PreservationRow),
}

/// The members of a `document_added` entry: who added what, with its hash.
fn entry_members(
    chain: &Chain,
    row: &DocumentRow,
    content: &ContentRow,
    actor: &Actor,
) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("v".into(), json!(crate::ledger::FORMAT_VERSION));
    entry.insert("type".into(), json!(DOCUMENT_ADDED));
    entry.insert(
        "actor".into(),
        json!({"user_id": actor.user_id, "agency_id": actor.agency_id, "country": actor.country}),
    );
    entry.insert("reference".into(), json!(chain.reference));
    entry.insert("status_before".into(), json!(chain.status));
    entry.insert("status_after".into(), json!(chain.status));
    entry.insert(
        "document".into(),
        json!({
            "id": row.id,
            "kind": row.kind,
            "title": row.title,
            "language": row.language,
            "media_type": row.media_type,
            "side": row.side,
            "sha256": content.sha256,
            "size_bytes": content.size_bytes,
        }),
    );
    entry
}

fn insert_documents(conn: &mut crate::db::DbConn, rows: &[DocumentRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(request_documents::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The documents of a request, in the order they were added, with their content.
pub fn documents_of(
    conn: &mut crate::db::DbConn,
    on: &RequestRef,
) -> QueryResult<Vec<(DocumentRow, ContentRow)>> {
    use crate::db::schema::contents;
    let query = request_documents::table
        .inner_join(contents::table)
        .select((DocumentRow::as_select(), ContentRow::as_select()))
        .order(request_documents::id)
        .into_boxed();
    match on {
        RequestRef::Mla(id) => query
            .filter(request_documents::mla_request_id.eq(id.clone()))
            .load(conn),
        RequestRef::Preservation(id) => query
            .filter(request_documents::preservation_id.eq(id.clone()))
            .load(conn),
    }
}

/// The documents of the request `on`, for a caller who sees it (404 otherwise).
pub fn visible_documents(
    conn: &mut crate::db::DbConn,
    caller: &Principal,
    on: &RequestRef,
    event: &mut Event,
) -> ApiResult<Vec<(DocumentRow, ContentRow)>> {
    let id = match on {
        RequestRef::Mla(id) => super::access::visible(conn, caller, id, event)?.id,
        RequestRef::Preservation(id) => {
            super::preservations::access::visible(conn, caller, id, event)?.id
        }
    };
    let on = match on {
        RequestRef::Mla(_) => RequestRef::Mla(id),
        RequestRef::Preservation(_) => RequestRef::Preservation(id),
    };
    Ok(documents_of(conn, &on)?)
}

/// The kinds of document the caller may add to the MLA request `row` now (none when
/// it may add none), in the catalogue's order: what a page offers.
pub fn addable_kinds(caller: &Principal, row: &MlaRequestRow) -> Vec<DocumentKind> {
    DocumentKind::ALL
        .iter()
        .copied()
        .filter(|kind| may_add_to_request(caller, row, kind.side()).is_ok())
        .collect()
}

/// Whether the caller may add some document to the request `on` now: checked before a
/// byte of an upload is read (the job checks the kind it names).
pub fn may_add_any(
    conn: &mut crate::db::DbConn,
    caller: &Principal,
    on: &RequestRef,
    event: &mut Event,
) -> ApiResult<String> {
    let either = |first: ApiResult<()>, second: ApiResult<()>| match (first, second) {
        (Ok(()), _) | (_, Ok(())) => Ok(()),
        (Err(ApiError::Conflict(why)), _) | (_, Err(ApiError::Conflict(why))) => {
            Err(ApiError::Conflict(why))
        }
        (Err(e), _) => Err(e),
    };
    match on {
        RequestRef::Mla(id) => {
            let row = super::access::visible(conn, caller, id, event)?;
            either(
                may_add_to_request(caller, &row, Side::Requesting),
                may_add_to_request(caller, &row, Side::Requested),
            )
        }
        RequestRef::Preservation(id) => {
            let row = super::preservations::access::visible(conn, caller, id, event)?;
            either(
                may_add_to_preservation(caller, &row, Side::Requesting),
                may_add_to_preservation(caller, &row, Side::Requested),
            )
        }
    }
    .map(|()| caller.user_id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_names_a_kind_a_title_and_perhaps_a_language() {
        let ok = NewDocument::of(
            Some("translation"),
            Some("fr"),
            Some(" Lettre de demande "),
            "application/pdf".into(),
        )
        .unwrap();
        assert_eq!(ok.kind, DocumentKind::Translation);
        assert_eq!(ok.title, "Lettre de demande");
        assert_eq!(ok.kind.side(), Side::Requesting);
        assert_eq!(DocumentKind::Response.side(), Side::Requested);
        for tag in ["en", "ht", "pt-BR", "zh-Hant"] {
            assert!(is_language_tag(tag), "{tag}");
        }
        for tag in ["EN", "english", "e", "pt_BR", "fr-", "<b>"] {
            assert!(!is_language_tag(tag), "{tag}");
        }
        let Err(ApiError::Validation(errors)) =
            NewDocument::of(Some("memo"), Some("French"), Some(""), String::new())
        else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "title", "language"]);
        assert_eq!(served_as("application/pdf"), "application/pdf");
        assert_eq!(
            served_as("text/html; charset=utf-8"),
            "application/octet-stream"
        );
        assert_eq!(served_as("text/plain; charset=utf-8"), "text/plain");
    }
}
