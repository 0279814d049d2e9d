//! Shared test harness: the real application on a random port, on a fresh SQLite file or a
//! fresh PostgreSQL database, with an admin API key.
#![allow(dead_code)]

pub mod mail;
pub mod smtp;

use candor::app::App;
use candor::config::Config;
use candor::domain::api_key::Scope;
use candor::startup::Application;
use serde_json::{Value, json};
use std::path::PathBuf;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   if $crate::common::postgres_available() {
                       super::$name($crate::common::Backend::Postgres).await
                   }
               } )*
        }
    };
}

/// Whether the PostgreSQL half can run. Plain `cargo test` runs the SQLite half and says how to
/// run the rest; `scripts/test.sh` starts PostgreSQL and sets `CANDOR_REQUIRE_POSTGRES`, so a
/// missing server there fails instead of skipping.
pub fn postgres_available() -> bool {
    if std::env::var_os("CANDOR_TEST_POSTGRES_URL").is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CANDOR_REQUIRE_POSTGRES").is_none(),
        "CANDOR_TEST_POSTGRES_URL is not set but PostgreSQL is required"
    );
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Straight to stderr: the test harness hides what a passing test prints.
        use std::io::Write;
        let note = "\nPostgreSQL tests skipped: scripts/test.sh starts a throwaway PostgreSQL and runs both halves\n";
        let _ = std::io::stderr().write_all(note.as_bytes());
    });
    false
}

pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// A fresh, empty database of that kind.
pub async fn fresh_db(backend: Backend) -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}/candor.db", dir.path().display()),
        Backend::Postgres => {
            let admin = std::env::var("CANDOR_TEST_POSTGRES_URL").expect(
                "CANDOR_TEST_POSTGRES_URL is not set: run the suite with scripts/test.sh, which starts PostgreSQL",
            );
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to test PostgreSQL");
            let name = format!("candor_test_{}", candor::domain::token::random_id());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    };
    TestDb { url, dir }
}

/// One server key per database (instances and restarts of one database share it).
fn server_key_for(db_url: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(db_url.as_bytes()))
}

pub fn test_config(db_url: &str, mail_dir: PathBuf) -> Config {
    Config {
        key: Some(server_key_for(db_url)),
        key_file: mail_dir.with_file_name("candor.key"),
        trusted_proxies: Vec::new(),
        // Test receivers listen on loopback.
        webhook_allow_private: true,
        deliver_webhooks: "on".into(),
        org_name: None,
        org_logo: None,
        max_connections: 1024,
        // Tests fire hundreds of requests at once from 127.0.0.1; tests/limits.rs sets a share.
        max_connections_per_client: 1024,
        header_timeout_secs: 10,
        sqlite_full_sync: false,
        database_url: db_url.to_string(),
        listen: "127.0.0.1:0".into(),
        public_url: Some("http://127.0.0.1:0".into()),
        smtp_url: None,
        mail_dir,
        mail_from: "Candor <no-reply@candor.test>".into(),
        mail_retry_base_ms: 200,
        day_seconds: 86_400,
        sqlite_busy_timeout_ms: 5_000,
        sqlite_checkpoint_ms: 25,
        sqlite_max_pages: None,
        worker_poll_ms: 100,
        submit_writer: None,
        submit_queue: 1024,
        metrics_listen: None,
        log_format: candor::config::LogFormat::Text,
        retention_months: None,
        oidc_issuer: None,
        oidc_client_id: None,
        oidc_client_secret: None,
        oidc_client_secret_file: None,
        oidc_name: None,
        login_links: "on".into(),
    }
}

pub struct TestApp {
    pub addr: String,
    pub client: reqwest::Client,
    pub admin_key: String,
    /// The use cases and the database of this instance.
    pub state: App,
    pub db: TestDb,
    pub mail_dir: PathBuf,
    /// The `/metrics` listener's port, when `metrics_listen` was set.
    pub metrics_port: Option<u16>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Logs to the test output when CANDOR_TEST_LOG is set (e.g. `CANDOR_TEST_LOG=debug`).
pub fn init_tracing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("CANDOR_TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_tracing();
    let db = fresh_db(backend).await;
    let mail_dir = db.dir.path().join("mail");
    let mut config = test_config(&db.url, mail_dir.clone());
    tweak(&mut config);
    start(db, config, None).await
}

/// Starts the application on `db`, listening on port 0; links in emails name the bound port.
pub async fn start(db: TestDb, mut config: Config, admin_key: Option<String>) -> TestApp {
    config.listen = "127.0.0.1:0".into();
    config.public_url = Some("http://127.0.0.1:0".into());
    let mail_dir = config.mail_dir.clone();
    let app = Application::build(config).await.expect("build app");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let state = app.app().clone();
    let admin_key = match admin_key {
        Some(k) => k,
        None => {
            candor::app::integrations::create_key(&state, &candor::app::audit::Actor::Cli, "tests", Scope::Admin)
                .await
                .expect("key")
                .key
        }
    };
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until_stopped(async {
        let _ = stop_rx.await;
    }));
    TestApp {
        addr: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        admin_key,
        state,
        db,
        mail_dir,
        metrics_port,
        stop: Some(stop_tx),
        handle: Some(handle),
    }
}

