//! A connection with SQLite settings of its own for one long job of a close: a series of
//! write transactions no request waits on. It is closed when the job ends (or is dropped),
//! never back in the pool with those settings; they are undone first all the same, since with
//! a shared cache they are the cache's, not the connection's. On PostgreSQL it is a pooled
//! connection like any other.
use super::Backend;

/// What a job sets on its connection, and how that is undone.
pub struct Settings {
    set: &'static str,
    undo: &'static str,
}

/// Writing a close's answers, 500 a transaction. SQLite's page cache is 2 MiB a connection
/// by default: one such transaction touches more pages of the tables and indexes it inserts
/// into, so pages were written to the WAL before the commit (spilled) and read back from the
/// file for the next transaction. 64 MiB holds what a run touches; the statement journals (each
/// multi-row insert copies the pages it changes, in case it must be undone alone) stay in
/// memory rather than in a temporary file.
pub const WRITING: Settings = Settings {
    set: "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY",
    undo: "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT",
};

/// Deleting sealed records whose key is destroyed (crypto-shredded): their pages are freed,
/// not zeroed (`secure_delete` off), which would only rewrite ciphertext nobody can open.
pub const SHREDDING: Settings = Settings { set: "PRAGMA secure_delete = OFF", undo: "PRAGMA secure_delete = ON" };

pub struct Writer {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    backend: Backend,
    undo: &'static str,
}

pub async fn writer(db: &super::Db, settings: &Settings) -> Result<Writer, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Sqlite {
        conn.close_on_drop();
        sqlx::query(settings.set).execute(&mut *conn).await?;
    }
    Ok(Writer { conn, backend: db.backend, undo: settings.undo })
}

impl Writer {
    /// A write transaction (on SQLite, holding the write lock from its start).
    pub async fn begin(&mut self) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
        sqlx::Connection::begin_with(&mut *self.conn, super::begin_sql(self.backend)).await
    }

    /// Done: on SQLite the settings are undone and the connection closes; on PostgreSQL it
    /// goes back to the pool. What it wrote is committed already: a failure here is logged, the
    /// connection dropped all the same.
    pub async fn finish(mut self) {
        if self.backend == Backend::Postgres {
            return;
        }
        if let Err(e) = sqlx::query(self.undo).execute(&mut *self.conn).await {
            tracing::warn!(error = %e, "could not undo a bulk connection's settings; it is closed all the same");
        }
        if let Err(e) = sqlx::Connection::close(self.conn.detach()).await {
            tracing::warn!(error = %e, "could not close a bulk connection");
        }
    }
}
