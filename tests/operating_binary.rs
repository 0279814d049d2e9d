//! Operating the real binary (CONTRACT §12): logs as JSON lines, and `candor backup` copying a
//! SQLite database that another process is writing to.
use crate::common;

use common::{Backend, TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn candor(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_candor"));
    cmd.current_dir(dir).env_remove("CANDOR_DATABASE_URL").env_remove("CANDOR_SMTP_URL").env_remove("CANDOR_KEY");
    cmd
}

fn stop(child: &mut std::process::Child) {
    common::process::sigterm(child);
    common::process::exits_cleanly(child);
}

/// Imports, a survey, invitations (one emailed, two as links) and one answer, over HTTP.
async fn exercise(base: &str, key: &str) -> Vec<String> {
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |path: &str, body: Value| c.post(format!("{base}{path}")).bearer_auth(key).json(&body).send();
    let ok = |r: reqwest::Response, want: u16| assert_eq!(r.status().as_u16(), want);
    let people = json!({"people":[{"id":"E1","name":"Li Na","email":"li.na@example.com"},
                                  {"id":"E2","name":"Sam Carter","email":"sam.carter@example.com"}]});
    ok(post("/api/v1/people", people).await.unwrap(), 200);
    let customers = json!({"customers":[{"id":"C1","name":"Acme","email":"buyer@acme.example","owner":"E1"},
                                        {"id":"C2","name":"Dragon","email":"cai@dragon.example","owner":"E1"}]});
    ok(post("/api/v1/customers", customers).await.unwrap(), 200);
    ok(post("/api/v1/surveys", common::csat_survey()).await.unwrap(), 200);
    let cycle = json!({"id":"Q4","title":"Q4","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z"});
    ok(post("/api/v1/cycles", cycle).await.unwrap(), 200);
    let invite = |c: &str| json!({"survey":"csat","subject":"E1","respondent":{"customer":c},"relation":"customer"});
    ok(post("/api/v1/cycles/Q4/invitations", json!({"invitations":[invite("C1")]})).await.unwrap(), 201);
    let res =
        post("/api/v1/cycles/Q4/invitations", json!({"invitations":[invite("C2")],"deliver":"none"})).await.unwrap();
    let body: Value = res.json().await.unwrap();
    let link = body["links"][0]["url"].as_str().unwrap().to_string();
    ok(c.get(&link).send().await.unwrap(), 200);
    let form = [("q1", "5"), ("q2", "10"), ("q3", "Splendid service")];
    ok(c.post(&link).form(&form).send().await.unwrap(), 303);
    vec![link.rsplit('/').next().unwrap().to_string()]
}

#[test]
fn every_log_line_is_json_with_the_setting_on() {
    let dir = tempfile::tempdir().unwrap();
    let json_logs = |cmd: &mut Command| {
        cmd.env("CANDOR_LOG_FORMAT", "json").env("CANDOR_LOG", "debug");
    };
    let mut create = candor(dir.path());
    json_logs(&mut create);
    let out = create.args(["api-key", "create", "--name", "ci", "--scope", "admin"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().to_string();
    let mut lines: Vec<String> = String::from_utf8(out.stderr).unwrap().lines().map(str::to_string).collect();

    let mut serve = candor(dir.path());
    json_logs(&mut serve);
    let mut child = serve
        .env("CANDOR_LISTEN", "127.0.0.1:0")
        .env("CANDOR_PUBLIC_URL", "http://127.0.0.1:0")
        .env("CANDOR_WORKER_POLL_MS", "100")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port, rx) = common::listening_port(&mut child);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tokens = rt.block_on(exercise(&format!("http://127.0.0.1:{port}"), &key));
    // The emailed invitation goes out (an .eml file) and says so in the log.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lines.iter().any(|l| l.contains("email sent")) {
        assert!(Instant::now() < deadline, "the worker did not log the email it sent: {lines:?}");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            lines.push(line);
        }
    }
    stop(&mut child);
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        lines.push(line);
    }

    assert!(lines.len() > 20, "{lines:?}");
    for line in &lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["timestamp"].is_string() && v["level"].is_string() && v["target"].is_string(), "{line}");
        assert!(v["fields"].is_object(), "{line}");
    }
    // A slow email can be followed: its line carries the worker's span with the outbox row.
    let email: Value = serde_json::from_str(lines.iter().find(|l| l.contains("email sent")).unwrap()).unwrap();
    let spans = email["spans"].as_array().expect("the spans the event happened in");
    assert!(spans.iter().any(|s| s["name"] == "process" && s["outbox"].is_number()), "{email}");
    let all = lines.join("\n");
    for secret in tokens.iter().map(String::as_str).chain([key.as_str(), "buyer@acme.example", "Splendid"]) {
        assert!(!all.contains(secret), "{secret} reached the log");
    }
}

