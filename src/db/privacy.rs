//! What Candor holds about one person or customer, for their export (CONTRACT §12). Only what is
//! theirs: anonymous answers carry no invitation, so none can be found here, and whether an
//! anonymous invitation was answered is not read either.
use super::{ANONYMOUS_INVITATION, get_bool};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// Whose data: a person's or a customer's.
#[derive(Debug, Clone, Copy)]
pub enum Whose<'a> {
    Person(&'a str),
    Customer(&'a str),
}

impl Whose<'_> {
    fn column(self) -> &'static str {
        match self {
            Whose::Person(_) => "respondent_person_id",
            Whose::Customer(_) => "respondent_customer_id",
        }
    }

    fn id(&self) -> &str {
        match self {
            Whose::Person(id) | Whose::Customer(id) => id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub manager_id: Option<String>,
    pub team: Option<String>,
    pub locale: Option<String>,
    pub role: Option<String>,
    pub active: bool,
    pub admin: bool,
}

pub async fn person(pool: &AnyPool, id: &str) -> Result<Option<PersonRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, name, email, manager_id, team, locale, role, active, is_admin FROM people WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(PersonRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            manager_id: r.try_get("manager_id")?,
            team: r.try_get("team")?,
            locale: r.try_get("locale")?,
            role: r.try_get("role")?,
            active: get_bool(&r, "active")?,
            admin: get_bool(&r, "is_admin")?,
        })
    })
    .transpose()
}

#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub id: String,
    pub name: String,
    /// Empty when the customer is reached by phone only.
    pub email: String,
    pub phone: Option<String>,
    pub owner_id: Option<String>,
    pub locale: Option<String>,
    pub unsubscribed: bool,
}

pub async fn customer(pool: &AnyPool, id: &str) -> Result<Option<CustomerRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT c.id, c.name, c.email, c.phone, c.owner_id, c.locale, \
         CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.email = c.email AND c.email <> '') THEN 1 ELSE 0 END \
         AS unsubscribed FROM customers c WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(CustomerRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            owner_id: r.try_get("owner_id")?,
            locale: r.try_get("locale")?,
            unsubscribed: get_bool(&r, "unsubscribed")?,
        })
    })
    .transpose()
}

/// An invitation someone received. For an anonymous one, whether (and when, and why not) it
/// was answered is never read.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub cycle_id: String,
    pub survey_id: String,
    pub subject_id: String,
    pub relation: String,
    pub anonymous: bool,
    pub created_at: i64,
    pub revoked: bool,
    pub cycle_closed: bool,
    /// `None` for anonymous invitations.
    pub answered: Option<Answered>,
}

#[derive(Debug, Clone)]
pub struct Answered {
    pub completed_on: Option<String>,
    pub declined: bool,
    pub decline_reason: Option<String>,
}

