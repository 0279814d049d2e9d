//! A launch or list of invitations too long for one transaction runs in shares that nobody sees
//! until one short transaction publishes them all; one that fails midway leaves nothing, and
//! while one runs its cycle takes no other invitation and the admin page shows its progress.
use crate::common::{self, Backend, TestApp, web};
use candor::db::runs;
use serde_json::{Value, json};

/// One team of `n` sellers T0.., a peer survey `p`, and the open cycle Q4.
async fn team(app: &TestApp, n: usize) {
    let people: Vec<Value> = (0..n)
        .map(|i| json!({"id":format!("T{i}"),"name":format!("Seller {i}"),"email":format!("t{i}@corp.example"),"team":"One"}))
        .collect();
    let (s, b) = app.post("/api/v1/people", json!({ "people": people })).await;
    assert_eq!(s, 200, "{b}");
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
}

/// What a reader of the cycle sees: invitations counted by its progress.
async fn invited(app: &TestApp) -> i64 {
    let (s, b) = app.get("/api/v1/cycles/Q4/progress").await;
    assert_eq!(s, 200, "{b}");
    b["surveys"].as_array().map_or(0, |all| all.iter().map(|p| p["invited"].as_i64().unwrap()).sum())
}

/// Everything a call writes besides the audit log.
async fn written(app: &TestApp) -> [i64; 5] {
    let mut out = [0; 5];
    for (k, table) in ["invitations", "links", "outbox", "outbox_items", "cycle_runs"].iter().enumerate() {
        out[k] = common::count(app, &format!("SELECT COUNT(*) FROM {table}")).await;
    }
    out
}

async fn a_long_launch_is_published_whole(backend: Backend) {
    let app = common::spawn_app(backend).await;
    team(&app, 60).await;
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", json!({"survey":"p","subjects":"all","peers":"team"})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["created"], 60 * 60, "peers and self: {b}");
    assert_eq!(invited(&app).await, 60 * 60);
    let runs = common::count(&app, "SELECT COUNT(DISTINCT launch_run) FROM invitations").await;
    assert_eq!(runs, 1, "written as one launch run (more than one transaction's share)");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM cycle_runs").await, 0, "the run ended");
    let emails = common::count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'").await;
    assert_eq!(emails, 60, "one email per rater: a rater's reviews were written together");
}

async fn a_long_call_that_fails_midway_leaves_nothing(backend: Backend) {
    let app = common::spawn_app(backend).await;
    team(&app, 60).await;
    let mut rows: Vec<Value> = Vec::new();
    for s in 0..60 {
        for r in (0..60).filter(|&r| r != s) {
            rows.push(json!({"survey":"p","subject":format!("T{s}"),"respondent":{"person":format!("T{r}")},"relation":"peer"}));
        }
    }
    // A rater of their own, so the last share: the shares before it are written, then undone.
    rows.push(json!({"survey":"p","subject":"T1","respondent":{"person":"GHOST"},"relation":"peer"}));
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({ "invitations": rows })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("unknown_respondent")), "{b}");
    assert_eq!(written(&app).await, [0; 5], "nothing of the call is kept");
    assert_eq!(invited(&app).await, 0);
}

/// A launch's invitations are checked against those the cycle has (each share reads only its
/// subjects'): a subject's anonymous peer reviews cannot take a second survey afterwards, in a
/// small call or in the last share of a long one.
async fn a_launched_subject_takes_no_second_anonymous_survey(backend: Backend) {
    let app = common::spawn_app(backend).await;
    team(&app, 62).await;
    app.seed_teamwork_survey("p2", false).await;
    let pairs = |subjects: std::ops::Range<usize>, raters: std::ops::Range<usize>| -> Vec<Value> {
        let mut rows = Vec::new();
        for s in subjects {
            for r in raters.clone().filter(|&r| r != s) {
                rows.push(json!({"survey":"p","subject":format!("T{s}"),"respondent":{"person":format!("T{r}")},"relation":"peer"}));
            }
        }
        rows
    };
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({ "invitations": pairs(0..30, 0..60) })).await;
    assert_eq!(s, 201, "a launch run of 1,770: {b}");
    let second = json!({"survey":"p2","subject":"T0","respondent":{"person":"T60"},"relation":"peer"});
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({ "invitations": [second.clone()] })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("one_anonymous_survey")), "{b}");
    // The same row after 1,770 new ones: T61 rates nobody else, so the row is in the last share.
    let mut long = pairs(30..60, 0..60);
    long.push(json!({"survey":"p2","subject":"T0","respondent":{"person":"T61"},"relation":"peer"}));
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({ "invitations": long })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("one_anonymous_survey")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap_or_default().contains("\"T0\""), "{b}");
    // What the first launch wrote, and no more (its links are minted as the worker sends it).
    let [invitations, _, emails, items, runs] = written(&app).await;
    assert_eq!([invitations, emails, items, runs], [1770, 60, 1770, 0], "nothing of the long call is kept");
}

