//! Peer nomination (CONTRACT §9): a launch with `peers: nominated` asks each subject to choose
//! between `min_peers` and `max_peers` colleagues; their manager (or an admin) approves or edits
//! the list, which creates the peer invitations. A list submitted by its deadline is approved
//! as it stands when the deadline passes.
use super::audit::{Actor, AuditAction};
use super::invitations::{self, Created, Deliver, SmallGroup};
use super::notices::{self, Event, Notice};
use super::{App, Error, Result};
use crate::db::nominations::{self as db, NewNominations};
use crate::db::sessions::Viewer;
use crate::domain::Relation;
use crate::domain::orgchart::{OrgPerson, below};
use crate::domain::reviews::{NewInvitation, Respondent};
use crate::domain::time;
use std::collections::HashSet;

/// One subject's nomination in one cycle.
#[derive(Debug, Clone)]
pub struct Nomination {
    pub cycle_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub subject_id: String,
    pub subject_name: String,
    pub survey_id: String,
    /// `open` (waiting for the subject), `submitted` (waiting for approval) or `approved`.
    pub status: String,
    pub min_peers: i64,
    pub max_peers: i64,
    pub deliver: String,
    pub due_at: Option<i64>,
    pub picks: Vec<String>,
}

impl From<db::Nomination> for Nomination {
    fn from(n: db::Nomination) -> Nomination {
        let db::Nomination {
            cycle_id,
            cycle_title,
            cycle_title_i18n,
            subject_id,
            subject_name,
            survey_id,
            status,
            min_peers,
            max_peers,
            deliver,
            due_at,
            picks,
        } = n;
        Nomination {
            cycle_id,
            cycle_title,
            cycle_title_i18n,
            subject_id,
            subject_name,
            survey_id,
            status,
            min_peers,
            max_peers,
            deliver,
            due_at,
            picks,
        }
    }
}

/// How many colleagues each subject chooses, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub min_peers: i64,
    pub max_peers: i64,
    /// After this (unix seconds), submitted lists are approved as they stand.
    pub due_at: Option<i64>,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule { min_peers: 3, max_peers: 8, due_at: None }
    }
}

impl Rule {
    pub fn check(&self) -> Result<()> {
        if !(1..=50).contains(&self.min_peers) || self.max_peers < self.min_peers || self.max_peers > 50 {
            return Err(Error::invalid(
                "invalid_peers",
                "min_peers must be 1–50 and max_peers between min_peers and 50",
            ));
        }
        Ok(())
    }
}

/// Asks these subjects to nominate and queues their emails (when the cycle opens); returns how
/// many were newly asked.
pub(super) async fn ask(
    app: &App,
    cycle: &crate::domain::cycle::Cycle,
    survey: &str,
    subjects: &[String],
    rule: Rule,
    deliver: Deliver,
) -> Result<usize> {
    let now = time::now();
    let deliver = if deliver == Deliver::Email { "email" } else { "none" };
    let mut tx = app.db.begin().await?;
    let n = NewNominations {
        cycle: &cycle.id,
        survey,
        min_peers: rule.min_peers,
        max_peers: rule.max_peers,
        deliver,
        due_at: rule.due_at,
    };
    let asked = db::create(&mut tx, &n, subjects).await?;
    db::queue_emails(&mut tx, &cycle.id, &asked, cycle.opens_at.max(now) * 1000, now).await?;
    tx.commit().await?;
    if !asked.is_empty() {
        app.wake_outbox();
    }
    Ok(asked.len())
}

/// Someone a subject may choose.
#[derive(Debug, Clone)]
pub struct Colleague {
    pub id: String,
    pub name: String,
    pub team: Option<String>,
}

/// Who `subject` may nominate: active colleagues of any team other than themselves, anyone
/// above them in the reporting line and their direct reports (a manager is never an anonymous
/// peer; direct reports review them in that relation already).
pub async fn colleagues(app: &App, subject: &str) -> Result<Vec<Colleague>> {
    let everyone = db::active_people(&app.db.pool).await?;
    // The reporting line with those who left: a manager who left does not cut it.
    let all = crate::db::directory::org_chart(&app.db.pool).await?;
    let index = crate::domain::reviews::OrgIndex::new(&all);
    Ok(everyone
        .into_iter()
        .filter(|(id, _, _, m)| id != subject && !index.manages(id, subject) && m.as_deref() != Some(subject))
        .map(|(id, name, team, _)| Colleague { id, name, team })
        .collect())
}

