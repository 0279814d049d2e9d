//! Two `candor serve` instances on one PostgreSQL: the same data, every email once, every
//! cycle closed (and announced) once, and a submission load spread across both.
use crate::common;

use common::hooks::{received, receiver};
use common::smtp::SmtpSink;
use common::{Backend, TestDb, count, fresh_db, start, test_config};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgresql() {
    if !common::postgres_available() {
        return;
    }
    common::init_tracing();
    let sink = SmtpSink::start();
    let db = fresh_db(Backend::Postgres).await;
    let url = db.url.clone();
    let mut config = test_config(&url, db.dir.path().join("mail-a"));
    config.smtp_url = Some(sink.url());
    let a = start(db, config, None).await;
    let second = TestDb { url: url.clone(), dir: tempfile::tempdir().unwrap() };
    let mut config = test_config(&url, second.dir.path().join("mail-b"));
    config.smtp_url = Some(sink.url());
    let b = start(second, config, Some(a.admin_key.clone())).await;

    a.seed_org().await;
    a.seed_survey().await;
    let (hook, got) = receiver(0).await;
    let (s, _) = b.post("/api/v1/webhooks", json!({"url": hook, "secret": "a-long-shared-secret-0123"})).await;
    assert_eq!(s, 201, "written through one instance");
    let closes = (chrono::Utc::now() + chrono::Duration::seconds(4)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (s, _) = a
        .post(
            "/api/v1/cycles",
            json!({"id":"soon","title":"Soon","opens_at":"2026-01-01T00:00:00Z","closes_at":closes}),
        )
        .await;
    assert_eq!(s, 200);
    let customers: Vec<Value> =
        (0..30).map(|i| json!({"id":format!("K{i}"),"name":format!("Buyer {i}"),"email":format!("k{i}@shop.example"),"owner":"E1001"})).collect();
    assert_eq!(b.post("/api/v1/customers", json!({ "customers": customers })).await.0, 200);
    let (_, survey) = b.get("/api/v1/surveys/csat").await;
    assert_eq!(survey["id"], "csat", "both serve the same data");

    // Thirty emails, claimed by two workers: each goes out exactly once.
    let rows: Vec<Value> =
        (0..30).map(|i| json!({"survey":"csat","subject":"E1001","respondent":{"customer":format!("K{i}")},"relation":"customer"})).collect();
    let (s, _) = a.post("/api/v1/cycles/soon/invitations", json!({ "invitations": rows })).await;
    assert_eq!(s, 201);
    b.state.wake_outbox();
    sink.wait_for(30, 20).await;
    // The cycle closes by itself; both workers look; one closes it and one webhook goes out.
    common::eventually(20, || async { (received(&got) > 0).then_some(()) }).await;
    // Closed (the announcement went out after the close committed): nothing can queue more
    // for this cycle, so once the shared outbox is drained every email and delivery is made.
    common::outbox_drained(&a).await;
    let mails = sink.messages();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!((mails.len(), to.len()), (30, 30), "every email once");
    assert_eq!(count(&a, "SELECT COUNT(*) FROM outbox WHERE kind = 'webhook'").await, 1, "announced once");
    assert_eq!(received(&got), 1, "closed and announced once");
    let (_, p) = b.get("/api/v1/cycles/soon/progress").await;
    assert_eq!((p["status"].as_str(), p["surveys"][0]["emailed"].as_i64()), (Some("closed"), Some(30)));

    // A load across both: every link posted to both instances at once is answered once.
    a.seed_cycle("open").await;
    let rows: Vec<Value> =
        (0..30).map(|i| json!({"survey":"csat","subject":"E1002","respondent":{"customer":format!("K{i}")},"relation":"customer"})).collect();
    let (s, links) = b.post("/api/v1/cycles/open/invitations", json!({"invitations": rows, "deliver":"none"})).await;
    assert_eq!(s, 201);
    let mut tasks = Vec::new();
    for l in links["links"].as_array().unwrap() {
        let path = l["url"].as_str().unwrap().trim_start_matches(&b.addr).to_string();
        for base in [a.addr.clone(), b.addr.clone()] {
            let (c, url) = (a.client.clone(), format!("{base}{path}"));
            tasks.push(tokio::spawn(async move {
                c.post(&url).form(&[("q1", "5")]).send().await.unwrap().status().as_u16()
            }));
        }
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 30, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 409), "{statuses:?}");
    assert_eq!(count(&a, "SELECT COUNT(*) FROM responses WHERE cycle_id = 'open'").await, 30);
}

/// A worker that claims an email and dies leaves it leased; once the lease runs out another
/// worker claims it again, and a live lease is never claimed twice.
async fn a_dead_workers_lease_runs_out(backend: Backend) {
    let app = common::seeded(backend, None).await;
    app.customer_link("C1").await;
    let id = count(&app, "SELECT id FROM invitations").await;
    // Far in the future, so the running worker leaves it alone until the test claims it.
    let mut tx = app.state.db().begin().await.unwrap();
    let later = chrono::Utc::now().timestamp_millis() + 3_600_000;
    candor::db::outbox::queue(&mut tx, candor::db::outbox::Kind::Invitation, &[vec![id]], later, 0).await.unwrap();
    tx.commit().await.unwrap();
    let db = &app.state.db();
    let claimed = candor::db::outbox::claim_due(db, later, 300, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(candor::db::outbox::claim_due(db, later + 100, 300, 10).await.unwrap().is_empty(), "leased");
    let again = candor::db::outbox::claim_due(db, later + 400, 300, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2), "claimed again after the lease");
}

/// The emails of a launch still running wait for it to end; other emails go meanwhile.
async fn a_running_launchs_emails_wait_for_it(backend: Backend) {
    let app = common::seeded(backend, None).await;
    app.customer_links(&["C1", "C2"]).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM invitations ORDER BY respondent_key")
        .fetch_all(&app.state.db().pool)
        .await
        .unwrap();
    let db = &app.state.db();
    // Far in the future, so the running worker leaves them alone until the test claims them.
    let later = chrono::Utc::now().timestamp_millis() + 3_600_000;
    let mut tx = db.begin().await.unwrap();
    let groups = [vec![ids[0]], vec![ids[1]]];
    candor::db::outbox::queue(&mut tx, candor::db::outbox::Kind::Invitation, &groups, later, 0).await.unwrap();
    tx.commit().await.unwrap();
    // C1's invitation belongs to a launch under way (a fresh heartbeat: the sweep leaves it).
    sqlx::query("UPDATE invitations SET launch_run = 'run-1' WHERE id = $1")
        .bind(ids[0])
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO cycle_runs (cycle_id, run, owner, kind, total, done, heartbeat) \
         VALUES ('2026-Q4', 'run-1', 'test', 'launch', 1, 1, $1)",
    )
    .bind(chrono::Utc::now().timestamp())
    .execute(&db.pool)
    .await
    .unwrap();
    let claimed = candor::db::outbox::claim_due(db, later, 300, 10).await.unwrap();
    let invitations: Vec<Option<i64>> = claimed.iter().map(|c| c.invitation_id).collect();
    assert_eq!(invitations, [Some(ids[1])], "only the email of no run");
    sqlx::query("DELETE FROM cycle_runs").execute(&db.pool).await.unwrap();
    let claimed = candor::db::outbox::claim_due(db, later, 300, 10).await.unwrap();
    let invitations: Vec<Option<i64>> = claimed.iter().map(|c| c.invitation_id).collect();
    assert_eq!(invitations, [Some(ids[0])], "the run's email once it ended");
}

on_both_databases!(a_dead_workers_lease_runs_out, a_running_launchs_emails_wait_for_it);
