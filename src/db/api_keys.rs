//! API keys: `cnd_{id}_{secret}`; the id finds the row, the secret's hash is compared in
//! constant time. The key itself is never stored.
use crate::domain::api_key::Scope;
use crate::domain::token::{Token, random_id, sha256_hex};
use sqlx::AnyPool;
use subtle::ConstantTimeEq;

pub struct NewKey {
    pub id: String,
    pub key: String,
}

pub async fn create(pool: &AnyPool, name: &str, scope: Scope) -> Result<NewKey, sqlx::Error> {
    let id = random_id()[..12].to_string();
    let key = format!("cnd_{id}_{}", Token::mint().as_str());
    sqlx::query("INSERT INTO api_keys (id, name, scope, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(name)
        .bind(scope.as_str())
        .bind(sha256_hex(&key))
        .bind(crate::domain::time::now())
        .execute(pool)
        .await?;
    Ok(NewKey { id, key })
}

/// The scope of a presented key, or `None` when it is unknown, revoked or wrong.
pub async fn verify(pool: &AnyPool, presented: &str) -> Result<Option<Scope>, sqlx::Error> {
    let Some(id) = presented.strip_prefix("cnd_").and_then(|rest| rest.split('_').next()) else {
        return Ok(None);
    };
    if id.len() != 12 {
        return Ok(None);
    }
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT key_hash, scope FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(stored, scope)| {
        let presented_hash = sha256_hex(presented);
        let same: bool = presented_hash.as_bytes().ct_eq(stored.as_bytes()).into();
        if same { Scope::parse(&scope) } else { None }
    }))
}
