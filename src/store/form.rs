//! A `multipart/form-data` body with one file: the file sealed into the store as it
//! arrives, the small text fields beside it collected.

use super::{ContentStore, Writer};
use crate::error::{ApiError, ApiResult};
use actix_multipart::Multipart;
use futures_util::StreamExt;
use std::collections::HashMap;

/// The fields and the file of a form.
pub struct FormUpload {
    /// The text fields by name (each one of those the reader named).
    pub fields: HashMap<String, String>,
    /// The media type the `file` field was sent with.
    pub media_type: Option<String>,
    /// The `file` field, in the store: finish it to keep it, abort it otherwise.
    pub writer: Option<Writer>,
}

impl FormUpload {
    /// A text field, `None` when absent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// Drops the file, if any, from the store.
    pub async fn abort(self) {
        if let Some(writer) = self.writer {
            writer.abort().await;
        }
    }
}

/// Reads `form`: its `file` (one, at most `limit` bytes) into `store`, its other
/// fields (each one of `known`, at most `field_limit` bytes of UTF-8) as text. On a
/// refusal, nothing is kept.
pub async fn read(
    store: &ContentStore,
    limit: u64,
    form: &mut Multipart,
    known: &[&str],
    field_limit: usize,
) -> ApiResult<FormUpload> {
    let mut upload = FormUpload {
        fields: HashMap::new(),
        media_type: None,
        writer: None,
    };
    match read_into(&mut upload, store, limit, form, known, field_limit).await {
        Ok(()) => Ok(upload),
        Err(e) => {
            upload.abort().await;
            Err(e)
        }
    }
}

async fn read_into(
    upload: &mut FormUpload,
    store: &ContentStore,
    limit: u64,
    form: &mut Multipart,
    known: &[&str],
    field_limit: usize,
) -> ApiResult<()> {
    let broke = |e: actix_multipart::MultipartError| {
        ApiError::Malformed(format!("the multipart body cannot be read: {e}"))
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(broke)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if upload.writer.is_some() {
                return Err(ApiError::validation("file", "only one file is taken"));
            }
            upload.media_type = field.content_type().map(|m| m.essence_str().to_owned());
            let mut writer = store.writer(limit).await?;
            let streamed = async {
                while let Some(chunk) = field.next().await {
                    writer.write(&chunk.map_err(broke)?).await?;
                }
                Ok::<(), ApiError>(())
            }
            .await;
            if let Err(e) = streamed {
                writer.abort().await;
                return Err(e);
            }
            upload.writer = Some(writer);
            continue;
        }
        if !known.contains(&name.as_str()) {
            return Err(ApiError::validation(&name, "is not a known field"));
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.next().await {
            text.extend_from_slice(&chunk.map_err(broke)?);
            if text.len() > field_limit {
                return Err(ApiError::validation(
                    &name,
                    format!("must be at most {field_limit} bytes"),
                ));
            }
        }
        let text = String::from_utf8(text)
            .map_err(|_| ApiError::validation(&name, "must be UTF-8 text"))?;
        upload.fields.insert(name, text);
    }
    Ok(())
}
