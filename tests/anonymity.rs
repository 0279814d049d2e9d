//! Anonymity that holds against an admin and against whoever holds the database: answers
//! sealed until close, a cycle that closes once, thresholds that count distinct raters, and
//! an anonymous part that must pass on its own. Each attack of the field report is a test.
use crate::common::{self, Backend, TestApp};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub(crate) const RATERS: usize = 8;

/// Manager M; subject S; eight peers R1..R8 of the same team; a second subject T.
pub(crate) async fn org(app: &TestApp) {
    let mut people = vec![
        json!({"id":"M","name":"Mira","email":"m@corp.example","team":"East"}),
        json!({"id":"S","name":"Sol","email":"s@corp.example","manager":"M","team":"East"}),
        json!({"id":"T","name":"Tao","email":"t@corp.example","manager":"M","team":"East"}),
    ];
    for i in 1..=RATERS {
        people.push(json!({"id":format!("R{i}"),"name":format!("Rater {i}"),"email":format!("r{i}@corp.example"),"manager":"M","team":"East"}));
    }
    let (s, b) = app.post("/api/v1/people", json!({ "people": people })).await;
    assert_eq!(s, 200, "{b}");
    for id in ["p1", "p2", "p3"] {
        let (s, b) = app
            .post(
                "/api/v1/surveys",
                json!({"id":id,"kind":"peer","title":"360","questions":[
                    {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true},
                    {"id":"note","text":"What should they keep doing?","type":"text"}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    app.seed_cycle("Q4").await;
}

/// Peer invitations (survey, subject, rater), emailed; their links as each rater received them.
pub(crate) async fn invite(app: &TestApp, rows: &[(&str, &str, &str)]) -> Vec<String> {
    let invitations: Vec<Value> = rows
        .iter()
        .map(|(survey, subject, rater)| json!({"survey":survey,"subject":subject,"respondent":{"person":rater},"relation":"peer"}))
        .collect();
    common::mail::invite_by_email(app, None, "Q4", invitations).await
}

pub(crate) async fn answer(app: &TestApp, link: &str, value: u8, note: &str) -> u16 {
    let res =
        app.client.post(link).form(&[("t1", value.to_string()), ("note", note.to_string())]).send().await.unwrap();
    res.status().as_u16()
}

async fn scores(app: &TestApp) -> Value {
    let (s, b) = app.get("/api/v1/cycles/Q4/scores").await;
    assert_eq!(s, 200, "{b}");
    b
}

fn subject<'a>(scores: &'a Value, id: &str) -> &'a Value {
    scores["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == id).unwrap()
}

/// The field report's attack 1: close by moving `closes_at` into the past, read, move it back,
/// let one more chosen rater answer, close, subtract. The cycle closes once: the move back is
/// refused, the rater's link is closed, and nothing changes between the two reads.
async fn a_closed_cycle_never_reopens(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1"), ("p1", "S", "R2"), ("p1", "S", "R3"), ("p1", "S", "R4")]).await;
    for (i, link) in links.iter().take(3).enumerate() {
        assert_eq!(answer(&app, link, 3 + i as u8, &format!("keep going {i}")).await, 303);
    }
    let past = json!({"id":"Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2026-10-02T00:00:00Z","min_raters":3});
    let (s, b) = app.post("/api/v1/cycles", past).await;
    assert_eq!(s, 200, "{b}");
    let first = scores(&app).await;
    assert_eq!((first["status"].as_str(), first["final"].as_bool()), (Some("closed"), Some(true)));
    assert_eq!(subject(&first, "S")["indicators"]["teamwork"]["by_relation"]["peer"]["n"], 3);

    let reopen = json!({"id":"Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z","min_raters":3});
    let (s, b) = app.post("/api/v1/cycles", reopen).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("cycle_closed")), "{b}");
    assert_eq!(answer(&app, &links[3], 1, "the fourth").await, 410, "the chosen rater cannot answer");
    assert_eq!(app.client.get(&links[3]).send().await.unwrap().status().as_u16(), 410);
    let (s, _) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(scores(&app).await, first, "nothing to subtract");
}

/// Attack 2: one peer invited to three peer surveys about the same subject filled a group of
/// three alone; and splitting raters over two identical surveys showed one rater's answers as
/// that survey's. A subject's anonymous group answers one survey, so each of its answers is
/// one distinct rater's: both are refused, and nothing is stored.
async fn an_anonymous_group_answers_one_survey(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    invite(&app, &[("p1", "S", "R1")]).await;
    for attempt in [json!([["p2", "S", "R1"], ["p3", "S", "R1"]]), json!([["p2", "S", "R2"], ["p2", "S", "R3"]])] {
        let invitations: Vec<Value> = attempt
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!({"survey":r[0],"subject":r[1],"respondent":{"person":r[2]},"relation":"peer"}))
            .collect();
        let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({ "invitations": invitations })).await;
        assert_eq!((s, b["error"]["code"].as_str()), (409, Some("one_anonymous_survey")), "{b}");
    }
    let (_, p) = app.get("/api/v1/cycles/Q4/progress").await;
    assert_eq!(p["surveys"].as_array().unwrap().len(), 1, "nothing else was stored: {p}");
    // Another subject, or an attributed relation, may use another survey.
    let links = invite(&app, &[("p2", "T", "R1")]).await;
    assert_eq!(links.len(), 1);
}

