//! The SQL of agencies.

use super::{Agency, AgencyKind};
use crate::db::DbConn;
use crate::db::schema::agencies;
use crate::error::{ApiError, ApiResult};
use diesel::prelude::*;

pub fn find(conn: &mut DbConn, id: &str) -> ApiResult<Option<Agency>> {
    Ok(agencies::table
        .find(id)
        .select(Agency::as_select())
        .get_result(conn)
        .optional()?)
}

/// Creates an agency; used by the API, the command line and the first start.
pub fn insert(conn: &mut DbConn, country: &str, name: &str, kind: AgencyKind) -> ApiResult<Agency> {
    let agency = Agency {
        id: uuid::Uuid::now_v7().to_string(),
        country_code: country.to_owned(),
        name: name.to_owned(),
        kind: kind.as_str().to_owned(),
        created_at: crate::db::now().into(),
    };
    diesel::insert_into(agencies::table)
        .values((
            agencies::id.eq(&agency.id),
            agencies::country_code.eq(&agency.country_code),
            agencies::name.eq(&agency.name),
            agencies::kind.eq(&agency.kind),
            agencies::created_at.eq(agency.created_at.naive()),
        ))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                ApiError::Conflict(format!("{country} already has an agency named {name}"))
            } else {
                e.into()
            }
        })?;
    Ok(agency)
}

/// A page of agencies in id order, of `country` when given (and only agency `only`,
/// when given), after `after`, up to `limit + 1`.
pub fn list(
    conn: &mut DbConn,
    country: Option<String>,
    only: Option<String>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<Agency>> {
    let mut query = agencies::table
        .select(Agency::as_select())
        .order(agencies::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(agencies::country_code.eq(country));
    }
    if let Some(only) = only {
        query = query.filter(agencies::id.eq(only));
    }
    if let Some(after) = after {
        query = query.filter(agencies::id.gt(after));
    }
    query.load(conn)
}

/// Agencies' names by id, in one query.
pub fn names(
    conn: &mut DbConn,
    ids: &[String],
) -> ApiResult<std::collections::HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(String, String)> = agencies::table
        .filter(agencies::id.eq_any(ids))
        .select((agencies::id, agencies::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
