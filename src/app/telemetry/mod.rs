//! Prometheus metrics (CONTRACT §12), served as text by a listener of their own
//! (`CANDOR_METRICS_LISTEN`, see `startup`). Each `App` has its own registry, so instances in one
//! process (the tests) never count each other's work. Every label is a fixed word or a route
//! template: never a token, an email address or a name. The handles of fixed labels are made
//! once, so recording on the submission path is an atomic add.
use super::{App, Result};
use crate::domain::time;
use metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::sync::Arc;

mod process;

const HTTP_REQUESTS: &str = "candor_http_requests_total";
const HTTP_DURATION: &str = "candor_http_request_duration_seconds";
const SUBMISSIONS: &str = "candor_submissions_total";
const BATCH_SIZE: &str = "candor_submission_batch_size";
const OUTBOX_PENDING: &str = "candor_outbox_pending";
const OUTBOX_OLDEST: &str = "candor_outbox_oldest_due_seconds";
const EMAILS: &str = "candor_emails_total";
const WEBHOOKS: &str = "candor_webhook_deliveries_total";
const POOL: &str = "candor_db_pool_connections";
const RETENTION: &str = "candor_retention_deleted_total";

const LATENCY_BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

static META: Metadata<'static> = Metadata::new("candor", Level::INFO, None);

/// What became of one respondent submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Stored,
    /// The link was unknown, answered or closed.
    NotClaimed,
    /// The answers did not fit the survey.
    Rejected,
    Busy,
    StorageFull,
    Failed,
}

const SUBMITTED: [(Submitted, &str); 6] = [
    (Submitted::Stored, "stored"),
    (Submitted::NotClaimed, "not_claimed"),
    (Submitted::Rejected, "rejected"),
    (Submitted::Busy, "busy"),
    (Submitted::StorageFull, "storage_full"),
    (Submitted::Failed, "error"),
];

/// What became of one attempt to send an email or deliver a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// No longer wanted (nothing left to answer, unsubscribed, delivery off).
    Skipped,
    /// Failed for now; it will be tried again.
    Retry,
    /// Refused for good.
    Failed,
}

const DELIVERY: [(Delivery, &str); 4] = [
    (Delivery::Sent, "sent"),
    (Delivery::Skipped, "skipped"),
    (Delivery::Retry, "retry"),
    (Delivery::Failed, "failed"),
];

/// One instance's registry and the handles of its fixed series; `None` when no metrics
/// listener is configured, so nothing is recorded (histogram samples would pile up unread).
#[derive(Clone)]
pub struct Metrics(Option<Arc<Inner>>);

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    submissions: [Counter; 6],
    batch_size: Histogram,
    emails: [Counter; 4],
    webhooks: [Counter; 4],
    outbox_pending: Gauge,
    outbox_oldest: Gauge,
    pool_idle: Gauge,
    pool_in_use: Gauge,
}

fn key(name: &'static str, labels: Vec<Label>) -> Key {
    Key::from_parts(name, labels)
}

impl Metrics {
    /// Metrics that record nothing.
    pub fn off() -> Metrics {
        Metrics(None)
    }

    pub fn on() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &LATENCY_BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), &BATCH_BUCKETS))
            .expect("bucket lists are not empty")
            .build_recorder();
        describe(&recorder);
        let handle = recorder.handle();
        let counter = |name, label: &'static str, value: &'static str| {
            recorder.register_counter(&key(name, vec![Label::from_static_parts(label, value)]), &META)
        };
        let submissions = SUBMITTED.map(|(_, v)| counter(SUBMISSIONS, "outcome", v));
        let emails = DELIVERY.map(|(_, v)| counter(EMAILS, "outcome", v));
        let webhooks = DELIVERY.map(|(_, v)| counter(WEBHOOKS, "outcome", v));
        let gauge = |name, labels| recorder.register_gauge(&key(name, labels), &META);
        let inner = Inner {
            batch_size: recorder.register_histogram(&Key::from_static_name(BATCH_SIZE), &META),
            outbox_pending: gauge(OUTBOX_PENDING, vec![]),
            outbox_oldest: gauge(OUTBOX_OLDEST, vec![]),
            pool_idle: gauge(POOL, vec![Label::from_static_parts("state", "idle")]),
            pool_in_use: gauge(POOL, vec![Label::from_static_parts("state", "in_use")]),
            submissions,
            emails,
            webhooks,
            handle,
            recorder,
        };
        Metrics(Some(Arc::new(inner)))
    }

    /// Folds recorded histogram samples into their buckets: run every few seconds, scraped or
    /// not, so samples never pile up.
    pub fn upkeep(&self) {
        if let Some(m) = &self.0 {
            m.handle.run_upkeep();
        }
    }

    /// One HTTP request: `route` is the matched route's template (`/s/{token}`), or
    /// `unmatched`; `method` one of the standard methods or `other`.
    pub fn http(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        let Some(m) = &self.0 else { return };
        let r = &m.recorder;
        let route = SharedString::from(route.to_owned());
        let labels = vec![
            Label::new("route", route.clone()),
            Label::from_static_parts("method", method),
            Label::new("status", status.to_string()),
        ];
        r.register_counter(&key(HTTP_REQUESTS, labels), &META).increment(1);
        r.register_histogram(&key(HTTP_DURATION, vec![Label::new("route", route)]), &META).record(seconds);
    }

    pub fn submission(&self, outcome: Submitted) {
        let Some(m) = &self.0 else { return };
        let i = SUBMITTED.iter().position(|(o, _)| *o == outcome).unwrap_or(SUBMITTED.len() - 1);
        m.submissions[i].increment(1);
    }

    /// The number of submissions one group-commit transaction carried.
    pub fn batch(&self, size: usize) {
        if let Some(m) = &self.0 {
            m.batch_size.record(size as f64);
        }
    }

    pub fn email(&self, outcome: Delivery) {
        if let Some(m) = &self.0 {
            m.emails[delivery_index(outcome)].increment(1);
        }
    }

    pub fn webhook(&self, outcome: Delivery) {
        if let Some(m) = &self.0 {
            m.webhooks[delivery_index(outcome)].increment(1);
        }
    }

    /// Rows the retention sweep deleted, by what they were.
    pub fn retention(&self, what: &'static str, rows: u64) {
        let Some(m) = &self.0 else { return };
        let labels = vec![Label::from_static_parts("what", what)];
        m.recorder.register_counter(&key(RETENTION, labels), &META).increment(rows);
    }
}

