//! Invitations: checked against the org chart and the survey, created once, emailed through
//! the outbox (or returned as links); 360 launches from the org chart.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result};
use crate::db::directory::{self, PersonRow};
use crate::db::links::{self, NewLink};
use crate::db::outbox::{self, Kind};
use crate::db::{Tx, invitations};
use crate::domain::reviews::{NewInvitation, Respondent};
use crate::domain::survey::SurveyKind;
use crate::domain::{Relation, Token, time};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
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

fn mismatch(i: usize, msg: impl std::fmt::Display) -> Error {
    Error::conflict("relation_mismatch", format!("invitation {i}: {msg}"))
}

/// Everything a batch refers to, loaded once.
struct Directory {
    survey_kinds: HashMap<String, SurveyKind>,
    anonymous_surveys: HashSet<String>,
    /// Subjects, raters, and every subject's managers up the reporting line.
    people: HashMap<String, PersonRow>,
    /// Each customer's email address ('' for none).
    customers: HashMap<String, String>,
}

impl Directory {
    /// The address each respondent has now, by respondent key: what invitations keep.
    fn addresses(&self, rows: &[NewInvitation]) -> HashMap<String, String> {
        rows.iter()
            .filter_map(|r| {
                let email = match &r.respondent {
                    Respondent::Person(p) => self.people.get(p).map(|p| p.email.clone()),
                    Respondent::Customer(c) => self.customers.get(c).cloned(),
                };
                Some((r.respondent.key(), email?))
            })
            .collect()
    }

    /// Whether `rater` is above `subject` in the reporting line (their manager, or theirs…).
    fn manages(&self, rater: &str, subject: &str) -> bool {
        let mut at = self.people.get(subject).and_then(|p| p.manager_id.as_deref());
        let mut seen = HashSet::new();
        while let Some(m) = at {
            if m == rater {
                return true;
            }
            if !seen.insert(m) {
                return false;
            }
            at = self.people.get(m).and_then(|p| p.manager_id.as_deref());
        }
        false
    }
}

async fn load_directory(tx: &mut Tx, rows: &[NewInvitation]) -> Result<Directory> {
    let (mut survey_kinds, mut anonymous_surveys) = (HashMap::new(), HashSet::new());
    for id in rows.iter().map(|r| r.survey_id.as_str()).collect::<BTreeSet<_>>() {
        // Through the transaction's own connection: never wait on the pool while holding one.
        if let Some(s) = crate::db::surveys::load_on(tx, id).await? {
            survey_kinds.insert(id.to_string(), s.kind);
            if s.anonymous {
                anonymous_surveys.insert(id.to_string());
            }
        }
    }
    let mut person_ids: BTreeSet<String> = rows.iter().map(|r| r.subject_id.clone()).collect();
    let mut customer_ids = BTreeSet::new();
    for r in rows {
        match &r.respondent {
            Respondent::Person(p) => person_ids.insert(p.clone()),
            Respondent::Customer(c) => customer_ids.insert(c.clone()),
        };
    }
    let person_ids: Vec<String> = person_ids.into_iter().collect();
    let customer_ids: Vec<String> = customer_ids.into_iter().collect();
    // Admin accounts that are not people are never a subject nor a rater.
    let mut people = directory::org_people_by_id(tx, &person_ids).await?;
    // Every subject's reporting line, a level at a time: none of it may be a peer.
    loop {
        let above: BTreeSet<String> =
            people.values().filter_map(|p| p.manager_id.clone()).filter(|m| !people.contains_key(m)).collect();
        if above.is_empty() {
            break;
        }
        let found = directory::org_people_by_id(tx, &above.into_iter().collect::<Vec<_>>()).await?;
        if found.is_empty() {
            break;
        }
        people.extend(found);
    }
    let customers = directory::customers_by_id(tx, &customer_ids)
        .await?
        .into_iter()
        .map(|(id, c)| (id, c.email.unwrap_or_default()))
        .collect();
    Ok(Directory { survey_kinds, anonymous_surveys, people, customers })
}

