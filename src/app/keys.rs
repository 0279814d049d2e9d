//! Rotating the server key (CONTRACT §12): every open cycle gets a fresh key of its own, wrapped
//! under the new server key, and every sealed answer and draft is opened under the old keys and
//! sealed again, and the key check value replaced, in one transaction — so the database is
//! wholly under one key or the other, never half of each.
use super::{Error, Result};
use crate::db::sealed::Purge;
use crate::db::{Db, cycle_keys, server_key};
use crate::domain::cycle_key::KeyWrap;
use crate::domain::draft::DraftSecret;
use crate::domain::sealed::{SealKey, key_check_value};
use crate::domain::survey::Survey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;

/// What a rotation re-sealed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rotated {
    pub answers: usize,
    pub drafts: usize,
    /// Drafts of an earlier release, keyed by a link's token that is not stored: they cannot
    /// be sealed again, so they are dropped (nothing counts until submitted).
    pub dropped_drafts: usize,
}

/// Re-seals everything under `new`. The database must be under `old`: its key check value is
/// `old`'s, or (a database of an earlier release) it has none and `old` opens every answer.
pub async fn rotate(db: &Db, old: &[u8; 32], new: &[u8; 32]) -> Result<Rotated> {
    let mut tx = db.begin().await?;
    if server_key::check_value_in(&mut tx).await?.is_some_and(|mac| mac != key_check_value(old)) {
        return Err(not_under());
    }
    // First: an instance still running on the old key, sealing now, is waited for (and what it
    // sealed is read below); one sealing later finds the new value and refuses.
    server_key::replace(&mut tx, &key_check_value(new), crate::domain::time::now()).await?;
    // What a close left of cycles now closed is released already, under keys it destroyed.
    crate::db::sealed::delete_released_in(&mut tx).await?;
    let mut done = Rotated { answers: fresh_cycle_keys(&mut tx, old, new).await?, ..Rotated::default() };
    let (old_drafts, new_drafts) = (DraftSecret::derive(old), DraftSecret::derive(new));
    let mut surveys: HashMap<String, Survey> = HashMap::new();
    for (hash, invitation, survey_id, text) in server_key::drafts_in(&mut tx).await? {
        let fields = STANDARD.decode(&text).ok().and_then(|b| old_drafts.open(invitation, &b));
        let size = survey(&mut tx, &mut surveys, &survey_id).await?.max_form_bytes().next_power_of_two();
        match fields.and_then(|f| new_drafts.seal(invitation, &f, size)) {
            Some(sealed) => {
                server_key::replace_draft(&mut tx, &hash, Some(&STANDARD.encode(sealed))).await?;
                done.drafts += 1;
            }
            None => {
                server_key::replace_draft(&mut tx, &hash, None).await?;
                done.dropped_drafts += 1;
            }
        }
    }
    tx.commit().await?;
    // What the old keys sealed leaves the WAL (and PostgreSQL's dead rows) too.
    for what in [Purge::Key, Purge::Records] {
        if !crate::db::sealed::scrub(db, what).await? {
            tracing::warn!("readers kept the WAL from being truncated after the rotation");
        }
    }
    Ok(done)
}

/// Gives every open cycle a fresh key, wrapped under `new`, and seals its answers again under
/// it: someone who kept the old server key and a copy of the database opens none sealed after
/// the rotation. How many answers it sealed again.
async fn fresh_cycle_keys(tx: &mut crate::db::Tx, old: &[u8; 32], new: &[u8; 32]) -> Result<usize> {
    let (old_wrap, new_wrap, old_server) = (KeyWrap::derive(old), KeyWrap::derive(new), SealKey::derive(old));
    let mut answers = 0;
    for (cycle, wrapped) in cycle_keys::open_in(tx).await? {
        let old_key = match wrapped {
            Some(w) => Some(STANDARD.decode(w).ok().and_then(|b| old_wrap.unwrap(&cycle, &b)).ok_or_else(not_under)?),
            None => None,
        };
        let (new_key, new_wrapped) = new_wrap.fresh(&cycle).map_err(Error::internal)?;
        let new_wrapped = STANDARD.encode(new_wrapped);
        match old_key {
            Some(_) => cycle_keys::replace(tx, &cycle, &new_wrapped).await?,
            None => cycle_keys::insert_if_missing(tx, &cycle, &new_wrapped).await?,
        }
        answers +=
            super::cycle_keys::reseal_under(tx, &cycle, &old_server, old_key.as_ref(), &new_key, |_| not_under())
                .await?;
    }
    Ok(answers)
}

pub(super) async fn survey<'a>(
    tx: &mut crate::db::Tx,
    cache: &'a mut HashMap<String, Survey>,
    id: &str,
) -> Result<&'a Survey> {
    if !cache.contains_key(id) {
        let s = crate::db::surveys::load_on(tx, id).await?.ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))?;
        cache.insert(id.to_string(), s);
    }
    Ok(&cache[id])
}

/// The code of a rotation refused because the database is not sealed under the old key.
pub const WRONG_OLD_KEY: &str = "wrong_old_key";

fn not_under() -> Error {
    Error::conflict(WRONG_OLD_KEY, "this database is not sealed under the old key: nothing was changed")
}
