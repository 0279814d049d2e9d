//! Respondents while HR runs a launch or a close (issue 32): the real `candor` binary, with
//! respondents of an open cycle submitting at a steady rate and a monitor probing `/healthz`
//! every 20 ms (and another reads a survey page, to tell a stalled write from a stalled
//! server), while (1) the 360 is launched for the whole org in teams of 8 and (2) a cycle
//! of sealed answers is closed; then (3) the same load with no admin operation, as a baseline.
//! Each scenario reports the operation's time and the respondents' latency in exactly its
//! window (`stall/load.rs` says how, and why not wrk).
//!
//! Run: `cargo bench --bench stall`. Knobs: BENCH_PEOPLE (10,000), BENCH_TEAM (8), BENCH_SEALED
//! (100,000), BENCH_RATE (submissions a second, 500), BENCH_CONNECTIONS (256: respondents are
//! people on their own connections, so as many as arrive are in flight; with 8 the load is a
//! closed loop whose throughput a short wait caps, see docs/PERFORMANCE.md), BENCH_TOKENS (links
//! seeded, 6 per person, 60,000 at most by default), BENCH_SECONDS (the baseline's length;
//! default the longer operation's). BENCH_POSTGRES_URL=postgres://…/postgres runs it on
//! PostgreSQL too (fresh databases).
mod common;
#[path = "stall/load.rs"]
mod load;

use candor::db::invitations::LinkTarget;
use candor::domain::Relation;
use candor::domain::answers::Answer;
use clap::Parser;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Respondents' requests in flight at most (`BENCH_CONNECTIONS`).
const CONNECTIONS: usize = 256;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

/// Subjects of the sealed answers: the org's first 500 people (fewer in a small org).
fn sealed_subjects(people: usize) -> usize {
    people.clamp(1, 500)
}

/// The running binary; stopped (SIGTERM) when dropped, a panic included.
struct Candor {
    child: Child,
    base: String,
    key: String,
}

