//! People (from HR) and customers (from the CRM).
use super::{Tx, placeholders};
use crate::domain::orgchart::OrgPerson;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

pub use crate::domain::directory::{Customer as CustomerRow, Person as PersonRow};

const CHUNK: usize = super::MAX_BINDS;

/// Everyone's manager, to check the reporting line stays a tree.
pub async fn manager_map(tx: &mut Tx) -> Result<HashMap<String, Option<String>>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, manager_id FROM people").fetch_all(&mut **tx).await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("manager_id")?))).collect()
}

/// Runs `SELECT … WHERE {column} IN (…)` over `values` in chunks and maps each row.
async fn select_in<T>(
    tx: &mut Tx,
    select: &str,
    column: &str,
    values: &[String],
    map: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in values.chunks(CHUNK) {
        let glue = if select.ends_with(" AND") { "" } else { " WHERE" };
        let sql = format!("{select}{glue} {column} IN {}", super::value_rows(tx, 1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            q = q.bind(v);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.push(map(&r)?);
        }
    }
    Ok(out)
}

const PERSON_COLUMNS: &str = "id, name, email, manager_id, team, locale, role, active";

pub async fn people_by_id(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, PersonRow>, sqlx::Error> {
    people_where(tx, &format!("SELECT {PERSON_COLUMNS} FROM people"), ids).await
}

/// The same, of the org chart only: admin accounts that are not people are left out.
pub async fn org_people_by_id(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, PersonRow>, sqlx::Error> {
    let select = format!("SELECT {PERSON_COLUMNS} FROM people WHERE org_member = TRUE AND");
    people_where(tx, &select, ids).await
}

async fn people_where(tx: &mut Tx, select: &str, ids: &[String]) -> Result<HashMap<String, PersonRow>, sqlx::Error> {
    let rows = select_in(tx, select, "id", ids, person_row).await?;
    Ok(rows.into_iter().map(|p| (p.id.clone(), p)).collect())
}

pub(super) fn person_row(r: &AnyRow) -> Result<PersonRow, sqlx::Error> {
    Ok(PersonRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        manager_id: r.try_get("manager_id")?,
        team: r.try_get("team")?,
        locale: r.try_get("locale")?,
        role: r.try_get("role")?,
        active: super::get_bool(r, "active")?,
    })
}

fn customer_row(r: &AnyRow) -> Result<CustomerRow, sqlx::Error> {
    let email: String = r.try_get("email")?;
    Ok(CustomerRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: (!email.is_empty()).then_some(email),
        phone: r.try_get("phone")?,
        owner_id: r.try_get("owner_id")?,
        locale: r.try_get("locale")?,
    })
}

/// People of the org chart with an id after `after`, in id order (admin-only accounts are not
/// people of the directory).
pub async fn people_after(pool: &sqlx::AnyPool, after: &str, limit: usize) -> Result<Vec<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE org_member = TRUE AND id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit as i64).fetch_all(pool).await?;
    rows.iter().map(person_row).collect()
}

/// Customers with an id after `after`, in id order.
pub async fn customers_after(pool: &sqlx::AnyPool, after: &str, limit: usize) -> Result<Vec<CustomerRow>, sqlx::Error> {
    let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit as i64).fetch_all(pool).await?;
    rows.iter().map(customer_row).collect()
}

const CUSTOMER_COLUMNS: &str = "id, name, email, phone, owner_id, locale";