impl TestApp {
    /// Stops the server gracefully and hands back its database, for a restart.
    pub async fn stop(mut self) -> (TestDb, String) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("join").expect("server ran cleanly");
        }
        self.state.db.pool.close().await;
        (self.db, self.admin_key.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_with_key(path, body, &self.admin_key.clone()).await
    }

    pub async fn post_with_key(&self, path: &str, body: Value, key: &str) -> (u16, Value) {
        let res = self.client.post(self.url(path)).bearer_auth(key).json(&body).send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> (u16, Value) {
        let res = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.admin_key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_with_key(path, &self.admin_key.clone()).await
    }

    pub async fn get_with_key(&self, path: &str, key: &str) -> (u16, Value) {
        let res = self.client.get(self.url(path)).bearer_auth(key).send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The standard small organisation: a manager and two salespeople, one customer each.
    pub async fn seed_org(&self) {
        let (s, b) = self
            .post(
                "/api/v1/people",
                json!({"people":[
                    {"id":"E1000","name":"Wang Fang","email":"wang.fang@example.com","team":"East","locale":"zh-CN"},
                    {"id":"E1001","name":"Li Na","email":"li.na@example.com","manager":"E1000","team":"East","locale":"zh-CN"},
                    {"id":"E1002","name":"Sam Carter","email":"sam.carter@example.com","manager":"E1000","team":"East"}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = self
            .post(
                "/api/v1/customers",
                json!({"customers":[
                    {"id":"C1","name":"Acme","email":"buyer@acme.example","owner":"E1001"},
                    {"id":"C2","name":"Dragon Trading","email":"cai@dragon.example","owner":"E1001","locale":"zh-CN"}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    pub async fn seed_survey(&self) {
        let (s, b) = self.post("/api/v1/surveys", csat_survey()).await;
        assert_eq!(s, 200, "{b}");
    }

    /// `peer360`: one teamwork question, for peers.
    pub async fn seed_peer_survey(&self) {
        let (s, b) = self
            .post(
                "/api/v1/surveys",
                json!({"id":"peer360","kind":"peer","title":"360","questions":[
                    {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork"}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    pub async fn seed_cycle(&self, id: &str) {
        let (s, b) = self
            .post(
                "/api/v1/cycles",
                json!({"id":id,"title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z","min_raters":3}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
}

/// The standard organisation, the `csat` survey and the open cycle `2026-Q4`; emails go to
/// `smtp` when given (else to .eml files).
pub async fn seeded(backend: Backend, smtp: Option<&smtp::SmtpSink>) -> TestApp {
    let url = smtp.map(smtp::SmtpSink::url);
    let app = spawn_app_with(backend, |c| c.smtp_url = url).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    app
}

pub fn csat_survey() -> Value {
    json!({"id":"csat","kind":"customer","title":"How did we do?","title_i18n":{"zh-CN":"我们做得怎么样？"},"anonymous":false,
       "questions":[
         {"id":"q1","text":"Overall satisfaction","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction","required":true,
          "text_i18n":{"zh-CN":"总体满意度"}},
         {"id":"q2","text":"How likely are you to recommend us?","type":"nps","indicator":"customer_satisfaction",
          "text_i18n":{"zh-CN":"您向他人推荐我们的可能性有多大？"}},
         {"id":"q3","text":"Anything else?","type":"text"}]})
}

/// Polls `check` until it returns Some, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "condition not met within {secs}s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits for the real binary (started with `CANDOR_LISTEN=127.0.0.1:0`, stderr piped, and
/// `candor::startup=info` in `CANDOR_LOG`) to log the port it bound, and returns it; the rest
/// of its log is drained in the background (and returned lines are kept for messages).
pub fn listening_port(child: &mut std::process::Child) -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let stderr = child.stderr.take().expect("stderr piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            if line.contains("listening")
                && let Some(at) = line.find("127.0.0.1:")
            {
                let digits: String = line[at + 10..].chars().take_while(char::is_ascii_digit).collect();
                if let Ok(port) = digits.parse() {
                    return (port, rx);
                }
            }
            seen.push(line);
        }
        assert!(std::time::Instant::now() < deadline, "the server did not start: {seen:?}");
    }
}

/// Waits until the outbox has nothing left to send (no row pending): the deterministic point
/// after which "exactly once" or "nothing sent" can be asserted.
pub async fn outbox_drained(app: &TestApp) {
    eventually(30, || async {
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        (pending == 0).then_some(())
    })
    .await
}
