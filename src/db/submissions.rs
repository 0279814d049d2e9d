//! A batch of respondent submissions in a fixed number of statements: the links looked up in
//! one read, on PostgreSQL the invitations claimed in one UPDATE, each with one parameter and
//! at most one row.
use super::invitations::LinkTarget;
use super::responses::claim_sql;
use super::{Backend, Db};
use crate::domain::Relation;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor, Row};
use std::collections::{HashMap, HashSet};

/// What a link leads to, before anything is claimed.
pub struct LinkRow {
    /// The invitation; its fields besides its state never change.
    pub target: LinkTarget,
    /// Unanswered, undeclined, unrevoked, and its cycle open: a claim would take it.
    pub live: bool,
}

/// Opens the batch's transaction and finds the respondent links among `hashes`, by token
/// hash. On SQLite both go to the database's thread in one call, `BEGIN IMMEDIATE` first: the
/// write lock is held from before the lookup, so the links it finds live are still live when
/// they are marked answered. The hashes go in as one JSON array and the links come back as one: a
/// statement's cost then does not grow with its parameters (sqlx finds each `$N` by name on
/// SQLite), and one row crosses from the database's thread instead of one per link.
///
/// The transaction is the caller's to end ([`super::batch_rows::write_and_commit`]); after an
/// error its state is unknown and the connection must be closed, not handed back.
pub async fn begin_and_lookup(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    hashes: &[&str],
    now: i64,
) -> Result<HashMap<String, LinkRow>, sqlx::Error> {
    // PostgreSQL's json goes out as text: the Any driver reads no json type.
    let (aggregate, as_text, list) = match backend {
        Backend::Sqlite => ("json_group_array(json_array", "", "SELECT value FROM json_each($2)"),
        Backend::Postgres => ("json_agg(json_build_array", "::text", "SELECT json_array_elements_text($2::json)"),
    };
    let lookup = format!(
        "SELECT {aggregate}(l.token_hash, i.id, i.cycle_id, i.survey_id, i.subject_id, i.relation, i.respondent_key, i.sent_to, \
           (i.completed = FALSE AND i.revoked = FALSE AND i.declined = FALSE AND c.status = 'open' AND c.closes_at > $1 \
             AND NOT EXISTS (SELECT 1 FROM cycle_runs k WHERE k.cycle_id = c.id AND k.kind = 'close')))){as_text} \
         FROM links l JOIN live_invitations i ON i.id = l.invitation_id JOIN cycles c ON c.id = i.cycle_id \
         WHERE l.token_hash IN ({list}) AND l.kind = 'respond' AND (l.expires_at IS NULL OR l.expires_at > $1)"
    );
    let sql = match backend {
        Backend::Sqlite => format!("BEGIN IMMEDIATE; {lookup}"),
        // One statement per call on PostgreSQL.
        Backend::Postgres => {
            conn.execute("BEGIN").await?;
            lookup
        }
    };
    let hashes = serde_json::to_string(hashes).map_err(|e| sqlx::Error::Encode(e.into()))?;
    // All rows, not the first result: on SQLite that is the BEGIN's (no row).
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(hashes).fetch_all(&mut *conn).await?;
    let row = rows.first().ok_or(sqlx::Error::RowNotFound)?;
    // No link at all: SQLite gives "[]", PostgreSQL NULL.
    let found: Option<String> = row.try_get(0)?;
    let rows: Vec<Vec<serde_json::Value>> = match found {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))?,
        None => Vec::new(),
    };
    rows.into_iter().map(link_row).collect()
}

/// One link of [`begin_and_lookup`]'s array: hash, id, cycle, survey, subject, relation, respondent,
/// address, live.
fn link_row(row: Vec<serde_json::Value>) -> Result<(String, LinkRow), sqlx::Error> {
    use serde_json::Value;
    let bad = || sqlx::Error::Decode("a looked-up link".into());
    let text = |i: usize| row.get(i).and_then(Value::as_str).map(str::to_owned).ok_or_else(bad);
    let live = match row.get(8) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => return Err(bad()),
    };
    let target = LinkTarget {
        id: row.get(1).and_then(Value::as_i64).ok_or_else(bad)?,
        cycle_id: text(2)?,
        survey_id: text(3)?,
        subject_id: text(4)?,
        relation: Relation::parse(&text(5)?).ok_or_else(bad)?,
        respondent_key: text(6)?,
        sent_to: row.get(7).and_then(Value::as_str).map(str::to_string),
    };
    Ok((text(0)?, LinkRow { target, live }))
}

/// Claims these invitations, found live by [`begin_and_lookup`] in the same transaction, in
/// one statement; returns those it took: another transaction may have answered, revoked or
/// closed meanwhile. PostgreSQL only: on SQLite the lookup ran under the write lock, so the
/// invitations it found live are marked answered with the batch's rows
/// ([`super::batch_rows::write_and_commit`]).
pub async fn claim_many(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
    now: i64,
    today: &str,
) -> Result<HashSet<i64>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let list = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    // $1 is the day, $2 the time, $3 the ids.
    let update = claim_sql(Backend::Postgres, "IN (SELECT (json_array_elements_text($3::json))::bigint)", "$2");
    let sql = format!("WITH claimed AS ({update}) SELECT COALESCE(json_agg(id), '[]')::text FROM claimed");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(today).bind(now).bind(list).fetch_one(&mut *conn).await?;
    let taken: Vec<i64> =
        serde_json::from_str(&row.try_get::<String, _>(0)?).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(taken.into_iter().collect())
}

/// A connection for the submission writer, held while batches keep coming. On SQLite its
/// statement journals (the undo a multi-row statement keeps until it has finished) stay in
/// memory: spilled to a temporary file, as by default once they pass 64 KiB, they cost as
/// many writes as the WAL itself. Only here: on the pool's other connections a large sort
/// must still be free to spill to disk.
pub async fn writer_connection(db: &Db) -> Result<PoolConnection<Any>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Sqlite {
        conn.execute("PRAGMA temp_store = MEMORY").await?;
    }
    Ok(conn)
}

/// Hands the writer's connection back to the pool as the pool gave it; one that cannot be
/// reset is closed instead.
pub async fn release_writer_connection(db: &Db, mut conn: PoolConnection<Any>) {
    if db.backend == Backend::Sqlite && conn.execute("PRAGMA temp_store = DEFAULT").await.is_err() {
        conn.close_on_drop();
    }
}
