//! Rotating the server key (CONTRACT §12) on both databases: answers and drafts sealed under
//! the old key are re-sealed, the close releases the same results, the old key is refused
//! afterwards, an interrupted rotation is settled at the next start either way, and a database
//! of an earlier release sealed under the published key is moved off it.
use crate::common::{self, Backend, TestApp, mail};
use serde_json::{Value, json};

fn b64(key: &[u8; 32]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key)
}

/// A config for `db` that reads its key from a 0600 file holding `key`.
pub(crate) fn with_key_file(
    db: &common::TestDb,
    mail_dir: std::path::PathBuf,
    key: &[u8; 32],
) -> candor::config::Config {
    use std::os::unix::fs::PermissionsExt;
    let path = db.dir.path().join("server.key");
    std::fs::write(&path, b64(key)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut config = common::test_config(&db.url, mail_dir);
    config.key = None;
    config.key_file = path;
    config
}

/// People `ids` in team East, each reporting to M (M to no one).
async fn org(app: &TestApp, ids: &[&str]) {
    let people: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id":id,"name":id,"email":format!("{}@corp.example", id.to_lowercase()),"manager":if *id == "M" { Value::Null } else { json!("M") },"team":"East"}))
        .collect();
    assert_eq!(app.post("/api/v1/people", json!({ "people": people })).await.0, 200);
}

/// A peer review of S by `rater` on `survey`.
fn peer(survey: &str, rater: &str) -> Value {
    json!({"survey":survey,"subject":"S","respondent":{"person":rater},"relation":"peer"})
}

/// The server key `app` runs on.
pub(crate) fn key_of(app: &TestApp) -> [u8; 32] {
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, app.state.config.key.clone().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

/// M, S, R1 and R2, the peer survey and cycle Q4; R1 and R2 invited by email about S, R1
/// answered (the instance then holds the cycle's key). R2's link.
pub(crate) async fn r1_answered(app: &TestApp) -> String {
    org(app, &["M", "S", "R1", "R2"]).await;
    app.seed_peer_survey().await;
    app.seed_cycle("Q4").await;
    let links = mail::invite_by_email(app, None, "Q4", vec![peer("peer360", "R1"), peer("peer360", "R2")]).await;
    assert_eq!(app.client.post(&links[0]).form(&[("t1", "4")]).send().await.unwrap().status().as_u16(), 303);
    links[1].clone()
}

/// Three peers answer about S (sealed); a fourth saves a draft.
async fn sealed_answers(app: &TestApp) -> String {
    org(app, &["M", "S", "R1", "R2", "R3", "R4"]).await;
    app.seed_peer_survey().await;
    app.seed_cycle("Q4").await;
    let peer = |r: &str| peer("peer360", r);
    let links = mail::invite_by_email(app, None, "Q4", vec![peer("R1"), peer("R2"), peer("R3"), peer("R4")]).await;
    for (link, v) in links.iter().zip(["2", "4", "5"]) {
        assert_eq!(app.client.post(link).form(&[("t1", v)]).send().await.unwrap().status().as_u16(), 303);
    }
    let res = app.client.post(&links[3]).form(&[("t1", "3"), ("action", "save")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    links[3].clone()
}

async fn peer_score(app: &TestApp) -> Value {
    assert_eq!(app.post("/api/v1/cycles/Q4/close", json!({})).await.0, 200);
    let (_, b) = app.get("/api/v1/cycles/Q4/scores").await;
    let s = b["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "S").unwrap().clone();
    s["indicators"]["teamwork"]["by_relation"]["peer"].clone()
}

/// Rotation under sealed answers and a draft, then close: the same release as without one.
async fn a_rotation_keeps_every_answer_and_draft(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let draft_link = sealed_answers(&app).await;
    let (mail_dir, admin_key) = (app.mail_dir.clone(), app.admin_key.clone());
    let old = key_of(&app);
    // A close that stopped before deleting its sealed records left one behind: released, under
    // the key the close destroyed. The rotation drops it rather than refuse the database.
    app.seed_cycle("Q3").await;
    app.close_cycle("Q3").await;
    let mut tx = app.state.db().begin().await.unwrap();
    let left = candor::db::sealed::Stored {
        head: "c2VhbGVkIHVuZGVyIGEgZGVzdHJveWVkIGtleQ==".into(),
        tail: Some("aXRzIHRhaWw=".into()),
    };
    candor::db::sealed::insert(&mut tx, "left-by-a-close", "Q3", &left).await.unwrap();
    tx.commit().await.unwrap();
    let wrapped_before: String = sqlx::query_scalar("SELECT wrapped FROM cycle_keys WHERE cycle_id = 'Q4'")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    let (db, _) = app.stop().await;
    let config = with_key_file(&db, mail_dir.clone(), &old);
    let done = candor::key_rotation::rotate(config.clone(), false).await.expect("rotated");
    assert_eq!((done.answers, done.drafts), (3, 1), "{done:?}");
    let new = std::fs::read_to_string(&config.key_file).unwrap();
    assert_ne!(new.trim(), b64(&old), "a new key in the key file");
    // The open cycle has a fresh key: its key from before the rotation (which the old server
    // key and an old copy of the database give) opens none of its answers as they are now.
    let raw = candor::db::Db::connect(&db.url).await.unwrap();
    let sealed: Vec<(String, String)> =
        sqlx::query_as("SELECT cycle_id, sealed FROM sealed_responses").fetch_all(&raw.pool).await.unwrap();
    let tails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sealed_tails").fetch_one(&raw.pool).await.unwrap();
    raw.pool.close().await;
    assert_eq!(sealed.len(), 3, "the close's leftover is gone: {sealed:?}");
    assert_eq!(tails, 3, "and its tail: one tail per record left");
    let decode = |t: &str| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, t).unwrap();
    let before = candor::domain::cycle_key::KeyWrap::derive(&old).unwrap("Q4", &decode(&wrapped_before)).unwrap();
    assert!(sealed.iter().all(|(c, t)| before.open(&decode(t), c).is_err()), "still under the old cycle key");
    let old_file = db.dir.path().join("server.key.old");
    assert_eq!(std::fs::read_to_string(&old_file).unwrap().trim(), b64(&old), "the old key kept beside it");
    // The old key no longer opens the database.
    let mut stale = common::test_config(&db.url, mail_dir.clone());
    stale.key = Some(b64(&old));
    let err = candor::startup::Application::build(stale).await.err().expect("the old key is refused");
    assert!(matches!(err.downcast_ref::<candor::startup::KeyError>(), Some(candor::startup::KeyError::WrongKey)));
    // The new key serves: the draft reopens, the old key file goes, the close releases all.
    let app = common::start(db, config, Some(admin_key)).await;
    assert!(!old_file.exists(), "dropped after a good start");
    let path = &draft_link[draft_link.find("/s/").unwrap()..];
    let html = app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"value="3" checked"#), "the draft reopens prefilled: {html}");
    let peer = peer_score(&app).await;
    assert_eq!((peer["n"].as_u64(), peer["score"].as_f64()), (Some(3), Some(66.7)), "{peer}");
}

/// A rotation interrupted after the database took the new key is finished at the next start;
/// one interrupted before is dropped, and the old key serves on.
async fn an_interrupted_rotation_is_settled_at_start(backend: Backend) {
    let app = common::spawn_app(backend).await;
    sealed_answers(&app).await;
    let (mail_dir, admin_key) = (app.mail_dir.clone(), app.admin_key.clone());
    let old = key_of(&app);
    let (db, _) = app.stop().await;
    let config = with_key_file(&db, mail_dir.clone(), &old);
    let pending = db.dir.path().join("server.key.new");
    let write_private = |path: &std::path::Path, key: &[u8; 32]| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, b64(key)).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    // Before: a new key file that the database never took.
    write_private(&pending, &[5; 32]);
    let app = common::start(db, config.clone(), Some(admin_key.clone())).await;
    assert!(!pending.exists(), "the unused new key is dropped");
    assert_eq!(std::fs::read_to_string(&config.key_file).unwrap().trim(), b64(&old));
    let (db, _) = app.stop().await;
    // After: the database took the new key, the files were not swapped yet.
    let new = [6u8; 32];
    write_private(&pending, &new);
    let raw = candor::db::Db::connect(&db.url).await.unwrap();
    candor::app::keys::rotate(&raw, &old, &new).await.unwrap();
    raw.pool.close().await;
    let app = common::start(db, config.clone(), Some(admin_key)).await;
    assert_eq!(std::fs::read_to_string(&config.key_file).unwrap().trim(), b64(&new), "the swap is finished");
    assert!(!pending.exists());
    let peer = peer_score(&app).await;
    assert_eq!(peer["n"].as_u64(), Some(3), "{peer}");
}

/// A database of an earlier release, sealed under the key that was published in the
/// repository (and without a key check value), is refused with the way out; the rotation off
/// the published key releases every answer.
async fn a_database_on_the_published_key_is_moved_off_it(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (mail_dir, admin_key) = (app.mail_dir.clone(), app.admin_key.clone());
    org(&app, &["M", "S", "R1", "R2", "R3"]).await;
    app.seed_peer_survey().await;
    app.seed_cycle("Q4").await;
    let peer = |r: &str| peer("peer360", r);
    let (s, b) =
        app.post("/api/v1/cycles/Q4/invitations", json!({"invitations":[peer("R1"), peer("R2"), peer("R3")]})).await;
    assert_eq!(s, 201, "{b}");
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM invitations ORDER BY id").fetch_all(&app.state.db().pool).await.unwrap();
    let (db, _) = app.stop().await;
    // Answer as the earlier release did: sealed under the published key, no key check value.
    let raw = candor::db::Db::connect(&db.url).await.unwrap();
    // Nor did it give cycles keys of their own, nor keep a key check value.
    sqlx::query("DELETE FROM cycle_keys").execute(&raw.pool).await.unwrap();
    sqlx::query("DELETE FROM server_key_check").execute(&raw.pool).await.unwrap();
    let mut config = common::test_config(&db.url, mail_dir);
    config.key = None;
    config.key_file = db.dir.path().join("gone.key");
    let earlier = candor::app::App::new(raw.clone(), config.clone(), &candor::config::published_key());
    for (id, v) in ids.iter().zip([2, 4, 5]) {
        let answers = vec![candor::domain::answers::Answer { question_id: "t1".into(), value: Some(v), text: None }];
        assert!(candor::app::responses::submit_for_invitation(&earlier, *id, answers).await.unwrap());
    }
    raw.pool.close().await;
    let err = candor::startup::Application::build(config.clone()).await.err().expect("refused");
    let kind = err.downcast_ref::<candor::startup::KeyError>();
    assert!(matches!(kind, Some(candor::startup::KeyError::Published)), "{err:#}");
    assert!(!config.key_file.exists(), "no key was made");
    let done = candor::key_rotation::rotate(config.clone(), true).await.expect("rotated off the published key");
    assert_eq!(done.answers, 3);
    let app = common::start(db, config, Some(admin_key)).await;
    let peer = peer_score(&app).await;
    assert_eq!((peer["n"].as_u64(), peer["score"].as_f64()), (Some(3), Some(66.7)), "{peer}");
}

/// Long answers live in their records' tails: moved under a cycle key at start (sealed before
/// the cycle had one), then sealed again by a rotation, each keeps its tail, and the close
/// releases every comment whole.
async fn long_answers_keep_their_tails_through_start_and_rotation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (mail_dir, admin_key) = (app.mail_dir.clone(), app.admin_key.clone());
    org(&app, &["M", "S", "R1", "R2", "R3"]).await;
    let survey = json!({"id":"said","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork"},
        {"id":"n1","text":"Keep doing","type":"text"}]});
    assert_eq!(app.post("/api/v1/surveys", survey).await.0, 200);
    app.seed_cycle("Q4").await;
    let peer = |r: &str| peer("said", r);
    let (s, b) =
        app.post("/api/v1/cycles/Q4/invitations", json!({"invitations":[peer("R1"), peer("R2"), peer("R3")]})).await;
    assert_eq!(s, 201, "{b}");
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM invitations ORDER BY id").fetch_all(&app.state.db().pool).await.unwrap();
    let key = key_of(&app);
    let (db, _) = app.stop().await;
    // Answered as an earlier release did, before cycles had keys: under the server key's own.
    let raw = candor::db::Db::connect(&db.url).await.unwrap();
    sqlx::query("DELETE FROM cycle_keys").execute(&raw.pool).await.unwrap();
    let config = with_key_file(&db, mail_dir.clone(), &key);
    let earlier = candor::app::App::new(raw.clone(), config.clone(), &key);
    let comments: Vec<String> =
        (0..3).map(|i| format!("{i}: 季度末带领全队完成目标, keeps everyone informed. ").repeat(30)).collect();
    for (id, text) in ids.iter().zip(&comments) {
        let answers = vec![
            candor::domain::answers::Answer { question_id: "t1".into(), value: Some(4), text: None },
            candor::domain::answers::Answer { question_id: "n1".into(), value: None, text: Some(text.clone()) },
        ];
        assert!(candor::app::responses::submit_for_invitation(&earlier, *id, answers).await.unwrap());
    }
    let tails = |pool: sqlx::AnyPool| async move {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT s.sealed, t.tail FROM sealed_responses s LEFT JOIN sealed_tails t ON t.id = s.tail_id ORDER BY s.id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows
    };
    let before = tails(raw.pool.clone()).await;
    assert_eq!(before.len(), 3);
    assert!(before.iter().all(|(_, t)| t.is_some()), "each long answer is in its tail");
    raw.pool.close().await;
    // The start gives the cycle its key and seals every answer again under it, tails too.
    let app = common::start(db, config.clone(), Some(admin_key.clone())).await;
    let started = tails(app.state.db().pool.clone()).await;
    assert_eq!(started.len(), 3);
    for (after, was) in started.iter().zip(&before) {
        assert!(after.1.is_some() && after.1 != was.1, "the tail is sealed again, not dropped: {after:?}");
    }
    let (db, _) = app.stop().await;
    let done = candor::key_rotation::rotate(config.clone(), false).await.expect("rotated");
    assert_eq!(done.answers, 3, "{done:?}");
    let app = common::start(db, config, Some(admin_key)).await;
    let rotated = tails(app.state.db().pool.clone()).await;
    for (after, was) in rotated.iter().zip(&started) {
        assert!(after.1.is_some() && after.1 != was.1, "the tail is sealed again, not dropped: {after:?}");
    }
    assert_eq!(app.post("/api/v1/cycles/Q4/close", json!({})).await.0, 200);
    let (_, c) = app.get("/api/v1/cycles/Q4/comments?subject=S").await;
    for text in &comments {
        assert!(c.to_string().contains(text.trim()), "every long comment released whole: {c}");
    }
}

