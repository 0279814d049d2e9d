//! Feedback on a closed cycle's report (CONTRACT §9): a subject's managers (and admins) write
//! strengths, improvements and next steps and share them; the subject reads them on their
//! report and acknowledges, with an optional reply. Shared feedback changes only by being
//! shared again, which amends it; each step is emailed to the other side (`notices`).
use super::notices::{self, Event, Notice};
use super::{App, Error, Result};
use crate::db::feedback::{self as db, FeedbackRow};
use crate::db::sessions::Viewer;
use crate::domain::orgchart::below;
use crate::domain::{cycle::Cycle, time};

/// One author's feedback on a subject's report, as a reader of the report sees it.
#[derive(Debug, Clone)]
pub struct Feedback {
    pub subject_id: String,
    pub author_id: String,
    pub author_name: String,
    pub strengths: String,
    pub improvements: String,
    pub next_steps: String,
    pub shared_at: Option<i64>,
    /// When the shared feedback was last amended.
    pub amended_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub reply: Option<String>,
}

impl From<FeedbackRow> for Feedback {
    fn from(f: FeedbackRow) -> Feedback {
        let FeedbackRow {
            subject_id,
            author_id,
            author_name,
            strengths,
            improvements,
            next_steps,
            shared_at,
            amended_at,
            acknowledged_at,
            reply,
        } = f;
        Feedback {
            subject_id,
            author_id,
            author_name,
            strengths,
            improvements,
            next_steps,
            shared_at,
            amended_at,
            acknowledged_at,
            reply,
        }
    }
}

/// What saving feedback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Draft,
    Shared,
    /// Shared feedback rewritten and shared again.
    Amended,
    /// Nothing: a draft of feedback that was shared already (only sharing amends it).
    Refused,
}

impl From<db::Saved> for Saved {
    fn from(s: db::Saved) -> Saved {
        match s {
            db::Saved::Draft => Saved::Draft,
            db::Saved::Shared => Saved::Shared,
            db::Saved::Amended => Saved::Amended,
            db::Saved::Refused => Saved::Refused,
        }
    }
}

/// The three parts of feedback, as written.
pub struct Texts<'a> {
    pub strengths: &'a str,
    pub improvements: &'a str,
    pub next_steps: &'a str,
}

/// The longest text of each of the three parts, and of a reply.
pub const MAX_TEXT: usize = 5_000;
pub const MAX_REPLY: usize = 2_000;

/// What a viewer may write on this report: admins and the subject's managers, not the subject.
pub async fn may_write(app: &App, viewer: &Viewer, cycle: &Cycle, subject: &str) -> Result<bool> {
    if viewer.person_id == subject {
        return Ok(false);
    }
    if viewer.is_admin {
        return Ok(true);
    }
    let org = super::access::org_chart_of(app, &cycle.id).await?;
    Ok(below(&viewer.person_id, &org).contains(subject))
}

/// A multi-line text as people write it: trimmed, at most `max` characters, no control
/// characters but line breaks and tabs (PostgreSQL refuses NUL; others hide text).
pub fn clean_text(raw: &str, max: usize, what: &str) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Error::invalid("text_too_long", format!("{what} is at most {max} characters")));
    }
    let bad =
        |c: char| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || crate::domain::id::is_invisible_format(c);
    if s.chars().any(bad) {
        return Err(Error::invalid("invalid_characters", format!("{what} holds control or invisible characters")));
    }
    Ok(s.to_string())
}

/// The feedback a viewer of this report may read: what was shared, and their own draft. The
/// caller has checked that the viewer may see the report.
pub async fn on_report(app: &App, viewer: &Viewer, cycle: &Cycle, subject: &str) -> Result<Vec<Feedback>> {
    let all = db::for_subject(&app.db.pool, &cycle.id, subject).await?;
    let readable = all.into_iter().filter(|f| f.shared_at.is_some() || f.author_id == viewer.person_id);
    Ok(readable.map(Feedback::from).collect())
}

