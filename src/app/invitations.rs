//! Invitations: checked against the org chart and the survey, created once, emailed through
//! the outbox (or returned as links); 360 launches from the org chart.
use super::audit::{self, Actor, AuditAction, Target};
use super::invitation_checks::{can_email, check_row, load_directory, one_anonymous_survey, only_by_email};
use super::{App, Error, Result};
use crate::db::directory;
use crate::db::links::{self, NewLink};
use crate::db::outbox::{self, Kind};
use crate::db::{Tx, invitations};
use crate::domain::reviews::{NewInvitation, Respondent};
use crate::domain::{Relation, Token, time};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Deliver {
    #[default]
    Email,
    None,
}

#[derive(Deserialize, Serialize, Clone, Debug, ToSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum RespondentInput {
    Person(String),
    Customer(String),
}

impl From<&Respondent> for RespondentInput {
    fn from(r: &Respondent) -> Self {
        match r {
            Respondent::Person(p) => RespondentInput::Person(p.clone()),
            Respondent::Customer(c) => RespondentInput::Customer(c.clone()),
        }
    }
}

impl From<RespondentInput> for Respondent {
    fn from(r: RespondentInput) -> Self {
        match r {
            RespondentInput::Person(p) => Respondent::Person(p),
            RespondentInput::Customer(c) => Respondent::Customer(c),
        }
    }
}

#[derive(Serialize, Debug, ToSchema)]
pub struct CreatedLink {
    pub subject: String,
    pub respondent: RespondentInput,
    pub url: String,
}

#[derive(Serialize, Debug, Default, ToSchema)]
pub struct Created {
    pub created: usize,
    pub existing: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<CreatedLink>>,
    /// Launch only: anonymous groups that can never reach `min_raters` with the invitations
    /// there are, so their scores and comments will stay withheld.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub too_small: Vec<SmallGroup>,
    /// Launch with `peers: nominated`: subjects newly asked to choose their reviewers.
    #[serde(skip_serializing_if = "is_zero")]
    pub nominating: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct SmallGroup {
    pub subject: String,
    pub relation: Relation,
    /// Distinct people invited to this group.
    pub raters: i64,
    pub min_raters: i64,
}

/// `"all"` or a list of person ids.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(untagged)]
pub enum Subjects {
    All(AllKeyword),
    Listed(Vec<String>),
}

#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "lowercase")]
pub enum AllKeyword {
    All,
}

/// The most invitations one call creates (a launch, a list, every customer): past it a call
/// would hold the database and the request for too long, so it is refused whole, and the
/// caller splits it (by team, by subjects listed in parts).
pub const MAX_PER_CALL: usize = 200_000;

/// 422 `too_many_invitations` for a call that would create more than [`MAX_PER_CALL`].
pub(super) fn within_limit(n: usize) -> Result<()> {
    if n <= MAX_PER_CALL {
        return Ok(());
    }
    Err(Error::invalid(
        "too_many_invitations",
        format!(
            "this call would create more than {MAX_PER_CALL} invitations; nothing was created: launch or invite in \
             parts (subjects listed by team, or fewer peers)"
        ),
    ))
}

/// Groups new invitations by respondent: a rater gets their reviews in one email.
fn by_respondent(rows: &[NewInvitation], created: &[(i64, usize)]) -> Vec<Vec<i64>> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<i64>> = HashMap::new();
    for &(id, i) in created {
        let key = rows[i].respondent.key();
        groups
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(id);
    }
    order.into_iter().filter_map(|k| groups.remove(&k)).collect()
}

/// Who asked for invitations, and as what: the audit entry their transaction writes.
pub(super) struct Recorded<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    /// What the entry says before the counts (`survey p, peers Team`).
    pub what: String,
}

/// Creates the invitations that do not exist yet and queues their emails (or mints their
/// links), in one transaction, recorded in the audit log.
pub async fn create(
    app: &App,
    actor: &Actor,
    cycle_id: &str,
    rows: Vec<NewInvitation>,
    deliver: Deliver,
) -> Result<Created> {
    let rec = Recorded { actor, action: AuditAction::CreateInvitations, what: String::new() };
    create_recorded(app, rec, cycle_id, rows, deliver).await
}

/// Invitations written in one transaction (about 50 ms of SQLite's write lock, so a respondent
/// waits at most that long): a call this size or less is written whole in one,
/// a longer one in several (a launch run, `app::launch_run`).
pub(super) const ROWS_PER_TX: usize = 1_000;

#[tracing::instrument(skip_all, fields(cycle = %cycle_id, rows = rows.len()))]
pub(super) async fn create_recorded(
    app: &App,
    rec: Recorded<'_>,
    cycle_id: &str,
    rows: Vec<NewInvitation>,
    deliver: Deliver,
) -> Result<Created> {
    within_limit(rows.len())?;
    let now = time::now();
    let cycle = super::cycles::load_open(app, cycle_id, now).await?;
    if rows.is_empty() {
        return Ok(Created::default());
    }
    if rows.len() > ROWS_PER_TX {
        return super::launch_run::create(app, rec, &cycle, rows, deliver, now).await;
    }
    let mut tx = app.db.begin().await?;
    if let Some(kind) = crate::db::runs::kind_under_way(&mut tx, cycle_id).await? {
        return Err(super::launch_run::busy(kind, cycle_id));
    }
    let numbers: Vec<usize> = (0..rows.len()).collect();
    let written = write_rows(app, &mut tx, &cycle, &rows, &numbers, deliver, None, now).await?;
    if written.created > 0 {
        // The cycle keeps the org chart as it is now: later moves change none of its views.
        directory::snapshot_org(&mut tx, cycle_id).await?;
    }
    audit::write(&mut tx, rec.actor, rec.action, Target::Cycle(cycle_id), &rec.detail(written.created, rows.len()))
        .await?;
    tx.commit().await?;
    if written.emailed {
        app.wake_outbox();
    }
    tracing::info!(created = written.created, "invitations created");
    Ok(written.into_created(rows.len()))
}

