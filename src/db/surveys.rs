//! Surveys and their questions.
use super::Tx;
use crate::domain::survey::{Question, QuestionType, Survey, SurveyKind};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected stored {what}").into())
}

fn question_from_row(r: &AnyRow) -> Result<Question, sqlx::Error> {
    let kind: String = r.try_get("type")?;
    let i18n: String = r.try_get("text_i18n")?;
    let extra: String = r.try_get("extra")?;
    Ok(Question {
        id: r.try_get("id")?,
        kind: QuestionType::parse(&kind).ok_or_else(|| corrupt("question type"))?,
        min: r.try_get("min")?,
        max: r.try_get("max")?,
        indicator: r.try_get("indicator")?,
        required: super::get_bool(r, "required")?,
        text: r.try_get("text")?,
        text_i18n: serde_json::from_str(&i18n).map_err(|_| corrupt("text_i18n"))?,
        extra: serde_json::from_str(&extra).map_err(|_| corrupt("question extra"))?,
    })
}

pub async fn load(pool: &AnyPool, id: &str) -> Result<Option<Survey>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    load_on(&mut conn, id).await
}

/// The same on a connection already held (inside a transaction: a second connection from the
/// pool could wait forever for one that this transaction is blocking).
pub async fn load_on(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<Survey>, sqlx::Error> {
    let Some(head) =
        sqlx::query("SELECT id, kind, title, title_i18n, anonymous, indicator_names FROM surveys WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT id, type, min, max, indicator, required, text, text_i18n, extra FROM questions \
         WHERE survey_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let kind: String = head.try_get("kind")?;
    let title_i18n: String = head.try_get("title_i18n")?;
    let names: String = head.try_get("indicator_names")?;
    Ok(Some(Survey {
        id: head.try_get("id")?,
        kind: SurveyKind::parse(&kind).ok_or_else(|| corrupt("survey kind"))?,
        title: head.try_get("title")?,
        title_i18n: serde_json::from_str(&title_i18n).map_err(|_| corrupt("title_i18n"))?,
        anonymous: super::get_bool(&head, "anonymous")?,
        questions: rows.iter().map(question_from_row).collect::<Result<_, _>>()?,
        indicator_names: serde_json::from_str(&names).map_err(|_| corrupt("indicator_names"))?,
    }))
}

/// Every survey's display names of indicators (JSON documents, non-empty ones only).
pub async fn indicator_names(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT indicator_names FROM surveys WHERE indicator_names <> '{}' ORDER BY id")
        .fetch_all(pool)
        .await
}

/// A survey with invitations is frozen: its questions are what those invitations answer.
pub async fn has_invitations(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    is_frozen(&mut **tx, id).await
}

pub async fn is_frozen<'e, E>(ex: E, id: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM invitations WHERE survey_id = $1 LIMIT 1) AS x")
            .bind(id)
            .fetch_one(ex)
            .await?;
    Ok(n > 0)
}

pub async fn exists(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM surveys WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
    Ok(n > 0)
}

fn json(v: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(e.into()))
}

/// Creates or replaces the survey and all its questions.
pub async fn save(tx: &mut Tx, s: &Survey, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO surveys (id, kind, title, title_i18n, anonymous, created_at, updated_at, indicator_names) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, \
         title_i18n = excluded.title_i18n, anonymous = excluded.anonymous, updated_at = excluded.updated_at, \
         indicator_names = excluded.indicator_names",
    )
    .bind(&s.id)
    .bind(s.kind.as_str())
    .bind(&s.title)
    .bind(json(&s.title_i18n)?)
    .bind(s.anonymous)
    .bind(now)
    .bind(json(&s.indicator_names)?)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM questions WHERE survey_id = $1").bind(&s.id).execute(&mut **tx).await?;
    for (pos, q) in s.questions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO questions (survey_id, id, position, type, min, max, indicator, required, text, text_i18n, extra) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.id)
        .bind(&q.id)
        .bind(pos as i64)
        .bind(q.kind.as_str())
        .bind(q.min)
        .bind(q.max)
        .bind(&q.indicator)
        .bind(q.required)
        .bind(&q.text)
        .bind(json(&q.text_i18n)?)
        .bind(json(&q.extra)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The ids of the surveys a cycle asks.
pub async fn ids_of_cycle(pool: &sqlx::AnyPool, cycle: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT survey_id FROM live_invitations WHERE cycle_id = $1 ORDER BY survey_id")
        .bind(cycle)
        .fetch_all(pool)
        .await
}
