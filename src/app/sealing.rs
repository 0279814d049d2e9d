//! Anonymous answers sealed until close (CONTRACT §6). A submission writes only a sealed record
//! in the transaction that completes its invitation; the one transaction that closes the cycle
//! unseals them all into responses — random ids, in the order of those ids, dated the day of
//! release — counts each group's distinct raters, and deletes the sealed records. No row, id,
//! order, system column or WAL frame of that transaction relates to when or by whom an answer
//! was given.
use super::{App, Error, Result};
use crate::db::Tx;
use crate::db::invitations::LinkTarget;
use crate::db::responses::{self, NewResponse};
use crate::db::sealed::{self, GroupRaters};
use crate::domain::answers::Answer;
use crate::domain::sealed::SealedAnswer;
use crate::domain::token::random_id;
use crate::scoring::{ResponseValue, response_values};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::BTreeMap;

/// Stores a claimed anonymous invitation's answers as a sealed record, in `tx`.
pub async fn seal(app: &App, tx: &mut Tx, target: &LinkTarget, answers: Vec<Answer>) -> Result<()> {
    let record = SealedAnswer {
        survey_id: target.survey_id.clone(),
        subject_id: target.subject_id.clone(),
        relation: target.relation,
        answers,
    };
    sealed::insert(tx, &random_id(), &target.cycle_id, &seal_record(app, &record, &target.cycle_id)?).await?;
    Ok(())
}

/// One record sealed for `cycle`, as stored (base64).
pub fn seal_record(app: &App, record: &SealedAnswer, cycle: &str) -> Result<String> {
    Ok(STANDARD.encode(app.seal.seal(record, cycle).map_err(Error::internal)?))
}

/// One unsealed answer on its way to the responses table.
struct Released {
    id: String,
    record: SealedAnswer,
    values: Vec<ResponseValue>,
}

/// Unseals every sealed record of `cycle` into responses, inside the closing transaction.
/// Returns how many were released.
pub async fn release(app: &App, tx: &mut Tx, cycle: &str, day: &str) -> Result<usize> {
    let mut released = Vec::new();
    let records = sealed::for_cycle(tx, cycle).await?;
    let ids: Vec<String> = records.iter().map(|(id, _)| id.clone()).collect();
    for (_, text) in records {
        let bytes = STANDARD.decode(text).map_err(Error::internal)?;
        let record = app.seal.open(&bytes, cycle).map_err(Error::internal)?;
        let survey = app
            .surveys
            .get_on(tx, &record.survey_id)
            .await?
            .ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))?;
        let values = response_values(&survey.questions, &record.answers);
        released.push(Released { id: random_id(), record, values });
    }
    // The order of fresh random ids: independent of when, and by whom, each was given.
    released.sort_by(|a, b| a.id.cmp(&b.id));
    let relations: Vec<&'static str> = released.iter().map(|r| r.record.relation.as_str()).collect();
    let rows: Vec<(NewResponse, String)> = released
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
            };
            (response, r.id.clone())
        })
        .collect();
    responses::insert_many(tx, &rows, day).await?;
    sealed::insert_raters(tx, cycle, &distinct_raters(&released)).await?;
    sealed::delete(tx, &ids).await?;
    Ok(released.len())
}

/// Raters per (subject, relation, indicator), and per (subject, relation) under the indicator
/// `""`. One anonymous survey per subject and relation, and one invitation per rater of it,
/// make each record a distinct rater; only counts leave this function.
fn distinct_raters(released: &[Released]) -> Vec<GroupRaters> {
    let mut raters: BTreeMap<(&str, &str, &str), i64> = BTreeMap::new();
    for r in released {
        let (subject, relation) = (r.record.subject_id.as_str(), r.record.relation.as_str());
        *raters.entry((subject, relation, "")).or_default() += 1;
        for v in &r.values {
            *raters.entry((subject, relation, v.indicator.as_str())).or_default() += 1;
        }
    }
    raters
        .into_iter()
        .map(|((subject, relation, indicator), raters)| GroupRaters {
            subject_id: subject.to_string(),
            relation: relation.to_string(),
            indicator: indicator.to_string(),
            raters,
        })
        .collect()
}

/// Whether the configured key opens the sealed records there are (a wrong key would lose them).
pub async fn key_opens_sealed(app: &App) -> Result<bool> {
    let Some((cycle, text)) = sealed::any(&app.db.pool).await? else { return Ok(true) };
    let Ok(bytes) = STANDARD.decode(text) else { return Ok(false) };
    Ok(app.seal.open(&bytes, &cycle).is_ok())
}
