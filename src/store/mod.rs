//! The content store: the bytes of evidence and of request documents, below the
//! features as the ledger is. An object is written once under a random name (never
//! one that tells what it holds, and never over another), sealed with a data key of
//! its own ([`seal`]) while it streams in, its SHA-256 taken on the way; it is read
//! back by byte ranges, streamed out a few segments at a time. Memory stays bounded
//! by a part (8 MiB) whatever the size. The data key, wrapped by the store's
//! key-encryption key, is kept by the caller (in the database), so that forgetting it
//! shreds the object even before the object itself is deleted.

pub mod form;
pub mod queries;
pub mod seal;
pub mod uploads;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutPayload};
use seal::{DataKey, KeyEncryptionKey, SEGMENT, TAG};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::sync::Arc;

/// Sealed bytes sent to the backend at once (S3 wants parts of 5 MiB or more).
const PART: usize = 8 * 1024 * 1024;
/// Segments read from the backend at once when streaming out (about 4 MiB).
const READ_SEGMENTS: u64 = 64;

/// Why the store could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached now (an S3 server down): try again later.
    #[error("the content store cannot be reached: {0}")]
    Unavailable(String),
    /// The backend has no room left.
    #[error("the content store is full")]
    Full,
    /// A stored object does not open: it was altered, or cut short.
    #[error("stored content does not open: it was altered")]
    Altered,
    /// More bytes than the limit.
    #[error("the content exceeds {0} bytes")]
    TooLarge(u64),
    #[error(transparent)]
    Other(anyhow::Error),
}

/// What a client is told when the store fails: the error room knows nothing of the
/// store, the store says what its failures mean to a client.
impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> crate::error::ApiError {
        use crate::error::ApiError;
        match e {
            StoreError::Full => ApiError::InsufficientStorage,
            StoreError::Unavailable(why) => {
                tracing::error!(error = %why, "content store");
                ApiError::StoreUnavailable
            }
            StoreError::Altered => ApiError::ContentAltered,
            StoreError::TooLarge(limit) => ApiError::PayloadTooLarge {
                limit: usize::try_from(limit).ok(),
            },
            StoreError::Other(cause) => ApiError::Internal(cause.context("content store")),
        }
    }
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> StoreError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(http) = s.downcast_ref::<reqwest::Error>()
                && (http.is_connect() || http.is_timeout())
            {
                return StoreError::Unavailable(e.to_string());
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                        return StoreError::Full;
                    }
                    std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::TimedOut => {
                        return StoreError::Unavailable(e.to_string());
                    }
                    _ => {}
                }
            }
            source = s.source();
        }
        StoreError::Other(anyhow::Error::new(e))
    }
}

/// Where content is kept: `file://PATH`, or `s3://BUCKET/PREFIX` for several instances
/// that share one bucket of an S3-compatible store (AWS S3, MinIO, Ceph RGW).
#[derive(Clone)]
pub struct ContentStore {
    backend: Arc<dyn ObjectStore>,
    key: KeyEncryptionKey,
    /// Shown in logs and `/readyz`: the scheme and place, never a credential.
    pub describes: String,
}

/// An object once written: its name, its wrapped data key, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub object: String,
    pub wrapped_key: Vec<u8>,
    /// Lower-case hex SHA-256 of the plaintext.
    pub sha256: String,
    pub size: u64,
}

/// What reading an object needs: its name, wrapped key and plaintext size.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub object: String,
    pub wrapped_key: Vec<u8>,
    pub size: u64,
}