/// A relation must fit the survey's kind and the org chart.
fn check_row(i: usize, r: &NewInvitation, dir: &Directory) -> Result<()> {
    let kind = dir.survey_kinds.get(&r.survey_id).ok_or_else(|| {
        Error::conflict("unknown_survey", format!("invitation {i}: no survey {:?}", r.survey_id)).naming(&r.survey_id)
    })?;
    let subject = dir.people.get(&r.subject_id).ok_or_else(|| {
        Error::conflict("unknown_subject", format!("invitation {i}: no person {:?}", r.subject_id))
            .naming(&r.subject_id)
    })?;
    let unknown = |what: &str, id: &str| {
        Error::conflict("unknown_respondent", format!("invitation {i}: no {what} {id:?}")).naming(id)
    };
    let left = |id: &str| {
        Error::conflict(
            "inactive_person",
            format!("invitation {i}: {id:?} has left (active: false) and takes part in nothing new"),
        )
        .naming(id)
    };
    if !subject.active {
        return Err(left(&subject.id));
    }
    match (&r.respondent, kind) {
        (Respondent::Customer(c), SurveyKind::Customer) => {
            if !dir.customers.contains_key(c) {
                return Err(unknown("customer", c));
            }
            if r.relation != Relation::Customer {
                return Err(mismatch(i, "a customer survey takes relation \"customer\""));
            }
        }
        (Respondent::Person(p), SurveyKind::Peer) => {
            let rater = dir.people.get(p).ok_or_else(|| unknown("person", p))?;
            if !rater.active {
                return Err(left(p));
            }
            let is_manager = subject.manager_id.as_deref() == Some(p.as_str());
            let is_report = rater.manager_id.as_deref() == Some(subject.id.as_str());
            let fits = match r.relation {
                Relation::SelfReview => p == &subject.id,
                Relation::Manager => is_manager,
                Relation::DirectReport => is_report,
                // Nobody in the subject's reporting line, above or just below, is their peer.
                Relation::Peer => p != &subject.id && !dir.manages(p, &subject.id) && !is_report,
                Relation::Customer => false,
            };
            if !fits {
                return Err(mismatch(
                    i,
                    format!("{p:?} is not {:?} of {:?} in the org chart", r.relation.as_str(), subject.id),
                ));
            }
        }
        (Respondent::Customer(_), SurveyKind::Peer) => {
            return Err(mismatch(i, "a peer survey is answered by people, not customers"));
        }
        (Respondent::Person(_), SurveyKind::Customer) => {
            return Err(mismatch(i, "a customer survey is answered by customers"));
        }
    }
    Ok(())
}

/// An anonymous review reaches its rater only by email, at the address of record (CONTRACT
/// §10): a link handed to the caller could be answered by anyone holding it, and a group
/// padded with such answers gives away the real raters' answers by subtraction.
fn only_by_email(i: usize, r: &NewInvitation, dir: &Directory, deliver: Deliver) -> Result<()> {
    if !r.relation.is_anonymous(dir.anonymous_surveys.contains(&r.survey_id)) {
        return Ok(());
    }
    let reason = if deliver == Deliver::None {
        "anonymous reviews are only emailed to their raters, never handed back as links (use \"deliver\":\"email\")"
    } else if !can_email(r, dir) {
        "this customer has no email address, and anonymous reviews are only emailed"
    } else {
        return Ok(());
    };
    Err(Error::invalid("anonymous_needs_email", format!("invitation {i}: {reason}")))
}

