//! Stored responses: the claim that completes an invitation, and the multi-row inserts of
//! responses, their answers and their per-indicator values.
use super::invitations::LinkTarget;
use super::{Backend, Tx, rows_per_statement, value_rows};
use crate::domain::Relation;
use crate::domain::answers::Answer;
use sqlx::Row;

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
    /// The close that released it (see `db::runs`); None for a submission.
    pub release_run: Option<&'a str>,
}

/// The same claim by invitation id, for seeding (the demo), where there is no link.
pub async fn claim_by_id(
    tx: &mut Tx,
    backend: Backend,
    invitation_id: i64,
    now: i64,
    today: &str,
) -> Result<Option<LinkTarget>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(claim_sql(backend, "= $2", "$3")))
        .bind(today)
        .bind(invitation_id)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(target).transpose()
}

/// The claiming UPDATE for the invitations `which` names (`= $2`, `IN (…)`): it marks them
/// answered ([`answered_sql`], the day as `$1`) if they are unanswered, unrevoked and their
/// cycle open. On PostgreSQL it holds its cycle's row (`FOR SHARE`) until it commits, so the
/// closing transaction, which updates that row, waits for submissions in flight and then sees
/// their sealed records, and a claim that comes after the close finds the cycle closed. A cycle
/// being closed (a close in `cycle_runs`) takes no claim either.
/// SQLite's single writer gives the same order. The claimed rows' targets come back.
pub(super) fn claim_sql(backend: Backend, which: &str, now: &str) -> String {
    let lock = match backend {
        Backend::Postgres => " FOR SHARE",
        Backend::Sqlite => "",
    };
    format!(
        "{} AND completed = FALSE AND revoked = FALSE AND declined = FALSE \
         AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = invitations.cycle_id AND c.status = 'open' AND c.closes_at > {now}{lock}) \
         AND NOT EXISTS (SELECT 1 FROM cycle_runs k WHERE k.cycle_id = invitations.cycle_id AND k.kind = 'close') \
         RETURNING id, cycle_id, survey_id, subject_id, relation, respondent_key, sent_to",
        answered_sql(which, "$1"),
    )
}

/// Marks the invitations `which` names answered on `day`, unconditionally: for a caller that
/// already knows them live. An anonymous invitation keeps no completion day (the CASE mirrors
/// `Relation::is_anonymous`).
pub(super) fn answered_sql(which: &str, day: &str) -> String {
    format!(
        "UPDATE invitations SET completed = TRUE, completed_on = CASE \
           WHEN relation IN ('peer', 'direct_report') THEN NULL \
           WHEN relation = 'customer' AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = invitations.survey_id AND s.anonymous = TRUE) THEN NULL \
           ELSE {day} END \
         WHERE id {which}"
    )
}

pub(super) fn target(r: &sqlx::any::AnyRow) -> Result<LinkTarget, sqlx::Error> {
    let relation: String = r.try_get("relation")?;
    Ok(LinkTarget {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        survey_id: r.try_get("survey_id")?,
        subject_id: r.try_get("subject_id")?,
        relation: Relation::parse(&relation).ok_or_else(|| sqlx::Error::Decode("relation".into()))?,
        respondent_key: r.try_get("respondent_key")?,
        sent_to: r.try_get("sent_to")?,
    })
}

/// A value to bind, so statements can be assembled before they are run.
enum Val<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
    Bool(bool),
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_all<'q, 'v: 'q>(mut q: Query<'q>, values: impl Iterator<Item = &'v Val<'v>>) -> Query<'q> {
    for v in values {
        q = match v {
            Val::Text(s) => q.bind(*s),
            Val::OptText(s) => q.bind(*s),
            Val::Int(i) => q.bind(*i),
            Val::OptInt(i) => q.bind(*i),
            Val::Real(f) => q.bind(*f),
            Val::Bool(b) => q.bind(*b),
        };
    }
    q
}

const RESPONSES: &str =
    "responses (id, cycle_id, survey_id, subject_id, relation, submitted_on, invitation_id, release_run)";
const ANSWERS: &str = "answers (response_id, question_id, value, text)";
const SCORES: &str = "response_scores (cycle_id, subject_id, indicator, relation, anonymous, response_id, value, \
                      scale_n, top_two, nps_n, promoters, detractors)";

/// The values of a response's rows: its response row (8), answers (4 each), indicator values
/// (12 each).
fn row_values<'a>(r: &'a NewResponse<'a>, id: &'a str, day: &'a str) -> [Vec<Val<'a>>; 3] {
    let response = vec![
        Val::Text(id),
        Val::Text(r.cycle_id),
        Val::Text(r.survey_id),
        Val::Text(r.subject_id),
        Val::Text(r.relation),
        Val::Text(day),
        Val::OptInt((!r.anonymous).then_some(r.invitation_id)),
        Val::OptText(r.release_run),
    ];
    let answers = r
        .answers
        .iter()
        .flat_map(|a| [Val::Text(id), Val::Text(&a.question_id), Val::OptInt(a.value), Val::OptText(a.text.as_deref())])
        .collect();
    let scores = r
        .values
        .iter()
        .flat_map(|v| {
            [
                Val::Text(r.cycle_id),
                Val::Text(r.subject_id),
                Val::Text(&v.indicator),
                Val::Text(r.relation),
                Val::Bool(r.anonymous),
                Val::Text(id),
                Val::Real(v.value),
                Val::Int(v.scale_n),
                Val::Int(v.top_two),
                Val::Int(v.nps_n),
                Val::Int(v.promoters),
                Val::Int(v.detractors),
            ]
        })
        .collect();
    [response, answers, scores]
}

/// Writes responses (a batch of submissions, or the anonymous ones released at close) in a
/// few multi-row statements per table, in the order given: as many statements for one
/// response as for three hundred.
pub async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    rows: &[(NewResponse<'_>, String)],
    day: &str,
) -> Result<(), sqlx::Error> {
    let mut tables: [Vec<Val>; 3] = Default::default();
    for (r, id) in rows {
        for (all, vals) in tables.iter_mut().zip(row_values(r, id, day)) {
            all.extend(vals);
        }
    }
    for ((table, width), vals) in [(RESPONSES, 8), (ANSWERS, 4), (SCORES, 12)].into_iter().zip(&tables) {
        for chunk in vals.chunks(rows_per_statement(width) * width) {
            let sql = format!("INSERT INTO {table} VALUES {}", value_rows(conn, chunk.len() / width, width));
            bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), chunk.iter()).execute(&mut *conn).await?;
        }
    }
    Ok(())
}
