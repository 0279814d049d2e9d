//! Respondent throughput: the real `candor` binary against a floor, side by side, with wrk.
//!
//! The floor is the least a correct submission can do: a bare axum handler that hashes the
//! token and, in one `BEGIN IMMEDIATE` transaction on SQLite, claims the invitation (sets the
//! schema's `completed` flag) and inserts the response and its answers. Candor does the same plus everything a product
//! needs (token shape check, rate limit, link lookup with cycle state and locale, answer
//! validation against the survey). Rounds alternate Candor / floor to share any drift.
//!
//! Run: `cargo bench --bench respondent` (needs `wrk`). Knobs: BENCH_SECONDS (default 4),
//! BENCH_ROUNDS (3), BENCH_CONNECTIONS (16), BENCH_SUBMIT_ONLY (0), BENCH_TOKENS per round and target (60000),
//! BENCH_PERF (a path prefix: profile Candor in each round) and BENCH_PERF_EVENT (see `profile`);
//! CANDOR_SUBMIT_WRITER (batch or pooled) reaches the binary. With BENCH_POSTGRES_URL, rounds on
//! PostgreSQL compare both writers with the floor.
mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlitePool, Transaction};
use std::path::{Path as FsPath, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Candor {
    child: Child,
    base: String,
    key: String,
    /// Its database, for links only the emails would carry (BENCH_ANONYMOUS).
    url: String,
}

impl Candor {
    fn start(db: &FsPath, key: Option<String>) -> Candor {
        Candor::start_url(&format!("sqlite://{}", db.display()), db, key, None)
    }

    /// `writer`: CANDOR_SUBMIT_WRITER for this instance.
    fn start_url(url: &str, db: &FsPath, key: Option<String>, writer: Option<&str>) -> Candor {
        let url = url.to_string();
        let key = key.unwrap_or_else(|| {
            let out = Command::new(env!("CARGO_BIN_EXE_candor"))
                .args(["api-key", "create", "--name", "bench", "--scope", "admin"])
                .env("CANDOR_DATABASE_URL", &url)
                .output()
                .unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string()
        });
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_candor"));
        if let Some(w) = writer {
            cmd.env("CANDOR_SUBMIT_WRITER", w);
        }
        let child = cmd
            .env("CANDOR_DATABASE_URL", &url)
            .env("CANDOR_LISTEN", format!("127.0.0.1:{port}"))
            .env("CANDOR_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("CANDOR_MAIL_DIR", db.with_extension("mail"))
            .env("CANDOR_LOG", "warn")
            // wrk's connections all come from 127.0.0.1.
            .env("CANDOR_MAX_CONNECTIONS_PER_CLIENT", "1024")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        wait_up(&format!("{base}/healthz"));
        Candor { child, base, key, url }
    }

    fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// Starts the peak over (Linux `clear_refs` 5), so the next reading covers what follows.
    fn reset_peak_rss(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }
}

fn wait_up(url: &str) {
    for _ in 0..200 {
        if let Ok(out) = Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", url]).output()
            && out.stdout == b"200"
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{url} did not come up");
}

async fn api(c: &reqwest::Client, candor: &Candor, path: &str, body: Value) -> Value {
    let res = c.post(format!("{}{path}", candor.base)).bearer_auth(&candor.key).json(&body).send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{path}: {body}");
    body
}

/// A cycle with `n` customer invitations; returns their tokens.
async fn seed(candor: &Candor, n: usize) -> (Vec<String>, f64) {
    let c = reqwest::Client::new();
    let subjects = 100;
    let per_subject = n.div_ceil(subjects);
    let people: Vec<Value> = (0..subjects)
        .map(|i| json!({"id":format!("E{i}"),"name":format!("Seller {i}"),"email":format!("s{i}@corp.example")}))
        .collect();
    api(&c, candor, "/api/v1/people", json!({ "people": people })).await;
    let customers: Vec<Value> = (0..per_subject)
        .map(|i| json!({"id":format!("C{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example")}))
        .collect();
    api(&c, candor, "/api/v1/customers", json!({ "customers": customers })).await;
    // BENCH_ANONYMOUS=1: the customers answer anonymously, so each answer is sealed.
    let anonymous = env_or("BENCH_ANONYMOUS", 0) == 1;
    api(&c, candor, "/api/v1/surveys", json!({"id":"csat","kind":"customer","title":"How did we do?","anonymous":anonymous,"questions":[
        {"id":"q1","text":"Overall satisfaction","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction","required":true},
        {"id":"q2","text":"Recommend us?","type":"nps","indicator":"customer_satisfaction"},
        {"id":"q3","text":"Anything else?","type":"text"}]})).await;
    // Anonymous links go out only by email: the cycle opens once the bench has made them.
    let opens = if anonymous { "2098-01-01T00:00:00Z" } else { "2026-01-01T00:00:00Z" };
    let cycle = |opens: &str| json!({"id":"bench","title":"Bench","opens_at":opens,"closes_at":"2099-01-01T00:00:00Z"});
    api(&c, candor, "/api/v1/cycles", cycle(opens)).await;
    let rows: Vec<Value> = (0..n)
        .map(|k| json!({"survey":"csat","subject":format!("E{}", k % subjects),"respondent":{"customer":format!("C{}", k / subjects)},"relation":"customer"}))
        .collect();
    let mut tokens = Vec::with_capacity(n);
    let mut seconds = 0.0;
    for chunk in rows.chunks(10_000) {
        let started = std::time::Instant::now();
        let b = api(
            &c,
            candor,
            "/api/v1/cycles/bench/invitations",
            json!({"invitations": chunk, "deliver": if anonymous { "email" } else { "none" }}),
        )
        .await;
        seconds += started.elapsed().as_secs_f64();
        for l in b["links"].as_array().into_iter().flatten() {
            tokens.push(l["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string());
        }
    }
    if anonymous {
        tokens = links_as_emailed(candor).await;
        api(&c, candor, "/api/v1/cycles", cycle("2026-01-01T00:00:00Z")).await;
    }
    assert_eq!(tokens.len(), n);
    (tokens, n as f64 / seconds)
}

/// The links the emails of the cycle `bench` would carry, made as the worker makes them (a
/// token per invitation, only its hash stored, known to reach the customer's address); the
/// emails themselves are skipped, so no worker sends 60,000 of them during the rounds.
async fn links_as_emailed(candor: &Candor) -> Vec<String> {
    let db = candor::db::Db::connect(&candor.url).await.unwrap();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT i.id, c.email FROM invitations i JOIN customers c ON c.id = i.respondent_customer_id \
         WHERE i.cycle_id = 'bench' ORDER BY i.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE outbox SET status = 'skipped' WHERE status = 'pending'").execute(&db.pool).await.unwrap();
    let tokens: Vec<candor::domain::token::Token> = rows.iter().map(|_| candor::domain::token::Token::mint()).collect();
    let links: Vec<candor::db::links::NewLink> = rows
        .iter()
        .zip(&tokens)
        .map(|((id, email), t)| candor::db::links::NewLink::respond(t.hash(), *id).to(email))
        .collect();
    for chunk in links.chunks(10_000) {
        candor::db::links::insert_all(&db, chunk, candor::domain::time::now()).await.unwrap();
    }
    db.pool.close().await;
    tokens.iter().map(|t| t.as_str().to_string()).collect()
}

// ---- the floor ------------------------------------------------------------------------

async fn floor_submit(State(pool): State<SqlitePool>, Path(token): Path<String>, body: Bytes) -> StatusCode {
    let hash = candor::domain::token::sha256_hex(&token);
    let mut answers: Vec<(String, Option<i64>, Option<String>)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "q1" | "q2" => answers.push((k.into_owned(), v.parse().ok(), None)),
            "q3" => answers.push((k.into_owned(), None, Some(v.into_owned()))),
            _ => {}
        }
    }
    let Ok(mut tx): Result<Transaction<'_, sqlx::Sqlite>, _> = pool.begin_with("BEGIN IMMEDIATE").await else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let claimed: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "UPDATE invitations SET completed = 1, completed_on = ?1 WHERE completed = 0 \
         AND id = (SELECT invitation_id FROM links WHERE token_hash = ?2) \
         RETURNING id, cycle_id, survey_id, subject_id, relation",
    )
    .bind("2026-11-26")
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await
    .ok()
    .flatten();
    let Some((id, cycle, survey, subject, relation)) = claimed else {
        return StatusCode::CONFLICT;
    };
    let rid = candor::domain::token::random_id();
    let ok = sqlx::query(
        "INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on, invitation_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&rid)
    .bind(cycle)
    .bind(survey)
    .bind(subject)
    .bind(relation)
    .bind("2026-11-26")
    .bind(id)
    .execute(&mut *tx)
    .await
    .is_ok();
    let mut qb =
        sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO answers (response_id, question_id, value, text) ");
    qb.push_values(&answers, |mut b, (q, v, t)| {
        b.push_bind(&rid).push_bind(q).push_bind(v).push_bind(t);
    });
    let ok = ok && qb.build().execute(&mut *tx).await.is_ok();
    if ok && tx.commit().await.is_ok() { StatusCode::SEE_OTHER } else { StatusCode::INTERNAL_SERVER_ERROR }
}

/// The floor of a survey page: find the invitation by the token's hash and write a form.
async fn floor_page(State(pool): State<SqlitePool>, Path(token): Path<String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let hash = candor::domain::token::sha256_hex(&token);
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT i.subject_id, i.survey_id FROM links l JOIN invitations i ON i.id = l.invitation_id WHERE l.token_hash = ?1",
    )
    .bind(&hash)
    .fetch_optional(&pool)
    .await
    .ok()
    .flatten();
    match row {
        Some((subject, survey)) => axum::response::Html(format!(
            "<!doctype html><html><body><h1>{survey}</h1><p>{subject}</p><form method=post>{}<button>Send</button></form></body></html>",
            (1..=5).map(|v| format!("<label><input type=radio name=q1 value={v}>{v}</label>")).collect::<String>()
        ))
        .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_floor(db: &FsPath) -> String {
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await.unwrap();
    let app = Router::new().route("/s/{token}", post(floor_submit).get(floor_page)).with_state(pool);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The same floor on PostgreSQL: one transaction that claims and inserts.
async fn floor_submit_pg(State(pool): State<sqlx::PgPool>, Path(token): Path<String>, body: Bytes) -> StatusCode {
    let hash = candor::domain::token::sha256_hex(&token);
    let mut answers: Vec<(String, Option<i64>, Option<String>)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "q1" | "q2" => answers.push((k.into_owned(), v.parse().ok(), None)),
            "q3" => answers.push((k.into_owned(), None, Some(v.into_owned()))),
            _ => {}
        }
    }
    let Ok(mut tx) = pool.begin().await else { return StatusCode::SERVICE_UNAVAILABLE };
    let claimed: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "UPDATE invitations SET completed = TRUE, completed_on = $1 WHERE completed = FALSE \
         AND id = (SELECT invitation_id FROM links WHERE token_hash = $2) \
         RETURNING id, cycle_id, survey_id, subject_id, relation",
    )
    .bind("2026-11-26")
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await
    .ok()
    .flatten();
    let Some((id, cycle, survey, subject, relation)) = claimed else { return StatusCode::CONFLICT };
    let rid = candor::domain::token::random_id();
    let ok = sqlx::query(
        "INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on, invitation_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&rid)
    .bind(cycle)
    .bind(survey)
    .bind(subject)
    .bind(relation)
    .bind("2026-11-26")
    .bind(id)
    .execute(&mut *tx)
    .await
    .is_ok();
    let mut qb =
        sqlx::QueryBuilder::<sqlx::Postgres>::new("INSERT INTO answers (response_id, question_id, value, text) ");
    qb.push_values(&answers, |mut b, (q, v, t)| {
        b.push_bind(&rid).push_bind(q).push_bind(v).push_bind(t);
    });
    let ok = ok && qb.build().execute(&mut *tx).await.is_ok();
    if ok && tx.commit().await.is_ok() { StatusCode::SEE_OTHER } else { StatusCode::INTERNAL_SERVER_ERROR }
}

async fn start_floor_pg(url: &str) -> String {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(url).await.unwrap();
    let app = Router::new().route("/s/{token}", post(floor_submit_pg)).with_state(pool);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Candor with each writer and the floor on PostgreSQL (BENCH_POSTGRES_URL, an admin URL of a
/// server), rounds alternating.
async fn postgres_rounds(dir: &FsPath, script: &FsPath, admin_url: &str, tokens: usize, seconds: usize, conns: usize) {
    let rounds = env_or("BENCH_ROUNDS", 3);
    let floor_url = common::pg_database(admin_url).await;
    let seeder = Candor::start_url(&floor_url, &dir.join("pg-floor"), None, None);
    let (floor_tokens, _) = seed(&seeder, tokens * rounds).await;
    seeder.stop();
    let floor = start_floor_pg(&floor_url).await;
    let mut candors = Vec::new();
    for writer in ["batch", "pooled"] {
        let url = common::pg_database(admin_url).await;
        let candor = Candor::start_url(&url, &dir.join(format!("pg-{writer}")), None, Some(writer));
        let (t, _) = seed(&candor, tokens * rounds).await;
        candors.push((writer, candor, t));
    }
    for r in 0..rounds {
        let slice = r * tokens..(r + 1) * tokens;
        let ff = dir.join(format!("pg-floor-{r}.txt"));
        write_lines(&ff, &floor_tokens[slice.clone()]);
        let f = wrk(&floor, Some(script), Some(&ff), seconds, conns);
        let mut line = format!("PostgreSQL round {}: floor {:.0}/s (p99 {:.1} ms)", r + 1, f.ok_per_sec, f.p99_ms);
        for (writer, candor, t) in &candors {
            let cf = dir.join(format!("pg-{writer}-{r}.txt"));
            write_lines(&cf, &t[slice.clone()]);
            let c = wrk(&candor.base, Some(script), Some(&cf), seconds, conns);
            line += &format!(
                " | {writer} {:.0}/s ({} refused, p99 {:.1} ms, ratio {:.2})",
                c.ok_per_sec,
                c.failed,
                c.p99_ms,
                c.ok_per_sec / f.ok_per_sec
            );
        }
        println!("{line}");
    }
    for (_, candor, _) in candors {
        candor.stop();
    }
}

// ---- load ---------------------------------------------------------------------------------

const POST_SCRIPT: &str = r#"
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKEN_FILE")) do tokens[#tokens + 1] = line end
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) step = tonumber(os.getenv("BENCH_THREADS")); i = id end
function request()
  i = i + step
  local t = tokens[(i % #tokens) + 1]
  return wrk.format("POST", "/s/" .. t, {["Content-Type"] = "application/x-www-form-urlencoded"},
                    "q1=4&q2=9&q3=Quick+and+friendly")
end
"#;

struct Run {
    ok_per_sec: f64,
    failed: u64,
    p99_ms: f64,
}

/// wrk's latency line (`99%  12.34ms`) in milliseconds.
fn p99_ms(text: &str) -> f64 {
    let v = text.lines().find_map(|l| l.trim().strip_prefix("99%")).map(str::trim).unwrap_or("0ms");
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, 1.0)
    };
    num.parse::<f64>().unwrap_or(0.0) * scale
}

/// Bytes a process has handed to write(2) so far (`wchar`): WAL frames and checkpoints.
fn written_bytes(pid: &str) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines().find_map(|l| l.strip_prefix("wchar:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

fn wrk(url: &str, script: Option<&FsPath>, token_file: Option<&FsPath>, seconds: usize, conns: usize) -> Run {
    let threads = 2;
    let mut cmd = Command::new("wrk");
    cmd.args(["--latency", "-t", &threads.to_string(), "-c", &conns.to_string(), "-d", &format!("{seconds}s")]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    if let Some(t) = token_file {
        cmd.env("BENCH_TOKEN_FILE", t);
    }
    let out = cmd.env("BENCH_THREADS", threads.to_string()).arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let total: u64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected wrk output: {text}"));
    let failed: u64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    Run { ok_per_sec: (total - failed) as f64 / seconds as f64, failed, p99_ms: p99_ms(&text) }
}

fn write_lines(path: &FsPath, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// BENCH_PERF=prefix: records Candor during each round to `prefix.N`, for `perf report`: CPU
/// samples with DWARF call stacks; with BENCH_PERF_EVENT=sched the whole machine's scheduler
/// (`perf sched timehist`: who waited, and for what); with another BENCH_PERF_EVENT that event.
fn profile(pid: &str, round: usize, seconds: usize) -> Option<Child> {
    let prefix = std::env::var("BENCH_PERF").ok()?;
    let out = format!("{prefix}.{round}");
    let seconds = seconds.to_string();
    let event = std::env::var("BENCH_PERF_EVENT").ok();
    let mut args = match event.as_deref() {
        Some("sched") => vec!["sched", "record", "-a", "-g", "-o", &out],
        Some(e) => vec!["record", "-g", "-p", pid, "-o", &out, "-e", e],
        None => vec!["record", "-p", pid, "-o", &out, "-F", "499", "--call-graph", "dwarf,16384"],
    };
    args.extend(["--", "sleep", &seconds]);
    Command::new("perf").args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let seconds = env_or("BENCH_SECONDS", 4);
    let rounds = env_or("BENCH_ROUNDS", 3);
    let conns = env_or("BENCH_CONNECTIONS", 16);
    let per_round = env_or("BENCH_TOKENS", 60_000);
    let dir = tempfile::tempdir().unwrap();
    let script: PathBuf = dir.path().join("post.lua");
    std::fs::write(&script, POST_SCRIPT).unwrap();
    println!(
        "respondent bench: {rounds} rounds × {seconds}s, {conns} connections, wrk -t2, SQLite, writer {}",
        std::env::var("CANDOR_SUBMIT_WRITER").unwrap_or_else(|_| "default".into())
    );

    // Two identical databases, one for Candor and one for the floor, seeded by Candor itself.
    let candor_db = dir.path().join("candor.db");
    let floor_db = dir.path().join("floor.db");
    let seeder = Candor::start(&floor_db, None);
    let (floor_tokens, _) = seed(&seeder, per_round * rounds).await;
    seeder.stop();
    let candor = Candor::start(&candor_db, None);
    let (candor_tokens, invitations_per_sec) = seed(&candor, per_round * rounds).await;
    let floor = start_floor(&floor_db).await;
    // Seeding posts 10,000 invitations a call; what follows is the respondents' load alone.
    let seeding_peak = candor.peak_rss_mib();
    candor.reset_peak_rss();

    // Survey page GETs: one live link, fetched over and over (GET never consumes it).
    let page = format!("{}/s/{}", candor.base, candor_tokens.last().unwrap());
    let gets = wrk(&page, None, None, seconds, conns);
    let floor_gets = wrk(&format!("{floor}/s/{}", floor_tokens.last().unwrap()), None, None, seconds, conns);

    let mut c_runs = Vec::new();
    let mut f_runs = Vec::new();
    for r in 0..rounds {
        let slice = r * per_round..(r + 1) * per_round;
        let cf = dir.path().join(format!("candor-{r}.txt"));
        let ff = dir.path().join(format!("floor-{r}.txt"));
        write_lines(&cf, &candor_tokens[slice.clone()]);
        write_lines(&ff, &floor_tokens[slice]);
        let pid = candor.child.id().to_string();
        let before = written_bytes(&pid);
        let perf = profile(&pid, r, seconds);
        let c = wrk(&candor.base, Some(&script), Some(&cf), seconds, conns);
        if let Some(mut p) = perf {
            let _ = p.wait();
        }
        let c_bytes = (written_bytes(&pid) - before) as f64 / (c.ok_per_sec * seconds as f64);
        let before = written_bytes("self");
        let f = wrk(&floor, Some(&script), Some(&ff), seconds, conns);
        let f_bytes = (written_bytes("self") - before) as f64 / (f.ok_per_sec * seconds as f64);
        println!(
            "round {}: candor {:>6.0} submissions/s ({} refused, p99 {:.1} ms, {:.0} bytes written each) | \
             floor {:>6.0} ({} refused, p99 {:.1} ms, {:.0} bytes each) | ratio {:.2}",
            r + 1,
            c.ok_per_sec,
            c.failed,
            c.p99_ms,
            c_bytes,
            f.ok_per_sec,
            f.failed,
            f.p99_ms,
            f_bytes,
            c.ok_per_sec / f.ok_per_sec
        );
        c_runs.push(c.ok_per_sec);
        f_runs.push(f.ok_per_sec);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut ratios: Vec<f64> = c_runs.iter().zip(&f_runs).map(|(c, f)| c / f).collect();
    let (c, f, r) = (median(&mut c_runs), median(&mut f_runs), median(&mut ratios));
    println!("submissions/s (median): candor {c:.0}, floor {f:.0}; median of round ratios {r:.2} (target ≥ 0.70)");
    println!(
        "survey page GETs/s: candor {:.0} ({} non-2xx) | floor {:.0} | ratio {:.2}",
        gets.ok_per_sec,
        gets.failed,
        floor_gets.ok_per_sec,
        gets.ok_per_sec / floor_gets.ok_per_sec
    );
    println!("invitations created/s (batches of 10,000, deliver=none): {invitations_per_sec:.0}");
    if let Ok(admin_url) = std::env::var("BENCH_POSTGRES_URL") {
        postgres_rounds(dir.path(), &script, &admin_url, per_round, seconds, conns).await;
    }

    // 64 concurrent clients on the survey page, then the peak memory of the whole run.
    let wide = wrk(&page, None, None, seconds, 64);
    println!("survey page GETs/s with 64 connections: {:.0} ({} non-2xx)", wide.ok_per_sec, wide.failed);
    println!(
        "candor peak RSS (VmHWM) under the respondents' load, up to 64 concurrent clients: {:.1} MiB (target < 100); \
         while seeding (10,000 invitations a call): {seeding_peak:.1} MiB",
        candor.peak_rss_mib()
    );
    candor.stop();
    if env_or("BENCH_SUBMIT_ONLY", 0) == 1 {
        return;
    }

    // 100,000 invitations in one cycle, in one call, emails queued (target: under 5 s).
    let big_db = dir.path().join("big.db");
    let big = Candor::start(&big_db, None);
    let c = reqwest::Client::new();
    let people: Vec<Value> = (0..100)
        .map(|i| json!({"id":format!("E{i}"),"name":format!("Seller {i}"),"email":format!("s{i}@corp.example")}))
        .collect();
    api(&c, &big, "/api/v1/people", json!({ "people": people })).await;
    let customers: Vec<Value> = (0..1000)
        .map(|i| json!({"id":format!("C{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example")}))
        .collect();
    api(&c, &big, "/api/v1/customers", json!({ "customers": customers })).await;
    api(&c, &big, "/api/v1/surveys", json!({"id":"csat","kind":"customer","title":"t","questions":[{"id":"q1","text":"x","type":"scale","min":1,"max":5}]})).await;
    // Opens in the future, so the worker does not start mailing during the measurement.
    api(
        &c,
        &big,
        "/api/v1/cycles",
        json!({"id":"big","title":"Big","opens_at":"2098-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}),
    )
    .await;
    let rows: Vec<Value> = (0..100_000)
        .map(|k| json!({"survey":"csat","subject":format!("E{}", k % 100),"respondent":{"customer":format!("C{}", k / 100)},"relation":"customer"}))
        .collect();
    let body = json!({ "invitations": rows });
    let started = std::time::Instant::now();
    let b = api(&c, &big, "/api/v1/cycles/big/invitations", body).await;
    let took = started.elapsed();
    assert_eq!(b["created"], 100_000);
    println!("100,000 invitations in one call, emails queued: {took:.2?} (target < 5 s)");
    big.stop();

    // Floor: the same 100,000 invitation rows and their outbox rows inserted by a native
    // SQLite pool in one transaction, prepared single-row statements, no validation.
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", big_db.display()))
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
    sqlx::query("INSERT INTO cycles (id, title, opens_at, closes_at, min_raters, weight_manager, weight_peer, weight_direct_report, status, created_at, updated_at) VALUES ('floor', 'F', 0, 4070908800, 3, 1, 1, 1, 'open', 0, 0)")
        .execute(&pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await.unwrap();
    for k in 0..100_000 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (cycle_id, survey_id, subject_id, relation, respondent_customer_id, respondent_key, created_at) \
             VALUES ('floor', 'csat', ?1, 'customer', ?2, ?3, 0) RETURNING id",
        )
        .bind(format!("E{}", k % 100))
        .bind(format!("C{}", k / 100))
        .bind(format!("c:C{}", k / 100))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query("INSERT INTO outbox (kind, invitation_id, status, next_attempt_ms, created_at) VALUES ('invitation', ?1, 'pending', 0, 0)")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let floor_took = started.elapsed();
    println!(
        "floor: the same 100,000 rows by a native pool in one transaction: {floor_took:.2?}; ratio candor / floor time {:.2}",
        took.as_secs_f64() / floor_took.as_secs_f64()
    );
}
