//! Peer nominations (launch with `peers: nominated`): each subject's chosen colleagues, and
//! their manager's approval.
use super::{Tx, placeholders};
use sqlx::Row;

/// One subject's nomination in one cycle.
#[derive(Debug, Clone)]
pub struct Nomination {
    pub cycle_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub subject_id: String,
    pub subject_name: String,
    pub survey_id: String,
    /// `open` (waiting for the subject), `submitted` (waiting for approval) or `approved`.
    pub status: String,
    pub min_peers: i64,
    pub max_peers: i64,
    pub deliver: String,
    pub due_at: Option<i64>,
    pub picks: Vec<String>,
}

/// What a launch asks of each subject.
pub struct NewNominations<'a> {
    pub cycle: &'a str,
    pub survey: &'a str,
    pub min_peers: i64,
    pub max_peers: i64,
    pub deliver: &'a str,
    pub due_at: Option<i64>,
}

/// Asks these subjects to nominate (those asked already are left as they are); returns the
/// subjects newly asked.
pub async fn create(tx: &mut Tx, n: &NewNominations<'_>, subjects: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut asked = Vec::new();
    for subject in subjects {
        let done = sqlx::query(
            "INSERT INTO nominations (cycle_id, subject_id, survey_id, status, min_peers, max_peers, deliver, due_at) \
             VALUES ($1, $2, $3, 'open', $4, $5, $6, $7) ON CONFLICT (cycle_id, subject_id) DO NOTHING",
        )
        .bind(n.cycle)
        .bind(subject)
        .bind(n.survey)
        .bind(n.min_peers)
        .bind(n.max_peers)
        .bind(n.deliver)
        .bind(n.due_at)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() > 0 {
            asked.push(subject.clone());
        }
    }
    Ok(asked)
}

const SELECT: &str = "SELECT n.cycle_id, c.title, c.title_i18n, n.subject_id, p.name, n.survey_id, n.status, n.min_peers, \
     n.max_peers, n.deliver, n.due_at FROM nominations n JOIN cycles c ON c.id = n.cycle_id \
     JOIN people p ON p.id = n.subject_id";

async fn fetch(
    pool: &sqlx::AnyPool,
    sql: String,
    binds: &[&str],
    now: Option<i64>,
) -> Result<Vec<Nomination>, sqlx::Error> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(*b);
    }
    if let Some(now) = now {
        q = q.bind(now);
    }
    let rows = q.fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut picks = picks_of_cycles(pool, &rows).await?;
    for r in &rows {
        let (cycle, subject): (String, String) = (r.try_get("cycle_id")?, r.try_get("subject_id")?);
        let picks = picks.remove(&(cycle.clone(), subject.clone())).unwrap_or_default();
        out.push(Nomination {
            cycle_id: cycle,
            cycle_title: r.try_get("title")?,
            cycle_title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
            subject_id: subject,
            subject_name: r.try_get("name")?,
            survey_id: r.try_get("survey_id")?,
            status: r.try_get("status")?,
            min_peers: r.try_get("min_peers")?,
            max_peers: r.try_get("max_peers")?,
            deliver: r.try_get("deliver")?,
            due_at: r.try_get("due_at")?,
            picks,
        });
    }
    Ok(out)
}

/// Every pick of the cycles these nomination rows belong to, by (cycle, subject): one query a cycle.
async fn picks_of_cycles(
    pool: &sqlx::AnyPool,
    rows: &[sqlx::any::AnyRow],
) -> Result<std::collections::HashMap<(String, String), Vec<String>>, sqlx::Error> {
    let cycles: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r.try_get::<String, _>("cycle_id")).collect::<Result<_, _>>()?;
    let mut out: std::collections::HashMap<(String, String), Vec<String>> = Default::default();
    for cycle in cycles {
        let found: Vec<(String, String)> = sqlx::query_as(
            "SELECT subject_id, person_id FROM nominees WHERE cycle_id = $1 ORDER BY subject_id, person_id",
        )
        .bind(&cycle)
        .fetch_all(pool)
        .await?;
        for (subject, person) in found {
            out.entry((cycle.clone(), subject)).or_default().push(person);
        }
    }
    Ok(out)
}

/// One subject's nomination in one cycle.
pub async fn load(pool: &sqlx::AnyPool, cycle: &str, subject: &str) -> Result<Option<Nomination>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE n.cycle_id = $1 AND n.subject_id = $2");
    Ok(fetch(pool, sql, &[cycle, subject], None).await?.pop())
}

