//! Webhook delivery, from a task on every instance: new events are queued for each
//! endpoint whose service account may see their object (at that moment), and due
//! deliveries are leased, signed, sent and recorded. The queue is in the database, so
//! it survives restarts; a lease keeps two instances from sending one delivery at
//! once, and the event id (`webhook-id`) lets the receiver drop a repeat.

use super::egress::{self, Exemptions};
use super::feed::{OutboxEvent, Sight, Types};
use super::queries::{self, Due};
use super::webhook::{
    self, DeliveryRow, MAX_RETRY_AFTER_SECS, RETRY_DELAYS_SECS, SignatureScheme, TIMEOUT,
    WebhookRow,
};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::ledger::outbox;
use crate::state::AppState;
use chrono::{Duration, NaiveDateTime};

/// Events one endpoint is considered for per pass.
const QUEUE_PER_PASS: i64 = 500;
/// Deliveries one instance takes per pass.
const LEASE_PER_PASS: i64 = 256;
/// How long a lease holds: longer than an attempt may take.
const LEASE_SECS: i64 = 60;

/// Queues the events each active endpoint has not considered yet; how many.
pub fn queue(conn: &mut DbConn) -> ApiResult<usize> {
    let mut queued = 0;
    for hook in queries::active_webhooks(conn)? {
        let Some(account) =
            crate::auth::queries::account_principal(conn, &hook.service_account_id)?
        else {
            continue;
        };
        let rows = outbox::after(conn, hook.cursor, QUEUE_PER_PASS)?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            continue;
        };
        let joined = hook.types().join(",");
        let types = Types::parse(Some(joined.as_str()).filter(|t| !t.is_empty()));
        let mut wanted = Vec::new();
        let mut sight = Sight::of(&account);
        for row in &rows {
            if types.admits(&row.event_type) && sight.may_see(conn, row)? {
                wanted.push(row.seq);
            }
        }
        let now = crate::db::now();
        let moved = crate::db::write_tx(conn, |conn| -> ApiResult<bool> {
            if !queries::advance_cursor(conn, &hook.id, hook.cursor, last)? {
                return Ok(false);
            }
            queries::queue_deliveries(conn, &hook.id, &wanted, now)?;
            Ok(true)
        })?;
        if moved {
            queued += wanted.len();
        }
    }
    Ok(queued)
}

/// What an attempt came to.
#[derive(Debug)]
pub enum Outcome {
    Delivered {
        status: u16,
    },
    /// `410 Gone`: the receiver wants no more; the endpoint is disabled.
    Gone,
    /// `429` or `503` with `Retry-After`.
    RetryAfter {
        status: u16,
        secs: i64,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// The signatures of one delivery, in each scheme the endpoint asked for: the
/// current generation's, and the previous one's while a rotation overlaps.
pub fn signatures(
    key: &[u8; 32],
    hook: &WebhookRow,
    id: &str,
    ts: i64,
    body: &str,
    now: NaiveDateTime,
) -> String {
    let mut generations = vec![hook.secret_generation];
    if hook.previous_generation_until.is_some_and(|t| t > now) {
        generations.push(hook.secret_generation - 1);
    }
    let mut out = Vec::new();
    for scheme in hook.schemes() {
        for generation in &generations {
            out.push(match scheme {
                SignatureScheme::V1 => {
                    webhook::sign(&webhook::secret(key, &hook.id, *generation), id, ts, body)
                }
                SignatureScheme::V1a => webhook::sign_v1a(
                    &webhook::signing_key(key, &hook.id, *generation),
                    id,
                    ts,
                    body,
                ),
            });
        }
    }
    out.join(" ")
}

/// Checks each distinct endpoint URL of a pass against the address guard, once: DNS
/// may point elsewhere since the last pass, so it is asked again each time. The
/// refusal, as the delivery log puts it, for a URL that may not be sent to.
async fn guard(
    state: &AppState,
    dues: &[Due],
) -> std::collections::HashMap<String, Option<String>> {
    let mut urls: Vec<String> = dues.iter().map(|d| d.webhook.url.clone()).collect();
    urls.sort();
    urls.dedup();
    let exemptions = Exemptions::parse(&state.settings.webhook_allow_hosts).unwrap_or_default();
    let checked = actix_web::web::block(move || {
        urls.into_iter()
            .map(|url| {
                let refusal = egress::check(&url, &exemptions)
                    .err()
                    .map(|refusal| format!("the URL {}", refusal.message()));
                (url, refusal)
            })
            .collect::<Vec<_>>()
    })
    .await;
    match checked {
        Ok(checked) => checked.into_iter().collect(),
        Err(_) => dues
            .iter()
            .map(|d| {
                let refusal = "the address check did not finish".to_owned();
                (d.webhook.url.clone(), Some(refusal))
            })
            .collect(),
    }
}

/// Sends one delivery whose URL passed the address guard.
async fn attempt(state: &AppState, client: &awc::Client, due: &Due) -> (Outcome, i64) {
    let started = std::time::Instant::now();
    let event = OutboxEvent::new(due.event.clone(), &due.webhook.agency_id);
    let body = serde_json::to_string(&event).expect("an event serialises");
    let now = crate::db::now();
    let ts = now.and_utc().timestamp();
    let signature = signatures(&state.webhook_key, &due.webhook, &event.id, ts, &body, now);
    let sent = client
        .post(&due.webhook.url)
        .timeout(TIMEOUT)
        .insert_header(("content-type", "application/json"))
        .insert_header(("webhook-id", event.id.as_str()))
        .insert_header(("webhook-timestamp", ts.to_string()))
        .insert_header(("webhook-signature", signature))
        .insert_header(("user-agent", "caseledger-webhooks/1"))
        .send_body(body)
        .await;
    let latency = started.elapsed().as_millis() as i64;
    let outcome = match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            let retry_after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok());
            match status {
                200..=299 => Outcome::Delivered { status },
                410 => Outcome::Gone,
                429 | 503 if retry_after.is_some() => Outcome::RetryAfter {
                    status,
                    secs: retry_after.unwrap_or(0).clamp(0, MAX_RETRY_AFTER_SECS),
                },
                _ => Outcome::Failed {
                    status: Some(status),
                    error: format!("the endpoint answered {status}"),
                },
            }
        }
        Err(e) => Outcome::Failed {
            status: None,
            error: match e {
                awc::error::SendRequestError::Timeout => "no answer within 15 s".into(),
                awc::error::SendRequestError::Connect(_) => "the connection failed".into(),
                _ => "the request failed".into(),
            },
        },
    };
    (outcome, latency)
}

