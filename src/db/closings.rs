//! Closes under way: one row per cycle being closed, the run that closes it, and when that run
//! last showed it was alive. While the row exists the cycle takes no submission; the responses
//! the run has released so far carry its id and are read by nobody until the cycle is closed.
use super::{Db, Tx};

/// A run that has not beaten for this long is taken to have died (killed, or its instance
/// gone): another may take its cycle over and delete what it released.
pub const STALE_SECONDS: i64 = 60;

/// What [`begin`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Begun {
    /// This run now closes the cycle (taking over from a dead run, if there was one: what that
    /// one released must go first, see [`clear_released`]).
    Closing,
    /// The cycle is not open (closed already, or unknown).
    NotOpen,
    /// Another run, alive, is closing it.
    Busy,
}

/// Claims the cycle for `run`, in one short transaction. On PostgreSQL the update of the
/// cycle's row waits for the submissions in flight (they hold it `FOR SHARE`), so every answer
/// sealed before the claim is there to read, and every later one is refused.
pub async fn begin(db: &Db, cycle: &str, run: &str, now: i64) -> Result<Begun, sqlx::Error> {
    let mut tx = db.begin().await?;
    let open = sqlx::query("UPDATE cycles SET updated_at = updated_at WHERE id = $1 AND status = 'open'")
        .bind(cycle)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if open == 0 {
        tx.rollback().await?;
        return Ok(Begun::NotOpen);
    }
    let current: Option<(String, i64)> = sqlx::query_as("SELECT run, heartbeat FROM closings WHERE cycle_id = $1")
        .bind(cycle)
        .fetch_optional(&mut *tx)
        .await?;
    match current {
        Some((_, beat)) if beat > now - STALE_SECONDS => {
            tx.rollback().await?;
            return Ok(Begun::Busy);
        }
        Some(_) => {
            sqlx::query("UPDATE closings SET run = $2, heartbeat = $3 WHERE cycle_id = $1")
                .bind(cycle)
                .bind(run)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query("INSERT INTO closings (cycle_id, run, heartbeat) VALUES ($1, $2, $3)")
                .bind(cycle)
                .bind(run)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Begun::Closing)
}

/// Inside a transaction of `run`: shows it is alive, and whether it still owns the cycle (a
/// run taken over as dead must write nothing more).
pub async fn beat(tx: &mut Tx, cycle: &str, run: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE closings SET heartbeat = $3 WHERE cycle_id = $1 AND run = $2")
        .bind(cycle)
        .bind(run)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// [`beat`] in a transaction of its own.
pub async fn beat_now(db: &Db, cycle: &str, run: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let owned = beat(&mut tx, cycle, run, now).await?;
    tx.commit().await?;
    Ok(owned)
}

/// Ends the run's claim (in the transaction that closes the cycle, or when it gives up).
pub async fn end(tx: &mut Tx, cycle: &str, run: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM closings WHERE cycle_id = $1 AND run = $2")
        .bind(cycle)
        .bind(run)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// [`end`] in a transaction of its own.
pub async fn end_now(db: &Db, cycle: &str, run: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    end(&mut tx, cycle, run).await?;
    tx.commit().await
}

/// Which released responses of a cycle [`clear_released`] deletes.
#[derive(Clone, Copy)]
pub enum Released<'a> {
    /// Those of this run (which failed).
    Of(&'a str),
    /// Those of every run but this one (the owner: they died or were taken over).
    NotOf(&'a str),
}

/// Deletes up to `limit` of these released responses, with their answers and values, in one
/// short transaction. Only while the cycle is open: a closed cycle's released answers are its
/// results. Returns how many went; 0 when none are left.
pub async fn clear_released(db: &Db, cycle: &str, which: Released<'_>, limit: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let (op, run) = match which {
        Released::Of(run) => ("=", run),
        Released::NotOf(run) => ("<>", run),
    };
    let sql = format!(
        "SELECT r.id FROM responses r WHERE r.cycle_id = $1 AND r.release_run IS NOT NULL AND r.release_run {op} $2 \
         AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = $1 AND c.status = 'open') LIMIT $3"
    );
    let ids: Vec<String> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(cycle).bind(run).bind(limit).fetch_all(&mut *tx).await?;
    if !ids.is_empty() {
        let list = serde_json::to_string(&ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let within = super::json_values(db.backend, "$1", "text");
        for table in ["response_scores", "answers"] {
            let sql = format!("DELETE FROM {table} WHERE response_id IN {within}");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&list).execute(&mut *tx).await?;
        }
        let sql = format!("DELETE FROM responses WHERE id IN {within}");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&list).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}

/// The closes whose run stopped beating: (cycle, run).
pub async fn stale(db: &Db, now: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT cycle_id, run FROM closings WHERE heartbeat <= $1 ORDER BY cycle_id")
        .bind(now - STALE_SECONDS)
        .fetch_all(&db.pool)
        .await
}

/// Takes a dead run's cycle over for `run`, if it is still that run's and still stale: from
/// then on the dead run can write nothing (see [`beat`]).
pub async fn take_over(db: &Db, cycle: &str, dead: &str, run: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE closings SET run = $3, heartbeat = $4 WHERE cycle_id = $1 AND run = $2 AND heartbeat <= $5",
    )
    .bind(cycle)
    .bind(dead)
    .bind(run)
    .bind(now)
    .bind(now - STALE_SECONDS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(n == 1)
}

/// The runs under way, per cycle, for the admin pages.
pub async fn under_way(pool: &sqlx::AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT cycle_id FROM closings ORDER BY cycle_id").fetch_all(pool).await
}
