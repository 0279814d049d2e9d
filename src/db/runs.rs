//! Long operations on a cycle, run in short transactions (issue 32): a close releasing its
//! sealed answers, a launch writing its invitations. While one runs its cycle has a row here
//! (one at a time per cycle). What the run writes carries the run's id: nobody reads it until
//! the one short transaction that finishes the run and deletes the row (`live_invitations`,
//! `db::scores::RELEASED_RESPONSES`). A run that stops beating is taken over by another, which
//! deletes what it wrote: seen from outside, a run happens whole or not at all.
use super::{Backend, Db, Tx, backend_of};
use sqlx::AssertSqlSafe;

/// A run that has not beaten for this long is taken to have died (killed, or its instance
/// gone): another may take its cycle over and delete what it wrote.
pub const STALE_SECONDS: i64 = 60;

/// The database's clock, in unix seconds. Heartbeats are written and judged by this one clock,
/// so an instance whose own clock runs ahead cannot take a live run of another for dead.
fn clock(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER)",
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Close,
    Launch,
}

impl Kind {
    pub fn parse(s: &str) -> Kind {
        if s == "close" { Kind::Close } else { Kind::Launch }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Close => "close",
            Kind::Launch => "launch",
        }
    }
}

/// What [`begin`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Begun {
    /// The run now holds the cycle.
    Running,
    /// The cycle is not open (closed already, or unknown).
    NotOpen,
    /// Another run, alive, holds it.
    Busy(Kind),
    /// A run that died holds it: see [`take_over`].
    Dead,
}

/// Claims the cycle for `run`, in one short transaction. On PostgreSQL the update of the
/// cycle's row waits for the submissions in flight (they hold it `FOR SHARE`), so every answer
/// sealed before a close's claim is there to read, and every later one is refused (it re-checks
/// the row's `closes_at`).
pub async fn begin(db: &Db, cycle: &str, run: &str, kind: Kind, total: i64, now: i64) -> Result<Begun, sqlx::Error> {
    let mut tx = db.begin().await?;
    // A close ends the cycle's time now, for good: if the close fails or dies, the cycle takes
    // no answer until a close succeeds (the worker retries it), so every attempt releases the
    // same answers, and two attempts' traces (WAL, dead tuples) never differ by one answer.
    // On PostgreSQL a claim waiting on the cycle's row re-checks `closes_at` once this commits.
    let claim = match kind {
        Kind::Close => sqlx::query(
            "UPDATE cycles SET closes_at = CASE WHEN closes_at > $2 THEN $2 ELSE closes_at END \
             WHERE id = $1 AND status = 'open'",
        )
        .bind(cycle)
        .bind(now),
        Kind::Launch => {
            sqlx::query("UPDATE cycles SET updated_at = updated_at WHERE id = $1 AND status = 'open'").bind(cycle)
        }
    };
    let open = claim.execute(&mut *tx).await?.rows_affected();
    let clock = clock(db.backend);
    let alive = format!(
        "SELECT kind, CASE WHEN heartbeat > {clock} - {STALE_SECONDS} THEN 1 ELSE 0 END FROM cycle_runs WHERE cycle_id = $1"
    );
    let current: Option<(String, i32)> =
        sqlx::query_as(AssertSqlSafe(alive)).bind(cycle).fetch_optional(&mut *tx).await?;
    let found = match current {
        _ if open == 0 => Begun::NotOpen,
        Some((k, 1)) => Begun::Busy(Kind::parse(&k)),
        Some(_) => Begun::Dead,
        None => {
            let insert = format!(
                "INSERT INTO cycle_runs (cycle_id, run, owner, kind, total, done, heartbeat) \
                 VALUES ($1, $2, $2, $3, $4, 0, {clock})"
            );
            sqlx::query(AssertSqlSafe(insert))
                .bind(cycle)
                .bind(run)
                .bind(kind.as_str())
                .bind(total)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Begun::Running);
        }
    };
    tx.rollback().await?;
    Ok(found)
}

/// Inside a transaction of the run owned by `owner`: shows it is alive, adds `done` to its
/// progress, and says whether it still owns its cycle (a run taken over as dead must write
/// nothing more).
pub async fn beat(tx: &mut sqlx::AnyConnection, cycle: &str, owner: &str, done: i64) -> Result<bool, sqlx::Error> {
    let clock = clock(backend_of(tx));
    let sql = format!("UPDATE cycle_runs SET heartbeat = {clock}, done = done + $3 WHERE cycle_id = $1 AND owner = $2");
    let n = sqlx::query(AssertSqlSafe(sql)).bind(cycle).bind(owner).bind(done).execute(tx).await?.rows_affected();
    Ok(n == 1)
}

/// [`beat`] in a transaction of its own.
pub async fn beat_now(db: &Db, cycle: &str, owner: &str, done: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let owned = beat(&mut tx, cycle, owner, done).await?;
    tx.commit().await?;
    Ok(owned)
}

/// Ends the run: what it wrote is read from the commit of `tx` on.
pub async fn end(tx: &mut Tx, cycle: &str, owner: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM cycle_runs WHERE cycle_id = $1 AND owner = $2")
        .bind(cycle)
        .bind(owner)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// [`end`] in a transaction of its own (a run undone: what it wrote is deleted already).
pub async fn end_now(db: &Db, cycle: &str, owner: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    end(&mut tx, cycle, owner).await?;
    tx.commit().await
}

/// A dead run, as [`stale`] finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadRun {
    pub cycle_id: String,
    /// The id its rows carry.
    pub run: String,
    pub owner: String,
    pub kind: String,
}

