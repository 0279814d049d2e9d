//! The key check value of the server key (CONTRACT §10), and whether anything is sealed.
use sqlx::AnyPool;

/// The stored key check value, if a key was ever adopted by this database.
pub async fn check_value(pool: &AnyPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT mac FROM server_key_check WHERE id = 1").fetch_optional(pool).await
}

/// Stores `mac` unless another instance stored its own first; returns the one that holds.
pub async fn adopt(pool: &AnyPool, mac: &str, now: i64) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO server_key_check (id, mac, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(mac)
        .bind(now)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT mac FROM server_key_check WHERE id = 1").fetch_one(pool).await
}

/// Whether any sealed answer or draft exists (they would be lost under a new key).
pub async fn anything_sealed(pool: &AnyPool) -> Result<bool, sqlx::Error> {
    let found: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM sealed_responses LIMIT 1) s) \
              + (SELECT COUNT(*) FROM (SELECT 1 FROM drafts LIMIT 1) d)",
    )
    .fetch_one(pool)
    .await?;
    Ok(found > 0)
}

/// One page of sealed records (id, cycle, both parts) after `after`, in id order: to check a
/// key against every record without holding them all at once.
pub async fn sealed_page(
    pool: &AnyPool,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String, super::sealed::Stored)>, sqlx::Error> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT s.id, s.cycle_id, s.sealed, t.tail FROM sealed_responses s \
             LEFT JOIN sealed_tails t ON t.id = s.tail_id WHERE s.id > $1 ORDER BY s.id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id, cycle, head, tail)| (id, cycle, super::sealed::Stored { head, tail })).collect())
}

/// The stored key check value, read inside a transaction.
pub async fn check_value_in(tx: &mut super::Tx) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT mac FROM server_key_check WHERE id = 1").fetch_optional(&mut **tx).await
}

/// The stored key check value, read by a transaction about to seal under this instance's
/// keys. On PostgreSQL its row stays locked until that transaction ends, with the lock a
/// foreign key check takes (`FOR KEY SHARE`: the cheapest, as every answer takes it), which
/// only a rotation's `FOR UPDATE` waits for.
pub async fn check_value_for_sealing(conn: &mut sqlx::AnyConnection) -> Result<Option<String>, sqlx::Error> {
    let sql = match super::backend_of(conn) {
        super::Backend::Sqlite => "SELECT mac FROM server_key_check WHERE id = 1",
        super::Backend::Postgres => "SELECT mac FROM server_key_check WHERE id = 1 FOR KEY SHARE",
    };
    sqlx::query_scalar(sql).fetch_optional(conn).await
}

/// Replaces the key check value: the first write of a rotation's transaction. On PostgreSQL
/// the row is locked `FOR UPDATE` first, which waits for every transaction sealing under the
/// old key ([`check_value_for_sealing`]); and it is updated in place (an upsert: a database of
/// an earlier release has no row yet), so a sealing transaction waiting on the lock reads the
/// new value once the rotation commits, where a deleted and inserted row would read as none.
pub async fn replace(tx: &mut super::Tx, mac: &str, now: i64) -> Result<(), sqlx::Error> {
    if super::backend_of(tx) == super::Backend::Postgres {
        sqlx::query("SELECT id FROM server_key_check WHERE id = 1 FOR UPDATE").fetch_optional(&mut **tx).await?;
    }
    sqlx::query(
        "INSERT INTO server_key_check (id, mac, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET mac = excluded.mac, created_at = excluded.created_at",
    )
    .bind(mac)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Every draft: the hash of the link that saved it, its invitation, the invitation's survey,
/// its ciphertext.
pub async fn drafts_in(tx: &mut super::Tx) -> Result<Vec<(String, i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.token_hash, d.invitation_id, i.survey_id, d.sealed FROM drafts d \
         JOIN invitations i ON i.id = d.invitation_id ORDER BY d.token_hash",
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn replace_draft(tx: &mut super::Tx, token_hash: &str, sealed: Option<&str>) -> Result<(), sqlx::Error> {
    let q = match sealed {
        Some(s) => sqlx::query("UPDATE drafts SET sealed = $2 WHERE token_hash = $1").bind(token_hash).bind(s),
        None => sqlx::query("DELETE FROM drafts WHERE token_hash = $1").bind(token_hash),
    };
    q.execute(&mut **tx).await.map(|_| ())
}
