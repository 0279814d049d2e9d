//! Aggregation for the scores: per-response indicator values are averaged and summed in SQL
//! (so a million answers never leave the database), the formula is finished in `scoring`.
use super::get_bool;
use crate::domain::Relation;
use crate::scoring::stats::Sums;
use crate::scoring::{GroupInput, SatisfactionCounts};
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone)]
pub struct Subject {
    pub id: String,
    pub name: String,
    pub team: Option<String>,
    pub role: Option<String>,
}

/// Which subjects a read is about: all of a cycle's, or one (a person's page reads that
/// person only).
#[derive(Debug, Clone, Copy)]
pub enum Only<'a> {
    All,
    Subject(&'a str),
}

impl<'a> Only<'a> {
    /// `AND {column} = $2` for one subject (bind it with [`Only::bind`]), nothing for all.
    pub fn filter(self, column: &str) -> String {
        match self {
            Only::All => String::new(),
            Only::Subject(_) => format!(" AND {column} = $2"),
        }
    }

    pub fn bind<'q>(self, q: Query<'q>) -> Query<'q>
    where
        'a: 'q,
    {
        match self {
            Only::All => q,
            Only::Subject(s) => q.bind(s),
        }
    }
}

pub type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

pub async fn subjects(pool: &AnyPool, cycle: &str, only: Only<'_>) -> Result<Vec<Subject>, sqlx::Error> {
    let sql = format!(
        "SELECT p.id, CASE WHEN o.person_id IS NULL THEN p.name ELSE o.name END AS name, \
         CASE WHEN o.person_id IS NULL THEN p.team ELSE o.team END AS team, \
         CASE WHEN o.person_id IS NULL THEN p.role ELSE o.role END AS role \
         FROM people p LEFT JOIN cycle_org o ON o.cycle_id = $1 AND o.person_id = p.id \
         WHERE p.id IN (SELECT DISTINCT subject_id FROM live_invitations WHERE cycle_id = $1{}) ORDER BY p.id",
        only.filter("subject_id")
    );
    let rows = only.bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle)).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Subject {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                team: r.try_get("team")?,
                role: r.try_get("role")?,
            })
        })
        .collect()
}

/// Every indicator the cycle's surveys feed.
pub async fn indicators(pool: &AnyPool, cycle: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT indicator FROM questions WHERE indicator IS NOT NULL \
         AND survey_id IN (SELECT DISTINCT survey_id FROM live_invitations WHERE cycle_id = $1) ORDER BY indicator",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await
}

fn relation(r: &sqlx::any::AnyRow) -> Result<Relation, sqlx::Error> {
    parse_relation(&r.try_get::<String, _>("relation")?)
}

fn parse_relation(raw: &str) -> Result<Relation, sqlx::Error> {
    Relation::parse(raw).ok_or_else(|| sqlx::Error::Decode(format!("relation {raw:?}").into()))
}

/// The responses of cycle `$1` a reader may count: those a close released only once the cycle
/// is marked closed (a close writes them before, in short transactions: `db::runs`).
pub const RELEASED_RESPONSES: &str =
    "(r.release_run IS NULL OR EXISTS (SELECT 1 FROM cycles rc WHERE rc.id = $1 AND rc.status = 'closed'))";

/// [`RELEASED_RESPONSES`] for `response_scores`, which has no run: an anonymous value is only
/// ever a released one (submissions seal them).
pub const RELEASED_VALUES: &str =
    "(anonymous = FALSE OR EXISTS (SELECT 1 FROM cycles rc WHERE rc.id = $1 AND rc.status = 'closed'))";

/// Sums per (subject, indicator, relation, anonymity) of each response's value, and the
/// counts behind CSAT and NPS, in one pass over `response_scores` in key order.
pub async fn groups(
    pool: &AnyPool,
    cycle: &str,
    only: Only<'_>,
) -> Result<(Vec<GroupInput>, Vec<SatisfactionCounts>), sqlx::Error> {
    let sql = format!(
        "SELECT subject_id, indicator, relation, anonymous, COUNT(*) AS n, SUM(value) AS s1, SUM(value * value) AS s2, \
         CAST(SUM(scale_n) AS BIGINT) AS scale_n, CAST(SUM(top_two) AS BIGINT) AS top_two, \
         CAST(SUM(nps_n) AS BIGINT) AS nps_n, CAST(SUM(promoters) AS BIGINT) AS promoters, \
         CAST(SUM(detractors) AS BIGINT) AS detractors \
         FROM response_scores WHERE cycle_id = $1 AND {RELEASED_VALUES}{} GROUP BY subject_id, indicator, relation, anonymous",
        only.filter("subject_id")
    );
    let rows = only.bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle)).fetch_all(pool).await?;
    let count = |r: &sqlx::any::AnyRow, c: &str| r.try_get::<i64, _>(c).map(|v| v as u64);
    let mut groups = Vec::with_capacity(rows.len());
    let mut satisfaction = Vec::new();
    for r in &rows {
        let relation = relation(r)?;
        let subject: String = r.try_get("subject_id")?;
        let indicator: String = r.try_get("indicator")?;
        if indicator == crate::scoring::CUSTOMER_SATISFACTION {
            satisfaction.push(SatisfactionCounts {
                subject: subject.clone(),
                relation,
                anonymous: get_bool(r, "anonymous")?,
                scale_answers: count(r, "scale_n")?,
                top_two: count(r, "top_two")?,
                nps_answers: count(r, "nps_n")?,
                promoters: count(r, "promoters")?,
                detractors: count(r, "detractors")?,
            });
        }
        groups.push(GroupInput {
            subject,
            indicator,
            relation,
            anonymous: get_bool(r, "anonymous")?,
            sums: Sums { n: count(r, "n")?, sum: r.try_get("s1")?, sum_sq: r.try_get("s2")? },
            raters: 0,
        });
    }
    Ok((groups, satisfaction))
}

