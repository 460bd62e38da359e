//! The SQL of evidence items and their custody entries, for both backends.

use super::model::{ContentRow, EvidenceRow, NewEntryRow};
use crate::cases::model::{CaseRow, Standing};
use crate::db::schema::{
    case_participants, cases, contents, custody_entries, evidence_access, evidence_items,
    mla_requests, orders,
};
use crate::db::{DbConn, MultiBackend};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use std::collections::{BTreeMap, HashMap};

/// An item with its case and the reach of one agency: its standing in the case,
/// whether the item was sent to it, and how far it reads the item's history.
pub struct ItemInCase {
    pub item: EvidenceRow,
    pub case: CaseRow,
    pub standing: Option<Standing>,
    pub via_transfer: bool,
    /// The last `seq` the agency reads: set for an agency outside the case that held
    /// the item and handed it on (it reads the history it was part of); `None` for
    /// the whole history.
    pub horizon: Option<i32>,
}

/// One query: the item, its case and `agency`'s standing and transfer.
pub fn item_for(conn: &mut DbConn, id: &str, agency: &str) -> QueryResult<Option<ItemInCase>> {
    type Found = (
        EvidenceRow,
        CaseRow,
        Option<String>,
        Option<String>,
        Option<i32>,
    );
    let found: Option<Found> = evidence_items::table
        .inner_join(cases::table)
        .left_join(
            case_participants::table.on(case_participants::case_id
                .eq(cases::id)
                .and(case_participants::agency_id.eq(agency.to_owned()))),
        )
        .left_join(
            evidence_access::table.on(evidence_access::evidence_id
                .eq(evidence_items::id)
                .and(evidence_access::agency_id.eq(agency.to_owned()))),
        )
        .filter(evidence_items::id.eq(id.to_owned()))
        .select((
            EvidenceRow::as_select(),
            CaseRow::as_select(),
            case_participants::access.nullable(),
            evidence_access::agency_id.nullable(),
            evidence_access::until_seq.nullable(),
        ))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(item, case, access, sent_to, until_seq)| {
        let standing = access.as_deref().and_then(Standing::from_stored);
        ItemInCase {
            item,
            case,
            standing,
            via_transfer: sent_to.is_some(),
            horizon: if standing.is_some() { None } else { until_seq },
        }
    }))
}

/// An entry as stored: its place in the log, its canonical bytes and their hash.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = custody_entries)]
pub struct StoredEntry {
    pub log_index: i64,
    pub canonical: String,
    pub entry_hash: String,
}

/// An item's entries in `seq` order, up to `horizon` when one is given.
pub fn entries_of(
    conn: &mut DbConn,
    evidence_id: &str,
    horizon: Option<i32>,
) -> QueryResult<Vec<StoredEntry>> {
    let mut query = custody_entries::table
        .filter(custody_entries::evidence_id.eq(evidence_id))
        .order(custody_entries::seq)
        .select(StoredEntry::as_select())
        .into_boxed();
    if let Some(last) = horizon {
        query = query.filter(custody_entries::seq.le(last));
    }
    query.load(conn)
}

