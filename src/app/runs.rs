//! Long operations on a cycle, in short transactions (`db::runs`): starting one (after undoing
//! a dead one), undoing one that failed, and the sweep that undoes those that died.
use super::{App, Error, Result};
use crate::db::runs::{self, Begun, Kind};
use crate::domain::time;
use crate::domain::token::random_id;

/// Rows a run wrote are deleted per transaction in this many.
const CLEAR_PER_TX: i64 = 500;

/// What [`start`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    Running,
    NotOpen,
    Busy(Kind),
}

/// Claims the cycle for a new run, `total` rows long (for its progress); a dead run holding it
/// is undone first.
pub async fn start(app: &App, cycle: &str, run: &str, kind: Kind, total: usize) -> Result<Started> {
    for _ in 0..3 {
        match runs::begin(&app.db, cycle, run, kind, total as i64, time::now()).await? {
            Begun::Running => return Ok(Started::Running),
            Begun::NotOpen => return Ok(Started::NotOpen),
            Begun::Busy(k) => return Ok(Started::Busy(k)),
            Begun::Dead => {
                sweep_runs(app, Some(cycle)).await?;
            }
        }
    }
    // Taken over by another sweep each time: it is busy.
    Ok(Started::Busy(kind))
}

/// Deletes what the run wrote and frees its cycle (a run that failed, or a dead one taken over
/// by `owner`).
pub async fn undo(app: &App, cycle: &str, run: &str, owner: &str, kind: Kind) -> Result<()> {
    loop {
        let _turn = app.write_turn().await;
        let gone = match kind {
            Kind::Close => runs::clear_released(&app.db, cycle, run, CLEAR_PER_TX).await?,
            Kind::Launch => runs::clear_launched(&app.db, cycle, run, CLEAR_PER_TX).await?,
        };
        if gone == 0 {
            break;
        }
    }
    runs::end_now(&app.db, cycle, owner).await?;
    Ok(())
}

/// [`undo`] for a run that failed: logged, never in the way of the error that stopped it. If
/// it fails too, the run goes stale and the sweep undoes it.
pub async fn give_up(app: &App, cycle: &str, run: &str, kind: Kind) {
    if let Err(e) = undo(app, cycle, run, run, kind).await {
        tracing::warn!(cycle = %cycle, error = %e.chain(), "could not undo a failed run yet; the worker will");
    }
}

/// Undoes the runs that died (of `cycle`, or all): each is taken over, then what it wrote is
/// deleted. Returns how many it undid.
pub async fn sweep_runs(app: &App, cycle: Option<&str>) -> Result<usize> {
    let mut undone = 0;
    for dead in runs::stale(&app.db, cycle).await? {
        let owner = random_id();
        if runs::take_over(&app.db, &dead, &owner).await? {
            undo(app, &dead.cycle_id, &dead.run, &owner, Kind::parse(&dead.kind)).await?;
            undone += 1;
        }
    }
    Ok(undone)
}

/// Err when the run no longer owns its cycle (it stalled, and another took it over).
pub fn still_running(owned: bool) -> Result<()> {
    if owned {
        return Ok(());
    }
    Err(Error::conflict("run_taken_over", "this operation stalled and another took it over; nothing of it is kept"))
}

/// The worker's clean-up: dead runs undone, and sealed records a close left after closing
/// deleted. Returns how many runs it undid.
pub async fn sweep(app: &App) -> Result<usize> {
    let undone = sweep_runs(app, None).await?;
    super::closing::delete_released_left(app).await?;
    Ok(undone)
}

/// The run under way on a cycle, for the admin pages: its kind, rows written, rows in all.
pub async fn progress(app: &App, cycle: &str) -> Result<Option<runs::Progress>> {
    Ok(runs::progress(&app.db.pool, cycle).await?)
}
