//! A batch of respondent submissions in a fixed number of statements: the links looked up in
//! one read, the invitations claimed in one UPDATE.
use super::invitations::LinkTarget;
use super::responses::{claim_sql, target};
use super::{Backend, get_bool, placeholders};
use sqlx::Row;
use std::collections::HashMap;

/// What a live link leads to, before anything is claimed.
pub struct LinkRow {
    pub invitation_id: i64,
    pub survey_id: String,
    /// Unanswered, undeclined, unrevoked, and its cycle open: a claim would take it.
    pub live: bool,
}

/// The respondent links among `hashes` (at most [`super::MAX_BINDS`] − 1), by token hash.
pub async fn lookup(
    conn: &mut sqlx::AnyConnection,
    hashes: &[&str],
    now: i64,
) -> Result<HashMap<String, LinkRow>, sqlx::Error> {
    if hashes.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT l.token_hash, i.id, i.survey_id, \
           (i.completed = FALSE AND i.revoked = FALSE AND i.declined = FALSE AND c.status = 'open' AND c.closes_at > $1) AS live \
         FROM links l JOIN invitations i ON i.id = l.invitation_id JOIN cycles c ON c.id = i.cycle_id \
         WHERE l.token_hash IN {} AND l.kind = 'respond' AND (l.expires_at IS NULL OR l.expires_at > $1)",
        placeholders(2, hashes.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
    for h in hashes {
        q = q.bind(*h);
    }
    let mut found = HashMap::with_capacity(hashes.len());
    for r in q.fetch_all(&mut *conn).await? {
        let row = LinkRow {
            invitation_id: r.try_get("id")?,
            survey_id: r.try_get("survey_id")?,
            live: get_bool(&r, "live")?,
        };
        found.insert(r.try_get("token_hash")?, row);
    }
    Ok(found)
}

/// Claims these invitations (at most [`super::MAX_BINDS`] − 2) in one statement; those it
/// could not take (answered, revoked, or their cycle closed meanwhile) are missing from the
/// answer.
pub async fn claim_many(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
    now: i64,
    today: &str,
) -> Result<HashMap<i64, LinkTarget>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // $1 is the day, $2 the time; the ids follow.
    let sql = claim_sql(backend, &format!("IN {}", placeholders(3, ids.len())), "$2");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(today).bind(now);
    for id in ids {
        q = q.bind(*id);
    }
    let mut claimed = HashMap::with_capacity(ids.len());
    for r in q.fetch_all(&mut *conn).await? {
        let t = target(&r)?;
        claimed.insert(t.id, t);
    }
    Ok(claimed)
}
