//! Deleting personal data for good: a customer's erasure and the retention sweep of old cycles
//! (CONTRACT §12). SQLite zeroes what it deletes (`secure_delete`); [`wipe_wal`] then empties
//! the WAL, whose frames would still hold the rows as they were.
use super::{Backend, Db, Tx};
use sqlx::Row;

/// What an erasure did, in counts.
#[derive(Debug, Clone, Default)]
pub struct Erased {
    pub invitations: u64,
    /// Attributed answers kept without their invitation, or deleted.
    pub answers: u64,
}

/// The customer's invitations, as a subquery on `$1`.
const THEIR_INVITATIONS: &str = "SELECT id FROM invitations WHERE respondent_customer_id = $1";
const THEIR_RESPONSES: &str =
    "SELECT r.id FROM responses r JOIN invitations i ON i.id = r.invitation_id WHERE i.respondent_customer_id = $1";

async fn run(tx: &mut Tx, sql: String, id: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut **tx).await?.rows_affected())
}

/// Erases customer `id`: their contact data, invitations, links, drafts, emails and follow-ups;
/// their attributed answers stay without any link to them, or go too (`delete_answers`).
/// `None` when there is no such customer.
pub async fn erase_customer(
    tx: &mut Tx,
    backend: Backend,
    id: &str,
    delete_answers: bool,
) -> Result<Option<Erased>, sqlx::Error> {
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let found =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT name, email, phone FROM customers WHERE id = $1{lock}")))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(found) = found else { return Ok(None) };
    let name: String = found.try_get("name")?;
    let email: String = found.try_get("email")?;
    let phone: Option<String> = found.try_get("phone")?;
    run(tx, format!("DELETE FROM followups WHERE response_id IN ({THEIR_RESPONSES})"), id).await?;
    let answers = if delete_answers {
        run(tx, format!("DELETE FROM response_scores WHERE response_id IN ({THEIR_RESPONSES})"), id).await?;
        run(tx, format!("DELETE FROM answers WHERE response_id IN ({THEIR_RESPONSES})"), id).await?;
        run(tx, format!("DELETE FROM responses WHERE invitation_id IN ({THEIR_INVITATIONS})"), id).await?
    } else {
        run(tx, format!("UPDATE responses SET invitation_id = NULL WHERE invitation_id IN ({THEIR_INVITATIONS})"), id)
            .await?
    };
    run(tx, format!("DELETE FROM drafts WHERE invitation_id IN ({THEIR_INVITATIONS})"), id).await?;
    run(tx, format!("DELETE FROM links WHERE customer_id = $1 OR invitation_id IN ({THEIR_INVITATIONS})"), id).await?;
    drop_emails(tx, THEIR_INVITATIONS, id).await?;
    let invitations = run(tx, "DELETE FROM invitations WHERE respondent_customer_id = $1".into(), id).await?;
    run(tx, "DELETE FROM customers WHERE id = $1".into(), id).await?;
    for contact in [Some(email.as_str()), phone.as_deref()].into_iter().flatten().filter(|c| !c.trim().is_empty()) {
        forget_contact(tx, contact).await?;
    }
    // Notices that an address was replaced carry the old address and the name: any to them.
    let name = serde_json::to_string(&name).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "DELETE FROM outbox WHERE kind = 'address_changed' \
         AND (($1 <> '' AND payload LIKE '%' || $1 || '%') OR payload LIKE '%\"name\":' || $2 || '%')",
    )
    .bind(&email)
    .bind(&name)
    .execute(&mut **tx)
    .await?;
    Ok(Some(Erased { invitations, answers }))
}

/// Forgets the emails sent or queued for the invitations `of` (a subquery on `$1`) selects, so
/// the invitations can go: an email that carried other invitations too names one of those.
async fn drop_emails(tx: &mut Tx, of: &str, id: &str) -> Result<(), sqlx::Error> {
    run(tx, format!("DELETE FROM outbox_items WHERE invitation_id IN ({of})"), id).await?;
    let alone = format!(
        "DELETE FROM outbox WHERE invitation_id IN ({of}) \
         AND NOT EXISTS (SELECT 1 FROM outbox_items oi WHERE oi.outbox_id = outbox.id)"
    );
    run(tx, alone, id).await?;
    let shared = format!(
        "UPDATE outbox SET invitation_id = (SELECT MIN(oi.invitation_id) FROM outbox_items oi WHERE oi.outbox_id = outbox.id) \
         WHERE invitation_id IN ({of})"
    );
    run(tx, shared, id).await?;
    Ok(())
}