impl Candor {
    fn start(url: &str, dir: &Path) -> Candor {
        let key_file = dir.join("bench.key");
        let out = Command::new(env!("CARGO_BIN_EXE_candor"))
            .args(["api-key", "create", "--name", "bench", "--scope", "admin"])
            .env("CANDOR_DATABASE_URL", url)
            .env("CANDOR_KEY_FILE", &key_file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let key = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_candor"))
            .env("CANDOR_DATABASE_URL", url)
            .env("CANDOR_KEY_FILE", &key_file)
            .env("CANDOR_LISTEN", format!("127.0.0.1:{port}"))
            .env("CANDOR_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("CANDOR_MAIL_DIR", dir.join("mail"))
            // The close's steps and their times (`closing_ms`, `scrub_ms`, `results_ms`).
            .env("CANDOR_LOG", "warn,candor::app::closing=info")
            // The respondents' connections all come from 127.0.0.1.
            .env("CANDOR_MAX_CONNECTIONS_PER_CLIENT", "1024")
            .env_remove("CANDOR_SMTP_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("candor.log")).unwrap())
            .spawn()
            .unwrap();
        Candor { child, base: format!("http://127.0.0.1:{port}"), key }
    }

    async fn wait_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let c = reqwest::Client::new();
        while !matches!(c.get(format!("{}/healthz", self.base)).send().await, Ok(r) if r.status() == 200) {
            assert!(Instant::now() < deadline, "candor did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// POST with the admin key: the status and how long the call took.
    async fn post(&self, path: &str, body: &Value) -> (u16, f64, Value) {
        let c = reqwest::Client::new();
        let started = Instant::now();
        let res = c.post(format!("{}{path}", self.base)).bearer_auth(&self.key).json(body).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, started.elapsed().as_secs_f64(), body)
    }

    async fn api(&self, path: &str, body: Value) -> Value {
        let (status, _, b) = self.post(path, &body).await;
        assert!(status < 300, "{path}: {status} {b}");
        b
    }
}

impl Drop for Candor {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// Before the server starts, through the library: the peer survey and the cycle "C" holding
/// `n` sealed answers, as respondents would have left them (the close bench's records).
async fn seal_cycle(url: &str, dir: &Path, n: usize, subjects: usize) {
    let mut config = candor::config::Cli::parse_from(["candor"]).config;
    config.database_url = url.to_string();
    config.key_file = dir.join("bench.key");
    let app = candor::startup::open(config).await.unwrap();
    let survey: candor::domain::survey::SurveyInput = serde_json::from_value(json!({
        "id":"p","kind":"peer","title":"360","questions":[
            {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true},
            {"id":"n1","text":"Keep doing","type":"text"}]}))
    .unwrap();
    candor::app::surveys::save(&app, &candor::app::audit::Actor::Cli, &survey).await.unwrap();
    let cycle: candor::app::cycles::CycleInput = serde_json::from_value(json!({
        "id":"C","title":"C","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}))
    .unwrap();
    candor::app::cycles::save(&app, &candor::app::audit::Actor::Cli, &cycle).await.unwrap();
    let survey = candor::app::responses::survey(&app, "p").await.unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let key = candor::app::cycle_keys::for_sealing(&app, &mut tx, "C").await.unwrap();
    for k in 0..n {
        let target = LinkTarget {
            id: k as i64,
            cycle_id: "C".into(),
            survey_id: "p".into(),
            subject_id: format!("P{}", k % subjects),
            relation: Relation::Peer,
            respondent_key: format!("p:R{k}"),
            sent_to: Some(format!("r{k}@corp.example")),
        };
        let mut answers = vec![Answer { question_id: "t1".into(), value: Some(1 + (k % 5) as i64), text: None }];
        if k.is_multiple_of(3) {
            answers.push(Answer {
                question_id: "n1".into(),
                value: None,
                text: Some(format!("keeps us informed {k}")),
            });
        }
        let sealed = candor::app::sealing::seal_record(&key, &target, &survey, answers).unwrap();
        candor::db::sealed::insert(&mut tx, &candor::domain::token::random_id(), "C", &sealed).await.unwrap();
    }
    tx.commit().await.unwrap();
    if app.db().backend == candor::db::Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&app.db().pool).await.unwrap();
    }
    app.db().pool.close().await;
}

/// Through the API: the org (a head, then teams of `team`: a manager and the rest reporting to
/// them), the cycle "L" to launch (opening in 2098, so its emails stay queued), and the open
/// cycle "live" with `n` customer invitations whose links come back. Returns the links' tokens.
async fn seed(candor: &Candor, people: usize, team: usize, n: usize) -> Vec<String> {
    let mut rows = vec![json!({"id":"HEAD","name":"Head","email":"head@corp.example","team":"Leads"})];
    rows.extend((0..people).map(|i| {
        let manager = if i % team == 0 { "HEAD".to_string() } else { format!("P{}", i - i % team) };
        json!({"id":format!("P{i}"),"name":format!("Person {i}"),"email":format!("p{i}@corp.example"),
               "manager":manager,"team":format!("T{}", i / team)})
    }));
    candor.api("/api/v1/people", json!({ "people": rows })).await;
    let cycle = |id: &str, opens: &str| json!({"id":id,"title":id,"opens_at":opens,"closes_at":"2099-01-01T00:00:00Z"});
    candor.api("/api/v1/cycles", cycle("L", "2098-01-01T00:00:00Z")).await;
    candor.api("/api/v1/cycles", cycle("live", "2026-01-01T00:00:00Z")).await;
    candor.api("/api/v1/surveys", json!({"id":"csat","kind":"customer","title":"How did we do?","questions":[
        {"id":"q1","text":"Overall satisfaction","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction","required":true},
        {"id":"q2","text":"Recommend us?","type":"nps","indicator":"customer_satisfaction"},
        {"id":"q3","text":"Anything else?","type":"text"}]})).await;
    let subjects = people.clamp(1, 100);
    let customers: Vec<Value> = (0..n.div_ceil(subjects))
        .map(|i| json!({"id":format!("C{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example")}))
        .collect();
    candor.api("/api/v1/customers", json!({ "customers": customers })).await;
    let rows: Vec<Value> = (0..n)
        .map(|k| {
            json!({"survey":"csat","subject":format!("P{}", k % subjects),
                        "respondent":{"customer":format!("C{}", k / subjects)},"relation":"customer"})
        })
        .collect();
    let mut tokens = Vec::with_capacity(n);
    for chunk in rows.chunks(10_000) {
        let b = candor.api("/api/v1/cycles/live/invitations", json!({"invitations": chunk, "deliver":"none"})).await;
        for l in b["links"].as_array().unwrap() {
            tokens.push(l["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string());
        }
    }
    assert_eq!(tokens.len(), n);
    tokens
}

/// One scenario's line of the table.
struct Row {
    name: &'static str,
    op: String,
    seconds: f64,
    load: load::Stats,
    stalls: Vec<(f64, f64, usize, f64)>,
    health: load::HealthStats,
    /// A survey page read over and over: whether reads stall too (busy async workers, CPU) or
    /// only writes (the write lock).
    page: load::HealthStats,
    ran_out: bool,
}

/// The load for a moment first, so the window starts with respondents already submitting.
const WARM_UP: Duration = Duration::from_millis(500);

/// Respondents and the monitor during `op` (an admin POST), or for `idle` seconds without one.
async fn scenario(name: &'static str, candor: &Candor, tokens: &Tokens, op: Op<'_>) -> Row {
    let rate = env_or("BENCH_RATE", 500) as f64;
    let respondents = load::Load::start(&candor.base, &tokens.submit, rate, env_or("BENCH_CONNECTIONS", CONNECTIONS));
    let monitor = load::Health::start(format!("{}/healthz", candor.base));
    let reader = load::Health::start(format!("{}/s/{}", candor.base, tokens.page));
    tokio::time::sleep(WARM_UP).await;
    let from = Instant::now();
    let outcome = match op {
        Op::Post(path, body) => {
            let (status, _, b) = candor.post(path, &body).await;
            let created = b["created"].as_u64().map(|n| format!(", {n} invitations")).unwrap_or_default();
            format!("{path} → {status}{created}")
        }
        Op::Idle(seconds) => {
            tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            "none".to_string()
        }
    };
    let to = Instant::now();
    let (samples, ran_out) = respondents.stop(to).await;
    let health = monitor.stop(from, to).await;
    let page = reader.stop(from, to).await;
    Row {
        name,
        op: outcome,
        seconds: (to - from).as_secs_f64(),
        load: load::stats(&samples, from, to),
        stalls: load::stalls(&samples, from, to, 250.0),
        health,
        page,
        ran_out,
    }
}

/// Links to submit to, each once, and one whose survey page is read (GET never uses it up).
struct Tokens {
    submit: std::sync::Arc<load::Tokens>,
    page: String,
}

enum Op<'a> {
    Post(&'a str, Value),
    Idle(f64),
}

/// Launch, close and baseline on one database (`url`); prints the table.
async fn on(backend: &str, url: &str, dir: &Path) {
    let (people, team, sealed) =
        (env_or("BENCH_PEOPLE", 10_000), env_or("BENCH_TEAM", 8), env_or("BENCH_SEALED", 100_000));
    let n_tokens = env_or("BENCH_TOKENS", (6 * people).clamp(3_000, 60_000));
    let started = Instant::now();
    seal_cycle(url, dir, sealed, sealed_subjects(people)).await;
    let candor = Candor::start(url, dir);
    candor.wait_up().await;
    let mut links = seed(&candor, people, team, n_tokens + 1).await;
    let page = links.pop().unwrap();
    let tokens = Tokens { submit: load::Tokens::new(links), page };
    println!("{backend}: seeded in {:.1} s", started.elapsed().as_secs_f64());
    let launch = json!({"survey":"p","subjects":"all","peers":"team"});
    let launch = scenario("launch", &candor, &tokens, Op::Post("/api/v1/cycles/L/launch", launch)).await;
    let close = scenario("close", &candor, &tokens, Op::Post("/api/v1/cycles/C/close", json!({}))).await;
    let idle = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| launch.seconds.max(close.seconds).max(1.0));
    let baseline = scenario("baseline", &candor, &tokens, Op::Idle(idle)).await;
    drop(candor);
    let log = std::fs::read_to_string(dir.join("candor.log")).unwrap_or_default();
    // The close's timings, and whether readers kept its WAL truncation from completing.
    for line in log.lines().filter(|l| l.contains("closing_ms") || l.contains("scrub_ms") || l.contains("WAL")) {
        // The fields only: no colours, no timestamp.
        let plain = strip_colours(line);
        let fields: Vec<&str> = plain.split_whitespace().filter(|w| w.contains('=')).collect();
        println!("{backend}: close log: {}", fields.join(" "));
    }
    println!(
        "{backend}: {people} people in teams of {team}, {sealed} sealed answers; respondents: {} submissions/s due, \
         over {} connections, latency from when each was due",
        env_or("BENCH_RATE", 500),
        env_or("BENCH_CONNECTIONS", CONNECTIONS)
    );
    println!(
        "scenario | admin operation | its time | requests | failed | p50 | p99 | max | healthz probes | failed | slowest \
         | page GETs | failed | p99 | slowest"
    );
    for r in [&launch, &close, &baseline] {
        println!(
            "{} | {} | {:.2} s | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} | {:.1} ms | {} | {} | {:.1} ms | {:.1} ms{}",
            r.name,
            r.op,
            r.seconds,
            r.load.requests,
            r.load.failed,
            r.load.p50_ms,
            r.load.p99_ms,
            r.load.max_ms,
            r.health.probes,
            r.health.failed,
            r.health.max_ms,
            r.page.probes,
            r.page.failed,
            r.page.p99_ms,
            r.page.max_ms,
            if r.ran_out { " (links ran out: raise BENCH_TOKENS)" } else { "" }
        );
    }
    for r in [&launch, &close, &baseline] {
        let spans: Vec<String> = r
            .stalls
            .iter()
            .map(|(a, b, n, worst)| format!("+{a:.2}–{b:.2} s ({n} requests, worst {worst:.0} ms)"))
            .collect();
        if !spans.is_empty() {
            println!("{}: waits over 250 ms, by when the request was due: {}", r.name, spans.join(", "));
        }
    }
    println!(
        "{backend}: baseline p99 {:.1} ms; targets: p99 < 250 ms during each operation, no /healthz failure",
        baseline.load.p99_ms
    );
}

/// A log line without its terminal colour codes (`ESC [ … m`).
fn strip_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("sqlite");
    std::fs::create_dir(&sqlite).unwrap();
    on("SQLite", &format!("sqlite://{}/bench.db", sqlite.display()), &sqlite).await;
    if let Ok(admin_url) = std::env::var("BENCH_POSTGRES_URL") {
        let pg = dir.path().join("pg");
        std::fs::create_dir(&pg).unwrap();
        on("PostgreSQL", &common::pg_database(&admin_url).await, &pg).await;
    }
}
