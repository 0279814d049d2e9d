//! Periods for the scoring step: cycles listed for any key, and scores pooled over a month, a
//! quarter or a year from the closed cycles inside it — numbers computed by hand below.
use crate::common::web::{admin_session, get, post, session};
use crate::common::{self, Backend, TestApp, count};
use serde_json::{Value, json};

/// Invites and answers: (survey, subject, respondent json, relation, form fields).
async fn answer(app: &TestApp, cycle: &str, survey: &str, respondent: Value, relation: &str, fields: &[(&str, &str)]) {
    let row = json!({"survey":survey,"subject":"E1001","respondent":respondent,"relation":relation});
    common::mail::answer_by_email(app, cycle, row, fields).await;
}

async fn setup(app: &TestApp) {
    app.seed_org().await;
    app.seed_survey().await;
    app.add_people(json!([
                {"id":"P1","name":"Pia","email":"p1@example.com","manager":"E1000","team":"East"},
                {"id":"P2","name":"Pat","email":"p2@example.com","manager":"E1000","team":"East"},
                {"id":"P3","name":"Per","email":"p3@example.com","manager":"E1000","team":"East"},
                {"id":"D1","name":"Dee","email":"d1@example.com","manager":"E1001","team":"East"}]))
        .await;
    app.add_customers(json!([{"id":"C3","name":"Third","email":"c3@x.example","owner":"E1001"}])).await;
    app.seed_teamwork_survey("p", true).await;
    // Three monthly customer cycles: 100, 50 | 75 | 0, 100 (q1 on 1..5).
    for (id, period, answers) in [
        ("M10", "2026-10", vec![("C1", "5"), ("C2", "3")]),
        ("M11", "2026-11", vec![("C1", "4")]),
        ("M12", "2026-12", vec![("C2", "1"), ("C1", "5")]),
    ] {
        app.seed_cycle_in(id, period).await;
        for (c, v) in answers {
            answer(app, id, "csat", json!({"customer":c}), "customer", &[("q1", v)]).await;
        }
        app.close_cycle(id).await;
    }
    // The quarter's 360: manager 75; peers 100, 75, 50 (released); one direct report 0 (withheld).
    app.seed_cycle_in("Q4-360", "2026-Q4").await;
    answer(app, "Q4-360", "p", json!({"person":"E1000"}), "manager", &[("t1", "4")]).await;
    for (p, v) in [("P1", "5"), ("P2", "4"), ("P3", "3")] {
        answer(app, "Q4-360", "p", json!({"person":p}), "peer", &[("t1", v)]).await;
    }
    answer(app, "Q4-360", "p", json!({"person":"D1"}), "direct_report", &[("t1", "1")]).await;
    app.close_cycle("Q4-360").await;
    // A late December cycle that is still open: left out, and the period is not final.
    app.seed_cycle_in("M12-late", "2026-12").await;
    answer(app, "M12-late", "csat", json!({"customer":"C3"}), "customer", &[("q1", "1")]).await;
}

fn li(b: &Value) -> &Value {
    b["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E1001").unwrap()
}

