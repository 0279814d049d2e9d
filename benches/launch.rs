//! Launching the 360 for a 10,000-person organisation (`subjects: "all"`, `peers: "team"`):
//! the org chart indexed once, every review set built, validated and inserted in one call —
//! against a floor that inserts the same invitations straight into the table.
//!
//! BENCH_POSTGRES_URL=postgres://…/postgres runs it on PostgreSQL (fresh databases).
//! Run: `cargo bench --bench launch` (BENCH_PEOPLE, default 10,000; BENCH_TEAM, default 8).
//! Candor's launch also queues one email per rater; the floor copies the invitations only.
mod common;

use candor::app::App;
use candor::app::invitations::{AllKeyword, Deliver, Subjects};
use candor::domain::reviews::Peers;
use clap::Parser;
use std::time::Instant;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // CANDOR_LOG=sqlx::query=debug shows what each statement took.
    candor::observability::init_logs(candor::config::LogFormat::Text);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

/// Teams of `team` people under one manager each; managers report to one head.
async fn org(dir: &std::path::Path, people: usize, team: usize) -> App {
    let url = common::fresh_database(dir, "bench.db").await;
    let mut config = candor::config::Cli::parse_from(["candor"]).config;
    config.database_url = url.clone();
    config.key_file = dir.join("bench.key");
    let app = candor::startup::open(config).await.unwrap();
    let mut rows = vec![candor::app::directory::PersonInput {
        id: "HEAD".into(),
        name: "Head".into(),
        email: "head@corp.example".into(),
        manager: None,
        team: Some("Leads".into()),
        locale: None,
        role: None,
        active: None,
    }];
    for i in 0..people {
        let lead = i % team == 0;
        rows.push(candor::app::directory::PersonInput {
            id: format!("P{i}"),
            name: format!("Person {i}"),
            email: format!("p{i}@corp.example"),
            manager: Some(if lead { "HEAD".into() } else { format!("P{}", i - i % team) }),
            team: Some(format!("T{}", i / team)),
            locale: None,
            role: None,
            active: None,
        });
    }
    candor::app::directory::import_people(&app, &candor::app::audit::Actor::Cli, &rows, true).await.unwrap();
    let survey: candor::domain::survey::SurveyInput = serde_json::from_value(serde_json::json!({
        "id":"p","kind":"peer","title":"360","questions":[
            {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork"}]}))
    .unwrap();
    candor::app::surveys::save(&app, &candor::app::audit::Actor::Cli, &survey).await.unwrap();
    let cycle: candor::app::cycles::CycleInput = serde_json::from_value(serde_json::json!({
        "id":"Q4","title":"Q4","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}))
    .unwrap();
    candor::app::cycles::save(&app, &candor::app::audit::Actor::Cli, &cycle).await.unwrap();
    app
}

/// Both timed parts start from the same state: the WAL copied back into the database and
/// emptied (as the server's checkpointer would have done), the kernel's dirty pages written.
/// The floor reads the invitations the launch just wrote; from a WAL of 84 commits it took
/// 0.36–0.40 s, from the database file 0.25–0.28 s.
async fn settle(app: &candor::app::App) {
    if app.db().backend == candor::db::Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&app.db().pool).await.unwrap();
    }
    let synced = std::process::Command::new("sync").status();
    assert!(synced.is_ok_and(|s| s.success()), "sync");
}

async fn run() {
    let (people, team) = (env_or("BENCH_PEOPLE", 10_000), env_or("BENCH_TEAM", 8));
    let dir = tempfile::tempdir().unwrap();
    let app = org(dir.path(), people, team).await;
    settle(&app).await;
    let started = Instant::now();
    let created = candor::app::launch::launch(
        &app,
        &candor::app::audit::Actor::Cli,
        "Q4",
        candor::app::launch::Launch {
            survey: "p",
            subjects: &Subjects::All(AllKeyword::All),
            peers: Peers::Team,
            rule: Default::default(),
        },
        // Peers are anonymous, and anonymous reviews are only emailed: the emails are queued
        // (no worker runs here), one per rater.
        Deliver::Email,
    )
    .await
    .unwrap();
    let launch = started.elapsed().as_secs_f64();
    // The floor: the same invitations copied back into a fresh cycle by one INSERT … SELECT.
    let floor_cycle: candor::app::cycles::CycleInput = serde_json::from_value(serde_json::json!({
        "id":"Q5","title":"Q5","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"}))
    .unwrap();
    candor::app::cycles::save(&app, &candor::app::audit::Actor::Cli, &floor_cycle).await.unwrap();
    settle(&app).await;
    let started = Instant::now();
    let mut tx = app.db().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO invitations (cycle_id, survey_id, subject_id, relation, respondent_person_id, respondent_key, created_at) \
         SELECT 'Q5', survey_id, subject_id, relation, respondent_person_id, respondent_key, 0 FROM invitations WHERE cycle_id = 'Q4'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let floor = started.elapsed().as_secs_f64();
    println!(
        "launch for {people} people in teams of {team}: {} invitations, emails queued, in {launch:.2} s | floor (one INSERT … SELECT of the same rows) {floor:.2} s | ratio {:.2}",
        created.created,
        floor / launch
    );
}
