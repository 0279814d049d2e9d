//! A connection for a run's long series of write transactions (a close writing 100,000
//! answers 500 at a time). SQLite's page cache is 2 MiB a connection by default: one such
//! transaction touches more pages of the tables and indexes it inserts into, so pages were
//! written to the WAL before the commit (spilled) and read back from the file for the next
//! transaction. This connection has a cache the size of what a run touches, and keeps its
//! statement journals (each multi-row insert copies the pages it changes, in case it must be
//! undone alone) in memory rather than in a temporary file. It is closed when dropped, never
//! back in the pool with those settings.
use super::Backend;

/// The page cache of a bulk writer on SQLite, in KiB (64 MiB, while a run lasts).
const CACHE_KIB: i64 = 65_536;

pub struct Writer {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    backend: Backend,
}

pub async fn writer(db: &super::Db) -> Result<Writer, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Sqlite {
        conn.close_on_drop();
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{CACHE_KIB}; PRAGMA temp_store = MEMORY")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(Writer { conn, backend: db.backend })
}

impl Writer {
    /// A write transaction (on SQLite, holding the write lock from its start).
    pub async fn begin(&mut self) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
        sqlx::Connection::begin_with(&mut *self.conn, super::begin_sql(self.backend)).await
    }

    /// Done: on SQLite the settings go back to SQLite's defaults (with a shared cache they are
    /// the cache's, not the connection's) and the connection closes; on PostgreSQL it goes back
    /// to the pool as it was. What it wrote is committed already: a failure here is logged, the
    /// connection dropped all the same.
    pub async fn finish(mut self) {
        if self.backend == Backend::Postgres {
            return;
        }
        let reset =
            sqlx::query("PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT").execute(&mut *self.conn).await;
        if let Err(e) = reset {
            tracing::warn!(error = %e, "could not reset a bulk writer's settings; it is closed all the same");
        }
        if let Err(e) = sqlx::Connection::close(self.conn.detach()).await {
            tracing::warn!(error = %e, "could not close a bulk writer's connection");
        }
    }
}