impl ContentStore {
    /// The store `spec` names (`file://PATH` or `s3://BUCKET/PREFIX`), sealing with the
    /// key-encryption key `key`.
    pub fn open(spec: &str, key: [u8; 32]) -> anyhow::Result<ContentStore> {
        let backend: Arc<dyn ObjectStore> = match spec.split_once("://") {
            Some(("file", path)) if !path.is_empty() => {
                std::fs::create_dir_all(path)
                    .map_err(|e| anyhow::anyhow!("creating the content store {path}: {e}"))?;
                forget_stale_uploads(&std::path::Path::new(path).join("objects"));
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(path)?
                        .with_fsync(true)
                        .with_automatic_cleanup(true),
                )
            }
            Some(("s3", place)) if !place.is_empty() => {
                let (bucket, prefix) = place.split_once('/').unwrap_or((place, ""));
                // The usual AWS variables name the endpoint, region and credentials
                // (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...). A store that
                // cannot be reached is told within seconds, not after minutes of retries.
                let retry = object_store::RetryConfig {
                    max_retries: 2,
                    retry_timeout: std::time::Duration::from_secs(10),
                    ..Default::default()
                };
                use object_store::ClientConfigKey;
                use object_store::aws::AmazonS3ConfigKey::Client;
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_retry(retry)
                    .with_config(Client(ClientConfigKey::ConnectTimeout), "5 seconds")
                    .with_config(Client(ClientConfigKey::Timeout), "300 seconds")
                    .build()?;
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
                }
            }
            _ => anyhow::bail!(
                "CASELEDGER_STORE must be file://PATH or s3://BUCKET/PREFIX, not {spec:?}"
            ),
        };
        Ok(ContentStore {
            backend,
            key: KeyEncryptionKey::new(key),
            describes: spec.to_owned(),
        })
    }

    /// A new object to stream plaintext into, of at most `limit` bytes.
    pub async fn writer(&self, limit: u64) -> Result<Writer, StoreError> {
        let object = format!("objects/{}", uuid::Uuid::new_v4().simple());
        let location = ObjectPath::from(object.as_str());
        let upload = self.backend.put_multipart(&location).await?;
        let key = DataKey::generate();
        Ok(Writer {
            wrapped_key: self.key.wrap(&key, &object),
            object,
            upload,
            key,
            held: Vec::with_capacity(SEGMENT),
            part: Vec::with_capacity(PART + SEGMENT + TAG),
            index: 0,
            hasher: Sha256::new(),
            size: 0,
            limit,
        })
    }

    fn data_key(&self, sealed: &Sealed) -> Result<DataKey, StoreError> {
        self.key
            .unwrap(&sealed.wrapped_key, &sealed.object)
            .map_err(|_| StoreError::Altered)
    }

    /// The plaintext of segments `first..=last` of an object, opened (each checked).
    async fn segments(
        &self,
        sealed: &Sealed,
        key: &DataKey,
        first: u64,
        last: u64,
    ) -> Result<Vec<u8>, StoreError> {
        let final_index = seal::segments(sealed.size) - 1;
        let end = if last == final_index {
            seal::sealed_size(sealed.size)
        } else {
            seal::sealed_offset(last + 1)
        };
        let location = ObjectPath::from(sealed.object.as_str());
        let bytes = self
            .backend
            .get_range(&location, seal::sealed_offset(first)..end)
            .await?;
        let mut plain = Vec::with_capacity(bytes.len());
        for (i, chunk) in bytes.chunks(SEGMENT + TAG).enumerate() {
            let index = first + i as u64;
            let opened = key
                .open(index, index == final_index, chunk)
                .map_err(|_| StoreError::Altered)?;
            plain.extend_from_slice(&opened);
        }
        if plain.len() as u64 != (last - first) * SEGMENT as u64 + segment_len(sealed.size, last) {
            return Err(StoreError::Altered);
        }
        Ok(plain)
    }

    /// Bytes `range` of an object, as a stream of chunks read and opened a few
    /// segments at a time. The first chunk is read before this returns, so that an
    /// object that does not open, or a store that cannot be reached, is known before
    /// anything is sent; a later segment that does not open ends the stream with an
    /// error, and no byte of it is served.
    pub async fn read(
        &self,
        sealed: Sealed,
        range: Range<u64>,
    ) -> Result<impl futures_util::Stream<Item = Result<Bytes, StoreError>> + use<>, StoreError>
    {
        let key = self.data_key(&sealed)?;
        let (first, last) = seal::covering(range.start, range.end, sealed.size);
        let store = self.clone();
        let read_chunk = move |from: u64| {
            let (store, sealed, range) = (store.clone(), sealed.clone(), range.clone());
            let to = (from + READ_SEGMENTS - 1).min(last);
            async move {
                let key = store.data_key(&sealed)?;
                let plain = store.segments(&sealed, &key, from, to).await?;
                let base = from * SEGMENT as u64;
                let start = range.start.saturating_sub(base) as usize;
                let end = (range.end - base).min(plain.len() as u64) as usize;
                Ok::<_, StoreError>((Bytes::copy_from_slice(&plain[start..end]), to + 1))
            }
        };
        drop(key);
        let head = read_chunk(first).await?;
        let rest = futures_util::stream::unfold(Some(head.1), move |next| {
            let read_chunk = read_chunk.clone();
            async move {
                let from = next?;
                if from > last {
                    return None;
                }
                match read_chunk(from).await {
                    Ok((bytes, following)) => Some((Ok(bytes), Some(following))),
                    Err(e) => Some((Err(e), None)),
                }
            }
        });
        Ok(futures_util::StreamExt::chain(
            futures_util::stream::once(async move { Ok(head.0) }),
            rest,
        ))
    }

    /// The names of the objects last written before `before`, a page of at most `page`
    /// at a time handed to `each` (which answers how many of them it deleted): for
    /// finding objects that nothing records. Memory stays bounded by a page whatever
    /// the size of the store.
    pub async fn older_objects<F, Fut>(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        page: usize,
        mut each: F,
    ) -> Result<usize, StoreError>
    where
        F: FnMut(Vec<String>) -> Fut,
        Fut: std::future::Future<Output = Result<usize, StoreError>>,
    {
        let prefix = ObjectPath::from("objects");
        let mut listing = self.backend.list(Some(&prefix));
        let mut names = Vec::with_capacity(page);
        let mut handled = 0;
        while let Some(meta) = futures_util::StreamExt::next(&mut listing).await {
            let meta = meta?;
            if meta.last_modified < before {
                names.push(meta.location.to_string());
            }
            if names.len() == page {
                handled += each(std::mem::take(&mut names)).await?;
            }
        }
        if !names.is_empty() {
            handled += each(names).await?;
        }
        Ok(handled)
    }

    /// Deletes objects that hold nothing anyone records (an upload refused or given
    /// up, parts joined): a failure is only logged, since the orphan sweep deletes
    /// what is left behind.
    pub async fn discard(&self, objects: &[String]) {
        for object in objects {
            if let Err(e) = self.delete(object).await {
                tracing::warn!(error = %e, "an object that holds nothing recorded was not deleted; the orphan sweep will");
            }
        }
    }

    /// Deletes an object (once its key is forgotten, this frees the space).
    pub async fn delete(&self, object: &str) -> Result<(), StoreError> {
        match self.backend.delete(&ObjectPath::from(object)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// How long an upload's staging file may stand untouched before it is taken for the
/// leftover of an upload that was cut short (a killed process): no live upload pauses
/// that long between two parts.
const STALE_UPLOAD: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes, in a local store, the staging files (`NAME#n`) of uploads that were cut
/// short: they were never objects (no listing or read shows them), only space.
fn forget_stale_uploads(objects: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(objects) else {
        return;
    };
    for entry in entries.flatten() {
        let staging = entry.file_name().to_string_lossy().contains('#');
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > STALE_UPLOAD));
        if staging && stale {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(file = %entry.path().display(), "removed the leftover of an upload cut short")
                }
                Err(e) => tracing::warn!(error = %e, "a leftover upload was not removed"),
            }
        }
    }
}

