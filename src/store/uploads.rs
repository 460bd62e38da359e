//! Resumable uploads: a person's bytes arriving over several requests (tus 1.0),
//! perhaps across a restart, before they are bound to an item's content or a
//! request's document. Every stretch received is sealed at once as a part, an object
//! of its own with its own data key, and recorded with the offset it moves the upload
//! to, so what was recorded survives a crash; what was not is never counted. When the
//! last byte has come, the parts are joined into one object (its SHA-256 taken on the
//! way), which the binding takes over in the same transaction that records it. An
//! upload is its owner's alone: to anyone else it does not exist.

use super::queries::{self, Joined, PartRow, UploadRow};
use super::{ContentStore, Sealed, StoredObject, Writer};
use crate::db::{DbConn, Pool};
use crate::error::{ApiError, ApiResult};
use bytes::Bytes;
use chrono::NaiveDateTime;
use futures_util::{Stream, StreamExt};
use sha2::Digest;

/// Bytes of one PATCH sealed and recorded at a time: what a cut connection loses at
/// most.
const PART: u64 = 16 * 1024 * 1024;
/// How long an expired upload is kept before the sweep deletes it, so that a binding
/// that began before it expired finishes first.
const GRACE: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Uploads deleted per sweep at most; the next sweep takes the rest.
const PER_SWEEP: i64 = 200;

/// Resumable uploads, kept in the database and the content store.
#[derive(Clone)]
pub struct Uploads {
    store: ContentStore,
    pool: Pool,
    /// How long an upload left untouched lives.
    lifetime: chrono::TimeDelta,
    /// The largest upload taken.
    pub max_length: u64,
}

/// An upload as its owner sees it.
#[derive(Debug, Clone)]
pub struct UploadStatus {
    pub id: String,
    pub length: u64,
    pub offset: u64,
    pub metadata: Option<String>,
    pub expires_at: NaiveDateTime,
}

impl From<&UploadRow> for UploadStatus {
    fn from(row: &UploadRow) -> UploadStatus {
        UploadStatus {
            id: row.id.clone(),
            length: row.length as u64,
            offset: row.upload_offset as u64,
            metadata: row.metadata.clone(),
            expires_at: row.expires_at,
        }
    }
}

/// A checksum algorithm of the tus checksum extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    /// The algorithms taken, as `Tus-Checksum-Algorithm` lists them.
    pub const LISTED: &str = "sha1,sha256";

    pub fn named(name: &str) -> Option<ChecksumAlgorithm> {
        match name {
            "sha1" => Some(ChecksumAlgorithm::Sha1),
            "sha256" => Some(ChecksumAlgorithm::Sha256),
            _ => None,
        }
    }
}

/// The checksum a PATCH says its body has.
#[derive(Debug, Clone)]
pub struct Checksum {
    pub algorithm: ChecksumAlgorithm,
    pub digest: Vec<u8>,
}

enum Running {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Running {
    fn of(algorithm: ChecksumAlgorithm) -> Running {
        match algorithm {
            ChecksumAlgorithm::Sha1 => Running::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha256 => Running::Sha256(sha2::Sha256::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Running::Sha1(h) => h.update(bytes),
            Running::Sha256(h) => h.update(bytes),
        }
    }

    fn finish_ref(&self) -> Vec<u8> {
        match self {
            Running::Sha1(h) => h.clone().finalize().to_vec(),
            Running::Sha256(h) => h.clone().finalize().to_vec(),
        }
    }
}

/// What a PATCH brings: where its owner believes the upload stands, its checksum if
/// any, and its bytes.
pub struct Patch<S> {
    pub offset: u64,
    pub checksum: Option<Checksum>,
    pub body: S,
}

/// A finished upload, joined: what a binding takes over, and what its owner said of it.
#[derive(Debug, Clone)]
pub struct Finished {
    pub claim: UploadClaim,
    pub stored: StoredObject,
    pub metadata: Option<String>,
}

/// A binding's hold on an upload: checked and consumed in the transaction that
/// records the binding, so that an upload is bound once.
#[derive(Debug, Clone)]
pub struct UploadClaim {
    pub upload_id: String,
    pub owner_id: String,
    pub object_name: String,
}

impl UploadClaim {
    /// Whether the upload may still be bound (its owner's, joined, not expired).
    pub fn bindable(&self, conn: &mut DbConn) -> ApiResult<bool> {
        Ok(queries::bindable(
            conn,
            &self.upload_id,
            &self.owner_id,
            &self.object_name,
            crate::db::now(),
        )?)
    }

