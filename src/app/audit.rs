//! The audit log (CONTRACT §9 trust): every change made through the API, the admin pages or the
//! CLI, with who made it (a person, an API key by name, the CLI), when and what — counts and
//! ids of what was changed, never an answer or who gave one. Transports record an action once
//! it has succeeded; a failure to record is logged and does not undo the action.
use super::{App, Result};
use crate::db::audit;
use crate::domain::time;

pub use crate::db::audit::AuditEntry;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Person(String),
    ApiKey(String),
    Cli,
    /// The server itself (the worker's retention sweep).
    System,
}

impl Actor {
    fn parts(&self) -> (&str, &str) {
        match self {
            Actor::Person(id) => ("person", id),
            Actor::ApiKey(name) => ("api_key", name),
            Actor::Cli => ("cli", "cli"),
            Actor::System => ("system", "worker"),
        }
    }
}

/// Records one change; one made to a cycle names it as its target.
pub async fn record(app: &App, actor: &Actor, action: &str, cycle: Option<&str>, detail: impl AsRef<str>) {
    let target = cycle.map(|c| format!("cycle {c}")).unwrap_or_default();
    record_for(app, actor, action, cycle, &target, detail).await
}

/// Records one change to a named target (`person E1001`, `key …`).
pub async fn record_for(
    app: &App,
    actor: &Actor,
    action: &str,
    cycle: Option<&str>,
    target: &str,
    detail: impl AsRef<str>,
) {
    let entry = audit::NewEntry { actor: actor.parts(), action, cycle, target, detail: detail.as_ref() };
    if let Err(e) = audit::insert(&app.db.pool, &entry, time::now()).await {
        tracing::error!(error = %e, action, "could not record an audit entry");
    }
}

/// Records one change inside the transaction that makes it: both happen, or neither.
pub async fn record_in(tx: &mut crate::db::Tx, actor: &Actor, action: &str, target: &str, detail: &str) -> Result<()> {
    let entry = audit::NewEntry { actor: actor.parts(), action, cycle: None, target, detail };
    Ok(audit::insert(&mut **tx, &entry, time::now()).await?)
}

/// A page of entries, newest first (`before`: the last id of the previous page).
pub async fn page(app: &App, cycle: Option<&str>, before: Option<i64>, limit: Option<i64>) -> Result<Vec<AuditEntry>> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(super::Error::invalid("invalid_limit", "limit is 1 to 1000"));
    }
    Ok(audit::page(&app.db.pool, cycle, before, limit).await?)
}