/// An attempt's consequences: the delivery's next state, and the reason to disable
/// its endpoint when it is done with (410, or a delivery that exhausted the schedule).
pub struct Settled {
    pub delivery: DeliveryRow,
    pub disable: Option<String>,
}

pub fn settle(scale: f64, due: &Due, outcome: &Outcome, latency_ms: i64) -> Settled {
    let now = crate::db::now();
    let mut row: DeliveryRow = due.delivery.clone();
    row.attempts += 1;
    row.lease_until = None;
    row.last_latency_ms = Some(latency_ms);
    row.updated_at = now;
    let mut disable: Option<String> = None;
    let retry_in = |attempts: i32| -> Option<Duration> {
        RETRY_DELAYS_SECS
            .get((attempts - 1) as usize)
            .map(|secs| Duration::milliseconds((*secs as f64 * 1000.0 * scale) as i64))
    };
    match outcome {
        Outcome::Delivered { status } => {
            row.status = "delivered".into();
            row.next_attempt_at = None;
            row.last_status = Some(*status as i32);
            row.last_error = None;
        }
        Outcome::Gone => {
            row.status = "failed".into();
            row.next_attempt_at = None;
            row.last_status = Some(410);
            row.last_error = Some("the endpoint answered 410 Gone".into());
            disable = Some("the endpoint answered 410 Gone".into());
        }
        Outcome::RetryAfter { status, secs } => {
            row.last_status = Some(*status as i32);
            row.last_error = Some(format!(
                "the endpoint answered {status}, retry after {secs} s"
            ));
            if (row.attempts as usize) <= RETRY_DELAYS_SECS.len() {
                row.next_attempt_at = Some(now + Duration::seconds(*secs));
            } else {
                row.status = "failed".into();
                row.next_attempt_at = None;
                disable = Some(format!(
                    "deliveries keep failing: the endpoint answered {status}"
                ));
            }
        }
        Outcome::Failed { status, error } => {
            row.last_status = status.map(i32::from);
            row.last_error = Some(error.clone());
            match retry_in(row.attempts) {
                Some(delay) => row.next_attempt_at = Some(now + delay),
                None => {
                    row.status = "failed".into();
                    row.next_attempt_at = None;
                    disable = Some(format!("deliveries keep failing: {error}"));
                }
            }
        }
    }
    Settled {
        delivery: row,
        disable,
    }
}

/// Records a pass's attempts in one transaction: each delivery's next state, and the
/// endpoints to disable.
pub fn record(conn: &mut DbConn, settled: &[Settled]) -> ApiResult<()> {
    if settled.is_empty() {
        return Ok(());
    }
    let now = crate::db::now();
    // Most attempts arrive: those go in one statement, the rest row by row.
    let arrivals: Vec<queries::Arrival<'_>> = settled
        .iter()
        .filter(|done| done.delivery.status == "delivered")
        .map(|done| queries::Arrival {
            webhook_id: &done.delivery.webhook_id,
            event_seq: done.delivery.event_seq,
            status: done.delivery.last_status.unwrap_or_default(),
            latency_ms: done.delivery.last_latency_ms.unwrap_or_default(),
        })
        .collect();
    crate::db::write_tx(conn, |conn| -> ApiResult<()> {
        queries::mark_delivered(conn, &arrivals, now)?;
        for done in settled.iter().filter(|d| d.delivery.status != "delivered") {
            queries::update_delivery(conn, &done.delivery)?;
            if let Some(reason) = &done.disable
                && let Some(mut hook) = queries::webhook(conn, &done.delivery.webhook_id)?
                && hook.status != "disabled"
            {
                hook.status = "disabled".into();
                hook.disabled_reason = Some(reason.clone());
                hook.updated_at = now;
                queries::update_webhook(conn, &hook)?;
            }
        }
        Ok(())
    })
}