async fn a_running_launch_holds_its_cycle_and_shows_its_progress(backend: Backend) {
    let app = common::spawn_app(backend).await;
    team(&app, 8).await;
    let now = candor::domain::time::now();
    let begun = runs::begin(app.state.db(), "Q4", "run-1", runs::Kind::Launch, 12_345, now).await.unwrap();
    assert_eq!(begun, runs::Begun::Running);
    let one = json!({"invitations":[{"survey":"p","subject":"T1","respondent":{"person":"T2"},"relation":"peer"}]});
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", one.clone()).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("launch_under_way")), "{b}");
    let (s, b) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!(s, 409, "no close while a launch runs: {b}");

    web::make_admin(&app, "hr@corp.example").await;
    let (cookie, _) = web::admin_session(&app, "hr@corp.example").await;
    for (lang, note) in
        [("en", "Creating invitations: 0 of 12345 written."), ("zh-CN", "正在创建邀请：已写入 12345 份中的 0 份。")]
    {
        let (s, html) = web::get(&app, Some(&cookie), &format!("/admin?lang={lang}")).await;
        assert_eq!(s, 200);
        assert!(html.contains(note), "{lang}: the admin page shows the launch under way");
    }

    // Dead a minute later: the sweep frees the cycle, and the invitation goes in.
    sqlx::query("UPDATE cycle_runs SET heartbeat = 0").execute(&app.state.db().pool).await.unwrap();
    crate::closing_staged::swept(&app).await;
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", one).await;
    assert_eq!(s, 201, "{b}");
}

/// A run is alive or dead by the database's clock alone: no instance's own clock (one running
/// ahead would take live runs of others for dead) writes or judges a heartbeat.
async fn heartbeats_are_judged_by_the_databases_clock(backend: Backend) {
    let app = common::spawn_app(backend).await;
    team(&app, 2).await;
    let db = app.state.db();
    let begun = runs::begin(db, "Q4", "run-1", runs::Kind::Launch, 10, candor::domain::time::now()).await.unwrap();
    assert_eq!(begun, runs::Begun::Running);
    let older = |seconds: i64| async move {
        sqlx::query("UPDATE cycle_runs SET heartbeat = heartbeat - $1").bind(seconds).execute(&db.pool).await.unwrap();
    };
    older(runs::STALE_SECONDS - 5).await;
    assert!(runs::stale(db, Some("Q4")).await.unwrap().is_empty(), "55 s without a beat: alive");
    let again = runs::begin(db, "Q4", "run-2", runs::Kind::Launch, 10, candor::domain::time::now()).await.unwrap();
    assert_eq!(again, runs::Begun::Busy(runs::Kind::Launch));
    // A beat puts it back at the database's now.
    assert!(runs::beat_now(db, "Q4", "run-1", 3).await.unwrap());
    older(runs::STALE_SECONDS - 5).await;
    assert!(runs::stale(db, Some("Q4")).await.unwrap().is_empty(), "the beat counted from the database's now");
    older(10).await;
    let dead = runs::stale(db, None).await.unwrap();
    assert_eq!(dead.iter().map(|d| d.run.as_str()).collect::<Vec<_>>(), ["run-1"], "65 s without a beat: dead");
    let again = runs::begin(db, "Q4", "run-2", runs::Kind::Launch, 10, candor::domain::time::now()).await.unwrap();
    assert_eq!(again, runs::Begun::Dead);
    assert!(runs::take_over(db, &dead[0], "run-2").await.unwrap());
    assert!(!runs::beat_now(db, "Q4", "run-1", 1).await.unwrap(), "the dead run owns nothing now");
    assert!(runs::stale(db, None).await.unwrap().is_empty(), "taken over: beating on the database's clock");
}

on_both_databases!(
    heartbeats_are_judged_by_the_databases_clock,
    a_long_launch_is_published_whole,
    a_long_call_that_fails_midway_leaves_nothing,
    a_launched_subject_takes_no_second_anonymous_survey,
    a_running_launch_holds_its_cycle_and_shows_its_progress
);
