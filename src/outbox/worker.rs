//! The background worker: closes cycles that reached `closes_at` and drains the outbox.
//! Each email's link is minted here, when the email is built, so no table holds a token.
use super::SendError;
use super::email::{self as compose, EmailItem, InvitationEmail};
use super::mailer::Mailer;
use super::outcome::Outcome;
use crate::app::telemetry::Delivery;
use crate::app::{self, App};
use crate::db::invitations::{self, InvitationInfo};
use crate::db::links::{self, NewLink};
use crate::db::outbox::{self, AddressChanged, Claimed, Final, Kind};
use crate::domain::{Locale, Token, time};
use crate::i18n::{Text, fill, text};
use lettre::message::Mailbox;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The emails addressed to one person: sign-in, results ready, choose your reviewers.
#[path = "notices.rs"]
mod notices;

/// Rows claimed per round, and sent concurrently.
const BATCH: i64 = 32;
/// A claimed row is left alone this long; a worker that dies mid-send frees it by timing out.
const LEASE_MS: i64 = 120_000;
const MAX_BACKOFF_MS: u64 = 300_000;
/// How often the retention sweep looks for cycles past their retention.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// Webhook deliveries in flight at once (each times out after `webhook::TIMEOUT`).
const WEBHOOKS_AT_ONCE: usize = 8;

struct Worker {
    app: App,
    /// Webhook deliveries in flight: each on its own task, so a slow receiver holds up neither
    /// emails nor the closing of cycles.
    hooks: Arc<tokio::sync::Semaphore>,
    mailer: Mailer,
    from: Mailbox,
    http: reqwest::Client,
}

pub async fn run(app: App, mut stop: watch::Receiver<bool>) {
    let mailer = match Mailer::from_config(&app.config) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "email worker cannot start");
            return;
        }
    };
    let from: Mailbox = match app.config.mail_from.parse::<Mailbox>() {
        // The organisation is who the email comes from, as people see it.
        Ok(m) => match &app.config.org_name {
            Some(org) => Mailbox::new(Some(org.clone()), m.email),
            None => m,
        },
        Err(e) => {
            tracing::error!(error = %e, "bad sender address");
            return;
        }
    };
    let poll = Duration::from_millis(app.config.worker_poll_ms);
    let http = super::webhook::client(app.config.webhook_allow_private);
    let hooks = Arc::new(tokio::sync::Semaphore::new(WEBHOOKS_AT_ONCE));
    let worker = Arc::new(Worker { app, mailer, from, http, hooks });
    let mut swept_at: Option<std::time::Instant> = None;
    loop {
        // Retention (CANDOR_RETENTION_MONTHS) at start, then hourly: it works in months.
        if worker.app.config.retention_months.is_some() && swept_at.is_none_or(|t| t.elapsed() >= RETENTION_EVERY) {
            swept_at = Some(std::time::Instant::now());
            if let Err(e) = crate::app::retention::run(&worker.app).await {
                tracing::warn!(error = %e.chain(), "the retention sweep failed");
            }
        }
        if let Err(e) = crate::app::cycles::close_due(&worker.app).await {
            tracing::warn!(error = %e.chain(), "closing due cycles failed");
        }
        if let Err(e) = crate::app::reminders::schedule_reminders(&worker.app).await {
            tracing::warn!(error = %e.chain(), "scheduling reminders failed");
        }
        if let Err(e) = crate::app::nominations::approve_due(&worker.app).await {
            tracing::warn!(error = %e.chain(), "approving nominations at their deadline failed");
        }
        if let Err(e) = crate::app::schedules::run_due(&worker.app).await {
            tracing::warn!(error = %e.chain(), "opening scheduled cycles failed");
        }
        let drained = match drain_once(&worker).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "claiming emails failed");
                0
            }
        };
        if *stop.borrow() {
            break;
        }
        if drained as i64 == BATCH {
            continue;
        }
        tokio::select! {
            _ = stop.changed() => break,
            _ = worker.app.outbox_woken() => {},
            _ = tokio::time::sleep(poll) => {},
        }
    }
}

#[tracing::instrument(skip_all)]
async fn drain_once(worker: &Arc<Worker>) -> Result<usize, sqlx::Error> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let rows = outbox::claim_due(&worker.app.db, now_ms, LEASE_MS, BATCH).await?;
    let n = rows.len();
    let mut tasks = JoinSet::new();
    for row in rows {
        let worker = worker.clone();
        if row.kind == Some(Kind::Webhook) {
            // Not awaited here: the row stays leased while its delivery runs.
            match worker.hooks.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(async move {
                        worker.process(row).await;
                        drop(permit);
                    });
                }
                // Every slot busy: the lease runs out and the row is claimed again later.
                Err(_) => continue,
            }
            continue;
        }
        tasks.spawn(async move { worker.process(row).await });
    }
    while tasks.join_next().await.is_some() {}
    Ok(n)
}

