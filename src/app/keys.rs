//! Rotating the server key (CONTRACT §12): every cycle's key is wrapped again under the new
//! key, every sealed answer not under its cycle's key and every draft is opened under the old
//! key and sealed again, and the key check value replaced, in one transaction — so the
//! database is wholly under one key or the other, never half of each.
use super::{Error, Result};
use crate::db::{Db, cycle_keys, server_key};
use crate::domain::cycle_key::KeyWrap;
use crate::domain::draft::DraftSecret;
use crate::domain::sealed::{SealKey, key_check_value, record_size};
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
    let (old_seal, new_seal) = (SealKey::derive(old), SealKey::derive(new));
    let mut tx = db.begin().await?;
    if server_key::check_value_in(&mut tx).await?.is_some_and(|mac| mac != key_check_value(old)) {
        return Err(not_under());
    }
    let own = rewrap_cycle_keys(&mut tx, old, new).await?;
    let mut surveys: HashMap<String, Survey> = HashMap::new();
    let mut done = Rotated::default();
    let mut after = String::new();
    loop {
        let page = server_key::sealed_page_in(&mut tx, &after, 500).await?;
        let Some((last, _, _)) = page.last() else { break };
        after = last.clone();
        for (id, cycle, text) in &page {
            let bytes = STANDARD.decode(text).map_err(|_| not_under())?;
            done.answers += 1;
            // Under its cycle's key, which is now wrapped under the new server key.
            if own.get(cycle).is_some_and(|key| key.open(&bytes, cycle).is_ok()) {
                continue;
            }
            // Sealed before its cycle had a key: sealed again under that key (shredded at
            // close), or the new server key's own for a cycle that has none.
            let record = old_seal.open(&bytes, cycle).map_err(|_| not_under())?;
            let size = record_size(survey(&mut tx, &mut surveys, &record.survey_id).await?);
            let sealed = own.get(cycle).unwrap_or(&new_seal).seal(&record, cycle, size).map_err(Error::internal)?;
            server_key::replace_sealed(&mut tx, id, &STANDARD.encode(sealed)).await?;
        }
    }
    let (old_drafts, new_drafts) = (DraftSecret::derive(old), DraftSecret::derive(new));
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
    server_key::replace(&mut tx, &key_check_value(new), crate::domain::time::now()).await?;
    tx.commit().await?;
    Ok(done)
}

/// Wraps every cycle's key again, under `new`; the keys themselves, by cycle.
async fn rewrap_cycle_keys(tx: &mut crate::db::Tx, old: &[u8; 32], new: &[u8; 32]) -> Result<HashMap<String, SealKey>> {
    let (old_wrap, new_wrap) = (KeyWrap::derive(old), KeyWrap::derive(new));
    let mut keys = HashMap::new();
    for (cycle, wrapped) in cycle_keys::all_in(tx).await? {
        let bytes = STANDARD.decode(&wrapped).map_err(|_| not_under())?;
        let key = old_wrap.unwrap(&cycle, &bytes).ok_or_else(not_under)?;
        let rewrapped = old_wrap.rewrap(&new_wrap, &cycle, &bytes).ok_or_else(not_under)?;
        cycle_keys::replace(tx, &cycle, &STANDARD.encode(rewrapped)).await?;
        keys.insert(cycle, key);
    }
    Ok(keys)
}

async fn survey<'a>(tx: &mut crate::db::Tx, cache: &'a mut HashMap<String, Survey>, id: &str) -> Result<&'a Survey> {
    if !cache.contains_key(id) {
        let s = crate::db::surveys::load_on(tx, id).await?.ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))?;
        cache.insert(id.to_string(), s);
    }
    Ok(&cache[id])
}

fn not_under() -> Error {
    Error::conflict("wrong_old_key", "this database is not sealed under the old key: nothing was changed")
}
