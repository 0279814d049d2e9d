//! Faults: a killed process, a graceful stop under load, a database that stays locked.
//! Bounded in count and time; everything on loopback.
use crate::common;

use common::{Backend, count, seeded_with};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
}

/// The real binary on a port it binds itself (port 0), read back from its log.
fn start_binary(dir: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
        .current_dir(dir)
        .env("CANDOR_LISTEN", "127.0.0.1:0")
        .env("CANDOR_PUBLIC_URL", "http://127.0.0.1:0")
        .env("CANDOR_LOG", "warn,candor::startup=info")
        // Hundreds of requests at once, all from 127.0.0.1.
        .env("CANDOR_MAX_CONNECTIONS_PER_CLIENT", "1024")
        .env_remove("CANDOR_DATABASE_URL")
        .env_remove("CANDOR_SMTP_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port, _log) = common::listening_port(&mut child);
    Server { child, base: format!("http://127.0.0.1:{port}") }
}

fn admin_key(dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_candor"))
        .current_dir(dir)
        .env_remove("CANDOR_DATABASE_URL")
        .args(["api-key", "create", "--name", "faults", "--scope", "admin"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string()
}

/// `n` customer invitations on a non-anonymous survey (responses keep their invitation);
/// returns their links.
async fn seed(c: &reqwest::Client, base: &str, key: &str, n: usize) -> Vec<String> {
    let post = |path: &str, body: Value| {
        let req = c.post(format!("{base}{path}")).bearer_auth(key).json(&body);
        async move {
            let res = req.send().await.unwrap();
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
            res.json::<Value>().await.unwrap()
        }
    };
    post("/api/v1/people", json!({"people":[{"id":"E1","name":"Li Na","email":"li@corp.example"}]})).await;
    let customers: Vec<Value> =
        (0..n).map(|i| json!({"id":format!("C{i}"),"name":"B","email":format!("b{i}@shop.example")})).collect();
    post("/api/v1/customers", json!({ "customers": customers })).await;
    post("/api/v1/surveys", common::csat_survey()).await;
    post(
        "/api/v1/cycles",
        json!({"id":"Q","title":"Q","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}),
    )
    .await;
    let rows: Vec<Value> = (0..n)
        .map(
            |i| json!({"survey":"csat","subject":"E1","respondent":{"customer":format!("C{i}")},"relation":"customer"}),
        )
        .collect();
    let b = post("/api/v1/cycles/Q/invitations", json!({"invitations": rows, "deliver":"none"})).await;
    b["links"].as_array().unwrap().iter().map(|l| l["url"].as_str().unwrap().to_string()).collect()
}

type Fired = Vec<tokio::task::JoinHandle<(String, Option<u16>)>>;

/// Fires one POST per link at once; returns each link's status (None: no answer), and waits
/// until `ack` of them were acknowledged, so a fault lands mid-load.
async fn fire(c: &reqwest::Client, links: &[String], ack: usize) -> Fired {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks = links
        .iter()
        .map(|l| {
            let (c, l, done) = (c.clone(), l.clone(), done.clone());
            tokio::spawn(async move {
                let res = c.post(&l).form(&[("q1", "4"), ("q2", "9")]).send().await;
                let status = res.ok().map(|r| r.status().as_u16());
                if status == Some(303) {
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                (l, status)
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while done.load(std::sync::atomic::Ordering::SeqCst) < ack {
        assert!(Instant::now() < deadline, "no answers came back");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tasks
}

/// How many responses the answer through `link` stored, read from the database files.
async fn stored(db: &candor::db::Db, link: &str) -> i64 {
    let token = link.rsplit('/').next().unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM responses r JOIN links l ON l.invitation_id = r.invitation_id WHERE l.token_hash = $1",
    )
    .bind(candor::domain::token::sha256_hex(token))
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let key = admin_key(dir.path());
    let mut server = start_binary(dir.path());
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let links = seed(&c, &server.base, &key, 400).await;
    let first_base = server.base.clone();
    let tasks = fire(&c, &links, 20).await;
    server.child.kill().unwrap(); // SIGKILL, mid-load
    server.child.wait().unwrap();
    let mut acknowledged = Vec::new();
    for t in tasks {
        let (link, status) = t.await.unwrap();
        if status == Some(303) {
            acknowledged.push(link);
        }
    }
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < links.len(),
        "the kill landed mid-load: {}",
        acknowledged.len()
    );

    // Restarted on whatever port it binds now: the links name the first one.
    let server = start_binary(dir.path());
    let db = candor::db::Db::connect(&format!("sqlite://{}/candor.db", dir.path().display())).await.unwrap();
    for link in &acknowledged {
        assert_eq!(stored(&db, link).await, 1, "an acknowledged answer is present after the restart");
    }
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations i WHERE i.completed <> (CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id) THEN 1 ELSE 0 END)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "no invitation completed without its response, nor the reverse");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&db.pool).await.unwrap();
    assert_eq!(integrity, "ok");
    // Links whose answer never committed still work once; those whose answer committed
    // unacknowledged (a whole group commit can land just before the kill) answer 409.
    let (answered,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses").fetch_one(&db.pool).await.unwrap();
    let rest: Vec<String> = links.iter().filter(|l| !acknowledged.contains(l)).take(60).cloned().collect();
    let mut fresh = 0;
    for l in &rest {
        let stored = stored(&db, l).await;
        let l = l.replacen(&first_base, &server.base, 1);
        let s = c.post(&l).form(&[("q1", "3")]).send().await.unwrap().status().as_u16();
        assert_eq!(s, if stored == 0 { 303 } else { 409 }, "stored before: {stored}");
        fresh += usize::from(stored == 0);
    }
    let (after,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses").fetch_one(&db.pool).await.unwrap();
    assert_eq!(after as usize, answered as usize + fresh);
    drop(server);
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let key = admin_key(dir.path());
    let mut server = start_binary(dir.path());
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let links = seed(&c, &server.base, &key, 300).await;
    let tasks = fire(&c, &links, 10).await;
    common::process::sigterm(&server.child);
    let mut ok = 0;
    let mut answered = Vec::new();
    for t in tasks {
        let (link, status) = t.await.unwrap();
        match status {
            Some(303) => {
                ok += 1;
                answered.push(link);
            }
            Some(other) => panic!("a request in flight got {other}"),
            None => {} // arrived after the listener closed: refused, never half-answered
        }
    }
    common::process::exits_cleanly(&mut server.child);
    assert!(ok > 0);
    let db = candor::db::Db::connect(&format!("sqlite://{}/candor.db", dir.path().display())).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&db.pool).await.unwrap();
    assert!(stored >= ok, "every answered request was stored: {stored} < {ok}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_answers_503_and_consumes_nothing() {
    let app = seeded_with(Backend::Sqlite, |c| c.sqlite_busy_timeout_ms = 300).await;
    let link = app.customer_link("C1").await;

    // Another process holds SQLite's write lock longer than the busy timeout.
    use sqlx::Connection;
    let mut blocker =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}/candor.db", app.db.dir.path().display())).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut blocker).await.unwrap();
    let res = app.client.post(&link).form(&[("q1", "4")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(res.headers()["retry-after"], "2");
    assert!(res.text().await.unwrap().contains("Nothing was lost"));
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();

    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE completed = 1").await, 0, "nothing consumed");
    let res = app.client.post(&link).form(&[("q1", "4")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "the same link works once the lock is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_reported_and_the_link_survives() {
    let app = seeded_with(Backend::Sqlite, |_| {}).await;
    let path = app.customer_link("C1").await.trim_start_matches(&app.addr).to_string();
    let mail_dir = app.mail_dir.clone();
    let (db, key) = app.stop().await;
    let pages = common::sqlite_pages(&db).await;
    // The disk is full: not one page more.
    let mut config = common::test_config(&db.url, mail_dir.clone());
    config.sqlite_max_pages = Some(pages);
    let full = common::start(db, config, Some(key)).await;
    let long = "满".repeat(5_000);
    let res = full.client.post(full.url(&path)).form(&[("q1", "4"), ("q3", long.as_str())]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 507);
    assert!(res.text().await.unwrap().contains("run out of storage"));
    assert_eq!(count(&full, "SELECT COUNT(*) FROM invitations WHERE completed = 1").await, 0, "nothing consumed");
    let (db, key) = full.stop().await;
    // Space is back: the same link works.
    let url = db.url.clone();
    let app = common::start(db, common::test_config(&url, mail_dir), Some(key)).await;
    let res = app.client.post(app.url(&path)).form(&[("q1", "4"), ("q3", long.as_str())]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
}

/// A full disk must not poison the pool: once space is back, every write works again within
/// a request, and `/healthz` says when the database cannot take a write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_recover_once_space_is_back() {
    let app = seeded_with(Backend::Sqlite, |c| c.sqlite_max_pages = Some(3_000)).await;
    let link = app.customer_link("C1").await;

    // Another process fills the disk past what the server may use.
    use sqlx::Connection;
    let mut filler =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}/candor.db", app.db.dir.path().display())).await.unwrap();
    sqlx::query("INSERT INTO health_probe (filler) VALUES (zeroblob(16000000))").execute(&mut filler).await.unwrap();
    let long = "满".repeat(4_000);
    for _ in 0..12 {
        let res = app.client.post(&link).form(&[("q1", "4"), ("q3", long.as_str())]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 507, "a full disk is said as such, every time");
    }
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503, "a database that cannot write is not healthy");

    // Space is back (the filler is gone, its pages free): writes work at once, on every connection.
    sqlx::query("DELETE FROM health_probe").execute(&mut filler).await.unwrap();
    filler.close().await.unwrap();
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let res = app.client.post(&link).form(&[("q1", "4"), ("q3", long.as_str())]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "the link survived and works");
    for i in 0..16 {
        let (s, b) = app
            .post(
                "/api/v1/people",
                json!({"people":[{"id":format!("N{i}"),"name":"New","email":format!("n{i}@example.com")}]}),
            )
            .await;
        assert_eq!(s, 200, "write {i} after recovery: {b}");
    }
}