/// Server replies often quote the recipient: keep addresses out of the logs.
fn without_addresses(text: &str) -> String {
    text.split(' ').map(|w| if w.contains('@') { "<address>" } else { w }).collect::<Vec<_>>().join(" ")
}

/// Logs name the recipient's domain, never the address.
fn email_domain(addr: &str) -> &str {
    addr.rsplit_once('@').map_or("", |(_, d)| d)
}

/// 1×, 2×, 4×… the base delay after each failed attempt, capped at five minutes.
fn backoff_ms(base_ms: u64, attempts: i64) -> u64 {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    base_ms.saturating_mul(1u64 << exp).min(MAX_BACKOFF_MS)
}

impl Worker {
    #[tracing::instrument(skip_all, fields(outbox = row.id, kind = row.kind.map(|k| k.as_str()), attempt = row.attempts))]
    async fn process(&self, row: Claimed) {
        let attempted = match row.kind {
            Some(Kind::Invitation | Kind::Reminder) => self.send_reviews(&row).await,
            Some(Kind::Webhook) if self.app.config.deliver_webhooks == "off" => {
                Ok(Outcome::Skipped("webhook delivery is off"))
            }
            Some(Kind::Webhook) => self.send_webhook(&row).await,
            Some(Kind::Login) => self.send_login(&row).await,
            Some(Kind::Results) => self.send_results(&row).await,
            Some(Kind::Nomination) => self.send_nomination(&row).await,
            Some(Kind::AddressChanged) => Ok(self.send_address_changed(&row).await),
            Some(Kind::Notice) => self.send_notice(&row).await,
            None => Ok(Outcome::Skipped("unknown kind")),
        };
        let outcome = attempted
            .unwrap_or_else(|e| {
                if e.kind() == app::Kind::Bug {
                    tracing::error!(outbox = row.id, error = %without_addresses(&e.chain()), "sending met a bug");
                }
                Outcome::from(e)
            })
            .capped(row.attempts);
        self.count(&row, &outcome);
        let db = &self.app.db;
        let now = time::now();
        let stored = match &outcome {
            Outcome::Sent => outbox::finish(db, row.id, Final::Sent, None, now).await,
            Outcome::Skipped(why) => outbox::finish(db, row.id, Final::Skipped, Some(why), now).await,
            Outcome::Permanent(e) => {
                tracing::warn!(outbox = row.id, error = %without_addresses(e), "email refused for good");
                outbox::finish(db, row.id, Final::Failed, Some(e), now).await
            }
            Outcome::Transient(e) | Outcome::Bug(e) => {
                let wait = backoff_ms(self.app.config.mail_retry_base_ms, row.attempts);
                tracing::info!(outbox = row.id, attempts = row.attempts, retry_in_ms = wait, error = %without_addresses(e), "email will be retried");
                let next = chrono::Utc::now().timestamp_millis() + wait as i64;
                outbox::retry_at(db, row.id, next, e).await
            }
        };
        if let Err(e) = stored {
            // The lease runs out and the row is tried again; at worst one email goes twice.
            tracing::error!(outbox = row.id, error = %e, "could not record an email's outcome");
        }
    }

    /// The attempt's outcome in the metrics: webhooks apart from emails.
    fn count(&self, row: &Claimed, outcome: &Outcome) {
        let delivery = match outcome {
            Outcome::Sent => Delivery::Sent,
            Outcome::Skipped(_) => Delivery::Skipped,
            Outcome::Transient(_) | Outcome::Bug(_) => Delivery::Retry,
            Outcome::Permanent(_) => Delivery::Failed,
        };
        match row.kind {
            Some(Kind::Webhook) => self.app.metrics.webhook(delivery),
            _ => self.app.metrics.email(delivery),
        }
    }

