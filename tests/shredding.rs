//! Crypto-shredding (CONTRACT §6): a cycle's anonymous answers are sealed under a key of the
//! cycle's own, and the transaction that closes the cycle destroys it. From then on, whoever
//! holds the database and the server key opens none of them: not a record still waiting for
//! its deletion, not ciphertext copied before the close or left in free pages. A record sealed
//! under the server key's own key (before cycles had keys) is released, and zeroed when deleted.
use crate::anonymity::{answer, invite, org};
use crate::common::{self, Backend, TestApp};
use crate::forensics::{contains, copy_sqlite, pg_dump};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use candor::domain::cycle_key::KeyWrap;
use candor::domain::sealed::SealKey;

fn server_key(app: &TestApp) -> [u8; 32] {
    let key = app.state.config.key.clone().expect("the tests set CANDOR_KEY");
    STANDARD.decode(key).unwrap().try_into().unwrap()
}

async fn rows(app: &TestApp, sql: &'static str) -> Vec<(String, String)> {
    sqlx::query_as(sql).fetch_all(&app.state.db().pool).await.unwrap()
}

/// Whether any key that the database's `keys` and the server key give opens `text`.
fn opens(app: &TestApp, keys: &[(String, String)], cycle: &str, text: &str) -> bool {
    let (server, bytes) = (server_key(app), STANDARD.decode(text).unwrap());
    let wrap = KeyWrap::derive(&server);
    SealKey::derive(&server).open(&bytes, cycle).is_ok()
        || keys.iter().any(|(c, wrapped)| {
            wrap.unwrap(c, &STANDARD.decode(wrapped).unwrap()).is_some_and(|key| key.open(&bytes, cycle).is_ok())
        })
}

/// Whether a copy of the database (SQLite's file and WAL, or a `pg_dump`) holds `needle`.
async fn copy_holds(app: &TestApp, backend: Backend, needle: &str) -> bool {
    match backend {
        Backend::Sqlite => {
            let (db, wal) = copy_sqlite(app);
            contains(&db, needle) || contains(&wal, needle)
        }
        Backend::Postgres => pg_dump(&app.db.url).contains(needle),
    }
}

async fn released_notes(app: &TestApp) -> Vec<String> {
    let mut notes: Vec<String> = sqlx::query_scalar(
        "SELECT a.text FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE r.relation = 'peer' AND a.question_id = 'note' ORDER BY a.text",
    )
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    notes.sort();
    notes
}

