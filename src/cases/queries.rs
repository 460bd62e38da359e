//! The SQL of cases, their participants, offences and external references.

use super::model::{
    CaseFilter, CaseRow, ExternalRefRow, OWNER_ACCESS, Offence, ParticipantRow, Standing,
    SystemRef, Visible,
};
use crate::db::schema::{agencies, case_external_refs, case_offences, case_participants, cases};
use crate::db::{Backend, DbConn, MultiBackend};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use std::collections::{BTreeMap, HashMap};

/// An agency's standing in a case, if any.
pub fn standing(
    conn: &mut DbConn,
    case_id: &str,
    agency_id: &str,
) -> QueryResult<Option<Standing>> {
    let access: Option<String> = case_participants::table
        .find((case_id, agency_id))
        .select(case_participants::access)
        .get_result(conn)
        .optional()?;
    Ok(access.as_deref().and_then(Standing::from_stored))
}

/// A case and an agency's standing in it, if it has one.
pub struct CaseFound {
    pub case: CaseRow,
    pub standing: Option<Standing>,
}

/// A case with `agency`'s standing in it, in one query.
pub fn case_for(conn: &mut DbConn, case_id: &str, agency: &str) -> QueryResult<Option<CaseFound>> {
    let found: Option<(CaseRow, Option<String>)> = cases::table
        .left_join(
            case_participants::table.on(case_participants::case_id
                .eq(cases::id)
                .and(case_participants::agency_id.eq(agency.to_owned()))),
        )
        .filter(cases::id.eq(case_id.to_owned()))
        .select((CaseRow::as_select(), case_participants::access.nullable()))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(case, access)| CaseFound {
        case,
        standing: access.as_deref().and_then(Standing::from_stored),
    }))
}

/// The list query: cases the agency owns or participates in, filtered, newest first,
/// up to `limit + 1`. It walks the agency's rows of `case_participants` (owner rows
/// included) in case order and joins each case, so a page costs about its own size
/// however many cases the agency sees.
pub type CaseListQuery = diesel::helper_types::IntoBoxed<
    'static,
    diesel::helper_types::Select<
        diesel::helper_types::InnerJoin<case_participants::table, cases::table>,
        (
            diesel::helper_types::AsSelect<CaseRow, MultiBackend>,
            case_participants::access,
        ),
    >,
    MultiBackend,
>;

