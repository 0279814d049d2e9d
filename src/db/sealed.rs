//! Sealed anonymous answers (ciphertext only) and the distinct-rater counts written at close.
use super::{Backend, Tx, placeholders, rows_per_statement};
use sqlx::Row;

/// A sealed record as stored, in base64: its head and its tail (`domain::sealed::SealedParts`).
/// A record of an earlier release is one part, its head, with no tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub head: String,
    pub tail: Option<String>,
}

/// The key of a record's tail in `sealed_tails`: the first 60 bits of its random id, so tails
/// are as unordered as the records and lie in the records' order (a close deletes both a run
/// of neighbours at a time). An id that is not hex (none the server makes) gets a hash of it.
pub fn tail_id(id: &str) -> i64 {
    id.get(..15).and_then(|prefix| i64::from_str_radix(prefix, 16).ok()).unwrap_or_else(|| {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(id.as_bytes());
        i64::from_be_bytes(digest[..8].try_into().unwrap_or_default()) >> 4 & 0x0fff_ffff_ffff_ffff
    })
}

/// One sealed record, under a random id (so not even its place in the table tells when it came).
pub async fn insert(tx: &mut Tx, id: &str, cycle: &str, record: &Stored) -> Result<(), sqlx::Error> {
    let tail_id = record.tail.as_ref().map(|_| tail_id(id));
    sqlx::query("INSERT INTO sealed_responses (id, cycle_id, sealed, tail_id) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(cycle)
        .bind(&record.head)
        .bind(tail_id)
        .execute(&mut **tx)
        .await?;
    let (Some(tail_id), Some(tail)) = (tail_id, &record.tail) else { return Ok(()) };
    // A plain insert: a tail key taken already (two ids sharing 60 bits) fails the answer,
    // never overwrites another record's tail.
    sqlx::query("INSERT INTO sealed_tails (id, tail) VALUES ($1, $2)")
        .bind(tail_id)
        .bind(tail)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Replaces a record's parts (sealed again under another key). Its tail is replaced where it
/// is (the key is the record's), or stored for a record of an earlier release that had none.
pub async fn replace(tx: &mut Tx, id: &str, record: &Stored) -> Result<(), sqlx::Error> {
    let tail_id = record.tail.as_ref().map(|_| tail_id(id));
    sqlx::query("UPDATE sealed_responses SET sealed = $2, tail_id = $3 WHERE id = $1")
        .bind(id)
        .bind(&record.head)
        .bind(tail_id)
        .execute(&mut **tx)
        .await?;
    let (Some(tail_id), Some(tail)) = (tail_id, &record.tail) else { return Ok(()) };
    sqlx::query(
        "INSERT INTO sealed_tails (id, tail) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET tail = excluded.tail",
    )
    .bind(tail_id)
    .bind(tail)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Up to `limit` sealed records of a cycle (id, head) after the id `after`, in the order of
/// their random ids: a close reads them a page at a time, outside any write transaction, and
/// reads no tail (see [`tails_between`]). The `cycle_id` index gives the cycle's ids in order,
/// so a close reads its own records, not every open cycle's; each row is then a search of the
/// table's b-tree (`WITHOUT ROWID` on SQLite), cheap since rows fit their pages (their tails
/// live in `sealed_tails`).
pub async fn page(db: &super::Db, cycle: &str, after: &str, limit: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, sealed FROM sealed_responses WHERE cycle_id = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(cycle)
        .bind(after)
        .bind(limit)
        .fetch_all(&db.pool)
        .await
}

/// Every tail whose key lies in `from..=to` (key, tail), whichever records they belong to. A
/// close reads the tails of a page of records this way, by the page's range and never by the
/// ids of the records that need theirs: which ones do depends on their answers' length, and
/// a query naming them would tell anyone who reads the database's statement log.
pub async fn tails_between(db: &super::Db, from: i64, to: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, tail FROM sealed_tails WHERE id >= $1 AND id <= $2")
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool)
        .await
}

/// Deletes these released records, in one short transaction.
pub async fn delete(db: &super::Db, ids: &[String]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    delete_in(&mut tx, ids).await?;
    tx.commit().await
}

/// Deletes these records and their tails.
async fn delete_in(conn: &mut sqlx::AnyConnection, ids: &[String]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(super::MAX_BINDS) {
        let list = super::value_rows(conn, 1, chunk.len());
        for sql in [
            format!("DELETE FROM sealed_tails WHERE id IN (SELECT tail_id FROM sealed_responses WHERE id IN {list})"),
            format!("DELETE FROM sealed_responses WHERE id IN {list}"),
        ] {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Deletes these records and their tails in one short transaction on `writer` (a close's
/// shredding connection, `bulk::SHREDDING`).
pub async fn shred(writer: &mut super::bulk::Writer, ids: &[String]) -> Result<(), sqlx::Error> {
    let mut tx = writer.begin().await?;
    delete_in(&mut tx, ids).await?;
    tx.commit().await
}

/// Deletes, inside a rotation's transaction, the records a close left for cycles now closed:
/// released already, and under keys the close destroyed.
pub async fn delete_released_in(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let closed = "SELECT id FROM cycles WHERE status = 'closed'";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM sealed_tails WHERE id IN (SELECT tail_id FROM sealed_responses WHERE cycle_id IN ({closed}))"
    )))
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM sealed_responses WHERE cycle_id IN ({closed})")))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Up to `limit` sealed records (id, both parts) of one cycle after `after`, inside a transaction.
pub async fn page_in(tx: &mut Tx, cycle: &str, after: &str, limit: i64) -> Result<Vec<(String, Stored)>, sqlx::Error> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT s.id, s.sealed, t.tail FROM sealed_responses s LEFT JOIN sealed_tails t ON t.id = s.tail_id \
         WHERE s.cycle_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3",
    )
    .bind(cycle)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(id, head, tail)| (id, Stored { head, tail })).collect())
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
            Purge::Records => "VACUUM sealed_responses, sealed_tails",
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

#[cfg(test)]
mod tests {
    use super::tail_id;

    #[test]
    fn tails_lie_in_the_records_order() {
        let mut ids: Vec<String> = (0..200).map(|_| crate::domain::token::random_id()).collect();
        ids.sort();
        let keys: Vec<i64> = ids.iter().map(|id| tail_id(id)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sorted ids give sorted tail keys");
        assert!(keys.iter().all(|&k| k >= 0));
        assert_eq!(tail_id("ffffffffffffffffffffffffffffffff"), 0x0fff_ffff_ffff_ffff);
        let odd = tail_id("left-by-a-close");
        assert!((0..=0x0fff_ffff_ffff_ffff).contains(&odd) && odd != tail_id("left-by-another"));
    }
}
