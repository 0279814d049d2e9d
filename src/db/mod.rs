//! The database: one pool over SQLite or PostgreSQL, chosen once from the URL scheme.
//! Queries use `$1` placeholders and portable SQL, so one string serves both backends;
//! the few places where the dialects differ branch on [`Backend`].
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use std::time::Duration;

pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod backup;
pub mod batch_rows;
pub mod bulk;
pub mod cycle_keys;
pub mod cycles;
pub mod dashboard;
pub mod directory;
pub mod drafts;
pub mod erasure;
pub mod feedback;
pub mod followups;
pub mod imports;
pub mod invitations;
pub mod json_rows;
pub mod links;
pub mod nominations;
pub mod oidc;
pub mod outbox;
pub mod people_admin;
pub mod privacy;
pub mod reminders;
pub mod responses;
pub mod results;
pub mod reviews;
pub mod runs;
pub mod schedules;
pub mod scim;
pub mod scores;
pub mod sealed;
pub mod server_key;
pub mod sessions;
mod storage;
pub mod submissions;
pub mod surveys;
pub mod webhooks;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

pub type Tx = Transaction<'static, Any>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// WAL pages after which a committing connection checkpoints by itself (SQLite's default is
/// 1,000): a backstop for [`Db::checkpoint`], which the server runs in the background.
const AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// How long SQLite waits for a lock before it reports "database is locked", by default.
pub const SQLITE_BUSY_TIMEOUT_MS: u64 = 5_000;

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(format!(
                "unsupported database URL {:?}: use sqlite://… or postgres://…",
                crate::redact::redact_url(url)
            ))
        }
    }
}

/// `sqlite://candor.db` creates the file when missing, as the contract promises.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        Db::connect_with(url, SQLITE_BUSY_TIMEOUT_MS, None, false).await
    }

    /// `full_sync`: SQLite syncs the WAL on every commit (`synchronous = FULL`), so an
    /// acknowledged answer survives a power cut, not only a crashed process.
    pub async fn connect_with(
        url: &str,
        busy_timeout_ms: u64,
        max_pages: Option<u64>,
        full_sync: bool,
    ) -> Result<Db, sqlx::Error> {
        let synchronous = if full_sync { "FULL" } else { "NORMAL" };
        install_default_drivers();
        let backend = Backend::from_url(url).map_err(|e| sqlx::Error::Configuration(e.into()))?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_release(drop_if_in_transaction)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            use sqlx::Executor;
                            // WAL lets readers run beside the one writer; NORMAL sync in WAL
                            // survives a crashed process (not a power cut) and is much faster.
                            // secure_delete zeroes what is deleted: a closed cycle's key (so its
                            // sealed answers, crypto-shredded, open under no key left), records
                            // sealed before cycles had keys, erased personal data. The server
                            // checkpoints in the background (`Db::checkpoint`); the automatic
                            // checkpoint, which runs inside a committing request, is only a
                            // backstop for a WAL that grew past ~40 MB.
                            conn.execute(sqlx::AssertSqlSafe(format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                                 PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
                                 PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES};"
                            )))
                            .await?;
                            if let Some(pages) = max_pages {
                                conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}"))).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&sqlite_url_with_create(url))
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_release(drop_if_in_transaction)
                    .connect(url)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    /// Applies the migrations not applied yet. On PostgreSQL sqlx holds an advisory lock while
    /// it does; on SQLite it takes none, so two instances starting at once on a fresh file
    /// would both apply the first migration (one then fails: "table already exists"). Here
    /// they take turns on a lock file beside the database; the second finds nothing to do.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => {
                let _turn = self.sqlite_migration_lock().await?;
                SQLITE_MIGRATIONS.run(&self.pool).await
            }
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (BEGIN
    /// IMMEDIATE), so a read-then-write never fails half-way with "database is locked".
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.pool.begin_with(begin_sql(self.backend)).await
    }

    /// Copies what the WAL holds back into the database file without blocking readers or the
    /// writer (SQLite `PASSIVE`), off every request's path; nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.pool).await?;
        }
        Ok(())
    }
}

/// The statement that begins a write transaction (see [`Db::begin`]).
pub fn begin_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// How a transaction holds the rows it read until it commits (PostgreSQL; SQLite's writer
/// holds the whole database already).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    /// Others may read and share, not change (`FOR SHARE`).
    Share,
    /// Nobody else may change or share-lock them (`FOR UPDATE`).
    Update,
}

/// Locks the rows of `table` (a fixed name) with these ids, on PostgreSQL.
pub async fn lock_rows(
    tx: &mut Tx,
    backend: Backend,
    table: &'static str,
    ids: &[&str],
    how: RowLock,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite || ids.is_empty() {
        return Ok(());
    }
    let mode = match how {
        RowLock::Share => "FOR SHARE",
        RowLock::Update => "FOR UPDATE",
    };
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!("SELECT id FROM {table} WHERE id IN {} {mode}", placeholders(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **tx).await?;
    }
    Ok(())
}

/// A connection whose transaction was neither committed nor rolled back — an I/O error such as
/// a full disk broke it mid-way — is closed, not handed out again in an unknown state.
fn drop_if_in_transaction(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
    use sqlx::Connection;
    let keep = !conn.is_in_transaction();
    if !keep {
        tracing::debug!("closing a database connection left inside a transaction");
    }
    Box::pin(async move { Ok(keep) })
}

