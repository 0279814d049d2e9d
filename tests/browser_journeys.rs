//! One journey per person, walked in a real browser from the email (real SMTP, the link in the
//! mail) or the sign-in to the end, in English and 简体中文 at 360 px and 1280 px (`VIEWS`):
//! the customer, the rater, the salesperson, the manager, the HR admin, and the scoring step
//! reading the API and comparing it with the pages. Every page is checked by axe, for overflow
//! and for English left on Chinese pages, and saved as target/journeys/journey-*.png; every
//! number a page shows is compared with the API's for the same cycle.
use crate::common;

use common::browser::{browser, click, text_of, wait_text};
use common::journey::{
    VIEWS, api_subject, assert_report_is_the_apis, proper_names, report_blocks, sign_in_by_email, step,
};
use common::smtp::SmtpSink;
use common::{Backend, TestApp, count, eventually, spawn_app_with};
use fantoccini::{Client, Locator};
use serde_json::json;

/// The demo organisation (a closed and an open quarter) with email through a real SMTP server.
async fn demo(sink: &SmtpSink) -> TestApp {
    let smtp = sink.url();
    let app = spawn_app_with(Backend::Sqlite, |c| c.smtp_url = Some(smtp)).await;
    candor::demo::seed(&app.state, &app.addr).await.unwrap();
    app
}

