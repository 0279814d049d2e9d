//! The background worker: closes cycles that reached `closes_at` and drains the outbox.
use crate::state::AppState;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let poll = Duration::from_millis(state.config.worker_poll_ms);
    loop {
        if let Err(e) = crate::db::cycles::close_due(&state.db.pool, crate::domain::time::now()).await {
            tracing::warn!(error = %e, "closing due cycles failed");
        }
        tokio::select! {
            _ = stop.changed() => break,
            _ = state.outbox_wake.notified() => {},
            _ = tokio::time::sleep(poll) => {},
        }
    }
}
