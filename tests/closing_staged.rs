//! A close under way writes its released answers in short transactions: until the one that
//! marks the cycle closed, no reader sees them and the cycle takes no answer; a close that
//! dies is undone (its rows deleted, every answer still sealed), and the cycle takes no answer
//! until a close succeeds, so each attempt releases the same answers.
use crate::common::{self, Backend, TestApp};
use candor::db::runs;
use serde_json::{Value, json};

/// Subject S and six peers of one team, each asked about S; the links as emailed.
async fn peers_asked(app: &TestApp) -> Vec<String> {
    let mut people = vec![json!({"id":"S","name":"Sol","email":"s@corp.example","team":"East"})];
    for i in 1..=6 {
        people.push(json!({"id":format!("R{i}"),"name":format!("Rater {i}"),"email":format!("r{i}@corp.example"),"team":"East"}));
    }
    let (s, b) = app.post("/api/v1/people", json!({ "people": people })).await;
    assert_eq!(s, 200, "{b}");
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
    let rows: Vec<Value> = (1..=6)
        .map(|i| json!({"survey":"p","subject":"S","respondent":{"person":format!("R{i}")},"relation":"peer"}))
        .collect();
    common::mail::invite_by_email(app, None, "Q4", rows).await
}

async fn answer(app: &TestApp, link: &str, value: u8) -> u16 {
    app.client.post(link).form(&[("t1", value.to_string())]).send().await.unwrap().status().as_u16()
}

async fn scores(app: &TestApp) -> Value {
    let (s, b) = app.get("/api/v1/cycles/Q4/scores").await;
    assert_eq!(s, 200, "{b}");
    b
}

/// Responses a close has written, seen or not.
async fn written(app: &TestApp) -> i64 {
    common::count(app, "SELECT COUNT(*) FROM responses WHERE release_run IS NOT NULL").await
}

/// The sweep of dead runs, run here (the worker's, which runs every minute, may come first).
pub async fn swept(app: &TestApp) {
    candor::app::runs::sweep(&app.state).await.unwrap();
    common::eventually(60, || async {
        (common::count(app, "SELECT COUNT(*) FROM cycle_runs").await == 0).then_some(())
    })
    .await;
}

/// A run that opened and wrote every answer, then stopped before the closing transaction.
async fn stalled_close(app: &TestApp, run: &str) {
    let state = &app.state;
    let now = candor::domain::time::now();
    let begun = runs::begin(state.db(), "Q4", run, runs::Kind::Close, 5, now).await.unwrap();
    assert_eq!(begun, runs::Begun::Running);
    let opened = candor::app::sealing::open_cycle(state, "Q4", run).await.unwrap();
    assert_eq!(opened.len(), 5);
    candor::app::sealing::stage(state, "Q4", run, &opened, "2026-12-06").await.unwrap();
}

