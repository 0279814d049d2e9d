//! API keys and webhooks: how other programs talk to Candor.
use super::{App, Error, Result};
use crate::db::{api_keys, webhooks};
use crate::domain::api_key::Scope;
use crate::domain::id::parse_label;
use crate::domain::time;

pub use crate::db::api_keys::NewKey;
pub use crate::db::webhooks::Webhook;

pub async fn create_key(app: &App, name: &str, scope: Scope) -> Result<NewKey> {
    let name = parse_label(name, "name", 100).map_err(|e| Error::invalid("invalid_key", e))?;
    Ok(api_keys::create(&app.db.pool, &name, scope).await?)
}

/// The scope of a presented key, or `None` when it is unknown, revoked or wrong.
pub async fn verify_key(app: &App, presented: &str) -> Result<Option<Scope>> {
    Ok(api_keys::verify(&app.db.pool, presented).await?)
}

/// (name, scope) of every live key.
pub async fn keys(app: &App) -> Result<Vec<(String, String)>> {
    Ok(crate::db::admin::api_keys(&app.db.pool).await?)
}

/// Registers a receiver: an http(s) URL, stored normalised, and a shared secret.
pub async fn create_webhook(app: &App, url: &str, secret: &str) -> Result<Webhook> {
    let url = crate::domain::net::webhook_url(url, app.config.webhook_allow_private)
        .map_err(|e| Error::invalid("invalid_webhook", e))?;
    if !(16..=256).contains(&secret.len()) {
        return Err(Error::invalid("invalid_webhook", "secret must be 16 to 256 characters"));
    }
    let hook = webhooks::create(&app.db, url.as_str(), secret, time::now()).await?;
    tracing::info!(webhook = %hook.id, "webhook registered");
    Ok(hook)
}

pub async fn webhooks(app: &App) -> Result<Vec<Webhook>> {
    Ok(webhooks::list(&app.db).await?)
}

pub async fn delete_webhook(app: &App, id: &str) -> Result<()> {
    if webhooks::delete(&app.db, id).await? { Ok(()) } else { Err(Error::not_found("webhook", id)) }
}