impl Recorded<'_> {
    /// The audit entry's text: what was asked, then the counts.
    pub(super) fn detail(&self, created: usize, asked: usize) -> String {
        let counts = format!("created {created}, existing {}", asked - created);
        if self.what.is_empty() { counts } else { format!("{}: {counts}", self.what) }
    }
}

/// What one transaction wrote of a call's invitations.
#[derive(Default)]
pub(super) struct Written {
    pub created: usize,
    /// Some were queued to be emailed.
    pub emailed: bool,
    /// Links handed to the caller (`deliver: none`, or customers without an address).
    pub links: Option<Vec<CreatedLink>>,
}

impl Written {
    pub(super) fn add(&mut self, more: Written) {
        self.created += more.created;
        self.emailed |= more.emailed;
        if let Some(links) = more.links {
            self.links.get_or_insert_with(Vec::new).extend(links);
        }
    }

    pub(super) fn into_created(self, asked: usize) -> Created {
        Created { created: self.created, existing: asked - self.created, links: self.links, ..Created::default() }
    }
}

/// Checks these rows (`numbers`: their places in the request, for errors) and writes those that
/// do not exist yet in `tx`, with their emails queued (emails wait for the cycle to open) or
/// their links minted. `launch_run`: the launch they belong to, unseen until it ends.
#[allow(clippy::too_many_arguments)]
pub(super) async fn write_rows(
    app: &App,
    tx: &mut Tx,
    cycle: &crate::domain::cycle::Cycle,
    rows: &[NewInvitation],
    numbers: &[usize],
    deliver: Deliver,
    launch_run: Option<&str>,
    now: i64,
) -> Result<Written> {
    // The cycle's settings (min_raters) and the surveys' questions stay as checked until commit.
    let surveys: BTreeSet<&str> = rows.iter().map(|r| r.survey_id.as_str()).collect();
    crate::db::lock_rows(tx, app.db.backend, "cycles", &[&cycle.id], crate::db::RowLock::Share).await?;
    let surveys: Vec<&str> = surveys.into_iter().collect();
    crate::db::lock_rows(tx, app.db.backend, "surveys", &surveys, crate::db::RowLock::Share).await?;
    let dir = load_directory(tx, rows).await?;
    for (r, &i) in rows.iter().zip(numbers) {
        check_row(i, r, &dir)?;
        only_by_email(i, r, &dir, deliver)?;
    }
    one_anonymous_survey(tx, &cycle.id, rows, &dir).await?;
    let created = invitations::insert_new(tx, &cycle.id, rows, &dir.addresses(rows), now, launch_run).await?;
    // Customers without an address are never emailed: their links come back, as with "none".
    let (emailed, handed): (Vec<Made>, Vec<Made>) =
        created.iter().partition(|&&(_, i)| deliver == Deliver::Email && can_email(&rows[i], &dir));
    let not_before_ms = cycle.opens_at.max(now) * 1000;
    outbox::queue(tx, Kind::Invitation, &by_respondent(rows, &emailed), not_before_ms, now).await?;
    invitations::set_delivery(tx, &handed.iter().map(|&(id, _)| id).collect::<Vec<_>>(), "none").await?;
    let links = if handed.is_empty() && deliver == Deliver::Email {
        None
    } else {
        let targets: Vec<LinkTarget> =
            handed.iter().map(|&(id, i)| (id, rows[i].subject_id.clone(), (&rows[i].respondent).into())).collect();
        Some(mint_links(app, tx, &targets, now).await?)
    };
    Ok(Written { created: created.len(), emailed: !emailed.is_empty(), links })
}

/// A new invitation: its id, and its row's index in the request.
type Made = (i64, usize);

/// An invitation to hand a fresh link for: its id, whom it is about, who is asked.
pub(super) type LinkTarget = (i64, String, RespondentInput);

/// One fresh link per invitation, shown once to the caller and stored only as a hash.
pub(super) async fn mint_links(app: &App, tx: &mut Tx, targets: &[LinkTarget], now: i64) -> Result<Vec<CreatedLink>> {
    let mut new_links = Vec::with_capacity(targets.len());
    let mut shown = Vec::with_capacity(targets.len());
    for (id, subject, respondent) in targets {
        let token = Token::mint();
        new_links.push(NewLink::respond(token.hash(), *id));
        shown.push(CreatedLink {
            subject: subject.clone(),
            respondent: respondent.clone(),
            url: format!("{}/s/{}", app.config.public_base(), token.as_str()),
        });
    }
    links::insert(tx, &new_links, now).await?;
    Ok(shown)
}