    /// Consumes the upload: its object is the binding's from this transaction on.
    pub fn consume(&self, conn: &mut DbConn) -> ApiResult<()> {
        if queries::bound(conn, &self.upload_id, &self.object_name)? {
            Ok(())
        } else {
            Err(ApiError::Conflict(
                "the upload was bound, ended or expired meanwhile".into(),
            ))
        }
    }
}

/// The part being written, and where it starts.
struct OpenPart {
    writer: Writer,
    start: u64,
}

impl Uploads {
    pub fn new(
        store: ContentStore,
        pool: Pool,
        lifetime: std::time::Duration,
        max_length: u64,
    ) -> Uploads {
        Uploads {
            store,
            pool,
            lifetime: chrono::TimeDelta::from_std(lifetime).unwrap_or(chrono::TimeDelta::days(1)),
            max_length,
        }
    }

    async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// `owner`'s upload `id`: not found for anyone else, gone once expired.
    async fn owned(&self, owner: &str, id: &str) -> ApiResult<UploadRow> {
        let id = id.to_owned();
        let row = self
            .db(move |conn| Ok(queries::upload_of(conn, &id)?))
            .await?
            .filter(|row| row.owner_id == owner)
            .ok_or(ApiError::NotFound)?;
        if row.expires_at <= crate::db::now() {
            return Err(ApiError::Gone(
                "the upload expired: its bytes are deleted; begin again".into(),
            ));
        }
        Ok(row)
    }

    fn expiry(&self) -> NaiveDateTime {
        crate::db::now() + self.lifetime
    }

    /// A new upload of `length` bytes for `owner`.
    pub async fn create(
        &self,
        owner: String,
        length: u64,
        metadata: Option<String>,
    ) -> ApiResult<UploadStatus> {
        if length > self.max_length {
            return Err(ApiError::PayloadTooLarge {
                limit: usize::try_from(self.max_length).ok(),
            });
        }
        let now = crate::db::now();
        let row = UploadRow {
            id: uuid::Uuid::new_v4().to_string(),
            owner_id: owner,
            length: length as i64,
            upload_offset: 0,
            metadata,
            created_at: now,
            expires_at: self.expiry(),
            object_name: None,
            wrapped_key: None,
            sha256: None,
        };
        let status = UploadStatus::from(&row);
        self.db(move |conn| Ok(queries::insert_upload(conn, &row)?))
            .await?;
        if length == 0 {
            self.join_logged(&status.id).await;
        }
        Ok(status)
    }

    /// Where `owner`'s upload `id` stands.
    pub async fn status(&self, owner: &str, id: &str) -> ApiResult<UploadStatus> {
        Ok(UploadStatus::from(&self.owned(owner, id).await?))
    }

    /// Ends `owner`'s upload `id`, deleting what it received.
    pub async fn terminate(&self, owner: String, id: String) -> ApiResult<()> {
        let objects = self
            .db(move |conn| Ok(queries::terminate(conn, &id, &owner)?))
            .await?
            .ok_or(ApiError::NotFound)?;
        self.store.discard(&objects).await;
        Ok(())
    }

    /// Seals and records a PATCH's bytes from where the upload stands. Without a
    /// checksum each part is recorded as soon as it is sealed, and a body cut short
    /// keeps what came whole; with one, the parts are recorded together once the
    /// checksum matches (else none is, `460`).
    pub async fn append<S, E>(
        &self,
        owner: &str,
        id: &str,
        patch: Patch<S>,
    ) -> ApiResult<UploadStatus>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let row = self.owned(owner, id).await?;
        if patch.offset != row.upload_offset as u64 {
            return Err(ApiError::Conflict(format!(
                "Upload-Offset is {}, but the upload stands at {}: ask with HEAD where it stands",
                patch.offset, row.upload_offset
            )));
        }
        let length = row.length as u64;
        let mut at = patch.offset;
        let mut running = patch.checksum.as_ref().map(|c| Running::of(c.algorithm));
        let mut held: Vec<PartRow> = Vec::new();
        let mut open: Option<OpenPart> = None;
        let mut body = patch.body;
        let outcome: ApiResult<()> = async {
            while let Some(chunk) = body.next().await {
                let chunk =
                    chunk.map_err(|e| ApiError::Malformed(format!("the body broke off: {e}")))?;
                if at + chunk.len() as u64 > length {
                    return Err(ApiError::PayloadTooLarge {
                        limit: usize::try_from(length - patch.offset).ok(),
                    });
                }
                if let Some(running) = running.as_mut() {
                    running.update(&chunk);
                }
                let mut rest: &[u8] = &chunk;
                while !rest.is_empty() {
                    let part = match open.as_mut() {
                        Some(part) => part,
                        None => open.insert(OpenPart {
                            writer: self.store.writer(PART).await?,
                            start: at,
                        }),
                    };
                    let take = (PART - part.writer.size()).min(rest.len() as u64) as usize;
                    part.writer.write(&rest[..take]).await?;
                    at += take as u64;
                    rest = &rest[take..];
                    if part.writer.size() == PART {
                        let full = open.take().expect("a part is open");
                        let sealed = self.seal(id, full).await?;
                        if running.is_some() {
                            held.push(sealed);
                        } else {
                            self.record(vec![sealed]).await?;
                        }
                    }
                }
            }
            Ok(())
        }
        .await;
        // What came whole of a body cut short is kept (without a checksum: with one,
        // nothing of it can be trusted).
        let cut_short = matches!(outcome, Err(ApiError::Malformed(_)));
        let keep = outcome.is_ok() || (cut_short && running.is_none());
        let last = match open.take() {
            Some(part) if keep && part.writer.size() > 0 => Some(self.seal(id, part).await),
            Some(part) => {
                part.writer.abort().await;
                None
            }
            None => None,
        };
        if let Some(Ok(part)) = &last {
            held.push(part.clone());
        }
        let verdict = match (&outcome, last) {
            (Err(_), _) => outcome,
            (Ok(()), Some(Err(e))) => Err(e),
            (Ok(()), _) => match (running, &patch.checksum) {
                (Some(running), Some(checksum)) if running.finish_ref() != checksum.digest => {
                    Err(ApiError::ChecksumMismatch)
                }
                _ => Ok(()),
            },
        };
        if verdict.is_ok() || (cut_short && patch.checksum.is_none()) {
            self.record(std::mem::take(&mut held)).await?;
        }
        let forsaken: Vec<String> = held.into_iter().map(|p| p.object_name).collect();
        self.store.discard(&forsaken).await;
        verdict?;
        let row = self.owned(owner, id).await?;
        if row.upload_offset == row.length {
            self.join_logged(id).await;
        }
        Ok(UploadStatus::from(&row))
    }