fn delivery_index(outcome: Delivery) -> usize {
    DELIVERY.iter().position(|(o, _)| *o == outcome).unwrap_or(0)
}

fn describe(r: &PrometheusRecorder) {
    let counter = |name: &'static str, help: &'static str| r.describe_counter(name.into(), None, help.into());
    let gauge = |name: &'static str, unit, help: &'static str| r.describe_gauge(name.into(), unit, help.into());
    let histogram = |name: &'static str, unit, help: &'static str| r.describe_histogram(name.into(), unit, help.into());
    counter(HTTP_REQUESTS, "HTTP requests answered, by route template, method and status.");
    histogram(HTTP_DURATION, Some(Unit::Seconds), "Time to answer an HTTP request, by route template.");
    counter(SUBMISSIONS, "Respondent form submissions, by outcome.");
    histogram(BATCH_SIZE, None, "Submissions written by one group-commit transaction.");
    gauge(OUTBOX_PENDING, None, "Emails and webhook events waiting in the outbox (due or not).");
    gauge(OUTBOX_OLDEST, Some(Unit::Seconds), "How long the longest-overdue outbox row has been due; 0 when none is.");
    counter(EMAILS, "Attempts to send an email, by outcome.");
    counter(WEBHOOKS, "Attempts to deliver a webhook event, by outcome.");
    gauge(POOL, None, "Database pool connections, idle or in use.");
    counter(RETENTION, "Rows deleted by the retention sweep (CANDOR_RETENTION_MONTHS), by kind.");
}

/// The Prometheus text of this instance: the recorded series, the gauges sampled now (outbox
/// backlog, pool), and the process's own (on Linux). Empty when metrics are off.
pub async fn exposition(app: &App) -> Result<String> {
    let Some(m) = &app.metrics.0 else { return Ok(String::new()) };
    let now_ms = time::now() * 1000;
    let (pending, oldest_due_ms) = crate::db::outbox::backlog(&app.db, now_ms).await?;
    m.outbox_pending.set(pending as f64);
    m.outbox_oldest.set(oldest_due_ms.map_or(0.0, |due| (now_ms - due).max(0) as f64 / 1000.0));
    let size = app.db.pool.size() as f64;
    let idle = app.db.pool.num_idle() as f64;
    m.pool_idle.set(idle);
    m.pool_in_use.set((size - idle).max(0.0));
    let mut text = m.handle.render();
    text.push_str(&process::exposition());
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_series_are_there_from_the_start_and_count() {
        let m = Metrics::on();
        m.submission(Submitted::Stored);
        m.submission(Submitted::Stored);
        m.batch(2);
        m.http("/s/{token}", "POST", 303, 0.004);
        let text = m.0.as_ref().unwrap().handle.render();
        assert!(text.contains("candor_submissions_total{outcome=\"stored\"} 2"), "{text}");
        assert!(text.contains("candor_submissions_total{outcome=\"busy\"} 0"), "{text}");
        assert!(text.contains("candor_emails_total{outcome=\"failed\"} 0"), "{text}");
        assert!(text.contains("candor_submission_batch_size_bucket{le=\"2\"} 1"), "{text}");
        assert!(
            text.contains("candor_http_requests_total{route=\"/s/{token}\",method=\"POST\",status=\"303\"} 1"),
            "{text}"
        );
        assert!(text.contains("candor_http_request_duration_seconds_bucket{route=\"/s/{token}\",le=\"0.005\"} 1"));
    }

    #[test]
    fn metrics_that_are_off_record_nothing() {
        let m = Metrics::off();
        m.submission(Submitted::Stored);
        m.http("/healthz", "GET", 200, 0.001);
        m.upkeep();
        assert!(m.0.is_none());
    }
}