async fn quarters_and_years_pool_the_released_groups(backend: Backend) {
    let app = common::spawn_app(backend).await;
    setup(&app).await;
    let scores_key = app.scores_key("scoring").await.key;
    // A scores key finds the cycles of a period.
    let (s, list) = app.get_with_key("/api/v1/cycles", &scores_key).await;
    assert_eq!(s, 200, "{list}");
    let periods: Vec<(&str, &str)> = list["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["period"].as_str().unwrap()))
        .collect();
    assert!(periods.contains(&("M11", "2026-11")) && periods.contains(&("Q4-360", "2026-Q4")), "{list}");
    let (s, one) = app.get_with_key("/api/v1/cycles/M11", &scores_key).await;
    assert_eq!((s, one["period"].as_str()), (200, Some("2026-11")), "{one}");

    let (s, q4) = app.get_with_key("/api/v1/scores?period=2026-Q4", &scores_key).await;
    assert_eq!(s, 200, "{q4}");
    assert_eq!(q4["cycles"], json!(["M10", "M11", "M12", "Q4-360"]), "closed cycles only, oldest first");
    assert_eq!((q4["final"].as_bool(), q4["status"].as_str()), (Some(false), Some("open")), "M12-late is open");
    let cs = &li(&q4)["indicators"]["customer_satisfaction"];
    // 100, 50, 75, 0, 100: mean 65; sd √(7000/4) = 41.83; ci 65 ± 2.776445 × 41.83 / √5.
    assert_eq!((cs["score"].as_f64(), cs["n"].as_u64(), cs["sd"].as_f64()), (Some(65.0), Some(5), Some(41.8)), "{cs}");
    assert_eq!(cs["ci95"], json!([13.1, 100.0]));
    assert_eq!(cs["csat"].as_f64(), Some(0.6), "5, 4 and 5 of 5, 3, 4, 1, 5");
    let tw = &li(&q4)["indicators"]["teamwork"];
    // Manager 75 and peers 75 (weights 1): 75, n 4; the withheld direct report stays out.
    assert_eq!((tw["score"].as_f64(), tw["n"].as_u64()), (Some(75.0), Some(4)), "{tw}");
    assert!(tw["by_relation"].get("direct_report").is_none(), "a group withheld in its cycle is not pooled: {tw}");
    assert_eq!(tw["by_relation"]["peer"]["n"], 3);

    let (_, year) = app.get_with_key("/api/v1/scores?period=2026&subject=E1001", &scores_key).await;
    assert_eq!(year["subjects"].as_array().unwrap().len(), 1);
    assert_eq!(li(&year)["indicators"], li(&q4)["indicators"], "the year holds the same cycles");
    let (_, october) = app.get_with_key("/api/v1/scores?period=2026-10", &scores_key).await;
    assert_eq!((october["final"].as_bool(), october["cycles"].clone()), (Some(true), json!(["M10"])));
    assert_eq!(li(&october)["indicators"]["customer_satisfaction"]["score"], 75.0);

    let csv = app.csv_with_key("/api/v1/scores.csv?period=2026-Q4", &scores_key).await;
    assert!(
        csv.lines().any(|l| l.starts_with("2026-Q4,open,false,E1001,") && l.contains(",customer_satisfaction,65,5,")),
        "{csv}"
    );
    // Her manager's view: monthly customer cycles draw their own trend, not joined to the 360.
    let cookie = session(&app, "wang.fang@example.com").await;
    let (s, page) = get(&app, Some(&cookie), "/dashboard/people/E1001?cycle=M12&lang=en").await;
    assert_eq!(s, 200);
    assert!(page.contains("Trend across monthly cycles"), "a monthly trend");
    assert!(page.contains("aria-label=\"Trend across monthly cycles\""), "its own chart");
    assert!(!page.contains("aria-label=\"Trend across cycles\""), "no line joining months and the 360");
    // The dashboard shows the quarter as well as a cycle: the pooled figures, no progress column.
    let (s, page) = get(&app, Some(&cookie), "/dashboard?period=2026-Q4&lang=en").await;
    assert_eq!(s, 200);
    assert!(page.contains("65.0") && page.contains("75.0"), "pooled customer satisfaction and teamwork");
    assert!(!page.contains("class=\"meter\""), "no progress for a period");
    for p in ["<option value=\"2026-Q4\" selected>", "<option value=\"2026\"", "<option value=\"2026-11\""] {
        assert!(page.contains(p), "{p}");
    }
    for bad in ["2026-Q5", "Q4", "2026-13"] {
        let (s, b) = app.get_with_key(&format!("/api/v1/scores?period={bad}"), &scores_key).await;
        assert_eq!((s, b["error"]["code"].as_str()), (422, Some("invalid_period")), "{bad}: {b}");
    }
}

/// The quarter's view keeps the quarter one click later: a person's link opens their pooled
/// report (the API's figures), which lists the cycles it pooled; the view names the cycle left
/// out because it is open and the one no period holds. Browser walkthrough, December, problem 5.
async fn the_period_view_keeps_its_period_on_drill_down(backend: Backend) {
    let app = common::spawn_app(backend).await;
    setup(&app).await;
    let body = json!({"id":"ADHOC","title":"Ad hoc check","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z"});
    assert_eq!(app.post("/api/v1/cycles", body).await.0, 200);
    let (_, q4) = app.get("/api/v1/scores?period=2026-Q4&subject=E1001").await;
    let cookie = session(&app, "wang.fang@example.com").await;
    let (s, team) = get(&app, Some(&cookie), "/dashboard?period=2026-Q4&lang=en").await;
    assert_eq!(s, 200, "{team}");
    assert!(team.contains("href=\"/dashboard/people/E1001?period=2026-Q4&amp;lang=en\""), "{team}");
    assert!(team.contains("Closed cycles pooled: Cycle M10, Cycle M11, Cycle M12, Cycle Q4-360."), "{team}");
    assert!(team.contains("Still open, so left out: Cycle M12-late."), "{team}");
    assert!(team.contains("Without a period, so in no month, quarter or year: Ad hoc check."), "{team}");

    let (s, report) = get(&app, Some(&cookie), "/dashboard/people/E1001?period=2026-Q4&lang=en").await;
    assert_eq!(s, 200, "{report}");
    let mut shown = 0;
    for (indicator, v) in li(&q4)["indicators"].as_object().unwrap() {
        let Some(score) = v["score"].as_f64() else { continue };
        let total = format!(": {score:.1} <small>(n = {})</small>", v["n"]);
        assert!(report.contains(&total), "{indicator} {total:?} in the pooled report: {report}");
        shown += 1;
    }
    assert_eq!(shown, 2, "customer satisfaction 65.0 (n = 5) and teamwork 75.0 (n = 4): {report}");
    assert!(report.contains("CSAT 60 %"), "{report}");
    for c in ["M10", "M11", "M12", "Q4-360"] {
        assert!(report.contains(&format!("href=\"/dashboard/people/E1001?cycle={c}&#38;lang=en\"")), "{c}: {report}");
    }
    assert!(!report.contains("M12-late"), "an open cycle is not pooled: {report}");
    assert!(report.contains("href=\"/dashboard?period=2026-Q4&#38;lang=en\""), "back to the quarter: {report}");
    let (_, zh) = get(&app, Some(&cookie), "/dashboard/people/E1001?period=2026-Q4&lang=zh-CN").await;
    assert!(zh.contains("2026-Q4的汇总结果。"), "{zh}");
    // Out of reach, or not a period: not found.
    let sam = session(&app, "sam.carter@example.com").await;
    assert_eq!(get(&app, Some(&sam), "/dashboard/people/E1001?period=2026-Q4").await.0, 404);
    assert_eq!(get(&app, Some(&cookie), "/dashboard/people/E1001?period=2026-Q5").await.0, 404);
}

/// A cycle keeps the org chart as it was at its launch: moving Li Na to another manager and
/// team later changes neither her team in that cycle's scores nor who may see her there.
async fn a_cycle_keeps_its_org_chart(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_teamwork_survey("p", false).await;
    let roles = json!({"id":"Q4","title":"Q4","period":"2026-Q4","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z",
        "weights_by_role":{"sales_manager":{"manager":0,"peer":1,"direct_report":3}}});
    let (s, b) = app.post("/api/v1/cycles", roles).await;
    assert_eq!(s, 200, "{b}");
    let (_, c) = app.get("/api/v1/cycles/Q4").await;
    assert_eq!(c["weights_by_role"]["sales_manager"]["direct_report"], 3.0, "{c}");
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", json!({"survey":"p","subjects":"all","peers":"team"})).await;
    assert_eq!(s, 201, "{b}");
    // Li Na moves: to Sam as her manager, and to the West team.
    app.add_people(json!([{"id":"E1001","name":"Li Na","email":"li.na@example.com","manager":"E1002","team":"West","role":"sales"}])).await;
    let (_, scores) = app.get("/api/v1/cycles/Q4/scores").await;
    assert_eq!(li(&scores)["team"], "East", "the cycle's team, not today's");
    for (email, sees) in [("wang.fang@example.com", true), ("sam.carter@example.com", false)] {
        let cookie = session(&app, email).await;
        let (s, page) = get(&app, Some(&cookie), "/dashboard?cycle=Q4&lang=en").await;
        assert_eq!(s, 200);
        assert_eq!(page.contains("Li Na"), sees, "{email} in the cycle's org chart");
    }
    let bad = json!({"id":"Q5","title":"Q5","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z",
        "weights_by_role":{"Sales Manager":{"manager":1}}});
    let (s, b) = app.post("/api/v1/cycles", bad).await;
    assert_eq!(s, 422, "{b}");
}

/// A monthly schedule on two instances of one database: this month's cycle is opened,
/// invited and closed once, and not opened again once closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_opens_and_closes_its_cycle_once_on_two_instances() {
    use crate::common::{TestDb, fresh_db, start, test_config};
    if !crate::common::postgres_available() {
        return;
    }
    let db = fresh_db(Backend::Postgres).await;
    let url = db.url.clone();
    let mut config = test_config(&url, db.dir.path().join("mail-a"));
    config.day_seconds = 1;
    let a = start(db, config, None).await;
    let second = TestDb { url: url.clone(), dir: tempfile::tempdir().unwrap() };
    let mut config = test_config(&url, second.dir.path().join("mail-b"));
    config.day_seconds = 1;
    let b = start(second, config, Some(a.admin_key.clone())).await;
    a.seed_org().await;
    a.seed_survey().await;
    let schedule = json!({"id":"csat-monthly","title":"Customer survey {period}","every":"month","survey":"csat",
        "invite":"customers","open_days":3,"min_raters":3});
    let (s, b2) = b.post("/api/v1/schedules", schedule).await;
    assert_eq!(s, 201, "{b2}");
    let (_, list) = a.get("/api/v1/schedules").await;
    assert_eq!(list["schedules"][0]["id"], "csat-monthly");
    let mismatch =
        json!({"id":"wrong","title":"x {period}","every":"month","survey":"csat","invite":"launch","open_days":3});
    let (s, b2) = a.post("/api/v1/schedules", mismatch).await;
    assert_eq!((s, b2["error"]["code"].as_str()), (422, Some("invalid_schedule")), "launch needs a peer survey: {b2}");
    let pool = &a.state.db().pool;
    let closed: Vec<(String, Option<String>)> = common::eventually(30, || async {
        let rows: Vec<(String, Option<String>, String)> =
            sqlx::query_as("SELECT id, period, status FROM cycles").fetch_all(pool).await.ok()?;
        (rows.len() == 1 && rows[0].2 == "closed").then(|| rows.into_iter().map(|r| (r.0, r.1)).collect())
    })
    .await;
    let (id, period) = &closed[0];
    assert_eq!(id, &format!("csat-monthly-{}", period.as_deref().unwrap()), "one cycle, named for its month");
    assert_eq!(count(&a, "SELECT COUNT(*) FROM invitations").await, 2, "Li Na's two customers, once");
    let emails = count(&a, "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'").await;
    assert_eq!(emails, 2, "one email per customer, whichever instance invited");
    // Both workers keep polling: a closed period is not opened again. Rather than wait for
    // their next polls, each instance runs its schedules once more, now, as its worker would.
    for instance in [&a, &b] {
        candor::app::schedules::run_due(&instance.state).await.unwrap();
    }
    assert_eq!(count(&a, "SELECT COUNT(*) FROM cycles").await, 1);
    assert_eq!(count(&a, "SELECT COUNT(*) FROM invitations").await, 2, "nobody invited again");
    assert_eq!(a.delete("/api/v1/schedules/csat-monthly").await.0, 204);
}

