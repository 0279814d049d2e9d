//! `candor key rotate` (CONTRACT §12): a new key is written beside the key file as
//! `<key file>.new`, the database is re-sealed under it in one transaction, and then the files
//! are swapped (the old key kept as `<key file>.old` until the next start succeeds). A crash
//! at any point leaves a state the next start settles: if the database took the new key, the
//! swap is finished; if not, the new key is dropped.
use crate::app::keys::Rotated;
use crate::config::Config;
use crate::db::Db;
use crate::startup::KeyError;
use std::path::PathBuf;

fn beside(config: &Config, suffix: &str) -> PathBuf {
    let mut name = config.key_file.clone().into_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Re-seals the database under a fresh key. The old key is the key file's, or with
/// `from_published` the key once published in the repository (a database of an earlier release
/// that was sealed under it).
pub async fn rotate(config: Config, from_published: bool) -> anyhow::Result<Rotated> {
    if config.key.is_some() {
        return Err(KeyError::Unusable(
            "CANDOR_KEY is set: a rotation writes the key file, so unset CANDOR_KEY and point CANDOR_KEY_FILE at it"
                .into(),
        )
        .into());
    }
    let old = if from_published {
        crate::config::published_key()
    } else {
        config
            .read_server_key()
            .map_err(KeyError::Unusable)?
            .ok_or_else(|| KeyError::Missing(config.key_file.display().to_string()))?
    };
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    settle(&config, &db).await?;
    let pending = beside(&config, ".new");
    let new = crate::config::create_key_file(&pending).map_err(KeyError::Unusable)?;
    let done = match crate::app::keys::rotate(&db, &old, &new).await {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&pending);
            return Err(if e.code() == crate::app::keys::WRONG_OLD_KEY {
                KeyError::WrongKey.into()
            } else {
                anyhow::anyhow!(e.chain())
            });
        }
    };
    swap(&config)?;
    Ok(done)
}

/// Finishes or undoes a rotation that was interrupted: run at start, before the key is read.
pub async fn settle(config: &Config, db: &Db) -> anyhow::Result<()> {
    let pending = beside(config, ".new");
    let Ok(raw) = std::fs::read_to_string(&pending) else { return Ok(()) };
    let taken = match crate::config::decode_key(&raw, "the new key") {
        Ok(new) => {
            crate::db::server_key::check_value(&db.pool).await? == Some(crate::domain::sealed::key_check_value(&new))
        }
        Err(_) => false,
    };
    if taken {
        tracing::warn!("finishing a key rotation that was interrupted after the database took the new key");
        swap(config)
    } else {
        tracing::warn!("dropping the new key of a rotation that never reached the database");
        std::fs::remove_file(&pending).map_err(Into::into)
    }
}

/// The new key becomes the key file; the old one is kept beside it.
fn swap(config: &Config) -> anyhow::Result<()> {
    let (pending, old) = (beside(config, ".new"), beside(config, ".old"));
    if config.key_file.exists() {
        std::fs::rename(&config.key_file, &old)?;
    }
    std::fs::rename(&pending, &config.key_file)?;
    Ok(())
}

/// After a start that succeeded under the current key, the previous one is no longer needed.
pub fn forget_old(config: &Config) {
    let old = beside(config, ".old");
    if old.exists() && std::fs::remove_file(&old).is_ok() {
        tracing::info!(path = %old.display(), "removed the previous server key after a good start");
    }
}
