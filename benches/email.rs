//! Emails delivered per second to a local SMTP server: Candor's outbox worker (claim, mint a
//! link, render both templates, send, record) against a floor that only sends prebuilt
//! messages through the same pooled lettre transport, over the same number of connections.
//!
//! Run: `cargo bench --bench email` (BENCH_EMAILS, default 1000; the size is 100000).
//! The sink is postfix's `smtp-sink` when installed (fast enough not to be the limit), else
//! Python's aiosmtpd. `BENCH_POSTGRES_URL=postgres://…/postgres` runs Candor on PostgreSQL (a
//! fresh database). Prints Candor's peak RSS while it sends (reset after seeding).
use lettre::message::{Mailbox, MultiPart};
mod common;

use lettre::Message;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Candor's default `CANDOR_SMTP_CONNECTIONS`, and the floor's concurrency.
const CONNECTIONS: usize = 8;

/// postfix's `smtp-sink` if installed, else the test suite's aiosmtpd sink.
fn start_sink(dir: &std::path::Path, port: u16) -> (std::process::Child, &'static str) {
    if std::path::Path::new("/usr/sbin/smtp-sink").exists() {
        let mut cmd = Command::new("/usr/sbin/smtp-sink");
        // As root, smtp-sink wants a user to drop to.
        if users_is_root() {
            cmd.args(["-u", "nobody"]);
        }
        let child = cmd.args(["-c", &format!("127.0.0.1:{port}"), "256"]).stdout(Stdio::null()).spawn().unwrap();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(10));
        }
        return (child, "smtp-sink");
    }
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let mut sink = Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py"))
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir.join("inbox"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd");
    let mut line = String::new();
    BufReader::new(sink.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (sink, "aiosmtpd")
}

fn users_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    rss_mib(pid, "VmHWM:")
}

