//! Group commit: a batch of submissions gives each its own outcome in one transaction, and a
//! full queue refuses at once as busy without losing anything.
use crate::common;

use candor::app::batch::{self, Submission};
use candor::app::responses::SubmitOutcome;
use candor::domain::token::sha256_hex;
use common::{Backend, TestApp, count, customer_invite, eventually, seeded_with};
use serde_json::{Value, json};

async fn seeded(backend: Backend, tweak: impl FnOnce(&mut candor::config::Config)) -> TestApp {
    let app = seeded_with(backend, tweak).await;
    let customers: Vec<Value> = (3..=8)
        .map(|i| json!({"id":format!("C{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example")}))
        .collect();
    let (s, b) = app.post("/api/v1/customers", json!({ "customers": customers })).await;
    assert_eq!(s, 200, "{b}");
    app.seed_peer_survey().await;
    app
}

/// Links (tokens) for these invitation rows, in order.
async fn links(app: &TestApp, rows: Vec<Value>) -> Vec<String> {
    common::mail::invite_by_email(app, None, "2026-Q4", rows).await
}

fn token(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

fn submission(url: &str, fields: &[(&str, &str)]) -> Submission {
    Submission {
        token_hash: sha256_hex(token(url)),
        fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

async fn one_batch_gives_each_submission_its_own_outcome(backend: Backend) {
    let app = seeded(backend, |_| {}).await;
    let l = links(
        &app,
        vec![
            customer_invite("C1"),
            customer_invite("C2"),
            customer_invite("C3"),
            json!({"survey":"peer360","subject":"E1002","respondent":{"person":"E1001"},"relation":"peer"}),
        ],
    )
    .await;
    let (a, b, c, peer) = (&l[0], &l[1], &l[2], &l[3]);
    let batch = vec![
        submission(a, &[("q1", "5")]),
        submission(a, &[("q1", "1")]), // the same invitation again: the first wins
        submission(b, &[("q1", "9")]), // out of range: rejected, the link still works
        submission(b, &[("q1", "4")]), // …so a fitting one for it later in the batch is stored
        submission(&format!("{}x", &c[..c.len() - 1]), &[("q1", "3")]), // unknown link
        submission(peer, &[("t1", "2")]), // anonymous: sealed until close
    ];
    let mut conn = app.state.db().pool.acquire().await.unwrap();
    let outcomes = batch::write(&app.state, &mut conn, &batch).await.expect("the batch commits");
    drop(conn);
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|o| match o {
            SubmitOutcome::Stored => "stored",
            SubmitOutcome::NotClaimed => "not claimed",
            SubmitOutcome::Rejected { rejected, .. } => {
                assert!(rejected.problems.contains_key("q1"), "{:?}", rejected.problems.keys());
                "rejected"
            }
        })
        .collect();
    assert_eq!(kinds, ["stored", "not claimed", "rejected", "stored", "not claimed", "stored"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 2, "A and B, attributed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 1, "the peer's, sealed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM answers WHERE value = 5").await, 1, "A's first answer");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM answers WHERE value = 1").await, 0, "not the second");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE completed = TRUE").await, 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses WHERE relation = 'peer'").await, 0);

    // Over HTTP the link of C stays live, the answered ones say so.
    let res = app.client.post(c).form(&[("q1", "3")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let res = app.client.post(a).form(&[("q1", "3")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409);
}

/// Holds what every claim needs until dropped: SQLite's write lock, or the cycle's row on
/// PostgreSQL (a claim shares it).
async fn hold_writes(app: &TestApp, backend: Backend) -> sqlx::Transaction<'static, sqlx::Any> {
    let mut tx = match backend {
        Backend::Sqlite => app.state.db().pool.begin_with("BEGIN IMMEDIATE").await.unwrap(),
        Backend::Postgres => app.state.db().pool.begin().await.unwrap(),
    };
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM cycles WHERE id = '2026-Q4' FOR UPDATE").fetch_all(&mut *tx).await.unwrap();
    }
    tx
}

async fn a_full_queue_answers_busy_and_loses_nothing(backend: Backend) {
    // One submission waits in the queue while another is held in the writer.
    let app = seeded(backend, |c| {
        c.submit_queue = 1;
        c.sqlite_busy_timeout_ms = 120_000;
    })
    .await;
    let l = links(&app, (3..=8).map(|i| customer_invite(&format!("C{i}"))).collect()).await;
    let held = hold_writes(&app, backend).await;
    let tasks: Vec<_> = l
        .iter()
        .map(|url| {
            let (client, url) = (app.client.clone(), url.clone());
            tokio::spawn(async move {
                let res = client.post(&url).form(&[("q1", "4")]).send().await.unwrap();
                let retry = res.headers().get("retry-after").is_some();
                (res.status().as_u16(), retry)
            })
        })
        .collect();
    // At most two are taken (one in the writer, one queued); the others are refused at once.
    eventually(60, || async { (tasks.iter().filter(|t| t.is_finished()).count() >= 4).then_some(()) }).await;
    held.rollback().await.unwrap();
    let mut refused = Vec::new();
    for (t, url) in tasks.into_iter().zip(&l) {
        match t.await.unwrap() {
            (303, _) => {}
            (503, true) => refused.push(url.clone()),
            other => panic!("{other:?}"),
        }
    }
    assert!((4..=5).contains(&refused.len()), "{refused:?}");
    // Nothing was lost: a refused link is still live, and its answer is stored when sent again.
    for url in &refused {
        let res = app.client.post(url).form(&[("q1", "4")]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 6);
}

on_both_databases!(one_batch_gives_each_submission_its_own_outcome, a_full_queue_answers_busy_and_loses_nothing);
