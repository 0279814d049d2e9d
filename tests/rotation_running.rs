//! A rotation while an instance still runs on the old key (CONTRACT §12; the README says to
//! stop them all): the instance seals nothing, and wraps no new cycle's key, under keys the
//! rotation replaced; on PostgreSQL a rotation waits for an answer being sealed as it begins.
use crate::common::{self, Backend};
use crate::rotation::{key_of, r1_answered, with_key_file};
use serde_json::json;

/// A rotation run while an instance still serves (the README says to stop them all): that
/// instance holds the cycle's key from before, and must not seal an answer under it, which no
/// key would open after the rotation, nor wrap a new cycle's key under its server key. It
/// refuses both, storing nothing; restarted on the new key, it takes the same answer.
async fn an_instance_left_running_through_a_rotation_seals_nothing_under_old_keys(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let r2 = r1_answered(&app).await;
    let (mail_dir, admin_key) = (app.mail_dir.clone(), app.admin_key.clone());
    let old = key_of(&app);
    let new = [7u8; 32];
    candor::app::keys::rotate(app.state.db(), &old, &new).await.expect("rotated");
    let res = app.client.post(&r2).form(&[("t1", "2")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "refused, not sealed under a key the rotation replaced");
    let page = res.text().await.unwrap();
    assert!(page.contains("The server key was changed while this server ran"), "{page}");
    // Nor does it make a cycle whose key it would wrap under the replaced server key.
    let cycle = json!({"id":"Q5","title":"Q5","opens_at":"2026-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"});
    let (s, b) = app.post("/api/v1/cycles", cycle).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("server_key_changed")), "{b}");
    let sealed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sealed_responses").fetch_one(&app.state.db().pool).await.unwrap();
    assert_eq!(sealed, 1, "only R1's answer, sealed again by the rotation");
    let (db, _) = app.stop().await;
    let config = with_key_file(&db, mail_dir, &new);
    let app = common::start(db, config, Some(admin_key)).await;
    let again = app.url(&r2[r2.find("/s/").unwrap()..]);
    assert_eq!(app.client.post(again).form(&[("t1", "2")]).send().await.unwrap().status().as_u16(), 303);
    assert_eq!(app.post("/api/v1/cycles/Q4/close", json!({})).await.0, 200, "every answer opens");
    let released: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&app.state.db().pool).await.unwrap();
    assert_eq!(released, 2);
}

/// PostgreSQL: a rotation that begins while an answer is being sealed (its transaction read
/// the server key's check value, sealed and wrote, not yet committed) waits for it, then seals
/// it again with the rest: after the restart on the new key, the close releases it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_waits_for_an_answer_being_sealed() {
    if !common::postgres_available() {
        return;
    }
    let app = common::spawn_app(Backend::Postgres).await;
    r1_answered(&app).await;
    let state = app.state.clone();
    let old = key_of(&app);
    let new = [8u8; 32];
    // R2's answer, sealed as a submission seals it, its transaction still open.
    let mut tx = state.db().begin().await.unwrap();
    let key = candor::app::cycle_keys::for_sealing(&state, &mut tx, "Q4").await.unwrap();
    let survey = candor::app::responses::survey(&state, "peer360").await.unwrap();
    let target = candor::db::invitations::LinkTarget {
        id: 2,
        cycle_id: "Q4".into(),
        survey_id: "peer360".into(),
        subject_id: "S".into(),
        relation: candor::domain::Relation::Peer,
        respondent_key: "p:R2".into(),
        sent_to: Some("r2@corp.example".into()),
    };
    let answer = vec![candor::domain::answers::Answer { question_id: "t1".into(), value: Some(2), text: None }];
    let sealed = candor::app::sealing::seal_record(&key, &target, &survey, answer).unwrap();
    candor::db::sealed::insert(&mut tx, &candor::domain::token::random_id(), "Q4", &sealed).await.unwrap();
    let url = state.config.database_url.clone();
    let rotation = tokio::spawn(async move {
        let db = candor::db::Db::connect(&url).await.unwrap();
        candor::app::keys::rotate(&db, &old, &new).await
    });
    let watcher = sqlx::PgPool::connect(&state.config.database_url).await.unwrap();
    common::eventually(20, || {
        let q = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE '%server_key_check%FOR UPDATE%'",
        )
        .fetch_one(&watcher);
        async move { (q.await.unwrap() == 1).then_some(()) }
    })
    .await;
    watcher.close().await;
    tx.commit().await.unwrap();
    let done = rotation.await.unwrap().expect("rotated");
    assert_eq!(done.answers, 2, "R1's answer and the one it waited for");
    let (mail_dir, admin_key) = (app.mail_dir.clone(), app.admin_key.clone());
    let (db, _) = app.stop().await;
    let config = with_key_file(&db, mail_dir, &new);
    let app = common::start(db, config, Some(admin_key)).await;
    assert_eq!(app.post("/api/v1/cycles/Q4/close", json!({})).await.0, 200, "every answer opens");
    let released: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(&app.state.db().pool).await.unwrap();
    assert_eq!(released, 2);
}

crate::on_both_databases!(an_instance_left_running_through_a_rotation_seals_nothing_under_old_keys);
