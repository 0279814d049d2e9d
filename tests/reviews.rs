//! Anonymous 360-degree reviews: launch, unlinkable storage, thresholds, comments
//! (reminders: `review_reminders.rs`).
use crate::common;

use common::smtp::SmtpSink;
use common::{Backend, TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub(crate) async fn app_with(backend: Backend, smtp: Option<&SmtpSink>, day_seconds: i64, cycle: Value) -> TestApp {
    let url = smtp.map(SmtpSink::url);
    let app = spawn_app_with(backend, |c| {
        c.smtp_url = url;
        c.day_seconds = day_seconds;
    })
    .await;
    app.seed_review_org().await;
    let (s, b) = app.post("/api/v1/cycles", cycle).await;
    assert_eq!(s, 200, "{b}");
    app
}

pub(crate) fn cycle() -> Value {
    json!({"id":"2026-Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z",
           "min_raters":3,"weights":{"manager":2,"peer":1,"direct_report":1}})
}

pub(crate) async fn launch(app: &TestApp, body: Value) -> Value {
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/launch", body).await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn invitation_set(app: &TestApp) -> BTreeSet<(String, String, String)> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT subject_id, respondent_person_id, relation FROM invitations")
            .fetch_all(&app.state.db().pool)
            .await
            .unwrap();
    rows.into_iter().collect()
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

async fn launch_builds_each_review_set_from_the_org_chart(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with(backend, Some(&sink), 86_400, cycle()).await;
    let b = launch(&app, json!({"survey":"peer360","subjects":["E1001"],"peers":"team"})).await;
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(6), Some(0)), "{b}");
    let li_na = set(&[
        ("E1001", "E1001", "self"),
        ("E1001", "E1000", "manager"),
        ("E1001", "E1004", "direct_report"),
        ("E1001", "E1002", "peer"),
        ("E1001", "E1003", "peer"),
        ("E1001", "E1005", "peer"),
    ]);
    assert_eq!(invitation_set(&app).await, li_na);
    let b = launch(&app, json!({"survey":"peer360","subjects":["E1001"],"peers":"team"})).await;
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(0), Some(6)), "idempotent");

    let b = launch(&app, json!({"survey":"peer360","subjects":"all","peers":"none"})).await;
    let mut everyone = li_na.clone();
    everyone.extend(set(&[
        ("E1000", "E1000", "self"),
        ("E1000", "E1001", "direct_report"),
        ("E1000", "E1002", "direct_report"),
        ("E1000", "E1003", "direct_report"),
        ("E1000", "E1005", "direct_report"),
        ("E1002", "E1002", "self"),
        ("E1002", "E1000", "manager"),
        ("E1003", "E1003", "self"),
        ("E1003", "E1000", "manager"),
        ("E1005", "E1005", "self"),
        ("E1005", "E1000", "manager"),
        ("E1004", "E1004", "self"),
        ("E1004", "E1001", "manager"),
        ("E2000", "E2000", "self"),
    ]));
    assert_eq!(invitation_set(&app).await, everyone);
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(14), Some(3)), "{b}");

    // A rater's reviews from one launch come in one email, one link each.
    // 6 raters for the first launch; 7 for the second (Wang, Li Na, Sam, Chen, Eve, Dan, Xu).
    sink.wait_for(6 + 7, 20).await;
    common::outbox_drained(&app).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 6 + 7, "one email per rater and launch");
    let to_manager: Vec<_> = mails.iter().filter(|m| m.rcpt_tos == ["wang@corp.example"]).collect();
    assert_eq!(to_manager.len(), 2, "one email per launch call");
    // Wang's second email: self plus Sam, Chen and Eve as their manager.
    let second = to_manager.iter().find(|m| m.subject.contains(" 4 ")).expect("4 reviews in one email");
    assert!(second.subject.contains("份评价"), "in Wang's language: {}", second.subject);
    let mut links: Vec<String> = second
        .text()
        .split_whitespace()
        .filter(|w| w.starts_with(&format!("{}/s/", app.addr)))
        .map(str::to_string)
        .collect();
    links.dedup();
    assert_eq!(links.len(), 4);
    for l in &links {
        let res = app.client.get(l).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }

    let (s, b) = app
        .post(
            "/api/v1/surveys",
            json!({"id":"csat","kind":"customer","title":"t","questions":[{"id":"q","text":"x","type":"text"}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/launch", json!({"survey":"csat","subjects":"all"})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("relation_mismatch")));
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/launch", json!({"survey":"peer360","subjects":["E404"]})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("unknown_subject")));
}

/// Launches Li Na's review with links, and has each rater answer (teamwork, communication, note).
async fn answer_li_na(app: &TestApp, answers: &[(&str, &str, Option<&str>, &str)]) {
    let b = common::mail::launch_by_email(
        app,
        None,
        "2026-Q4",
        json!({"survey":"peer360","subjects":["E1001"],"peers":"team"}),
    )
    .await;
    for (rater, t1, c1, note) in answers {
        let link = b["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["respondent"]["person"] == *rater)
            .unwrap_or_else(|| panic!("no link for {rater}"))["url"]
            .as_str()
            .unwrap()
            .to_string();
        let mut form = vec![("t1", *t1), ("note", *note)];
        if let Some(c) = c1 {
            form.push(("c1", c));
        }
        let res = app.client.post(&link).form(&form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "{rater}");
    }
}

const ANSWERS: &[(&str, &str, Option<&str>, &str)] = &[
    ("E1002", "5", None, "b: always helps"),      // peer 100
    ("E1003", "4", None, "a: <b>bold</b> ideas"), // peer 75
    ("E1005", "4", None, "c: calm"),              // peer 75
    ("E1004", "2", Some("1"), "d: too busy"),     // direct report 25
    ("E1000", "3", Some("4"), "m: solid"),        // manager 50
    ("E1001", "5", Some("5"), "s: proud"),        // self 100
];

async fn anonymous_answers_cannot_be_linked_to_raters(backend: Backend) {
    let app = app_with(backend, None, 86_400, cycle()).await;
    answer_li_na(&app, ANSWERS).await;
    let pool = &app.state.db().pool;

    // The schema: a response has no column that could name or time its rater.
    let columns: Vec<String> = match backend {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info('responses') ORDER BY name"),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'responses' ORDER BY column_name",
        ),
    }
    .fetch_all(pool)
    .await
    .unwrap();
    // (`source` and `entered_by` say how an attributed answer came, by phone or not; for an
    // anonymous answer they are always 'link' and null: checked on the rows below.)
    assert_eq!(
        columns,
        [
            "cycle_id",
            "entered_by",
            "id",
            "invitation_id",
            "relation",
            "release_run",
            "source",
            "subject_id",
            "submitted_on",
            "survey_id"
        ]
    );

    // While open, anonymous answers exist only sealed: the attributed self and manager rows.
    let open = common::count(&app, "SELECT COUNT(*) FROM responses").await;
    let sealed = common::count(&app, "SELECT COUNT(*) FROM sealed_responses").await;
    assert_eq!((open, sealed), (2, 4));
    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    // The rows: anonymous responses carry no invitation, a random id and a bare day.
    type Row = (String, String, String, Option<i64>, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, relation, submitted_on, invitation_id, source, entered_by FROM responses ORDER BY relation",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 6);
    for (id, relation, day, invitation, source, entered_by) in &rows {
        assert_eq!((source.as_str(), entered_by.as_deref()), ("link", None), "{relation}");
        assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert!(day.len() == 10 && day.as_bytes()[4] == b'-', "{day}");
        let anonymous = relation == "peer" || relation == "direct_report";
        assert_eq!(invitation.is_none(), anonymous, "{relation}");
    }
    // The close that released them is named alike on every anonymous row (and on no other).
    let runs: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT DISTINCT relation, release_run FROM responses ORDER BY relation")
            .fetch_all(pool)
            .await
            .unwrap();
    let named: std::collections::BTreeSet<&String> = runs.iter().filter_map(|(_, r)| r.as_ref()).collect();
    assert_eq!(named.len(), 1, "{runs:?}");
    for (relation, run) in &runs {
        assert_eq!(run.is_some(), relation == "peer" || relation == "direct_report", "{relation}");
    }
    // Completed anonymous invitations say that, not when.
    let dated: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT relation, completed_on FROM invitations WHERE completed = TRUE ORDER BY relation")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(dated.len(), 6);
    for (relation, day) in &dated {
        let anonymous = relation == "peer" || relation == "direct_report";
        assert_eq!(day.is_none(), anonymous, "{relation}");
    }
    // Per-response indicator values carry nothing more about the rater than the response does.
    let value_columns: Vec<String> = match backend {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info('response_scores') ORDER BY name"),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'response_scores' ORDER BY column_name",
        ),
    }
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        value_columns,
        [
            "anonymous",
            "cycle_id",
            "detractors",
            "indicator",
            "nps_n",
            "promoters",
            "relation",
            "response_id",
            "scale_n",
            "subject_id",
            "top_two",
            "value"
        ]
    );
    // No table but answers and the per-response values points at a response.
    if backend == Backend::Postgres {
        let refs: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT tc.table_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.constraint_column_usage cu ON cu.constraint_name = tc.constraint_name \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND cu.table_name = 'responses'",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        // Follow-up marks point at attributed customer answers only (app::followups::mark).
        assert_eq!(refs, ["answers", "followups", "response_scores"]);
        // No shared transaction stamp between an anonymous response and any invitation.
        let shared: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM responses r JOIN invitations i ON i.xmin::text = r.xmin::text WHERE r.invitation_id IS NULL",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(shared, 0);
    } else {
        let without_rowid: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'responses' AND sql LIKE '%WITHOUT ROWID%'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(without_rowid, 1, "no insertion order kept");
    }
}

async fn thresholds_hold_before_and_after_close(backend: Backend) {
    let app = app_with(backend, None, 86_400, cycle()).await;
    answer_li_na(&app, ANSWERS).await;

    let (s, open) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    assert_eq!(s, 200, "{open}");
    assert_eq!((open["status"].as_str(), open["final"].as_bool()), (Some("open"), Some(false)));
    let li = open["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E1001").unwrap().clone();
    let tw = &li["indicators"]["teamwork"];
    // Open: only the manager counts (self never does).
    assert_eq!(
        (tw["score"].as_f64(), tw["n"].as_u64(), tw["withheld"].as_bool()),
        (Some(50.0), Some(1), Some(false)),
        "{tw}"
    );
    assert_eq!(tw["by_relation"]["peer"], json!({"withheld":true,"n":3,"status":"open"}));
    assert_eq!(tw["by_relation"]["direct_report"], json!({"withheld":true,"n":1,"status":"open"}));
    assert_eq!(tw["by_relation"]["self"]["score"], 100.0);
    // Only the direct report and manager and self answered communication.
    let comm = &li["indicators"]["communication"];
    assert_eq!((comm["score"].as_f64(), comm["n"].as_u64()), (Some(75.0), Some(1)), "{comm}");

    let (_, c) = app.get("/api/v1/cycles/2026-Q4/comments?subject=E1001").await;
    let li_c = &c["subjects"]["E1001"];
    let shown: Vec<&str> = li_c["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(shown, ["m: solid", "s: proud"], "only attributed comments while open");
    let mut withheld: Vec<(String, u64)> = li_c["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["relation"].as_str().unwrap().to_string(), w["n"].as_u64().unwrap()))
        .collect();
    withheld.sort();
    assert_eq!(withheld, [("direct_report".to_string(), 1), ("peer".to_string(), 3)]);

    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    let (_, closed) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    assert_eq!((closed["status"].as_str(), closed["final"].as_bool()), (Some("closed"), Some(true)));
    let li = closed["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E1001").unwrap().clone();
    let tw = &li["indicators"]["teamwork"];
    // Peers 100, 75, 75 → 83.33 (released, n 3); manager 50 with weight 2: (2×50 + 83.33) / 3 = 61.1.
    assert_eq!((tw["score"].as_f64(), tw["n"].as_u64()), (Some(61.1), Some(4)), "{tw}");
    let peer = &tw["by_relation"]["peer"];
    assert_eq!(
        (peer["score"].as_f64(), peer["n"].as_u64(), peer["sd"].as_f64()),
        (Some(83.3), Some(3), Some(14.4)),
        "{peer}"
    );
    // 83.33 ± 4.302653 × 14.434 / √3 → [47.5, 100] (clipped).
    assert_eq!(peer["ci95"], json!([47.5, 100.0]));
    assert_eq!(
        tw["by_relation"]["direct_report"],
        json!({"withheld":true,"n":1,"status":"below_threshold"}),
        "still below min_raters"
    );
    let comm = &li["indicators"]["communication"];
    assert_eq!(comm["score"].as_f64(), Some(75.0), "the lone direct report never leaks into the total");
    // Someone nobody rated: every indicator null and withheld.
    let xu = closed["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E1000");
    assert!(xu.is_none(), "only subjects of the cycle are listed");

    let (_, c) = app.get("/api/v1/cycles/2026-Q4/comments?subject=E1001").await;
    let shown: Vec<(&str, &str)> = c["subjects"]["E1001"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["relation"].as_str().unwrap(), c["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("manager", "m: solid"),
            ("peer", "a: <b>bold</b> ideas"),
            ("peer", "b: always helps"),
            ("peer", "c: calm"),
            ("self", "s: proud")
        ],
        "released peer comments come sorted, the lone direct report's stays withheld"
    );
    assert_eq!(c["subjects"]["E1001"]["withheld"], json!([{"relation":"direct_report","n":1}]));
    // The scores scope reads scores but not comments.
    let key = app.scores_key("scoring").await.key;
    assert_eq!(app.get_with_key("/api/v1/cycles/2026-Q4/scores", &key).await.0, 200);
    assert_eq!(app.get_with_key("/api/v1/cycles/2026-Q4/comments", &key).await.0, 403);
}

on_both_databases!(
    launch_builds_each_review_set_from_the_org_chart,
    anonymous_answers_cannot_be_linked_to_raters,
    thresholds_hold_before_and_after_close,
);
