//! Reminders: by hand (`POST …/reminders`, the admin page) at most once per gap, and on a
//! cycle's schedule. An invitation delivered as a link (`deliver: none`) is never emailed,
//! not even a reminder: a reminder for it is a fresh link handed back to the caller.
use super::audit::{self, Actor, AuditAction, Target};
use super::invitations::{CreatedLink, LinkTarget, mint_links};
use super::{App, Error, Result};
use crate::db::outbox::{self, Kind};
use crate::db::{cycles, reminders};
use crate::domain::reviews::Respondent;
use crate::domain::time;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema, Debug)]
pub struct Queued {
    /// Invitations reminded.
    pub queued: usize,
    /// Emails that carry them (one per respondent).
    pub emails: usize,
    /// Fresh links for the unanswered attributed invitations delivered as links
    /// (`deliver: none`), which are never emailed. Anonymous ones are never listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<CreatedLink>,
}

/// How long after a reminder by hand the next one is refused: an hour (a 24th of the
/// configured day).
fn gap_secs(app: &App) -> i64 {
    (app.config.day_seconds / 24).max(0)
}

/// One reminder, with a fresh link, to every unanswered invitation of an open cycle; 409
/// `reminded_recently` within the gap after the last one.
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn remind(app: &App, actor: &Actor, cycle: &str) -> Result<Queued> {
    let now = time::now();
    let c = super::cycles::load_open(app, cycle, now).await?;
    let mut tx = app.db.begin().await?;
    if !cycles::mark_reminded(&mut tx, &c.id, now, now - gap_secs(app)).await? {
        tx.rollback().await?;
        return Err(Error::conflict(
            "reminded_recently",
            format!("reminders for {cycle:?} went out less than {} minutes ago", (gap_secs(app) + 59) / 60),
        ));
    }
    let pending = reminders::open_in_cycle(&mut tx, &c.id).await?;
    let (by_email, by_link): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| p.delivery == "email");
    // Fresh links name whom they are for: only attributed reviews get them back. An anonymous
    // review handed out as a link is never listed by person (who has not answered stays unknown).
    let by_link: Vec<_> = by_link.into_iter().filter(|p| !p.anonymous).collect();
    let groups = reminders::group(&by_email);
    outbox::queue(&mut tx, Kind::Reminder, &groups, now * 1000, now).await?;
    let targets: Vec<LinkTarget> = by_link
        .iter()
        .map(|p| (p.invitation_id, p.subject_id.clone(), (&Respondent::from_key(&p.respondent_key)).into()))
        .collect();
    let links = mint_links(app, &mut tx, &targets, now).await?;
    let distinct: HashSet<i64> = by_email.iter().map(|p| p.invitation_id).collect();
    let detail = format!("reminded {}", distinct.len() + links.len());
    audit::write(&mut tx, actor, AuditAction::Remind, Target::Cycle(&c.id), &detail).await?;
    tx.commit().await?;
    app.wake_outbox();
    tracing::info!(cycle = %c.id, emailed = distinct.len(), links = links.len(), "reminders");
    Ok(Queued { queued: distinct.len() + links.len(), emails: groups.len(), links })
}

/// A review by rater — an unanswered attributed one, or any anonymous one — enough to remind,
/// reissue or revoke it from a list.
pub struct PendingRater {
    /// The person asked; None for a customer.
    pub person_id: Option<String>,
    pub customer_id: Option<String>,
    pub rater: String,
    pub survey_id: String,
    pub subject_id: String,
    pub subject: String,
    pub relation: String,
}

/// Per relation of a cycle: counts only, so anonymous relations never name anyone.
pub struct RelationCount {
    pub relation: String,
    pub invited: i64,
    pub answered: i64,
    pub declined: i64,
}

/// Who has not answered the attributed reviews (self, manager, customers of a survey that is
/// not anonymous) of a cycle, by name; and for
/// every relation, counts only (anonymous ones are never listed by person).
pub async fn raters(
    app: &App,
    cycle: &str,
) -> Result<(crate::domain::cycle::Cycle, Vec<PendingRater>, Vec<RelationCount>)> {
    let c = super::cycles::load(app, cycle).await?;
    let pending = reminders::attributed_pending(&app.db.pool, &c.id).await?.into_iter().map(PendingRater::from);
    let counts = reminders::relation_counts(&app.db.pool, &c.id).await?.into_iter().map(|r| RelationCount {
        relation: r.relation,
        invited: r.invited,
        answered: r.answered,
        declined: r.declined,
    });
    Ok((c, pending.collect(), counts.collect()))
}

/// Everyone asked for an anonymous review in a cycle (not revoked), by subject, answered or
/// not: the same line for each, so the list never tells who answered (CONTRACT §10).
pub async fn anonymous_asked(app: &App, cycle: &str) -> Result<Vec<PendingRater>> {
    let rows = reminders::anonymous_asked(&app.db.pool, cycle).await?;
    Ok(rows.into_iter().map(PendingRater::from).collect())
}

impl From<reminders::PendingRater> for PendingRater {
    fn from(p: reminders::PendingRater) -> PendingRater {
        PendingRater {
            person_id: p.person_id,
            customer_id: p.customer_id,
            rater: p.rater,
            survey_id: p.survey_id,
            subject_id: p.subject_id,
            subject: p.subject,
            relation: p.relation,
        }
    }
}

/// Reminds one rater of their unanswered self and manager reviews in a cycle (not those
/// reminded within the gap). Returns how many were reminded; 0 means nothing was due.
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn remind_person(app: &App, actor: &Actor, cycle: &str, person: &str) -> Result<usize> {
    let now = time::now();
    let c = super::cycles::load_open(app, cycle, now).await?;
    let mut tx = app.db.begin().await?;
    let pending = reminders::person_attributed(&mut tx, &c.id, person, now - gap_secs(app)).await?;
    let ids: Vec<i64> = pending.iter().map(|p| p.invitation_id).collect();
    outbox::queue(&mut tx, Kind::Reminder, std::slice::from_ref(&ids), now * 1000, now).await?;
    let detail = format!("reminded {} of their attributed reviews", ids.len());
    audit::write_in_cycle(&mut tx, actor, AuditAction::RemindPerson, Target::Person(person), Some(&c.id), &detail)
        .await?;
    tx.commit().await?;
    if !ids.is_empty() {
        app.wake_outbox();
    }
    Ok(ids.len())
}

/// Queues the reminders that cycles' `remind_every_days` schedules call for. Looks first
/// without the write lock; most polls find nothing.
#[tracing::instrument(skip_all)]
pub async fn schedule_reminders(app: &App) -> Result<()> {
    let db = &app.db;
    let now = time::now();
    let day = app.config.day_seconds;
    if !reminders::any_scheduled(&db.pool, now).await? || reminders::due(&db.pool, now, day).await?.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    reminders::lock_scheduler(db, &mut tx).await?;
    let due = reminders::due(&mut *tx, now, day).await?;
    let groups = reminders::group(&due);
    outbox::queue(&mut tx, Kind::Reminder, &groups, now * 1000, now).await?;
    tx.commit().await?;
    tracing::info!(invitations = due.len(), emails = groups.len(), "reminders queued");
    Ok(())
}
