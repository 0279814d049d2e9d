//! Closing a cycle: the one transaction that marks it closed and releases its sealed answers,
//! then the scrub of what was sealed and the results stored for every reader.
use super::audit::{self, Actor, AuditAction, Target};
use super::cycles::load;
use super::{App, Error, Result};
use crate::db::cycles;
use crate::domain::cycle::Cycle;
use crate::domain::time;

/// Closes a cycle now (404 for an unknown one); closing a closed cycle changes nothing.
#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn close(app: &App, actor: &Actor, id: &str) -> Result<Cycle> {
    cycles::load(&app.db.pool, id).await?.ok_or_else(|| Error::not_found("cycle", id))?;
    close_now(app, actor, id).await?;
    load(app, id).await
}

/// The closing transaction: marks the cycle closed, releases its sealed answers and queues its
/// `cycle.closed` webhooks, atomically, and records who closed it (the server itself when its
/// `closes_at` came). False when it was closed already.
pub(super) async fn close_now(app: &App, actor: &Actor, id: &str) -> Result<bool> {
    let now = time::now();
    let started = std::time::Instant::now();
    let mut tx = app.db.begin().await?;
    if !cycles::mark_closed(&mut tx, id, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let released = super::sealing::release(app, &mut tx, id, &app.calendar.day(now)).await?;
    // Unsent drafts end with the cycle: nothing that was never submitted is kept.
    crate::db::drafts::delete_for_cycle(&mut tx, id).await?;
    crate::db::webhooks::queue_cycle_closed(&mut tx, id, now).await?;
    let detail = format!("{released} anonymous answer(s) released");
    audit::write(&mut tx, actor, AuditAction::CloseCycle, Target::Cycle(id), &detail).await?;
    tx.commit().await?;
    app.wake_outbox();
    // How long each step took, in the log: a long close can be told apart.
    let ms = |since: std::time::Instant| since.elapsed().as_millis() as u64;
    tracing::info!(cycle = %id, released, closing_ms = ms(started), "cycle closed");
    let scrubbing = std::time::Instant::now();
    if released > 0
        && let Err(e) = crate::db::sealed::scrub(&app.db).await
    {
        tracing::warn!(error = %e, "could not scrub released sealed answers yet");
    }
    let storing = std::time::Instant::now();
    // Stored now, so no reader pays for it; if this fails the first reader stores them.
    if let Some(cycle) = cycles::load(&app.db.pool, id).await? {
        match super::closed::ensure(&app.db, &cycle).await {
            // Its "results are ready" emails were queued with the results.
            Ok(()) => app.wake_outbox(),
            Err(e) => tracing::warn!(error = %e.chain(), "could not store the closed cycle's results yet"),
        }
    }
    tracing::info!(cycle = %id, scrub_ms = storing.duration_since(scrubbing).as_millis() as u64, results_ms = ms(storing), "closed cycle scrubbed and its results stored");
    Ok(true)
}

/// Closes every cycle whose `closes_at` has passed (the worker, on every instance: each
/// cycle closes once).
#[tracing::instrument(skip_all)]
pub async fn close_due(app: &App) -> Result<Vec<String>> {
    let mut closed = Vec::new();
    for id in cycles::due(&app.db.pool, time::now()).await? {
        match close_now(app, &Actor::System, &id).await {
            Ok(true) => closed.push(id),
            Ok(false) => {}
            // One cycle that cannot close (a record its key cannot open, say) holds up no other.
            Err(e @ (Error::Conflict { .. } | Error::Invalid { .. })) => {
                tracing::error!(cycle = %id, error = %e.chain(), "a due cycle cannot close");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}