async fn a_close_under_way_shows_nothing_and_takes_no_answer(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let links = peers_asked(&app).await;
    for (link, value) in links.iter().take(5).zip([5, 4, 4, 3, 5]) {
        assert_eq!(answer(&app, link, value).await, 303);
    }
    let before = scores(&app).await;
    stalled_close(&app, "run-1").await;
    assert_eq!(written(&app).await, 5, "the run wrote its five answers");

    // Readers see the open cycle as before; the sixth rater is refused; a second close waits.
    // (Its time is over: `status` says so; its results are the open cycle's, and not final.)
    let during = scores(&app).await;
    assert_eq!((&during["subjects"], &during["final"]), (&before["subjects"], &json!(false)), "nothing of it is read");
    assert_eq!(answer(&app, &links[5], 2).await, 410, "a cycle being closed takes no answer");
    let answered = common::count(&app, "SELECT COUNT(*) FROM invitations WHERE completed = TRUE").await;
    assert_eq!(answered, 5);
    let (s, b) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("closing_under_way")), "{b}");

    // A minute without a beat: the run is dead, and the worker's sweep undoes it.
    sqlx::query("UPDATE cycle_runs SET heartbeat = heartbeat - $1")
        .bind(runs::STALE_SECONDS + 1)
        .execute(&app.state.db().pool)
        .await
        .unwrap();
    swept(&app).await;
    // (The worker may close the cycle, past its time, as soon as the dead run is gone.)
    let dead = common::count(&app, "SELECT COUNT(*) FROM responses WHERE release_run = 'run-1'").await;
    assert_eq!(dead, 0, "what the dead run wrote is deleted");

    // The close ended the cycle's time for good (its next read or close closes it): the sixth
    // rater is still refused (let in, they would make the next close release one answer more
    // than the first attempt, whose traces may outlive its undo), and the five are released
    // once each.
    assert_eq!(answer(&app, &links[5], 2).await, 410, "an undone close does not reopen the cycle");
    // This call closes it, or finds the worker's retry doing so (409 until that one ends).
    let close = || async { Some(app.post("/api/v1/cycles/Q4/close", json!({})).await).filter(|(s, _)| *s != 409) };
    let (s, b) = common::eventually(60, close).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM responses").await, 5);
    let scrubbed = || async { (common::count(&app, "SELECT COUNT(*) FROM sealed_responses").await == 0).then_some(()) };
    common::eventually(60, scrubbed).await;
    let after = scores(&app).await;
    let s_scores = after["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "S").unwrap();
    assert_eq!(s_scores["indicators"]["teamwork"]["by_relation"]["peer"]["n"], 5, "{s_scores}");
}

/// A dead run found by the next close (not the sweep) is taken over: what it wrote goes before
/// anything is released, so nothing is counted twice.
async fn a_close_takes_over_a_dead_one(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let links = peers_asked(&app).await;
    for link in links.iter().take(5) {
        assert_eq!(answer(&app, link, 4).await, 303);
    }
    stalled_close(&app, "run-1").await;
    sqlx::query("UPDATE cycle_runs SET heartbeat = 0").execute(&app.state.db().pool).await.unwrap();
    // This close takes the dead run over (or the worker's sweep does, and the close waits).
    let (s, b) = common::eventually(60, || async {
        let (s, b) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
        (s != 409).then_some((s, b))
    })
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM responses").await, 5, "released once each");
    let runs = common::count(&app, "SELECT COUNT(DISTINCT release_run) FROM responses").await;
    assert_eq!(runs, 1, "only the run that closed the cycle left rows");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM cycle_runs").await, 0);
}

/// A close longer than the call waits (`close_wait_secs`, 0 here) answers once the cycle is
/// closed and its results stored; its sealed records are deleted after, in the close's task.
async fn a_long_close_answers_once_closed_and_stored(backend: Backend) {
    let app = common::spawn_app_with(backend, |c| c.close_wait_secs = 0).await;
    let links = peers_asked(&app).await;
    for (link, value) in links.iter().take(5).zip([5, 4, 4, 3, 5]) {
        assert_eq!(answer(&app, link, value).await, 303);
    }
    let (s, b) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!((s, &b["status"]), (200, &json!("closed")), "{b}");
    let stored = common::count(&app, "SELECT COUNT(*) FROM cycles WHERE id = 'Q4' AND results_at IS NOT NULL").await;
    assert_eq!(stored, 1, "the results are stored when the call answers");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM responses").await, 5);
    let after = scores(&app).await;
    assert_eq!(after["final"], true, "{after}");
    let s_scores = after["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "S").unwrap();
    assert_eq!(s_scores["indicators"]["teamwork"]["by_relation"]["peer"]["n"], 5, "{s_scores}");
    let scrubbed = || async { (common::count(&app, "SELECT COUNT(*) FROM sealed_responses").await == 0).then_some(()) };
    common::eventually(60, scrubbed).await;
}

on_both_databases!(
    a_close_under_way_shows_nothing_and_takes_no_answer,
    a_close_takes_over_a_dead_one,
    a_long_close_answers_once_closed_and_stored
);
