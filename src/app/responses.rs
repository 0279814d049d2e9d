//! Answering a survey: what a link leads to, and the submission as one transaction that
//! claims the invitation and stores the response, or does nothing.
use super::{App, Error, Result};
use crate::db::Tx;
use crate::db::invitations::{self, LinkTarget};
use crate::db::responses::{self, NewResponse};
use crate::domain::answers::{Answer, Rejected, check_answers};
use crate::domain::survey::Survey;
use crate::domain::{Token, time};
use std::sync::Arc;

pub use crate::db::invitations::InvitationInfo;

/// Where a respondent link leads.
pub enum LinkState {
    /// Unknown or malformed: one answer for both.
    Unknown,
    Answered(InvitationInfo),
    /// The cycle closed or the invitation was revoked.
    Closed(InvitationInfo),
    Live(InvitationInfo),
}

pub async fn resolve(app: &App, raw: &str) -> Result<LinkState> {
    let Some(token) = Token::parse(raw) else { return Ok(LinkState::Unknown) };
    let Some(info) = invitations::info_by_link(&app.db.pool, &token.hash(), time::now()).await? else {
        return Ok(LinkState::Unknown);
    };
    Ok(if info.completed {
        LinkState::Answered(info)
    } else if !info.cycle_open || info.revoked {
        LinkState::Closed(info)
    } else {
        LinkState::Live(info)
    })
}

/// The survey an invitation asks to answer (cached: invited surveys are frozen).
pub async fn survey(app: &App, survey_id: &str) -> Result<Arc<Survey>> {
    app.surveys.get(&app.db.pool, survey_id).await?.ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))
}

/// What became of a submission.
pub enum SubmitOutcome {
    /// Stored, and the invitation completed, atomically.
    Stored,
    /// Nothing was claimed: the link is unknown, answered or closed ([`resolve`] says which).
    NotClaimed,
    /// The answers do not fit the survey; nothing was stored, the link still works.
    Rejected { survey: Arc<Survey>, rejected: Rejected },
}

/// The hot path: the write transaction opens at once and its first statement claims the
/// invitation through the link's hash; answers are checked against the cached survey inside
/// it (no other read), then stored — sealed, when anonymous — in one more round trip.
/// Anything else rolls back.
pub async fn submit(app: &App, token: &Token, fields: &[(String, String)]) -> Result<SubmitOutcome> {
    let (now, today) = (time::now(), time::today());
    let mut tx = app.db.begin().await?;
    let Some(target) = responses::claim(&mut tx, app.db.backend, &token.hash(), now, &today).await? else {
        tx.rollback().await?;
        return Ok(SubmitOutcome::NotClaimed);
    };
    let survey = survey_on(app, &mut tx, &target.survey_id).await?;
    let answers = match check_answers(&survey.questions, fields) {
        Ok(a) => a,
        Err(rejected) => {
            tx.rollback().await?;
            return Ok(SubmitOutcome::Rejected { survey, rejected });
        }
    };
    store(app, &mut tx, &target, &survey, answers, &today).await?;
    tx.commit().await?;
    Ok(SubmitOutcome::Stored)
}

/// Answers an invitation by id with answers already checked: for seeding (the demo).
pub async fn submit_for_invitation(app: &App, invitation_id: i64, answers: Vec<Answer>) -> Result<bool> {
    let (now, today) = (time::now(), time::today());
    let mut tx = app.db.begin().await?;
    let Some(target) = responses::claim_by_id(&mut tx, app.db.backend, invitation_id, now, &today).await? else {
        tx.rollback().await?;
        return Ok(false);
    };
    let survey = survey_on(app, &mut tx, &target.survey_id).await?;
    store(app, &mut tx, &target, &survey, answers, &today).await?;
    tx.commit().await?;
    Ok(true)
}

async fn survey_on(app: &App, tx: &mut Tx, id: &str) -> Result<Arc<Survey>> {
    app.surveys.get_on(tx, id).await?.ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))
}

/// An anonymous answer is sealed until its cycle closes; an attributed one is stored as it is.
async fn store(
    app: &App,
    tx: &mut Tx,
    target: &LinkTarget,
    survey: &Survey,
    answers: Vec<Answer>,
    today: &str,
) -> Result<()> {
    if target.relation.is_anonymous(survey.anonymous) {
        return super::sealing::seal(app, tx, target, answers).await;
    }
    let values = crate::scoring::response_values(&survey.questions, &answers);
    let response = NewResponse {
        values: &values,
        invitation_id: target.id,
        cycle_id: &target.cycle_id,
        survey_id: &target.survey_id,
        subject_id: &target.subject_id,
        relation: target.relation.as_str(),
        anonymous: false,
        answers: &answers,
    };
    responses::store(tx, app.db.backend, &response, today).await?;
    Ok(())
}
