//! Drafts saved for later: ciphertext only, keyed by the hash of the link that saved them.
use super::{Tx, placeholders};

/// Saves (or replaces) the draft of the link `token_hash`, if its invitation is still open.
/// Returns whether it was saved.
pub async fn save(
    pool: &sqlx::AnyPool,
    token_hash: &str,
    invitation_id: i64,
    sealed: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO drafts (token_hash, invitation_id, sealed) \
         SELECT $1, i.id, $3 FROM invitations i WHERE i.id = $2 AND i.completed = FALSE AND i.declined = FALSE AND i.revoked = FALSE \
         ON CONFLICT (token_hash) DO UPDATE SET sealed = excluded.sealed",
    )
    .bind(token_hash)
    .bind(invitation_id)
    .bind(sealed)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The ciphertext of the draft the link `token_hash` saved, if any.
pub async fn load(pool: &sqlx::AnyPool, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT sealed FROM drafts WHERE token_hash = $1").bind(token_hash).fetch_optional(pool).await
}

/// Deletes every draft of these invitations (answered or declined).
pub async fn delete_for(conn: &mut sqlx::AnyConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(super::MAX_BINDS) {
        let sql = format!("DELETE FROM drafts WHERE invitation_id IN {}", placeholders(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes every draft of a cycle: at close, nothing unsent is kept.
pub async fn delete_for_cycle(tx: &mut Tx, cycle: &str) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM drafts WHERE invitation_id IN (SELECT id FROM invitations WHERE cycle_id = $1)")
            .bind(cycle)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected())
}