async fn a_closed_cycles_answers_open_under_no_key_left(backend: Backend) {
    // No background checkpoint: the WAL keeps every commit until the close truncates it.
    let app = common::spawn_app_with(backend, |c| c.sqlite_checkpoint_ms = 3_600_000).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1"), ("p1", "S", "R2"), ("p1", "S", "R3")]).await;
    for (i, link) in links.iter().enumerate() {
        assert_eq!(answer(&app, link, 3 + i as u8, &format!("shred-note-{i}")).await, 303);
    }
    let records = rows(&app, "SELECT cycle_id, sealed FROM sealed_responses").await;
    assert_eq!(records.len(), 3);
    let keys = rows(&app, "SELECT cycle_id, wrapped FROM cycle_keys").await;
    let q4: Vec<&str> = keys.iter().filter(|(c, _)| c == "Q4").map(|(_, w)| w.as_str()).collect();
    assert_eq!(q4.len(), 1, "the open cycle has a key of its own");
    // While open, the database and the server key open them (the close has to), under the
    // cycle's key and not the server key's own.
    assert!(records.iter().all(|(c, t)| opens(&app, &keys, c, t)));
    let own = SealKey::derive(&server_key(&app));
    assert!(records.iter().all(|(c, t)| own.open(&STANDARD.decode(t).unwrap(), c).is_err()));
    assert!(copy_holds(&app, backend, q4[0]).await, "the test can see the key in a copy");

    app.close_cycle("Q4").await;
    let left = rows(&app, "SELECT cycle_id, wrapped FROM cycle_keys").await;
    assert!(left.iter().all(|(c, _)| c != "Q4"), "the closed cycle's key is deleted: {left:?}");
    for (cycle, text) in &records {
        assert!(!opens(&app, &left, cycle, text), "a record copied before the close opens under a key left");
    }
    assert!(!copy_holds(&app, backend, q4[0]).await, "a copy of the database still holds the closed cycle's key");
    assert_eq!(released_notes(&app).await, ["shred-note-0", "shred-note-1", "shred-note-2"]);
    for table in ["sealed_responses", "sealed_tails"] {
        assert_eq!(common::count(&app, &format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table} emptied");
    }
}

async fn a_record_sealed_before_its_cycle_had_a_key_is_released_and_zeroed(backend: Backend) {
    let app = common::spawn_app_with(backend, |c| c.sqlite_checkpoint_ms = 3_600_000).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1"), ("p1", "S", "R2")]).await;
    for (i, link) in links.iter().enumerate() {
        assert_eq!(answer(&app, link, 4, &format!("keyed-note-{i}")).await, 303);
    }
    // As an earlier release sealed it: under the server key's own sealing key.
    let survey = candor::app::responses::survey(&app.state, "p1").await.unwrap();
    let target = candor::db::invitations::LinkTarget {
        id: 0,
        cycle_id: "Q4".into(),
        survey_id: "p1".into(),
        subject_id: "S".into(),
        relation: candor::domain::Relation::Peer,
        respondent_key: "p:R3".into(),
        sent_to: Some("r3@corp.example".into()),
    };
    let answers = vec![
        candor::domain::answers::Answer { question_id: "t1".into(), value: Some(5), text: None },
        candor::domain::answers::Answer { question_id: "note".into(), value: None, text: Some("legacy-note".into()) },
    ];
    let legacy = SealKey::derive(&server_key(&app));
    let text = candor::app::sealing::seal_record(&legacy, &target, &survey, answers).unwrap();
    let mut tx = app.state.db().begin().await.unwrap();
    candor::db::sealed::insert(&mut tx, &candor::domain::token::random_id(), "Q4", &text).await.unwrap();
    tx.commit().await.unwrap();
    if backend == Backend::Sqlite {
        assert!(copy_holds(&app, backend, &text.head[..64]).await, "the test can see the record in a copy");
    }

    app.close_cycle("Q4").await;
    assert_eq!(released_notes(&app).await, ["keyed-note-0", "keyed-note-1", "legacy-note"]);
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 0);
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM sealed_tails").await, 0);
    // The server key would open it: its pages are zeroed, not just freed.
    if backend == Backend::Sqlite {
        assert!(
            !copy_holds(&app, backend, &text.head[..64]).await,
            "a record under the server key's own key left a copy"
        );
    }
}

/// An open cycle of an earlier release (no key, answers under the server key's own) gets a key
/// at the next start, and its answers are sealed again under it: a close of another cycle,
/// which frees pages without zeroing them, can never leave a copy the server key opens.
async fn an_open_cycle_of_an_earlier_release_moves_under_a_key_of_its_own(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let server = SealKey::derive(&server_key(&app));
    let survey = candor::app::responses::survey(&app.state, "p1").await.unwrap();
    let mut tx = app.state.db().begin().await.unwrap();
    let mut old_texts = Vec::new();
    for (i, rater) in ["R1", "R2", "R3"].iter().enumerate() {
        let target = candor::db::invitations::LinkTarget {
            id: i as i64,
            cycle_id: "Q4".into(),
            survey_id: "p1".into(),
            subject_id: "S".into(),
            relation: candor::domain::Relation::Peer,
            respondent_key: format!("p:{rater}"),
            sent_to: Some(format!("{}@corp.example", rater.to_lowercase())),
        };
        let answers = vec![
            candor::domain::answers::Answer { question_id: "t1".into(), value: Some(4), text: None },
            candor::domain::answers::Answer { question_id: "note".into(), value: None, text: Some(format!("old-{i}")) },
        ];
        let text = candor::app::sealing::seal_record(&server, &target, &survey, answers).unwrap();
        candor::db::sealed::insert(&mut tx, &candor::domain::token::random_id(), "Q4", &text).await.unwrap();
        old_texts.push(text);
    }
    // The earlier release had no cycle keys.
    sqlx::query("DELETE FROM cycle_keys").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let (mail_dir, admin_key, config_key) = (app.mail_dir.clone(), app.admin_key.clone(), app.state.config.key.clone());
    let (db, _) = app.stop().await;
    let mut config = common::test_config(&db.url, mail_dir);
    config.key = config_key;
    let app = common::start(db, config, Some(admin_key)).await;

    let keys = rows(&app, "SELECT cycle_id, wrapped FROM cycle_keys").await;
    assert_eq!(keys.iter().filter(|(c, _)| c == "Q4").count(), 1, "the open cycle got a key at start");
    let records = rows(&app, "SELECT cycle_id, sealed FROM sealed_responses").await;
    assert_eq!(records.len(), 3);
    for (cycle, text) in &records {
        assert!(server.open(&STANDARD.decode(text).unwrap(), cycle).is_err(), "still under the server key's own");
        assert!(opens(&app, &keys, cycle, text), "under the cycle's key");
    }
    app.close_cycle("Q4").await;
    assert_eq!(released_notes(&app).await, ["old-0", "old-1", "old-2"]);
    // What the server key's own key sealed left no copy: overwritten zeroed, the WAL truncated.
    if backend == Backend::Sqlite {
        for text in &old_texts {
            assert!(
                !copy_holds(&app, backend, &text.head[..64]).await,
                "an answer under the server key's own key left a copy"
            );
        }
    }
}

