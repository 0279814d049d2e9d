//! A closed cycle never changes: its results are stored at close and every reader reads them,
//! so neither later moves in the org chart nor the raw answers affect what was released.
use crate::common::{self, Backend};
use serde_json::json;

async fn closed_cycles_are_read_from_their_stored_results(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    let invitations: Vec<serde_json::Value> = ["C1", "C2"]
        .iter()
        .map(|c| json!({"survey":"csat","subject":"E1001","respondent":{"customer":c},"relation":"customer"}))
        .collect();
    let (s, b) =
        app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":invitations,"deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    for (l, v) in b["links"].as_array().unwrap().iter().zip(["5", "3"]) {
        let res =
            app.client.post(l["url"].as_str().unwrap()).form(&[("q1", v), ("q3", "thanks")]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    let stored = common::count(&app, "SELECT COUNT(*) FROM subject_results WHERE cycle_id = '2026-Q4'").await;
    assert_eq!(stored, 1, "stored at close");
    let (_, before) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    let (_, comments_before) = app.get("/api/v1/cycles/2026-Q4/comments").await;
    let li = |scores: &serde_json::Value| scores["subjects"][0].clone();
    assert_eq!(li(&before)["team"], "East");
    assert_eq!(li(&before)["indicators"]["customer_satisfaction"]["score"], 75.0);

    // Li Na moves to another team, and the raw answers are gone: the closed cycle says the same.
    app.add_people(json!([{"id":"E1001","name":"Li Na","email":"li.na@example.com","team":"West","locale":"zh-CN"}]))
        .await;
    sqlx::query("DELETE FROM response_scores").execute(&app.state.db().pool).await.unwrap();
    let (_, after) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    assert_eq!(after, before, "a closed cycle's scores are what was stored");
    let (_, comments_after) = app.get("/api/v1/cycles/2026-Q4/comments").await;
    assert_eq!(comments_after, comments_before);

    // The dashboard's progress (invited, answered) is stored with them too.
    sqlx::query("UPDATE invitations SET completed = FALSE").execute(&app.state.db().pool).await.unwrap();
    let cycle = candor::app::cycles::load(&app.state, "2026-Q4").await.unwrap();
    let now = candor::domain::time::now();
    let progress = candor::app::results::subject_progress(&app.state, &cycle, now).await.unwrap();
    assert_eq!(progress.get("E1001"), Some(&(2, 2)), "{progress:?}");
}

/// Results a closed cycle lacks (a database of an earlier release) are stored by `candor
/// migrate` or at start, never by a reader: until then, reads compute the same figures.
async fn a_read_never_stores_results(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    let rows = json!([{"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}]);
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":rows,"deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    let link = b["links"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(app.client.post(&link).form(&[("q1", "4")]).send().await.unwrap().status().as_u16(), 303);
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/close", json!({})).await.0, 200);
    let (_, stored_scores) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    // As an earlier release left it: closed, nothing stored.
    let pool = &app.state.db().pool;
    for table in ["subject_results", "subject_progress", "result_parts", "result_participation"] {
        let sql = format!("DELETE FROM {table}");
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
    }
    sqlx::query("UPDATE cycles SET results_at = NULL").execute(pool).await.unwrap();
    let stored = "SELECT COUNT(*) FROM cycles WHERE results_at IS NOT NULL";
    let (_, read) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    let (_, _) = app.get("/api/v1/cycles/2026-Q4/comments").await;
    assert_eq!(read, stored_scores, "computed as they were stored");
    assert_eq!(common::count(&app, stored).await, 0, "a read stores nothing");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM subject_results").await, 0);
    // A start (as `candor migrate`) stores them.
    let (db, key) = app.stop().await;
    let url = db.url.clone();
    let config = common::test_config(&url, db.dir.path().join("mail"));
    let app = common::start(db, config, Some(key)).await;
    assert_eq!(common::count(&app, stored).await, 1, "stored at start");
    let (_, after) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    assert_eq!(after, stored_scores);
}

/// A cycle's values, read as one JSON array, come back bit for bit: JSON from SQLite carries
/// 15 significant digits of a REAL, a double needs 17.
async fn values_read_back_exactly(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    let row = json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"});
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":[row],"deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    let link = b["links"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(app.client.post(&link).form(&[("q1", "4")]).send().await.unwrap().status().as_u16(), 303);
    let exact: [f64; 3] = [200.0 / 3.0, 0.1 + 0.2, 1.0 / 7.0];
    let pool = &app.state.db().pool;
    for value in exact {
        sqlx::query("UPDATE response_scores SET value = $1").bind(value).execute(pool).await.unwrap();
        let read =
            candor::db::dashboard::response_values(pool, "2026-Q4", candor::db::scores::Only::All).await.unwrap();
        assert!(!read.is_empty());
        assert!(read.iter().all(|r| r.4.to_bits() == value.to_bits()), "{value:?} read back as {read:?}");
    }
}

on_both_databases!(
    closed_cycles_are_read_from_their_stored_results,
    a_read_never_stores_results,
    values_read_back_exactly
);
