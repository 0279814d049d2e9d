//! Review cycles.
use super::Tx;
use crate::domain::cycle::{Cycle, Weights};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

const COLUMNS: &str = "id, title, title_i18n, period, opens_at, closes_at, min_raters, weight_manager, weight_peer, \
                       weight_direct_report, remind_every_days, max_reminders, status, weights_by_role";

fn from_row(r: &AnyRow) -> Result<Cycle, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Cycle {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
        period: r.try_get("period")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        min_raters: r.try_get("min_raters")?,
        weights: Weights {
            manager: r.try_get("weight_manager")?,
            peer: r.try_get("weight_peer")?,
            direct_report: r.try_get("weight_direct_report")?,
        },
        weights_by_role: match r.try_get::<Option<String>, _>("weights_by_role")? {
            Some(json) => weights_by_role(&json)?,
            None => Default::default(),
        },
        remind_every_days: r.try_get("remind_every_days")?,
        max_reminders: r.try_get("max_reminders")?,
        closed: status == "closed",
    })
}

fn weights_by_role_json(w: &std::collections::BTreeMap<String, Weights>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = w
        .iter()
        .map(|(role, w)| {
            let v = serde_json::json!({"manager": w.manager, "peer": w.peer, "direct_report": w.direct_report});
            (role.clone(), v)
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

fn weights_by_role(json: &str) -> Result<std::collections::BTreeMap<String, Weights>, sqlx::Error> {
    let bad = || sqlx::Error::Decode("weights_by_role".into());
    let map: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>> =
        serde_json::from_str(json).map_err(|_| bad())?;
    map.into_iter()
        .map(|(role, w)| {
            let get = |k: &str| w.get(k).copied().ok_or_else(bad);
            Ok((role, Weights { manager: get("manager")?, peer: get("peer")?, direct_report: get("direct_report")? }))
        })
        .collect()
}

pub async fn load<'e, E>(ex: E, id: &str) -> Result<Option<Cycle>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM cycles WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(ex).await?.as_ref().map(from_row).transpose()
}

pub async fn save(tx: &mut Tx, c: &Cycle, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cycles (id, title, opens_at, closes_at, min_raters, weight_manager, weight_peer, \
         weight_direct_report, remind_every_days, max_reminders, status, created_at, updated_at, period, weights_by_role, title_i18n) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_i18n = excluded.title_i18n, period = excluded.period, \
         weights_by_role = excluded.weights_by_role, opens_at = excluded.opens_at, \
         closes_at = excluded.closes_at, min_raters = excluded.min_raters, \
         weight_manager = excluded.weight_manager, weight_peer = excluded.weight_peer, \
         weight_direct_report = excluded.weight_direct_report, \
         remind_every_days = excluded.remind_every_days, max_reminders = excluded.max_reminders, \
         updated_at = excluded.updated_at",
    )
    .bind(&c.id)
    .bind(&c.title)
    .bind(c.opens_at)
    .bind(c.closes_at)
    .bind(c.min_raters)
    .bind(c.weights.manager)
    .bind(c.weights.peer)
    .bind(c.weights.direct_report)
    .bind(c.remind_every_days)
    .bind(c.max_reminders)
    .bind(now)
    .bind(&c.period)
    .bind((!c.weights_by_role.is_empty()).then(|| weights_by_role_json(&c.weights_by_role)))
    .bind(serde_json::to_string(&c.title_i18n).unwrap_or_else(|_| "{}".into()))
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Marks a cycle closed, in the transaction that releases its results; false when it already
/// was (the UPDATE decides who closes, so two instances close each cycle once). A cycle closed
/// after its `closes_at` passed is recorded as closed then.
pub async fn mark_closed(tx: &mut Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE cycles SET status = 'closed', closed_at = CASE WHEN closes_at < $2 THEN closes_at ELSE $2 END, \
         updated_at = $2 WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a reminder by hand now, unless one was recorded after `not_since`: false then.
pub async fn mark_reminded(tx: &mut Tx, id: &str, now: i64, not_since: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE cycles SET reminded_at = $2 WHERE id = $1 AND (reminded_at IS NULL OR reminded_at <= $3)")
            .bind(id)
            .bind(now)
            .bind(not_since)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Every cycle, newest first.
pub async fn all(pool: &AnyPool) -> Result<Vec<Cycle>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM cycles ORDER BY opens_at DESC, id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?.iter().map(from_row).collect()
}

/// Open cycles whose `closes_at` has passed, read without the write lock.
pub async fn due(pool: &AnyPool, now: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM cycles WHERE status = 'open' AND closes_at <= $1 ORDER BY closes_at, id")
        .bind(now)
        .fetch_all(pool)
        .await
}

/// Whether any invitation exists in this cycle (then `min_raters` may no longer drop).
pub async fn has_invitations(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM invitations WHERE cycle_id = $1 LIMIT 1) AS x")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(n > 0)
}

/// One survey's counts in a cycle, as stored (the API's view is `app::cycles::SurveyProgress`).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyProgress {
    pub survey: String,
    pub invited: i64,
    /// Invitations whose first email went out.
    pub emailed: i64,
    /// Invitations whose first email was refused for good.
    pub failed: i64,
    pub completed: i64,
    /// Invitations whose rater said they cannot judge the subject: never counted.
    pub declined: i64,
    /// Invitations that were sent at least one reminder.
    pub reminded: i64,
}

pub async fn progress(pool: &AnyPool, cycle: &str) -> Result<Vec<SurveyProgress>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.survey_id AS survey, COUNT(*) AS invited, \
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM outbox_items oi CROSS JOIN outbox o \
             WHERE o.id = oi.outbox_id AND oi.invitation_id = i.id AND o.kind = 'invitation' AND o.status = 'sent') THEN 1 ELSE 0 END), 0) AS emailed, \
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM outbox_items oi CROSS JOIN outbox o \
             WHERE o.id = oi.outbox_id AND oi.invitation_id = i.id AND o.kind = 'invitation' AND o.status = 'failed') THEN 1 ELSE 0 END), 0) AS failed, \
         COALESCE(SUM(CASE WHEN i.completed THEN 1 ELSE 0 END), 0) AS completed, \
         COALESCE(SUM(CASE WHEN i.declined THEN 1 ELSE 0 END), 0) AS declined, \
         COALESCE(SUM(CASE WHEN i.reminders_sent > 0 THEN 1 ELSE 0 END), 0) AS reminded \
         FROM live_invitations i WHERE i.cycle_id = $1 GROUP BY i.survey_id ORDER BY i.survey_id",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SurveyProgress {
                survey: r.try_get("survey")?,
                invited: r.try_get("invited")?,
                emailed: r.try_get("emailed")?,
                failed: r.try_get("failed")?,
                completed: r.try_get("completed")?,
                declined: r.try_get("declined")?,
                reminded: r.try_get("reminded")?,
            })
        })
        .collect()
}