/// A reader holding the WAL when a cycle closes keeps it from being truncated: the key's old
/// frames stay in it until the worker's next round truncates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wal_a_reader_held_at_close_is_truncated_by_the_worker() {
    let app = common::spawn_app_with(Backend::Sqlite, |c| c.sqlite_checkpoint_ms = 3_600_000).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1"), ("p1", "S", "R2"), ("p1", "S", "R3")]).await;
    for link in &links {
        assert_eq!(answer(&app, link, 4, "held").await, 303);
    }
    let keys = rows(&app, "SELECT cycle_id, wrapped FROM cycle_keys").await;
    let key = keys.iter().find(|(c, _)| c == "Q4").map(|(_, w)| w.clone()).unwrap();
    let pool = &app.state.db().pool;
    let mut reader = pool.begin().await.unwrap();
    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cycle_keys").fetch_one(&mut *reader).await.unwrap();
    app.close_cycle("Q4").await;
    assert!(copy_holds(&app, Backend::Sqlite, &key).await, "the reader kept the key's frames in the WAL");
    reader.rollback().await.unwrap();
    candor::app::cycles::close_due(&app.state).await.unwrap();
    assert!(!copy_holds(&app, Backend::Sqlite, &key).await, "the worker's round left the key in a copy");
}

/// A record whose answer is in its second part (`sealed_tails`), that part gone: the database
/// changed outside Candor, or restored in part. The close refuses as CONTRACT §10 says (409
/// `unsealable`) with a message that names the missing part, rather than send the admin
/// looking for another key; it releases nothing and keeps every record.
async fn a_record_missing_its_tail_stops_the_close_and_says_so(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = invite(&app, &[("p1", "S", "R1"), ("p1", "S", "R2"), ("p1", "S", "R3")]).await;
    let long = "季度末带领全队完成目标, keeps everyone informed. ".repeat(40);
    assert_eq!(answer(&app, &links[0], 4, &long).await, 303);
    for link in &links[1..] {
        assert_eq!(answer(&app, link, 3, "short").await, 303);
    }
    // Every tail: only the long answer's is needed, and nothing says which one that is.
    sqlx::query("DELETE FROM sealed_tails").execute(&app.state.db().pool).await.unwrap();

    let (status, body) = app.post("/api/v1/cycles/Q4/close", serde_json::json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "unsealable", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("sealed_tails") && !message.contains("key"), "{message}");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 3, "every record kept");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM responses").await, 0, "nothing released");
    // As with a key that opens nothing: the close ended the cycle's time, its results not final.
    let (_, scores) = app.get("/api/v1/cycles/Q4/scores").await;
    assert_eq!(scores["final"], false, "{scores}");
}

crate::on_both_databases!(
    a_closed_cycles_answers_open_under_no_key_left,
    a_record_missing_its_tail_stops_the_close_and_says_so,
    a_record_sealed_before_its_cycle_had_a_key_is_released_and_zeroed,
    an_open_cycle_of_an_earlier_release_moves_under_a_key_of_its_own,
);