/// A subject's anonymous group of one relation answers one survey in a cycle. Otherwise the
/// released answers of a survey only one rater was asked would be that rater's, however many
/// raters the group has (409 `one_anonymous_survey`).
async fn one_anonymous_survey(tx: &mut Tx, cycle: &str, rows: &[NewInvitation], dir: &Directory) -> Result<()> {
    let mut surveys = invitations::anonymous_surveys(tx, cycle).await?;
    for (i, r) in rows.iter().enumerate() {
        if !r.relation.is_anonymous(dir.anonymous_surveys.contains(&r.survey_id)) {
            continue;
        }
        let asked = surveys.entry((r.subject_id.clone(), r.relation.as_str().to_string())).or_default();
        asked.insert(r.survey_id.clone());
        if asked.len() > 1 {
            let list: Vec<&str> = asked.iter().map(String::as_str).collect();
            return Err(Error::conflict(
                "one_anonymous_survey",
                format!(
                    "invitation {i}: {:?}'s anonymous {} reviews would use several surveys ({}); use one, so no \
                     survey's answers can be told apart from the rest",
                    r.subject_id,
                    r.relation.as_str(),
                    list.join(", ")
                ),
            ));
        }
    }
    Ok(())
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
    let mut tx = app.db.begin().await?;
    // The cycle's settings (min_raters) and the surveys' questions stay as checked until commit.
    let surveys: BTreeSet<&str> = rows.iter().map(|r| r.survey_id.as_str()).collect();
    crate::db::lock_rows(&mut tx, app.db.backend, "cycles", &[cycle_id], crate::db::RowLock::Share).await?;
    crate::db::lock_rows(
        &mut tx,
        app.db.backend,
        "surveys",
        &surveys.into_iter().collect::<Vec<_>>(),
        crate::db::RowLock::Share,
    )
    .await?;
    let dir = load_directory(&mut tx, &rows).await?;
    for (i, r) in rows.iter().enumerate() {
        check_row(i, r, &dir)?;
        only_by_email(i, r, &dir, deliver)?;
    }
    one_anonymous_survey(&mut tx, cycle_id, &rows, &dir).await?;
    let created = invitations::insert_new(&mut tx, cycle_id, &rows, &dir.addresses(&rows), now).await?;
    if !created.is_empty() {
        // The cycle keeps the org chart as it is now: later moves change none of its views.
        directory::snapshot_org(&mut tx, cycle_id).await?;
    }
    // Customers without an address are never emailed: their links come back, as with "none".
    let (emailed, handed): (Vec<Made>, Vec<Made>) =
        created.iter().partition(|&&(_, i)| deliver == Deliver::Email && can_email(&rows[i], &dir));
    // Emails wait for the cycle to open.
    let not_before_ms = cycle.opens_at.max(now) * 1000;
    outbox::queue(&mut tx, Kind::Invitation, &by_respondent(&rows, &emailed), not_before_ms, now).await?;
    invitations::set_delivery(&mut tx, &handed.iter().map(|&(id, _)| id).collect::<Vec<_>>(), "none").await?;
    let links = if handed.is_empty() && deliver == Deliver::Email {
        None
    } else {
        let targets: Vec<LinkTarget> =
            handed.iter().map(|&(id, i)| (id, rows[i].subject_id.clone(), (&rows[i].respondent).into())).collect();
        Some(mint_links(app, &mut tx, &targets, now).await?)
    };
    let counts = format!("created {}, existing {}", created.len(), rows.len() - created.len());
    let detail = if rec.what.is_empty() { counts } else { format!("{}: {counts}", rec.what) };
    audit::write(&mut tx, rec.actor, rec.action, Target::Cycle(cycle_id), &detail).await?;
    tx.commit().await?;
    if !emailed.is_empty() {
        app.wake_outbox();
    }
    tracing::info!(created = created.len(), "invitations created");
    Ok(Created { created: created.len(), existing: rows.len() - created.len(), links, ..Created::default() })
}

/// A new invitation: its id, and its row's index in the request.
type Made = (i64, usize);

/// Whether this invitation's respondent can be emailed (a customer may have no address).
fn can_email(row: &NewInvitation, dir: &Directory) -> bool {
    match &row.respondent {
        Respondent::Person(_) => true,
        Respondent::Customer(c) => dir.customers.get(c).is_some_and(|email| !email.is_empty()),
    }
}

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
    links::insert_many(tx, &new_links, now).await?;
    Ok(shown)
}
