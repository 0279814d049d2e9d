//! Storing a respondent's answers: one transaction that completes the invitation and stores
//! the response, or does nothing.
use super::invitations::LinkTarget;
use super::{Backend, Tx, placeholders, rows_per_statement};
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
}

/// Claims the invitation behind a live link, first thing in the write transaction: one
/// statement finds it by the token's hash, checks it is unanswered, unrevoked and its cycle
/// open, and marks it completed. `None`: nothing was claimed (unknown, answered or closed).
/// An anonymous invitation keeps no completion day (the CASE mirrors `Relation::is_anonymous`).
pub async fn claim(
    tx: &mut Tx,
    backend: Backend,
    token_hash: &str,
    now: i64,
    today: &str,
) -> Result<Option<LinkTarget>, sqlx::Error> {
    let which = "(SELECT invitation_id FROM links WHERE token_hash = $2 AND kind = 'respond' \
                 AND (expires_at IS NULL OR expires_at > $3))";
    let row = sqlx::query(sqlx::AssertSqlSafe(claim_sql(backend, which)))
        .bind(today)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(target).transpose()
}

/// The same claim by invitation id, for seeding (the demo), where there is no link.
pub async fn claim_by_id(
    tx: &mut Tx,
    backend: Backend,
    invitation_id: i64,
    now: i64,
    today: &str,
) -> Result<Option<LinkTarget>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(claim_sql(backend, "$2")))
        .bind(today)
        .bind(invitation_id)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(target).transpose()
}

/// The claiming UPDATE for the invitation `which` names. On PostgreSQL it holds its cycle's
/// row (`FOR SHARE`) until it commits, so the closing transaction, which updates that row,
/// waits for submissions in flight and then sees their sealed records, and a claim that comes
/// after the close finds the cycle closed. SQLite's single writer gives the same order.
fn claim_sql(backend: Backend, which: &str) -> String {
    let lock = match backend {
        Backend::Postgres => " FOR SHARE",
        Backend::Sqlite => "",
    };
    format!(
        "UPDATE invitations SET completed = TRUE, completed_on = CASE \
           WHEN relation IN ('peer', 'direct_report') THEN NULL \
           WHEN relation = 'customer' AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = invitations.survey_id AND s.anonymous = TRUE) THEN NULL \
           ELSE $1 END \
         WHERE id = {which} AND completed = FALSE AND revoked = FALSE \
         AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = invitations.cycle_id AND c.status = 'open' AND c.closes_at > $3{lock}) \
         RETURNING id, cycle_id, survey_id, subject_id, relation, respondent_key"
    )
}

fn target(r: &sqlx::any::AnyRow) -> Result<LinkTarget, sqlx::Error> {
    let relation: String = r.try_get("relation")?;
    Ok(LinkTarget {
        id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        survey_id: r.try_get("survey_id")?,
        subject_id: r.try_get("subject_id")?,
        relation: Relation::parse(&relation).ok_or_else(|| sqlx::Error::Decode("relation".into()))?,
        respondent_key: r.try_get("respondent_key")?,
    })
}

/// Stores a claimed invitation's response, answers and per-indicator values in `tx`.
pub async fn store(tx: &mut Tx, backend: Backend, r: &NewResponse<'_>, today: &str) -> Result<(), sqlx::Error> {
    let response_id = crate::domain::token::random_id();
    let inserts = response_inserts(r, &response_id, today);
    match backend {
        // One round trip for the three INSERTs: SQLite takes several statements in one call, and
        // `$N` refers to the same argument list in all of them. The write lock is held shorter.
        Backend::Sqlite => {
            let sql = inserts.iter().map(|(sql, _)| sql.as_str()).collect::<Vec<_>>().join(";\n");
            bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), inserts.iter().flat_map(|(_, v)| v))
                .execute(&mut **tx)
                .await?;
        }
        Backend::Postgres => {
            for (sql, values) in &inserts {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(renumber(sql))), values.iter()).execute(&mut **tx).await?;
            }
        }
    }
    Ok(())
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

/// Placeholders in `sql` numbered from 1 again (each PostgreSQL statement has its own list).
fn renumber(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let (mut n, mut chars) = (0, sql.chars().peekable());
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

const RESPONSES: &str = "responses (id, cycle_id, survey_id, subject_id, relation, submitted_on, invitation_id)";
const ANSWERS: &str = "answers (response_id, question_id, value, text)";
const SCORES: &str = "response_scores (cycle_id, subject_id, indicator, relation, anonymous, response_id, value, \
                      scale_n, top_two, nps_n, promoters, detractors)";

/// The values of a response's rows: its response row (7), answers (4 each), indicator values
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

/// The response row, its answers and its per-indicator values, numbered as one argument list.
fn response_inserts<'a>(r: &'a NewResponse<'a>, id: &'a str, today: &'a str) -> Vec<(String, Vec<Val<'a>>)> {
    let mut next = 1;
    let mut out = Vec::new();
    for ((table, width), vals) in [(RESPONSES, 7), (ANSWERS, 4), (SCORES, 12)].into_iter().zip(row_values(r, id, today))
    {
        if vals.is_empty() {
            continue;
        }
        let rows: Vec<String> = (0..vals.len() / width).map(|k| placeholders(next + k * width, width)).collect();
        next += vals.len();
        out.push((format!("INSERT INTO {table} VALUES {}", rows.join(", ")), vals));
    }
    out
}

/// Writes many responses (the anonymous ones released at close) in a few multi-row
/// statements per table, in the order given.
pub async fn insert_released(tx: &mut Tx, rows: &[(NewResponse<'_>, String)], day: &str) -> Result<(), sqlx::Error> {
    let mut tables: [Vec<Val>; 3] = Default::default();
    for (r, id) in rows {
        for (all, vals) in tables.iter_mut().zip(row_values(r, id, day)) {
            all.extend(vals);
        }
    }
    for ((table, width), vals) in [(RESPONSES, 7), (ANSWERS, 4), (SCORES, 12)].into_iter().zip(&tables) {
        for chunk in vals.chunks(rows_per_statement(width) * width) {
            let rows: Vec<String> = (0..chunk.len() / width).map(|k| placeholders(k * width + 1, width)).collect();
            let sql = format!("INSERT INTO {table} VALUES {}", rows.join(", "));
            bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), chunk.iter()).execute(&mut **tx).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::renumber;

    #[test]
    fn placeholders_restart_per_statement() {
        assert_eq!(renumber("INSERT INTO a VALUES ($8, $9), ($10, $11)"), "INSERT INTO a VALUES ($1, $2), ($3, $4)");
        assert_eq!(renumber("SELECT '$' || $3"), "SELECT '$' || $1");
    }
}