/// The database cannot take the work now, and nothing was stored: SQLite's "database is
/// locked" after the busy timeout, a pool that cannot hand out a connection in time, or a
/// connection that broke or a server that is going away or not back yet (a PostgreSQL restart
/// or failover). The caller should answer 503 and let the client retry.
pub fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            let msg = db.message();
            msg.contains("database is locked")
                || msg.contains("database is busy")
                || db.code().is_some_and(|code| server_unavailable(&code))
        }
        _ => false,
    }
}

/// PostgreSQL's SQLSTATEs for a server that cannot serve this connection now: a connection
/// exception (class 08), an administrator's or a crash's shutdown, "the database system is
/// starting up" (57P01–57P03), too many connections (53300), a read-only standby (25006).
fn server_unavailable(code: &str) -> bool {
    code.len() == 5 && (code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "25006"))
}

/// Whether the invitation `i` is of an anonymous relation (mirrors `Relation::is_anonymous`):
/// whether such an invitation was answered must never show to an admin.
pub const ANONYMOUS_INVITATION: &str = "(i.relation IN ('peer', 'direct_report') OR (i.relation = 'customer' AND \
     EXISTS (SELECT 1 FROM surveys s WHERE s.id = i.survey_id AND s.anonymous = TRUE)))";

/// Bound values per statement. Binding cost grows faster than linearly with the number of
/// placeholders in sqlx's SQLite path (measured: 1,000-row chunks were 5× slower per row than
/// 40-row ones), so batches stay at a few hundred values.
pub const MAX_BINDS: usize = 320;

/// Rows of `columns` values that fit in one statement.
pub const fn rows_per_statement(columns: usize) -> usize {
    MAX_BINDS / columns
}

/// SQLite's "database or disk is full": the caller should say so plainly (507), not retry.
pub fn is_full(e: &sqlx::Error) -> bool {
    match e {
        // PostgreSQL's disk_full (53100), SQLite's "database or disk is full".
        sqlx::Error::Database(db) => db.message().contains("is full") || db.code().is_some_and(|c| c == "53100"),
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}

/// Placeholders `$from, $from+1, …` for `n` values: `($1, $2, $3)`.
pub fn placeholders(from: usize, n: usize) -> String {
    let list: Vec<String> = (from..from + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// Rows of `width` values for a multi-row INSERT through `conn`, numbered from `$1`. SQLite gets
/// nameless `?` instead: sqlx looks each `$N` up by name, a linear search in SQLite, so a
/// statement of a few hundred named values cost time quadratic in their number.
pub fn value_rows(conn: &sqlx::AnyConnection, rows: usize, width: usize) -> String {
    let sqlite = backend_of(conn) == Backend::Sqlite;
    let row = |k: usize| {
        if sqlite { format!("({})", vec!["?"; width].join(", ")) } else { placeholders(k * width + 1, width) }
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// A boolean column: PostgreSQL answers `bool`, SQLite may answer an integer.
pub fn get_bool(row: &sqlx::any::AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => row.try_get::<i64, _>(col).map(|v| v != 0),
    }
}

/// `(SELECT …)` of the values of the JSON array bound at `param`, as `cast` (`bigint`, `text`):
/// one statement text whatever the array's length, so it is prepared once and cached, unlike an
/// `IN ($1, $2, …)` list whose text changes with its length.
/// The backend a connection (or a transaction) talks to.
pub(crate) fn backend_of(conn: &sqlx::AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") { Backend::Postgres } else { Backend::Sqlite }
}

pub(crate) fn json_values(backend: Backend, param: &str, cast: &str) -> String {
    match backend {
        Backend::Sqlite => format!("(SELECT value FROM json_each({param}))"),
        Backend::Postgres => format!("(SELECT (json_array_elements_text({param}::json))::{cast})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(Backend::from_url("sqlite://candor.db"), Ok(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Ok(Backend::Postgres));
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err();
        assert!(err.contains("unsupported") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        assert_eq!(sqlite_url_with_create("sqlite://candor.db"), "sqlite://candor.db?mode=rwc");
        assert_eq!(sqlite_url_with_create("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
    }

    #[test]
    fn a_broken_connection_is_busy_and_a_full_filesystem_full() {
        use std::io::{Error, ErrorKind};
        for kind in [ErrorKind::ConnectionReset, ErrorKind::BrokenPipe, ErrorKind::UnexpectedEof] {
            assert!(is_busy(&sqlx::Error::Io(Error::from(kind))), "{kind:?}");
        }
        assert!(is_busy(&sqlx::Error::PoolClosed) && !is_busy(&sqlx::Error::RowNotFound));
        assert!(is_full(&sqlx::Error::Io(Error::new(ErrorKind::StorageFull, "no room"))));
        for code in ["57P01", "57P03", "08006", "53300", "25006"] {
            assert!(server_unavailable(code), "{code}");
        }
        for code in ["23505", "40001", "5", "517"] {
            assert!(!server_unavailable(code), "{code}");
        }
    }

    #[test]
    fn placeholder_lists() {
        assert_eq!(placeholders(3, 2), "($3, $4)");
    }
}
