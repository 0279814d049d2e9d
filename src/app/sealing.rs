//! Anonymous answers sealed until close (CONTRACT §6, §10). A submission writes only a sealed
//! record, one length for every record of its survey, in the transaction that completes its
//! invitation. A close (`app::closing`) opens them all, writes them as responses — random ids,
//! in the order of those ids, dated the day of release — in short transactions nobody reads
//! until one short transaction marks the cycle closed with each group's distinct raters, then
//! deletes the sealed records. No row, id, order, system column or WAL frame relates to when
//! or by whom an answer was given.
use super::cycle_keys::{self, Opener, SealedUnder};
use super::{App, Error, Result};
use crate::db::invitations::LinkTarget;
use crate::db::responses::{self, NewResponse};
use crate::db::sealed::{self, GroupRaters, Stored};
use crate::db::server_key;
use crate::domain::answers::Answer;
use crate::domain::sealed::{SealError, SealKey, SealedAnswer, SealedParts, record_size};
use crate::domain::survey::Survey;
use crate::domain::token::random_id;
use crate::scoring::{ResponseValue, response_values};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Stores a claimed anonymous invitation's answers as a sealed record, in `tx`.
pub async fn seal(
    app: &App,
    tx: &mut crate::db::Tx,
    target: &LinkTarget,
    survey: &Survey,
    answers: Vec<Answer>,
) -> Result<()> {
    let key = cycle_keys::for_sealing(app, tx, &target.cycle_id).await?;
    sealed::insert(tx, &random_id(), &target.cycle_id, &seal_record(&key, target, survey, answers)?).await?;
    Ok(())
}

/// The sealed record of an answer to `target`, as stored (base64), under `key` (its cycle's,
/// [`cycle_keys::for_sealing`]): two parts of the survey's one size each, with the fingerprint
/// of the address the invitation was sent to (so customers sharing an address count as one
/// rater at close).
pub fn seal_record(key: &SealKey, target: &LinkTarget, survey: &Survey, answers: Vec<Answer>) -> Result<Stored> {
    let who = target.sent_to.as_deref().filter(|a| !a.is_empty()).unwrap_or(&target.respondent_key);
    let record = SealedAnswer {
        survey_id: target.survey_id.clone(),
        subject_id: target.subject_id.clone(),
        relation: target.relation,
        answers,
        rater: Some(crate::domain::sealed::rater(&target.cycle_id, &target.subject_id, target.relation, who)),
    };
    let sealed = key.seal(&record, &target.cycle_id, record_size(survey)).map_err(Error::internal)?;
    Ok(stored(&sealed))
}

/// A sealed record's parts as stored, in base64.
pub fn stored(sealed: &SealedParts) -> Stored {
    Stored { head: STANDARD.encode(&sealed.head), tail: Some(STANDARD.encode(&sealed.tail)) }
}

/// One unsealed answer on its way to the responses table.
struct Released {
    id: String,
    record: SealedAnswer,
    values: Vec<ResponseValue>,
}

/// A cycle's sealed answers, opened by a close: what it releases, in the order of fresh random
/// ids, and the ids of the sealed records they came from.
pub struct Opened {
    released: Vec<Released>,
    pub sealed_ids: Vec<String>,
    /// Records sealed under the server key's own key (before their cycle had one): deleting
    /// the cycle's key does not shred them.
    pub under_server_key: usize,
}

impl Opened {
    pub fn len(&self) -> usize {
        self.released.len()
    }

    pub fn is_empty(&self) -> bool {
        self.released.is_empty()
    }

    /// Distinct raters per group: all the close stores about who answered.
    pub fn raters(&self) -> Vec<GroupRaters> {
        distinct_raters(&self.released)
    }
}

/// Sealed records read per page: a page's ciphertext (4 KiB and more each) is dropped once
/// opened, so a close holds the answers, never the whole cycle's ciphertext.
const PAGE: i64 = 2_000;

