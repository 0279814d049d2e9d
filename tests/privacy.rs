//! Privacy requests (CONTRACT §12): exports of a person and a customer, a customer's erasure
//! down to the database files, and retention of old cycles.
use crate::common;

use common::web::{admin_session, get};
use common::{Backend, TestApp, count, eventually, spawn_app_with};
use serde_json::{Value, json};

/// Invites (by email) and answers: `(survey, subject, respondent, relation, form)`.
async fn answer(
    app: &TestApp,
    cycle: &str,
    survey: &str,
    subject: &str,
    respondent: Value,
    relation: &str,
    form: &[(&str, &str)],
) {
    let row = json!({"survey":survey,"subject":subject,"respondent":respondent,"relation":relation});
    // Anonymous reviews reach their raters by email only: every link is read from its email.
    common::mail::answer_by_email(app, cycle, row, form).await;
}

async fn seeded(backend: Backend) -> TestApp {
    let app = spawn_app_with(backend, |_| {}).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_peer_survey().await;
    app
}

async fn a_person_export_holds_their_data_and_no_anonymous_answer(backend: Backend) {
    let app = seeded(backend).await;
    app.seed_cycle("Q4").await;
    let sam = json!({"person":"E1002"});
    answer(&app, "Q4", "peer360", "E1001", sam.clone(), "peer", &[("t1", "2")]).await;
    answer(&app, "Q4", "peer360", "E1002", sam.clone(), "self", &[("t1", "5")]).await;
    answer(&app, "Q4", "csat", "E1001", json!({"customer":"C1"}), "customer", &[("q1", "5"), ("q3", "Lovely service")])
        .await;
    app.close_cycle("Q4").await;

    let (s, sam) = app.get("/api/v1/people/E1002/export").await;
    assert_eq!(s, 200, "{sam}");
    assert_eq!(sam["person"]["email"], "sam.carter@example.com");
    let invitations = sam["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 2, "{sam}");
    let peer = invitations.iter().find(|i| i["relation"] == "peer").unwrap();
    assert_eq!(peer["anonymous"], true);
    assert!(peer["state"].is_null() && peer["completed_on"].is_null(), "an anonymous review's answering shows: {peer}");
    let own = invitations.iter().find(|i| i["relation"] == "self").unwrap();
    assert_eq!(own["state"], "completed");
    let given = sam["answers_given"].as_array().unwrap();
    assert_eq!(given.len(), 1, "only the attributed self review: {sam}");
    assert_eq!(given[0]["relation"], "self");
    assert_eq!(given[0]["answers"], json!([{"question":"t1","value":5,"text":null}]));

    // Li Na: what was released about her.
    let (s, li) = app.get("/api/v1/people/E1001/export").await;
    assert_eq!(s, 200, "{li}");
    let released = li["released_results"].as_array().unwrap();
    assert_eq!(released.len(), 1, "{li}");
    assert_eq!(released[0]["cycle"], "Q4");
    assert_eq!(released[0]["scores"]["customer_satisfaction"]["score"], 100.0, "{li}");
    assert!(released[0]["comments"].to_string().contains("Lovely service"), "{li}");
    assert_eq!(released[0]["scores"]["teamwork"]["withheld"], true, "one peer stays withheld: {li}");
    assert!(!li.to_string().contains("\"value\":2"), "the peer's answer leaked: {li}");

    assert_eq!(app.get("/api/v1/people/NOBODY/export").await.0, 404);
    let key = app.scores_key("reader").await.key;
    assert_eq!(app.get_with_key("/api/v1/people/E1002/export", &key).await.0, 403);
    assert_eq!(app.get_with_key("/api/v1/customers/C1/export", &key).await.0, 403);
}

/// Every occurrence of the customer's contact data in the database's files: SQLite's file
/// and WAL as raw bytes, or a pg_dump of the PostgreSQL database.
fn database_bytes(app: &TestApp, backend: Backend) -> Vec<u8> {
    match backend {
        Backend::Sqlite => {
            let db = app.db.dir.path().join("candor.db");
            let mut bytes = std::fs::read(&db).unwrap();
            for suffix in ["-wal", "-shm", "-journal"] {
                bytes.extend(std::fs::read(format!("{}{suffix}", db.display())).unwrap_or_default());
            }
            bytes
        }
        Backend::Postgres => {
            let bin = std::fs::read_dir("/usr/lib/postgresql")
                .unwrap()
                .filter_map(|e| Some(e.ok()?.path().join("bin/pg_dump")))
                .filter(|p| p.exists())
                .max()
                .expect("pg_dump beside initdb");
            let out = std::process::Command::new(bin).arg("--dbname").arg(&app.db.url).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        }
    }
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn erasure_leaves_no_contact_data_and_the_scores_unchanged(backend: Backend) {
    let app = seeded(backend).await;
    let acme = json!({"customers":[{"id":"C1","name":"Acme Erasable Ltd","email":"erase.me@acme.example","phone":"+86 138 0013 8000","owner":"E1001"}]});
    assert_eq!(app.post("/api/v1/customers", acme).await.0, 200);
    app.seed_cycle("Q3").await;
    app.seed_cycle("Q4").await;
    for (c, q1) in [("C1", "5"), ("C2", "2")] {
        answer(&app, "Q3", "csat", "E1001", json!({"customer":c}), "customer", &[("q1", q1), ("q3", "kept words")])
            .await;
        answer(&app, "Q4", "csat", "E1001", json!({"customer":c}), "customer", &[("q1", q1), ("q2", "9")]).await;
    }
    app.close_cycle("Q3").await;
    // Asked for an anonymous review, then their address changes: the old one is told (a
    // notice that carries it), and the invitation keeps the address it was sent to.
    let anon = json!({"id":"anon","kind":"customer","title":"Anonymous","anonymous":true,"questions":[
        {"id":"a1","text":"Overall","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction"}]});
    assert_eq!(app.post("/api/v1/surveys", anon).await.0, 200);
    app.seed_cycle("ANON").await;
    let invite = json!({"invitations":[{"survey":"anon","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}]});
    assert_eq!(app.post("/api/v1/cycles/ANON/invitations", invite).await.0, 201);
    let moved = json!({"customers":[{"id":"C1","name":"Acme Erasable Ltd","email":"moved.me@acme.example","phone":"+86 138 0013 8000","owner":"E1001"}]});
    assert_eq!(app.post("/api/v1/customers", moved).await.0, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'address_changed'").await, 1);
    let scores = |c: &'static str| {
        let app = &app;
        async move { app.get(&format!("/api/v1/cycles/{c}/scores")).await.1 }
    };
    let (q3, q4) = (scores("Q3").await, scores("Q4").await);

    let (s, export) = app.get("/api/v1/customers/C1/export").await;
    assert_eq!(s, 200, "{export}");
    assert_eq!(export["customer"]["phone"], "+86 138 0013 8000");
    assert_eq!(export["invitations"].as_array().unwrap().len(), 3);
    assert_eq!(export["answers_given"].as_array().unwrap().len(), 2, "{export}");

    let (s, erased) = app.delete("/api/v1/customers/C1").await;
    assert_eq!(s, 200, "{erased}");
    assert_eq!(erased, json!({"erased":true,"invitations":3,"answers_kept":2,"answers_deleted":0}));
    assert_eq!(scores("Q3").await, q3, "released scores changed");
    assert_eq!(scores("Q4").await, q4, "the open cycle's scores changed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 4, "answers are kept");
    assert_eq!(app.get("/api/v1/customers/C1/export").await.0, 404);
    assert_eq!(app.delete("/api/v1/customers/C1").await.0, 404);
    let (_, audit) = app.get("/api/v1/audit").await;
    assert!(audit.to_string().contains("erase_customer"), "{audit}");

    let bytes = database_bytes(&app, backend);
    for contact in ["erase.me@acme.example", "moved.me@acme.example", "Acme Erasable", "+86 138 0013 8000"] {
        assert!(!holds(&bytes, contact), "{contact} is still in the database files");
    }
    assert!(holds(&bytes, "cai@dragon.example"), "the scan reads the files: another customer is there");

    // The other customer's answers go with them when asked.
    let (s, erased) = app.delete("/api/v1/customers/C2?answers=delete").await;
    assert_eq!(s, 200, "{erased}");
    assert_eq!(erased["answers_deleted"], 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 2);
    assert_eq!(scores("Q3").await, q3, "released scores stay");
    assert_eq!(app.delete("/api/v1/customers/C1?answers=maybe").await.0, 422);
}

async fn an_admin_erases_a_customer_from_the_admin_page_once_confirmed(backend: Backend) {
    let app = seeded(backend).await;
    let (cookie, csrf) = admin_session(&app, "wang.fang@example.com").await;
    let (s, html) = get(&app, Some(cookie.as_str()), "/admin?lang=zh-CN").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("隐私请求") && html.contains("action=\"/admin/customers/erase\""),
        "the control is on the page"
    );
    let post = |form: Vec<(&'static str, String)>| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            let res = app.client.post(app.url("/admin/customers/erase")).header("cookie", cookie).form(&form).send();
            let res = res.await.unwrap();
            let to = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
            (res.status().as_u16(), to)
        }
    };
    let unconfirmed = vec![("csrf", csrf.clone()), ("lang", "en".into()), ("customer", "C1".into())];
    assert_eq!(post(unconfirmed.clone()).await.0, 422, "not confirmed: nothing done");
    assert_eq!(app.get("/api/v1/customers/C1/export").await.0, 200);
    let mut confirmed = unconfirmed;
    confirmed.push(("confirm", "on".into()));
    assert_eq!(post(confirmed.clone()).await, (303, "/admin?lang=en&done=customer_erased".to_string()));
    assert_eq!(app.get("/api/v1/customers/C1/export").await.0, 404);
    assert_eq!(post(confirmed).await.0, 404, "an unknown customer");
    let (_, html) = get(&app, Some(cookie.as_str()), "/admin?lang=en&done=customer_erased").await;
    assert!(html.contains("Customer erased"), "{html}");
    let (_, audit) = app.get("/api/v1/audit").await;
    let entry = audit.to_string();
    assert!(entry.contains("erase_customer") && entry.contains("E1000"), "by the signed-in admin: {audit}");
    assert!(!entry.contains("buyer@acme.example") && !entry.contains("Acme"), "{audit}");
}

on_both_databases!(
    an_admin_erases_a_customer_from_the_admin_page_once_confirmed,
    a_person_export_holds_their_data_and_no_anonymous_answer,
    erasure_leaves_no_contact_data_and_the_scores_unchanged,
    retention_deletes_what_it_says_and_nothing_else,
);

/// `sql` counted for the cycles OLD, RECENT and OPEN, in that order (`{c}` names the cycle).
async fn per_cycle(app: &TestApp, sql: &str) -> Vec<i64> {
    let mut v = Vec::new();
    for c in ["OLD", "RECENT", "OPEN"] {
        v.push(count(app, &sql.replace("{c}", c)).await);
    }
    v
}

async fn retention_deletes_what_it_says_and_nothing_else(backend: Backend) {
    let app = seeded(backend).await;
    for c in ["OLD", "RECENT", "OPEN"] {
        app.seed_cycle(c).await;
        let text = format!("comment in {c}");
        answer(&app, c, "csat", "E1001", json!({"customer":"C1"}), "customer", &[("q1", "4"), ("q3", text.as_str())])
            .await;
        answer(&app, c, "peer360", "E1001", json!({"person":"E1002"}), "peer", &[("t1", "4")]).await;
    }
    app.close_cycle("OLD").await;
    app.close_cycle("RECENT").await;
    let year_and_more = 400 * 86_400;
    let sql = format!("UPDATE cycles SET closed_at = closed_at - {year_and_more} WHERE id = 'OLD'");
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&app.state.db().pool).await.unwrap();
    let scores: Vec<Value> = {
        let mut v = Vec::new();
        for c in ["OLD", "RECENT", "OPEN"] {
            v.push(app.get(&format!("/api/v1/cycles/{c}/scores")).await.1);
        }
        v
    };
    let invitations = "SELECT COUNT(*) FROM invitations WHERE cycle_id = '{c}'";
    let links = "SELECT COUNT(*) FROM links l JOIN invitations i ON i.id = l.invitation_id WHERE i.cycle_id = '{c}'";
    let linked = "SELECT COUNT(*) FROM responses WHERE cycle_id = '{c}' AND invitation_id IS NOT NULL";
    let texts = "SELECT COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.cycle_id = '{c}' AND a.text IS NOT NULL";
    let values = "SELECT COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.cycle_id = '{c}' AND a.value IS NOT NULL";
    assert_eq!(per_cycle(&app, invitations).await, vec![2, 2, 2]);
    assert_eq!(per_cycle(&app, linked).await, vec![1, 1, 1], "attributed answers keep their invitation until then");
    let values_before = per_cycle(&app, values).await;

    // The worker sweeps when it starts, and hourly after; the sweep's audit entry is the last
    // thing it writes.
    let (db, key) = app.stop().await;
    let mut config = common::test_config(&db.url, db.dir.path().join("mail"));
    config.retention_months = Some(12);
    let app = common::start(db, config, Some(key)).await;
    eventually(20, || async {
        let (_, audit) = app.get("/api/v1/audit?cycle=OLD").await;
        audit.to_string().contains("retention_sweep").then_some(())
    })
    .await;

    assert_eq!(per_cycle(&app, invitations).await, vec![0, 2, 2]);
    assert_eq!(per_cycle(&app, links).await[1..], [2, 2]);
    assert_eq!(per_cycle(&app, linked).await, vec![0, 1, 1]);
    assert_eq!(per_cycle(&app, texts).await, vec![0, 1, 1], "comments of the old cycle only");
    assert_eq!(per_cycle(&app, values).await, values_before, "answers' values stay");
    for (c, before) in ["OLD", "RECENT", "OPEN"].iter().zip(&scores) {
        assert_eq!(&app.get(&format!("/api/v1/cycles/{c}/scores")).await.1, before, "scores of {c} changed");
    }
    let (_, comments) = app.get("/api/v1/cycles/OLD/comments").await;
    assert!(!comments.to_string().contains("comment in OLD"), "{comments}");
    let (_, comments) = app.get("/api/v1/cycles/RECENT/comments").await;
    assert!(comments.to_string().contains("comment in RECENT"), "{comments}");
}
