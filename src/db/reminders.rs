//! Which invitations are due a reminder.
use super::{ANONYMOUS_INVITATION, Backend, Db, Tx};
use sqlx::Row;

/// An open invitation and whom it goes to, for grouping reminders per respondent.
pub struct Pending {
    pub invitation_id: i64,
    pub cycle_id: String,
    pub subject_id: String,
    pub respondent_key: String,
    /// `email`, or `none` for a link handed to the caller (never emailed).
    pub delivery: String,
    /// An anonymous relation: never listed by person.
    pub anonymous: bool,
}

/// `CROSS JOIN` keeps SQLite's join order: from the invitation's few items to their emails by
/// id. Left to choose, it scanned every email of a status for each invitation (20 s for the
/// progress of 20,000 invitations).
const NO_PENDING_EMAIL: &str = "NOT EXISTS (SELECT 1 FROM outbox_items oi CROSS JOIN outbox o \
     WHERE o.id = oi.outbox_id AND oi.invitation_id = i.id AND o.status = 'pending')";

fn to_pending(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<Pending>, sqlx::Error> {
    rows.iter()
        .map(|r| {
            Ok(Pending {
                invitation_id: r.try_get("id")?,
                cycle_id: r.try_get("cycle_id")?,
                subject_id: r.try_get("subject_id")?,
                respondent_key: r.try_get("respondent_key")?,
                delivery: r.try_get("delivery")?,
                anonymous: super::get_bool(r, "anonymous")?,
            })
        })
        .collect()
}

/// Every invitation of an open cycle that is still unanswered and has no email waiting.
pub async fn open_in_cycle(tx: &mut Tx, cycle: &str) -> Result<Vec<Pending>, sqlx::Error> {
    let sql = format!(
        "SELECT i.id, i.cycle_id, i.subject_id, i.respondent_key, i.delivery, {ANONYMOUS_INVITATION} AS anonymous FROM live_invitations i \
         WHERE i.cycle_id = $1 AND i.completed = FALSE AND i.revoked = FALSE AND i.declined = FALSE AND {NO_PENDING_EMAIL} ORDER BY i.id"
    );
    to_pending(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle).fetch_all(&mut **tx).await?)
}

/// An attributed review (self, manager, a customer of a survey that is not anonymous) not
/// answered yet: who is asked, about whom, in which survey.
pub struct PendingRater {
    /// The person asked; None for a customer.
    pub person_id: Option<String>,
    pub customer_id: Option<String>,
    pub rater: String,
    pub survey_id: String,
    pub subject_id: String,
    pub subject: String,
    pub relation: String,
}

/// The unanswered, unrevoked self and manager reviews of a cycle, by rater. Anonymous relations
/// are never listed by person.
pub async fn attributed_pending(pool: &sqlx::AnyPool, cycle: &str) -> Result<Vec<PendingRater>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.respondent_person_id AS person_id, i.respondent_customer_id AS customer_id, \
         COALESCE(r.name, rc.name) AS rater, i.survey_id, i.subject_id, s.name AS subject, i.relation FROM live_invitations i \
         JOIN people s ON s.id = i.subject_id JOIN surveys sv ON sv.id = i.survey_id \
         LEFT JOIN people r ON r.id = i.respondent_person_id LEFT JOIN customers rc ON rc.id = i.respondent_customer_id \
         WHERE i.cycle_id = $1 AND i.completed = FALSE AND i.revoked = FALSE AND i.declined = FALSE \
         AND (i.relation IN ('self', 'manager') OR (i.relation = 'customer' AND sv.anonymous = FALSE)) \
         ORDER BY CASE WHEN i.respondent_person_id IS NULL THEN 1 ELSE 0 END, rater, person_id, customer_id, s.name, i.relation",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await?;
    rows.iter().map(pending_rater).collect()
}