/// The subject's own nominations in open cycles.
pub async fn mine(app: &App, person: &str) -> Result<Vec<Nomination>> {
    let mine = db::in_open_cycles(&app.db.pool, Some(&[person.to_string()]), time::now()).await?;
    Ok(mine.into_iter().map(Nomination::from).collect())
}

/// The lists still to approve that a viewer may approve: everyone's for an admin, their
/// reports' (at any depth, in each cycle's org chart) for a manager.
pub async fn to_approve(app: &App, viewer: &Viewer) -> Result<Vec<Nomination>> {
    let open: Vec<Nomination> = db::in_open_cycles(&app.db.pool, None, time::now())
        .await?
        .into_iter()
        .filter(|n| n.status != "approved" && n.subject_id != viewer.person_id)
        .map(Nomination::from)
        .collect();
    if viewer.is_admin {
        return Ok(open);
    }
    let mut orgs: std::collections::HashMap<String, HashSet<String>> = Default::default();
    let mut out = Vec::new();
    for n in open {
        if !orgs.contains_key(&n.cycle_id) {
            let below = below(&viewer.person_id, &cycle_org(app, &n.cycle_id).await?);
            orgs.insert(n.cycle_id.clone(), below);
        }
        if orgs[&n.cycle_id].contains(&n.subject_id) {
            out.push(n);
        }
    }
    Ok(out)
}

/// One nomination, for its subject or someone who may approve it.
pub async fn load(app: &App, viewer: &Viewer, cycle: &str, subject: &str) -> Result<Nomination> {
    let n = db::load(&app.db.pool, cycle, subject).await?.ok_or_else(|| Error::not_found("nomination", subject))?;
    if subject != viewer.person_id && !may_approve(app, viewer, cycle, subject).await? {
        return Err(Error::not_found("nomination", subject));
    }
    Ok(n.into())
}

/// Admins, and the subject's managers in the org chart the cycle keeps (as at its launch).
async fn may_approve(app: &App, viewer: &Viewer, cycle: &str, subject: &str) -> Result<bool> {
    if viewer.is_admin {
        return Ok(true);
    }
    Ok(below(&viewer.person_id, &cycle_org(app, cycle).await?).contains(subject))
}

/// The org chart a cycle keeps; today's if it kept none yet.
async fn cycle_org(app: &App, cycle: &str) -> Result<Vec<OrgPerson>> {
    let kept = super::access::org_chart_of(app, cycle).await?;
    if kept.is_empty() { super::access::org_chart(app).await } else { Ok(kept) }
}