/// A text answer with what decides whether it may be shown.
#[derive(Debug, Clone)]
pub struct Comment {
    pub subject: String,
    pub relation: Relation,
    pub anonymous: bool,
    pub question: String,
    pub text: String,
    pub survey: String,
}

pub async fn comments(pool: &AnyPool, cycle: &str, only: Only<'_>) -> Result<Vec<Comment>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let rest = format!(
        "FROM responses r JOIN surveys s ON s.id = r.survey_id JOIN answers a ON a.response_id = r.id \
         WHERE r.cycle_id = $1 AND {RELEASED_RESPONSES}{} AND a.text IS NOT NULL",
        only.filter("r.subject_id")
    );
    let columns = "r.subject_id, r.relation, r.survey_id, s.anonymous, a.question_id, a.text";
    let sql = super::json_rows::select_sql(super::backend_of(&conn), columns, &rest);
    let rows = super::json_rows::fetch(&mut conn, only.bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle))).await?;
    rows.iter()
        .map(|r| {
            let text = |i| super::json_rows::text(r, i);
            let relation = parse_relation(&text(1)?)?;
            Ok(Comment {
                subject: text(0)?,
                relation,
                anonymous: relation.is_anonymous(super::json_rows::flag(r, 3)?),
                question: text(4)?,
                text: text(5)?,
                survey: text(2)?,
            })
        })
        .collect()
}

/// Responses per (subject, relation): the n that decides whether comments are released.
pub async fn response_counts(pool: &AnyPool, cycle: &str) -> Result<Vec<(String, Relation, u64)>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT subject_id, relation, COUNT(*) AS n FROM responses r WHERE cycle_id = $1 AND {RELEASED_RESPONSES} \
         GROUP BY subject_id, relation"
    )))
    .bind(cycle)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("subject_id")?, relation(r)?, r.try_get::<i64, _>("n")? as u64))).collect()
}

/// While a cycle is open its anonymous answers are sealed: each anonymous group's `n` is its
/// completed invitations, per (subject, relation, indicator its surveys feed).
pub async fn open_anonymous_counts(
    pool: &AnyPool,
    cycle: &str,
    only: Only<'_>,
) -> Result<Vec<(String, Relation, String, u64)>, sqlx::Error> {
    let sql = format!(
        "SELECT i.subject_id, i.relation, q.indicator, COUNT(DISTINCT i.id) AS n \
         FROM live_invitations i JOIN surveys s ON s.id = i.survey_id \
         JOIN questions q ON q.survey_id = i.survey_id AND q.indicator IS NOT NULL \
         WHERE i.cycle_id = $1{} AND i.completed = TRUE \
         AND (i.relation IN ('peer', 'direct_report') OR (i.relation = 'customer' AND s.anonymous = TRUE)) \
         GROUP BY i.subject_id, i.relation, q.indicator",
        only.filter("i.subject_id")
    );
    let rows = only.bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle)).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok((r.try_get("subject_id")?, relation(r)?, r.try_get("indicator")?, r.try_get::<i64, _>("n")? as u64))
        })
        .collect()
}

/// Distinct people who completed anonymous invitations, per (subject, relation): while a cycle
/// is open, how many sealed answers each anonymous group holds; after close, the most raters a
/// group can have (for answers stored before raters were counted at close).
pub async fn anonymous_raters_by_relation(
    pool: &AnyPool,
    cycle: &str,
) -> Result<Vec<(String, Relation, u64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.subject_id, i.relation, COUNT(DISTINCT i.respondent_key) AS n \
         FROM live_invitations i JOIN surveys s ON s.id = i.survey_id \
         WHERE i.cycle_id = $1 AND i.completed = TRUE \
         AND (i.relation IN ('peer', 'direct_report') OR (i.relation = 'customer' AND s.anonymous = TRUE)) \
         GROUP BY i.subject_id, i.relation",
    )
    .bind(cycle)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("subject_id")?, relation(r)?, r.try_get::<i64, _>("n")? as u64))).collect()
}