/// The plaintext length of segment `index` of an object of `size` bytes.
fn segment_len(size: u64, index: u64) -> u64 {
    let last = seal::segments(size) - 1;
    if index < last {
        SEGMENT as u64
    } else {
        size - last * SEGMENT as u64
    }
}

/// An object being written: plaintext goes in, sealed parts go to the backend.
pub struct Writer {
    object: String,
    wrapped_key: Vec<u8>,
    upload: Box<dyn MultipartUpload>,
    key: DataKey,
    /// Plaintext not yet sealed: the segment being filled.
    held: Vec<u8>,
    /// Sealed segments not yet sent.
    part: Vec<u8>,
    index: u64,
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl Writer {
    /// The bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn write(&mut self, mut bytes: &[u8]) -> Result<(), StoreError> {
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            return Err(StoreError::TooLarge(self.limit));
        }
        self.hasher.update(bytes);
        while !bytes.is_empty() {
            // A full segment is sealed once more bytes follow it: only then is it
            // known not to be the last.
            if self.held.len() == SEGMENT {
                self.seal_held(false);
                if self.part.len() >= PART {
                    self.send().await?;
                }
            }
            let take = (SEGMENT - self.held.len()).min(bytes.len());
            self.held.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        Ok(())
    }

    fn seal_held(&mut self, last: bool) {
        let sealed = self.key.seal(self.index, last, &self.held);
        self.part.extend_from_slice(&sealed);
        self.held.clear();
        self.index += 1;
    }

    async fn send(&mut self) -> Result<(), StoreError> {
        let part = std::mem::replace(&mut self.part, Vec::with_capacity(PART + SEGMENT + TAG));
        self.upload.put_part(PutPayload::from(part)).await?;
        Ok(())
    }

