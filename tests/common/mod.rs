//! Shared test harness: the real application on a random port, on a fresh SQLite file or a
//! fresh PostgreSQL database, with an admin API key; and waiting on conditions, never on clocks.
pub mod browser;
pub mod hooks;
pub mod journey;
pub mod mail;
pub mod process;
pub mod seed;
pub mod smtp;
pub mod web;

pub use process::listening_port;
pub use seed::{csat_survey, customer_invite, seeded, seeded_with};

use candor::app::App;
use candor::config::Config;
use candor::domain::api_key::Scope;
use candor::startup::Application;
use serde_json::Value;
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
        smtp_connections: 8,
        close_wait_secs: 20,
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
        timezone: None,
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
        self.state.db().pool.close().await;
        (self.db, self.admin_key.clone())
    }

    /// A new API key of scope `scores`, as `candor api-key create` makes it.
    pub async fn scores_key(&self, name: &str) -> candor::app::integrations::NewKey {
        candor::app::integrations::create_key(&self.state, &candor::app::audit::Actor::Cli, name, Scope::Scores)
            .await
            .expect("a scores key")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    /// Sends an API request: its status and JSON body (null when there is none).
    async fn call(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_with_key(path, body, &self.admin_key.clone()).await
    }

    pub async fn post_with_key(&self, path: &str, body: Value, key: &str) -> (u16, Value) {
        self.call(self.client.post(self.url(path)).bearer_auth(key).json(&body)).await
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> (u16, Value) {
        let req = self.client.post(self.url(path)).bearer_auth(&self.admin_key);
        self.call(req.header("content-type", "application/json").body(body.to_string())).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_with_key(path, &self.admin_key.clone()).await
    }

    pub async fn get_with_key(&self, path: &str, key: &str) -> (u16, Value) {
        self.call(self.client.get(self.url(path)).bearer_auth(key)).await
    }

    /// A CSV (or any text) the API answers with `key`; it must answer 200 with `text/csv`.
    pub async fn csv_with_key(&self, path: &str, key: &str) -> String {
        let res = self.client.get(self.url(path)).bearer_auth(key).send().await.expect("request");
        let (status, kind) = (res.status().as_u16(), res.headers().get("content-type").cloned());
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        assert!(kind.as_ref().is_some_and(|k| k.to_str().unwrap().starts_with("text/csv")), "{path}: {kind:?}");
        body
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(self.client.delete(self.url(path)).bearer_auth(&self.admin_key)).await
    }
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

/// The pages of a stopped app's SQLite database file (`PRAGMA page_count`).
pub async fn sqlite_pages(db: &TestDb) -> u64 {
    let probe = candor::db::Db::connect(&db.url).await.unwrap();
    let n: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&probe.pool).await.unwrap();
    probe.pool.close().await;
    n as u64
}

/// The one number `sql` selects (a `COUNT(*)`, an id), read straight from the database.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.state.db().pool).await.unwrap()
}

/// Waits until the outbox has nothing left to send (no row pending, none leased): the
/// deterministic point after which "exactly once" or "nothing sent" can be asserted for
/// whatever was queued before the call.
pub async fn outbox_drained(app: &TestApp) {
    eventually(30, || async {
        (count(app, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'").await == 0).then_some(())
    })
    .await
}
