//! Closing a cycle that holds 100,000 sealed anonymous answers: the one transaction that
//! unseals them, writes their responses, answers and per-indicator values in random order,
//! counts each group's raters and deletes the sealed records — against a floor that inserts
//! the same responses, answers and values in clear, in one transaction, with no decryption.
//!
//! BENCH_POSTGRES_URL=postgres://…/postgres runs it on PostgreSQL (fresh databases).
//! Run: `cargo bench --bench close` (BENCH_SEALED, default 100,000; BENCH_RUNS, default 3).
mod common;

use candor::app::App;
use candor::db::invitations::LinkTarget;
use candor::domain::Relation;
use candor::domain::answers::Answer;
use clap::Parser;
use std::time::Instant;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // The close logs how long each of its steps took (CANDOR_LOG=candor::app::cycles=info).
    candor::observability::init_logs(candor::config::LogFormat::Text);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

fn answers(k: usize) -> Vec<Answer> {
    let mut a = vec![
        Answer { question_id: "t1".into(), value: Some(1 + (k % 5) as i64), text: None },
        Answer { question_id: "c1".into(), value: Some(1 + (k % 3) as i64), text: None },
    ];
    if k.is_multiple_of(3) {
        a.push(Answer { question_id: "n1".into(), value: None, text: Some(format!("keeps customers informed {k}")) });
    }
    a
}

/// An app on a fresh SQLite file with 500 subjects, a peer survey and an open cycle.
async fn fresh(dir: &std::path::Path) -> App {
    let url = common::fresh_database(dir, "bench.db").await;
    let mut config = candor::config::Cli::parse_from(["candor"]).config;
    config.database_url = url.clone();
    config.key_file = dir.join("bench.key");
    let app = candor::startup::open(config).await.unwrap();
    let people: Vec<candor::app::directory::PersonInput> = (0..500)
        .map(|i| candor::app::directory::PersonInput {
            id: format!("E{i}"),
            name: format!("Seller {i}"),
            email: format!("s{i}@corp.example"),
            manager: None,
            team: Some("East".into()),
            locale: None,
            role: None,
            active: None,
        })
        .collect();
    candor::app::directory::import_people(&app, &candor::app::audit::Actor::Cli, &people, true).await.unwrap();
    let survey: candor::domain::survey::SurveyInput = serde_json::from_value(serde_json::json!({
        "id":"p","kind":"peer","title":"360","questions":[
            {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true},
            {"id":"c1","text":"Communication","type":"scale","min":1,"max":5,"indicator":"communication"},
            {"id":"n1","text":"Keep doing","type":"text"}]}))
    .unwrap();
    candor::app::surveys::save(&app, &candor::app::audit::Actor::Cli, &survey).await.unwrap();
    let cycle: candor::app::cycles::CycleInput = serde_json::from_value(serde_json::json!({
        "id":"Q4","title":"Q4","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}))
    .unwrap();
    candor::app::cycles::save(&app, &candor::app::audit::Actor::Cli, &cycle).await.unwrap();
    app
}

async fn seal_all(app: &App, n: usize) {
    let survey = candor::app::responses::survey(app, "p").await.unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let key = candor::app::cycle_keys::for_sealing(app, &mut tx, "Q4").await.unwrap();
    for k in 0..n {
        let target = LinkTarget {
            id: k as i64,
            cycle_id: "Q4".into(),
            survey_id: "p".into(),
            subject_id: format!("E{}", k % 500),
            relation: Relation::Peer,
            respondent_key: format!("p:R{k}"),
            sent_to: Some(format!("r{k}@corp.example")),
        };
        let sealed = candor::app::sealing::seal_record(&key, &target, &survey, answers(k)).unwrap();
        candor::db::sealed::insert(&mut tx, &candor::domain::token::random_id(), "Q4", &sealed).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The floor: the same rows written in clear, in one transaction, in multi-row statements.
async fn floor(app: &App, n: usize) -> f64 {
    let survey = candor::app::responses::survey(app, "p").await.unwrap();
    let rows: Vec<(Vec<Answer>, String, String)> =
        (0..n).map(|k| (answers(k), format!("E{}", k % 500), candor::domain::token::random_id())).collect();
    let values: Vec<Vec<candor::scoring::ResponseValue>> =
        rows.iter().map(|(a, _, _)| candor::scoring::response_values(&survey.questions, a)).collect();
    let started = Instant::now();
    let responses: Vec<(candor::db::responses::NewResponse, String)> = rows
        .iter()
        .zip(&values)
        .map(|((a, subject, id), v)| {
            let r = candor::db::responses::NewResponse {
                values: v,
                invitation_id: 0,
                cycle_id: "Q4",
                survey_id: "p",
                subject_id: subject,
                relation: "peer",
                anonymous: true,
                answers: a,
                release_run: None,
            };
            (r, id.clone())
        })
        .collect();
    let mut tx = app.db().begin().await.unwrap();
    candor::db::responses::insert_many(&mut tx, &responses, "2026-12-31").await.unwrap();
    tx.commit().await.unwrap();
    started.elapsed().as_secs_f64()
}

/// Writes the kernel's dirty pages out before a timed part, so neither side pays for the
/// other's writes (sealing 100,000 records writes gigabytes the kernel flushes for a while).
fn settle_disk() {
    let synced = std::process::Command::new("sync").status();
    assert!(synced.is_ok_and(|s| s.success()), "sync");
}

async fn run() {
    let n = env_or("BENCH_SEALED", 100_000);
    let runs = env_or("BENCH_RUNS", 3);
    println!("closing a cycle of {n} sealed answers (500 subjects), {runs} runs");
    let (mut ours, mut floors) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let app = fresh(dir.path()).await;
        seal_all(&app, n).await;
        // As the server's checkpointer would have long done: the close reads the records from
        // the database file, not from a WAL of every record just written.
        if app.db().backend == candor::db::Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&app.db().pool).await.unwrap();
        }
        settle_disk();
        let started = Instant::now();
        candor::app::cycles::close(&app, &candor::app::audit::Actor::Cli, "Q4").await.unwrap();
        let answered = started.elapsed().as_secs_f64();
        // A close longer than the call waits answers before its sealed records are all
        // deleted: the close is timed to the last of them.
        while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sealed_responses")
            .fetch_one(&app.db().pool)
            .await
            .unwrap()
            > 0
        {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let close = started.elapsed().as_secs_f64();
        let released: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&app.db().pool).await.unwrap();
        assert_eq!(released as usize, n);
        let other = tempfile::tempdir().unwrap();
        let plain = fresh(other.path()).await;
        settle_disk();
        let f = floor(&plain, n).await;
        println!(
            "run {run}: close {close:.2} s (the call answered after {answered:.2} s) | floor (same rows in clear) {f:.2} s | ratio {:.2}",
            f / close
        );
        ours.push(close);
        floors.push(f);
    }
    ours.sort_by(f64::total_cmp);
    floors.sort_by(f64::total_cmp);
    println!("median: close {:.2} s, floor {:.2} s", ours[runs / 2], floors[runs / 2]);
}
