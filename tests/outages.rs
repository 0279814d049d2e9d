//! Storage that cannot take a write, and a database that goes away mid-request: `/healthz`
//! says so, and requests answer 503 with `Retry-After` (or 507 for a full disk), never 500.
//! Each case is specific to its database.
use crate::common::{self, Backend, seeded_with};
use serde_json::Value;
use sqlx::Connection;

/// A disk with room for a page or two but not for an answer: the answer is refused as such
/// (507), and `/healthz` does not call that storage healthy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_when_an_answer_no_longer_fits() {
    let app = seeded_with(Backend::Sqlite, |_| {}).await;
    let path = app.customer_link("C1").await.trim_start_matches(&app.addr).to_string();
    let mail_dir = app.mail_dir.clone();
    let (db, key) = app.stop().await;
    let pages = common::sqlite_pages(&db).await;
    let mut config = common::test_config(&db.url, mail_dir);
    config.sqlite_max_pages = Some(pages + 3);
    let full = common::start(db, config, Some(key)).await;
    let long = "满".repeat(5_000);
    let res = full.client.post(full.url(&path)).form(&[("q1", "4"), ("q3", long.as_str())]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 507, "the answer does not fit");
    let health = full.client.get(full.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503, "storage that cannot take an answer is not healthy");
}

/// The app's connections on PostgreSQL, as a restart ends them: every backend of its database
/// but `keep` is terminated ("terminating connection due to administrator command", 57P01).
async fn terminate_app_connections(admin: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
    )
    .fetch_one(admin)
    .await
    .unwrap()
}

/// Holds every query on `invitations` until the returned connection goes, and waits until
/// both of the app's requests are waiting on it.
async fn hold_invitations(url: &str, fire: impl std::future::Future<Output = ()>) -> sqlx::PgConnection {
    let mut blocker = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut blocker).await.unwrap();
    sqlx::query("LOCK TABLE invitations IN ACCESS EXCLUSIVE MODE").execute(&mut blocker).await.unwrap();
    fire.await;
    let watcher = sqlx::PgPool::connect(url).await.unwrap();
    common::eventually(20, || {
        // Both requests' own statements (the worker may be waiting on the lock too): the
        // respondent's link lookup and the progress query.
        let q = sqlx::query_as::<_, (i64, i64)>(
            "SELECT COUNT(*) FILTER (WHERE query LIKE '%l.token_hash IN%'), COUNT(*) FILTER (WHERE query LIKE '%AS emailed%') \
             FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&watcher);
        async move {
            let (answer, progress) = q.await.unwrap();
            (answer >= 1 && progress >= 1).then_some(())
        }
    })
    .await;
    watcher.close().await;
    blocker
}

/// PostgreSQL restarts while a respondent's answer and an API call are in flight: both are told
/// to try again (503, `Retry-After`), nothing half-done is kept, and the same link then works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_mid_request_answers_503() {
    let app = seeded_with(Backend::Postgres, |_| {}).await;
    let link = app.customer_link("C1").await;
    let (answer_tx, answer) = tokio::sync::oneshot::channel();
    let (api_tx, api) = tokio::sync::oneshot::channel();
    let fire = async {
        let submit = app.client.post(&link).form(&[("q1", "4")]);
        tokio::spawn(async move {
            let _ = answer_tx.send(submit.send().await.unwrap());
        });
        let progress = app.client.get(app.url("/api/v1/cycles/2026-Q4/progress")).bearer_auth(&app.admin_key);
        tokio::spawn(async move {
            let _ = api_tx.send(progress.send().await.unwrap());
        });
    };
    let blocker = hold_invitations(&app.db.url, fire).await;
    let mut admin = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    // The blocker goes too: as in a restart, every connection ends.
    let ended = terminate_app_connections(&mut admin).await;
    drop(blocker);

    let res = answer.await.unwrap();
    let (status, retry) = (res.status().as_u16(), res.headers().get("retry-after").cloned());
    let page = res.text().await.unwrap();
    let res = api.await.unwrap();
    let (api_status, api_retry) = (res.status().as_u16(), res.headers().get("retry-after").cloned());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    println!("{ended} connections ended: the answer got {status}, the API call {api_status} {body}");
    assert_eq!((status, retry.is_some()), (503, true), "the respondent is asked to try again: {page}");
    assert!(page.contains("Nothing was lost"), "{page}");
    assert_eq!((api_status, api_retry.is_some()), (503, true), "{body}");
    assert_eq!(body["error"]["code"], "busy");

    let res = app.client.post(&link).form(&[("q1", "4")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "the same link works once the database is back");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}
