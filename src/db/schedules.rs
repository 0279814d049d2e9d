//! Schedules: cycles that create themselves each month, quarter or year.
use super::Db;
use sqlx::Row;

/// A schedule as stored (the API's view is `app::schedules::ScheduleView`).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: String,
    pub title: String,
    pub every: String,
    pub survey: String,
    pub invite: String,
    pub peers: String,
    pub open_days: i64,
    pub min_raters: i64,
}

const COLUMNS: &str = "id, title, every, survey_id, invite, peers, open_days, min_raters";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Schedule, sqlx::Error> {
    Ok(Schedule {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        every: r.try_get("every")?,
        survey: r.try_get("survey_id")?,
        invite: r.try_get("invite")?,
        peers: r.try_get("peers")?,
        open_days: r.try_get("open_days")?,
        min_raters: r.try_get("min_raters")?,
    })
}

/// Creates or replaces a schedule; true when it was new.
pub async fn save(tx: &mut super::Tx, s: &Schedule, now: i64) -> Result<bool, sqlx::Error> {
    let existed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM schedules WHERE id = $1").bind(&s.id).fetch_one(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO schedules (id, title, every, survey_id, invite, peers, open_days, min_raters, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, every = excluded.every, survey_id = excluded.survey_id, \
         invite = excluded.invite, peers = excluded.peers, open_days = excluded.open_days, min_raters = excluded.min_raters",
    )
    .bind(&s.id)
    .bind(&s.title)
    .bind(&s.every)
    .bind(&s.survey)
    .bind(&s.invite)
    .bind(&s.peers)
    .bind(s.open_days)
    .bind(s.min_raters)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(existed == 0)
}

pub async fn all(db: &Db) -> Result<Vec<Schedule>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM schedules ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&db.pool).await?.iter().map(from_row).collect()
}

pub async fn delete(tx: &mut super::Tx, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM schedules WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a cycle has any invitation yet (a scheduled cycle invites once).
pub async fn cycle_has_invitations(db: &Db, cycle: &str) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM invitations WHERE cycle_id = $1 LIMIT 1) AS x")
            .bind(cycle)
            .fetch_one(&db.pool)
            .await?;
    Ok(n > 0)
}

/// Whether a cycle of `period` other than `except` has invitations of `survey`. The worker
/// asks on every poll while a period is skipped: the few cycles of one period are read, and
/// each by its own invitations' index.
pub async fn period_has_survey(db: &Db, period: &str, survey: &str, except: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT c.id FROM cycles c WHERE c.period = $1 AND c.id <> $2 \
         AND EXISTS (SELECT 1 FROM live_invitations i WHERE i.cycle_id = c.id AND i.survey_id = $3) LIMIT 1",
    )
    .bind(period)
    .bind(except)
    .bind(survey)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// Every cycle that has invitations of `survey`, with its period: (cycle, period).
pub async fn cycles_of_survey(db: &Db, survey: &str) -> Result<Vec<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.period FROM cycles c WHERE c.id IN (SELECT DISTINCT cycle_id FROM live_invitations WHERE survey_id = $1) \
         ORDER BY c.id",
    )
    .bind(survey)
    .fetch_all(&db.pool)
    .await
}

/// The customers who answered `survey` in any of `cycles`.
pub async fn customers_who_answered(db: &Db, survey: &str, cycles: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in cycles.chunks(200) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT DISTINCT respondent_customer_id FROM live_invitations WHERE survey_id = $1 AND completed = TRUE \
             AND respondent_customer_id IS NOT NULL AND cycle_id IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(survey);
        for c in chunk {
            q = q.bind(c);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}
