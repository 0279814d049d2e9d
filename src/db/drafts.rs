//! Drafts saved for later: ciphertext only, keyed by the hash of the link that saved them.
use super::{Tx, placeholders};

/// Saves the draft of the link `token_hash` in place of any earlier draft of its invitation
/// (one per invitation), if the invitation is still open and its cycle too. Returns whether it
/// was saved.
pub async fn save(
    tx: &mut Tx,
    token_hash: &str,
    invitation_id: i64,
    sealed: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM drafts WHERE invitation_id = $1").bind(invitation_id).execute(&mut **tx).await?;
    let done = sqlx::query(
        "INSERT INTO drafts (token_hash, invitation_id, sealed) \
         SELECT $1, i.id, $3 FROM invitations i JOIN cycles c ON c.id = i.cycle_id \
         WHERE i.id = $2 AND i.completed = FALSE AND i.declined = FALSE AND i.revoked = FALSE \
         AND c.status = 'open' AND c.closes_at > $4",
    )
    .bind(token_hash)
    .bind(invitation_id)
    .bind(sealed)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The draft of an invitation, if any: the hash of the link that saved it, and its ciphertext.
pub async fn load_for(pool: &sqlx::AnyPool, invitation: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT token_hash, sealed FROM drafts WHERE invitation_id = $1")
        .bind(invitation)
        .fetch_optional(pool)
        .await
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
