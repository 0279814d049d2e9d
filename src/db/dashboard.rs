//! Reads for the dashboard: cycles, per-subject progress, per-response values, history.
use super::json_rows;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct CycleRow {
    pub id: String,
    pub title: String,
    pub title_i18n: std::collections::BTreeMap<String, String>,
}

/// Newest first.
pub async fn cycles(pool: &AnyPool) -> Result<Vec<CycleRow>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, title, title_i18n FROM cycles ORDER BY opens_at DESC, id").fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(CycleRow {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
            })
        })
        .collect()
}

/// (invited, completed) per subject of a cycle.
pub async fn subject_progress(pool: &AnyPool, cycle: &str) -> Result<HashMap<String, (i64, i64)>, sqlx::Error> {
    progress_rows(
        pool,
        "SELECT subject_id, COUNT(*) AS invited, COALESCE(SUM(CASE WHEN completed THEN 1 ELSE 0 END), 0) AS completed \
         FROM live_invitations WHERE cycle_id = $1 GROUP BY subject_id",
        cycle,
    )
    .await
}

/// The same, as stored when the cycle's results were (closed cycles only).
pub async fn stored_progress(pool: &AnyPool, cycle: &str) -> Result<HashMap<String, (i64, i64)>, sqlx::Error> {
    progress_rows(pool, "SELECT subject_id, invited, completed FROM subject_progress WHERE cycle_id = $1", cycle).await
}

async fn progress_rows(
    pool: &AnyPool,
    sql: &'static str,
    cycle: &str,
) -> Result<HashMap<String, (i64, i64)>, sqlx::Error> {
    let rows = sqlx::query(sql).bind(cycle).fetch_all(pool).await?;
    rows.iter().map(|r| Ok((r.try_get("subject_id")?, (r.try_get("invited")?, r.try_get("completed")?)))).collect()
}

/// Each response's value per indicator: (subject, indicator, relation, anonymous, value).
pub async fn response_values(
    pool: &AnyPool,
    cycle: &str,
    only: super::scores::Only<'_>,
) -> Result<Vec<(String, String, String, bool, f64)>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let rest = format!(
        "FROM response_scores WHERE cycle_id = $1 AND {}{}",
        super::scores::RELEASED_VALUES,
        only.filter("subject_id")
    );
    let backend = super::backend_of(&conn);
    let columns = format!("subject_id, indicator, relation, anonymous, {}", json_rows::exact(backend, "value"));
    let sql = json_rows::select_sql(backend, &columns, &rest);
    let rows = json_rows::fetch(&mut conn, only.bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle))).await?;
    rows.iter()
        .map(|r| {
            let text = |i| json_rows::text(r, i);
            Ok((text(0)?, text(1)?, text(2)?, json_rows::flag(r, 3)?, json_rows::float(r, 4)?))
        })
        .collect()
}

/// The cycles in which this person was reviewed, oldest first.
pub async fn cycles_of(pool: &AnyPool, subject: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.id FROM cycles c WHERE c.id IN (SELECT DISTINCT cycle_id FROM live_invitations WHERE subject_id = $1) \
         ORDER BY c.opens_at, c.id",
    )
    .bind(subject)
    .fetch_all(pool)
    .await
}
