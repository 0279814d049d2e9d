//! Answering a survey: what a link leads to, and the submission as one transaction that
//! claims the invitation and stores the response, or does nothing.
use super::batch::{self, Submission};
use super::telemetry::Submitted;
use super::{App, Error, Result};
use crate::config::WriterMode;
use crate::db::invitations;
use crate::db::responses;
use crate::domain::answers::{Answer, Rejected};
use crate::domain::survey::Survey;
use crate::domain::{Token, time};
use std::sync::Arc;

pub use crate::domain::invitation::InvitationInfo;

/// Where a respondent link leads.
pub enum LinkState {
    /// Unknown or malformed: one answer for both.
    Unknown,
    Answered(InvitationInfo),
    /// The rater declined it ("I can't judge this person").
    Declined(InvitationInfo),
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
    } else if info.declined {
        LinkState::Declined(info)
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

/// Stores a respondent's form if its link is live and the answers fit; claims the invitation
/// and stores the response (sealed, when anonymous) in one transaction, or does nothing. By
/// default through the group-commit writer; `CANDOR_SUBMIT_WRITER=pooled` writes each on its
/// own pooled connection.
#[tracing::instrument(skip_all)]
pub async fn submit(app: &App, token: &Token, fields: Vec<(String, String)>) -> Result<SubmitOutcome> {
    let outcome = write(app, Submission { token_hash: token.hash(), fields }).await;
    app.metrics.submission(match &outcome {
        Ok(SubmitOutcome::Stored) => Submitted::Stored,
        Ok(SubmitOutcome::NotClaimed) => Submitted::NotClaimed,
        Ok(SubmitOutcome::Rejected { .. }) => Submitted::Rejected,
        Err(Error::Busy(_)) => Submitted::Busy,
        Err(Error::StorageFull(_)) => Submitted::StorageFull,
        Err(_) => Submitted::Failed,
    });
    outcome
}

async fn write(app: &App, submission: Submission) -> Result<SubmitOutcome> {
    match app.config.submit_writer.unwrap_or(WriterMode::Batch) {
        WriterMode::Batch => app.writer.submit(app, submission).await,
        // Spawned, so a request that goes away mid-write cannot leave its connection inside
        // the transaction; a connection that failed is closed, not handed back.
        WriterMode::Pooled => {
            let app = app.clone();
            let write = tokio::spawn(async move {
                let mut conn = app.db.pool.acquire().await?;
                Ok(batch::write_pooled(&app, &mut conn, std::slice::from_ref(&submission)).await?.remove(0))
            });
            write.await.map_err(Error::internal)?
        }
    }
}

/// Answers an invitation by id with answers already checked: for seeding (the demo).
pub async fn submit_for_invitation(app: &App, invitation_id: i64, answers: Vec<Answer>) -> Result<bool> {
    let now = time::now();
    let today = app.calendar.day(now);
    let mut tx = app.db.begin().await?;
    let Some(target) = responses::claim_by_id(&mut tx, app.db.backend, invitation_id, now, &today).await? else {
        tx.rollback().await?;
        return Ok(false);
    };
    let survey = app
        .surveys
        .get_on(&mut tx, &target.survey_id)
        .await?
        .ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))?;
    if target.relation.is_anonymous(survey.anonymous) {
        super::sealing::seal(app, &mut tx, &target, &survey, answers).await?;
    } else {
        let values = crate::scoring::response_values(&survey.questions, &answers);
        let row = (batch::new_response(&target, &values, &answers), crate::domain::token::random_id());
        responses::insert_many(&mut tx, &[row], &today).await?;
    }
    tx.commit().await?;
    Ok(true)
}