/// HR runs schedules from /admin too: adding one opens this period's cycle; deleting asks first.
async fn schedules_on_the_admin_page(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    let (cookie, csrf) = admin_session(&app, "sam.carter@example.com").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("id", "monthly"),
        ("title", "Customers {period}"),
        ("every", "month"),
        ("survey", "csat"),
        ("invite", "customers"),
        ("open_days", "14"),
        ("min_raters", "3"),
    ];
    // First what it will do, with nothing saved; then, confirmed, it is saved.
    let (s, preview) = post(&app, Some(&cookie), "/admin/schedules", &form).await;
    assert_eq!(s, 200, "{preview}");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let said = format!("It opens monthly-{month} now and emails 2 people.");
    assert!(preview.contains(&said) && preview.contains("id=\"confirm-schedule\""), "{said}: {preview}");
    assert!(app.get("/api/v1/schedules").await.1["schedules"].as_array().unwrap().is_empty(), "not saved yet");
    let confirmed: Vec<(&str, &str)> = form.iter().copied().chain([("confirm", "on")]).collect();
    assert_eq!(post(&app, Some(&cookie), "/admin/schedules", &confirmed).await.0, 303);
    let pool = &app.state.db().pool;
    let title: String = common::eventually(20, || async {
        sqlx::query_scalar("SELECT title FROM cycles WHERE id LIKE 'monthly-%'").fetch_optional(pool).await.ok()?
    })
    .await;
    assert!(title.starts_with("Customers 20"), "{title}");
    let delete = |confirm: bool| {
        let mut form = vec![("csrf", csrf.clone()), ("lang", "en".to_string())];
        if confirm {
            form.push(("confirm", "on".to_string()));
        }
        app.client.post(app.url("/admin/schedules/monthly/delete")).header("cookie", &cookie).form(&form).send()
    };
    assert_eq!(delete(false).await.unwrap().status().as_u16(), 422, "not without the box ticked");
    let (_, list) = app.get("/api/v1/schedules").await;
    assert_eq!(list["schedules"].as_array().unwrap().len(), 1);
    assert_eq!(delete(true).await.unwrap().status().as_u16(), 303);
    let (_, list) = app.get("/api/v1/schedules").await;
    assert!(list["schedules"].as_array().unwrap().is_empty());
}