    async fn send_webhook(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        let (Some(id), Some(body)) = (&row.webhook_id, &row.payload) else {
            return Ok(Outcome::Skipped("webhook deleted"));
        };
        let Some(hook) = crate::db::webhooks::get(&self.app.db, id).await? else {
            return Ok(Outcome::Skipped("webhook deleted"));
        };
        let event = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["event"].as_str().map(str::to_string))
            .unwrap_or_default();
        let started = std::time::Instant::now();
        let delivered = super::webhook::deliver(
            &self.http,
            self.app.config.webhook_allow_private,
            &hook.url,
            &hook.secret,
            &event,
            row.id,
            body,
        )
        .await;
        let latency_ms = started.elapsed().as_millis() as i64;
        let outcome = match delivered {
            Ok(()) => {
                tracing::info!(outbox = row.id, webhook = %hook.id, "webhook delivered");
                Outcome::Sent
            }
            Err(SendError::Permanent(e)) => Outcome::Permanent(e),
            Err(SendError::Transient(e)) if row.attempts >= super::webhook::MAX_ATTEMPTS => {
                Outcome::Permanent(format!("gave up after {} attempts: {e}", row.attempts))
            }
            Err(SendError::Transient(e)) => Outcome::Transient(e),
        };
        let (kind, status) = match &outcome {
            Outcome::Sent => ("delivered", "2xx".to_string()),
            Outcome::Transient(e) | Outcome::Bug(e) => ("retrying", e.clone()),
            Outcome::Permanent(e) => ("failed", e.clone()),
            Outcome::Skipped(why) => ("failed", why.to_string()),
        };
        let attempt = (hook.id.as_str(), row.id, event.as_str(), row.attempts);
        if let Err(e) =
            crate::db::webhooks::record_delivery(&self.app.db.pool, attempt, (kind, &status, latency_ms), time::now())
                .await
        {
            tracing::warn!(error = %e, "could not record a webhook delivery");
        }
        Ok(outcome)
    }

    /// The invitations an email carries that can still be answered.
    async fn still_open(&self, row: &Claimed) -> Result<Vec<InvitationInfo>, app::Error> {
        let (db, now) = (&self.app.db, time::now());
        let mut ids = outbox::items(db, row.id).await?;
        if ids.is_empty() {
            ids.extend(row.invitation_id);
        }
        let mut open = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(info) = invitations::info(&db.pool, id, now).await?
                && !info.completed
                && !info.declined
                && info.cycle_open
                && !info.revoked
            {
                open.push(info);
            }
        }
        Ok(open)
    }

    /// One email to one respondent with a fresh link for each review still open.
    async fn send_reviews(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        let pool = &self.app.db.pool;
        let mut open = self.still_open(row).await?;
        let Some(to) = open.first().map(|i| i.respondent_email.clone()) else {
            return Ok(Outcome::Skipped("nothing left to answer"));
        };
        // One email, one address: an anonymous review goes only to the address it was created
        // for, an attributed one to the current address (CONTRACT §10). Reviews of this
        // respondent bound for another address leave this email for one of their own.
        let elsewhere: Vec<i64> =
            open.iter().filter(|i| !i.respondent_email.eq_ignore_ascii_case(&to)).map(|i| i.id).collect();
        if !elsewhere.is_empty() {
            let kind = row.kind.unwrap_or(Kind::Invitation);
            outbox::split_off(&self.app.db, row.id, kind, &elsewhere, time::now()).await?;
            open.retain(|i| i.respondent_email.eq_ignore_ascii_case(&to));
            self.app.wake_outbox();
        }
        let Some(first) = open.first() else {
            return Ok(Outcome::Skipped("nothing left to answer"));
        };
        // A customer reached by phone only has no address (stored as '').
        if first.respondent_email.is_empty() {
            return Ok(Outcome::Skipped("no email address"));
        }
        if first.respondent_customer_id.is_some() && links::is_suppressed(pool, &first.respondent_email).await? {
            return Ok(Outcome::Skipped("unsubscribed"));
        }
        let locale = first.respondent_locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        let t = text(locale);
        let mut new_links = Vec::with_capacity(open.len() + 1);
        let (items, mut notes) = self.review_items(&open, t, &mut new_links).await?;
        if let Some(org) = &self.app.config.org_name {
            notes.insert(0, fill(t.asked_by, &[("org", org)]));
        }
        let base = self.app.config.public_base();
        let unsubscribe = first.respondent_customer_id.as_ref().map(|customer| {
            let tok = Token::mint();
            new_links.push(NewLink::unsubscribe(tok.hash(), customer.clone()));
            format!("{base}/unsubscribe/{}", tok.as_str())
        });
        links::insert(pool, &new_links, time::now()).await?;
        let mut email = invitation_email(row, first, t, items, notes, unsubscribe.as_deref());
        email.personal = fill(t.email_personal, &[("until", &self.until(&open, locale))]);
        if let Some(org) = &self.app.config.org_name {
            email.subject = compose::subject_for(Some(org), &email.subject, crate::i18n::colon(locale));
        }
        let outcome = match compose::invitation(&email, &self.from) {
            Err(e) => Outcome::Permanent(format!("cannot build the email: {e}")),
            Ok(message) => match self.mailer.send(message).await {
                Ok(()) => {
                    let sent: Vec<i64> = open.iter().map(|i| i.id).collect();
                    if row.kind == Some(Kind::Reminder) {
                        invitations::count_reminder(&self.app.db, &sent).await?;
                    }
                    tracing::info!(outbox = row.id, reviews = sent.len(), to_domain = %email_domain(&first.respondent_email), "email sent");
                    return Ok(Outcome::Sent);
                }
                Err(e) => Outcome::from(e),
            },
        };
        // Not sent: the links were never seen by anyone, so drop them.
        let hashes: Vec<String> = new_links.into_iter().map(|l| l.token_hash).collect();
        links::delete(pool, &hashes).await?;
        Ok(outcome)
    }

    /// Until when the email's links work: the local day and time its cycle closes (an email
    /// is about one cycle; were there several, the first to close), in the reader's language,
    /// naming the zone (CONTRACT §15).
    fn until(&self, open: &[InvitationInfo], locale: Locale) -> String {
        let calendar = &self.app.calendar;
        let closes = open.iter().map(|i| i.closes_at).min().unwrap_or_default();
        crate::i18n::calendar::date_time(locale, &calendar.local(closes), calendar.name())
    }

    /// A line and a freshly minted link per review, and the privacy notes that apply.
    async fn review_items(
        &self,
        open: &[InvitationInfo],
        t: &'static Text,
        new_links: &mut Vec<NewLink>,
    ) -> Result<(Vec<EmailItem>, Vec<String>), app::Error> {
        let base = self.app.config.public_base();
        let mut items = Vec::with_capacity(open.len());
        let mut notes: Vec<String> = Vec::new();
        for info in open {
            let anonymous = match self.app.surveys.get(&self.app.db.pool, &info.survey_id).await? {
                Some(survey) => info.relation.is_anonymous(survey.anonymous),
                None => continue,
            };
            let others = crate::domain::cycle::others_in_group(info.min_raters).to_string();
            let org = self.app.config.org_name.as_deref().unwrap_or(t.org_fallback);
            let locale = info.respondent_locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
            let vars = [
                ("subject", info.subject_name.as_str()),
                ("cycle", crate::domain::cycle::title_in(&info.cycle_title, &info.cycle_title_i18n, locale)),
                ("n", &others),
                ("org", org),
            ];
            let token = Token::mint();
            new_links.push(NewLink::respond(token.hash(), info.id).to(&info.respondent_email));
            items.push(EmailItem {
                intro: fill(t.intro(info.relation), &vars),
                url: format!("{base}/s/{}", token.as_str()),
            });
            let note = fill(t.note(info.relation, anonymous), &vars);
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        Ok((items, notes))
    }
}