pub fn case_list_query(
    backend: Backend,
    agency: &str,
    filter: &CaseFilter,
    external: Option<SystemRef>,
    after: Option<String>,
    limit: i64,
) -> CaseListQuery {
    let mut query = case_participants::table
        .inner_join(cases::table)
        .select((CaseRow::as_select(), case_participants::access))
        .into_boxed()
        .filter(case_participants::agency_id.eq(agency.to_owned()))
        .order(case_participants::case_id.desc())
        .limit(limit + 1);
    if let Some(v) = filter.status {
        query = query.filter(cases::status.eq(v.as_str()));
    }
    if let Some(v) = &filter.owner_country {
        query = query.filter(cases::owner_country.eq(v.clone()));
    }
    if let Some(v) = filter.priority {
        query = query.filter(cases::priority.eq(v.as_str()));
    }
    if let Some(v) = filter.offence {
        query = query.filter(
            cases::id.eq_any(
                case_offences::table
                    .filter(case_offences::offence.eq(v.as_str()))
                    .select(case_offences::case_id),
            ),
        );
    }
    if let Some(v) = &filter.participant_agency {
        // `case_participants` already drives the query: the subquery needs its own name.
        let shared_with = diesel::alias!(case_participants as shared_with);
        query = query.filter(
            cases::id.eq_any(
                shared_with
                    .filter(
                        shared_with
                            .field(case_participants::agency_id)
                            .eq(v.clone()),
                    )
                    .filter(
                        shared_with
                            .field(case_participants::access)
                            .ne(OWNER_ACCESS),
                    )
                    .select(shared_with.field(case_participants::case_id)),
            ),
        );
    }
    if let Some(v) = filter.created_from {
        query = query.filter(cases::created_at.ge(v.naive_utc()));
    }
    if let Some(v) = filter.created_to {
        query = query.filter(cases::created_at.lt(v.naive_utc()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(case_text_filter(backend, q));
    }
    if let Some(r) = external {
        query = query.filter(
            cases::id.eq_any(
                case_external_refs::table
                    .filter(case_external_refs::system.eq(r.system))
                    .filter(case_external_refs::external_id.eq(r.external_id))
                    .select(case_external_refs::case_id),
            ),
        );
    }
    if let Some(after) = after {
        query = query.filter(case_participants::case_id.lt(after));
    }
    query
}

/// The visible cases matching a filter, with the agency's standing in each.
pub fn list(
    conn: &mut DbConn,
    agency: &str,
    filter: &CaseFilter,
    external: Option<SystemRef>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<Visible>> {
    let rows: Vec<(CaseRow, String)> =
        case_list_query(conn.backend(), agency, filter, external, after, limit).load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(case, access)| {
            let standing = Standing::from_stored(&access)?;
            Some(Visible { case, standing })
        })
        .collect())
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A condition on the case list's rows (`case_participants` joined with `cases`).
pub type CaseFilterExpr = Box<
    dyn BoxableExpression<
            diesel::helper_types::InnerJoinQuerySource<case_participants::table, cases::table>,
            MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
>;

/// Cases whose reference or title contains `text`, case-insensitively, through each
/// backend's substring index: pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite.
pub fn case_text_filter(backend: Backend, text: &str) -> CaseFilterExpr {
    let lowered = text.to_lowercase();
    let plain = !lowered.contains(['%', '_', '\\']);
    if backend == Backend::Sqlite && plain && lowered.chars().count() >= 3 {
        let pattern = format!("%{lowered}%");
        return Box::new(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "cases.rowid IN (SELECT rowid FROM cases_search WHERE title LIKE ",
            )
            .bind::<diesel::sql_types::Text, _>(pattern.clone())
            .sql(" OR reference LIKE ")
            .bind::<diesel::sql_types::Text, _>(pattern)
            .sql(")"),
        );
    }
    let escaped = lowered
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    Box::new(
        lower(cases::reference)
            .like(pattern.clone())
            .escape('\\')
            .or(lower(cases::title).like(pattern).escape('\\')),
    )
}

/// A country's year, the scope of a gapless case number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseYear {
    pub country: String,
    pub year: i32,
}

impl CaseYear {
    pub fn of(principal: &crate::auth::Principal, year: i32) -> CaseYear {
        CaseYear {
            country: principal.country.clone(),
            year,
        }
    }
}

/// Reserves the next `count` case numbers of each country's year in one statement
/// (in key order, the same on every instance, so two never wait on each other) and
/// returns the first number reserved for each. Gapless: the counters are written in
/// the transaction that creates the cases, and only for cases that will be created.
pub fn reserve_case_numbers(
    conn: &mut DbConn,
    wanted: &BTreeMap<CaseYear, i32>,
) -> QueryResult<HashMap<CaseYear, i32>> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = Text)]
        country: String,
        #[diesel(sql_type = Integer)]
        year: i32,
        #[diesel(sql_type = Integer)]
        last_value: i32,
    }
    let entries: Vec<(&CaseYear, &i32)> = wanted.iter().collect();
    let mut first = HashMap::new();
    for chunk in entries.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO case_reference_counters (country, year, last_value) VALUES {} \
             ON CONFLICT (country, year) DO UPDATE \
             SET last_value = case_reference_counters.last_value + excluded.last_value \
             RETURNING country, year, last_value",
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
        for (key, count) in chunk {
            query = query
                .bind::<Text, _>(key.country.clone())
                .bind::<Integer, _>(key.year)
                .bind::<Integer, _>(**count);
        }
        for row in query.load::<Last>(conn)? {
            let key = CaseYear {
                country: row.country,
                year: row.year,
            };
            let count = wanted.get(&key).copied().unwrap_or(0);
            first.insert(key, row.last_value - count + 1);
        }
    }
    Ok(first)
}

