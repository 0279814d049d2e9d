//! The database's storage as the server sees it: whether it can take a write (`/healthz`),
//! and the turn a migration takes on SQLite.
use super::{Backend, Db};

impl Db {
    /// An exclusive lock on `<database>-migrations.lock`, held until the file is dropped (the
    /// system releases it when the process dies, so a crash never leaves it held); none for an
    /// in-memory database.
    pub(super) async fn sqlite_migration_lock(&self) -> Result<Option<std::fs::File>, sqlx::migrate::MigrateError> {
        let Some(file) = self.sqlite_file()? else { return Ok(None) };
        let mut path = file.into_os_string();
        path.push("-migrations.lock");
        let locked = tokio::task::spawn_blocking(move || {
            let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
            lock.lock()?;
            Ok::<_, std::io::Error>(lock)
        })
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?;
        Ok(Some(locked.map_err(sqlx::Error::Io)?))
    }

    /// The SQLite database's file; none for an in-memory database (or on PostgreSQL).
    fn sqlite_file(&self) -> Result<Option<std::path::PathBuf>, sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let url = self.pool.connect_options().database_url.clone();
        let options: sqlx::sqlite::SqliteConnectOptions = url.as_str().parse()?;
        let file = options.get_filename();
        let in_memory =
            file.as_os_str().is_empty() || file.as_os_str() == ":memory:" || url.as_str().contains("mode=memory");
        Ok((!in_memory).then(|| file.to_path_buf()))
    }

    /// Whether the database answers and can take a write, for `/healthz`. On SQLite: the
    /// filesystem has room left, and a write the size of a large answer fits under the page
    /// limit, in a transaction rolled back (a held lock fails it too). The rolled-back pages
    /// never reach the disk, hence the look at the filesystem. On PostgreSQL: a row inserted
    /// and rolled back (a read-only standby after a failover refuses it).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                if let Some(file) = self.sqlite_file()? {
                    room_beside(&file)?;
                }
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO health_probe (filler) VALUES (zeroblob($1))")
                    .bind(HEALTH_PROBE_BYTES)
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await
            }
            Backend::Postgres => {
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO health_probe (filler) VALUES (NULL)").execute(&mut *tx).await?;
                tx.rollback().await
            }
        }
    }
}

/// The write `/healthz` tries on SQLite: larger than any one answer (`Survey::max_form_bytes`
/// of a few long text questions), so a database with room for a page but not for an answer
/// is not called healthy.
const HEALTH_PROBE_BYTES: i64 = 256 * 1024;

/// Free space, for an unprivileged writer, that a filesystem holding the database needs at
/// least: the WAL grows by every write until the next checkpoint.
const MIN_FREE_BYTES: u64 = 16 * 1024 * 1024;

/// A "database or disk is full" error when the filesystem holding `file` has less room left
/// than [`MIN_FREE_BYTES`].
fn room_beside(file: &std::path::Path) -> Result<(), sqlx::Error> {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        let fs = rustix::fs::statvfs(dir).map_err(|e| sqlx::Error::Io(e.into()))?;
        let free = fs.f_bavail.saturating_mul(fs.f_frsize);
        if free < MIN_FREE_BYTES {
            let msg = format!("database or disk is full: {} KiB left beside the database", free / 1024);
            return Err(sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::StorageFull, msg)));
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}