/// The subject's choice: between `min_peers` and `max_peers` of their [`colleagues`]; it can be
/// changed until it is approved.
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn submit(app: &App, person: &str, cycle: &str, picks: &[String]) -> Result<()> {
    let n = db::load(&app.db.pool, cycle, person).await?.ok_or_else(|| Error::not_found("nomination", person))?;
    super::cycles::load_open(app, cycle, time::now()).await?;
    let picks = valid_picks(app, person, picks).await?;
    let count = picks.len() as i64;
    if count < n.min_peers || count > n.max_peers {
        return Err(Error::invalid(
            "peer_count",
            format!("choose between {} and {} colleagues", n.min_peers, n.max_peers),
        ));
    }
    // The subject's manager in the cycle's org chart approves: they are told a list waits.
    let org = super::access::org_chart_of(app, cycle).await?;
    let manager = org.iter().find(|p| p.id == person).and_then(|p| p.manager_id.clone());
    let mut tx = app.db.begin().await?;
    if !db::set_picks(&mut tx, cycle, person, &picks, "submitted", None, time::now()).await? {
        return Err(Error::conflict("nomination_approved", "this list was approved already"));
    }
    if let Some(manager) = manager {
        notices::queue(&mut tx, &manager, &notice(Event::NominationSubmitted, cycle, person)).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn notice(event: Event, cycle: &str, subject: &str) -> Notice {
    Notice { event, cycle: cycle.to_string(), subject: subject.to_string(), author: None }
}

/// Distinct picks, each one the subject may choose; anything else is refused by name.
async fn valid_picks(app: &App, subject: &str, picks: &[String]) -> Result<Vec<String>> {
    let allowed: HashSet<String> = colleagues(app, subject).await?.into_iter().map(|c| c.id).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in picks {
        if !allowed.contains(p) {
            return Err(
                Error::conflict("invalid_nominee", format!("{p:?} cannot review this person as a peer")).naming(p)
            );
        }
        if seen.insert(p.clone()) {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// What an approval did.
pub struct Approved {
    pub created: Created,
    /// The peer group cannot reach `min_raters` with this list.
    pub too_small: Option<SmallGroup>,
}

/// Approves a list — as the approver edited it (1 to `max_peers` colleagues), or for the
/// deadline (`viewer` None) as the subject submitted it — and creates the peer invitations.
/// The approval is claimed first, in its own transaction: of two approvals at once, one wins and
/// the other gets 409; if the invitations cannot be created, the list waits again.
pub async fn approve(
    app: &App,
    viewer: Option<&Viewer>,
    cycle: &str,
    subject: &str,
    picks: &[String],
) -> Result<Approved> {
    let n = db::load(&app.db.pool, cycle, subject).await?.ok_or_else(|| Error::not_found("nomination", subject))?;
    if let Some(v) = viewer
        && (v.person_id == subject || !may_approve(app, v, cycle, subject).await?)
    {
        return Err(Error::not_found("nomination", subject));
    }
    let chosen = match viewer {
        Some(v) => {
            if picks.contains(&v.person_id) {
                return Err(Error::invalid(
                    "approver_in_list",
                    "you cannot add yourself to a list you approve: an approver is never one of the peers",
                ));
            }
            let picks = valid_picks(app, subject, picks).await?;
            if picks.is_empty() || picks.len() as i64 > n.max_peers {
                return Err(Error::invalid("peer_count", format!("approve between 1 and {} colleagues", n.max_peers)));
            }
            Some(picks)
        }
        None => None,
    };
    let now = time::now();
    let by = viewer.map(|v| v.person_id.as_str()).unwrap_or("deadline");
    let mut tx = app.db.begin().await?;
    let Some(picks) = db::claim_approval(&mut tx, cycle, subject, chosen.as_deref(), by, now).await? else {
        tx.rollback().await?;
        return Err(Error::conflict("nomination_approved", "this list was approved already"));
    };
    tx.commit().await?;
    let rows: Vec<NewInvitation> = picks
        .iter()
        .map(|p| NewInvitation {
            survey_id: n.survey_id.clone(),
            subject_id: subject.to_string(),
            relation: Relation::Peer,
            respondent: Respondent::Person(p.clone()),
        })
        .collect();
    // Peers review anonymously, so their invitations are emailed whatever the launch asked
    // (a list stored before that rule asked for links: CONTRACT §10).
    let deliver = Deliver::Email;
    let actor = viewer.map_or(Actor::System, |v| Actor::Person(v.person_id.clone()));
    let what = format!("peers of {subject}");
    let rec = invitations::Recorded { actor: &actor, action: AuditAction::ApproveNominations, what };
    let created = match invitations::create_recorded(app, rec, cycle, rows, deliver).await {
        Ok(c) => c,
        Err(e) => {
            if let Err(undo) = db::unapprove(&app.db.pool, cycle, subject).await {
                tracing::error!(error = %undo, cycle, "an approval whose invitations failed stays approved");
            }
            return Err(e);
        }
    };
    // Told once the invitations exist (an approval whose invitations failed waits again).
    let mut tx = app.db.begin().await?;
    notices::queue(&mut tx, subject, &notice(Event::NominationApproved, cycle, subject)).await?;
    tx.commit().await?;
    let min_raters = super::cycles::load(app, cycle).await?.min_raters;
    let raters = picks.len() as i64;
    let too_small = (raters < min_raters).then(|| SmallGroup {
        subject: subject.to_string(),
        relation: Relation::Peer,
        raters,
        min_raters,
    });
    tracing::info!(cycle, peers = raters, "peer nominations approved");
    Ok(Approved { created, too_small })
}

/// Approves, as they stand, the submitted lists whose deadline has passed (the worker).
#[tracing::instrument(skip_all)]
pub async fn approve_due(app: &App) -> Result<usize> {
    let mut n = 0;
    for (cycle, subject) in db::due(&app.db.pool, time::now()).await? {
        match approve(app, None, &cycle, &subject, &[]).await {
            Ok(_) => n += 1,
            // Approved by someone meanwhile.
            Err(e) if e.code() == "nomination_approved" => {}
            Err(e) => tracing::warn!(error = %e.chain(), cycle, "could not approve a nomination at its deadline"),
        }
    }
    Ok(n)
}
