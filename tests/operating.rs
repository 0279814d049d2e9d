//! Operating Candor (CONTRACT §12): Prometheus metrics on a listener of their own, logs as
//! JSON lines, and online backups of a live SQLite database.
use crate::common;

use common::web::post;
use common::{Backend, TestApp, eventually, spawn_app_with};
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};

async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("a metrics listener");
    let res = app.client.get(format!("http://127.0.0.1:{port}/metrics")).send().await.expect("scrape");
    assert_eq!(res.status().as_u16(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    res.text().await.unwrap()
}

/// `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs it) finds
/// nothing wrong with `text`.
fn promtool_accepts(text: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (apt-get install prometheus)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool: {said}\n{text}");
}

/// The value of one series (`name{labels}` exactly as rendered).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
}

async fn metrics_count_requests_by_route_template_and_pass_promtool(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.metrics_listen = Some("127.0.0.1:0".into())).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_peer_survey().await;
    app.seed_cycle("2026-Q4").await;
    let l = app.customer_links(&["C1", "C2"]).await;
    assert_eq!(app.client.get(&l[0]).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(post(&app, None, &l[0], &[("q1", "4"), ("q2", "9"), ("q3", "Great")]).await.0, 303);
    assert_eq!(post(&app, None, &l[0], &[("q1", "5")]).await.0, 409, "answered already");
    assert_eq!(post(&app, None, &l[1], &[("q1", "9")]).await.0, 422, "out of range");
    // One email through the worker.
    let peer = json!({"invitations":[{"survey":"peer360","subject":"E1001","respondent":{"person":"E1002"},"relation":"peer"}]});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/invitations", peer).await.0, 201);

    let text = eventually(20, || async {
        let text = scrape(&app).await;
        // Sent, and its row marked so (the count goes up as the email leaves, the row after).
        let done =
            text.contains("candor_emails_total{outcome=\"sent\"} 1") && value(&text, "candor_outbox_pending") == 0.0;
        done.then_some(text)
    })
    .await;
    promtool_accepts(&text);
    assert_eq!(value(&text, "candor_submissions_total{outcome=\"stored\"}"), 1.0);
    assert_eq!(value(&text, "candor_submissions_total{outcome=\"not_claimed\"}"), 1.0);
    assert_eq!(value(&text, "candor_submissions_total{outcome=\"rejected\"}"), 1.0);
    assert_eq!(value(&text, "candor_submissions_total{outcome=\"busy\"}"), 0.0);
    assert_eq!(value(&text, "candor_http_requests_total{route=\"/s/{token}\",method=\"POST\",status=\"303\"}"), 1.0);
    assert_eq!(value(&text, "candor_http_requests_total{route=\"/s/{token}\",method=\"GET\",status=\"200\"}"), 1.0);
    assert_eq!(value(&text, "candor_http_request_duration_seconds_count{route=\"/s/{token}\"}"), 4.0);
    assert!(value(&text, "candor_submission_batch_size_count") >= 1.0);
    assert_eq!(value(&text, "candor_webhook_deliveries_total{outcome=\"sent\"}"), 0.0);
    assert_eq!(value(&text, "candor_outbox_pending"), 0.0);
    assert_eq!(value(&text, "candor_outbox_oldest_due_seconds"), 0.0);
    assert!(value(&text, "candor_db_pool_connections{state=\"idle\"}") >= 0.0);
    assert!(value(&text, "candor_db_pool_connections{state=\"in_use\"}") >= 0.0);
    if cfg!(target_os = "linux") {
        assert!(value(&text, "process_resident_memory_bytes") > 1e6);
        assert!(value(&text, "process_open_fds") > 0.0);
    }
    for secret in l.iter().map(|u| u.rsplit('/').next().unwrap()) {
        assert!(!text.contains(secret), "a token in the metrics: {secret}");
    }
    for private in ["buyer@acme.example", "Acme", "Li Na", "sam.carter", "Great"] {
        assert!(!text.contains(private), "{private} in the metrics");
    }
    // Never on the public port.
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(!res.text().await.unwrap().contains("candor_"));
}

async fn the_outbox_gauges_show_a_backlog(backend: Backend) {
    // Mail to a port where nothing listens: the email waits, due, and its age grows.
    let app = spawn_app_with(backend, |c| {
        c.metrics_listen = Some("127.0.0.1:0".into());
        c.smtp_url = Some("smtp://127.0.0.1:9".into());
        c.mail_retry_base_ms = 60_000;
    })
    .await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    let one = json!({"invitations":[{"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}]});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/invitations", one).await.0, 201);
    let text = eventually(20, || async {
        let text = scrape(&app).await;
        (value(&text, "candor_emails_total{outcome=\"retry\"}") >= 1.0).then_some(text)
    })
    .await;
    promtool_accepts(&text);
    assert_eq!(value(&text, "candor_outbox_pending"), 1.0);
    assert_eq!(value(&text, "candor_emails_total{outcome=\"sent\"}"), 0.0);
}

on_both_databases!(metrics_count_requests_by_route_template_and_pass_promtool, the_outbox_gauges_show_a_backlog);
