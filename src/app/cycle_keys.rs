//! The keys anonymous answers are sealed under (CONTRACT §6): each cycle's own, created with the
//! cycle and deleted by the transaction that closes it (crypto-shredding, `domain::cycle_key`);
//! and the server key's own sealing key, which opens the records sealed before cycles had keys.
use super::{App, Error, Result};
use crate::db::{Tx, cycle_keys};
use crate::domain::cycle_key::KeyWrap;
use crate::domain::sealed::{SealError, SealKey, SealedAnswer, record_size};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What this instance seals and opens with.
pub struct Keys {
    wrap: KeyWrap,
    /// The server key's own sealing key: records sealed before cycles had keys, and any sealed
    /// for a cycle still without one.
    server: Arc<SealKey>,
    /// Keys of cycles this instance sealed for, unwrapped from committed rows: a cycle's key
    /// never changes while it is open but by a rotation, which also changes the server key's
    /// check value that every sealing transaction reads first ([`this_server_key`]); nothing
    /// is sealed for a cycle once it is closed. The worker drops closed ones.
    cache: Mutex<HashMap<String, Arc<SealKey>>>,
    /// A close deleted a key (or records) whose copies the WAL may still hold: readers kept it
    /// from being truncated.
    unscrubbed: std::sync::atomic::AtomicBool,
}

impl Keys {
    pub fn derive(server_key: &[u8; 32]) -> Keys {
        Keys {
            wrap: KeyWrap::derive(server_key),
            server: Arc::new(SealKey::derive(server_key)),
            cache: Mutex::default(),
            unscrubbed: Default::default(),
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

/// Gives `cycle` a key, in the transaction that creates or saves it, unless it has one or is
/// closed; the key it holds from then on.
pub async fn ensure(app: &App, tx: &mut Tx, cycle: &str) -> Result<Option<SealKey>> {
    this_server_key(app, tx).await?;
    // On PostgreSQL a close of the cycle committing meanwhile is waited for, then seen.
    crate::db::lock_rows(tx, app.db.backend, "cycles", &[cycle], crate::db::RowLock::Share).await?;
    // A fresh key costs microseconds; the insert keeps the one the cycle has, if any.
    let (_, fresh) = app.keys.wrap.fresh(cycle).map_err(Error::internal)?;
    cycle_keys::insert_if_missing(tx, cycle, &STANDARD.encode(fresh)).await?;
    let wrapped = cycle_keys::get(&mut **tx, cycle).await?;
    wrapped.map(|w| unwrap_key(&app.keys.wrap, cycle, &w)).transpose()
}

/// Gives every open cycle made by an earlier release a key (at start), and seals its answers
/// again under it, in one transaction per cycle: from then on only leftovers of a close sealed
/// under the server key's own key remain, so no close that frees pages without zeroing them can
/// leave a copy of a record that key would open.
/// One cycle whose records cannot all be sealed again is logged and left as it is (its close
/// says `unsealable`); it holds up no other, nor the start.
pub async fn ensure_open(app: &App) -> Result<()> {
    let mut moved_any = false;
    for cycle in cycle_keys::open_without(&app.db.pool).await? {
        match give_key(app, &cycle).await {
            Ok(moved) => {
                moved_any |= moved > 0;
                tracing::info!(cycle = %cycle, answers = moved, "an open cycle of an earlier release has its own key now");
            }
            Err(e) => tracing::error!(cycle = %cycle, error = %e.chain(), "could not give an open cycle its own key"),
        }
    }
    if moved_any {
        // The answers' copies under the server key's own key leave the WAL too.
        leave_no_copy(app, crate::db::sealed::Purge::Records).await;
    }
    Ok(())
}

async fn give_key(app: &App, cycle: &str) -> Result<usize> {
    let mut tx = app.db.begin().await?;
    let moved = match ensure(app, &mut tx, cycle).await? {
        Some(key) => reseal_under(&mut tx, cycle, &app.keys.server, None, &key, unsealable).await?,
        None => 0,
    };
    tx.commit().await?;
    Ok(moved)
}

/// Leaves no copy of what was just deleted or overwritten where a later copy of the database
/// could find it (`db::sealed::scrub`). When readers keep it from completing, the worker tries
/// again on its next round.
pub(super) async fn leave_no_copy(app: &App, what: crate::db::sealed::Purge) {
    let done = match crate::db::sealed::scrub(&app.db, what).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!("readers kept the WAL from being truncated; the worker tries again");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not truncate the WAL yet; the worker tries again");
            false
        }
    };
    app.keys.unscrubbed.store(!done, std::sync::atomic::Ordering::Relaxed);
}

/// The worker's round: drops from memory the keys of cycles closed since (by any instance), and
/// truncates the WAL if a close could not.
pub async fn tidy(app: &App) -> Result<()> {
    if app.keys.unscrubbed.load(std::sync::atomic::Ordering::Relaxed) {
        leave_no_copy(app, crate::db::sealed::Purge::Key).await;
        leave_no_copy(app, crate::db::sealed::Purge::Records).await;
    }
    if app.keys.cache.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
        return Ok(());
    }
    let open: std::collections::HashSet<String> = cycle_keys::cycles(&app.db.pool).await?.into_iter().collect();
    app.keys.cache.lock().unwrap_or_else(|e| e.into_inner()).retain(|cycle, _| open.contains(cycle));
    Ok(())
}

