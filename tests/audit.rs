//! The audit log: every change through the API or the admin pages leaves exactly one entry
//! naming who made it; answers, anonymous or not, leave none.
use crate::common;

use common::web::{admin_session, get, post, session};
use common::{Backend, TestApp, seeded};
use serde_json::{Value, json};

async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let (s, b) = app.get(&format!("/api/v1/audit{query}")).await;
    assert_eq!(s, 200, "{b}");
    b["entries"].as_array().unwrap().clone()
}

fn actions(list: &[Value]) -> Vec<String> {
    list.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

async fn every_change_is_recorded_once_with_its_actor(backend: Backend) {
    let app = seeded(backend, None).await;
    app.seed_peer_survey().await;
    // The key "tests" made at the console, then the seeding calls by it: people, customers, a
    // survey, a cycle, a second survey.
    let all = entries(&app, "").await;
    assert_eq!(
        actions(&all),
        ["save_survey", "save_cycle", "save_survey", "import_customers", "import_people", "create_api_key"],
        "newest first: {all:?}"
    );
    let (seeding, console) = all.split_at(5);
    assert!(seeding.iter().all(|e| e["actor_kind"] == "api_key" && e["actor"] == "tests"), "{all:?}");
    assert_eq!(
        (console[0]["actor_kind"].as_str(), console[0]["detail"].as_str()),
        (Some("cli"), Some("tests, scope admin"))
    );
    assert!(
        all.iter().all(|e| e["target"].as_str().is_some_and(|t| !t.is_empty())),
        "every entry names a target: {all:?}"
    );
    assert_eq!(all[1]["cycle"], "2026-Q4");
    assert!(all[4]["detail"].as_str().unwrap().contains("created 3"), "{:?}", all[4]);

    // Launch, remind, revoke, reissue, a webhook, then close: one entry each.
    let launch = json!({"survey":"peer360","subjects":["E1001"],"peers":"none","deliver":"none"});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/launch", launch).await.0, 201);
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/reminders", json!({})).await.0, 200);
    let one = json!({"invitations":[{"survey":"peer360","subject":"E1001","respondent":{"person":"E1001"}}]});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/invitations/reissue", one.clone()).await.0, 200);
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/invitations/revoke", one).await.0, 200);
    let (s, hook) = app
        .post("/api/v1/webhooks", json!({"url":"https://hooks.example.com/candor","secret":"0123456789abcdef"}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(app.delete(&format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap())).await.0, 204);
    // A refused call changes nothing and records nothing.
    assert_eq!(app.post("/api/v1/cycles/nope/close", json!({})).await.0, 404);

    // An admin closes the cycle from the admin page: recorded with their person id.
    let (cookie, csrf) = admin_session(&app, "boss@example.com").await;
    let form = [("csrf", csrf.as_str()), ("lang", "en"), ("confirm", "on")];
    assert_eq!(post(&app, Some(&cookie), "/admin/cycles/2026-Q4/close", &form).await.0, 303);

    let cycle = entries(&app, "?cycle=2026-Q4").await;
    assert_eq!(
        actions(&cycle),
        ["close_cycle", "revoke_invitations", "reissue_invitations", "remind", "launch", "save_cycle"],
        "{cycle:?}"
    );
    let boss: String = sqlx::query_scalar("SELECT id FROM people WHERE email = 'boss@example.com'")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    assert_eq!((cycle[0]["actor_kind"].as_str(), cycle[0]["actor"].as_str()), (Some("person"), Some(boss.as_str())));
    assert_eq!(cycle[1]["detail"], "revoked 1, unchanged 0");
    let all = entries(&app, "").await;
    assert_eq!(
        actions(&all)[1..4],
        ["grant_admin", "delete_webhook", "create_webhook"],
        "the console made boss an admin"
    );
    // Paging: two at a time, then the rest, nothing twice.
    let (_, first) = app.get("/api/v1/audit?limit=2").await;
    let next = first["next"].as_i64().unwrap();
    let (_, second) = app.get(&format!("/api/v1/audit?limit=50&before={next}")).await;
    assert_eq!(first["entries"].as_array().unwrap().len() + second["entries"].as_array().unwrap().len(), all.len());
    // The page shows the same.
    let (s, page) = get(&app, Some(&cookie), "/admin/audit?lang=en&cycle=2026-Q4").await;
    assert_eq!(s, 200);
    assert!(page.contains("revoke invitations") && page.contains("API key tests"), "{page}");
    // Only admins read it.
    let li_na = session(&app, "li.na@example.com").await;
    assert_eq!(get(&app, Some(&li_na), "/admin/audit").await.0, 404);
}

async fn answers_leave_no_trace_in_the_audit_log(backend: Backend) {
    let app = seeded(backend, None).await;
    app.seed_peer_survey().await;
    let launch = json!({"survey":"peer360","subjects":["E1001"],"peers":"team"});
    let b = common::mail::launch_by_email(&app, None, "2026-Q4", launch).await;
    let before = entries(&app, "?limit=1000").await;
    for link in b["links"].as_array().unwrap() {
        let url = link["url"].as_str().unwrap();
        let res = app.client.post(url).form(&[("t1", "4")]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    let after = entries(&app, "?limit=1000").await;
    assert_eq!(after, before, "submissions, anonymous or not, record nothing");
    let since_launch = serde_json::to_string(&after[..1]).unwrap();
    assert!(!since_launch.contains("E1002"), "the launch names no rater: {since_launch}");
}

async fn a_test_event_is_delivered_signed_and_logged(backend: Backend) {
    let app = seeded(backend, None).await;
    let (url, got) = common::hooks::receiver(1).await;
    let secret = "another-long-shared-secret-42";
    let (s, hook) = app.post("/api/v1/webhooks", json!({"url": url, "secret": secret})).await;
    assert_eq!(s, 201, "{hook}");
    let id = hook["id"].as_str().unwrap().to_string();
    let (s, queued) = app.post(&format!("/api/v1/webhooks/{id}/test"), json!({})).await;
    assert_eq!(s, 202, "{queued}");
    let delivery = queued["delivery"].as_i64().unwrap();
    assert_eq!(app.post("/api/v1/webhooks/nope/test", json!({})).await.0, 404);
    // The receiver refuses the first attempt: the log shows it retried, then delivered.
    let (headers, body) = common::eventually(20, || async { got.lock().unwrap().first().cloned() }).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({"event":"webhook.test","webhook": id}));
    assert_eq!(headers["candor-delivery"].to_str().unwrap(), delivery.to_string());
    let sig = headers["candor-signature"].to_str().unwrap();
    let (t, v1) = sig.strip_prefix("t=").unwrap().split_once(",v1=").unwrap();
    assert_eq!(v1, candor::outbox::webhook::sign(secret, t.parse().unwrap(), &body));
    let log = common::eventually(20, || async {
        let (_, b) = app.get(&format!("/api/v1/webhooks/{id}/deliveries")).await;
        let list = b["deliveries"].as_array().cloned().unwrap_or_default();
        (list.len() == 2).then_some(list)
    })
    .await;
    assert_eq!(
        (log[0]["outcome"].as_str(), log[0]["event"].as_str()),
        (Some("delivered"), Some("webhook.test")),
        "{log:?}"
    );
    assert_eq!(log[1]["outcome"], "retrying");
    assert!(log[1]["status"].as_str().unwrap().contains("500"), "{log:?}");
    assert!(log.iter().all(|d| d["delivery"] == delivery && d["latency_ms"].as_i64().is_some_and(|ms| ms >= 0)));
    assert_eq!(actions(&entries(&app, "?limit=1").await), ["test_webhook"]);
    // The admin page words the outcomes in the reader's language.
    let (cookie, _) = crate::common::web::admin_session(&app, "sam.carter@example.com").await;
    let (_, zh) = get(&app, Some(&cookie), "/admin?lang=zh-CN").await;
    assert!(zh.contains("webhook.test · 已送达 · 2xx") && zh.contains("webhook.test · 重试中 ·"), "{zh}");
}

on_both_databases!(
    every_change_is_recorded_once_with_its_actor,
    answers_leave_no_trace_in_the_audit_log,
    a_test_event_is_delivered_signed_and_logged,
);
