//! Feedback on a closed cycle's report: one per (cycle, subject, author).
use super::Tx;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct FeedbackRow {
    pub subject_id: String,
    pub author_id: String,
    pub author_name: String,
    pub strengths: String,
    pub improvements: String,
    pub next_steps: String,
    pub shared_at: Option<i64>,
    /// When the shared feedback was last amended.
    pub amended_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub reply: Option<String>,
}

/// Every piece of feedback on one subject's report of a cycle, by author name.
pub async fn for_subject(pool: &sqlx::AnyPool, cycle: &str, subject: &str) -> Result<Vec<FeedbackRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT f.subject_id, f.author_id, p.name AS author_name, f.strengths, f.improvements, f.next_steps, \
         f.shared_at, f.amended_at, f.acknowledged_at, f.reply FROM feedback f JOIN people p ON p.id = f.author_id \
         WHERE f.cycle_id = $1 AND f.subject_id = $2 ORDER BY p.name, f.author_id",
    )
    .bind(cycle)
    .bind(subject)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FeedbackRow {
                subject_id: r.try_get("subject_id")?,
                author_id: r.try_get("author_id")?,
                author_name: r.try_get("author_name")?,
                strengths: r.try_get("strengths")?,
                improvements: r.try_get("improvements")?,
                next_steps: r.try_get("next_steps")?,
                shared_at: r.try_get("shared_at")?,
                amended_at: r.try_get("amended_at")?,
                acknowledged_at: r.try_get("acknowledged_at")?,
                reply: r.try_get("reply")?,
            })
        })
        .collect()
}

/// The three texts of a piece of feedback.
pub struct Texts<'a> {
    pub strengths: &'a str,
    pub improvements: &'a str,
    pub next_steps: &'a str,
}

/// What [`save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Draft,
    Shared,
    /// Shared feedback rewritten and shared again.
    Amended,
    /// Nothing: a draft of feedback that was shared already (only sharing amends it).
    Refused,
}

/// Writes (or rewrites) an author's feedback, shared now when `share`. Shared feedback changes
/// only by sharing again, which amends it.
pub async fn save(
    tx: &mut Tx,
    key: (&str, &str, &str),
    texts: &Texts<'_>,
    share: bool,
    now: i64,
) -> Result<Saved, sqlx::Error> {
    let (cycle, subject, author) = key;
    let before: Option<Option<i64>> =
        sqlx::query_scalar("SELECT shared_at FROM feedback WHERE cycle_id = $1 AND subject_id = $2 AND author_id = $3")
            .bind(cycle)
            .bind(subject)
            .bind(author)
            .fetch_optional(&mut **tx)
            .await?;
    let was_shared = matches!(before, Some(Some(_)));
    if was_shared && !share {
        return Ok(Saved::Refused);
    }
    sqlx::query(
        "INSERT INTO feedback (cycle_id, subject_id, author_id, strengths, improvements, next_steps, updated_at, shared_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (cycle_id, subject_id, author_id) DO UPDATE SET strengths = excluded.strengths, \
           improvements = excluded.improvements, next_steps = excluded.next_steps, updated_at = excluded.updated_at, \
           shared_at = COALESCE(feedback.shared_at, excluded.shared_at), \
           amended_at = CASE WHEN feedback.shared_at IS NULL THEN feedback.amended_at ELSE excluded.updated_at END",
    )
    .bind(cycle)
    .bind(subject)
    .bind(author)
    .bind(texts.strengths)
    .bind(texts.improvements)
    .bind(texts.next_steps)
    .bind(now)
    .bind(share.then_some(now))
    .execute(&mut **tx)
    .await?;
    Ok(match (was_shared, share) {
        (true, _) => Saved::Amended,
        (false, true) => Saved::Shared,
        (false, false) => Saved::Draft,
    })
}

/// The subject acknowledges shared feedback, once; false if there is none to acknowledge.
pub async fn acknowledge(
    tx: &mut Tx,
    key: (&str, &str, &str),
    reply: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (cycle, subject, author) = key;
    let done = sqlx::query(
        "UPDATE feedback SET acknowledged_at = $4, reply = $5 WHERE cycle_id = $1 AND subject_id = $2 AND author_id = $3 \
         AND shared_at IS NOT NULL AND acknowledged_at IS NULL",
    )
    .bind(cycle)
    .bind(subject)
    .bind(author)
    .bind(now)
    .bind(reply)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Who wrote feedback on whom in a cycle, and when it was shared and acknowledged (no texts).
pub async fn summary(
    pool: &sqlx::AnyPool,
    cycle: &str,
) -> Result<Vec<(String, String, Option<i64>, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT subject_id, author_id, shared_at, acknowledged_at FROM feedback WHERE cycle_id = $1 \
         ORDER BY subject_id, author_id",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await
}
