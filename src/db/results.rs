//! Results of closed cycles, stored once: a closed cycle never changes, so every reader of it
//! (scores API, dashboard, a person's page, trends) reads these rows instead of aggregating
//! its responses again.
use super::Tx;
use sqlx::{AnyPool, Row};

/// One subject's released results in a closed cycle, as the application serialised them.
#[derive(Debug, Clone)]
pub struct StoredSubject {
    pub subject_id: String,
    pub name: String,
    pub team: Option<String>,
    pub scores: String,
    pub comments: String,
    pub released_values: String,
}

/// Queues one "your results are ready" email for each of these subjects who is still active,
/// once per cycle ever (not again if results are stored again): the transaction that stores a
/// cycle's results calls it.
pub async fn queue_results_emails(tx: &mut Tx, cycle: &str, subjects: &[&str], now: i64) -> Result<(), sqlx::Error> {
    let first = sqlx::query("UPDATE cycles SET results_notified_at = $2 WHERE id = $1 AND results_notified_at IS NULL")
        .bind(cycle)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    if first.rows_affected() == 0 {
        return Ok(());
    }
    for subject in subjects {
        sqlx::query(
            "INSERT INTO outbox (kind, person_id, payload, status, attempts, next_attempt_ms, created_at) \
             SELECT 'results', p.id, $2, 'pending', 0, $3, $4 FROM people p WHERE p.id = $1 AND p.active = TRUE",
        )
        .bind(*subject)
        .bind(cycle)
        .bind(now * 1000)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Stores a closed cycle's results, once (a second writer finds them there and stops).
pub async fn store(tx: &mut Tx, cycle: &str, rows: &[StoredSubject], now: i64) -> Result<bool, sqlx::Error> {
    let marked =
        sqlx::query("UPDATE cycles SET results_at = $2 WHERE id = $1 AND status = 'closed' AND results_at IS NULL")
            .bind(cycle)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    if marked.rows_affected() != 1 {
        return Ok(false);
    }
    for r in rows {
        sqlx::query(
            "INSERT INTO subject_results (cycle_id, subject_id, name, team, scores, comments, released_values) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(cycle)
        .bind(&r.subject_id)
        .bind(&r.name)
        .bind(&r.team)
        .bind(&r.scores)
        .bind(&r.comments)
        .bind(&r.released_values)
        .execute(&mut **tx)
        .await?;
    }
    // Invitations of a closed cycle no longer change: count them once.
    sqlx::query(
        "INSERT INTO subject_progress (cycle_id, subject_id, invited, completed) \
         SELECT cycle_id, subject_id, COUNT(*), SUM(CASE WHEN completed THEN 1 ELSE 0 END) FROM live_invitations \
         WHERE cycle_id = $1 GROUP BY cycle_id, subject_id",
    )
    .bind(cycle)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

pub async fn is_stored(pool: &AnyPool, cycle: &str) -> Result<bool, sqlx::Error> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT results_at FROM cycles WHERE id = $1").bind(cycle).fetch_optional(pool).await?;
    Ok(matches!(at, Some(Some(_))))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<StoredSubject, sqlx::Error> {
    Ok(StoredSubject {
        subject_id: r.try_get("subject_id")?,
        name: r.try_get("name")?,
        team: r.try_get("team")?,
        scores: r.try_get("scores")?,
        comments: r.try_get("comments")?,
        released_values: r.try_get("released_values")?,
    })
}

const COLUMNS: &str = "subject_id, name, team, scores, comments, released_values";

pub async fn all(pool: &AnyPool, cycle: &str) -> Result<Vec<StoredSubject>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM subject_results WHERE cycle_id = $1 ORDER BY subject_id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle).fetch_all(pool).await?.iter().map(from_row).collect()
}

pub async fn one(pool: &AnyPool, cycle: &str, subject: &str) -> Result<Option<StoredSubject>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM subject_results WHERE cycle_id = $1 AND subject_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(cycle)
        .bind(subject)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