/// Below the threshold after close, a lone rater's group says nothing but that it is too small.
async fn a_lone_rater_stays_hidden_after_close(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1"), ("p1", "S", "R2")]).await;
    for (i, link) in links.iter().enumerate() {
        assert_eq!(answer(&app, link, 5, &format!("only two of us {i}")).await, 303);
    }
    app.post("/api/v1/cycles/Q4/close", json!({})).await;
    let b = scores(&app).await;
    let peer = &subject(&b, "S")["indicators"]["teamwork"]["by_relation"]["peer"];
    assert_eq!((peer["n"].as_u64(), peer["status"].as_str()), (Some(2), Some("below_threshold")), "{peer}");
    assert!(peer.get("score").is_none_or(Value::is_null), "{peer}");
    let (_, c) = app.get("/api/v1/cycles/Q4/comments?subject=S").await;
    assert!(!c.to_string().contains("only two of us"), "{c}");
    assert_eq!(c["subjects"]["S"]["withheld"][0], json!({"relation":"peer","n":2}), "{c}");
}

/// Attack 3: one anonymous customer answer beside two attributed ones is left out of
/// everything — score, n, CSAT, comments — instead of being lifted over the threshold.
async fn an_anonymous_part_is_not_lifted_by_attributed_answers(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    let mut anon = common::csat_survey();
    anon["id"] = json!("csat-anon");
    anon["anonymous"] = json!(true);
    let (s, b) = app.post("/api/v1/surveys", anon).await;
    assert_eq!(s, 200, "{b}");
    app.add_customers(json!([{"id":"C3","name":"Third","email":"c3@x.example","owner":"E1001"}])).await;
    app.seed_cycle("Q4").await;
    let rows = vec![
        json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}),
        json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C2"},"relation":"customer"}),
        json!({"survey":"csat-anon","subject":"E1001","respondent":{"customer":"C3"},"relation":"customer"}),
    ];
    let links = common::mail::invite_by_email(&app, None, "Q4", rows).await;
    for (link, (v, note)) in links.iter().zip([("5", "great"), ("5", "very good"), ("1", "secret complaint")]) {
        let res = app.client.post(link).form(&[("q1", v), ("q2", "10"), ("q3", note)]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    app.post("/api/v1/cycles/Q4/close", json!({})).await;
    let (_, b) = app.get("/api/v1/cycles/Q4/scores").await;
    let cs = &b["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E1001").unwrap()["indicators"]["customer_satisfaction"];
    assert_eq!(
        (cs["score"].as_f64(), cs["n"].as_u64(), cs["status"].as_str()),
        (Some(100.0), Some(2), Some("ok")),
        "{cs}"
    );
    assert_eq!(cs["csat"].as_f64(), Some(1.0), "the anonymous 1-of-5 is not in CSAT: {cs}");
    let (_, c) = app.get("/api/v1/cycles/Q4/comments").await;
    assert!(c.to_string().contains("great") && !c.to_string().contains("secret complaint"), "{c}");
}

/// A wrong server key is refused at start (it could not open what is sealed), and the right
/// one releases everything at close.
async fn a_wrong_key_is_refused_at_start(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1")]).await;
    assert_eq!(answer(&app, &links[0], 4, "sealed").await, 303);
    let url = app.db.url.clone();
    let mut config = common::test_config(&url, app.mail_dir.clone());
    config.key = Some(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [9u8; 32]));
    let err = candor::startup::Application::build(config).await.err().expect("a wrong key is refused");
    assert!(
        matches!(err.downcast_ref::<candor::startup::KeyError>(), Some(candor::startup::KeyError::WrongKey)),
        "{err:#}"
    );
}