/// Opens every sealed record of `cycle`, a page at a time and outside any write transaction
/// (submissions to the cycle were stopped by the close's claim, so the set is final). The run
/// beats after each page; one that was taken over stops.
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn open_cycle(app: &App, cycle: &str, run: &str) -> Result<Opened> {
    let mut surveys: HashMap<String, std::sync::Arc<Survey>> = HashMap::new();
    let (mut released, mut sealed_ids): (Vec<Released>, Vec<String>) = (Vec::new(), Vec::new());
    let opener = std::sync::Arc::new(cycle_keys::opener(app, cycle).await?);
    let mut under_server_key = 0;
    loop {
        let after = sealed_ids.last().cloned().unwrap_or_default();
        let page = sealed::page(&app.db, cycle, &after, PAGE).await?;
        if page.is_empty() {
            break;
        }
        let (ids, heads): (Vec<String>, Vec<String>) = page.into_iter().unzip();
        let opened = open_page(app, &opener, cycle, &ids, heads).await?;
        sealed_ids.extend(ids);
        for (record, under) in opened {
            under_server_key += usize::from(under == SealedUnder::Server);
            if !surveys.contains_key(&record.survey_id) {
                let survey = app.surveys.get(&app.db.pool, &record.survey_id).await?;
                surveys
                    .insert(record.survey_id.clone(), survey.ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))?);
            }
            let values = response_values(&surveys[&record.survey_id].questions, &record.answers);
            released.push(Released { id: random_id(), record, values });
        }
        super::runs::still_running(crate::db::runs::beat_now(&app.db, cycle, run, 0).await?)?;
    }
    // The order of fresh random ids: independent of when, and by whom, each was given, and of
    // the sealed records' ids, so no transaction's share of the rows tells anything either.
    released.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Opened { released, sealed_ids, under_server_key })
}

/// Responses released per transaction: each holds the write lock for a few milliseconds.
const ROWS_PER_TX: usize = 500;

/// Writes the opened answers as responses of `run`, in short transactions: until the cycle is
/// marked closed nobody reads them (`db::scores`, `db::dashboard`), and if the run dies they
/// are deleted (`db::runs::clear_released`).
#[tracing::instrument(skip_all, fields(cycle = %cycle, n = opened.len()))]
pub async fn stage(app: &App, cycle: &str, run: &str, opened: &Opened, day: &str) -> Result<()> {
    let mut writer = crate::db::bulk::writer(&app.db, &crate::db::bulk::WRITING).await?;
    for chunk in opened.released.chunks(ROWS_PER_TX) {
        let relations: Vec<&'static str> = chunk.iter().map(|r| r.record.relation.as_str()).collect();
        let rows: Vec<(NewResponse, String)> = chunk
            .iter()
            .zip(&relations)
            .map(|(r, relation)| {
                let response = NewResponse {
                    values: &r.values,
                    invitation_id: 0,
                    cycle_id: cycle,
                    survey_id: &r.record.survey_id,
                    subject_id: &r.record.subject_id,
                    relation,
                    anonymous: true,
                    answers: &r.record.answers,
                    release_run: Some(run),
                };
                (response, r.id.clone())
            })
            .collect();
        let _turn = app.write_turn().await;
        let mut tx = writer.begin().await?;
        super::runs::still_running(crate::db::runs::beat(&mut tx, cycle, run, chunk.len() as i64).await?)?;
        responses::insert_many(&mut tx, &rows, day).await?;
        tx.commit().await?;
    }
    writer.finish().await;
    Ok(())
}

type Opening = std::result::Result<(SealedAnswer, SealedUnder), SealError>;

/// Opens a page of records from their heads, then those whose answers are in their tails from
/// both parts (the page's tails read by the page's range of keys). One record this key cannot
/// open stops the whole close: nothing is released half-way.
async fn open_page(
    app: &App,
    opener: &Arc<Opener>,
    cycle: &str,
    ids: &[String],
    heads: Vec<String>,
) -> Result<Vec<(SealedAnswer, SealedUnder)>> {
    let (mut opened, parts) = open_all(opener, heads.into_iter().map(|head| (head, None)).collect()).await?;
    let in_tail: Vec<usize> = (0..opened.len()).filter(|&i| matches!(opened[i], Err(SealError::InTail))).collect();
    if !in_tail.is_empty() {
        // The page's whole range of tails: the request says nothing of which records need one.
        let keys: Vec<i64> = ids.iter().map(|id| sealed::tail_id(id)).collect();
        let (from, to) = (keys.iter().min().copied().unwrap_or(0), keys.iter().max().copied().unwrap_or(0));
        let mut tails: HashMap<i64, String> = sealed::tails_between(&app.db, from, to).await?.into_iter().collect();
        let both = in_tail.iter().map(|&i| (parts[i].0.clone(), tails.remove(&keys[i]))).collect();
        let (again, _) = open_all(opener, both).await?;
        for (i, o) in in_tail.into_iter().zip(again) {
            opened[i] = o;
        }
    }
    opened
        .into_iter()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| cycle_keys::not_opened(cycle, &e, cycle_keys::unsealable))
}

