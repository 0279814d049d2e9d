//! Closing a cycle without holding anyone up: a short transaction claims it (submissions to it
//! stop), its sealed answers are opened off the async threads and written in short
//! transactions nobody reads yet, and one short transaction marks it closed; then its results
//! are stored and the sealed records deleted. Seen from outside it is all or nothing: a close
//! that dies leaves the cycle open with every answer sealed, and what it wrote is deleted.
use super::audit::{self, Actor, AuditAction, Target};
use super::cycle_keys::leave_no_copy;
use super::cycles::load;
use super::runs::{self, Started};
use super::sealing::{self, Opened};
use super::{App, Error, Result};
use crate::db::runs::Kind;
use crate::db::sealed::Purge;
use crate::db::{bulk, cycles, sealed};
use crate::domain::cycle::Cycle;
use crate::domain::time;
use crate::domain::token::random_id;
use std::time::{Duration, Instant};

/// The latest a close call answers, under the request's 30 s limit.
const ANSWER_WITHIN: Duration = Duration::from_secs(25);

/// Closes a cycle now (404 for an unknown one); closing a closed cycle changes nothing; 409
/// while another close of it is under way. Waits `close_wait_secs` at most for the whole close:
/// a longer one (a cycle of ~100,000 sealed answers) answers once the cycle is closed and its
/// results stored, while its sealed records are still being deleted; one not closed even after
/// [`ANSWER_WITHIN`] answers 409 `closing_under_way` and runs on, rather than running into the
/// request's timeout.
#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn close(app: &App, actor: &Actor, id: &str) -> Result<Cycle> {
    let asked = Instant::now();
    cycles::load(&app.db.pool, id).await?.ok_or_else(|| Error::not_found("cycle", id))?;
    // Run to its end even if the caller goes (a request that timed out): a close dropped
    // halfway would hold the cycle until it counts as dead, and then be undone.
    let (app_, actor_, id_) = (app.clone(), actor.clone(), id.to_string());
    let (stored, stored_rx) = tokio::sync::oneshot::channel();
    let mut task = tokio::spawn(async move {
        let closed = close_now(&app_, &actor_, &id_, Some(stored)).await;
        if let Err(e) = &closed {
            tracing::warn!(cycle = %id_, error = %e.chain(), "the close failed");
        }
        closed
    });
    let whole = asked + Duration::from_secs(u64::from(app.config.close_wait_secs));
    let latest = asked + ANSWER_WITHIN;
    if let Ok(joined) = tokio::time::timeout_at(whole.into(), &mut task).await {
        joined.map_err(Error::internal)??;
    } else if tokio::time::timeout_at(latest.into(), stored_rx).await.is_ok_and(|sent| sent.is_err()) {
        // Not sent: the close failed or never began; the task says which.
        if let Ok(joined) = tokio::time::timeout_at(latest.into(), &mut task).await {
            joined.map_err(Error::internal)??;
        }
    }
    let cycle = load(app, id).await?;
    if !cycle.closed {
        let kind = runs::progress(app, id).await?.map_or(Kind::Close, |run| Kind::parse(&run.kind));
        return Err(super::launch_run::busy(kind, id));
    }
    Ok(cycle)
}

