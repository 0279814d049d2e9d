//! Customer follow-up: attributed customer answers, who followed them up, and the open customer
//! invitations a colleague may answer for from a call.
use super::{Tx, placeholders};
use sqlx::Row;
use std::collections::HashMap;

/// One attributed customer response.
#[derive(Debug, Clone)]
pub struct CustomerAnswer {
    pub response_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub survey_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: Option<String>,
    pub submitted_on: String,
    pub source: String,
    /// (who, when, note) once followed up.
    pub followed: Option<(String, i64, Option<String>)>,
    /// (question, value, text).
    pub answers: Vec<(String, Option<i64>, Option<String>)>,
}

/// The latest attributed customer responses (anonymous ones carry no invitation and are never
/// here), newest first, at most `limit`.
pub async fn customer_answers(pool: &sqlx::AnyPool, limit: i64) -> Result<Vec<CustomerAnswer>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.id, cy.title, cy.title_i18n, r.survey_id, r.subject_id, p.name AS subject_name, c.name AS customer_name, \
         c.email, c.phone, r.submitted_on, r.source, fp.name AS done_by, f.done_at, f.note \
         FROM responses r JOIN invitations i ON i.id = r.invitation_id \
         JOIN customers c ON c.id = i.respondent_customer_id JOIN people p ON p.id = r.subject_id \
         JOIN cycles cy ON cy.id = r.cycle_id \
         LEFT JOIN followups f ON f.response_id = r.id LEFT JOIN people fp ON fp.id = f.done_by \
         WHERE r.relation = 'customer' ORDER BY r.submitted_on DESC, r.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let done_by: Option<String> = r.try_get("done_by")?;
        out.push(CustomerAnswer {
            response_id: r.try_get("id")?,
            cycle_title: r.try_get("title")?,
            cycle_title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
            survey_id: r.try_get("survey_id")?,
            subject_id: r.try_get("subject_id")?,
            subject_name: r.try_get("subject_name")?,
            customer_name: r.try_get("customer_name")?,
            customer_email: r.try_get("email")?,
            customer_phone: r.try_get("phone")?,
            submitted_on: r.try_get("submitted_on")?,
            source: r.try_get("source")?,
            followed: match done_by {
                Some(by) => Some((by, r.try_get("done_at")?, r.try_get("note")?)),
                None => None,
            },
            answers: Vec::new(),
        });
    }
    let mut answers = answers_of(pool, &out.iter().map(|a| a.response_id.as_str()).collect::<Vec<_>>()).await?;
    for a in &mut out {
        a.answers = answers.remove(&a.response_id).unwrap_or_default();
    }
    Ok(out)
}

type AnswerRows = HashMap<String, Vec<(String, Option<i64>, Option<String>)>>;

async fn answers_of(pool: &sqlx::AnyPool, ids: &[&str]) -> Result<AnswerRows, sqlx::Error> {
    let mut out: AnswerRows = HashMap::new();
    for chunk in ids.chunks(super::MAX_BINDS) {
        let sql = format!(
            "SELECT response_id, question_id, value, text FROM answers WHERE response_id IN {}",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(pool).await? {
            let entry = (r.try_get("question_id")?, r.try_get("value")?, r.try_get("text")?);
            out.entry(r.try_get("response_id")?).or_default().push(entry);
        }
    }
    Ok(out)
}

/// The subject of an attributed customer response.
pub async fn subject_of(pool: &sqlx::AnyPool, response: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT subject_id FROM responses WHERE id = $1 AND relation = 'customer' AND invitation_id IS NOT NULL",
    )
    .bind(response)
    .fetch_optional(pool)
    .await
}

/// Marks a response followed up, once; false if it was already.
pub async fn mark(
    pool: &sqlx::AnyPool,
    response: &str,
    by: &str,
    note: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO followups (response_id, done_by, done_at, note) VALUES ($1, $2, $3, $4) ON CONFLICT (response_id) DO NOTHING",
    )
    .bind(response)
    .bind(by)
    .bind(now)
    .bind(note)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// An open customer invitation of an attributed survey, not answered yet.
#[derive(Debug, Clone)]
pub struct OpenCustomer {
    pub invitation_id: i64,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub survey_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: Option<String>,
}

const OPEN_SELECT: &str = "SELECT i.id, cy.title, cy.title_i18n, i.survey_id, i.subject_id, p.name AS subject_name, \
     c.name AS customer_name, c.email, c.phone FROM live_invitations i JOIN cycles cy ON cy.id = i.cycle_id \
     JOIN surveys s ON s.id = i.survey_id JOIN customers c ON c.id = i.respondent_customer_id \
     JOIN people p ON p.id = i.subject_id \
     WHERE i.relation = 'customer' AND s.anonymous = FALSE AND i.completed = FALSE AND i.revoked = FALSE \
     AND i.declined = FALSE AND cy.status = 'open' AND cy.closes_at > $1";

fn open_customer(r: &sqlx::any::AnyRow) -> Result<OpenCustomer, sqlx::Error> {
    Ok(OpenCustomer {
        invitation_id: r.try_get("id")?,
        cycle_title: r.try_get("title")?,
        cycle_title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
        survey_id: r.try_get("survey_id")?,
        subject_id: r.try_get("subject_id")?,
        subject_name: r.try_get("subject_name")?,
        customer_name: r.try_get("customer_name")?,
        customer_email: r.try_get("email")?,
        customer_phone: r.try_get("phone")?,
    })
}

/// Open customer invitations of attributed surveys, by salesperson and customer.
pub async fn open_customers(pool: &sqlx::AnyPool, now: i64, limit: i64) -> Result<Vec<OpenCustomer>, sqlx::Error> {
    let sql = format!("{OPEN_SELECT} ORDER BY p.name, c.name, i.id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(pool).await?;
    rows.iter().map(open_customer).collect()
}

/// One of them, if it is still open.
pub async fn open_customer_by_id(pool: &sqlx::AnyPool, id: i64, now: i64) -> Result<Option<OpenCustomer>, sqlx::Error> {
    let sql = format!("{OPEN_SELECT} AND i.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(open_customer).transpose()
}

/// Records that a response was entered from a call, and by whom.
pub async fn mark_phone(tx: &mut Tx, invitation: i64, by: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE responses SET source = 'phone', entered_by = $2 WHERE invitation_id = $1")
        .bind(invitation)
        .bind(by)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