pub async fn invitations(pool: &AnyPool, whose: Whose<'_>, now: i64) -> Result<Vec<InvitationRow>, sqlx::Error> {
    let sql = format!(
        "SELECT i.cycle_id, i.survey_id, i.subject_id, i.relation, i.created_at, i.revoked, \
         CASE WHEN {ANONYMOUS_INVITATION} THEN 1 ELSE 0 END AS anonymous, \
         CASE WHEN c.status = 'closed' OR c.closes_at <= $2 THEN 1 ELSE 0 END AS cycle_closed, \
         CASE WHEN {ANONYMOUS_INVITATION} THEN NULL ELSE i.completed_on END AS completed_on, \
         CASE WHEN {ANONYMOUS_INVITATION} THEN 0 WHEN i.declined THEN 1 ELSE 0 END AS declined, \
         CASE WHEN {ANONYMOUS_INVITATION} THEN NULL ELSE i.decline_reason END AS decline_reason \
         FROM live_invitations i JOIN cycles c ON c.id = i.cycle_id WHERE i.{} = $1 ORDER BY i.cycle_id, i.id",
        whose.column()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(whose.id()).bind(now).fetch_all(pool).await?;
    rows.iter().map(invitation).collect()
}

fn invitation(r: &AnyRow) -> Result<InvitationRow, sqlx::Error> {
    let anonymous = get_bool(r, "anonymous")?;
    let answered = (!anonymous)
        .then(|| {
            Ok::<_, sqlx::Error>(Answered {
                completed_on: r.try_get("completed_on")?,
                declined: get_bool(r, "declined")?,
                decline_reason: r.try_get("decline_reason")?,
            })
        })
        .transpose()?;
    Ok(InvitationRow {
        cycle_id: r.try_get("cycle_id")?,
        survey_id: r.try_get("survey_id")?,
        subject_id: r.try_get("subject_id")?,
        relation: r.try_get("relation")?,
        anonymous,
        created_at: r.try_get("created_at")?,
        revoked: get_bool(r, "revoked")?,
        cycle_closed: get_bool(r, "cycle_closed")?,
        answered,
    })
}

/// One answer of an attributed response someone gave (its invitation names them).
#[derive(Debug, Clone)]
pub struct GivenAnswer {
    pub response_id: String,
    pub cycle_id: String,
    pub survey_id: String,
    pub subject_id: String,
    pub relation: String,
    pub submitted_on: String,
    pub source: String,
    pub question_id: Option<String>,
    pub value: Option<i64>,
    pub text: Option<String>,
}

/// Attributed answers only: an anonymous response has no invitation, so it cannot be reached.
pub async fn answers_given(pool: &AnyPool, whose: Whose<'_>) -> Result<Vec<GivenAnswer>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id, r.cycle_id, r.survey_id, r.subject_id, r.relation, r.submitted_on, r.source, \
         a.question_id, a.value, a.text FROM responses r JOIN invitations i ON i.id = r.invitation_id \
         LEFT JOIN answers a ON a.response_id = r.id WHERE i.{} = $1 ORDER BY r.cycle_id, r.id, a.question_id",
        whose.column()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(whose.id()).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(GivenAnswer {
                response_id: r.try_get("id")?,
                cycle_id: r.try_get("cycle_id")?,
                survey_id: r.try_get("survey_id")?,
                subject_id: r.try_get("subject_id")?,
                relation: r.try_get("relation")?,
                submitted_on: r.try_get("submitted_on")?,
                source: r.try_get("source")?,
                question_id: r.try_get("question_id")?,
                value: r.try_get("value")?,
                text: r.try_get("text")?,
            })
        })
        .collect()
}

/// Follow-ups recorded on a customer's attributed answers: (response, by, at, note).
pub async fn followups(
    pool: &AnyPool,
    customer: &str,
) -> Result<Vec<(String, String, i64, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT f.response_id, f.done_by, f.done_at, f.note FROM followups f \
         JOIN responses r ON r.id = f.response_id JOIN invitations i ON i.id = r.invitation_id \
         WHERE i.respondent_customer_id = $1 ORDER BY f.response_id",
    )
    .bind(customer)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("response_id")?, r.try_get("done_by")?, r.try_get("done_at")?, r.try_get("note")?)))
        .collect()
}

/// A subject's released results: (cycle, scores JSON, comments JSON), closed cycles only.
pub async fn released_about(pool: &AnyPool, subject: &str) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT cycle_id, scores, comments FROM subject_results WHERE subject_id = $1 ORDER BY cycle_id")
            .bind(subject)
            .fetch_all(pool)
            .await?;
    rows.iter().map(|r| Ok((r.try_get("cycle_id")?, r.try_get("scores")?, r.try_get("comments")?))).collect()
}

#[derive(Debug, Clone)]
pub struct FeedbackRow {
    pub cycle_id: String,
    pub subject_id: String,
    pub author_id: String,
    pub strengths: String,
    pub improvements: String,
    pub next_steps: String,
    pub shared_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub reply: Option<String>,
}

/// Feedback a person received (shared with them) or wrote.
pub async fn feedback(pool: &AnyPool, person: &str) -> Result<Vec<FeedbackRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT cycle_id, subject_id, author_id, strengths, improvements, next_steps, shared_at, acknowledged_at, \
         reply FROM feedback WHERE (subject_id = $1 AND shared_at IS NOT NULL) OR author_id = $1 \
         ORDER BY cycle_id, subject_id, author_id",
    )
    .bind(person)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FeedbackRow {
                cycle_id: r.try_get("cycle_id")?,
                subject_id: r.try_get("subject_id")?,
                author_id: r.try_get("author_id")?,
                strengths: r.try_get("strengths")?,
                improvements: r.try_get("improvements")?,
                next_steps: r.try_get("next_steps")?,
                shared_at: r.try_get("shared_at")?,
                acknowledged_at: r.try_get("acknowledged_at")?,
                reply: r.try_get("reply")?,
            })
        })
        .collect()
}