/// Opens every record (head, tail), on blocking threads, a share per core: decryption is a
/// close's CPU work, and the async threads keep serving requests meanwhile. Gives the parts
/// back with what each opened to.
async fn open_all(
    opener: &Arc<Opener>,
    parts: Vec<(String, Option<String>)>,
) -> Result<(Vec<Opening>, Vec<(String, Option<String>)>)> {
    let opener = opener.clone();
    let (opened, parts) = tokio::task::spawn_blocking(move || {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let share = parts.len().div_ceil(threads).max(1);
        let opened = std::thread::scope(|s| {
            let workers: Vec<_> = parts
                .chunks(share)
                .map(|chunk| s.spawn(|| chunk.iter().map(|(head, tail)| opener.open(head, tail.as_deref())).collect()))
                .collect();
            workers.into_iter().map(|w| w.join().ok()).collect::<Option<Vec<Vec<Opening>>>>()
        });
        (opened, parts)
    })
    .await
    .map_err(Error::internal)?;
    let opened =
        opened.ok_or_else(|| Error::internal(std::io::Error::other("a thread opening sealed answers panicked")))?;
    Ok((opened.into_iter().flatten().collect(), parts))
}

/// Distinct raters per (subject, relation, indicator), and per (subject, relation) under the
/// indicator `""`: records with one rater fingerprint (invitations sent to one address) count
/// once; a record of the previous release, without one, counts as a rater of its own. Only
/// counts leave this function.
fn distinct_raters(released: &[Released]) -> Vec<GroupRaters> {
    let mut raters: BTreeMap<(&str, &str, &str), BTreeSet<[u8; 32]>> = BTreeMap::new();
    for (i, r) in released.iter().enumerate() {
        let (subject, relation) = (r.record.subject_id.as_str(), r.record.relation.as_str());
        let who = r.record.rater.unwrap_or_else(|| legacy_rater(i));
        raters.entry((subject, relation, "")).or_default().insert(who);
        for v in &r.values {
            raters.entry((subject, relation, v.indicator.as_str())).or_default().insert(who);
        }
    }
    raters
        .into_iter()
        .map(|((subject, relation, indicator), raters)| GroupRaters {
            subject_id: subject.to_string(),
            relation: relation.to_string(),
            indicator: indicator.to_string(),
            raters: raters.len() as i64,
        })
        .collect()
}

/// A fingerprint no real rater has, distinct for each legacy record.
fn legacy_rater(i: usize) -> [u8; 32] {
    let mut who = [0xff; 32];
    who[..8].copy_from_slice(&(i as u64).to_be_bytes());
    who
}

/// Whether this database was ever sealed under a key, or holds anything sealed: then a lost
/// key must be restored, never replaced.
pub async fn holds_sealed(db: &crate::db::Db) -> Result<bool> {
    Ok(server_key::check_value(&db.pool).await?.is_some() || server_key::anything_sealed(&db.pool).await?)
}

/// Whether this database has no key check value yet (a database of an earlier release).
pub async fn server_key_check_absent(app: &App) -> Result<bool> {
    Ok(server_key::check_value(&app.db.pool).await?.is_none())
}

/// Whether the configured key opens every sealed answer, without adopting it.
pub async fn adopt_key_dry(app: &App) -> Result<bool> {
    opens_every_record(app).await
}

/// Whether the configured key is this database's (CONTRACT §10). A database that has no key
/// check value yet (new, or made by the previous release) adopts the key, once it has checked
/// that the key opens every record already sealed; of two instances starting at once with
/// different keys, the first to store its value wins and the other is refused.
pub async fn adopt_key(app: &App) -> Result<bool> {
    let pool = &app.db.pool;
    if let Some(stored) = server_key::check_value(pool).await? {
        return Ok(stored == *app.key_check);
    }
    if !opens_every_record(app).await? {
        return Ok(false);
    }
    Ok(server_key::adopt(pool, &app.key_check, crate::domain::time::now()).await? == *app.key_check)
}

async fn opens_every_record(app: &App) -> Result<bool> {
    let wrapped: HashMap<String, String> = crate::db::cycle_keys::all(&app.db.pool).await?.into_iter().collect();
    let mut openers: HashMap<String, Opener> = HashMap::new();
    for (cycle, key) in &wrapped {
        match cycle_keys::opener_for(app, cycle, Some(key)) {
            Ok(opener) => openers.insert(cycle.clone(), opener),
            Err(_) => return Ok(false),
        };
    }
    let mut after = String::new();
    loop {
        let page = server_key::sealed_page(&app.db.pool, &after, 500).await?;
        for (_, cycle, stored) in &page {
            if !openers.contains_key(cycle) {
                openers.insert(cycle.clone(), cycle_keys::opener_for(app, cycle, None)?);
            }
            if openers[cycle].open(&stored.head, stored.tail.as_deref()).is_err() {
                return Ok(false);
            }
        }
        match page.last() {
            Some((id, _, _)) => after = id.clone(),
            None => return Ok(true),
        }
    }
}
