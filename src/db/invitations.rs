//! Invitations: who is asked to rate whom, in which cycle, with which survey.
use super::{ANONYMOUS_INVITATION, Tx, json_rows, placeholders};
use crate::domain::Relation;
use crate::domain::reviews::{NewInvitation, Respondent};
use sqlx::Row;
use std::collections::HashMap;

pub use crate::domain::invitation::InvitationInfo;

/// The columns a new invitation is written with.
const NEW_INVITATION: json_rows::Columns = json_rows::Columns {
    table: "invitations",
    names: &[
        "cycle_id",
        "survey_id",
        "subject_id",
        "relation",
        "respondent_person_id",
        "respondent_customer_id",
        "respondent_key",
        "created_at",
        "sent_to",
        "launch_run",
    ],
    casts: &["", "", "", "", "", "", "", "::bigint", "", ""],
};

/// What comes back of each new invitation: its id and what identifies it.
const RETURNED: [&str; 4] = ["id", "survey_id", "subject_id", "respondent_key"];

/// Inserts the invitations that do not exist yet, in one statement, each with
/// the address its respondent has now (`addresses`, by respondent key). Returns, for each newly
/// created one, its id and its index in `rows`. A launch's rows carry its run: nobody reads them
/// until it ends (`live_invitations`).
pub async fn insert_new(
    tx: &mut Tx,
    cycle: &str,
    rows: &[NewInvitation],
    addresses: &HashMap<String, String>,
    now: i64,
    launch_run: Option<&str>,
) -> Result<Vec<(i64, usize)>, sqlx::Error> {
    let mut first_of: HashMap<(String, String, String), usize> = HashMap::new();
    let mut unique: Vec<usize> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        first_of.entry(r.dedupe_key()).or_insert_with(|| {
            unique.push(i);
            i
        });
    }
    let values: Vec<serde_json::Value> = unique
        .iter()
        .map(|&i| {
            let r = &rows[i];
            let (person, customer) = match &r.respondent {
                Respondent::Person(p) => (Some(p.as_str()), None),
                Respondent::Customer(c) => (None, Some(c.as_str())),
            };
            let key = r.respondent.key();
            let sent_to = addresses.get(&key).filter(|a| !a.is_empty());
            serde_json::json!([
                cycle,
                r.survey_id,
                r.subject_id,
                r.relation.as_str(),
                person,
                customer,
                key,
                now,
                sent_to,
                launch_run
            ])
        })
        .collect();
    let conflict = "ON CONFLICT (cycle_id, survey_id, subject_id, respondent_key) DO NOTHING";
    let new = json_rows::insert_returning(tx, &NEW_INVITATION, values, conflict, &RETURNED).await?;
    let mut created = Vec::with_capacity(new.len());
    for row in new {
        let key = (json_rows::text(&row, 1)?, json_rows::text(&row, 2)?, json_rows::text(&row, 3)?);
        if let Some(&i) = first_of.get(&key) {
            created.push((json_rows::int(&row, 0)?, i));
        }
    }
    created.sort_by_key(|&(_, i)| i);
    Ok(created)
}

/// An existing invitation found by what identifies it.
pub struct Found {
    pub id: i64,
    pub completed: bool,
    pub revoked: bool,
    /// The respondent has an email address (a customer may not).
    pub reachable: bool,
    /// An anonymous relation: whether it was answered must not show.
    pub anonymous: bool,
    /// `email`, or `none` (its links were handed to the caller).
    pub delivery: String,
}

/// The invitations of `cycle` with these (survey, subject, respondent key) triples.
pub async fn find(
    tx: &mut Tx,
    cycle: &str,
    keys: &[(String, String, String)],
) -> Result<HashMap<(String, String, String), Found>, sqlx::Error> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks((super::MAX_BINDS - 1) / 3) {
        let tuples: Vec<String> = (0..chunk.len()).map(|k| placeholders(2 + 3 * k, 3)).collect();
        let sql = format!(
            "SELECT i.id, i.survey_id, i.subject_id, i.respondent_key, i.completed, i.revoked, \
               (i.respondent_customer_id IS NULL OR EXISTS (SELECT 1 FROM customers c \
                  WHERE c.id = i.respondent_customer_id AND c.email <> '')) AS reachable, \
               {} AS anonymous, i.delivery \
             FROM live_invitations i WHERE i.cycle_id = $1 AND (i.survey_id, i.subject_id, i.respondent_key) IN (VALUES {})",
            super::ANONYMOUS_INVITATION,
            tuples.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle);
        for (survey, subject, key) in chunk {
            q = q.bind(survey).bind(subject).bind(key);
        }
        for r in q.fetch_all(&mut **tx).await? {
            let key = (r.try_get("survey_id")?, r.try_get("subject_id")?, r.try_get("respondent_key")?);
            let found = Found {
                id: r.try_get("id")?,
                completed: super::get_bool(&r, "completed")?,
                revoked: super::get_bool(&r, "revoked")?,
                reachable: super::get_bool(&r, "reachable")?,
                anonymous: super::get_bool(&r, "anonymous")?,
                delivery: r.try_get("delivery")?,
            };
            out.insert(key, found);
        }
    }
    Ok(out)
}

