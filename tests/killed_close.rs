//! A close or a launch killed midway (SIGKILL of the real binary while it writes) leaves either
//! nothing visible or everything: never a half-released cycle or a half-launched one, on either
//! database.
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

/// Stops the in-process app, for the real binary to run on its database: (the database, the
/// admin key, the server key, its directory, a reader of it).
async fn moved_to_the_binary(
    app: common::TestApp,
) -> (common::TestDb, String, String, std::path::PathBuf, candor::db::Db) {
    let config_key = common::test_config(&app.db.url, app.mail_dir.clone()).key.unwrap();
    let (db, admin_key) = app.stop().await;
    let dir = db.dir.path().to_path_buf();
    let reader = candor::db::Db::connect(&db.url).await.unwrap();
    (db, admin_key, config_key, dir, reader)
}

/// SIGKILLs the binary once `writing` says the operation `request` started has written
/// something (or the request ended first: then just after it).
async fn kill_midway<F, Fut, T>(mut binary: Binary, request: tokio::task::JoinHandle<T>, writing: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    while !writing().await && !request.is_finished() {
        assert!(Instant::now() < deadline, "the operation never started writing");
        tokio::task::yield_now().await;
    }
    binary.0.kill().unwrap();
    binary.0.wait().unwrap();
    let _ = request.await;
}

async fn seal_answers(app: &common::TestApp) {
    let state = &app.state;
    let survey = candor::app::responses::survey(state, "p").await.unwrap();
    let mut tx = state.db().begin().await.unwrap();
    let key = candor::app::cycle_keys::for_sealing(state, &mut tx, "Q4").await.unwrap();
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
        let sealed = candor::app::sealing::seal_record(&key, &target, &survey, vec![answer]).unwrap();
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
    let (db, admin_key, config_key, dir, reader) = moved_to_the_binary(app).await;
    let (binary, base) = start_binary(&db.url, &config_key, &dir);
    let client = reqwest::Client::new();
    let close = client.post(format!("{base}/api/v1/cycles/Q4/close")).bearer_auth(&admin_key).send();
    kill_midway(binary, tokio::spawn(close), || closing(&reader)).await;

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
        // The killed run held the cycle; a minute later it counts as dead and is taken over (by
        // this close, or by the worker's sweep: then the close waits its turn, 409, meanwhile).
        sqlx::query("UPDATE cycle_runs SET heartbeat = 0").execute(&reader.pool).await.unwrap();
        let close = || async {
            let res =
                client.post(format!("{base}/api/v1/cycles/Q4/close")).bearer_auth(&admin_key).send().await.unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            (status != 409 || !body.contains("closing_under_way")).then_some((status, body))
        };
        let (status, body) = common::eventually(120, close).await;
        assert_eq!(status, 200, "{body}");
        // (Closed by this call, or by the worker, whose close may still be deleting the sealed
        // records it released.)
        let after = common::eventually(120, || async { Some(seen(&reader).await).filter(|s| s.1 == 0) }).await;
        assert_eq!(after, ("closed".into(), 0, all), "closed again, nothing lost");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&reader.pool).await.unwrap();
        assert_eq!(rows, all, "what the killed close wrote was deleted: no answer counted twice");
    }
}

/// Sellers in teams of eight, no managers: every seller has seven peers (and reviews themself).
async fn teams_of_eight(app: &common::TestApp, n: usize) {
    let people: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"id":format!("T{i}"),"name":format!("Seller {i}"),"email":format!("t{i}@corp.example"),"team":format!("Team {}", i / 8)}))
        .collect();
    let (s, b) = app.post("/api/v1/people", serde_json::json!({ "people": people })).await;
    assert_eq!(s, 200, "{b}");
}

/// Invitations a reader sees (through the view every reader uses), and rows written at all.
async fn invitations_seen(db: &candor::db::Db) -> (i64, i64) {
    let seen = sqlx::query_scalar("SELECT COUNT(*) FROM live_invitations").fetch_one(&db.pool).await.unwrap();
    let all = sqlx::query_scalar("SELECT COUNT(*) FROM invitations").fetch_one(&db.pool).await.unwrap();
    (seen, all)
}

/// A launch killed midway (SIGKILL while it writes its shares) shows nothing or everything;
/// what it wrote is deleted once it counts as dead, and the launch can be run again.
async fn a_launch_killed_midway_shows_nothing_or_everything(backend: Backend) {
    const PEOPLE: usize = 2_000;
    let all = (PEOPLE * 8) as i64; // seven peers and oneself
    let app = common::spawn_app(backend).await;
    teams_of_eight(&app, PEOPLE).await;
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
    let (db, admin_key, config_key, dir, reader) = moved_to_the_binary(app).await;
    let (binary, base) = start_binary(&db.url, &config_key, &dir);
    let client = reqwest::Client::new();
    let launch = serde_json::json!({"survey":"p","subjects":"all","peers":"team"});
    let request = client.post(format!("{base}/api/v1/cycles/Q4/launch")).bearer_auth(&admin_key).json(&launch).send();
    kill_midway(binary, tokio::spawn(request), || async { invitations_seen(&reader).await.1 > 0 }).await;

    let (restarted, base) = start_binary(&db.url, &config_key, &dir);
    let (seen, written) = invitations_seen(&reader).await;
    println!("{backend:?}: after the kill a reader sees {seen} invitations of {written} written");
    assert!(seen == 0 || (seen == all && written == all), "half a launch is visible: {seen} of {written}");
    let progress: serde_json::Value = client
        .get(format!("{base}/api/v1/cycles/Q4/progress"))
        .bearer_auth(&admin_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invited: i64 = progress["surveys"].as_array().unwrap().iter().map(|p| p["invited"].as_i64().unwrap()).sum();
    assert_eq!(invited, seen, "the API counts what the view shows: {progress}");
    if seen == 0 {
        // A minute on, the killed run counts as dead: the next start undoes it.
        drop(restarted);
        sqlx::query("UPDATE cycle_runs SET heartbeat = 0").execute(&reader.pool).await.unwrap();
        let (_again, base) = start_binary(&db.url, &config_key, &dir);
        assert_eq!(invitations_seen(&reader).await, (0, 0), "what the killed launch wrote is deleted");
        for table in ["links", "outbox", "outbox_items", "cycle_runs"] {
            let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&reader.pool)
                .await
                .unwrap();
            assert_eq!(left, 0, "{table} keeps nothing of the killed launch");
        }
        let res = client
            .post(format!("{base}/api/v1/cycles/Q4/launch"))
            .bearer_auth(&admin_key)
            .json(&launch)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        assert_eq!(invitations_seen(&reader).await, (all, all), "launched again, whole");
    }
}

on_both_databases!(a_close_killed_midway_releases_all_or_nothing, a_launch_killed_midway_shows_nothing_or_everything);