    /// Seals an open part: its row, not yet recorded.
    async fn seal(&self, id: &str, part: OpenPart) -> ApiResult<PartRow> {
        let stored = part.writer.finish().await?;
        Ok(PartRow {
            upload_id: id.to_owned(),
            start_offset: part.start as i64,
            size_bytes: stored.size as i64,
            object_name: stored.object,
            wrapped_key: stored.wrapped_key,
        })
    }

    /// Records parts: the upload moves past them, or (moved on by another request
    /// meanwhile, or ended) they are deleted and the PATCH refused.
    async fn record(&self, parts: Vec<PartRow>) -> ApiResult<()> {
        if parts.is_empty() {
            return Ok(());
        }
        let expires = self.expiry();
        let names: Vec<String> = parts.iter().map(|p| p.object_name.clone()).collect();
        let added = self
            .db(move |conn| Ok(queries::add_parts(conn, &parts, expires)?))
            .await;
        match added {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.store.discard(&names).await;
                Err(ApiError::Conflict(
                    "the upload moved on, or ended, while these bytes came: ask with HEAD where it stands".into(),
                ))
            }
            Err(e) => {
                self.store.discard(&names).await;
                Err(e)
            }
        }
    }

    /// Joins a finished upload now, so that binding it is quick; a failure is only
    /// logged: the binding joins it then.
    async fn join_logged(&self, id: &str) {
        if let Err(e) = self.join(id).await {
            tracing::warn!(error = %e, "a finished upload was not joined yet; its binding will");
        }
    }

