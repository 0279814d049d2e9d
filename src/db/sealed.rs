//! Sealed anonymous answers (ciphertext only) and the distinct-rater counts written at close.
use super::{Backend, Tx, placeholders, rows_per_statement};
use sqlx::Row;

/// One sealed record, under a random id (so not even its place in the table tells when it came).
pub async fn insert(tx: &mut Tx, id: &str, cycle: &str, sealed: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sealed_responses (id, cycle_id, sealed) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(cycle)
        .bind(sealed)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Up to `limit` sealed records of a cycle (id, ciphertext) after the id `after`, in the order
/// of their random ids: a close reads them a page at a time, outside any write transaction.
///
/// On SQLite the table is `WITHOUT ROWID` (no rowid to tell the order records came in), so its
/// rows (4 KiB and more) live in the primary key's b-tree: a record looked up through the
/// `cycle_id` index costs a descent through pages of a few rows each and their overflow pages.
/// A pass over the table in key order, skipping other cycles, reads each page once.
pub async fn page(db: &super::Db, cycle: &str, after: &str, limit: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT id, sealed FROM sealed_responses NOT INDEXED WHERE cycle_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        }
        Backend::Postgres => {
            "SELECT id, sealed FROM sealed_responses WHERE cycle_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        }
    };
    sqlx::query_as(sql).bind(cycle).bind(after).bind(limit).fetch_all(&db.pool).await
}

/// Deletes these released records, in one short transaction.
pub async fn delete(db: &super::Db, ids: &[String]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    delete_in(&mut tx, ids).await?;
    tx.commit().await
}

async fn delete_in(conn: &mut sqlx::AnyConnection, ids: &[String]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(super::MAX_BINDS) {
        let sql = format!("DELETE FROM sealed_responses WHERE id IN {}", super::value_rows(conn, 1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A connection that deletes sealed records whose key is destroyed (crypto-shredded): on
/// SQLite without zeroing their pages (`secure_delete` off), which would only rewrite
/// ciphertext nobody can open. On SQLite it is closed when dropped: never back in the pool
/// with that setting.
pub struct Shredder {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    backend: Backend,
}

pub async fn shredder(db: &super::Db) -> Result<Shredder, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Sqlite {
        conn.close_on_drop();
        sqlx::query("PRAGMA secure_delete = OFF").execute(&mut *conn).await?;
    }
    Ok(Shredder { conn, backend: db.backend })
}

impl Shredder {
    /// Deletes these records, in one short transaction.
    pub async fn delete(&mut self, ids: &[String]) -> Result<(), sqlx::Error> {
        let mut tx = sqlx::Connection::begin_with(&mut *self.conn, super::begin_sql(self.backend)).await?;
        delete_in(&mut tx, ids).await?;
        tx.commit().await
    }

    /// Zeroing on again before the connection closes: with a shared cache the setting is the
    /// cache's, not the connection's.
    pub async fn finish(mut self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA secure_delete = ON").execute(&mut *self.conn).await?;
        }
        Ok(())
    }
}

/// Deletes, inside a rotation's transaction, the records a close left for cycles now closed:
/// released already, and under keys the close destroyed.
pub async fn delete_released_in(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM sealed_responses WHERE cycle_id IN (SELECT id FROM cycles WHERE status = 'closed')")
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected())
}

/// Up to `limit` sealed records (id, ciphertext) of one cycle after `after`, inside a transaction.
pub async fn page_in(tx: &mut Tx, cycle: &str, after: &str, limit: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, sealed FROM sealed_responses WHERE cycle_id = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(cycle)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut **tx)
        .await
}

/// Up to `limit` ids of records sealed for cycles that are closed: released, and left by a close
/// that stopped before deleting them.
pub async fn released_left(db: &super::Db, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT s.id FROM sealed_responses s JOIN cycles c ON c.id = s.cycle_id WHERE c.status = 'closed' LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Sealed records of a cycle, inside a transaction.
pub async fn count_in(tx: &mut Tx, cycle: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sealed_responses WHERE cycle_id = $1")
        .bind(cycle)
        .fetch_one(&mut **tx)
        .await
}

/// Sealed records per cycle, for progress while a cycle is open.
pub async fn count(pool: &sqlx::AnyPool, cycle: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sealed_responses WHERE cycle_id = $1").bind(cycle).fetch_one(pool).await
}

/// Distinct raters of one released anonymous group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRaters {
    pub subject_id: String,
    pub relation: String,
    /// `""`: every response of the relation (the threshold for comments).
    pub indicator: String,
    pub raters: i64,
}

pub async fn insert_raters(tx: &mut Tx, cycle: &str, groups: &[GroupRaters]) -> Result<(), sqlx::Error> {
    for chunk in groups.chunks(rows_per_statement(5)) {
        let values: Vec<String> = (0..chunk.len()).map(|k| placeholders(k * 5 + 1, 5)).collect();
        let sql = format!(
            "INSERT INTO group_raters (cycle_id, subject_id, relation, indicator, raters) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for g in chunk {
            q = q.bind(cycle).bind(&g.subject_id).bind(&g.relation).bind(&g.indicator).bind(g.raters);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn raters(pool: &sqlx::AnyPool, cycle: &str) -> Result<Vec<GroupRaters>, sqlx::Error> {
    let rows = sqlx::query("SELECT subject_id, relation, indicator, raters FROM group_raters WHERE cycle_id = $1")
        .bind(cycle)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(GroupRaters {
                subject_id: r.try_get("subject_id")?,
                relation: r.try_get("relation")?,
                indicator: r.try_get("indicator")?,
                raters: r.try_get("raters")?,
            })
        })
        .collect()
}

/// What a [`scrub`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purge {
    /// A closing transaction: the cycle's key and drafts deleted.
    Key,
    /// Sealed records deleted or sealed again.
    Records,
}

/// Leaves no copy of what was just deleted or overwritten where a later copy of the database
/// could find it. SQLite: the WAL is checkpointed and truncated (`secure_delete` zeroed the
/// cells in the file), on a connection of its own that never waits for readers: a truncation
/// pending on them would hold every writer back. Tried a few times; false if readers kept it
/// from completing. PostgreSQL: the tables are vacuumed, best effort (a snapshot still open
/// keeps dead rows; its own WAL and archives are the operator's).
pub async fn scrub(db: &super::Db, what: Purge) -> Result<bool, sqlx::Error> {
    if db.backend == Backend::Postgres {
        let sql = match what {
            Purge::Key => "VACUUM cycle_keys, drafts",
            Purge::Records => "VACUUM sealed_responses",
        };
        sqlx::query(sql).execute(&db.pool).await?;
        return Ok(true);
    }
    let mut conn = db.pool.acquire().await?;
    conn.close_on_drop();
    sqlx::query("PRAGMA busy_timeout = 0").execute(&mut *conn).await?;
    for attempt in 1..=10u64 {
        let (busy, _, _): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await?;
        if busy == 0 {
            return Ok(true);
        }
        if attempt < 10 {
            tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
        }
    }
    Ok(false)
}
