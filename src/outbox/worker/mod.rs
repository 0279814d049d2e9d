//! The background worker: closes cycles that reached `closes_at` and drains the outbox.
//! Each email's link is minted here, when the email is built, so no table holds a token.
use super::SendError;
use super::email::{self as compose, EmailItem, InvitationEmail};
use super::mailer::Mailer;
use super::outcome::Outcome;
use crate::app::delivery::{self, InvitationInfo, NewLink};
use crate::app::telemetry::Delivery;
use crate::app::{self, App};
use crate::db::outbox::{self, AddressChanged, Claimed, Final, Kind, Settle};
use crate::domain::{Locale, Token, time};
use crate::i18n::{Text, fill, text};
use lettre::message::Mailbox;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The emails addressed to one person: sign-in, results ready, choose your reviewers, the loop.
mod notices;
/// The emails that carry reviews to answer: invitations and reminders.
mod reviews;

/// Rows claimed per round; review emails among them go over `smtp_connections` at once.
const BATCH: i64 = 128;
/// A claimed row is left alone this long; a worker that dies mid-send frees it by timing out.
const LEASE_MS: i64 = 120_000;
const MAX_BACKOFF_MS: u64 = 300_000;
/// How often the retention sweep looks for cycles past their retention.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// How often the worker looks for closed cycles whose results are not stored yet.
const STORE_MISSING_EVERY: Duration = Duration::from_secs(60);
/// Webhook deliveries in flight at once (each times out after `webhook::TIMEOUT`).
const WEBHOOKS_AT_ONCE: usize = 8;
/// Rounds of review emails in flight at once: the next is claimed, read and built while the
/// last is sent and recorded, so the SMTP connections do not wait for the database.
const ROUNDS_AT_ONCE: usize = 2;

struct Worker {
    app: App,
    /// Webhook deliveries in flight: each on its own task, so a slow receiver holds up neither
    /// emails nor the closing of cycles.
    hooks: Arc<tokio::sync::Semaphore>,
    /// Rounds of review emails in flight (see [`ROUNDS_AT_ONCE`]).
    rounds: Arc<tokio::sync::Semaphore>,
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
    let rounds = Arc::new(tokio::sync::Semaphore::new(ROUNDS_AT_ONCE));
    let worker = Arc::new(Worker { app, mailer, from, http, hooks, rounds });
    let mut swept_at: Option<std::time::Instant> = None;
    let mut stored_at: Option<std::time::Instant> = None;
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
        // A close whose last step (storing its results) failed is finished here, not by a reader.
        if stored_at.is_none_or(|t| t.elapsed() >= STORE_MISSING_EVERY) {
            stored_at = Some(std::time::Instant::now());
            if let Err(e) = crate::app::closed::store_missing(&worker.app).await {
                tracing::warn!(error = %e.chain(), "storing closed cycles' results failed");
            }
            // A close or launch that died is undone: nothing of it was ever seen.
            match crate::app::runs::sweep(&worker.app).await {
                Ok(0) => {}
                Ok(undone) => tracing::warn!(undone, "closes or launches that stopped midway were undone"),
                Err(e) => tracing::warn!(error = %e.chain(), "undoing closes or launches that stopped midway failed"),
            }
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
    // Rounds still sending finish and record what they sent: stopped halfway, their emails
    // would go again once the leases ran out.
    let _all = worker.rounds.acquire_many(ROUNDS_AT_ONCE as u32).await;
}

#[tracing::instrument(skip_all)]
async fn drain_once(worker: &Arc<Worker>) -> Result<usize, sqlx::Error> {
    // Waits while as many rounds as may be are still sending.
    let round = worker.rounds.clone().acquire_owned().await.map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let rows = outbox::claim_due(&worker.app.db, now_ms, LEASE_MS, BATCH).await?;
    let n = rows.len();
    let mut tasks = JoinSet::new();
    let (reviews, rows): (Vec<Claimed>, Vec<Claimed>) =
        rows.into_iter().partition(|r| matches!(r.kind, Some(Kind::Invitation | Kind::Reminder)));
    if !reviews.is_empty() {
        // Not awaited: the next round is claimed and built while this one sends.
        let worker = worker.clone();
        tokio::spawn(async move {
            worker.send_round(reviews).await;
            drop(round);
        });
    }
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
            // `drain_once` sends these by round (`send_round`), never one by one.
            Some(Kind::Invitation | Kind::Reminder) => Ok(Outcome::Bug("a review email outside a round".into())),
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
        let outcome = self.judge(&row, attempted);
        self.store(&[(&row, outcome)]).await;
    }

    /// The attempt's outcome as it is recorded: a bug logged and capped, counted in the metrics.
    fn judge(&self, row: &Claimed, attempted: Result<Outcome, app::Error>) -> Outcome {
        let outcome = attempted
            .unwrap_or_else(|e| {
                if e.kind() == app::Kind::Bug {
                    tracing::error!(outbox = row.id, error = %without_addresses(&e.chain()), "sending met a bug");
                }
                Outcome::from(e)
            })
            .capped(row.attempts);
        self.count(row, &outcome);
        outcome
    }

    /// Records the outcomes of rows in one transaction.
    async fn store(&self, done: &[(&Claimed, Outcome)]) {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let settled: Vec<(i64, Settle<'_>)> =
            done.iter().map(|(row, o)| (row.id, self.settling(row, o, now_ms))).collect();
        if let Err(e) = outbox::settle(&self.app.db, &settled, time::now()).await {
            // The leases run out and the rows are tried again; at worst emails go twice.
            tracing::error!(rows = settled.len(), error = %e, "could not record emails' outcomes");
        }
    }

    /// Where a row goes after this attempt, logged without addresses.
    fn settling<'a>(&self, row: &Claimed, outcome: &'a Outcome, now_ms: i64) -> Settle<'a> {
        match outcome {
            Outcome::Sent => Settle::Final(Final::Sent, None),
            Outcome::Skipped(why) => Settle::Final(Final::Skipped, Some(why)),
            Outcome::Permanent(e) => {
                tracing::warn!(outbox = row.id, error = %without_addresses(e), "email refused for good");
                Settle::Final(Final::Failed, Some(e))
            }
            Outcome::Transient(e) | Outcome::Bug(e) => {
                let wait = backoff_ms(self.app.config.mail_retry_base_ms, row.attempts);
                tracing::info!(outbox = row.id, attempts = row.attempts, retry_in_ms = wait, error = %without_addresses(e), "email will be retried");
                Settle::Retry(now_ms + wait as i64, e)
            }
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
        let Some(hook) = delivery::webhook(&self.app, id).await? else {
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
        if let Err(e) = delivery::record_webhook_delivery(&self.app, attempt, (kind, &status, latency_ms)).await {
            tracing::warn!(error = %e, "could not record a webhook delivery");
        }
        Ok(outcome)
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