/// Saves the viewer's feedback on `subject`'s report of a closed cycle, and shares it when asked.
#[tracing::instrument(skip_all)]
pub async fn save(
    app: &App,
    viewer: &Viewer,
    cycle: &Cycle,
    subject: &str,
    texts: &Texts<'_>,
    share: bool,
) -> Result<Saved> {
    if !may_write(app, viewer, cycle, subject).await? {
        return Err(Error::not_found("person", subject));
    }
    if !cycle.closed {
        return Err(Error::conflict("cycle_open", "feedback is written on a closed cycle's report"));
    }
    if super::accounts::name_of(app, subject).await?.is_none() {
        return Err(Error::not_found("person", subject));
    }
    let strengths = clean_text(texts.strengths, MAX_TEXT, "strengths")?;
    let improvements = clean_text(texts.improvements, MAX_TEXT, "improvements")?;
    let next_steps = clean_text(texts.next_steps, MAX_TEXT, "next steps")?;
    if share && [&strengths, &improvements, &next_steps].iter().all(|t| t.is_empty()) {
        return Err(Error::invalid("feedback_empty", "write at least one part before sharing"));
    }
    let clean = db::Texts { strengths: &strengths, improvements: &improvements, next_steps: &next_steps };
    let mut tx = app.db.begin().await?;
    let saved = db::save(&mut tx, (&cycle.id, subject, &viewer.person_id), &clean, share, time::now()).await?;
    let (event, detail) = match saved {
        db::Saved::Refused => {
            tx.rollback().await?;
            return Err(Error::conflict("feedback_shared", "this feedback was shared: share it again to amend it"));
        }
        db::Saved::Draft => (None, ""),
        db::Saved::Shared => (Some(Event::FeedbackShared), ""),
        db::Saved::Amended => (Some(Event::FeedbackAmended), "amended"),
    };
    if let Some(event) = event {
        let by = super::audit::Actor::Person(viewer.person_id.clone());
        let (action, target) = (super::audit::AuditAction::ShareFeedback, super::audit::Target::Person(subject));
        super::audit::write_in_cycle(&mut tx, &by, action, target, Some(&cycle.id), detail).await?;
        let notice = Notice {
            event,
            cycle: cycle.id.clone(),
            subject: subject.to_string(),
            author: Some(viewer.person_id.clone()),
        };
        notices::queue(&mut tx, subject, &notice).await?;
    }
    tx.commit().await?;
    tracing::info!(cycle = %cycle.id, shared = share, "feedback saved");
    Ok(saved.into())
}

/// The subject acknowledges one author's shared feedback, with an optional reply.
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn acknowledge(app: &App, viewer: &Viewer, cycle: &str, author: &str, reply: &str) -> Result<()> {
    let reply = clean_text(reply, MAX_REPLY, "a reply")?;
    let reply = (!reply.is_empty()).then_some(reply.as_str());
    let mut tx = app.db.begin().await?;
    if !db::acknowledge(&mut tx, (cycle, &viewer.person_id, author), reply, time::now()).await? {
        tx.rollback().await?;
        return Err(Error::conflict("nothing_to_acknowledge", "no shared feedback waits for your acknowledgement"));
    }
    let notice = Notice {
        event: Event::FeedbackAcknowledged,
        cycle: cycle.to_string(),
        subject: viewer.person_id.clone(),
        author: Some(author.to_string()),
    };
    notices::queue(&mut tx, author, &notice).await?;
    tx.commit().await?;
    Ok(())
}

/// Who gave whom shared feedback in a cycle and where it stands (no texts, no drafts): for the API.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FeedbackState {
    pub subject: String,
    pub author: String,
    /// RFC 3339.
    pub shared_at: Option<String>,
    pub acknowledged_at: Option<String>,
}

pub async fn summary(app: &App, cycle: &str) -> Result<Vec<FeedbackState>> {
    let c = super::cycles::load(app, cycle).await?;
    Ok(db::summary(&app.db.pool, &c.id)
        .await?
        .into_iter()
        .filter(|(_, _, shared, _)| shared.is_some())
        .map(|(subject, author, shared, acked)| FeedbackState {
            subject,
            author,
            shared_at: shared.map(time::to_rfc3339),
            acknowledged_at: acked.map(time::to_rfc3339),
        })
        .collect())
}
