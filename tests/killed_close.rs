//! A close killed midway (SIGKILL of the real binary while it releases sealed answers) leaves
//! either nothing released or everything: never a half-released cycle, on either database.
use crate::common::{self, Backend};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Enough sealed answers that the close's one transaction runs for a while.
const SEALED: usize = 20_000;

struct Binary(Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_binary(db_url: &str, key: &str, dir: &std::path::Path) -> (Binary, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
        .current_dir(dir)
        .env("CANDOR_DATABASE_URL", db_url)
        .env("CANDOR_KEY", key)
        .env("CANDOR_LISTEN", "127.0.0.1:0")
        .env("CANDOR_PUBLIC_URL", "http://127.0.0.1:0")
        .env("CANDOR_LOG", "warn,candor::startup=info")
        .env_remove("CANDOR_SMTP_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port, _log) = common::listening_port(&mut child);
    (Binary(child), format!("http://127.0.0.1:{port}"))
}

/// What a reader sees of the cycle: its status, sealed records left, responses released (those
/// a close under way has written are read by nobody, `db::scores::RELEASED_RESPONSES`).
async fn seen(db: &candor::db::Db) -> (String, i64, i64) {
    let status: String =
        sqlx::query_scalar("SELECT status FROM cycles WHERE id = 'Q4'").fetch_one(&db.pool).await.unwrap();
    let sealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sealed_responses").fetch_one(&db.pool).await.unwrap();
    let sql =
        format!("SELECT COUNT(*) FROM responses r WHERE cycle_id = $1 AND {}", candor::db::scores::RELEASED_RESPONSES);
    let released: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind("Q4").fetch_one(&db.pool).await.unwrap();
    (status, sealed, released)
}

/// Whether the close is under way: it has written some of the answers it releases.
async fn closing(db: &candor::db::Db) -> bool {
    let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE release_run IS NOT NULL")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    written > 0
}

async fn seal_answers(app: &common::TestApp) {
    let state = &app.state;
    let survey = candor::app::responses::survey(state, "p").await.unwrap();
    let mut tx = state.db().begin().await.unwrap();
    for k in 0..SEALED {
        let target = candor::db::invitations::LinkTarget {
            id: k as i64,
            cycle_id: "Q4".into(),
            survey_id: "p".into(),
            subject_id: ["E1000", "E1001", "E1002"][k % 3].into(),
            relation: candor::domain::Relation::Peer,
            respondent_key: format!("p:R{k}"),
            sent_to: Some(format!("r{k}@corp.example")),
        };
        let answer =
            candor::domain::answers::Answer { question_id: "t1".into(), value: Some(1 + (k % 5) as i64), text: None };
        let sealed = candor::app::sealing::seal_record(state, &target, &survey, vec![answer]).unwrap();
        candor::db::sealed::insert(&mut tx, &candor::domain::token::random_id(), "Q4", &sealed).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn a_close_killed_midway_releases_all_or_nothing(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
    seal_answers(&app).await;
    let config_key = common::test_config(&app.db.url, app.mail_dir.clone()).key.unwrap();
    let (db, admin_key) = app.stop().await;
    let dir = db.dir.path().to_path_buf();
    let (mut binary, base) = start_binary(&db.url, &config_key, &dir);
    let reader = candor::db::Db::connect(&db.url).await.unwrap();
    let client = reqwest::Client::new();
    let close = client.post(format!("{base}/api/v1/cycles/Q4/close")).bearer_auth(&admin_key).send();
    let request = tokio::spawn(close);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !closing(&reader).await && !request.is_finished() {
        assert!(Instant::now() < deadline, "the close never started writing");
        tokio::task::yield_now().await;
    }
    binary.0.kill().unwrap(); // SIGKILL, while the close writes (or just after it ended)
    binary.0.wait().unwrap();
    let _ = request.await;

    // A reader after the restart sees the cycle whole: open with every answer sealed, or
    // closed with every answer released.
    let (_restarted, base) = start_binary(&db.url, &config_key, &dir);
    let (status, sealed, released) = seen(&reader).await;
    println!("{backend:?}: after the kill the cycle is {status}: {sealed} sealed, {released} released");
    let all = SEALED as i64;
    assert!(
        (status == "open" && sealed == all && released == 0) || (status == "closed" && sealed == 0 && released == all),
        "half-released: status {status}, {sealed} sealed, {released} released"
    );
    if status == "open" {
        // The killed run held the cycle; a minute later it counts as dead and is taken over.
        sqlx::query("UPDATE closings SET heartbeat = 0").execute(&reader.pool).await.unwrap();
        let res = client.post(format!("{base}/api/v1/cycles/Q4/close")).bearer_auth(&admin_key).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        assert_eq!(seen(&reader).await, ("closed".into(), 0, all), "closed again, nothing lost");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&reader.pool).await.unwrap();
        assert_eq!(rows, all, "what the killed close wrote was deleted: no answer counted twice");
    }
}

on_both_databases!(a_close_killed_midway_releases_all_or_nothing);