/// Everyone asked for an anonymous review (peer, direct report, a customer of an anonymous
/// survey) in a cycle and not revoked, by subject. Nothing here says whether they answered or
/// declined: those columns are not read, and the order is by name.
pub async fn anonymous_asked(pool: &sqlx::AnyPool, cycle: &str) -> Result<Vec<PendingRater>, sqlx::Error> {
    let sql = format!(
        "SELECT i.respondent_person_id AS person_id, i.respondent_customer_id AS customer_id, \
         COALESCE(r.name, rc.name) AS rater, i.survey_id, i.subject_id, s.name AS subject, i.relation FROM live_invitations i \
         JOIN people s ON s.id = i.subject_id \
         LEFT JOIN people r ON r.id = i.respondent_person_id LEFT JOIN customers rc ON rc.id = i.respondent_customer_id \
         WHERE i.cycle_id = $1 AND i.revoked = FALSE AND {ANONYMOUS_INVITATION} \
         ORDER BY s.name, i.subject_id, i.relation, rater, person_id, customer_id, i.survey_id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle).fetch_all(pool).await?;
    rows.iter().map(pending_rater).collect()
}

fn pending_rater(r: &sqlx::any::AnyRow) -> Result<PendingRater, sqlx::Error> {
    Ok(PendingRater {
        person_id: r.try_get("person_id")?,
        customer_id: r.try_get("customer_id")?,
        rater: r.try_get("rater")?,
        survey_id: r.try_get("survey_id")?,
        subject_id: r.try_get("subject_id")?,
        subject: r.try_get("subject")?,
        relation: r.try_get("relation")?,
    })
}

/// Invitations of one relation in a cycle, counts only.
#[derive(Debug, Clone)]
pub struct RelationCount {
    pub relation: String,
    pub invited: i64,
    pub answered: i64,
    pub declined: i64,
}

/// Per relation of a cycle: what anonymous relations show, counts only (revoked invitations
/// included, so revoking one never tells whether it was answered).
pub async fn relation_counts(pool: &sqlx::AnyPool, cycle: &str) -> Result<Vec<RelationCount>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT relation, COUNT(*) AS invited, COALESCE(SUM(CASE WHEN completed THEN 1 ELSE 0 END), 0) AS answered, \
         COALESCE(SUM(CASE WHEN declined THEN 1 ELSE 0 END), 0) AS declined \
         FROM live_invitations WHERE cycle_id = $1 GROUP BY relation ORDER BY relation",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RelationCount {
                relation: r.try_get("relation")?,
                invited: r.try_get("invited")?,
                answered: r.try_get("answered")?,
                declined: r.try_get("declined")?,
            })
        })
        .collect()
}

/// One rater's unanswered self and manager reviews of a cycle delivered by email, with no email
/// waiting and no reminder sent since `since`.
pub async fn person_attributed(
    tx: &mut Tx,
    cycle: &str,
    person: &str,
    since: i64,
) -> Result<Vec<Pending>, sqlx::Error> {
    let sql = format!(
        "SELECT i.id, i.cycle_id, i.subject_id, i.respondent_key, i.delivery, {ANONYMOUS_INVITATION} AS anonymous FROM live_invitations i \
         WHERE i.cycle_id = $1 AND i.respondent_person_id = $2 AND i.relation IN ('self', 'manager') \
         AND i.completed = FALSE AND i.revoked = FALSE AND i.declined = FALSE AND i.delivery = 'email' \
         AND NOT EXISTS (SELECT 1 FROM outbox_items oi CROSS JOIN outbox o \
             WHERE o.id = oi.outbox_id AND oi.invitation_id = i.id AND (o.status = 'pending' OR (o.kind = 'reminder' AND o.status = 'sent' AND o.sent_at > $3))) \
         ORDER BY i.id"
    );
    to_pending(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle).bind(person).bind(since).fetch_all(&mut **tx).await?)
}

/// Whether any open cycle has a reminder schedule: a cheap look before the real query.
pub async fn any_scheduled(pool: &sqlx::AnyPool, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cycles WHERE status = 'open' AND closes_at > $1 AND remind_every_days IS NOT NULL",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Invitations whose cycle reminds every N days, last emailed at least N days ago, with
/// reminders left, in open cycles.
pub async fn due<'e, E>(ex: E, now: i64, day_secs: i64) -> Result<Vec<Pending>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT i.id, i.cycle_id, i.subject_id, i.respondent_key, i.delivery, {ANONYMOUS_INVITATION} AS anonymous FROM live_invitations i \
         JOIN cycles c ON c.id = i.cycle_id WHERE i.delivery = 'email' AND c.status = 'open' AND c.closes_at > $1 AND c.remind_every_days IS NOT NULL \
         AND i.completed = FALSE AND i.revoked = FALSE AND i.declined = FALSE AND i.reminders_sent < COALESCE(c.max_reminders, 2) \
         AND {NO_PENDING_EMAIL} \
         AND EXISTS (SELECT 1 FROM outbox_items oi CROSS JOIN outbox o \
             WHERE o.id = oi.outbox_id AND oi.invitation_id = i.id AND o.status = 'sent') \
         AND NOT EXISTS (SELECT 1 FROM outbox_items oi CROSS JOIN outbox o \
             WHERE o.id = oi.outbox_id AND oi.invitation_id = i.id AND o.status = 'sent' AND o.sent_at > $1 - c.remind_every_days * $2) \
         ORDER BY i.id"
    );
    to_pending(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(day_secs).fetch_all(ex).await?)
}

/// Serialises reminder scheduling across instances (SQLite's write lock already does).
pub async fn lock_scheduler(db: &Db, tx: &mut Tx) -> Result<(), sqlx::Error> {
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7271)").execute(&mut **tx).await?;
    }
    Ok(())
}

/// Groups invitations per (cycle, respondent): one reminder email each.
pub fn group(pending: &[Pending]) -> Vec<Vec<i64>> {
    let mut order: Vec<(&str, &str)> = Vec::new();
    let mut groups: std::collections::HashMap<(&str, &str), Vec<i64>> = std::collections::HashMap::new();
    for p in pending {
        let key = (p.cycle_id.as_str(), p.respondent_key.as_str());
        groups
            .entry(key)
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(p.invitation_id);
    }
    order.into_iter().filter_map(|k| groups.remove(&k)).collect()
}
