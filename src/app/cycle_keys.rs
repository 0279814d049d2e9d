//! The keys anonymous answers are sealed under (CONTRACT §6): each cycle's own, created with the
//! cycle and deleted by the transaction that closes it (crypto-shredding, `domain::cycle_key`);
//! and the server key's own sealing key, which opens the records sealed before cycles had keys.
use super::{App, Error, Result};
use crate::db::{Tx, cycle_keys};
use crate::domain::cycle_key::KeyWrap;
use crate::domain::sealed::{SealKey, SealedAnswer};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What this instance seals and opens with.
pub struct Keys {
    wrap: KeyWrap,
    /// Records sealed before cycles had keys, and any sealed for a cycle still without one.
    legacy: Arc<SealKey>,
    /// Keys of cycles this instance sealed for, unwrapped from committed rows: a cycle's key
    /// never changes while it is open, and nothing is sealed for it once it is closed.
    cache: Mutex<HashMap<String, Arc<SealKey>>>,
}

impl Keys {
    pub fn derive(server_key: &[u8; 32]) -> Keys {
        Keys {
            wrap: KeyWrap::derive(server_key),
            legacy: Arc::new(SealKey::derive(server_key)),
            cache: Mutex::default(),
        }
    }

    fn cached(&self, cycle: &str) -> Option<Arc<SealKey>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(cycle).cloned()
    }

    fn remember(&self, cycle: &str, key: Arc<SealKey>) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(cycle.to_string(), key);
    }

    /// A closed cycle's key is gone from the database; it goes from memory too.
    pub fn forget(&self, cycle: &str) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).remove(cycle);
    }
}

/// Gives `cycle` a key, in the transaction that creates or saves it, unless it has one or is closed.
pub async fn ensure(app: &App, tx: &mut Tx, cycle: &str) -> Result<()> {
    if cycle_keys::get(&mut **tx, cycle).await?.is_none() {
        let (_, wrapped) = app.keys.wrap.fresh(cycle);
        cycle_keys::insert_if_missing(tx, cycle, &STANDARD.encode(wrapped)).await?;
    }
    Ok(())
}

/// Gives every open cycle made by an earlier release a key (at start): what is answered from
/// now on is sealed under it.
pub async fn ensure_open(app: &App) -> Result<()> {
    for cycle in cycle_keys::open_without(&app.db.pool).await? {
        let mut tx = app.db.begin().await?;
        ensure(app, &mut tx, &cycle).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The key an answer to `cycle` is sealed with, read on `conn` (the submission's own
/// transaction, which holds SQLite's write lock): the cycle's, or for a cycle an earlier
/// release made and no start has given a key yet, the server key's own.
pub async fn for_sealing(app: &App, conn: &mut sqlx::AnyConnection, cycle: &str) -> Result<Arc<SealKey>> {
    if let Some(key) = app.keys.cached(cycle) {
        return Ok(key);
    }
    match cycle_keys::get(&mut *conn, cycle).await? {
        Some(wrapped) => {
            let key = Arc::new(unwrap(&app.keys.wrap, cycle, &wrapped)?);
            app.keys.remember(cycle, key.clone());
            Ok(key)
        }
        None => Ok(app.keys.legacy.clone()),
    }
}

fn unwrap(wrap: &KeyWrap, cycle: &str, wrapped: &str) -> Result<SealKey> {
    STANDARD.decode(wrapped).ok().and_then(|bytes| wrap.unwrap(cycle, &bytes)).ok_or_else(|| unsealable(cycle))
}

pub(super) fn unsealable(cycle: &str) -> Error {
    Error::conflict(
        "unsealable",
        format!(
            "a sealed answer of cycle {cycle:?} cannot be opened with this server key; nothing was released \
             (start Candor with the key the answers were sealed under)"
        ),
    )
}

/// Opens the sealed records of one cycle.
pub struct Opener {
    cycle: String,
    own: Option<SealKey>,
    legacy: Arc<SealKey>,
}

impl Opener {
    /// The record, and whether it was sealed under the server key's own key (before its cycle
    /// had one): such a record is not shredded by the close, and is deleted with its pages zeroed.
    pub fn open(&self, text: &str) -> Option<(SealedAnswer, bool)> {
        let bytes = STANDARD.decode(text).ok()?;
        if let Some(record) = self.own.as_ref().and_then(|key| key.open(&bytes, &self.cycle).ok()) {
            return Some((record, false));
        }
        self.legacy.open(&bytes, &self.cycle).ok().map(|record| (record, true))
    }
}

/// The opener of `cycle`'s records; `unsealable` when its key is not under this server key.
pub async fn opener(app: &App, cycle: &str) -> Result<Opener> {
    let wrapped = cycle_keys::get(&app.db.pool, cycle).await?;
    opener_for(app, cycle, wrapped.as_deref())
}

pub(super) fn opener_for(app: &App, cycle: &str, wrapped: Option<&str>) -> Result<Opener> {
    let own = wrapped.map(|w| unwrap(&app.keys.wrap, cycle, w)).transpose()?;
    Ok(Opener { cycle: cycle.to_string(), own, legacy: app.keys.legacy.clone() })
}