/// The subject line and greeting of one respondent's email.
fn invitation_email<'a>(
    row: &Claimed,
    first: &'a InvitationInfo,
    t: &'a Text,
    items: Vec<EmailItem>,
    notes: Vec<String>,
    unsubscribe_url: Option<&'a str>,
) -> InvitationEmail<'a> {
    let count = items.len().to_string();
    let first_locale = first.respondent_locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
    let vars = [
        ("subject", first.subject_name.as_str()),
        ("cycle", crate::domain::cycle::title_in(&first.cycle_title, &first.cycle_title_i18n, first_locale)),
        ("name", first.respondent_name.as_str()),
        ("count", &count),
    ];
    let mut subject =
        if items.len() == 1 { fill(t.email_subject(first.relation), &vars) } else { fill(t.email_subject_many, &vars) };
    if row.kind == Some(Kind::Reminder) {
        subject = format!("{}{subject}", t.email_reminder);
    }
    InvitationEmail {
        t,
        to_name: &first.respondent_name,
        to_email: &first.respondent_email,
        subject,
        greeting: fill(t.email_greeting, &vars),
        items,
        notes,
        personal: String::new(),
        unsubscribe_url,
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn addresses_never_reach_the_log() {
        assert_eq!(
            super::without_addresses("permanent error (550): 5.1.1 <li.na@example.com>: no such user"),
            "permanent error (550): 5.1.1 <address> no such user"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(2_000, 1), 2_000);
        assert_eq!(backoff_ms(2_000, 2), 4_000);
        assert_eq!(backoff_ms(2_000, 5), 32_000);
        assert_eq!(backoff_ms(2_000, 50), 300_000);
    }
}
