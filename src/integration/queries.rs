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

/// Spends a client assertion's `jti`: false when it was spent already. Assertions
/// past their expiry are forgotten first (they could not be replayed anyway).
pub fn spend_assertion(
    conn: &mut DbConn,
    client_id: &str,
    jti: &str,
    expires_at: NaiveDateTime,
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
    .bind::<diesel::sql_types::Timestamp, _>(expires_at)
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
pub fn webhooks_of(
    conn: &mut DbConn,
    agency: Option<&str>,
    country: Option<&str>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    let mut query = webhooks::table
        .inner_join(agencies::table)
        .select(WebhookRow::as_select())
        .order(webhooks::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(agency) = agency {
        query = query.filter(webhooks::agency_id.eq(agency.to_owned()));
    }
    if let Some(country) = country {
        query = query.filter(agencies::country_code.eq(country.to_owned()));
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

/// Queues an event for an endpoint (once).
pub fn queue_delivery(
    conn: &mut DbConn,
    webhook_id: &str,
    event_seq: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (webhook_id, event_seq, status, attempts, next_attempt_at, \
         created_at, updated_at) VALUES ($1, $2, 'pending', 0, $3, $3, $3) \
         ON CONFLICT (webhook_id, event_seq) DO NOTHING",
    )
    .bind::<diesel::sql_types::Text, _>(webhook_id)
    .bind::<diesel::sql_types::BigInt, _>(event_seq)
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .execute(conn)
    .map(drop)
}

/// A delivery to make: the endpoint, the delivery and its event.
pub struct Due {
    pub webhook: WebhookRow,
    pub delivery: DeliveryRow,
    pub event: EventRow,
}

/// Takes up to `limit` deliveries that are due, each leased to this instance until
/// `lease_until`: an instance sends only what it leased, so no event goes to an
/// endpoint twice at the same time.
pub fn lease_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Due>> {
    let candidates: Vec<(DeliveryRow, WebhookRow, EventRow)> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .inner_join(events::table)
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::lease_until
                .is_null()
                .or(webhook_deliveries::lease_until.lt(now)),
        )
        .filter(webhooks::status.eq("active"))
        .order(webhook_deliveries::next_attempt_at)
        .limit(limit)
        .select((
            DeliveryRow::as_select(),
            WebhookRow::as_select(),
            EventRow::as_select(),
        ))
        .load(conn)?;
    let mut leased = Vec::new();
    for (mut delivery, webhook, event) in candidates {
        let taken = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(&delivery.webhook_id))
                .filter(webhook_deliveries::event_seq.eq(delivery.event_seq))
                .filter(webhook_deliveries::status.eq("pending"))
                .filter(
                    webhook_deliveries::lease_until
                        .is_null()
                        .or(webhook_deliveries::lease_until.lt(now)),
                ),
        )
        .set(webhook_deliveries::lease_until.eq(lease_until))
        .execute(conn)?;
        if taken == 1 {
            delivery.lease_until = Some(lease_until);
            leased.push(Due {
                webhook,
                delivery,
                event,
            });
        }
    }
    Ok(leased)
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