#[test]
fn an_unknown_log_format_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let out = candor(dir.path()).env("CANDOR_LOG_FORMAT", "xml").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

async fn customers_with_links(app: &TestApp, n: usize) -> Vec<(String, String)> {
    let customers: Vec<Value> = (0..n)
        .map(|i| json!({"id":format!("B{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example")}))
        .collect();
    assert_eq!(app.post("/api/v1/customers", json!({ "customers": customers })).await.0, 200);
    let rows: Vec<Value> = (0..n)
        .map(|i| json!({"survey":"csat","subject":"E1001","respondent":{"customer":format!("B{i}")},"relation":"customer"}))
        .collect();
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations": rows, "deliver": "none"})).await;
    assert_eq!(s, 201, "{b}");
    let links = b["links"].as_array().unwrap();
    links
        .iter()
        .map(|l| (l["respondent"]["customer"].as_str().unwrap().to_string(), l["url"].as_str().unwrap().to_string()))
        .collect()
}

/// Answers every link in turn, recording which customers' answers were acknowledged (303).
async fn answer_all(app: &TestApp, links: Vec<(String, String)>, acked: std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    for (customer, link) in links {
        let res = app.client.post(&link).form(&[("q1", "4"), ("q2", "8"), ("q3", "fine")]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
        acked.lock().unwrap().push(customer);
    }
}

async fn a_backup_under_load_is_sound_and_holds_every_acknowledged_answer(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    let links = customers_with_links(&app, 400).await;
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let load = {
        let (app, acked) = (&app, acked.clone());
        answer_all(app, links, acked)
    };
    let backup = async {
        // Some answers in, then the copy, while the answers keep coming.
        common::eventually(30, || async { (acked.lock().unwrap().len() >= 50).then_some(()) }).await;
        let before: Vec<String> = acked.lock().unwrap().clone();
        let dir = app.db.dir.path().to_path_buf();
        let url = app.db.url.clone();
        let out = tokio::task::spawn_blocking(move || {
            candor(&dir).env("CANDOR_DATABASE_URL", url).args(["backup", "copy.db"]).output().unwrap()
        })
        .await
        .unwrap();
        (before, out, acked.lock().unwrap().len())
    };
    let ((), (before, out, after)) = tokio::join!(load, backup);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    let copy = app.db.dir.path().join("copy.db");
    let size = std::fs::metadata(&copy).unwrap().len();
    assert!(said.contains("copy.db") && said.contains(&format!("{size} bytes")), "{said}");
    assert!(after > before.len(), "the backup ran while answers were being written");

    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&copy).read_only(true);
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
    assert_eq!(check, "ok");
    let answered: Vec<String> = sqlx::query_scalar(
        "SELECT i.respondent_customer_id FROM responses r JOIN invitations i ON i.id = r.invitation_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for customer in &before {
        assert!(answered.contains(customer), "{customer}'s acknowledged answer is missing from the backup");
    }
    // The key never goes into a backup.
    let bytes = std::fs::read(&copy).unwrap();
    let key = app.state.config.key.clone().unwrap();
    assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "the key is in the backup");

    // Never over an existing file.
    let dir = app.db.dir.path().to_path_buf();
    let again = candor(&dir).env("CANDOR_DATABASE_URL", &app.db.url).args(["backup", "copy.db"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);
}

#[test]
fn backup_on_postgresql_names_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = candor(dir.path())
        .env("CANDOR_DATABASE_URL", "postgres://candor:secret@127.0.0.1:1/candor")
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pg_dump") && err.trim().lines().count() == 1 && !err.contains("secret"), "{err}");
    assert!(!dir.path().join("copy.db").exists());
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_backup_under_load_is_sound_and_holds_every_acknowledged_answer() {
        super::a_backup_under_load_is_sound_and_holds_every_acknowledged_answer(crate::common::Backend::Sqlite).await
    }
}
