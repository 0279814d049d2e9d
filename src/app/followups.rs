//! Customer follow-up (CONTRACT §9): the attributed customer answers that call for a phone call
//! (satisfaction in the bottom two points of its scale, or NPS 0–6), marked followed up once
//! someone has called; and answers a customer gives on the phone, entered by a colleague for
//! an open invitation. Managers see their own people's customers, admins everyone's.
use super::batch::new_response;
use super::{App, Error, Result};
use crate::db::followups as db;
use crate::db::responses;
use crate::db::sessions::Viewer;
use crate::domain::answers::{Rejected, check_answers};
use crate::domain::orgchart::below;
use crate::domain::survey::{Question, QuestionType, Survey};
use crate::domain::time;
use std::collections::HashSet;
use std::sync::Arc;

/// How many of the latest customer answers the follow-up list looks at.
const RECENT: i64 = 5_000;

/// One attributed customer response.
#[derive(Debug, Clone)]
pub struct CustomerAnswer {
    pub response_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub survey_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: Option<String>,
    pub submitted_on: String,
    pub source: String,
    /// (who, when, note) once followed up.
    pub followed: Option<(String, i64, Option<String>)>,
    /// (question, value, text).
    pub answers: Vec<(String, Option<i64>, Option<String>)>,
}

impl From<db::CustomerAnswer> for CustomerAnswer {
    fn from(a: db::CustomerAnswer) -> CustomerAnswer {
        CustomerAnswer {
            response_id: a.response_id,
            cycle_title: a.cycle_title,
            cycle_title_i18n: a.cycle_title_i18n,
            survey_id: a.survey_id,
            subject_id: a.subject_id,
            subject_name: a.subject_name,
            customer_name: a.customer_name,
            customer_email: a.customer_email,
            customer_phone: a.customer_phone,
            submitted_on: a.submitted_on,
            source: a.source,
            followed: a.followed,
            answers: a.answers,
        }
    }
}

/// An open customer invitation of an attributed survey, not answered yet.
#[derive(Debug, Clone)]
pub struct OpenCustomer {
    pub invitation_id: i64,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub survey_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: Option<String>,
}

impl From<db::OpenCustomer> for OpenCustomer {
    fn from(o: db::OpenCustomer) -> OpenCustomer {
        OpenCustomer {
            invitation_id: o.invitation_id,
            cycle_title: o.cycle_title,
            cycle_title_i18n: o.cycle_title_i18n,
            survey_id: o.survey_id,
            subject_id: o.subject_id,
            subject_name: o.subject_name,
            customer_name: o.customer_name,
            customer_email: o.customer_email,
            customer_phone: o.customer_phone,
        }
    }
}

/// An answer that calls for a follow-up, with what made it one.
pub struct Unhappy {
    pub answer: CustomerAnswer,
    /// (question id, the answer given) of each low answer.
    pub low: Vec<(String, i64)>,
    /// The customer's written comments.
    pub comments: Vec<String>,
    pub survey: Arc<Survey>,
}

/// Whose customers a viewer follows up: everyone's for an admin, their people's for a manager.
async fn scope(app: &App, viewer: &Viewer) -> Result<Option<HashSet<String>>> {
    if viewer.is_admin {
        return Ok(None);
    }
    Ok(Some(below(&viewer.person_id, &super::access::org_chart(app).await?)))
}

fn in_scope(scope: &Option<HashSet<String>>, subject: &str) -> bool {
    scope.as_ref().is_none_or(|s| s.contains(subject))
}

/// The satisfaction questions of a survey: those feeding `customer_satisfaction`, or, when
/// none does, every scale question.
fn satisfaction(survey: &Survey) -> Vec<&Question> {
    let scales: Vec<&Question> = survey.questions.iter().filter(|q| q.kind == QuestionType::Scale).collect();
    let named: Vec<&Question> =
        scales.iter().copied().filter(|q| q.indicator.as_deref() == Some("customer_satisfaction")).collect();
    if named.is_empty() { scales } else { named }
}

/// Low answers: a satisfaction answer in the bottom two points of its scale, or NPS 0–6.
fn low_answers(survey: &Survey, answers: &[(String, Option<i64>, Option<String>)]) -> Vec<(String, i64)> {
    let sat: Vec<&Question> = satisfaction(survey);
    answers
        .iter()
        .filter_map(|(qid, value, _)| {
            let v = (*value)?;
            let q = survey.questions.iter().find(|q| &q.id == qid)?;
            let low = match q.kind {
                QuestionType::Nps => v <= 6,
                QuestionType::Scale => sat.iter().any(|s| s.id == q.id) && v <= q.min.unwrap_or(1) + 1,
                _ => false,
            };
            low.then(|| (qid.clone(), v))
        })
        .collect()
}

