//! `candor backup PATH`: a consistent copy of a live SQLite database, checked, then moved into
//! place. It holds the database only: the server key is never in it (keep the two apart).
use crate::db::{Backend, Db, backup};
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Why `candor backup` refuses before it starts: bad usage (exit 2).
pub fn refuse(backend: Backend, to: &Path) -> Option<String> {
    if backend == Backend::Postgres {
        return Some(
            "candor backup copies SQLite databases; back up PostgreSQL with pg_dump (e.g. pg_dump -Fc -f candor.dump DBNAME)"
                .into(),
        );
    }
    if to.exists() {
        return Some(format!("{} already exists; name a new file", to.display()));
    }
    None
}

/// Copies the database to `to` while others keep writing: into a temporary file beside it,
/// synced and checked with `PRAGMA integrity_check`, then linked to `to` (never replacing a
/// file that appeared there meanwhile).
pub async fn sqlite(db: &Db, to: &Path) -> anyhow::Result<Written> {
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = to.file_name().ok_or_else(|| anyhow::anyhow!("{} names no file", to.display()))?;
    let partial = dir.join(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
    let result = copy_checked(db, &partial, to).await;
    let _ = std::fs::remove_file(&partial);
    result
}

async fn copy_checked(db: &Db, partial: &Path, to: &Path) -> anyhow::Result<Written> {
    let _ = std::fs::remove_file(partial);
    backup::vacuum_into(db, partial).await?;
    // People's contact data and answers: readable by the owner only, like the key file.
    #[cfg(unix)]
    std::fs::set_permissions(partial, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    std::fs::File::open(partial)?.sync_all()?;
    let check = backup::integrity_check(partial).await?;
    anyhow::ensure!(check == "ok", "the copy failed its integrity check: {check}");
    std::fs::hard_link(partial, to).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", to.display()))?;
    let bytes = std::fs::metadata(to)?.len();
    Ok(Written { path: to.to_path_buf(), bytes })
}
