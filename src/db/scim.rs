//! What SCIM clients say of the people they provision (CONTRACT §11): the User document they
//! last sent, and whether they deleted the user. The person itself is a
//! row of `people`, written by the directory's import like any other.
use super::Db;
use super::directory::PersonRow;
use crate::domain::scim::Filter;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A person as SCIM shows them. `user_name` and `resource` (the kept User, JSON) are none for
/// people no SCIM client has written (imported from a CSV or the API).
#[derive(Debug, Clone, PartialEq)]
pub struct ScimPerson {
    pub person: PersonRow,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub resource: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "SELECT p.id, p.name, p.email, p.manager_id, p.team, p.locale, p.role, p.active, \
     p.created_at, p.updated_at, s.user_name, s.external_id, s.resource \
     FROM people p LEFT JOIN scim_users s ON s.person_id = p.id";

/// Org-chart people a SCIM client has not deleted (admin-only accounts are not people).
const VISIBLE: &str = "p.org_member = TRUE AND (s.deleted IS NULL OR s.deleted = FALSE)";

fn scim_person(r: &AnyRow) -> Result<ScimPerson, sqlx::Error> {
    Ok(ScimPerson {
        person: super::directory::person_row(r)?,
        user_name: r.try_get("user_name")?,
        external_id: r.try_get("external_id")?,
        resource: r.try_get("resource")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The filter's condition (from placeholder `$1`) and its value.
fn condition(filter: &Filter) -> Option<(&'static str, String)> {
    match filter {
        Filter::All => None,
        Filter::UserName(v) => Some(("LOWER(COALESCE(s.user_name, p.email)) = $1", v.to_lowercase())),
        Filter::ExternalId(v) => Some(("COALESCE(s.external_id, p.id) = $1", v.clone())),
        Filter::Id(v) => Some(("p.id = $1", v.clone())),
    }
}

/// One page of the people a filter finds, by id, and how many it finds in all.
pub async fn list(db: &Db, filter: &Filter, offset: i64, limit: i64) -> Result<(Vec<ScimPerson>, i64), sqlx::Error> {
    let (rows, total) = match condition(filter) {
        None => {
            let sql = format!("{COLUMNS} WHERE {VISIBLE} ORDER BY p.id LIMIT $1 OFFSET $2");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).bind(offset).fetch_all(&db.pool).await?;
            let count =
                format!("SELECT COUNT(*) FROM people p LEFT JOIN scim_users s ON s.person_id = p.id WHERE {VISIBLE}");
            (rows, sqlx::query_scalar(sqlx::AssertSqlSafe(count)).fetch_one(&db.pool).await?)
        }
        Some((cond, value)) => {
            let sql = format!("{COLUMNS} WHERE {VISIBLE} AND {cond} ORDER BY p.id LIMIT $2 OFFSET $3");
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&value).bind(limit).bind(offset).fetch_all(&db.pool).await?;
            let count = format!(
                "SELECT COUNT(*) FROM people p LEFT JOIN scim_users s ON s.person_id = p.id WHERE {VISIBLE} AND {cond}"
            );
            (rows, sqlx::query_scalar(sqlx::AssertSqlSafe(count)).bind(&value).fetch_one(&db.pool).await?)
        }
    };
    Ok((rows.iter().map(scim_person).collect::<Result<_, _>>()?, total))
}

/// One person as SCIM shows them; none when unknown, not in the org chart, or deleted.
pub async fn get(db: &Db, id: &str) -> Result<Option<ScimPerson>, sqlx::Error> {
    let sql = format!("{COLUMNS} WHERE {VISIBLE} AND p.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&db.pool).await?.as_ref().map(scim_person).transpose()
}

/// Whether a SCIM client deleted this person (who may be provisioned again under the same id).
pub async fn is_deleted(db: &Db, id: &str) -> Result<bool, sqlx::Error> {
    let row =
        sqlx::query("SELECT deleted FROM scim_users WHERE person_id = $1").bind(id).fetch_optional(&db.pool).await?;
    row.map(|r| super::get_bool(&r, "deleted")).transpose().map(|d| d.unwrap_or(false))
}

/// Who else answers to this userName (case-insensitive): a SCIM user of that name, or a person
/// without one whose email it is.
pub async fn user_name_owner(db: &Db, user_name: &str, except: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.id FROM people p LEFT JOIN scim_users s ON s.person_id = p.id \
         WHERE LOWER(COALESCE(s.user_name, p.email)) = $1 AND p.id <> $2 LIMIT 1",
    )
    .bind(user_name.to_lowercase())
    .bind(except)
    .fetch_optional(&db.pool)
    .await
}

/// What the client said of a person, kept as sent; `deleted` as the client left it.
pub struct ScimFields<'a> {
    pub user_name: &'a str,
    pub external_id: Option<&'a str>,
    /// The kept User, JSON.
    pub resource: &'a str,
    pub deleted: bool,
}

pub async fn save(db: &Db, person: &str, f: &ScimFields<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO scim_users (person_id, user_name, external_id, resource, deleted, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (person_id) DO UPDATE SET user_name = excluded.user_name, external_id = excluded.external_id, \
         resource = excluded.resource, deleted = excluded.deleted, updated_at = excluded.updated_at",
    )
    .bind(person)
    .bind(f.user_name)
    .bind(f.external_id)
    .bind(f.resource)
    .bind(f.deleted)
    .bind(now)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

/// The admin-only account (outside the org chart, made by `candor login-link --admin`) that
/// has this address, if any.
pub async fn admin_only_with_email(db: &Db, email: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM people WHERE email = $1 AND org_member = FALSE")
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// Brings an admin-only account into the org chart: the identity provider says it is a person.
pub async fn join_org(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE people SET org_member = TRUE WHERE id = $1 AND org_member = FALSE")
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}
