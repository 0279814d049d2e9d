//! OpenID Connect sign-ins under way (CONTRACT §11): what the callback needs to finish one
//! (the nonce and the PKCE verifier), found by the hash of the flow's `state` and taken once.
use super::Db;
use sqlx::Row;

/// How long a sign-in may take at the provider.
pub const FLOW_SECONDS: i64 = 10 * 60;

/// What a flow keeps between its start and its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: Option<String>,
    pub lang: Option<String>,
}

/// Keeps a new flow (and forgets the ones that expired).
pub async fn begin(db: &Db, state_hash: &str, flow: &Flow, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM oidc_flows WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO oidc_flows (state_hash, nonce, pkce_verifier, next, lang, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash)
    .bind(&flow.nonce)
    .bind(&flow.pkce_verifier)
    .bind(&flow.next)
    .bind(&flow.lang)
    .bind(now + FLOW_SECONDS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Takes a live flow: the one statement that finds it also deletes it, so a callback replayed
/// (or raced) finds nothing, on every instance sharing the database.
pub async fn take(db: &Db, state_hash: &str, now: i64) -> Result<Option<Flow>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM oidc_flows WHERE state_hash = $1 AND expires_at > $2 RETURNING nonce, pkce_verifier, next, lang",
    )
    .bind(state_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(Flow {
            nonce: r.try_get("nonce")?,
            pkce_verifier: r.try_get("pkce_verifier")?,
            next: r.try_get("next")?,
            lang: r.try_get("lang")?,
        })
    })
    .transpose()
}
