//! Online copies of a SQLite database (`candor backup`).
use super::Db;
use sqlx::Connection;
use std::path::Path;

/// Writes a consistent copy of the database to `to` (which must not exist): `VACUUM INTO` reads
/// one snapshot while writers carry on (WAL), and the copy is compact and self-contained.
pub async fn vacuum_into(db: &Db, to: &Path) -> Result<(), sqlx::Error> {
    let to = to.to_str().ok_or_else(|| sqlx::Error::Configuration("the backup path is not UTF-8".into()))?;
    sqlx::query("VACUUM INTO $1").bind(to).execute(&db.pool).await.map(|_| ())
}

/// `PRAGMA integrity_check` of the SQLite file at `path`, opened read-only: `ok` when sound.
pub async fn integrity_check(path: &Path) -> Result<String, sqlx::Error> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await?;
    conn.close().await?;
    Ok(rows.join("; "))
}