/// A page of a case's items in registration (id) order, up to `limit + 1`.
pub fn items_of_case(
    conn: &mut DbConn,
    case_id: &str,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<EvidenceRow>> {
    let mut query = evidence_items::table
        .filter(evidence_items::case_id.eq(case_id.to_owned()))
        .order(evidence_items::id)
        .limit(limit + 1)
        .select(EvidenceRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(evidence_items::id.gt(after));
    }
    query.load(conn)
}

pub fn items(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Vec<EvidenceRow>> {
    evidence_items::table
        .filter(evidence_items::id.eq_any(ids))
        .select(EvidenceRow::as_select())
        .load(conn)
}

/// What checking a batch's custody jobs needs about items and cases, for the batch's
/// agencies.
#[derive(Default)]
pub struct Reaches {
    /// The case of each item.
    pub item_cases: HashMap<String, String>,
    pub cases: HashMap<String, CaseRow>,
    /// (case, agency) → standing.
    pub standing: HashMap<(String, String), Standing>,
    /// (item, agency) sent to, for the items appended to and the parents named.
    pub transferred: std::collections::HashSet<(String, String)>,
    /// The case of each parent item a registration names.
    pub parent_cases: HashMap<String, String>,
    /// The MLA requests registrations say they execute.
    pub requests: HashMap<String, ExecutedRequest>,
    /// The orders registrations say a provider answers.
    pub orders: HashMap<String, ProducingOrder>,
}

/// An MLA request as registering what its execution produced needs it: the case it
/// serves, who executes it, and where it stands.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mla_requests)]
pub struct ExecutedRequest {
    pub id: String,
    pub case_id: String,
    pub executing_agency_id: Option<String>,
    pub status: String,
}

/// An order as registering what a provider produced under it needs it: the case it
/// serves, its provider, where it stands, and whether the data is held back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct ProducingOrder {
    pub id: String,
    pub case_id: String,
    pub provider_id: String,
    pub status: String,
    pub notified: bool,
    pub objection_by: Option<NaiveDateTime>,
}

/// The orders of `ids`, by id.
pub fn producing_orders(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<HashMap<String, ProducingOrder>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(orders::table
        .filter(orders::id.eq_any(ids))
        .select(ProducingOrder::as_select())
        .load::<ProducingOrder>(conn)?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect())
}

/// The MLA requests of `ids`, by id.
pub fn executed_requests(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<HashMap<String, ExecutedRequest>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(mla_requests::table
        .filter(mla_requests::id.eq_any(ids))
        .select(ExecutedRequest::as_select())
        .load::<ExecutedRequest>(conn)?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect())
}

/// Items with their cases, the cases that registrations name, and for each the batch
/// agencies' standing and the items sent to them, and the cases of named parents.
/// Every lookup goes by primary key (standing and transfers by their (case, agency)
/// and (item, agency) pairs), so its cost follows the batch, not the size of an
/// agency's caseload, whatever the planner's statistics say.
pub fn reaches(
    conn: &mut DbConn,
    item_ids: &[String],
    case_ids: &[String],
    parent_ids: &[String],
    agencies: &[String],
) -> QueryResult<Reaches> {
    let mut out = Reaches::default();
    if !item_ids.is_empty() {
        let rows: Vec<(String, CaseRow)> = evidence_items::table
            .inner_join(cases::table)
            .filter(evidence_items::id.eq_any(item_ids))
            .select((evidence_items::id, CaseRow::as_select()))
            .load(conn)?;
        for (item, case) in rows {
            out.item_cases.insert(item, case.id.clone());
            out.cases.insert(case.id.clone(), case);
        }
    }
    let named: Vec<&String> = case_ids
        .iter()
        .filter(|id| !out.cases.contains_key(*id))
        .collect();
    if !named.is_empty() {
        for case in cases::table
            .filter(cases::id.eq_any(named))
            .select(CaseRow::as_select())
            .load::<CaseRow>(conn)?
        {
            out.cases.insert(case.id.clone(), case);
        }
    }
    if !agencies.is_empty() && !out.cases.is_empty() {
        let mut query = case_participants::table
            .select((
                case_participants::case_id,
                case_participants::agency_id,
                case_participants::access,
            ))
            .into_boxed();
        for case in out.cases.keys() {
            for agency in agencies {
                query = query.or_filter(
                    case_participants::case_id
                        .eq(case.clone())
                        .and(case_participants::agency_id.eq(agency.clone())),
                );
            }
        }
        for (case, agency, access) in query.load::<(String, String, String)>(conn)? {
            if let Some(standing) = Standing::from_stored(&access) {
                out.standing.insert((case, agency), standing);
            }
        }
    }
    // The items sent to the batch's agencies, among those appended to and the parents
    // registrations name (a parent must be one the registering agency sees).
    let mut sent: Vec<&String> = out.item_cases.keys().chain(parent_ids).collect();
    sent.sort();
    sent.dedup();
    if !agencies.is_empty() && !sent.is_empty() {
        let mut query = evidence_access::table
            .select((evidence_access::evidence_id, evidence_access::agency_id))
            .into_boxed();
        for item in sent {
            for agency in agencies {
                query = query.or_filter(
                    evidence_access::evidence_id
                        .eq(item.clone())
                        .and(evidence_access::agency_id.eq(agency.clone())),
                );
            }
        }
        out.transferred = query.load::<(String, String)>(conn)?.into_iter().collect();
    }
    if !parent_ids.is_empty() {
        out.parent_cases = evidence_items::table
            .filter(evidence_items::id.eq_any(parent_ids))
            .select((evidence_items::id, evidence_items::case_id))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
    }
    Ok(out)
}

/// Reserves the next `count` evidence numbers of each case (`.../E07`) in one
/// statement (in case order, the same on every instance) and returns the first number
/// reserved for each. Gapless: the counters are written in the batch's transaction,
/// and only for registrations that will be made.
pub fn reserve_evidence_numbers(
    conn: &mut DbConn,
    wanted: &BTreeMap<String, i32>,
) -> QueryResult<HashMap<String, i32>> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = Text)]
        case_id: String,
        #[diesel(sql_type = Integer)]
        last_value: i32,
    }
    let entries: Vec<(&String, &i32)> = wanted.iter().collect();
    let mut first = HashMap::new();
    for chunk in entries.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO evidence_counters (case_id, last_value) VALUES {} \
             ON CONFLICT (case_id) DO UPDATE \
             SET last_value = evidence_counters.last_value + excluded.last_value \
             RETURNING case_id, last_value",
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
        for (case_id, count) in chunk {
            query = query
                .bind::<Text, _>((*case_id).clone())
                .bind::<Integer, _>(**count);
        }
        for row in query.load::<Last>(conn)? {
            let count = wanted.get(&row.case_id).copied().unwrap_or(0);
            first.insert(row.case_id, row.last_value - count + 1);
        }
    }
    Ok(first)
}