/// A memory line of the process's status (`VmRSS:`, `VmHWM:`), in MiB.
fn rss_mib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .map_or(0, |kb: u64| kb / 1024)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let n: usize = std::env::var("BENCH_EMAILS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let smtp_port = free_port();
    let (mut sink, sink_name) = start_sink(dir.path(), smtp_port);

    // Candor: n invitations to n customers, emailed by the worker.
    let db = common::fresh_database(dir.path(), "candor.db").await;
    let key_file = dir.path().join("candor.key");
    let out = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["api-key", "create", "--name", "bench", "--scope", "admin"])
        .env("CANDOR_DATABASE_URL", &db)
        .env("CANDOR_KEY_FILE", &key_file)
        .output()
        .unwrap();
    let key = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string();
    let (port, metrics_port) = (free_port(), free_port());
    let mut candor = Command::new(env!("CARGO_BIN_EXE_candor"))
        .env("CANDOR_DATABASE_URL", &db)
        .env("CANDOR_KEY_FILE", &key_file)
        .env("CANDOR_LISTEN", format!("127.0.0.1:{port}"))
        .env("CANDOR_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("CANDOR_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        // BENCH_CANDOR_LOG=sqlx::query=debug, say, shows what the server's statements took.
        .env("CANDOR_LOG", std::env::var("BENCH_CANDOR_LOG").unwrap_or_else(|_| "warn".into()))
        .env("CANDOR_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let c = reqwest::Client::new();
    let api = |path: &str, body: Value| {
        let req = c.post(format!("{base}{path}")).bearer_auth(&key).json(&body);
        async move { assert!(req.send().await.unwrap().status().is_success()) }
    };
    api("/api/v1/people", json!({"people":[{"id":"E1","name":"Li Na","email":"li@corp.example"}]})).await;
    let customers: Vec<Value> = (0..n)
        .map(|i| json!({"id":format!("C{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example")}))
        .collect();
    api("/api/v1/customers", json!({ "customers": customers })).await;
    api("/api/v1/surveys", json!({"id":"csat","kind":"customer","title":"How did we do?","questions":[{"id":"q1","text":"Overall","type":"scale","min":1,"max":5}]})).await;
    api(
        "/api/v1/cycles",
        json!({"id":"Q","title":"Q4 2026","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}),
    )
    .await;
    let rows: Vec<Value> = (0..n)
        .map(
            |i| json!({"survey":"csat","subject":"E1","respondent":{"customer":format!("C{i}")},"relation":"customer"}),
        )
        .collect();
    // The peak memory of sending, not of seeding 100,000 customers in one call.
    std::fs::write(format!("/proc/{}/clear_refs", candor.id()), "5").expect("reset the peak RSS");
    let seeded_rss = rss_mib(candor.id(), "VmRSS:");
    let started = Instant::now();
    // In calls of 10,000, as an import would: the peak RSS is then the sending's, not that of
    // parsing one request of 100,000 rows.
    for part in rows.chunks(10_000) {
        api("/api/v1/cycles/Q/invitations", json!({ "invitations": part })).await;
    }
    let created_secs = started.elapsed().as_secs_f64();
    // Watched through the metrics, ten times a second: the progress call counts every
    // invitation's emails, and asked 50 times a second it took a share of the very database it
    // measures (the metrics read the outbox's backlog, some milliseconds). The progress call
    // confirms the count once at the end.
    let sent = format!("candor_emails_total{{outcome=\"sent\"}} {n}\n");
    while !c
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains(&sent)
    {
        assert!(started.elapsed() < Duration::from_secs(600), "emails did not go out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    loop {
        let p: Value = c
            .get(format!("{base}/api/v1/cycles/Q/progress"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if p["surveys"][0]["emailed"].as_u64() == Some(n as u64) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "emails were counted sent but not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let candor_secs = started.elapsed().as_secs_f64();
    let rss = peak_rss_mib(candor.id());
    let _ = Command::new("kill").args(["-TERM", &candor.id().to_string()]).status();
    let _ = candor.wait();

    // Floor: the same number of similar messages, prebuilt, through the same transport kind.
    // The same transport as Candor's worker: its connections, TCP_NODELAY and all.
    let transport = std::sync::Arc::new(
        candor::outbox::smtp::Smtp::from_url(&format!("smtp://127.0.0.1:{smtp_port}"), CONNECTIONS).unwrap(),
    );
    let from: Mailbox = "Candor <no-reply@localhost>".parse().unwrap();
    let text = "Hello,\n\nLi Na would value your feedback.\n\nAnswer the survey: http://127.0.0.1/s/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n".repeat(3);
    let html = format!("<p>{}</p>", text.replace('\n', "<br>")).repeat(4);
    let messages: Vec<Message> = (0..n)
        .map(|i| {
            Message::builder()
                .from(from.clone())
                .to(format!("Buyer {i} <f{i}@shop.example>").parse().unwrap())
                .subject("Li Na would value your feedback — Q4 2026")
                .multipart(MultiPart::alternative_plain_html(text.clone(), html.clone()))
                .unwrap()
        })
        .collect();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let mut pending = messages.into_iter();
    for m in pending.by_ref().take(CONNECTIONS) {
        let t = transport.clone();
        set.spawn(async move { t.send(&m).await.is_ok() });
    }
    let mut sent = 0;
    while let Some(ok) = set.join_next().await {
        sent += usize::from(ok.unwrap());
        if let Some(m) = pending.next() {
            let t = transport.clone();
            set.spawn(async move { t.send(&m).await.is_ok() });
        }
    }
    let floor_secs = started.elapsed().as_secs_f64();
    assert_eq!(sent, n);
    let _ = sink.kill();
    let _ = sink.wait();
    println!("emails delivered: {n} each, to {sink_name}, Candor on {}", db.split(':').next().unwrap_or(""));
    println!(
        "candor (outbox worker, from the API call to the last one recorded sent): {:.0} emails/s, peak RSS {rss} MiB \
         ({seeded_rss} MiB after seeding)",
        n as f64 / candor_secs
    );
    println!(
        "floor (prebuilt messages, the same transport, {CONNECTIONS} connections): {:.0} emails/s",
        n as f64 / floor_secs
    );
    println!("of which creating the invitations (the API calls): {created_secs:.2} s");
    println!("ratio candor / floor: {:.2}", floor_secs / candor_secs);
}
