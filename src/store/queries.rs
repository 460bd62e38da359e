//! The SQL of resumable uploads: an upload's row, the parts it has received, and the
//! steps that move it on (a part added, the parts joined, the upload bound, ended or
//! expired), each one statement or one transaction.

use crate::db::DbConn;
use crate::db::schema::{upload_parts, uploads};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An upload as the database keeps it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads, treat_none_as_default_value = false)]
pub struct UploadRow {
    pub id: String,
    pub owner_id: String,
    pub length: i64,
    pub upload_offset: i64,
    /// The tus `Upload-Metadata` the client sent, as sent.
    pub metadata: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// The joined object, once every byte has come.
    pub object_name: Option<String>,
    pub wrapped_key: Option<Vec<u8>>,
    pub sha256: Option<String>,
}

/// A part of an upload: the bytes of one stretch, sealed as an object of its own.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = upload_parts)]
pub struct PartRow {
    pub upload_id: String,
    pub start_offset: i64,
    pub size_bytes: i64,
    pub object_name: String,
    pub wrapped_key: Vec<u8>,
}

/// The joined object of an upload.
pub struct Joined<'a> {
    pub object_name: &'a str,
    pub wrapped_key: &'a [u8],
    pub sha256: &'a str,
}

pub fn insert_upload(conn: &mut DbConn, row: &UploadRow) -> QueryResult<()> {
    diesel::insert_into(uploads::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn upload_of(conn: &mut DbConn, id: &str) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .find(id)
        .select(UploadRow::as_select())
        .first(conn)
        .optional()
}

pub fn parts_of(conn: &mut DbConn, id: &str) -> QueryResult<Vec<PartRow>> {
    upload_parts::table
        .filter(upload_parts::upload_id.eq(id))
        .order(upload_parts::start_offset)
        .select(PartRow::as_select())
        .load(conn)
}

/// Adds `parts` (one after the other, from where the upload stands) and moves the
/// upload's offset past them, in one transaction: false, and nothing written, when
/// the upload is gone or no longer stands where the first part starts (another
/// request moved it on).
pub fn add_parts(
    conn: &mut DbConn,
    parts: &[PartRow],
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return Ok(true);
    };
    let end = last.start_offset + last.size_bytes;
    crate::db::write_tx(conn, |conn| {
        let moved = diesel::update(
            uploads::table
                .filter(uploads::id.eq(&first.upload_id))
                .filter(uploads::upload_offset.eq(first.start_offset))
                .filter(uploads::object_name.is_null()),
        )
        .set((
            uploads::upload_offset.eq(end),
            uploads::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
        if moved != 1 {
            return Ok(false);
        }
        for part in parts {
            diesel::insert_into(upload_parts::table)
                .values(part)
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// Records the joined object of a finished upload, unless another request joined it
/// first (false): the parts' rows go in the same transaction.
pub fn set_joined(conn: &mut DbConn, id: &str, joined: Joined<'_>) -> QueryResult<bool> {
    crate::db::write_tx(conn, |conn| {
        let set = diesel::update(
            uploads::table
                .filter(uploads::id.eq(id))
                .filter(uploads::object_name.is_null())
                .filter(uploads::upload_offset.eq(uploads::length)),
        )
        .set((
            uploads::object_name.eq(joined.object_name),
            uploads::wrapped_key.eq(joined.wrapped_key),
            uploads::sha256.eq(joined.sha256),
        ))
        .execute(conn)?;
        if set != 1 {
            return Ok(false);
        }
        diesel::delete(upload_parts::table.filter(upload_parts::upload_id.eq(id))).execute(conn)?;
        Ok(true)
    })
}

/// Deletes an upload and its parts' rows (its owner's, or any expired before `expired_before`,
/// as the filter says): the objects that held its bytes, for the caller to delete from the
/// store; `None` when there was no such upload.
fn delete_upload(
    conn: &mut DbConn,
    id: &str,
    owner: Option<&str>,
    expired_before: Option<NaiveDateTime>,
) -> QueryResult<Option<Vec<String>>> {
    crate::db::write_tx(conn, |conn| {
        let mut query = uploads::table.filter(uploads::id.eq(id)).into_boxed();
        if let Some(owner) = owner {
            query = query.filter(uploads::owner_id.eq(owner.to_owned()));
        }
        if let Some(before) = expired_before {
            query = query.filter(uploads::expires_at.lt(before));
        }
        let Some(row) = query
            .select(UploadRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let mut objects: Vec<String> = upload_parts::table
            .filter(upload_parts::upload_id.eq(id))
            .select(upload_parts::object_name)
            .load(conn)?;
        objects.extend(row.object_name);
        diesel::delete(upload_parts::table.filter(upload_parts::upload_id.eq(id))).execute(conn)?;
        diesel::delete(uploads::table.find(id)).execute(conn)?;
        Ok(Some(objects))
    })
}

/// Its owner ends an upload (tus termination).
pub fn terminate(conn: &mut DbConn, id: &str, owner: &str) -> QueryResult<Option<Vec<String>>> {
    delete_upload(conn, id, Some(owner), None)
}

/// Uploads expired before `before`, at most `limit`.
pub fn expired(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    uploads::table
        .filter(uploads::expires_at.lt(before))
        .order(uploads::expires_at)
        .limit(limit)
        .select(uploads::id)
        .load(conn)
}

/// Deletes an upload still expired before `before` (a binding may have taken it since).
pub fn forget_expired(
    conn: &mut DbConn,
    id: &str,
    before: NaiveDateTime,
) -> QueryResult<Option<Vec<String>>> {
    delete_upload(conn, id, None, Some(before))
}

/// Whether `owner`'s upload `id`, joined as `object_name`, may be bound now.
pub fn bindable(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    object_name: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    uploads::table
        .filter(uploads::id.eq(id))
        .filter(uploads::owner_id.eq(owner))
        .filter(uploads::object_name.eq(object_name))
        .filter(uploads::expires_at.gt(now))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n == 1)
}

/// Deletes a bound upload's row in the binding's transaction (its joined object is
/// now the binding's; its parts' rows went when it was joined): false when it was not
/// there to delete.
pub fn bound(conn: &mut DbConn, id: &str, object_name: &str) -> QueryResult<bool> {
    diesel::delete(
        uploads::table
            .filter(uploads::id.eq(id))
            .filter(uploads::object_name.eq(object_name)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// Every object an upload holds (parts and joined objects), for the orphan sweep.
pub fn upload_objects(conn: &mut DbConn, names: &[String]) -> QueryResult<Vec<String>> {
    let mut known: Vec<String> = upload_parts::table
        .filter(upload_parts::object_name.eq_any(names))
        .select(upload_parts::object_name)
        .load(conn)?;
    known.extend(
        uploads::table
            .filter(uploads::object_name.eq_any(names))
            .select(uploads::object_name.assume_not_null())
            .load::<String>(conn)?,
    );
    Ok(known)
}
