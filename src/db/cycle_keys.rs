//! Each cycle's sealing key, wrapped under the server key (`domain::cycle_key`): created with
//! the cycle, deleted by the transaction that closes it.
use super::Tx;
use sqlx::AnyPool;

/// Stores `wrapped` as the key of `cycle` unless it has one, or is closed.
pub async fn insert_if_missing(tx: &mut Tx, cycle: &str, wrapped: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cycle_keys (cycle_id, wrapped) SELECT $1, $2 \
         WHERE EXISTS (SELECT 1 FROM cycles WHERE id = $1 AND status = 'open') \
         ON CONFLICT (cycle_id) DO NOTHING",
    )
    .bind(cycle)
    .bind(wrapped)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The wrapped key of `cycle`, if it has one.
pub async fn get<'e, E>(ex: E, cycle: &str) -> Result<Option<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT wrapped FROM cycle_keys WHERE cycle_id = $1").bind(cycle).fetch_optional(ex).await
}

/// Every open cycle and its wrapped key, if it has one, inside a transaction: a rotation gives
/// each a fresh key.
pub async fn open_in(tx: &mut Tx) -> Result<Vec<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, k.wrapped FROM cycles c LEFT JOIN cycle_keys k ON k.cycle_id = c.id \
         WHERE c.status = 'open' ORDER BY c.id",
    )
    .fetch_all(&mut **tx)
    .await
}

/// The cycles that have a key: the open ones.
pub async fn cycles(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT cycle_id FROM cycle_keys").fetch_all(pool).await
}

/// Every wrapped key (cycle, wrapped).
pub async fn all(pool: &AnyPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT cycle_id, wrapped FROM cycle_keys ORDER BY cycle_id").fetch_all(pool).await
}

pub async fn replace(tx: &mut Tx, cycle: &str, wrapped: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cycle_keys SET wrapped = $2 WHERE cycle_id = $1")
        .bind(cycle)
        .bind(wrapped)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Deletes the key of `cycle`, in the transaction that closes it: its sealed records are then
/// ciphertext nobody can open.
pub async fn delete(tx: &mut Tx, cycle: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM cycle_keys WHERE cycle_id = $1").bind(cycle).execute(&mut **tx).await.map(|_| ())
}

/// Open cycles without a key (made by an earlier release), but for one another instance is
/// closing or launching: its close reads their records under the keys they had when it began.
pub async fn open_without(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM cycles c WHERE status = 'open' \
         AND NOT EXISTS (SELECT 1 FROM cycle_keys k WHERE k.cycle_id = c.id) \
         AND NOT EXISTS (SELECT 1 FROM cycle_runs r WHERE r.cycle_id = c.id) ORDER BY id",
    )
    .fetch_all(pool)
    .await
}