/// Revokes these invitations: every link of each answers 410 from now on.
pub async fn revoke(tx: &mut Tx, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(super::MAX_BINDS) {
        let sql = format!("UPDATE invitations SET revoked = TRUE WHERE id IN {}", placeholders(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Records how these invitations reach their respondents: `email` or `none` (links handed to
/// the caller; never emailed, not even a reminder).
pub async fn set_delivery(tx: &mut Tx, ids: &[i64], delivery: &'static str) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(super::MAX_BINDS - 1) {
        let sql = format!("UPDATE invitations SET delivery = $1 WHERE id IN {}", placeholders(2, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(delivery);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The invitation with its cycle and people. An anonymous invitation's address is the one it
/// was created for, whatever the directory says now (CONTRACT §10): re-pointing a rater's
/// email never re-routes their review.
static INFO_SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT i.id, i.cycle_id, c.title AS cycle_title, c.title_i18n, c.status AS cycle_status, \
         c.closes_at, c.min_raters, i.survey_id, i.subject_id, p.name AS subject_name, i.relation, i.completed, i.revoked, i.declined, i.respondent_key, i.delivery, \
         COALESCE(rp.name, rc.name) AS respondent_name, \
         CASE WHEN {ANONYMOUS_INVITATION} THEN COALESCE(i.sent_to, '') ELSE COALESCE(rp.email, rc.email) END AS respondent_email, \
         COALESCE(rp.locale, rc.locale) AS respondent_locale, i.respondent_customer_id \
         FROM live_invitations i JOIN cycles c ON c.id = i.cycle_id JOIN people p ON p.id = i.subject_id \
         LEFT JOIN people rp ON rp.id = i.respondent_person_id \
         LEFT JOIN customers rc ON rc.id = i.respondent_customer_id"
    )
});

fn info_from_row(r: &sqlx::any::AnyRow, now: i64) -> Result<InvitationInfo, sqlx::Error> {
    let status: String = r.try_get("cycle_status")?;
    let closes_at: i64 = r.try_get("closes_at")?;
    let relation: String = r.try_get("relation")?;
    Ok(InvitationInfo {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        cycle_title: r.try_get("cycle_title")?,
        cycle_title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
        cycle_open: status == "open" && now < closes_at,
        closes_at,
        min_raters: r.try_get("min_raters")?,
        survey_id: r.try_get("survey_id")?,
        subject_id: r.try_get("subject_id")?,
        subject_name: r.try_get("subject_name")?,
        relation: Relation::parse(&relation).ok_or_else(|| sqlx::Error::Decode("relation".into()))?,
        completed: super::get_bool(r, "completed")?,
        revoked: super::get_bool(r, "revoked")?,
        declined: super::get_bool(r, "declined")?,
        respondent_key: r.try_get("respondent_key")?,
        delivery: r.try_get("delivery")?,
        respondent_name: r.try_get("respondent_name")?,
        respondent_email: r.try_get("respondent_email")?,
        respondent_locale: r.try_get("respondent_locale")?,
        respondent_customer_id: r.try_get("respondent_customer_id")?,
    })
}

pub async fn info<'e, E>(ex: E, id: i64, now: i64) -> Result<Option<InvitationInfo>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("{} WHERE i.id = $1", *INFO_SELECT);
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(ex).await?.map(|r| info_from_row(&r, now)).transpose()
}

/// [`info`] of many invitations at once, by id (those that exist).
pub async fn infos(
    db: &super::Db,
    ids: &[i64],
    now: i64,
) -> Result<std::collections::HashMap<i64, InvitationInfo>, sqlx::Error> {
    let sql = format!("{} WHERE i.id IN {}", *INFO_SELECT, super::json_values(db.backend, "$1", "bigint"));
    let ids = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(&db.pool).await?;
    rows.iter().map(|row| info_from_row(row, now).map(|info| (info.id, info))).collect()
}

/// What a submission learns about the invitation it just claimed (see `responses::claim`).
#[derive(Debug, Clone)]
pub struct LinkTarget {
    pub id: i64,
    pub cycle_id: String,
    pub survey_id: String,
    pub subject_id: String,
    pub relation: Relation,
    /// `p:ID` or `c:ID`.
    pub respondent_key: String,
    /// The address the invitation was created for (None before it was kept).
    pub sent_to: Option<String>,
}

/// The invitation behind a respondent link, found by the token's hash.
pub async fn info_by_link<'e, E>(ex: E, token_hash: &str, now: i64) -> Result<Option<InvitationInfo>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "{} JOIN links l ON l.invitation_id = i.id \
         WHERE l.token_hash = $1 AND l.kind = 'respond' AND (l.expires_at IS NULL OR l.expires_at > $2)",
        *INFO_SELECT
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(ex)
        .await?
        .map(|r| info_from_row(&r, now))
        .transpose()
}

/// Counts one more reminder sent for each of these invitations.
pub async fn count_reminder(db: &super::Db, ids: &[i64]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE invitations SET reminders_sent = reminders_sent + 1 WHERE id IN {}",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    q.execute(&db.pool).await.map(|_| ())
}

/// Distinct respondents per (subject, anonymous 360 relation) of a cycle: the most raters each
/// anonymous group can ever have.
pub async fn anonymous_rater_counts(
    pool: &sqlx::AnyPool,
    cycle: &str,
) -> Result<HashMap<(String, String), i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT subject_id, relation, COUNT(DISTINCT respondent_key) AS raters FROM live_invitations \
         WHERE cycle_id = $1 AND relation IN ('peer', 'direct_report') AND revoked = FALSE \
         GROUP BY subject_id, relation",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(((r.try_get("subject_id")?, r.try_get("relation")?), r.try_get("raters")?))).collect()
}

/// On PostgreSQL, the planner's statistics of the tables a launch writes (invitations, their
/// emails and the emails' items) brought up to date. A launch refreshes them as its rows
/// double: planned on the statistics of a nearly empty table, the check of each share
/// ([`anonymous_surveys`]) scanned the whole cycle by its index rather than looking its
/// subjects up, and a launch of 80,000 invitations spent half its time there. All three at
/// once: fresh statistics of the invitations beside stale ones of the emails planned the
/// progress query (`cycles::progress`) as a scan of every email per invitation. SQLite's
/// planner keeps to the indexes without them.
pub async fn refresh_statistics(db: &super::Db) -> Result<(), sqlx::Error> {
    if db.backend == super::Backend::Postgres {
        // Never wait long behind another ANALYZE or an autovacuum that will not yield: the
        // launch beats no heartbeat meanwhile.
        let mut tx = db.pool.begin().await?;
        sqlx::query("SET LOCAL lock_timeout = '2s'").execute(&mut *tx).await?;
        sqlx::query("ANALYZE invitations, outbox, outbox_items").execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The surveys each (subject, relation) of a cycle is asked about anonymously.
pub async fn anonymous_surveys(
    tx: &mut super::Tx,
    cycle: &str,
    subjects: &[&str],
) -> Result<HashMap<(String, String), std::collections::BTreeSet<String>>, sqlx::Error> {
    // Only the subjects asked about: a launch checks each share against what the shares before
    // it wrote, and reading the whole cycle every time grew with the square of its size. A
    // list of values rather than a JSON array, so PostgreSQL looks each subject up by index.
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for chunk in subjects.chunks(super::MAX_BINDS - 1) {
        let cycle_param = match super::backend_of(tx) {
            super::Backend::Sqlite => "?".to_string(),
            super::Backend::Postgres => format!("${}", chunk.len() + 1),
        };
        let sql = format!(
            "SELECT DISTINCT i.subject_id, i.relation, i.survey_id FROM invitations i JOIN surveys s ON s.id = i.survey_id \
             WHERE i.subject_id IN {} AND i.cycle_id = {cycle_param} \
             AND (i.relation IN ('peer', 'direct_report') OR (i.relation = 'customer' AND s.anonymous = TRUE))",
            super::value_rows(tx, 1, chunk.len())
        );
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for subject in chunk {
            q = q.bind(*subject);
        }
        rows.extend(q.bind(cycle).fetch_all(&mut **tx).await?);
    }
    let mut out: HashMap<(String, String), std::collections::BTreeSet<String>> = HashMap::new();
    for (subject, relation, survey) in rows {
        out.entry((subject, relation)).or_default().insert(survey);
    }
    Ok(out)
}