    /// Seals the last segment and completes the object.
    pub async fn finish(mut self) -> Result<StoredObject, StoreError> {
        self.seal_held(true);
        let done = async {
            self.send().await?;
            self.upload.complete().await?;
            Ok::<(), StoreError>(())
        }
        .await;
        if let Err(e) = done {
            let _ = self.upload.abort().await;
            return Err(e);
        }
        Ok(StoredObject {
            object: self.object,
            wrapped_key: self.wrapped_key,
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }

    /// Gives the object up: nothing of it stays.
    pub async fn abort(mut self) {
        if let Err(e) = self.upload.abort().await {
            tracing::warn!(error = %e, "an abandoned upload was not cleaned up");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn store(dir: &std::path::Path) -> ContentStore {
        ContentStore::open(&format!("file://{}", dir.display()), [5; 32]).unwrap()
    }

    async fn written(store: &ContentStore, plain: &[u8], pieces: usize) -> StoredObject {
        let mut writer = store.writer(u64::MAX).await.unwrap();
        for chunk in plain.chunks(pieces.max(1)) {
            writer.write(chunk).await.unwrap();
        }
        writer.finish().await.unwrap()
    }

    async fn read(store: &ContentStore, stored: &StoredObject, range: Range<u64>) -> Vec<u8> {
        let sealed = Sealed {
            object: stored.object.clone(),
            wrapped_key: stored.wrapped_key.clone(),
            size: stored.size,
        };
        let mut out = Vec::new();
        let mut stream = Box::pin(store.read(sealed, range).await.unwrap());
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    }

    #[actix_web::test]
    async fn what_streams_in_reads_back_by_any_range_and_is_sealed_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        for size in [
            0,
            1,
            SEGMENT - 1,
            SEGMENT,
            SEGMENT + 1,
            3 * SEGMENT + 77,
            PART + 5,
        ] {
            let plain: Vec<u8> = (0..size).map(|i| (i * 7 % 253) as u8).collect();
            let stored = written(&store, &plain, 10_000).await;
            assert_eq!(stored.size, size as u64);
            assert_eq!(stored.sha256, hex::encode(Sha256::digest(&plain)));
            assert!(!stored.object.contains(&stored.sha256[..16]));
            let on_disk = std::fs::read(dir.path().join(&stored.object)).unwrap();
            assert_eq!(on_disk.len() as u64, seal::sealed_size(size as u64));
            if size >= 64 {
                assert!(!on_disk.windows(64).any(|w| w == &plain[..64]), "sealed");
            }
            assert_eq!(read(&store, &stored, 0..size as u64).await, plain, "{size}");
            if size > 10 {
                let (a, b) = (size as u64 / 3, size as u64 - 3);
                assert_eq!(
                    read(&store, &stored, a..b).await,
                    plain[a as usize..b as usize],
                    "{size}"
                );
            }
        }
    }

    #[actix_web::test]
    async fn an_altered_object_is_refused_and_serves_no_byte_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let plain = vec![9u8; 200 * SEGMENT];
        let stored = written(&store, &plain, 1 << 20).await;
        let path = dir.path().join(&stored.object);
        let mut bytes = std::fs::read(&path).unwrap();
        // A byte flipped in the first segment: refused before anything is sent.
        bytes[10] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let sealed = Sealed {
            object: stored.object.clone(),
            wrapped_key: stored.wrapped_key.clone(),
            size: stored.size,
        };
        assert!(matches!(
            store.read(sealed.clone(), 0..10).await,
            Err(StoreError::Altered)
        ));
        // One far on: the stream ends with the refusal, and the altered segment's
        // bytes are never given.
        bytes[10] ^= 1;
        let far = seal::sealed_offset(150) as usize + 3;
        bytes[far] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let mut stream = Box::pin(store.read(sealed.clone(), 0..stored.size).await.unwrap());
        let mut served = 0u64;
        let mut failed = false;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(b) => served += b.len() as u64,
                Err(StoreError::Altered) => failed = true,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(failed);
        assert!(served <= 150 * SEGMENT as u64, "{served}");
        // Cut short: refused.
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let last = seal::segments(stored.size) - 1;
        let tail = last * SEGMENT as u64..stored.size;
        assert!(store.read(sealed.clone(), tail).await.is_err());
        // Its key forgotten, nothing opens.
        let shredded = Sealed {
            wrapped_key: vec![0; seal::WRAPPED],
            ..sealed
        };
        assert!(matches!(
            store.read(shredded, 0..10).await,
            Err(StoreError::Altered)
        ));
    }

    #[actix_web::test]
    async fn a_writer_holds_to_its_limit_and_an_abandoned_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let mut writer = store.writer(10).await.unwrap();
        writer.write(b"0123456789").await.unwrap();
        assert!(matches!(
            writer.write(b"a").await,
            Err(StoreError::TooLarge(10))
        ));
        writer.abort().await;
        let objects = dir.path().join("objects");
        let left: Vec<_> = std::fs::read_dir(&objects)
            .map(|d| d.collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
        // Two stores of the same bytes: two objects, two keys, nothing in common.
        let a = written(&store, b"same bytes", 3).await;
        let b = written(&store, b"same bytes", 3).await;
        assert_ne!(a.object, b.object);
        let read_a = std::fs::read(dir.path().join(&a.object)).unwrap();
        let read_b = std::fs::read(dir.path().join(&b.object)).unwrap();
        assert_ne!(read_a, read_b);
        store.delete(&a.object).await.unwrap();
        store.delete(&a.object).await.unwrap();
        assert!(!dir.path().join(&a.object).exists());
    }
}