/// The nominations of open cycles whose subject is one of `subjects` (everyone when None).
pub async fn in_open_cycles(
    pool: &sqlx::AnyPool,
    subjects: Option<&[String]>,
    now: i64,
) -> Result<Vec<Nomination>, sqlx::Error> {
    let mut all = Vec::new();
    match subjects {
        None => {
            let sql = format!("{SELECT} WHERE c.status = 'open' AND c.closes_at > $1 ORDER BY c.closes_at, p.name");
            all = fetch(pool, sql, &[], Some(now)).await?;
        }
        Some(ids) => {
            for chunk in ids.chunks(super::MAX_BINDS - 1) {
                let sql = format!(
                    "{SELECT} WHERE n.subject_id IN {} AND c.status = 'open' AND c.closes_at > ${} ORDER BY c.closes_at, p.name",
                    placeholders(1, chunk.len()),
                    chunk.len() + 1
                );
                let binds: Vec<&str> = chunk.iter().map(String::as_str).collect();
                all.extend(fetch(pool, sql, &binds, Some(now)).await?);
            }
        }
    }
    Ok(all)
}

/// Replaces the picks of a nomination that is not approved yet and sets its status; false if
/// it was approved meanwhile (or does not exist).
pub async fn set_picks(
    tx: &mut Tx,
    cycle: &str,
    subject: &str,
    picks: &[String],
    status: &str,
    by: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (submitted_at, approved_at) = if status == "approved" { (None, Some(now)) } else { (Some(now), None) };
    let done = sqlx::query(
        "UPDATE nominations SET status = $3, submitted_at = COALESCE($4, submitted_at), approved_at = $5, approved_by = $6 \
         WHERE cycle_id = $1 AND subject_id = $2 AND status <> 'approved'",
    )
    .bind(cycle)
    .bind(subject)
    .bind(status)
    .bind(submitted_at)
    .bind(approved_at)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM nominees WHERE cycle_id = $1 AND subject_id = $2")
        .bind(cycle)
        .bind(subject)
        .execute(&mut **tx)
        .await?;
    for p in picks {
        sqlx::query("INSERT INTO nominees (cycle_id, subject_id, person_id) VALUES ($1, $2, $3)")
            .bind(cycle)
            .bind(subject)
            .bind(p)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}

/// Claims a nomination for approval with `picks` (or, for `None`, the picks it holds, and only
/// if it was submitted): false if it was approved already, or (deadline) not submitted. The
/// caller's transaction holds the row, so two approvals never both go through.
pub async fn claim_approval(
    tx: &mut Tx,
    cycle: &str,
    subject: &str,
    picks: Option<&[String]>,
    by: &str,
    now: i64,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    let Some(picks) = picks else {
        let done = sqlx::query(
            "UPDATE nominations SET status = 'approved', approved_at = $3, approved_by = $4 \
             WHERE cycle_id = $1 AND subject_id = $2 AND status = 'submitted'",
        )
        .bind(cycle)
        .bind(subject)
        .bind(now)
        .bind(by)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let held: Vec<String> = sqlx::query_scalar(
            "SELECT person_id FROM nominees WHERE cycle_id = $1 AND subject_id = $2 ORDER BY person_id",
        )
        .bind(cycle)
        .bind(subject)
        .fetch_all(&mut **tx)
        .await?;
        return Ok(Some(held));
    };
    if set_picks(tx, cycle, subject, picks, "approved", Some(by), now).await? {
        Ok(Some(picks.to_vec()))
    } else {
        Ok(None)
    }
}

/// Puts an approval back (its invitations could not be created): the list waits again.
pub async fn unapprove(pool: &sqlx::AnyPool, cycle: &str, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE nominations SET status = 'submitted', approved_at = NULL, approved_by = NULL \
         WHERE cycle_id = $1 AND subject_id = $2",
    )
    .bind(cycle)
    .bind(subject)
    .execute(pool)
    .await
    .map(|_| ())
}

/// Submitted nominations whose deadline has passed: approved as they stand.
pub async fn due(pool: &sqlx::AnyPool, now: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.cycle_id, n.subject_id FROM nominations n JOIN cycles c ON c.id = n.cycle_id \
         WHERE n.status = 'submitted' AND n.due_at IS NOT NULL AND n.due_at <= $1 AND c.status = 'open' AND c.closes_at > $1",
    )
    .bind(now)
    .fetch_all(pool)
    .await
}

/// Queues one "choose your reviewers" email per subject, not before `not_before_ms`.
pub async fn queue_emails(
    tx: &mut Tx,
    cycle: &str,
    subjects: &[String],
    not_before_ms: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    for subject in subjects {
        sqlx::query(
            "INSERT INTO outbox (kind, person_id, payload, status, attempts, next_attempt_ms, created_at) \
             VALUES ('nomination', $1, $2, 'pending', 0, $3, $4)",
        )
        .bind(subject)
        .bind(cycle)
        .bind(not_before_ms)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Someone active in the org chart: (id, name, team, manager).
pub type ActivePerson = (String, String, Option<String>, Option<String>);

/// Everyone active in the org chart, by team and name.
pub async fn active_people(pool: &sqlx::AnyPool) -> Result<Vec<ActivePerson>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, team, manager_id FROM people WHERE org_member = TRUE AND active = TRUE ORDER BY team, name, id",
    )
    .fetch_all(pool)
    .await
}