/// Seals records of `cycle` again under `new`: those `old_server` opens (sealed before the
/// cycle had a key), and those `old_cycle` opens (a rotation's old key); records `new` opens
/// already stay. `wrong_key` for any other: what a key that opens nothing means to the caller
/// (a start, a rotation); a record whose tail is gone says so. How many it sealed again.
pub(super) async fn reseal_under(
    tx: &mut Tx,
    cycle: &str,
    old_server: &SealKey,
    old_cycle: Option<&SealKey>,
    new: &SealKey,
    wrong_key: fn(&str) -> Error,
) -> Result<usize> {
    let mut surveys = HashMap::new();
    let (mut after, mut moved) = (String::new(), 0);
    loop {
        let page = crate::db::sealed::page_in(tx, cycle, &after, 500).await?;
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (id, stored) in &page {
            let decode = |text: &str| STANDARD.decode(text).map_err(|_| wrong_key(cycle));
            let (head, tail) = (decode(&stored.head)?, stored.tail.as_deref().map(decode).transpose()?);
            let open = |key: &SealKey| key.open_parts(&head, tail.as_deref(), cycle);
            // A key that opens the head but finds no tail is the right key: the tail is gone.
            let mut opened = Err(SealError::WrongKey);
            for key in old_cycle.into_iter().chain([old_server]) {
                opened = open(key);
                if matches!(opened, Ok(_) | Err(SealError::InTail)) {
                    break;
                }
            }
            let record = match opened {
                Ok(record) => record,
                Err(_) if open(new).is_ok() => continue,
                Err(e) => return Err(not_opened(cycle, &e, wrong_key)),
            };
            let size = record_size(super::keys::survey(tx, &mut surveys, &record.survey_id).await?);
            let sealed = new.seal(&record, cycle, size).map_err(Error::internal)?;
            crate::db::sealed::replace(tx, id, &crate::app::sealing::stored(&sealed)).await?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// The key an answer to `cycle` is sealed with, read on `conn` (the submission's own
/// transaction, which holds SQLite's write lock): the cycle's, or for a cycle an earlier
/// release made and no start has given a key yet, the server key's own. Refused (409
/// `server_key_changed`) once a rotation replaced this instance's server key.
pub async fn for_sealing(app: &App, conn: &mut sqlx::AnyConnection, cycle: &str) -> Result<Arc<SealKey>> {
    this_server_key(app, conn).await?;
    if let Some(key) = app.keys.cached(cycle) {
        return Ok(key);
    }
    match cycle_keys::get(&mut *conn, cycle).await? {
        Some(wrapped) => {
            let key = Arc::new(unwrap_key(&app.keys.wrap, cycle, &wrapped)?);
            app.keys.remember(cycle, key.clone());
            Ok(key)
        }
        None => {
            tracing::warn!(cycle = %cycle, "a cycle without a key of its own: answer sealed under the server key's");
            Ok(app.keys.server.clone())
        }
    }
}

/// Checks, inside a transaction that is about to seal or wrap under this instance's keys,
/// that the database is still under its server key. An instance left running through a
/// rotation (the README says to stop them all) would otherwise seal answers, or wrap a new
/// cycle's key, under a key that opens nothing after its restart. The check value is the
/// first row a rotation changes: on SQLite the two transactions take turns at the write lock;
/// on PostgreSQL the row is locked here (`FOR KEY SHARE`) until this transaction ends, so a
/// rotation waits for it and then re-seals what it wrote, or it waits for the rotation and
/// sees the new value. A database of an earlier release, which has no check value until a
/// start adopts the key, passes.
pub(super) async fn this_server_key(app: &App, conn: &mut sqlx::AnyConnection) -> Result<()> {
    match crate::db::server_key::check_value_for_sealing(conn).await? {
        Some(stored) if *stored != *app.key_check => {
            tracing::error!(
                "the database is under another server key: a rotation ran while this instance served; restart it with the new key"
            );
            Err(Error::conflict(
                "server_key_changed",
                "the server key was changed while this server ran: nothing was stored; restart it with the new key",
            ))
        }
        _ => Ok(()),
    }
}

fn unwrap_key(wrap: &KeyWrap, cycle: &str, wrapped: &str) -> Result<SealKey> {
    STANDARD.decode(wrapped).ok().and_then(|bytes| wrap.unwrap(cycle, &bytes)).ok_or_else(|| unsealable(cycle))
}

/// Why a record did not open: `wrong_key` (what that means to the caller), or, for a record
/// whose answer is in a tail no longer stored (the database changed outside Candor, or
/// restored in part), no question of keys: still `unsealable` (CONTRACT §10), saying so.
pub(super) fn not_opened(cycle: &str, e: &SealError, wrong_key: fn(&str) -> Error) -> Error {
    match e {
        SealError::InTail => Error::conflict(
            "unsealable",
            format!(
                "a sealed answer of cycle {cycle:?} is missing its second part (table sealed_tails); nothing was \
                 released (restore the database whole, from one backup)"
            ),
        ),
        _ => wrong_key(cycle),
    }
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

/// Which key a sealed record opened under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedUnder {
    /// Its cycle's: shredded when the cycle closes.
    Cycle,
    /// The server key's own (sealed before its cycle had a key): not shredded by the close, and
    /// deleted with its pages zeroed.
    Server,
}

/// Opens the sealed records of one cycle.
pub struct Opener {
    cycle: String,
    cycle_key: Option<SealKey>,
    server: Arc<SealKey>,
}

impl Opener {
    /// Opens a record (base64 as stored) from its head, or from both parts when its answer is
    /// in its tail and `tail` is given; [`SealError::InTail`] when it is not given.
    pub fn open(&self, head: &str, tail: Option<&str>) -> std::result::Result<(SealedAnswer, SealedUnder), SealError> {
        let head = STANDARD.decode(head).map_err(|_| SealError::Malformed)?;
        let tail = tail.map(|t| STANDARD.decode(t)).transpose().map_err(|_| SealError::Malformed)?;
        if let Some(key) = &self.cycle_key {
            match key.open_parts(&head, tail.as_deref(), &self.cycle) {
                Err(SealError::WrongKey) => {}
                opened => return opened.map(|record| (record, SealedUnder::Cycle)),
            }
        }
        self.server.open_parts(&head, tail.as_deref(), &self.cycle).map(|record| (record, SealedUnder::Server))
    }
}

/// The opener of `cycle`'s records; `unsealable` when its key is not under this server key.
pub async fn opener(app: &App, cycle: &str) -> Result<Opener> {
    let wrapped = cycle_keys::get(&app.db.pool, cycle).await?;
    opener_for(app, cycle, wrapped.as_deref())
}

pub(super) fn opener_for(app: &App, cycle: &str, wrapped: Option<&str>) -> Result<Opener> {
    let cycle_key = wrapped.map(|w| unwrap_key(&app.keys.wrap, cycle, w)).transpose()?;
    Ok(Opener { cycle: cycle.to_string(), cycle_key, server: app.keys.server.clone() })
}
