//! A rater's side of a cycle beyond one form (CONTRACT §9): their reviews (`/me`), the next one
//! after a thanks page, drafts saved for later, and declining a review.
use super::responses::{self, LinkState};
use super::{App, Error, Result};
use crate::db::links::{self, NewLink};
use crate::db::reviews;
use crate::db::{drafts, invitations};
use crate::domain::Relation;
use crate::domain::{Token, time};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

pub use crate::domain::reviews::ReviewState as MyReviewState;
use crate::domain::reviews::ReviewState;

/// One review a rater was asked for in an open cycle.
#[derive(Debug, Clone)]
pub struct MyReview {
    pub invitation_id: i64,
    pub cycle_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub subject_id: String,
    pub subject_name: String,
    pub relation: Relation,
    pub state: ReviewState,
}

impl From<reviews::Review> for MyReview {
    fn from(r: reviews::Review) -> MyReview {
        let reviews::Review {
            invitation_id,
            cycle_id,
            cycle_title,
            cycle_title_i18n,
            subject_id,
            subject_name,
            relation,
            state,
        } = r;
        MyReview { invitation_id, cycle_id, cycle_title, cycle_title_i18n, subject_id, subject_name, relation, state }
    }
}

/// Every review a signed-in person is asked for in the open cycles.
pub async fn my_reviews(app: &App, person: &str) -> Result<Vec<MyReview>> {
    Ok(reviews::of_person(&app.db.pool, person, time::now()).await?.into_iter().map(MyReview::from).collect())
}

/// A fresh link to one of the person's open reviews (the emailed one keeps working); it
/// reaches the person's own address.
pub async fn open_mine(app: &App, person: &str, email: &str, invitation: i64) -> Result<Token> {
    let mine = my_reviews(app, person).await?;
    fresh_link(app, &mine, invitation, Some(email)).await
}

/// Mints a link for `invitation` if it is among `reviews` and still open (an anonymous review
/// sent to another address than `reached` is not open to this asker).
async fn fresh_link(app: &App, reviews: &[MyReview], invitation: i64, reached: Option<&str>) -> Result<Token> {
    let Some(review) = reviews.iter().find(|r| r.invitation_id == invitation) else {
        return Err(Error::not_found("review", &invitation.to_string()));
    };
    // Answered or declined looks the same as not yours: a link is no oracle for another review.
    if review.state != ReviewState::Open {
        return Err(Error::not_found("review", &invitation.to_string()));
    }
    let token = Token::mint();
    let link = NewLink::respond(token.hash(), invitation);
    let link = match reached {
        Some(address) => link.to(address),
        None => link,
    };
    links::insert_all(&app.db, &[link], time::now()).await?;
    Ok(token)
}

/// How far a respondent is in a cycle, seen from one of their links.
pub struct Progress {
    pub done: usize,
    pub total: usize,
    /// The next open review, if any.
    pub next: Option<MyReview>,
    /// A colleague (not a customer), who has their own page of reviews and results (`/me`).
    pub colleague: bool,
}

/// The respondent's progress in the cycle of the (answered or declined) link `raw`; None when
/// the link is unknown or still open.
pub async fn progress_after(app: &App, raw: &str) -> Result<Option<Progress>> {
    let Some((mut reviews, _)) = siblings(app, raw).await? else { return Ok(None) };
    // Reviews sent to another address are not this link's to count.
    reviews.retain(|r| r.state != ReviewState::Elsewhere);
    let done = reviews.iter().filter(|r| r.state != ReviewState::Open).count();
    let next = reviews.iter().find(|r| r.state == ReviewState::Open).cloned();
    let colleague = reviews.iter().any(|r| r.relation != Relation::Customer);
    Ok(Some(Progress { done, total: reviews.len(), next, colleague }))
}

/// A fresh link to another open review of the same respondent and cycle as the link `raw`.
pub async fn open_next(app: &App, raw: &str, invitation: i64) -> Result<Token> {
    let (reviews, reached) = siblings(app, raw).await?.ok_or_else(|| Error::not_found("link", "this link"))?;
    fresh_link(app, &reviews, invitation, reached.as_deref()).await
}