pub fn insert_items(conn: &mut DbConn, rows: &[&EvidenceRow]) -> QueryResult<()> {
    for chunk in rows.chunks(50) {
        let chunk: Vec<&EvidenceRow> = chunk.to_vec();
        crate::insert_rows!(conn, evidence_items::table, chunk)?;
    }
    Ok(())
}

/// The items' derived custody state and the batch's entries: on PostgreSQL one
/// statement of static text (see `pg_write`), on SQLite one statement a table.
pub fn store_entries(
    conn: &mut DbConn,
    updated: &[&EvidenceRow],
    entries: &[NewEntryRow],
    now: NaiveDateTime,
) -> QueryResult<()> {
    match conn {
        DbConn::Postgresql(pg) => {
            let changed = super::pg_write::ItemsAndEntries::new(updated, entries, now).run(pg)?;
            if changed != updated.len() as i64 {
                return Err(diesel::result::Error::QueryBuilderError(
                    format!("updated {changed} of {} evidence items", updated.len()).into(),
                ));
            }
            Ok(())
        }
        DbConn::Sqlite(_) => {
            for chunk in updated.chunks(100) {
                update_derived(conn, chunk)?;
            }
            for chunk in entries.chunks(200) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|e| {
                        (
                            custody_entries::log_index.eq(e.log_index),
                            custody_entries::evidence_id.eq(&e.evidence_id),
                            custody_entries::seq.eq(e.seq),
                            custody_entries::entry_type.eq(e.entry_type),
                            custody_entries::canonical.eq(&e.canonical),
                            custody_entries::entry_hash.eq(&e.entry_hash),
                            custody_entries::created_at.eq(now),
                        )
                    })
                    .collect();
                crate::insert_rows!(conn, custody_entries::table, rows)?;
            }
            Ok(())
        }
    }
}

/// The derived custody state of many items in one statement (`UPDATE ... FROM
/// (VALUES ...)`).
fn update_derived(conn: &mut DbConn, rows: &[&EvidenceRow]) -> QueryResult<()> {
    const COLUMNS: usize = 10;
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let params: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", r * COLUMNS + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!(
        "UPDATE evidence_items SET status = v.column2, custodian_user_id = v.column3, \
         custodian_agency_id = v.column4, pending_agency_id = v.column5, \
         pending_custodian_id = v.column6, integrity_alert = v.column7, last_seq = v.column8, \
         last_hash = v.column9, holder_agency_id = v.column10 \
         FROM (VALUES {}) AS v WHERE evidence_items.id = v.column1",
        values.join(", ")
    );
    let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
    for row in rows {
        query = query
            .bind::<Text, _>(row.id.clone())
            .bind::<Text, _>(row.status.clone())
            .bind::<Nullable<Text>, _>(row.custodian_user_id.clone())
            .bind::<Nullable<Text>, _>(row.custodian_agency_id.clone())
            .bind::<Nullable<Text>, _>(row.pending_agency_id.clone())
            .bind::<Nullable<Text>, _>(row.pending_custodian_id.clone())
            .bind::<Bool, _>(row.integrity_alert)
            .bind::<Integer, _>(row.last_seq)
            .bind::<Text, _>(row.last_hash.clone())
            .bind::<Nullable<Text>, _>(row.holder_agency_id.clone());
    }
    let changed = query.execute(conn)?;
    if changed != rows.len() {
        return Err(diesel::result::Error::QueryBuilderError(
            format!("updated {changed} of {} evidence items", rows.len()).into(),
        ));
    }
    Ok(())
}