fn names(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

/// A cycle of the journey's own, open until 2099, with its Chinese title.
async fn open_cycle(app: &TestApp, id: &str) {
    let body = json!({"id":id,"title":"Journey check-in","title_i18n":{"zh-CN":"旅程回访"},
        "opens_at":"2026-11-01T00:00:00Z","closes_at":"2099-06-30T00:00:00Z","min_raters":2});
    let (s, b) = app.post("/api/v1/cycles", body).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_of_a_customer() {
    let sink = SmtpSink::start();
    let app = demo(&sink).await;
    open_cycle(&app, "journey-c").await;
    // Four customers of Sam Carter, one per view, each in the language of that view.
    let customers: Vec<_> = VIEWS
        .iter()
        .enumerate()
        .map(|(k, v)| {
            json!({"id":format!("JC{k}"),"name":format!("Buyer {k}"),"email":format!("buyer{k}@shop.example"),
                              "owner":"E112","locale":v.lang})
        })
        .collect();
    app.add_customers(json!(customers)).await;
    let rows: Vec<_> = (0..VIEWS.len())
        .map(|k| json!({"survey":"demo-csat","subject":"E112","respondent":{"customer":format!("JC{k}")},"relation":"customer"}))
        .collect();
    let (s, b) = app.post("/api/v1/cycles/journey-c/invitations", json!({"invitations": rows})).await;
    assert_eq!(s, 201, "{b}");
    let (_, survey) = app.get("/api/v1/surveys/demo-csat").await;
    let (_, cycle) = app.get("/api/v1/cycles/journey-c").await;
    let allowed = proper_names(&app).await;
    let (_driver, c) = browser().await;
    for (k, view) in VIEWS.iter().enumerate() {
        view.apply(&c).await;
        let to = format!("buyer{k}@shop.example");
        let mail = eventually(20, || async { sink.messages().into_iter().find(|m| m.rcpt_tos == [to.as_str()]) }).await;
        assert!(mail.subject.contains(view.says("Sam Carter", "Sam Carter")), "{}", mail.subject);
        // Until when the link works: the cycle's closing time, local, in the customer's language.
        let closes = candor::domain::time::parse_rfc3339(cycle["closes_at"].as_str().unwrap(), "closes").unwrap();
        let calendar = &app.state.calendar;
        let until = candor::i18n::calendar::date_time(view.locale, &calendar.local(closes), calendar.name());
        assert!(mail.text().contains(&until), "{until:?} in {}", mail.text());
        c.goto(&mail.link(&app.addr, "/s/")).await.unwrap();
        // The questions as the API has them, in the customer's language.
        let q1 = &survey["questions"][0];
        let text = if view.en() { q1["text"].as_str() } else { q1["text_i18n"]["zh-CN"].as_str() }.unwrap();
        let page = wait_text(&c, text).await;
        assert!(page.contains("Sam Carter"), "{page}");
        step(&c, view, "customer", "1-form", "main form .q", &names(&allowed)).await;
        click(&c, &format!("input[name=q1][value='{}']", 2 + k)).await;
        click(&c, "input[name=q2][value='9']").await;
        click(&c, "form button[type=submit]").await;
        let thanks = wait_text(&c, view.says("Thank you", "谢谢您")).await;
        assert!(!thanks.is_empty());
        step(&c, view, "customer", "2-thanks", "main h1", &names(&allowed)).await;
        // The same link again: already answered, said plainly.
        c.goto(&mail.link(&app.addr, "/s/")).await.unwrap();
        wait_text(&c, view.says("already", "已")).await;
        step(&c, view, "customer", "3-again", "main h1", &names(&allowed)).await;
    }
    let (_, p) = app.get("/api/v1/cycles/journey-c/progress").await;
    assert_eq!(p["surveys"][0]["completed"], 4, "{p}");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_of_a_rater() {
    let sink = SmtpSink::start();
    let app = demo(&sink).await;
    open_cycle(&app, "journey-r").await;
    // Sam Carter is asked about himself, two peers and his manager: four reviews, one email.
    let launch = json!({"survey":"demo-360","subjects":["E112","E111","E113","E110"],"peers":"team"});
    let (s, b) = app.post("/api/v1/cycles/journey-r/launch", launch).await;
    assert_eq!(s, 201, "{b}");
    let mail = eventually(20, || async {
        sink.messages().into_iter().find(|m| m.rcpt_tos == ["sam.carter@demo.example"] && m.text().contains("/s/"))
    })
    .await;
    let links = mail.links(&app.addr, "/s/");
    assert_eq!(links.len(), 4, "four reviews in one email: {}", mail.text());
    let allowed = proper_names(&app).await;
    let (_driver, c) = browser().await;
    for (k, (view, link)) in VIEWS.iter().zip(&links).enumerate() {
        view.apply(&c).await;
        c.goto(&format!("{link}?lang={}", view.lang)).await.unwrap();
        wait_text(&c, view.says("Works well with the team", "与团队合作良好")).await;
        step(&c, view, "rater", "1-form", "main form .q", &names(&allowed)).await;
        click(&c, "input[name=t1][value='4']").await;
        click(&c, "input[name=c1][value='5']").await;
        click(&c, "#submit").await;
        wait_text(&c, view.says("reviews done", "项评价")).await;
        let done = count(
            &app,
            "SELECT COUNT(*) FROM invitations WHERE cycle_id = 'journey-r' AND respondent_person_id = 'E112' AND completed = TRUE",
        )
        .await;
        assert_eq!(done, k as i64 + 1);
        let said =
            if view.en() { format!("{done} of 4 reviews done") } else { format!("已完成 {done}/4 项评价") };
        wait_text(&c, &said).await;
        step(&c, view, "rater", "2-thanks", "main h1", &names(&allowed)).await;
    }
    // At the end, his home lists the four as done, in both languages.
    common::browser::sign_in(&c, &app, "sam.carter@demo.example").await;
    for view in [VIEWS[0], VIEWS[1]] {
        view.apply(&c).await;
        c.goto(&app.url(&format!("/me?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("My reviews", "我的评价")).await;
        let done = c.find_all(Locator::Css("#reviews .state.done")).await.unwrap().len();
        assert!(done >= 4, "the four reviews shown as done: {}", text_of(&c).await);
        step(&c, &view, "rater", "3-home", "#reviews", &names(&allowed)).await;
    }
    c.close().await.unwrap();
}

/// The closed quarter of the demo, as the scoring step reads it.
const CLOSED: &str = "demo-2026-Q3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_of_a_salesperson() {
    let sink = SmtpSink::start();
    let app = demo(&sink).await;
    let key = app.scores_key("scoring").await.key;
    let mine = api_subject(&app, &key, CLOSED, "E112").await;
    let allowed = proper_names(&app).await;
    let (_driver, c) = browser().await;
    sign_in_by_email(&c, &app, &sink, "sam.carter@demo.example").await;
    for view in VIEWS {
        view.apply(&c).await;
        c.goto(&app.url(&format!("/me?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("My results", "我的结果")).await;
        step(&c, &view, "salesperson", "1-home", "#my-results", &names(&allowed)).await;
        click(&c, "#my-results a.button").await;
        wait_text(&c, view.says("How to read this report", "如何阅读")).await;
        assert!(c.current_url().await.unwrap().as_str().contains(&format!("cycle={CLOSED}")));
        let what = format!("Sam's report ({} {})", view.size, view.lang);
        assert_report_is_the_apis(&report_blocks(&c).await, &mine, view.locale, &what);
        step(&c, &view, "salesperson", "2-report", "section.block table", &names(&allowed)).await;
    }
    c.close().await.unwrap();
}

/// The team page's rows: each person's name and their cells, as drawn.
async fn team_rows(c: &Client) -> Vec<Vec<String>> {
    let js = "return [...document.querySelectorAll('main table tbody tr')].map(tr => [...tr.children].map(td => td.innerText.trim()));";
    serde_json::from_value(c.execute(js, vec![]).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_of_a_manager() {
    let sink = SmtpSink::start();
    let app = demo(&sink).await;
    let key = app.scores_key("scoring").await.key;
    let (_, scores) = app.get_with_key(&format!("/api/v1/cycles/{CLOSED}/scores"), &key).await;
    let allowed = proper_names(&app).await;
    let (_driver, c) = browser().await;
    // Li Na manages the East team.
    sign_in_by_email(&c, &app, &sink, "li.na@demo.example").await;
    for view in VIEWS {
        view.apply(&c).await;
        c.goto(&app.url(&format!("/me?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("My team", "我的团队")).await;
        step(&c, &view, "manager", "1-home", "#my-team", &names(&allowed)).await;
        click(&c, "#my-team a.button").await;
        wait_text(&c, view.says("Team indicators", "团队指标")).await;
        c.find(Locator::Id("cycle")).await.unwrap().select_by_value(CLOSED).await.unwrap();
        click(&c, "form.picker button").await;
        wait_text(&c, view.says("Team indicators — closed", "团队指标 — 已结束")).await;
        // Every score in her team's rows is the API's.
        let rows = team_rows(&c).await;
        let mut seen = 0;
        for subject in scores["subjects"].as_array().unwrap() {
            let Some(row) = rows.iter().find(|r| r[0] == subject["name"].as_str().unwrap()) else { continue };
            for v in subject["indicators"].as_object().unwrap().values() {
                if let Some(score) = v["score"].as_f64() {
                    let cell = format!("{score:.1}");
                    assert!(row.contains(&cell), "{} {cell} in {row:?}", subject["name"]);
                    seen += 1;
                }
            }
        }
        assert!(seen >= 4, "scores of her team compared: {rows:?}");
        step(&c, &view, "manager", "2-team", "main table tbody tr", &names(&allowed)).await;
        c.find(Locator::LinkText("Sam Carter")).await.unwrap().click().await.unwrap();
        wait_text(&c, view.says("How to read this report", "如何阅读")).await;
        let sam = scores["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E112").unwrap();
        let what = format!("Sam's report for Li Na ({} {})", view.size, view.lang);
        assert_report_is_the_apis(&report_blocks(&c).await, sam, view.locale, &what);
        step(&c, &view, "manager", "3-report", "section.block table", &names(&allowed)).await;
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_of_an_hr_admin() {
    let sink = SmtpSink::start();
    let app = demo(&sink).await;
    let allowed = proper_names(&app).await;
    let (_driver, c) = browser().await;
    sign_in_by_email(&c, &app, &sink, "admin@demo.example").await;
    for view in VIEWS {
        view.apply(&c).await;
        c.goto(&app.url(&format!("/admin?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("Create a cycle", "创建考核周期")).await;
        // The cycles' counts are the API's progress.
        let rows = team_rows(&c).await;
        for cycle in ["demo-2026-Q3", "demo-2026-Q4"] {
            let (_, p) = app.get(&format!("/api/v1/cycles/{cycle}/progress")).await;
            let sum = |k: &str| p["surveys"].as_array().unwrap().iter().map(|s| s[k].as_i64().unwrap()).sum::<i64>();
            let expected = [sum("invited"), sum("emailed"), sum("failed"), sum("completed")].map(|n| n.to_string());
            let (_, info) = app.get(&format!("/api/v1/cycles/{cycle}")).await;
            let title = if view.en() { info["title"].as_str() } else { info["title_i18n"]["zh-CN"].as_str() };
            let title = title.or(info["title"].as_str()).unwrap();
            let row = rows.iter().find(|r| r[0].starts_with(title)).unwrap_or_else(|| panic!("{title} in {rows:?}"));
            assert_eq!(row[1..5], expected, "{cycle}: {row:?} vs {p}");
        }
        step(&c, &view, "hr", "1-admin", "section[aria-labelledby=cycles-h] table", &names(&allowed)).await;
        // The open cycle's raters: who has not answered, and the anonymous reviews listed alike.
        c.goto(&app.url(&format!("/admin/cycles/demo-2026-Q4/raters?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("Anonymous reviews: everyone asked", "匿名评价：全部受邀人")).await;
        click(&c, "details.asked summary").await;
        step(&c, &view, "hr", "2-raters", "details.asked[open] table", &names(&allowed)).await;
        c.goto(&app.url(&format!("/admin/people?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("Reports to", "上级：")).await;
        step(&c, &view, "hr", "3-people", "ul.people li.person", &names(&allowed)).await;
    }
    // An import with two refused rows: each marked, in the admin's language; nothing stored.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(
        &file,
        "id,name,email,manager,team\nE900,Nia Obi,nia@demo.example,E404,East\nE901,Ola,li.na@demo.example,E110,East\n",
    )
    .unwrap();
    for view in [VIEWS[1], VIEWS[0]] {
        view.apply(&c).await;
        c.goto(&app.url(&format!("/admin?lang={}", view.lang))).await.unwrap();
        wait_text(&c, view.says("Create a cycle", "创建考核周期")).await;
        c.find(Locator::Id("file")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
        click(&c, "form[action='/admin/import'] button").await;
        let text = wait_text(&c, view.says("2 rows are refused.", "2 行被拒绝。")).await;
        assert!(text.contains(view.says("No person has this manager id.", "没有人员使用此上级编号。")), "{text}");
        c.execute("document.getElementById('preview-h').scrollIntoView()", vec![]).await.unwrap();
        let typed = [names(&allowed), vec!["Nia Obi", "nia@demo.example", "Ola"]].concat();
        step(&c, &view, "hr", "4-import", "section[aria-labelledby=preview-h] td.error", &typed).await;
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people WHERE id IN ('E900', 'E901')").await, 0);
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_of_the_scoring_step() {
    let sink = SmtpSink::start();
    let app = demo(&sink).await;
    let key = app.scores_key("scoring").await.key;
    // What the scoring step reads: the cycles, then a closed cycle's scores, JSON and CSV alike.
    let (s, cycles) = app.get_with_key("/api/v1/cycles", &key).await;
    assert_eq!(s, 200, "{cycles}");
    let closed = cycles["cycles"].as_array().unwrap().iter().find(|c| c["id"] == CLOSED).unwrap();
    assert_eq!(closed["status"], "closed");
    let (_, scores) = app.get_with_key(&format!("/api/v1/cycles/{CLOSED}/scores"), &key).await;
    assert_eq!(scores["final"], true);
    let csv = app.csv_with_key(&format!("/api/v1/cycles/{CLOSED}/scores.csv"), &key).await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let num = |v: &serde_json::Value| v.as_f64().map(|x| x.to_string()).unwrap_or_default();
    let mut rows = 0;
    for record in reader.records() {
        let row: std::collections::HashMap<&str, String> =
            headers.iter().zip(record.unwrap().iter().map(String::from)).collect();
        let subject = scores["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == row["subject"]).unwrap();
        let j = &subject["indicators"][row["indicator"].as_str()];
        for (column, value) in [("score", &j["score"]), ("csat", &j["csat"]), ("nps", &j["nps"])] {
            assert_eq!(row[column], num(value), "{column} of {row:?}");
        }
        assert_eq!(row["n"], j["n"].to_string(), "{row:?}");
        rows += 1;
    }
    assert!(rows >= 9, "one row per subject and indicator: {rows}");
    // And every report of the cycle shows what the API says, in each view.
    let allowed = proper_names(&app).await;
    let (_driver, c) = browser().await;
    common::browser::sign_in(&c, &app, "admin@demo.example").await;
    let subjects = scores["subjects"].as_array().unwrap();
    for (k, view) in VIEWS.iter().enumerate() {
        view.apply(&c).await;
        for subject in subjects.iter().skip(k).step_by(VIEWS.len()) {
            let id = subject["subject"].as_str().unwrap();
            c.goto(&app.url(&format!("/dashboard/people/{id}?cycle={CLOSED}&lang={}", view.lang))).await.unwrap();
            wait_text(&c, view.says("How to read this report", "如何阅读")).await;
            let what = format!("{id}'s report ({} {})", view.size, view.lang);
            assert_report_is_the_apis(&report_blocks(&c).await, subject, view.locale, &what);
            step(&c, view, "scoring", &format!("report-{id}"), "main h1", &names(&allowed)).await;
        }
    }
    c.close().await.unwrap();
}