/// A case as stored, with its offences (one row each, for the offence filter).
#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
pub struct NewCaseRow<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    pub owner_agency_id: &'a str,
    pub owner_country: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub offences: &'a str,
    pub priority: &'a str,
    pub status: &'a str,
    pub lead_investigator_id: Option<&'a str>,
    pub created_by: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl<'a> From<&'a CaseRow> for NewCaseRow<'a> {
    fn from(row: &'a CaseRow) -> NewCaseRow<'a> {
        NewCaseRow {
            id: &row.id,
            reference: &row.reference,
            owner_agency_id: &row.owner_agency_id,
            owner_country: &row.owner_country,
            title: &row.title,
            summary: &row.summary,
            offences: &row.offences,
            priority: &row.priority,
            status: &row.status,
            lead_investigator_id: row.lead_investigator_id.as_deref(),
            created_by: &row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// An agency's place in a case: the owner's own row, or a participant's.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = case_participants, treat_none_as_default_value = false)]
pub struct ParticipantForm<'a> {
    pub case_id: &'a str,
    pub agency_id: &'a str,
    pub access: &'a str,
    pub granted_by: &'a str,
    pub granted_at: NaiveDateTime,
}

/// New cases with their offences and their owners' participant rows.
pub fn insert_cases(conn: &mut DbConn, rows: &[CaseRow]) -> QueryResult<()> {
    for chunk in rows.chunks(50) {
        let forms: Vec<NewCaseRow> = chunk.iter().map(NewCaseRow::from).collect();
        crate::insert_rows!(conn, cases::table, forms)?;
        let offences: Vec<_> = chunk
            .iter()
            .flat_map(|row| {
                super::model::decode_offences(&row.offences)
                    .into_iter()
                    .map(move |o| {
                        (
                            case_offences::case_id.eq(row.id.as_str()),
                            case_offences::offence.eq(o.as_str()),
                        )
                    })
            })
            .collect();
        crate::insert_rows!(conn, case_offences::table, offences)?;
        let owners: Vec<ParticipantForm> = chunk
            .iter()
            .map(|row| ParticipantForm {
                case_id: &row.id,
                agency_id: &row.owner_agency_id,
                access: OWNER_ACCESS,
                granted_by: &row.created_by,
                granted_at: row.created_at,
            })
            .collect();
        crate::insert_rows!(conn, case_participants::table, owners)?;
    }
    Ok(())
}

/// Replaces a case's offences.
pub fn write_offences(conn: &mut DbConn, case_id: &str, offences: &[Offence]) -> QueryResult<()> {
    diesel::delete(case_offences::table.filter(case_offences::case_id.eq(case_id)))
        .execute(conn)?;
    let mut unique = offences.to_vec();
    unique.sort();
    unique.dedup();
    let rows: Vec<_> = unique
        .iter()
        .map(|o| {
            (
                case_offences::case_id.eq(case_id),
                case_offences::offence.eq(o.as_str()),
            )
        })
        .collect();
    crate::insert_rows!(conn, case_offences::table, rows)?;
    Ok(())
}

/// Writes a case's changed fields, if it is still at `version`; returns whether it was.
pub fn update_case(conn: &mut DbConn, next: &CaseRow, version: i32) -> QueryResult<bool> {
    let updated = diesel::update(cases::table.find(&next.id))
        .filter(cases::version.eq(version))
        .set((
            cases::title.eq(&next.title),
            cases::summary.eq(&next.summary),
            cases::offences.eq(&next.offences),
            cases::priority.eq(&next.priority),
            cases::status.eq(&next.status),
            cases::lead_investigator_id.eq(&next.lead_investigator_id),
            cases::updated_at.eq(next.updated_at),
            cases::version.eq(next.version),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Gives an agency `access` to a case, or changes the access it has.
pub fn set_participant(conn: &mut DbConn, form: &ParticipantForm, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(case_participants::table.find((form.case_id, form.agency_id)))
            .set(form)
            .execute(conn)?;
    } else {
        diesel::insert_into(case_participants::table)
            .values(form)
            .execute(conn)?;
    }
    Ok(())
}

/// Stops sharing a case with an agency; false when it was not a participant.
pub fn remove_participant(conn: &mut DbConn, case_id: &str, agency_id: &str) -> QueryResult<bool> {
    let removed = diesel::delete(case_participants::table.find((case_id, agency_id)))
        .filter(case_participants::access.ne(OWNER_ACCESS))
        .execute(conn)?;
    Ok(removed == 1)
}

/// The agencies a case is shared with (not its owner).
pub fn participants(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<ParticipantRow>> {
    case_participants::table
        .inner_join(agencies::table)
        .filter(case_participants::case_id.eq(case_id))
        .filter(case_participants::access.ne(OWNER_ACCESS))
        .order(case_participants::agency_id)
        .select(ParticipantRow::as_select())
        .load(conn)
}

pub fn external_refs(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<ExternalRefRow>> {
    case_external_refs::table
        .filter(case_external_refs::case_id.eq(case_id))
        .order((case_external_refs::system, case_external_refs::external_id))
        .select(ExternalRefRow::as_select())
        .load(conn)
}

/// The reference of the agency's case that already holds `reference`, if any.
pub fn holder_of(
    conn: &mut DbConn,
    agency: &str,
    reference: &SystemRef,
) -> QueryResult<Option<String>> {
    case_external_refs::table
        .inner_join(cases::table)
        .filter(case_external_refs::agency_id.eq(agency))
        .filter(case_external_refs::system.eq(&reference.system))
        .filter(case_external_refs::external_id.eq(&reference.external_id))
        .select(cases::reference)
        .get_result(conn)
        .optional()
}

#[derive(Insertable)]
#[diesel(table_name = case_external_refs)]
pub struct ExternalRefForm<'a> {
    pub agency_id: &'a str,
    pub system: &'a str,
    pub external_id: &'a str,
    pub case_id: &'a str,
    pub created_by: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_external_ref(conn: &mut DbConn, form: &ExternalRefForm) -> QueryResult<()> {
    diesel::insert_into(case_external_refs::table)
        .values(form)
        .execute(conn)?;
    Ok(())
}

/// A successful change of a case, as its audit entry records it.
#[derive(Queryable)]
pub struct AuditedChange {
    pub at: NaiveDateTime,
    pub action: String,
    pub actor_user_id: Option<String>,
    /// The audit entry (JCS JSON), whose `details` say what changed.
    pub entry: String,
}

/// A successful change of any case, with where the audit trail holds it.
#[derive(Queryable)]
pub struct NumberedChange {
    pub seq: i64,
    pub case_id: Option<String>,
    pub change: AuditedChange,
}

/// Every case's creations and changes after audit entry `after`, oldest first, up to
/// `limit`.
pub fn changes_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<NumberedChange>> {
    use crate::db::schema::audit_log;
    audit_log::table
        .filter(audit_log::seq.gt(after))
        .filter(audit_log::action.eq_any(["case.create", "case.update"]))
        .filter(audit_log::outcome.eq("success"))
        .order(audit_log::seq)
        .limit(limit)
        .select((
            audit_log::seq,
            audit_log::case_id,
            (
                audit_log::at,
                audit_log::action,
                audit_log::actor_user_id,
                audit_log::entry,
            ),
        ))
        .load(conn)
}

/// The cases `agency` owns that are still worked (neither closed nor archived),
/// those `person` leads or opened when one is named, most recently changed first, up
/// to `limit`.
pub fn active_cases(
    conn: &mut DbConn,
    agency: &str,
    person: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = cases::table
        .filter(cases::owner_agency_id.eq(agency.to_owned()))
        .filter(cases::status.ne_all(["closed", "archived"]))
        .order((cases::updated_at.desc(), cases::id))
        .limit(limit)
        .select(CaseRow::as_select())
        .into_boxed();
    if let Some(person) = person {
        query = query.filter(
            cases::lead_investigator_id
                .eq(person.to_owned())
                .or(cases::created_by.eq(person.to_owned())),
        );
    }
    query.load(conn)
}

/// Every case, in no order.
pub fn every_case(conn: &mut DbConn) -> QueryResult<Vec<CaseRow>> {
    cases::table.select(CaseRow::as_select()).load(conn)
}

/// A case's creation and changes, oldest first, from the audit trail.
pub fn changes(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<AuditedChange>> {
    use crate::db::schema::audit_log;
    // Written as the partial index `audit_log_case_changes` states it (literals, not
    // bound values), so that both databases prove the index covers the query.
    audit_log::table
        .filter(audit_log::case_id.eq(case_id))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "action IN ('case.create', 'case.update') AND outcome = 'success'",
        ))
        .order(audit_log::seq)
        .select((
            audit_log::at,
            audit_log::action,
            audit_log::actor_user_id,
            audit_log::entry,
        ))
        .load(conn)
}