    /// The joined object of finished upload `id`, made now if it was not yet.
    async fn join(&self, id: &str) -> ApiResult<StoredObject> {
        let key = id.to_owned();
        let row = self
            .db(move |conn| Ok(queries::upload_of(conn, &key)?))
            .await?
            .ok_or(ApiError::NotFound)?;
        if let (Some(object), Some(wrapped_key), Some(sha256)) =
            (row.object_name, row.wrapped_key, row.sha256.clone())
        {
            return Ok(StoredObject {
                object,
                wrapped_key,
                sha256,
                size: row.length as u64,
            });
        }
        if row.upload_offset < row.length {
            return Err(ApiError::Conflict(format!(
                "the upload is not finished: {} of its {} bytes have come",
                row.upload_offset, row.length
            )));
        }
        let key = id.to_owned();
        let parts = self
            .db(move |conn| Ok(queries::parts_of(conn, &key)?))
            .await?;
        let length = row.length as u64;
        let mut writer = self.store.writer(length).await?;
        let copied: ApiResult<()> = async {
            let mut expected = 0u64;
            for part in &parts {
                if part.start_offset as u64 != expected {
                    return Err(ApiError::Internal(anyhow::anyhow!(
                        "upload {id}: its parts do not follow one another"
                    )));
                }
                let size = part.size_bytes as u64;
                expected += size;
                let sealed = Sealed {
                    object: part.object_name.clone(),
                    wrapped_key: part.wrapped_key.clone(),
                    size,
                };
                let mut bytes = Box::pin(self.store.read(sealed, 0..size).await?);
                while let Some(chunk) = bytes.next().await {
                    writer.write(&chunk?).await?;
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = copied {
            writer.abort().await;
            return Err(e);
        }
        let stored = writer.finish().await?;
        if stored.size != length {
            self.store
                .discard(std::slice::from_ref(&stored.object))
                .await;
            return Err(ApiError::Internal(anyhow::anyhow!(
                "upload {id}: its parts hold {} bytes, not {length}",
                stored.size
            )));
        }
        let (key, joined) = (id.to_owned(), stored.clone());
        let set = self
            .db(move |conn| {
                Ok(queries::set_joined(
                    conn,
                    &key,
                    Joined {
                        object_name: &joined.object,
                        wrapped_key: &joined.wrapped_key,
                        sha256: &joined.sha256,
                    },
                )?)
            })
            .await?;
        if !set {
            // Another request joined it first: its object is the upload's.
            self.store
                .discard(std::slice::from_ref(&stored.object))
                .await;
            return Box::pin(self.join(id)).await;
        }
        let parts: Vec<String> = parts.into_iter().map(|p| p.object_name).collect();
        self.store.discard(&parts).await;
        Ok(stored)
    }

    /// `owner`'s finished upload `id`, joined, for a binding to take over. In a
    /// binding the upload is a field of the request, not its URL: one that is not the
    /// owner's, has expired, or was bound by another request meanwhile is that field
    /// in error (`422`, never `404`).
    pub async fn finished(&self, owner: &str, id: &str) -> ApiResult<Finished> {
        let found = async {
            let row = self.owned(owner, id).await?;
            let stored = self.join(id).await?;
            Ok::<_, ApiError>(Finished {
                claim: UploadClaim {
                    upload_id: row.id,
                    owner_id: row.owner_id,
                    object_name: stored.object.clone(),
                },
                stored,
                metadata: row.metadata,
            })
        };
        found.await.map_err(|e| match e {
            ApiError::NotFound => ApiError::validation("upload_id", "names no upload of yours"),
            ApiError::Gone(_) => ApiError::validation("upload_id", "names an upload that expired"),
            other => other,
        })
    }

    /// Deletes uploads expired (more than an hour ago) with what they received: how
    /// many.
    pub async fn sweep(&self) -> ApiResult<usize> {
        let before = crate::db::now() - GRACE;
        let due = self
            .db(move |conn| Ok(queries::expired(conn, before, PER_SWEEP)?))
            .await?;
        let mut deleted = 0;
        for id in due {
            let objects = self
                .db(move |conn| Ok(queries::forget_expired(conn, &id, before)?))
                .await?;
            if let Some(objects) = objects {
                self.store.discard(&objects).await;
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

/// Base64 as tus clients write it: padded, and taken whatever the unused bits of its
/// last character (some encoders leave them set).
pub const LENIENT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// A tus `Upload-Metadata` value checked: comma-separated pairs of a key (visible
/// characters, no commas) and an optional base64 value. A key given twice is taken at
/// its first.
pub fn check_metadata(value: &str) -> Result<(), String> {
    use base64::Engine;
    for pair in value.split(',') {
        let mut words = pair.split(' ');
        let key = words.next().unwrap_or_default();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err("each pair must begin with a key of visible ASCII characters".into());
        }
        match (words.next(), words.next()) {
            (None, _) => {}
            (Some(value), None) => {
                LENIENT_BASE64
                    .decode(value)
                    .map_err(|_| format!("the value of {key:?} is not base64"))?;
            }
            _ => return Err("each pair is a key and at most one value".into()),
        }
    }
    Ok(())
}

/// The value a metadata key names, decoded, if it is UTF-8 text.
pub fn metadata_value(metadata: &str, key: &str) -> Option<String> {
    use base64::Engine;
    metadata.split(',').find_map(|pair| {
        let mut words = pair.trim().split(' ');
        (words.next() == Some(key)).then_some(())?;
        let value = LENIENT_BASE64.decode(words.next()?).ok()?;
        String::from_utf8(value).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_keys_with_base64_values() {
        assert!(
            check_metadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential").is_ok()
        );
        assert!(check_metadata("a x").is_err());
        assert!(check_metadata("a YQ==,a YQ==").is_ok());
        assert!(check_metadata("").is_err());
        assert!(check_metadata("a YQ== b").is_err());
        assert_eq!(
            metadata_value("filetype dGV4dC9wbGFpbg==,x", "filetype").as_deref(),
            Some("text/plain")
        );
        assert_eq!(metadata_value("x", "filetype"), None);
    }
}
