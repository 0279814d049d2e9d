//! What the outbox worker reads and writes besides its own queue: who an email goes to, what
//! it carries, the links it holds, and what became of a webhook. The worker reaches storage
//! only through here (and `db::outbox`, its queue), like every other transport.
use super::{App, Result};
use crate::db::{cycles, invitations, links, nominations, sessions, webhooks};
use crate::domain::Token;
use crate::domain::cycle::Cycle;
use crate::domain::time;
use std::collections::{BTreeSet, HashMap, HashSet};

pub use crate::db::invitations::InvitationInfo;
pub use crate::db::links::NewLink;
pub use crate::db::nominations::Nomination;
pub use crate::db::webhooks::Webhook;

/// A person's name, address and language, if they are still in the directory.
pub async fn contact(app: &App, person: &str) -> Result<Option<(String, String, Option<String>)>> {
    Ok(sessions::contact(&app.db, person).await?)
}

/// A sign-in link for `person`, stored as a hash; it lives 15 minutes from now.
pub async fn login_link(app: &App, person: &str) -> Result<Token> {
    Ok(sessions::mint_login_link(&app.db, person).await?)
}

pub async fn cycle(app: &App, id: &str) -> Result<Option<Cycle>> {
    Ok(cycles::load(&app.db.pool, id).await?)
}

pub async fn nomination(app: &App, cycle: &str, subject: &str) -> Result<Option<Nomination>> {
    Ok(nominations::load(&app.db.pool, cycle, subject).await?)
}

/// What a round of review emails reads, in a few statements for all its rows.
pub struct Round {
    /// The invitations each email carries, by outbox row.
    pub items: HashMap<i64, Vec<i64>>,
    pub infos: HashMap<i64, InvitationInfo>,
    /// Customers' addresses that asked for no more emails.
    pub suppressed: HashSet<String>,
    /// The invitations among them whose answers are anonymous.
    pub anonymous: HashSet<i64>,
}

/// Loads a round: `rows` are (outbox row, the one invitation an older row names).
pub async fn round(app: &App, rows: &[(i64, Option<i64>)]) -> Result<Round> {
    let (db, now) = (&app.db, time::now());
    let ids: Vec<i64> = rows.iter().map(|&(id, _)| id).collect();
    let mut items = crate::db::outbox::items_of(db, &ids).await?;
    for &(row, invitation) in rows {
        // A row of an older release names its one invitation and has no items.
        if let (None, Some(id)) = (items.get(&row), invitation) {
            items.insert(row, vec![id]);
        }
    }
    let invitation_ids: Vec<i64> = items.values().flatten().copied().collect();
    let infos = invitations::infos(db, &invitation_ids, now).await?;
    let customers: BTreeSet<String> =
        infos.values().filter(|i| i.respondent_customer_id.is_some()).map(|i| i.respondent_email.clone()).collect();
    let suppressed = links::suppressed_among(db, &customers.into_iter().collect::<Vec<_>>()).await?;
    let mut anonymous_surveys = HashSet::new();
    for id in infos.values().map(|i| i.survey_id.as_str()).collect::<BTreeSet<_>>() {
        if app.surveys.get(&db.pool, id).await?.is_some_and(|s| s.anonymous) {
            anonymous_surveys.insert(id.to_string());
        }
    }
    let anonymous = infos
        .values()
        .filter(|i| i.relation.is_anonymous(anonymous_surveys.contains(&i.survey_id)))
        .map(|i| i.id)
        .collect();
    Ok(Round { items, infos, suppressed, anonymous })
}

/// Stores the links of a round's emails, before any of them is sent.
pub async fn store_links(app: &App, new: &[NewLink]) -> Result<()> {
    Ok(links::insert_all(&app.db, new, time::now()).await?)
}

/// Deletes links whose email never went out: nobody saw them.
pub async fn drop_links(app: &App, hashes: &[String]) -> Result<()> {
    Ok(links::delete(&app.db.pool, hashes).await?)
}

/// Counts one more reminder sent for each of these invitations.
pub async fn count_reminders(app: &App, invitations_sent: &[i64]) -> Result<()> {
    Ok(invitations::count_reminder(&app.db, invitations_sent).await?)
}

pub async fn webhook(app: &App, id: &str) -> Result<Option<Webhook>> {
    Ok(webhooks::get(&app.db, id).await?)
}

/// One delivery attempt of a webhook, for its page: (webhook, outbox row, event, attempt) and
/// (outcome, status, latency in ms).
pub async fn record_webhook_delivery(
    app: &App,
    attempt: (&str, i64, &str, i64),
    outcome: (&str, &str, i64),
) -> Result<()> {
    Ok(webhooks::record_delivery(&app.db.pool, attempt, outcome, time::now()).await?)
}
