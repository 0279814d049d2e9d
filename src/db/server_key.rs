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

/// One page of sealed records (id, cycle, ciphertext) after `after`, in id order: to check a
/// key against every record without holding them all at once.
pub async fn sealed_page(
    pool: &AnyPool,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, cycle_id, sealed FROM sealed_responses WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
}
