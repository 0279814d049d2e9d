//! Links: only the SHA-256 of each token is stored.
use super::{Tx, placeholders};

#[derive(Debug, Clone, Copy)]
pub enum LinkKind {
    Respond,
    Login,
    Unsubscribe,
}

impl LinkKind {
    fn as_str(self) -> &'static str {
        match self {
            LinkKind::Respond => "respond",
            LinkKind::Login => "login",
            LinkKind::Unsubscribe => "unsubscribe",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewLink {
    pub token_hash: String,
    pub kind: LinkKind,
    pub invitation_id: Option<i64>,
    pub person_id: Option<String>,
    pub customer_id: Option<String>,
    pub expires_at: Option<i64>,
    /// The address a respondent link reaches (the email it went in, or the signed-in person).
    pub sent_to: Option<String>,
}

impl NewLink {
    pub fn respond(token_hash: String, invitation_id: i64) -> NewLink {
        NewLink {
            token_hash,
            kind: LinkKind::Respond,
            invitation_id: Some(invitation_id),
            person_id: None,
            customer_id: None,
            expires_at: None,
            sent_to: None,
        }
    }

    /// The same link, known to reach `address`.
    pub fn to(mut self, address: &str) -> NewLink {
        self.sent_to = Some(address.to_string());
        self
    }

    pub fn unsubscribe(token_hash: String, customer_id: String) -> NewLink {
        NewLink {
            token_hash,
            kind: LinkKind::Unsubscribe,
            invitation_id: None,
            person_id: None,
            customer_id: Some(customer_id),
            expires_at: None,
            sent_to: None,
        }
    }
}

pub async fn insert(conn: &mut sqlx::AnyConnection, links: &[NewLink], now: i64) -> Result<(), sqlx::Error> {
    let rows = links
        .iter()
        .map(|l| {
            serde_json::json!([
                l.token_hash,
                l.kind.as_str(),
                l.invitation_id,
                l.person_id,
                l.customer_id,
                l.expires_at,
                now,
                l.sent_to
            ])
        })
        .collect();
    super::json_rows::insert(conn, &NEW_LINK, rows).await
}

/// The columns a link is written with.
const NEW_LINK: super::json_rows::Columns = super::json_rows::Columns {
    table: "links",
    names: &["token_hash", "kind", "invitation_id", "person_id", "customer_id", "expires_at", "created_at", "sent_to"],
    casts: &["", "", "::bigint", "", "", "::bigint", "::bigint", ""],
};

/// Inserts many links in one transaction of its own.
pub async fn insert_all(db: &super::Db, links: &[NewLink], now: i64) -> Result<(), sqlx::Error> {
    if links.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    insert(&mut tx, links, now).await?;
    tx.commit().await
}

pub async fn delete<'e, E>(ex: E, hashes: &[String]) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if hashes.is_empty() {
        return Ok(());
    }
    let sql = format!("DELETE FROM links WHERE token_hash IN {}", placeholders(1, hashes.len()));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for h in hashes {
        q = q.bind(h);
    }
    q.execute(ex).await.map(|_| ())
}

/// The address a link was sent to, if it is known (links of an older release are not).
pub async fn address_of(pool: &sqlx::AnyPool, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
    let found: Option<Option<String>> = sqlx::query_scalar("SELECT sent_to FROM links WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
    Ok(found.flatten())
}

/// Deletes every respondent link of these invitations: they answer 404 from now on.
pub async fn delete_for_invitations(tx: &mut Tx, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(super::MAX_BINDS) {
        let sql =
            format!("DELETE FROM links WHERE kind = 'respond' AND invitation_id IN {}", placeholders(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The customer behind an unsubscribe link.
pub async fn unsubscribe_target(
    pool: &sqlx::AnyPool,
    token_hash: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.email FROM links l JOIN customers c ON c.id = l.customer_id \
         WHERE l.token_hash = $1 AND l.kind = 'unsubscribe'",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

/// No further email goes to this address.
pub async fn suppress(pool: &sqlx::AnyPool, email: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO suppressions (email, created_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING")
        .bind(email)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Which of these addresses asked for no more emails.
pub async fn suppressed_among(
    db: &super::Db,
    emails: &[String],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let sql = format!("SELECT email FROM suppressions WHERE email IN {}", super::json_values(db.backend, "$1", "text"));
    let emails = serde_json::to_string(emails).map_err(|e| sqlx::Error::Encode(e.into()))?;
    Ok(sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
        .bind(emails)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect())
}