/// A change to who reads an item outside its case, in the order a batch made them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    /// The item was sent to the agency (or it registered what executing a request
    /// produced): it reads the whole history, also when it held the item before.
    Grant {
        evidence_id: String,
        agency_id: String,
    },
    /// The agency's custody ended with the receipt at `seq`: from then on it reads
    /// the history up to that receipt. (The case's own agencies read through the
    /// case and have no row to bound.)
    HandedOn {
        evidence_id: String,
        agency_id: String,
        seq: i32,
    },
}

pub fn change_access(
    conn: &mut DbConn,
    changes: &[AccessChange],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for change in changes {
        match change {
            AccessChange::Grant {
                evidence_id,
                agency_id,
            } => {
                diesel::sql_query(
                    "INSERT INTO evidence_access (evidence_id, agency_id, granted_at, until_seq) \
                     VALUES ($1, $2, $3, NULL) \
                     ON CONFLICT (evidence_id, agency_id) DO UPDATE SET until_seq = NULL",
                )
                .bind::<Text, _>(evidence_id)
                .bind::<Text, _>(agency_id)
                .bind::<diesel::sql_types::Timestamp, _>(now)
                .execute(conn)?;
            }
            AccessChange::HandedOn {
                evidence_id,
                agency_id,
                seq,
            } => {
                diesel::update(evidence_access::table.find((evidence_id, agency_id)))
                    .set(evidence_access::until_seq.eq(Some(*seq)))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// A person who can receive evidence, as the directory shows them: no more than who.
#[derive(Debug, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = crate::db::schema::users)]
pub struct Receiver {
    pub id: String,
    pub display_name: String,
    #[serde(skip)]
    pub roles: String,
}

/// The active users of an agency in id order, after `after`, up to `limit + 1` of
/// those who hold one of `roles`.
pub fn receivers(
    conn: &mut DbConn,
    agency_id: &str,
    roles: &[crate::auth::roles::Role],
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<Receiver>> {
    use crate::db::schema::users;
    let mut query = users::table
        .filter(users::agency_id.eq(agency_id.to_owned()))
        .filter(users::status.eq("active"))
        .select(Receiver::as_select())
        .order(users::id)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    let mut found = Vec::new();
    for user in query.load(conn)? {
        if crate::auth::roles::decode_roles(&user.roles)
            .iter()
            .any(|r| roles.contains(r))
        {
            found.push(user);
            if found.len() as i64 > limit {
                break;
            }
        }
    }
    Ok(found)
}

/// Items in transfer, in id order, after `after`, up to `limit + 1`: sent to
/// `agency` (`incoming`) or by it, as their custodian (`outgoing`).
pub fn pending_transfers(
    conn: &mut DbConn,
    agency: &str,
    incoming: bool,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<EvidenceRow>> {
    let mut query = evidence_items::table
        .filter(evidence_items::pending_agency_id.is_not_null())
        .order(evidence_items::id)
        .limit(limit + 1)
        .select(EvidenceRow::as_select())
        .into_boxed();
    query = if incoming {
        query.filter(evidence_items::pending_agency_id.eq(agency.to_owned()))
    } else {
        query.filter(evidence_items::custodian_agency_id.eq(agency.to_owned()))
    };
    if let Some(after) = after {
        query = query.filter(evidence_items::id.gt(after));
    }
    query.load(conn)
}

/// An item an auditor may verify: what names it, never what it holds.
#[derive(Debug, Queryable)]
pub struct VerifiableItem {
    pub id: String,
    pub label: String,
    pub registered_at: NaiveDateTime,
}

/// Items of cases `country` owns (every item when none is named), most recently
/// registered first, up to `limit`.
pub fn verifiable_items(
    conn: &mut DbConn,
    country: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<VerifiableItem>> {
    let mut query = evidence_items::table
        .inner_join(cases::table)
        .select((
            evidence_items::id,
            evidence_items::label,
            evidence_items::created_at,
        ))
        .order((evidence_items::created_at.desc(), evidence_items::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(cases::owner_country.eq(country.to_owned()));
    }
    query.load(conn)
}

/// The names of the people and agencies a custody record names, for a report.
pub fn directory(
    conn: &mut DbConn,
    people: &[String],
    agencies: &[String],
) -> QueryResult<super::report::Directory> {
    use crate::db::schema::{agencies as agency_table, countries};
    let mut out = super::report::Directory {
        people: crate::users::queries::display_names(conn, people)?,
        ..Default::default()
    };
    for chunk in agencies.chunks(500) {
        let rows: Vec<(String, String, String, String)> = agency_table::table
            .inner_join(countries::table)
            .filter(agency_table::id.eq_any(chunk))
            .select((
                agency_table::id,
                agency_table::name,
                agency_table::country_code,
                countries::name,
            ))
            .load(conn)?;
        out.agencies
            .extend(rows.into_iter().map(|(id, name, country, state)| {
                (
                    id,
                    super::report::AgencyName {
                        name,
                        country,
                        state,
                    },
                )
            }));
    }
    Ok(out)
}

/// A hash check of the custody log, with what judging it needs: the state whose case
/// holds the item, and the item's acquisition hashes.
#[derive(Queryable)]
pub struct RecordedCheck {
    pub country: String,
    /// The entry (JCS JSON).
    pub canonical: String,
    pub sha256: Option<String>,
    /// The item's other acquisition hashes (JSON).
    pub other_hashes: String,
}

/// Every `hash_verified` entry, in the order they were logged.
pub fn hash_checks(conn: &mut DbConn) -> QueryResult<Vec<RecordedCheck>> {
    custody_entries::table
        .inner_join(evidence_items::table.inner_join(cases::table))
        .filter(custody_entries::entry_type.eq("hash_verified"))
        .order(custody_entries::log_index)
        .select((
            cases::owner_country,
            custody_entries::canonical,
            evidence_items::sha256,
            evidence_items::other_hashes,
        ))
        .load(conn)
}

/// The content an item holds, or held (shredded), if any.
pub fn content_of(conn: &mut DbConn, evidence_id: &str) -> QueryResult<Option<ContentRow>> {
    contents::table
        .filter(contents::evidence_id.eq(evidence_id))
        .select(ContentRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_contents(conn: &mut DbConn, rows: &[ContentRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(contents::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the data keys of the items' content (crypto-shredding): nothing can open
/// their objects any more, whoever holds them.
pub fn shred_contents(
    conn: &mut DbConn,
    evidence_ids: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    if evidence_ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        contents::table
            .filter(contents::evidence_id.eq_any(evidence_ids))
            .filter(contents::shredded_at.is_null()),
    )
    .set((
        contents::wrapped_key.eq(None::<Vec<u8>>),
        contents::shredded_at.eq(Some(now)),
    ))
    .execute(conn)
    .map(drop)
}

/// Which of `names` are objects of content (of items or documents).
pub fn content_objects(conn: &mut DbConn, names: &[String]) -> QueryResult<Vec<String>> {
    contents::table
        .filter(contents::object_name.eq_any(names))
        .select(contents::object_name)
        .load(conn)
}

/// Objects of shredded content not yet deleted from the store: (content id, object).
pub fn objects_to_delete(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(String, String)>> {
    contents::table
        .filter(contents::shredded_at.is_not_null())
        .filter(contents::object_deleted_at.is_null())
        .select((contents::id, contents::object_name))
        .limit(limit)
        .load(conn)
}

pub fn object_deleted(conn: &mut DbConn, content_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(contents::table.find(content_id))
        .set(contents::object_deleted_at.eq(Some(now)))
        .execute(conn)
        .map(drop)
}