/// A database that has nothing sealed yet still keeps the key it first started with: a second
/// instance with another key is refused before it serves (not with a 500 at close), and a lost
/// key file is never replaced by a new key.
async fn a_database_keeps_its_first_key(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let mail_dir = app.mail_dir.clone();
    let (db, _) = app.stop().await;
    let mut other = common::test_config(&db.url, mail_dir);
    other.key = Some(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [9u8; 32]));
    let err = candor::startup::Application::build(other.clone()).await.err().expect("another key is refused");
    let kind = err.downcast_ref::<candor::startup::KeyError>();
    assert!(matches!(kind, Some(candor::startup::KeyError::WrongKey)), "{err:#}");
    other.key = None;
    other.key_file = db.dir.path().join("lost.key");
    let err = candor::startup::Application::build(other).await.err().expect("a lost key is refused");
    let kind = err.downcast_ref::<candor::startup::KeyError>();
    assert!(matches!(kind, Some(candor::startup::KeyError::Missing(_))), "{err:#}");
    assert!(!db.dir.path().join("lost.key").exists(), "no new key was made");
}

/// The admin form only creates; `min_raters` never drops once invitations exist.
async fn settings_that_were_promised_hold(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    invite(&app, &[("p1", "S", "R1")]).await;
    let lower = json!({"id":"Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z","min_raters":2});
    let (s, b) = app.post("/api/v1/cycles", lower).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("min_raters_locked")), "{b}");
    let later = json!({"id":"Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:58Z","min_raters":4});
    let (s, b) = app.post("/api/v1/cycles", later).await;
    assert_eq!(s, 200, "a deadline may move and the threshold rise: {b}");
}

/// Launch names the groups that can never be shown: a team of three gives each two peers.
async fn launch_warns_of_groups_too_small(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", json!({"survey":"p","subjects":"all","peers":"team"})).await;
    assert_eq!(s, 201, "{b}");
    let small: BTreeSet<(String, String, i64)> = b["too_small"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["subject"].as_str().unwrap().into(),
                g["relation"].as_str().unwrap().into(),
                g["raters"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(small.contains(&("E1001".into(), "peer".into(), 1)), "{b}");
    assert!(small.contains(&("E1000".into(), "direct_report".into(), 2)), "{b}");
}

/// `login-link --admin` for an address of no person makes an account, not a person.
async fn an_admin_account_is_not_a_person(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    let hr = candor::domain::EmailAddress::parse("hr@corp.example").unwrap();
    candor::app::accounts::login_link(&app.state, &hr, true).await.unwrap();
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", json!({"survey":"p","subjects":"all","peers":"team"})).await;
    assert_eq!(s, 201, "{b}");
    let subjects: Vec<String> = sqlx::query_scalar("SELECT DISTINCT subject_id FROM invitations ORDER BY subject_id")
        .fetch_all(&app.state.db().pool)
        .await
        .unwrap();
    assert_eq!(subjects, ["E1000", "E1001", "E1002"], "the HR admin is never reviewed");
}

on_both_databases!(
    a_database_keeps_its_first_key,
    a_closed_cycle_never_reopens,
    an_anonymous_group_answers_one_survey,
    a_lone_rater_stays_hidden_after_close,
    an_anonymous_part_is_not_lifted_by_attributed_answers,
    a_wrong_key_is_refused_at_start,
    settings_that_were_promised_hold,
    launch_warns_of_groups_too_small,
    an_admin_account_is_not_a_person,
);
