//! Webhook receivers, and queuing their events in the outbox.
use super::{Db, Tx};
use sqlx::Row;

/// A receiver as stored, with its signing secret (the API's view is `app::integrations::Webhook`).
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub secret: String,
}

pub async fn create(tx: &mut Tx, url: &str, secret: &str, now: i64) -> Result<Webhook, sqlx::Error> {
    let id = crate::domain::token::random_id()[..12].to_string();
    sqlx::query("INSERT INTO webhooks (id, url, secret, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(url)
        .bind(secret)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(Webhook { id, url: url.to_string(), secret: secret.to_string() })
}

pub async fn list(db: &Db) -> Result<Vec<Webhook>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, url, secret FROM webhooks ORDER BY created_at, id").fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| Ok(Webhook { id: r.try_get("id")?, url: r.try_get("url")?, secret: r.try_get("secret")? }))
        .collect()
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Webhook>, sqlx::Error> {
    Ok(list(db).await?.into_iter().find(|w| w.id == id))
}

/// Deletes a receiver and its undelivered events; returns false when there was none.
/// Deletes a receiver, in the caller's transaction; false when there was none.
pub async fn delete(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE outbox SET status = 'skipped', last_error = 'webhook deleted' WHERE webhook_id = $1 AND status = 'pending'")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    // Past events keep their row for the record, without the receiver.
    sqlx::query("UPDATE outbox SET webhook_id = NULL WHERE webhook_id = $1").bind(id).execute(&mut **tx).await?;
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(done.rows_affected() > 0)
}

/// Queues `cycle.closed` for every receiver, in the transaction that closed the cycle.
pub async fn queue_cycle_closed(tx: &mut Tx, cycle: &str, now: i64) -> Result<u64, sqlx::Error> {
    let payload = serde_json::json!({"event": "cycle.closed", "cycle": cycle}).to_string();
    let done = sqlx::query(
        "INSERT INTO outbox (kind, webhook_id, payload, status, attempts, next_attempt_ms, created_at) \
         SELECT 'webhook', id, $1, 'pending', 0, $2, $3 FROM webhooks",
    )
    .bind(payload)
    .bind(now * 1000)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Queues a `webhook.test` event for one receiver; returns its delivery (outbox) id, or None
/// for an unknown webhook.
pub async fn queue_test(tx: &mut Tx, webhook: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let payload = serde_json::json!({"event": "webhook.test", "webhook": webhook}).to_string();
    sqlx::query_scalar(
        "INSERT INTO outbox (kind, webhook_id, payload, status, attempts, next_attempt_ms, created_at) \
         SELECT 'webhook', id, $2, 'pending', 0, $3, $4 FROM webhooks WHERE id = $1 RETURNING id",
    )
    .bind(webhook)
    .bind(payload)
    .bind(now * 1000)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// One attempt to deliver an event, as stored (the API's view is `app::integrations::Delivery`).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The delivery's id, as sent in the `Candor-Delivery` header.
    pub delivery: i64,
    pub event: String,
    pub attempt: i64,
    /// RFC 3339.
    pub at: String,
    /// `delivered`, `retrying` or `failed`.
    pub outcome: String,
    /// The receiver's HTTP status, or why there was none.
    pub status: String,
    pub latency_ms: i64,
}

pub async fn record_delivery(
    pool: &sqlx::AnyPool,
    (webhook, outbox_id, event, attempt): (&str, i64, &str, i64),
    (outcome, status, latency_ms): (&str, &str, i64),
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, outbox_id, event, attempt, at, outcome, status, latency_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(webhook)
    .bind(outbox_id)
    .bind(event)
    .bind(attempt)
    .bind(now)
    .bind(outcome)
    .bind(status)
    .bind(latency_ms)
    .execute(pool)
    .await
    .map(|_| ())
}

/// The latest attempts to deliver to one receiver, newest first.
pub async fn deliveries(pool: &sqlx::AnyPool, webhook: &str, limit: i64) -> Result<Vec<Delivery>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT outbox_id, event, attempt, at, outcome, status, latency_ms FROM webhook_deliveries \
         WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(webhook)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(delivery, event, attempt, at, outcome, status, latency_ms)| Delivery {
            delivery,
            event,
            attempt,
            at: crate::domain::time::to_rfc3339(at),
            outcome,
            status,
            latency_ms,
        })
        .collect())
}
