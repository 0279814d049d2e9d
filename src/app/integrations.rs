//! API keys and webhooks: how other programs talk to Candor.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result};
use crate::db::{api_keys, webhooks};
use crate::domain::api_key::Scope;
use crate::domain::id::parse_label;
use crate::domain::time;

/// A key just created: the only time the key itself is seen.
pub struct NewKey {
    pub id: String,
    pub key: String,
}
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: String,
    pub url: String,
}

/// The receiver without its secret, which is never shown again once given.
impl From<webhooks::Webhook> for Webhook {
    fn from(h: webhooks::Webhook) -> Webhook {
        Webhook { id: h.id, url: h.url }
    }
}

pub async fn create_key(app: &App, actor: &Actor, name: &str, scope: Scope) -> Result<NewKey> {
    let name = parse_label(name, "name", 100).map_err(|e| Error::invalid("invalid_key", e))?;
    let mut tx = app.db.begin().await?;
    let key = api_keys::create(&mut tx, &name, scope).await?;
    let detail = format!("{name}, scope {}", scope.as_str());
    audit::write(&mut tx, actor, AuditAction::CreateApiKey, Target::Key(&key.id), &detail).await?;
    tx.commit().await?;
    Ok(NewKey { id: key.id, key: key.key })
}

/// How stale a key's "last used" may get: it is written at most once a minute per key, so a
/// busy integration does not turn every read into a write.
const LAST_USED_EVERY_SECS: i64 = 60;

/// The scope of a presented key, or `None` when it is unknown, revoked or wrong.
/// The scope and name of a live key.
pub async fn verify_key(app: &App, presented: &str) -> Result<Option<(Scope, String)>> {
    let Some((id, scope, name)) = api_keys::verify(&app.db.pool, presented).await? else { return Ok(None) };
    let now = time::now();
    let due = {
        let mut seen = app.key_uses.lock().unwrap_or_else(|e| e.into_inner());
        let last = seen.entry(id.clone()).or_insert(0);
        let due = now - *last >= LAST_USED_EVERY_SECS;
        if due {
            *last = now;
        }
        due
    };
    if due && let Err(e) = api_keys::touch(&app.db.pool, &id, now).await {
        // Bookkeeping only: a busy database must not refuse the call itself.
        tracing::debug!(error = %e, "key use not recorded");
    }
    Ok(Some((scope, name)))
}

/// A live key as listed: never the key, nor its hash.
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Every live key (never the key itself).
pub async fn keys(app: &App) -> Result<Vec<KeyRow>> {
    let rows = api_keys::list(&app.db.pool).await?;
    Ok(rows
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            scope: k.scope,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        })
        .collect())
}

/// Revokes a key at once: the next call with it is refused (404 for an unknown or revoked one).
#[tracing::instrument(skip_all)]
pub async fn revoke_key(app: &App, actor: &Actor, id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    if !api_keys::revoke(&mut tx, id, time::now()).await? {
        return Err(Error::not_found("API key", id));
    }
    audit::write(&mut tx, actor, AuditAction::RevokeApiKey, Target::Key(id), "").await?;
    tx.commit().await?;
    tracing::info!(key = %id, "API key revoked");
    Ok(())
}

/// Registers a receiver: an http(s) URL, stored normalised, and a shared secret.
#[tracing::instrument(skip_all)]
pub async fn create_webhook(app: &App, actor: &Actor, url: &str, secret: &str) -> Result<Webhook> {
    let url = crate::domain::net::registrable_webhook_url(url, app.config.webhook_allow_private)
        .map_err(|e| Error::invalid("invalid_webhook", e))?;
    if !(16..=256).contains(&secret.chars().count()) {
        return Err(Error::invalid("invalid_webhook", "secret must be 16 to 256 characters"));
    }
    let mut tx = app.db.begin().await?;
    let hook = webhooks::create(&mut tx, url.as_str(), secret, time::now()).await?;
    audit::write(&mut tx, actor, AuditAction::CreateWebhook, Target::Webhook(&hook.id), &format!("to {}", hook.url))
        .await?;
    tx.commit().await?;
    tracing::info!(webhook = %hook.id, "webhook registered");
    Ok(hook.into())
}

/// Queues a signed `webhook.test` event for one receiver; returns its delivery id.
pub async fn test_webhook(app: &App, actor: &Actor, id: &str) -> Result<i64> {
    let mut tx = app.db.begin().await?;
    let queued =
        webhooks::queue_test(&mut tx, id, time::now()).await?.ok_or_else(|| Error::not_found("webhook", id))?;
    audit::write(&mut tx, actor, AuditAction::TestWebhook, Target::Webhook(id), "").await?;
    tx.commit().await?;
    app.wake_outbox();
    Ok(queued)
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
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

impl From<webhooks::Delivery> for Delivery {
    fn from(d: webhooks::Delivery) -> Delivery {
        let webhooks::Delivery { delivery, event, attempt, at, outcome, status, latency_ms } = d;
        Delivery { delivery, event, attempt, at, outcome, status, latency_ms }
    }
}

/// The latest delivery attempts to one receiver, newest first.
pub async fn deliveries(app: &App, id: &str) -> Result<Vec<Delivery>> {
    if !webhooks::list(&app.db).await?.iter().any(|h| h.id == id) {
        return Err(Error::not_found("webhook", id));
    }
    Ok(webhooks::deliveries(&app.db.pool, id, 50).await?.into_iter().map(Delivery::from).collect())
}

pub async fn webhooks(app: &App) -> Result<Vec<Webhook>> {
    Ok(webhooks::list(&app.db).await?.into_iter().map(Webhook::from).collect())
}

pub async fn delete_webhook(app: &App, actor: &Actor, id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    if !webhooks::delete(&mut tx, id).await? {
        return Err(Error::not_found("webhook", id));
    }
    audit::write(&mut tx, actor, AuditAction::DeleteWebhook, Target::Webhook(id), "").await?;
    Ok(tx.commit().await?)
}
