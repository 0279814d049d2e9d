//! Privacy requests (CONTRACT §12): everything Candor holds about a person or a customer, and a
//! customer's erasure. An export never says which anonymous review someone answered, nor what
//! they wrote there: anonymous answers carry no invitation, and whether an anonymous invitation
//! was answered is not read (`db::privacy`). Sealed answers are nobody's to read before close.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result};
use crate::db::erasure;
use crate::db::privacy::{self, GivenAnswer, InvitationRow, Whose};
use crate::domain::time;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonExport {
    pub person: PersonContact,
    pub invitations: Vec<ReceivedInvitation>,
    /// Attributed answers they gave (self and manager reviews); anonymous ones are not theirs
    /// to find.
    pub answers_given: Vec<GivenResponse>,
    /// What was released about them when each cycle closed: scores and comments.
    pub released_results: Vec<ReleasedResults>,
    /// Feedback shared with them, and feedback they wrote.
    pub feedback: Vec<FeedbackExport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonContact {
    pub id: String,
    pub name: String,
    pub email: String,
    pub manager: Option<String>,
    pub team: Option<String>,
    pub locale: Option<String>,
    pub role: Option<String>,
    pub active: bool,
    pub admin: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerExport {
    pub customer: CustomerContact,
    pub invitations: Vec<ReceivedInvitation>,
    /// Their attributed answers, with any follow-up recorded on them; answers on an anonymous
    /// survey are not theirs to find.
    pub answers_given: Vec<GivenResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerContact {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner: Option<String>,
    pub locale: Option<String>,
    /// They asked for no more email.
    pub unsubscribed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedInvitation {
    pub cycle: String,
    pub survey: String,
    pub subject: String,
    pub relation: String,
    pub anonymous: bool,
    /// RFC 3339, UTC.
    pub invited_at: String,
    /// `open`, `completed`, `declined`, `revoked` or `expired`; null for an anonymous review,
    /// whose answering is never recorded against the rater.
    pub state: Option<String>,
    pub completed_on: Option<String>,
    pub decline_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GivenResponse {
    pub cycle: String,
    pub survey: String,
    pub subject: String,
    pub relation: String,
    pub submitted_on: String,
    /// `link`, or `phone` when someone entered it for them.
    pub source: String,
    pub answers: Vec<GivenValue>,
    pub followups: Vec<FollowupExport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GivenValue {
    pub question: String,
    pub value: Option<i64>,
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowupExport {
    pub by: String,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReleasedResults {
    pub cycle: String,
    /// Indicator scores as the scores API shows them for this subject.
    #[schema(value_type = Object)]
    pub scores: serde_json::Value,
    /// Released comments (grouped as on the report) and withheld groups.
    #[schema(value_type = Object)]
    pub comments: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackExport {
    pub cycle: String,
    pub subject: String,
    pub author: String,
    pub strengths: String,
    pub improvements: String,
    pub next_steps: String,
    pub shared_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub reply: Option<String>,
}

fn rfc3339(t: i64) -> String {
    time::to_rfc3339(t)
}

fn received(rows: Vec<InvitationRow>) -> Vec<ReceivedInvitation> {
    rows.into_iter()
        .map(|r| {
            let state = r.answered.as_ref().map(|a| {
                let state = if a.completed_on.is_some() {
                    "completed"
                } else if a.declined {
                    "declined"
                } else if r.revoked {
                    "revoked"
                } else if r.cycle_closed {
                    "expired"
                } else {
                    "open"
                };
                state.to_string()
            });
            let (completed_on, decline_reason) =
                r.answered.map(|a| (a.completed_on, a.decline_reason)).unwrap_or_default();
            ReceivedInvitation {
                cycle: r.cycle_id,
                survey: r.survey_id,
                subject: r.subject_id,
                relation: r.relation,
                anonymous: r.anonymous,
                invited_at: rfc3339(r.created_at),
                state,
                completed_on,
                decline_reason,
            }
        })
        .collect()
}

/// One entry per response, its answers in question order.
fn given(rows: Vec<GivenAnswer>) -> Vec<(String, GivenResponse)> {
    let mut out: Vec<(String, GivenResponse)> = Vec::new();
    for a in rows {
        if out.last().is_none_or(|(id, _)| *id != a.response_id) {
            let response = GivenResponse {
                cycle: a.cycle_id.clone(),
                survey: a.survey_id.clone(),
                subject: a.subject_id.clone(),
                relation: a.relation.clone(),
                submitted_on: a.submitted_on.clone(),
                source: a.source.clone(),
                answers: Vec::new(),
                followups: Vec::new(),
            };
            out.push((a.response_id.clone(), response));
        }
        if let (Some(question), Some((_, r))) = (a.question_id, out.last_mut()) {
            r.answers.push(GivenValue { question, value: a.value, text: a.text });
        }
    }
    out
}

#[tracing::instrument(skip_all, fields(person = %id))]
pub async fn export_person(app: &App, actor: &Actor, id: &str) -> Result<PersonExport> {
    let pool = &app.db.pool;
    let p = privacy::person(pool, id).await?.ok_or_else(|| Error::not_found("person", id))?;
    let whose = Whose::Person(id);
    let released_results = privacy::released_about(pool, id)
        .await?
        .into_iter()
        .map(|(cycle, scores, comments)| {
            Ok(ReleasedResults {
                cycle,
                scores: serde_json::from_str(&scores).map_err(Error::internal)?,
                comments: serde_json::from_str(&comments).map_err(Error::internal)?,
            })
        })
        .collect::<Result<_>>()?;
    let feedback = privacy::feedback(pool, id)
        .await?
        .into_iter()
        .map(|f| FeedbackExport {
            cycle: f.cycle_id,
            subject: f.subject_id,
            author: f.author_id,
            strengths: f.strengths,
            improvements: f.improvements,
            next_steps: f.next_steps,
            shared_at: f.shared_at.map(rfc3339),
            acknowledged_at: f.acknowledged_at.map(rfc3339),
            reply: f.reply,
        })
        .collect();
    let export = PersonExport {
        person: PersonContact {
            id: p.id,
            name: p.name,
            email: p.email,
            manager: p.manager_id,
            team: p.team,
            locale: p.locale,
            role: p.role,
            active: p.active,
            admin: p.admin,
        },
        invitations: received(privacy::invitations(pool, whose, time::now()).await?),
        answers_given: given(privacy::answers_given(pool, whose).await?).into_iter().map(|(_, r)| r).collect(),
        released_results,
        feedback,
    };
    audit::write_alone(app, actor, AuditAction::ExportPerson, Target::Person(id), "").await?;
    Ok(export)
}

#[tracing::instrument(skip_all, fields(customer = %id))]
pub async fn export_customer(app: &App, actor: &Actor, id: &str) -> Result<CustomerExport> {
    let pool = &app.db.pool;
    let c = privacy::customer(pool, id).await?.ok_or_else(|| Error::not_found("customer", id))?;
    let whose = Whose::Customer(id);
    let mut answers = given(privacy::answers_given(pool, whose).await?);
    for (response, by, at, note) in privacy::followups(pool, id).await? {
        if let Some((_, r)) = answers.iter_mut().find(|(rid, _)| *rid == response) {
            r.followups.push(FollowupExport { by, at: rfc3339(at), note });
        }
    }
    let export = CustomerExport {
        customer: CustomerContact {
            id: c.id,
            name: c.name,
            email: Some(c.email).filter(|e| !e.is_empty()),
            phone: c.phone,
            owner: c.owner_id,
            locale: c.locale,
            unsubscribed: c.unsubscribed,
        },
        invitations: received(privacy::invitations(pool, whose, time::now()).await?),
        answers_given: answers.into_iter().map(|(_, r)| r).collect(),
    };
    audit::write_alone(app, actor, AuditAction::ExportCustomer, Target::Customer(id), "").await?;
    Ok(export)
}

/// What became of an erased customer's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswersAfterErasure {
    /// Kept, without anything that leads back to the customer (the default).
    #[default]
    Keep,
    Delete,
}

/// `{"erased":true,"invitations":N,"answers_kept":K,"answers_deleted":D}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erasure {
    pub erased: bool,
    pub invitations: u64,
    pub answers_kept: u64,
    pub answers_deleted: u64,
}

/// Erases customer `id` (CONTRACT §12) in one transaction, and records it in the audit log
/// by id and counts, without the erased data. Results of closed cycles are stored first, so
/// released scores stay as they were.
#[tracing::instrument(skip_all, fields(customer = %id))]
pub async fn erase_customer(app: &App, actor: &Actor, id: &str, answers: AnswersAfterErasure) -> Result<Erasure> {
    for cycle in super::cycles::all(app).await?.iter().filter(|c| c.closed) {
        super::closed::ensure(&app.db, cycle).await?;
    }
    let delete = answers == AnswersAfterErasure::Delete;
    let mut tx = app.db.begin().await?;
    let Some(done) = erasure::erase_customer(&mut tx, app.db.backend, id, delete).await? else {
        tx.rollback().await?;
        return Err(Error::not_found("customer", id));
    };
    let (kept, deleted) = if delete { (0, done.answers) } else { (done.answers, 0) };
    let detail = format!(
        "{} invitation(s) deleted; {kept} answer(s) kept without identifier, {deleted} deleted",
        done.invitations
    );
    audit::write(&mut tx, actor, AuditAction::EraseCustomer, Target::Customer(id), &detail).await?;
    tx.commit().await?;
    if !erasure::wipe_wal(&app.db).await? {
        tracing::warn!("the WAL could not be emptied after an erasure; the next checkpoint will");
    }
    Ok(Erasure { erased: true, invitations: done.invitations, answers_kept: kept, answers_deleted: deleted })
}