/// A schedule skips a period that has a cycle of its survey already, never asks a customer who
/// answered that survey in the period, and says so before it is saved (`next`). Browser
/// walkthrough, December, problem 3.
async fn a_schedule_never_asks_twice_in_a_period(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let quarter = candor::domain::period::Period::parse(&month).unwrap().with_enclosing()[1].to_string();
    // A cycle made by hand this month, in which Acme (C1) answered.
    app.seed_cycle_in("HAND", &month).await;
    answer(&app, "HAND", "csat", json!({"customer":"C1"}), "customer", &[("q1", "5")]).await;

    // Monthly: this month has its cycle already, so the schedule starts next month, with both.
    let monthly = json!({"id":"m","title":"Customers {period}","every":"month","survey":"csat","invite":"customers","open_days":14});
    let (s, b) = app.post("/api/v1/schedules", monthly).await;
    assert_eq!(s, 201, "{b}");
    let next_month = candor::domain::period::Period::parse(&month).unwrap().next().to_string();
    assert_eq!(
        (b["next"]["cycle"].as_str(), b["next"]["people"].as_i64()),
        (Some(format!("m-{next_month}").as_str()), Some(2)),
        "{b}"
    );
    assert!(b["next"]["opens_at"].as_str().unwrap().starts_with(&format!("{next_month}-01T00:00:00")), "{b}");
    // Quarterly: this quarter has no quarterly cycle, so it opens now, asking only Dragon (C2).
    let quarterly = json!({"id":"q","title":"Quarter {period}","every":"quarter","survey":"csat","invite":"customers","open_days":14});
    let (s, b) = app.post("/api/v1/schedules", quarterly).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (b["next"]["cycle"].as_str(), b["next"]["people"].as_i64()),
        (Some(format!("q-{quarter}").as_str()), Some(1)),
        "{b}"
    );

    candor::app::schedules::run_due(&app.state).await.unwrap();
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM cycles WHERE id = 'm-{month}'")).await,
        0,
        "the month is skipped"
    );
    let asked: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT respondent_customer_id FROM invitations WHERE cycle_id = 'q-{quarter}' ORDER BY 1"
    )))
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    assert_eq!(asked, ["C2"], "Acme answered this quarter already");
}

on_both_databases!(
    quarters_and_years_pool_the_released_groups,
    a_schedule_never_asks_twice_in_a_period,
    the_period_view_keeps_its_period_on_drill_down,
    a_cycle_keeps_its_org_chart,
    schedules_on_the_admin_page
);