/// The customer answers a viewer should follow up, newest first, followed-up ones included.
pub async fn unhappy(app: &App, viewer: &Viewer) -> Result<Vec<Unhappy>> {
    let scope = scope(app, viewer).await?;
    let mut out = Vec::new();
    for answer in db::customer_answers(&app.db.pool, RECENT).await? {
        if !in_scope(&scope, &answer.subject_id) {
            continue;
        }
        let Some(survey) = app.surveys.get(&app.db.pool, &answer.survey_id).await? else { continue };
        let low = low_answers(&survey, &answer.answers);
        if low.is_empty() {
            continue;
        }
        let comments =
            answer.answers.iter().filter_map(|(_, _, t)| t.clone()).filter(|t| !t.trim().is_empty()).collect();
        out.push(Unhappy { answer: answer.into(), low, comments, survey });
    }
    Ok(out)
}

/// Marks an answer followed up (once), with an optional note.
pub async fn mark(app: &App, viewer: &Viewer, response: &str, note: &str) -> Result<()> {
    let subject =
        db::subject_of(&app.db.pool, response).await?.ok_or_else(|| Error::not_found("response", response))?;
    if !in_scope(&scope(app, viewer).await?, &subject) {
        return Err(Error::not_found("response", response));
    }
    let note = super::feedback::clean_text(note, 1_000, "note")?;
    let note = note.as_str();
    let note = (!note.is_empty()).then_some(note);
    if !db::mark(&app.db.pool, response, &viewer.person_id, note, time::now()).await? {
        return Err(Error::conflict("followed_up", "this answer was followed up already"));
    }
    Ok(())
}

/// The customers a viewer may take answers from by phone: open invitations of attributed
/// surveys (an anonymous survey's answers are never entered by someone who knows who said them).
pub async fn open_customers(app: &App, viewer: &Viewer) -> Result<Vec<OpenCustomer>> {
    let scope = scope(app, viewer).await?;
    Ok(db::open_customers(&app.db.pool, time::now(), RECENT)
        .await?
        .into_iter()
        .filter(|o| in_scope(&scope, &o.subject_id) && o.subject_id != viewer.person_id)
        .map(OpenCustomer::from)
        .collect())
}

/// One open customer invitation the viewer may answer for, and its survey.
pub async fn phone_target(app: &App, viewer: &Viewer, invitation: i64) -> Result<(OpenCustomer, Arc<Survey>)> {
    // Nobody answers for customers about themselves, admins included.
    let found = db::open_customer_by_id(&app.db.pool, invitation, time::now())
        .await?
        .filter(|o| o.subject_id != viewer.person_id);
    let Some(open) = found else { return Err(Error::not_found("invitation", &invitation.to_string())) };
    if !in_scope(&scope(app, viewer).await?, &open.subject_id) {
        return Err(Error::not_found("invitation", &invitation.to_string()));
    }
    let survey = super::responses::survey(app, &open.survey_id).await?;
    Ok((open.into(), survey))
}

/// What became of answers entered by phone.
pub enum PhoneOutcome {
    Stored,
    /// They do not fit the survey; nothing was stored.
    Rejected(Rejected),
}

/// Stores a customer's answers heard on the phone: the invitation is completed (their link then
/// answers 409) and the response records `source: phone` and who entered it. A salesperson
/// never enters answers about themselves.
#[tracing::instrument(skip_all)]
pub async fn enter_by_phone(
    app: &App,
    viewer: &Viewer,
    invitation: i64,
    fields: &[(String, String)],
) -> Result<PhoneOutcome> {
    let (_, survey) = phone_target(app, viewer, invitation).await?;
    let answers = match check_answers(&survey.questions, fields) {
        Ok(a) => a,
        Err(rejected) => return Ok(PhoneOutcome::Rejected(rejected)),
    };
    let now = time::now();
    let today = app.calendar.day(now);
    let mut tx = app.db.begin().await?;
    let Some(target) = responses::claim_by_id(&mut tx, app.db.backend, invitation, now, &today).await? else {
        tx.rollback().await?;
        return Err(Error::conflict("already_answered", "this customer has answered meanwhile"));
    };
    // The list only offers attributed surveys; the claim is checked again before an unsealed
    // row with an invitation id is written.
    if target.relation.is_anonymous(survey.anonymous) {
        tx.rollback().await?;
        return Err(Error::not_found("invitation", &invitation.to_string()));
    }
    let values = crate::scoring::response_values(&survey.questions, &answers);
    let row = (new_response(&target, &values, &answers), crate::domain::token::random_id());
    responses::insert_many(&mut tx, &[row], &today).await?;
    db::mark_phone(&mut tx, invitation, &viewer.person_id).await?;
    // A draft the customer saved ends with the answer, as when they submit it themselves.
    crate::db::drafts::delete_for(&mut tx, &[invitation]).await?;
    tx.commit().await?;
    tracing::info!(invitation, "answers entered by phone");
    Ok(PhoneOutcome::Stored)
}