/// The runs that stopped beating, or the one of `cycle`.
pub async fn stale(db: &Db, cycle: Option<&str>) -> Result<Vec<DeadRun>, sqlx::Error> {
    let sql = format!(
        "SELECT cycle_id, run, owner, kind FROM cycle_runs WHERE heartbeat <= {} - {STALE_SECONDS} \
         AND ($1 IS NULL OR cycle_id = $1) ORDER BY cycle_id",
        clock(db.backend)
    );
    sqlx::query_as(AssertSqlSafe(sql)).bind(cycle).fetch_all(&db.pool).await
}

/// Takes a dead run over for the new `owner`, if it is still that run's and still stale: from
/// then on the dead one can write nothing (see [`beat`]), and the new owner deletes its rows.
pub async fn take_over(db: &Db, dead: &DeadRun, owner: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let clock = clock(db.backend);
    let sql = format!(
        "UPDATE cycle_runs SET owner = $3, heartbeat = {clock} \
         WHERE cycle_id = $1 AND owner = $2 AND heartbeat <= {clock} - {STALE_SECONDS}"
    );
    let n = sqlx::query(AssertSqlSafe(sql))
        .bind(&dead.cycle_id)
        .bind(&dead.owner)
        .bind(owner)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n == 1)
}

/// The kind of run holding the cycle, if any, inside a transaction (a call too small to be a
/// run waits for none: it is refused while one holds its cycle).
pub async fn kind_under_way(tx: &mut Tx, cycle: &str) -> Result<Option<Kind>, sqlx::Error> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM cycle_runs WHERE cycle_id = $1")
        .bind(cycle)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(kind.map(|k| Kind::parse(&k)))
}

/// A run under way, for the admin pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Progress {
    pub kind: String,
    pub total: i64,
    pub done: i64,
}

pub async fn progress(pool: &sqlx::AnyPool, cycle: &str) -> Result<Option<Progress>, sqlx::Error> {
    sqlx::query_as("SELECT kind, total, done FROM cycle_runs WHERE cycle_id = $1")
        .bind(cycle)
        .fetch_optional(pool)
        .await
}

/// Deletes up to `limit` responses a close `run` released (with their answers and values) in
/// one short transaction, while its cycle is open (a closed cycle's are its results). Returns
/// how many went; 0 when none are left.
pub async fn clear_released(db: &Db, cycle: &str, run: &str, limit: i64) -> Result<u64, sqlx::Error> {
    let select = "SELECT r.id FROM responses r WHERE r.cycle_id = $1 AND r.release_run = $2 \
                  AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = $1 AND c.status = 'open') LIMIT $3";
    let deletes = [
        "DELETE FROM response_scores WHERE response_id IN {within}",
        "DELETE FROM answers WHERE response_id IN {within}",
        "DELETE FROM responses WHERE id IN {within}",
    ];
    clear::<String>(db, (cycle, run, limit), select, "text", &deletes).await
}

/// Deletes up to `limit` invitations a launch `run` wrote (with their links and emails) in one
/// short transaction, while the run still holds the cycle (after that they are published).
/// Returns how many went; 0 when none are left.
pub async fn clear_launched(db: &Db, cycle: &str, run: &str, limit: i64) -> Result<u64, sqlx::Error> {
    let select = "SELECT i.id FROM invitations i WHERE i.cycle_id = $1 AND i.launch_run = $2 \
                  AND EXISTS (SELECT 1 FROM cycle_runs r WHERE r.run = $2) LIMIT $3";
    // An email's items may name invitations of a later share of this delete: its items go with
    // it, whichever of its invitations comes first.
    let deletes = [
        "DELETE FROM outbox_items WHERE outbox_id IN (SELECT id FROM outbox WHERE invitation_id IN {within})",
        "DELETE FROM outbox_items WHERE invitation_id IN {within}",
        "DELETE FROM outbox WHERE invitation_id IN {within}",
        "DELETE FROM links WHERE invitation_id IN {within}",
        "DELETE FROM invitations WHERE id IN {within}",
    ];
    clear::<i64>(db, (cycle, run, limit), select, "bigint", &deletes).await
}

/// One short transaction: the ids `select` finds (binding cycle, run, limit), then each of
/// `deletes` with `{within}` standing for those ids (of SQL type `cast`).
async fn clear<T>(
    db: &Db,
    (cycle, run, limit): (&str, &str, i64),
    select: &'static str,
    cast: &str,
    deletes: &[&str],
) -> Result<u64, sqlx::Error>
where
    T: serde::Serialize + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
{
    let mut tx = db.begin().await?;
    let ids: Vec<T> = sqlx::query_scalar(select).bind(cycle).bind(run).bind(limit).fetch_all(&mut *tx).await?;
    if !ids.is_empty() {
        let list = serde_json::to_string(&ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let within = super::json_values(db.backend, "$1", cast);
        for delete in deletes {
            let sql = delete.replace("{within}", &within);
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&list).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}
