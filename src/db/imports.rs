//! CSV imports previewed on the admin page, kept until they are confirmed.
use super::Db;

/// How long a previewed import may wait for its confirmation, in seconds.
pub const PENDING_SECONDS: i64 = 3600;

pub async fn stage(db: &Db, id: &str, person: &str, kind: &str, csv: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM pending_imports WHERE created_at < $1")
        .bind(now - PENDING_SECONDS)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO pending_imports (id, person_id, kind, csv, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(person)
        .bind(kind)
        .bind(csv)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The staged import (kind, csv) of this person, if it is still there and recent.
pub async fn staged(db: &Db, id: &str, person: &str, now: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT kind, csv FROM pending_imports WHERE id = $1 AND person_id = $2 AND created_at >= $3")
        .bind(id)
        .bind(person)
        .bind(now - PENDING_SECONDS)
        .fetch_optional(&db.pool)
        .await
}

pub async fn forget(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_imports WHERE id = $1").bind(id).execute(&db.pool).await.map(|_| ())
}
