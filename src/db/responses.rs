//! Storing a respondent's answers: one transaction that completes the invitation and stores
//! the response, or does nothing.
use super::{Backend, Db, placeholders};
use crate::domain::answers::Answer;

pub struct NewResponse<'a> {
    /// Per-indicator values of this response, from [`crate::scoring::response_values`].
    pub values: &'a [crate::scoring::ResponseValue],
    pub invitation_id: i64,
    pub cycle_id: &'a str,
    pub survey_id: &'a str,
    pub subject_id: &'a str,
    pub relation: &'a str,
    /// Anonymous responses keep no reference to the invitation.
    pub anonymous: bool,
    pub answers: &'a [Answer],
}

pub enum Submitted {
    Stored,
    /// The invitation was completed, revoked or its cycle closed before this transaction.
    NotOpen,
}

pub async fn submit(db: &Db, r: &NewResponse<'_>, now: i64, today: &str) -> Result<Submitted, sqlx::Error> {
    let mut tx = db.begin().await?;
    // An anonymous invitation records that it is done, not when: a day could be matched
    // against the response's day.
    let claimed = sqlx::query(
        "UPDATE invitations SET completed = TRUE, completed_on = $1 \
         WHERE id = $2 AND completed = FALSE AND revoked = FALSE \
         AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = invitations.cycle_id AND c.status = 'open' AND c.closes_at > $3)",
    )
    .bind((!r.anonymous).then_some(today))
    .bind(r.invitation_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(Submitted::NotOpen);
    }
    let response_id = crate::domain::token::random_id();
    sqlx::query(
        "INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on, invitation_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&response_id)
    .bind(r.cycle_id)
    .bind(r.survey_id)
    .bind(r.subject_id)
    .bind(r.relation)
    .bind(today)
    .bind((!r.anonymous).then_some(r.invitation_id))
    .execute(&mut *tx)
    .await?;
    if !r.answers.is_empty() {
        let values: Vec<String> = (0..r.answers.len()).map(|k| placeholders(k * 4 + 1, 4)).collect();
        let sql = format!("INSERT INTO answers (response_id, question_id, value, text) VALUES {}", values.join(", "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in r.answers {
            q = q.bind(&response_id).bind(&a.question_id).bind(a.value).bind(&a.text);
        }
        q.execute(&mut *tx).await?;
    }
    if !r.values.is_empty() {
        let values: Vec<String> = (0..r.values.len()).map(|k| placeholders(k * 12 + 1, 12)).collect();
        let sql = format!(
            "INSERT INTO response_scores (cycle_id, subject_id, indicator, relation, anonymous, response_id, value, \
             scale_n, top_two, nps_n, promoters, detractors) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in r.values {
            q = q
                .bind(r.cycle_id)
                .bind(r.subject_id)
                .bind(&v.indicator)
                .bind(r.relation)
                .bind(r.anonymous)
                .bind(&response_id)
                .bind(v.value)
                .bind(v.scale_n)
                .bind(v.top_two)
                .bind(v.nps_n)
                .bind(v.promoters)
                .bind(v.detractors);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if r.anonymous && db.backend == Backend::Postgres {
        // PostgreSQL stamps every row a transaction writes with its id (xmin); rewrite the
        // invitation in a transaction of its own so it shares no stamp with the response.
        sqlx::query("UPDATE invitations SET completed = TRUE WHERE id = $1")
            .bind(r.invitation_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(Submitted::Stored)
}