/// Revokes the open invitations (in cycles still open) where these people are the subject or
/// the rater: their links answer 410. Answers already given stay. Anonymous invitations are
/// revoked whether answered or not, so their state afterwards tells nothing.
pub async fn revoke_open_invitations(tx: &mut Tx, people: &[String], now: i64) -> Result<(), sqlx::Error> {
    for chunk in people.chunks(CHUNK / 2) {
        let n = chunk.len();
        let sql = format!(
            "UPDATE invitations SET revoked = TRUE WHERE id IN (SELECT i.id FROM invitations i \
             WHERE i.revoked = FALSE AND (i.completed = FALSE OR {}) \
             AND (i.subject_id IN {} OR i.respondent_person_id IN {}) \
             AND i.cycle_id IN (SELECT id FROM cycles WHERE status = 'open' AND closes_at > ${}))",
            super::ANONYMOUS_INVITATION,
            placeholders(1, n),
            placeholders(n + 1, n),
            2 * n + 1
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk.iter().chain(chunk) {
            q = q.bind(id);
        }
        q.bind(now).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Owner id of each of these addresses that already belongs to someone.
pub async fn email_owners(tx: &mut Tx, emails: &[String]) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows =
        select_in(tx, "SELECT id, email FROM people", "email", emails, |r| Ok((r.try_get("email")?, r.try_get("id")?)))
            .await?;
    Ok(rows.into_iter().collect())
}

pub async fn insert_person(tx: &mut Tx, p: &PersonRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO people (id, name, email, manager_id, team, locale, created_at, updated_at, role, active) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.email)
    .bind(&p.manager_id)
    .bind(&p.team)
    .bind(&p.locale)
    .bind(now)
    .bind(&p.role)
    .bind(p.active)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn update_person(tx: &mut Tx, p: &PersonRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE people SET name = $2, email = $3, manager_id = $4, team = $5, locale = $6, updated_at = $7, role = $8, \
         active = $9 WHERE id = $1",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.email)
    .bind(&p.manager_id)
    .bind(&p.team)
    .bind(&p.locale)
    .bind(now)
    .bind(&p.role)
    .bind(p.active)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Which of these ids name a person.
/// Which of these people are administrators.
pub async fn admin_ids(tx: &mut Tx, ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
    select_in(tx, "SELECT id FROM people WHERE is_admin = TRUE AND", "id", ids, |r| r.try_get("id")).await
}

/// Which of these customers are asked for an anonymous review in an open cycle.
pub async fn customers_in_open_anonymous(tx: &mut Tx, ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let select = format!(
        "SELECT DISTINCT i.respondent_customer_id AS id FROM invitations i JOIN cycles c ON c.id = i.cycle_id \
         WHERE c.status = 'open' AND i.revoked = FALSE AND {} AND",
        super::ANONYMOUS_INVITATION
    );
    select_in(tx, &select, "i.respondent_customer_id", ids, |r| r.try_get("id")).await
}

pub async fn existing_person_ids(tx: &mut Tx, ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
    select_in(tx, "SELECT id FROM people", "id", ids, |r| r.try_get("id")).await
}

pub async fn customers_by_id(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, CustomerRow>, sqlx::Error> {
    let select = format!("SELECT {CUSTOMER_COLUMNS} FROM customers");
    let rows = select_in(tx, &select, "id", ids, customer_row).await?;
    Ok(rows.into_iter().map(|c| (c.id.clone(), c)).collect())
}

pub async fn upsert_customer(tx: &mut Tx, c: &CustomerRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO customers (id, name, email, owner_id, locale, created_at, updated_at, phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, \
         owner_id = excluded.owner_id, locale = excluded.locale, updated_at = excluded.updated_at, phone = excluded.phone",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(c.email.as_deref().unwrap_or(""))
    .bind(&c.owner_id)
    .bind(&c.locale)
    .bind(now)
    .bind(&c.phone)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Snapshots the org chart into a cycle the first time it invites anyone (people added later
/// join the snapshot as they are then; nobody already in it changes).
pub async fn snapshot_org(tx: &mut Tx, cycle: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cycle_org (cycle_id, person_id, name, manager_id, team, role) \
         SELECT $1, id, name, manager_id, team, role FROM people WHERE org_member = TRUE \
         ON CONFLICT (cycle_id, person_id) DO NOTHING",
    )
    .bind(cycle)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The org chart a cycle keeps (as at its launch); the current one for a cycle without.
pub async fn org_chart_of(pool: &sqlx::AnyPool, cycle: &str) -> Result<Vec<OrgPerson>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT person_id AS id, manager_id, team FROM cycle_org WHERE cycle_id = $1 ORDER BY person_id")
            .bind(cycle)
            .fetch_all(pool)
            .await?;
    if rows.is_empty() {
        return org_chart(pool).await;
    }
    rows.iter()
        .map(|r| Ok(OrgPerson { id: r.try_get("id")?, manager_id: r.try_get("manager_id")?, team: r.try_get("team")? }))
        .collect()
}

pub async fn org_chart(pool: &sqlx::AnyPool) -> Result<Vec<OrgPerson>, sqlx::Error> {
    org_chart_where(pool, "").await
}

/// The people who may take part in new invitations: the org chart without those who left.
/// A manager who left is nobody's manager here.
pub async fn active_org_chart(pool: &sqlx::AnyPool) -> Result<Vec<OrgPerson>, sqlx::Error> {
    let mut people = org_chart_where(pool, " AND active = TRUE").await?;
    let present: std::collections::HashSet<String> = people.iter().map(|p| p.id.clone()).collect();
    for p in &mut people {
        if p.manager_id.as_ref().is_some_and(|m| !present.contains(m)) {
            p.manager_id = None;
        }
    }
    Ok(people)
}

async fn org_chart_where(pool: &sqlx::AnyPool, filter: &str) -> Result<Vec<OrgPerson>, sqlx::Error> {
    let sql = format!("SELECT id, manager_id, team FROM people WHERE org_member = TRUE{filter} ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter()
        .map(|r| Ok(OrgPerson { id: r.try_get("id")?, manager_id: r.try_get("manager_id")?, team: r.try_get("team")? }))
        .collect()
}