/// Removes an erased address or number from where it may still be written: the unsubscribe
/// list (unless someone else still has the address), imports waiting for confirmation, and
/// audit entries.
async fn forget_contact(tx: &mut Tx, contact: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM suppressions WHERE email = $1 AND NOT EXISTS (SELECT 1 FROM customers WHERE email = $1) \
         AND NOT EXISTS (SELECT 1 FROM people WHERE email = $1)",
    )
    .bind(contact)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM pending_imports WHERE csv LIKE '%' || $1 || '%'").bind(contact).execute(&mut **tx).await?;
    sqlx::query("UPDATE audit_log SET detail = REPLACE(detail, $1, '[erased]') WHERE detail LIKE '%' || $1 || '%'")
        .bind(contact)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Empties SQLite's WAL (`TRUNCATE` checkpoint): after an erasure its frames would still hold
/// the pages as they were, and until the checkpoint the database file too. A checkpoint running
/// already (the background one) or a reader of an older snapshot makes it busy: tried again
/// for up to two seconds; `false` if it never got through.
pub async fn wipe_wal(db: &Db) -> Result<bool, sqlx::Error> {
    if db.backend != Backend::Sqlite {
        return Ok(true);
    }
    for _ in 0..100 {
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&db.pool).await?;
        let busy: i64 = row.try_get(0)?;
        if busy == 0 {
            return Ok(true);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(false)
}

/// Cycles closed before `cutoff` and not swept yet.
pub async fn due_for_retention(db: &Db, cutoff: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM cycles WHERE status = 'closed' AND closed_at IS NOT NULL AND closed_at < $1 \
         AND purged_at IS NULL ORDER BY closed_at, id",
    )
    .bind(cutoff)
    .fetch_all(&db.pool)
    .await
}

/// What the retention sweep deleted from one cycle, in rows.
#[derive(Debug, Clone, Default)]
pub struct Swept {
    pub invitations: u64,
    pub links: u64,
    pub drafts: u64,
    pub unlinked_answers: u64,
    pub comments: u64,
}

const CYCLE_INVITATIONS: &str = "SELECT id FROM invitations WHERE cycle_id = $1";

/// Deletes a closed cycle's invitations, links, drafts, its emails' bookkeeping and comments,
/// and unlinks its attributed answers from their respondents; the stored results stay, without
/// their comments. Marks the cycle swept.
pub async fn sweep_cycle(tx: &mut Tx, cycle: &str, now: i64) -> Result<Swept, sqlx::Error> {
    let mut s = Swept {
        unlinked_answers: run(
            tx,
            "UPDATE responses SET invitation_id = NULL WHERE cycle_id = $1 AND invitation_id IS NOT NULL".into(),
            cycle,
        )
        .await?,
        ..Default::default()
    };
    s.comments = run(
        tx,
        "DELETE FROM answers WHERE text IS NOT NULL AND response_id IN (SELECT id FROM responses WHERE cycle_id = $1)"
            .into(),
        cycle,
    )
    .await?;
    run(
        tx,
        "UPDATE subject_results SET comments = '{\"comments\":[],\"withheld\":[]}' WHERE cycle_id = $1".into(),
        cycle,
    )
    .await?;
    s.drafts = run(tx, format!("DELETE FROM drafts WHERE invitation_id IN ({CYCLE_INVITATIONS})"), cycle).await?;
    s.links = run(tx, format!("DELETE FROM links WHERE invitation_id IN ({CYCLE_INVITATIONS})"), cycle).await?;
    drop_emails(tx, CYCLE_INVITATIONS, cycle).await?;
    s.invitations = run(tx, "DELETE FROM invitations WHERE cycle_id = $1".into(), cycle).await?;
    sqlx::query("UPDATE cycles SET purged_at = $2 WHERE id = $1").bind(cycle).bind(now).execute(&mut **tx).await?;
    Ok(s)
}
