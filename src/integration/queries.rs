//! The SQL of service accounts and client assertions, for both backends.

use super::service_account::CredentialRow;
use crate::auth::account::{SERVICE_KIND, UserRow};
use crate::db::DbConn;
use crate::db::schema::{agencies, client_assertions, service_credentials, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A service account's user row, as inserted.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewServiceUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub agency_id: &'a str,
    pub roles: &'a str,
    pub status: &'a str,
    /// Not an argon2 hash: no password ever matches it.
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub kind: &'a str,
}

pub fn insert(
    conn: &mut DbConn,
    user: &NewServiceUser,
    credential: &CredentialRow,
) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    diesel::insert_into(service_credentials::table)
        .values(credential)
        .execute(conn)
        .map(drop)
}

/// A service account: its user row, its credentials and its agency's country.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct ServiceAccountRow {
    #[diesel(embed)]
    pub user: UserRow,
    #[diesel(embed)]
    pub credential: CredentialRow,
    #[diesel(select_expression = agencies::country_code)]
    #[diesel(select_expression_type = agencies::country_code)]
    pub country: String,
}

/// Users that are service accounts, with their credentials and agencies.
macro_rules! accounts {
    () => {
        users::table
            .inner_join(service_credentials::table)
            .inner_join(agencies::table)
            .filter(users::kind.eq(SERVICE_KIND))
    };
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<ServiceAccountRow>> {
    accounts!()
        .filter(users::id.eq(id))
        .select(ServiceAccountRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<ServiceAccountRow>> {
    accounts!()
        .filter(users::username.eq(client_id))
        .select(ServiceAccountRow::as_select())
        .get_result(conn)
        .optional()
}

/// A page of the service accounts of `country` (all countries when `None`), by id.
pub fn list(
    conn: &mut DbConn,
    country: Option<&str>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<ServiceAccountRow>> {
    let mut query = accounts!()
        .select(ServiceAccountRow::as_select())
        .order(users::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(agencies::country_code.eq(country.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn)
}

pub fn update_credential(conn: &mut DbConn, row: &CredentialRow) -> QueryResult<()> {
    diesel::update(service_credentials::table.find(&row.user_id))
        .set(row)
        .execute(conn)
        .map(drop)
}

/// Spends a client assertion's `jti`: false when it was spent already. It is kept
/// until `accepted_until` (its `exp` and the leeway), so that it is refused for as
/// long as it could otherwise be accepted; those past that are forgotten first.
pub fn spend_assertion(
    conn: &mut DbConn,
    client_id: &str,
    jti: &str,
    accepted_until: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::delete(client_assertions::table.filter(client_assertions::expires_at.lt(now)))
        .execute(conn)?;
    let inserted = diesel::sql_query(
        "INSERT INTO client_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (client_id, jti) DO NOTHING",
    )
    .bind::<diesel::sql_types::Text, _>(client_id)
    .bind::<diesel::sql_types::Text, _>(jti)
    .bind::<diesel::sql_types::Timestamp, _>(accepted_until)
    .execute(conn)?;
    Ok(inserted == 1)
}

use super::webhook::{DeliveryRow, WebhookRow};
use crate::db::schema::{events, webhook_deliveries, webhooks};
use crate::ledger::outbox::EventRow;

/// Stores a new endpoint, to hear of the events committed from now on: its cursor is
/// the outbox's last event.
pub fn insert_webhook(conn: &mut DbConn, row: &mut WebhookRow) -> QueryResult<()> {
    row.cursor = crate::ledger::outbox::last_seq(conn)?;
    diesel::insert_into(webhooks::table)
        .values(&*row)
        .execute(conn)
        .map(drop)
}

pub fn webhook(conn: &mut DbConn, id: &str) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn update_webhook(conn: &mut DbConn, row: &WebhookRow) -> QueryResult<()> {
    diesel::update(webhooks::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(drop)
}

/// The endpoints of an agency, or of every agency of a country, by id.
/// Whose webhook endpoints a list holds.
#[derive(Debug, Clone, Copy)]
pub enum WebhookOwner<'a> {
    /// Those that hear this service account's view.
    ServiceAccount(&'a str),
    /// Those of this country's agencies.
    Country(&'a str),
    Anyone,
}

pub fn webhooks_of(
    conn: &mut DbConn,
    owner: WebhookOwner<'_>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    let mut query = webhooks::table
        .inner_join(agencies::table)
        .select(WebhookRow::as_select())
        .order(webhooks::id)
        .limit(limit + 1)
        .into_boxed();
    match owner {
        WebhookOwner::ServiceAccount(account) => {
            query = query.filter(webhooks::service_account_id.eq(account.to_owned()));
        }
        WebhookOwner::Country(country) => {
            query = query.filter(agencies::country_code.eq(country.to_owned()));
        }
        WebhookOwner::Anyone => {}
    }
    if let Some(after) = after {
        query = query.filter(webhooks::id.gt(after));
    }
    query.load(conn)
}

pub fn active_webhooks(conn: &mut DbConn) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::status.eq("active"))
        .select(WebhookRow::as_select())
        .load(conn)
}

/// Moves an endpoint's cursor from `from` to `to`; false when another instance moved
/// it first.
pub fn advance_cursor(conn: &mut DbConn, id: &str, from: i64, to: i64) -> QueryResult<bool> {
    diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(id))
            .filter(webhooks::cursor.eq(from)),
    )
    .set(webhooks::cursor.eq(to))
    .execute(conn)
    .map(|n| n == 1)
}

/// A delivery as queued.
#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
struct NewDelivery<'a> {
    webhook_id: &'a str,
    event_seq: i64,
    status: &'static str,
    attempts: i32,
    next_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Queues events for an endpoint, each once, in as few statements as the backends
/// allow; how many were new.
pub fn queue_deliveries(
    conn: &mut DbConn,
    webhook_id: &str,
    event_seqs: &[i64],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut queued = 0;
    for chunk in event_seqs.chunks(500) {
        let rows: Vec<NewDelivery<'_>> = chunk
            .iter()
            .map(|seq| NewDelivery {
                webhook_id,
                event_seq: *seq,
                status: "pending",
                attempts: 0,
                next_attempt_at: Some(now),
                created_at: now,
                updated_at: now,
            })
            .collect();
        queued += match conn {
            DbConn::Postgresql(c) => diesel::insert_into(webhook_deliveries::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(webhook_deliveries::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    Ok(queued)
}

/// A delivery that reached its endpoint: the answer's status and how long it took.
pub struct Arrival<'a> {
    pub webhook_id: &'a str,
    pub event_seq: i64,
    pub status: i32,
    pub latency_ms: i64,
}

/// Marks deliveries as delivered, one statement for a whole pass; how many.
pub fn mark_delivered(
    conn: &mut DbConn,
    arrivals: &[Arrival<'_>],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
    let mut marked = 0;
    for chunk in arrivals.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "WITH done (webhook_id, event_seq, status, latency) AS (VALUES {}) \
             UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, \
             lease_until = NULL, next_attempt_at = NULL, last_status = done.status, \
             last_error = NULL, last_latency_ms = done.latency, updated_at = ${} \
             FROM done WHERE webhook_deliveries.webhook_id = done.webhook_id \
             AND webhook_deliveries.event_seq = done.event_seq",
            values.join(", "),
            4 * chunk.len() + 1
        );
        macro_rules! bound {
            ($c:expr, $backend:ty) => {{
                // Bound in the order the placeholders appear: SQLite numbers `$n`
                // by first appearance, PostgreSQL by n; both agree this way.
                let mut query = diesel::sql_query(&sql).into_boxed::<$backend>();
                for a in chunk {
                    query = query
                        .bind::<Text, _>(a.webhook_id)
                        .bind::<BigInt, _>(a.event_seq)
                        .bind::<Integer, _>(a.status)
                        .bind::<BigInt, _>(a.latency_ms);
                }
                query.bind::<Timestamp, _>(now).execute($c)?
            }};
        }
        marked += match conn {
            DbConn::Postgresql(c) => bound!(c, diesel::pg::Pg),
            DbConn::Sqlite(c) => bound!(c, diesel::sqlite::Sqlite),
        };
    }
    Ok(marked)
}

/// A delivery to make: the endpoint, the delivery and its event.
pub struct Due {
    pub webhook: WebhookRow,
    pub delivery: DeliveryRow,
    pub event: EventRow,
}

/// The key of a delivery that one lease took.
#[derive(QueryableByName)]
struct LeasedKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    webhook_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    event_seq: i64,
}

/// Takes up to `limit` deliveries that are due, each leased to this instance until
/// `lease_until`, in one statement: an instance sends only what it leased, so no
/// event goes to an endpoint twice at the same time. On PostgreSQL, rows another
/// instance is leasing at this moment are skipped rather than waited for; SQLite
/// runs one write at a time.
pub fn lease_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Due>> {
    let skip_locked = match conn.backend() {
        crate::db::Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
        crate::db::Backend::Sqlite => "",
    };
    let keys: Vec<LeasedKey> = diesel::sql_query(format!(
        "UPDATE webhook_deliveries SET lease_until = $1 \
         WHERE (webhook_id, event_seq) IN ( \
           SELECT d.webhook_id, d.event_seq FROM webhook_deliveries d \
           JOIN webhooks w ON w.id = d.webhook_id \
           WHERE d.status = 'pending' AND d.next_attempt_at <= $2 \
             AND (d.lease_until IS NULL OR d.lease_until < $2) AND w.status = 'active' \
           ORDER BY d.next_attempt_at LIMIT $3{skip_locked}) \
         AND status = 'pending' AND (lease_until IS NULL OR lease_until < $2) \
         RETURNING webhook_id, event_seq"
    ))
    .bind::<diesel::sql_types::Timestamp, _>(lease_until)
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let taken: std::collections::HashSet<(String, i64)> = keys
        .into_iter()
        .map(|k| (k.webhook_id, k.event_seq))
        .collect();
    let seqs: Vec<i64> = taken.iter().map(|(_, seq)| *seq).collect();
    let rows: Vec<(DeliveryRow, WebhookRow, EventRow)> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .inner_join(events::table)
        .filter(webhook_deliveries::event_seq.eq_any(&seqs))
        .order(webhook_deliveries::next_attempt_at)
        .select((
            DeliveryRow::as_select(),
            WebhookRow::as_select(),
            EventRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(d, _, _)| taken.contains(&(d.webhook_id.clone(), d.event_seq)))
        .map(|(delivery, webhook, event)| Due {
            webhook,
            delivery,
            event,
        })
        .collect())
}

pub fn update_delivery(conn: &mut DbConn, row: &DeliveryRow) -> QueryResult<()> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(&row.webhook_id))
            .filter(webhook_deliveries::event_seq.eq(row.event_seq)),
    )
    .set(row)
    .execute(conn)
    .map(drop)
}

/// A page of an endpoint's deliveries, newest event first, with their events.
pub fn deliveries(
    conn: &mut DbConn,
    webhook_id: &str,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(DeliveryRow, EventRow)>> {
    let mut query = webhook_deliveries::table
        .inner_join(events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id.to_owned()))
        .order(webhook_deliveries::event_seq.desc())
        .limit(limit + 1)
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::event_seq.lt(before));
    }
    query.load(conn)
}

/// Sends again: the delivery of one event, or of every event since a time; how many.
pub fn requeue(
    conn: &mut DbConn,
    webhook_id: &str,
    event_id: Option<&str>,
    since: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let seqs: Vec<i64> = {
        let mut query = webhook_deliveries::table
            .inner_join(events::table)
            .filter(webhook_deliveries::webhook_id.eq(webhook_id.to_owned()))
            .select(webhook_deliveries::event_seq)
            .into_boxed();
        if let Some(id) = event_id {
            query = query.filter(events::id.eq(id.to_owned()));
        }
        if let Some(since) = since {
            query = query.filter(events::at.ge(since));
        }
        query.load(conn)?
    };
    if seqs.is_empty() {
        return Ok(0);
    }
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook_id))
            .filter(webhook_deliveries::event_seq.eq_any(&seqs)),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(Some(now)),
        webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::updated_at.eq(now),
    ))
    .execute(conn)
}
