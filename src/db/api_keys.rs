//! API keys: `cnd_{id}_{secret}`; the id finds the row, the secret's hash is compared in
//! constant time. The key itself is never stored.
use crate::domain::api_key::Scope;
use crate::domain::token::{Token, random_id, sha256_hex};
use sqlx::{AnyPool, Row};
use subtle::ConstantTimeEq;

pub struct NewKey {
    pub id: String,
    pub key: String,
}

pub async fn create(tx: &mut super::Tx, name: &str, scope: Scope) -> Result<NewKey, sqlx::Error> {
    let id = random_id()[..12].to_string();
    let key = format!("cnd_{id}_{}", Token::mint().as_str());
    sqlx::query("INSERT INTO api_keys (id, name, scope, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(name)
        .bind(scope.as_str())
        .bind(sha256_hex(&key))
        .bind(crate::domain::time::now())
        .execute(&mut **tx)
        .await?;
    Ok(NewKey { id, key })
}

/// The id and scope of a presented key, or `None` when it is unknown, revoked or wrong.
/// The key's id, scope and name, if `presented` is a live key.
pub async fn verify(pool: &AnyPool, presented: &str) -> Result<Option<(String, Scope, String)>, sqlx::Error> {
    let Some(id) = presented.strip_prefix("cnd_").and_then(|rest| rest.split('_').next()) else {
        return Ok(None);
    };
    if id.len() != 12 {
        return Ok(None);
    }
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT key_hash, scope, name FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(stored, scope, name)| {
        let presented_hash = sha256_hex(presented);
        let same: bool = presented_hash.as_bytes().ct_eq(stored.as_bytes()).into();
        if same { Scope::parse(&scope).map(|s| (id.to_string(), s, name)) } else { None }
    }))
}

/// A live key as listed: never the key, nor its hash.
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Every live key, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<KeyRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, scope, created_at, last_used_at FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(KeyRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                scope: r.try_get("scope")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// Revokes a live key; false when there is no such live key.
pub async fn revoke(tx: &mut super::Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a key was used now.
pub async fn touch(pool: &AnyPool, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
}