/// Waits, [`ANSWER_WITHIN`] at most, for the run under way on a cycle (another close) to end.
pub(super) async fn wait_for_close(app: &App, id: &str) -> Result<()> {
    let until = Instant::now() + ANSWER_WITHIN;
    while Instant::now() < until && runs::progress(app, id).await?.is_some() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Closes the cycle and records who closed it (the server itself when its `closes_at` came).
/// False when it was closed already, or another close of it is under way.
/// `stored` hears when the cycle is closed and its results stored (or, logged, could not be),
/// before its sealed records are deleted.
pub(super) async fn close_now(
    app: &App,
    actor: &Actor,
    id: &str,
    stored: Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<bool> {
    let started = Instant::now();
    let run = random_id();
    let sealed_now = sealed::count(&app.db.pool, id).await?;
    if runs::start(app, id, &run, Kind::Close, sealed_now as usize).await? != Started::Running {
        return Ok(false);
    }
    let released = match release(app, actor, id, &run).await {
        Ok(released) => released,
        Err(e) => {
            runs::give_up(app, id, &run, Kind::Close).await;
            return Err(e);
        }
    };
    app.wake_outbox();
    // The cycle's key, deleted by the closing transaction, leaves no copy in the WAL either:
    // from here on no copy of the database opens a sealed record of the cycle.
    leave_no_copy(app, Purge::Key).await;
    // How long each step took, in the log: a long close can be told apart.
    let ms = |since: Instant| since.elapsed().as_millis() as u64;
    tracing::info!(cycle = %id, released = released.len(), closing_ms = ms(started), "cycle closed");
    let storing = Instant::now();
    store_results(app, id).await;
    if let Some(stored) = stored {
        _ = stored.send(());
    }
    let scrubbing = Instant::now();
    if let Err(e) = scrub(app, &released).await {
        tracing::warn!(error = %e, "could not scrub released sealed answers yet");
    }
    tracing::info!(cycle = %id, results_ms = scrubbing.duration_since(storing).as_millis() as u64, scrub_ms = ms(scrubbing), "closed cycle's results stored and its sealed records deleted");
    Ok(true)
}

/// Stores a closed cycle's results now, so no reader pays for them. If it cannot (logged),
/// readers compute them until the worker stores them; the sealed records are deleted all the same.
async fn store_results(app: &App, id: &str) {
    let stored = match cycles::load(&app.db.pool, id).await {
        Ok(Some(cycle)) => super::closed::ensure(&app.db, &cycle).await,
        Ok(None) => return,
        Err(e) => Err(e.into()),
    };
    match stored {
        // Its "results are ready" emails were queued with the results.
        Ok(()) => app.wake_outbox(),
        Err(e) => tracing::warn!(error = %e.chain(), "could not store the closed cycle's results yet"),
    }
}

/// Opens and writes the cycle's answers, then the one transaction that marks it closed.
async fn release(app: &App, actor: &Actor, id: &str, run: &str) -> Result<Opened> {
    let reading = Instant::now();
    let opened = sealing::open_cycle(app, id, run).await?;
    let staging = Instant::now();
    let now = time::now();
    sealing::stage(app, id, run, &opened, &app.calendar.day(now)).await?;
    let (open_ms, stage_ms) =
        (staging.duration_since(reading).as_millis() as u64, staging.elapsed().as_millis() as u64);
    tracing::info!(cycle = %id, open_ms, stage_ms, "the cycle's answers opened and written");
    publish(app, actor, id, run, &opened, now).await?;
    Ok(opened)
}

/// The closing transaction: marks the cycle closed with its groups' distinct raters, ends
/// its drafts, queues its `cycle.closed` webhooks and records who closed it. What the run
/// wrote becomes readable at once.
async fn publish(app: &App, actor: &Actor, id: &str, run: &str, opened: &Opened, now: i64) -> Result<()> {
    let _turn = app.write_turn().await;
    let mut tx = app.db.begin().await?;
    runs::still_running(crate::db::runs::beat(&mut tx, id, run, 0).await?)?;
    if !cycles::mark_closed(&mut tx, id, now).await? {
        return Err(Error::conflict("cycle_closed", "the cycle was closed meanwhile").naming(id));
    }
    // Every answer sealed before the claim was read; never one since (the claim stopped them).
    let sealed_now = sealed::count_in(&mut tx, id).await?;
    if sealed_now != opened.sealed_ids.len() as i64 {
        return Err(Error::conflict(
            "closing_raced",
            format!(
                "an answer came in as the close began ({sealed_now} sealed, {} opened); close again",
                opened.sealed_ids.len()
            ),
        )
        .naming(id));
    }
    sealed::insert_raters(&mut tx, id, &opened.raters()).await?;
    // Crypto-shredding: from this commit on, no sealed record of the cycle opens under any key
    // the database and the server key hold, however long their deletion below takes.
    crate::db::cycle_keys::delete(&mut tx, id).await?;
    // Unsent drafts end with the cycle: nothing that was never submitted is kept.
    crate::db::drafts::delete_for_cycle(&mut tx, id).await?;
    crate::db::webhooks::queue_cycle_closed(&mut tx, id, now).await?;
    let detail = format!("{} anonymous answer(s) released", opened.len());
    audit::write(&mut tx, actor, AuditAction::CloseCycle, Target::Cycle(id), &detail).await?;
    crate::db::runs::end(&mut tx, id, run).await?;
    tx.commit().await?;
    app.keys.forget(id);
    Ok(())
}

/// Sealed records deleted per transaction after a close: zeroing 250 records of 4 KiB and more
/// (`secure_delete`) holds the write lock for some tens of milliseconds.
const DELETE_PER_TX: usize = 250;
/// The same, for records whose key the close destroyed: their pages are freed, not zeroed.
const SHREDDED_PER_TX: usize = 500;

/// Deletes the released sealed records, then leaves no copy of them where a later copy of the
/// database could find them. Records under their cycle's destroyed key are ciphertext nobody
/// can open: their pages are freed, not zeroed. Records sealed under the server key's own key
/// (before their cycle had one) would open with it: theirs are zeroed.
async fn scrub(app: &App, opened: &Opened) -> std::result::Result<(), sqlx::Error> {
    if opened.sealed_ids.is_empty() {
        return Ok(());
    }
    let mut shredder =
        if opened.under_server_key == 0 { Some(bulk::writer(&app.db, &bulk::SHREDDING).await?) } else { None };
    let per_tx = if shredder.is_some() { SHREDDED_PER_TX } else { DELETE_PER_TX };
    for chunk in opened.sealed_ids.chunks(per_tx) {
        let _turn = app.write_turn().await;
        match shredder.as_mut() {
            Some(shredder) => sealed::shred(shredder, chunk).await?,
            None => sealed::delete(&app.db, chunk).await?,
        }
    }
    if let Some(shredder) = shredder {
        shredder.finish().await;
    }
    leave_no_copy(app, Purge::Records).await;
    Ok(())
}

/// Deletes the sealed records of closed cycles a close left (it stopped after closing).
pub(super) async fn delete_released_left(app: &App) -> Result<()> {
    let mut deleted = false;
    loop {
        let ids = sealed::released_left(&app.db, DELETE_PER_TX as i64).await?;
        if ids.is_empty() {
            break;
        }
        sealed::delete(&app.db, &ids).await?;
        deleted = true;
    }
    if deleted {
        leave_no_copy(app, Purge::Records).await;
    }
    Ok(())
}

/// Closes every cycle whose `closes_at` has passed (the worker, on every instance: each
/// cycle closes once).
#[tracing::instrument(skip_all)]
pub async fn close_due(app: &App) -> Result<Vec<String>> {
    if let Err(e) = super::cycle_keys::tidy(app).await {
        tracing::warn!(error = %e.chain(), "could not drop closed cycles' keys from memory yet");
    }
    let mut closed = Vec::new();
    for id in cycles::due(&app.db.pool, time::now()).await? {
        match close_now(app, &Actor::System, &id, None).await {
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
