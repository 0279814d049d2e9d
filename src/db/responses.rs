//! Storing a respondent's answers: one transaction that completes the invitation and stores
//! the response, or does nothing.
use super::invitations::LinkTarget;
use super::{Backend, Db, Tx, placeholders};
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

pub enum Submitted {
    Stored,
    /// The invitation was completed, revoked or its cycle closed before this transaction.
    NotOpen,
}

/// Claims the invitation behind a live link, first thing in the write transaction: one
/// statement finds it by the token's hash, checks it is unanswered, unrevoked and its cycle
/// open, and marks it completed. `None`: nothing was claimed (unknown, answered or closed).
/// An anonymous invitation keeps no completion day (the CASE mirrors `Relation::is_anonymous`).
pub async fn claim(tx: &mut Tx, token_hash: &str, now: i64, today: &str) -> Result<Option<LinkTarget>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE invitations SET completed = TRUE, completed_on = CASE \
           WHEN relation IN ('peer', 'direct_report') THEN NULL \
           WHEN relation = 'customer' AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = invitations.survey_id AND s.anonymous = TRUE) THEN NULL \
           ELSE $1 END \
         WHERE id = (SELECT invitation_id FROM links WHERE token_hash = $2 AND kind = 'respond' \
                     AND (expires_at IS NULL OR expires_at > $3)) \
         AND completed = FALSE AND revoked = FALSE \
         AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = invitations.cycle_id AND c.status = 'open' AND c.closes_at > $3) \
         RETURNING id, cycle_id, survey_id, subject_id, relation",
    )
    .bind(today)
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        let relation: String = r.try_get("relation")?;
        Ok(LinkTarget {
            id: r.try_get("id")?,
            cycle_id: r.try_get("cycle_id")?,
            survey_id: r.try_get("survey_id")?,
            subject_id: r.try_get("subject_id")?,
            relation: Relation::parse(&relation).ok_or_else(|| sqlx::Error::Decode("relation".into()))?,
        })
    })
    .transpose()
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

/// PostgreSQL stamps every row a transaction writes with its id (xmin): after an anonymous
/// response commits, rewrite the invitation in a transaction of its own so the two rows share
/// no stamp.
pub async fn restamp(db: &Db, invitation_id: i64) -> Result<(), sqlx::Error> {
    if db.backend == Backend::Postgres {
        sqlx::query("UPDATE invitations SET completed = TRUE WHERE id = $1")
            .bind(invitation_id)
            .execute(&db.pool)
            .await?;
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

/// The response row, its answers and its per-indicator values, numbered as one argument list.
fn response_inserts<'a>(r: &'a NewResponse<'a>, id: &'a str, today: &'a str) -> Vec<(String, Vec<Val<'a>>)> {
    let mut next = 1;
    let mut take = |n: usize| {
        let p = placeholders(next, n);
        next += n;
        p
    };
    let mut out = vec![(
        format!(
            "INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on, invitation_id) VALUES {}",
            take(7)
        ),
        vec![
            Val::Text(id),
            Val::Text(r.cycle_id),
            Val::Text(r.survey_id),
            Val::Text(r.subject_id),
            Val::Text(r.relation),
            Val::Text(today),
            Val::OptInt((!r.anonymous).then_some(r.invitation_id)),
        ],
    )];
    if !r.answers.is_empty() {
        let rows: Vec<String> = r.answers.iter().map(|_| take(4)).collect();
        let vals = r
            .answers
            .iter()
            .flat_map(|a| {
                [Val::Text(id), Val::Text(&a.question_id), Val::OptInt(a.value), Val::OptText(a.text.as_deref())]
            })
            .collect();
        out.push((
            format!("INSERT INTO answers (response_id, question_id, value, text) VALUES {}", rows.join(", ")),
            vals,
        ));
    }
    if !r.values.is_empty() {
        let rows: Vec<String> = r.values.iter().map(|_| take(12)).collect();
        let vals = r
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
        out.push((
            format!(
                "INSERT INTO response_scores (cycle_id, subject_id, indicator, relation, anonymous, response_id, value, \
                 scale_n, top_two, nps_n, promoters, detractors) VALUES {}",
                rows.join(", ")
            ),
            vals,
        ));
    }
    out
}

/// Claims an invitation by id and stores its response: for seeding (the demo), where there
/// is no link.
pub async fn submit(db: &Db, r: &NewResponse<'_>, now: i64, today: &str) -> Result<Submitted, sqlx::Error> {
    let mut tx = db.begin().await?;
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
    store(&mut tx, db.backend, r, today).await?;
    tx.commit().await?;
    if r.anonymous {
        restamp(db, r.invitation_id).await?;
    }
    Ok(Submitted::Stored)
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