/// A long answer whose tail is gone (the database restored in part): the rotation says so,
/// rather than that the key is wrong, and seals nothing again.
async fn a_rotation_names_a_record_missing_its_tail(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let mail_dir = app.mail_dir.clone();
    org(&app, &["M", "S", "R1"]).await;
    let survey = json!({"id":"said","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork"},
        {"id":"n1","text":"Keep doing","type":"text"}]});
    assert_eq!(app.post("/api/v1/surveys", survey).await.0, 200);
    app.seed_cycle("Q4").await;
    let links = mail::invite_by_email(&app, None, "Q4", vec![peer("said", "R1")]).await;
    let long = "季度末带领全队完成目标, keeps everyone informed. ".repeat(40);
    let res = app.client.post(&links[0]).form(&[("t1", "4"), ("n1", long.as_str())]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let key = key_of(&app);
    let (db, _) = app.stop().await;
    let raw = candor::db::Db::connect(&db.url).await.unwrap();
    sqlx::query("DELETE FROM sealed_tails").execute(&raw.pool).await.unwrap();
    let sealed: Vec<String> =
        sqlx::query_scalar("SELECT sealed FROM sealed_responses").fetch_all(&raw.pool).await.unwrap();
    raw.pool.close().await;

    let refused = candor::key_rotation::rotate(with_key_file(&db, mail_dir, &key), false).await.expect_err("refused");
    let why = format!("{refused:#}");
    assert!(why.contains("missing its second part") && why.contains("Q4"), "{why}");
    let raw = candor::db::Db::connect(&db.url).await.unwrap();
    let after: Vec<String> =
        sqlx::query_scalar("SELECT sealed FROM sealed_responses").fetch_all(&raw.pool).await.unwrap();
    assert_eq!(after, sealed, "nothing sealed again");
}

on_both_databases!(
    a_rotation_keeps_every_answer_and_draft,
    an_interrupted_rotation_is_settled_at_start,
    a_database_on_the_published_key_is_moved_off_it,
    long_answers_keep_their_tails_through_start_and_rotation,
    a_rotation_names_a_record_missing_its_tail,
);
