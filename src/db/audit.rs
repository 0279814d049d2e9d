//! The audit log: one row per change, newest last.
use sqlx::Row;

/// One entry as stored (the API's view is `app::audit::AuditEntry`).
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at_secs: i64,
    /// RFC 3339.
    pub at: String,
    /// `person`, `api_key`, `cli` or `system`.
    pub actor_kind: String,
    /// A person's id, an API key's name, or `cli` / `system`.
    pub actor: String,
    pub action: String,
    pub cycle: Option<String>,
    /// What was changed: `person E1001`, `key 3f2a…`, `cycle 2026-Q4`, `people` (a batch).
    pub target: String,
    pub detail: String,
}

/// One entry to write: what was done to what.
pub struct NewEntry<'a> {
    pub actor: (&'a str, &'a str),
    pub action: &'a str,
    pub cycle: Option<&'a str>,
    pub target: &'a str,
    pub detail: &'a str,
}

pub async fn insert<'e, E>(ex: E, e: &NewEntry<'_>, now: i64) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor, action, cycle_id, target, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(e.actor.0)
    .bind(e.actor.1)
    .bind(e.action)
    .bind(e.cycle)
    .bind(e.target)
    .bind(e.detail)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Entries older than `before` (an id; none: the newest), newest first, of one cycle or all.
pub async fn page(
    pool: &sqlx::AnyPool,
    cycle: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    const COLUMNS: &str = "SELECT id, at, actor_kind, actor, action, cycle_id, target, detail FROM audit_log";
    let before = before.unwrap_or(i64::MAX);
    let rows = match cycle {
        Some(c) => {
            let sql = format!("{COLUMNS} WHERE cycle_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(c).bind(before).bind(limit).fetch_all(pool).await?
        }
        None => {
            let sql = format!("{COLUMNS} WHERE id < $1 ORDER BY id DESC LIMIT $2");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(limit).fetch_all(pool).await?
        }
    };
    rows.iter()
        .map(|r| {
            let at: i64 = r.try_get("at")?;
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at_secs: at,
                at: crate::domain::time::to_rfc3339(at),
                actor_kind: r.try_get("actor_kind")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                cycle: r.try_get("cycle_id")?,
                target: r.try_get("target")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