/// Records, in one transaction, that deliveries are not made: their endpoint's
/// account may no longer see the object (or is disabled).
fn withhold(conn: &mut DbConn, dues: &[Due]) -> ApiResult<()> {
    if dues.is_empty() {
        return Ok(());
    }
    let now = crate::db::now();
    crate::db::write_tx(conn, |conn| -> ApiResult<()> {
        for due in dues {
            let mut row = due.delivery.clone();
            row.status = "withheld".into();
            row.lease_until = None;
            row.next_attempt_at = None;
            row.last_error =
                Some("the endpoint's service account may no longer see this object".into());
            row.updated_at = now;
            queries::update_delivery(conn, &row)?;
        }
        Ok(())
    })
}

/// Splits leased deliveries into those to send and those to withhold, by what each
/// endpoint's service account may see now: one check per account and object.
fn sendable(conn: &mut DbConn, leased: Vec<Due>) -> ApiResult<(Vec<Due>, Vec<Due>)> {
    let mut accounts = std::collections::HashMap::new();
    for due in &leased {
        let id = &due.webhook.service_account_id;
        if !accounts.contains_key(id) {
            let account = crate::auth::queries::account_principal(conn, id)?;
            accounts.insert(id.clone(), account);
        }
    }
    let mut sights: std::collections::HashMap<&str, Sight<'_>> = accounts
        .iter()
        .filter_map(|(id, account)| Some((id.as_str(), Sight::of(account.as_ref()?))))
        .collect();
    let mut send = Vec::new();
    let mut withheld = Vec::new();
    for due in leased {
        let seen = match sights.get_mut(due.webhook.service_account_id.as_str()) {
            Some(sight) => sight.may_see(conn, &due.event)?,
            None => false,
        };
        if seen {
            send.push(due);
        } else {
            withheld.push(due);
        }
    }
    Ok((send, withheld))
}

/// One pass: queue, lease, send, record.
pub async fn pass(state: &AppState, client: &awc::Client) -> ApiResult<usize> {
    let started = std::time::Instant::now();
    let queued = state.db(queue).await?;
    let t_queue = started.elapsed();
    let now = crate::db::now();
    let leased = state
        .db(move |conn| {
            Ok(queries::lease_due(
                conn,
                now,
                now + Duration::seconds(LEASE_SECS),
                LEASE_PER_PASS,
            )?)
        })
        .await?;
    let count = leased.len();
    let t_lease = started.elapsed();
    // Seen at delivery time: an agency removed from a case since the event was queued
    // hears no more of it.
    let (leased, withheld) = state.db(move |conn| sendable(conn, leased)).await?;
    state.db(move |conn| withhold(conn, &withheld)).await?;
    let refused = guard(state, &leased).await;
    let attempts = leased.iter().map(|due| async {
        // Sent only when the guard passed this URL in this pass.
        match refused.get(&due.webhook.url) {
            Some(None) => attempt(state, client, due).await,
            Some(Some(error)) => (
                Outcome::Failed {
                    status: None,
                    error: error.clone(),
                },
                0,
            ),
            None => (
                Outcome::Failed {
                    status: None,
                    error: "the address check did not finish".into(),
                },
                0,
            ),
        }
    });
    let outcomes = futures_util::future::join_all(attempts).await;
    let t_send = started.elapsed();
    let scale = state.settings.webhook_retry_scale;
    let settled: Vec<Settled> = leased
        .iter()
        .zip(&outcomes)
        .map(|(due, (outcome, latency))| settle(scale, due, outcome, *latency))
        .collect();
    state.db(move |conn| record(conn, &settled)).await?;
    tracing::debug!(
        queued,
        leased = count,
        queue_ms = t_queue.as_millis() as u64,
        lease_ms = t_lease.as_millis() as u64,
        send_ms = t_send.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "webhook delivery pass"
    );
    Ok(count)
}

/// Delivers for as long as the service runs.
pub async fn run(state: AppState) {
    let exemptions = Exemptions::parse(&state.settings.webhook_allow_hosts).unwrap_or_default();
    let client = egress::client(exemptions, TIMEOUT);
    let every = std::time::Duration::from_millis(state.settings.webhook_poll_ms.max(10));
    loop {
        match pass(&state, &client).await {
            // More may be due at once: go on without waiting.
            Ok(n) if n as i64 == LEASE_PER_PASS => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "a webhook delivery pass failed; it runs again"),
        }
        actix_web::rt::time::sleep(every).await;
    }
}