/// The reviews of the respondent and cycle behind a finished link (answered or declined) that
/// was emailed to them, and the address the link reached. A link handed to whoever created or
/// reissued the invitation (`deliver: none`) leads nowhere further: its holder may not be the
/// rater, and the rater's other reviews (anonymous ones among them) are none of their
/// business; nor does a link lead to an anonymous review sent to another address than its own
/// (an address changed and changed back must not re-route one: CONTRACT §10).
async fn siblings(app: &App, raw: &str) -> Result<Option<(Vec<MyReview>, Option<String>)>> {
    let info = match responses::resolve(app, raw).await? {
        LinkState::Answered(info) | LinkState::Declined(info) => info,
        _ => return Ok(None),
    };
    if info.delivery != "email" {
        return Ok(None);
    }
    let reached = match Token::parse(raw) {
        Some(token) => links::address_of(&app.db.pool, &token.hash()).await?,
        None => return Ok(None),
    };
    let now = time::now();
    let reviews =
        reviews::in_cycle(&app.db.pool, &info.respondent_key, &info.cycle_id, now, reached.as_deref()).await?;
    Ok(Some((reviews.into_iter().map(MyReview::from).collect(), reached)))
}

/// Saves a form's fields for later under the link `token`; false when the link is not live.
#[tracing::instrument(skip_all)]
pub async fn save_draft(app: &App, token: &Token, fields: &[(String, String)]) -> Result<bool> {
    let hash = token.hash();
    let Some(info) = invitations::info_by_link(&app.db.pool, &hash, time::now()).await? else { return Ok(false) };
    if !live(&info) {
        return Ok(false);
    }
    // Only the survey's own fields, and every draft of a survey the same size: what is stored
    // says nothing about how much was written.
    let survey = responses::survey(app, &info.survey_id).await?;
    let kept: Vec<(String, String)> =
        fields.iter().filter(|(k, _)| survey.questions.iter().any(|q| &q.id == k)).cloned().collect();
    let size = survey.max_form_bytes().next_power_of_two();
    let sealed = app
        .drafts
        .seal(info.id, &kept, size)
        .ok_or_else(|| Error::invalid("invalid_draft", "this form cannot be saved"))?;
    let mut tx = app.db.begin().await?;
    let saved = drafts::save(&mut tx, &hash, info.id, &B64.encode(sealed), time::now()).await?;
    tx.commit().await?;
    Ok(saved)
}

/// The draft of the invitation behind the live link `token`, if one was saved from any of its
/// links (CONTRACT §9 amended); a draft of the previous release opens only from its own link.
pub async fn draft(app: &App, token: &Token) -> Result<Option<Vec<(String, String)>>> {
    let hash = token.hash();
    let Some(info) = invitations::info_by_link(&app.db.pool, &hash, time::now()).await? else { return Ok(None) };
    if !live(&info) {
        return Ok(None);
    }
    let Some((saved_by, stored)) = drafts::load_for(&app.db.pool, info.id).await? else { return Ok(None) };
    let Ok(sealed) = B64.decode(stored) else { return Ok(None) };
    Ok(app.drafts.open(info.id, &sealed).or_else(|| app.drafts.open_legacy(token.as_str(), &saved_by, &sealed)))
}

/// Declines the review behind the link `token`: not counted, never reminded. The reason is
/// kept for attributed relations only; an anonymous rater's is dropped unread. False when the
/// link was not live.
#[tracing::instrument(skip_all)]
pub async fn decline(app: &App, token: &Token, reason: &str) -> Result<bool> {
    let now = time::now();
    let Some(info) = invitations::info_by_link(&app.db.pool, &token.hash(), now).await? else { return Ok(false) };
    if !live(&info) {
        return Ok(false);
    }
    let survey = responses::survey(app, &info.survey_id).await?;
    let reason = reason.trim();
    let kept = (!info.relation.is_anonymous(survey.anonymous) && !reason.is_empty())
        .then(|| reason.chars().take(MAX_REASON).collect::<String>());
    let mut tx = app.db.begin().await?;
    let declined = reviews::decline(&mut tx, info.id, kept.as_deref(), now).await?;
    tx.commit().await?;
    Ok(declined)
}

/// A decline reason is a short note.
pub const MAX_REASON: usize = 500;

fn live(info: &invitations::InvitationInfo) -> bool {
    info.cycle_open && !info.completed && !info.declined && !info.revoked
}
