//! The people directory as `/admin/people` reads it: a search, a page at a time, who manages
//! whom, and the names a form offers to choose from.
use super::directory::{PersonRow, person_row as person};
use super::placeholders;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

const COLUMNS: &str = "id, name, email, manager_id, team, locale, role, active";

/// `%text%` for LIKE, with LIKE's own characters taken literally.
fn pattern(q: &str) -> String {
    let escaped: String = q
        .to_lowercase()
        .chars()
        .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
        .collect();
    format!("%{escaped}%")
}

const MATCHES: &str = "org_member = TRUE AND (LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(email) LIKE $1 ESCAPE '\\' \
     OR LOWER(id) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(team, '')) LIKE $1 ESCAPE '\\')";

/// People of the org chart whose name, email, id or team contains `q` (any case), by name:
/// one page, and how many match in all.
pub async fn search(pool: &AnyPool, q: &str, offset: i64, limit: i64) -> Result<(Vec<PersonRow>, i64), sqlx::Error> {
    let like = pattern(q.trim());
    let sql = format!("SELECT {COLUMNS} FROM people WHERE {MATCHES} ORDER BY name, id LIMIT $2 OFFSET $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&like).bind(limit).bind(offset).fetch_all(pool).await?;
    let count = format!("SELECT COUNT(*) FROM people WHERE {MATCHES}");
    let total = sqlx::query_scalar(sqlx::AssertSqlSafe(count)).bind(&like).fetch_one(pool).await?;
    Ok((rows.iter().map(person).collect::<Result<_, _>>()?, total))
}

pub async fn person_by_id(pool: &AnyPool, id: &str) -> Result<Option<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM people WHERE id = $1 AND org_member = TRUE");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?.as_ref().map(person).transpose()
}

/// The names of these people, by id.
pub async fn names(pool: &AnyPool, ids: &[String]) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(super::MAX_BINDS) {
        let sql = format!("SELECT id, name FROM people WHERE id IN {}", placeholders(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(pool).await? {
            out.insert(r.try_get("id")?, r.try_get("name")?);
        }
    }
    Ok(out)
}

/// The people these people manage directly: (manager, id, name), by name.
pub async fn reports(pool: &AnyPool, managers: &[String]) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in managers.chunks(super::MAX_BINDS) {
        let sql = format!(
            "SELECT manager_id, id, name FROM people WHERE org_member = TRUE AND manager_id IN {} ORDER BY name, id",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(pool).await?);
    }
    Ok(out)
}

/// What the forms offer: active people (id, name) up to `limit`, and the teams and roles in use.
pub async fn choices(
    pool: &AnyPool,
    limit: i64,
) -> Result<(Vec<(String, String)>, Vec<String>, Vec<String>), sqlx::Error> {
    let people = sqlx::query_as(
        "SELECT id, name FROM people WHERE org_member = TRUE AND active = TRUE ORDER BY name, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let teams = sqlx::query_scalar("SELECT DISTINCT team FROM people WHERE team IS NOT NULL ORDER BY team")
        .fetch_all(pool)
        .await?;
    let roles = sqlx::query_scalar("SELECT DISTINCT role FROM people WHERE role IS NOT NULL ORDER BY role")
        .fetch_all(pool)
        .await?;
    Ok((people, teams, roles))
}
