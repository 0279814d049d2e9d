//! The pages in a real browser: headless Chromium driven over WebDriver (chromedriver).
//! Sign in from an emailed link, the dashboard, a person's charts, an admin running a cycle
//! (CSV upload, launch, remind, close), and a phone-sized viewport. With CANDOR_SCREENSHOTS
//! set, screenshots of the main pages are written to docs/screenshots/.
use crate::common;

use common::browser::{browser, shot, text_of, wait_text};
use common::smtp::SmtpSink;
use common::{Backend, count, spawn_app_with};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_and_an_admin_in_the_browser() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(Backend::Sqlite, |c| c.smtp_url = Some(smtp)).await;
    candor::demo::seed(&app.state, &app.addr).await.unwrap();
    let (_driver, c) = browser().await;

    // Sign in from the emailed link.
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("email")).await.unwrap().send_keys("admin@demo.example").await.unwrap();
    c.find(Locator::Css("form button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "sign-in link is on its way").await;
    // (The demo's closed cycle sends its results-ready emails too: the sign-in email is the admin's.)
    let mail = common::eventually(15, || async {
        sink.messages().into_iter().find(|m| m.rcpt_tos == ["admin@demo.example"] && m.text().contains("/login/"))
    })
    .await;
    let link = mail.link(&app.addr, "/login/");
    c.goto(&link).await.unwrap();
    c.find(Locator::Css("form button")).await.unwrap().click().await.unwrap();
    // Everyone lands on their home; an admin's has their team.
    wait_text(&c, "My results").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/me");
    c.execute("document.querySelector('#my-team').scrollIntoView()", vec![]).await.unwrap();
    shot(&c, "home", "#my-team").await;
    c.find(Locator::Css("#my-team a.button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Team indicators").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/dashboard");

    // The team, in the closed cycle.
    c.find(Locator::Id("cycle")).await.unwrap().select_by_value("demo-2026-Q3").await.unwrap();
    c.find(Locator::Css("form.picker button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Team indicators — closed").await;
    let rows = c.find_all(Locator::Css("tbody tr")).await.unwrap();
    assert!(rows.len() >= 9, "the whole demo organisation: {}", rows.len());
    let charts = c.find_all(Locator::Css("svg[role=img]")).await.unwrap();
    assert!(charts.len() >= 3, "a chart per indicator");
    shot(&c, "dashboard", "main table tbody tr").await;

    // One person's report with its charts.
    c.find(Locator::LinkText("Sam Carter")).await.unwrap().click().await.unwrap();
    // (One closed cycle in the demo: no trend yet, as an open cycle is no point on the line.)
    wait_text(&c, "How to read this report").await;
    assert!(c.current_url().await.unwrap().path().starts_with("/dashboard/people/E112"));
    let page = text_of(&c).await;
    assert!(page.contains("Teamwork") && page.contains("Customer satisfaction"), "{page}");
    assert!(c.find_all(Locator::Css("svg[role=img] title")).await.unwrap().len() >= 4);
    shot(&c, "person", "section.block figure svg[role=img]").await;

    // An admin runs a cycle end to end: upload people (a bad file first), create, launch,
    // remind, close.
    c.goto(&app.url("/admin")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "id,name,email,manager,team,locale\nE900,Nia Obi,nia@demo.example,E110,East,\nE901,Bad,not-an-email,,East,\nE902,Ola,ola@demo.example,E404,East,\n",
    )
    .unwrap();
    c.find(Locator::Id("file")).await.unwrap().send_keys(bad.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form[action='/admin/import'] button")).await.unwrap().click().await.unwrap();
    let page = wait_text(&c, "Nothing was stored").await;
    assert!(page.contains("not a valid email") && page.contains("2 rows are refused"), "{page}");
    c.execute("document.getElementById('preview-h').scrollIntoView()", vec![]).await.unwrap();
    shot(&c, "admin-import-refused", "section[aria-labelledby=preview-h] td.error").await;
    assert!(c.find_all(Locator::Css("form[action='/admin/import/confirm']")).await.unwrap().is_empty());
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "id,name,email,manager,team,locale\nE900,Nia Obi,nia@demo.example,E110,East,zh-CN\n")
        .unwrap();
    c.find(Locator::Id("file")).await.unwrap().send_keys(good.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form[action='/admin/import'] button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Import these rows").await;
    c.find(Locator::Css("form[action='/admin/import/confirm'] button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Done. Import from CSV: 1").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people WHERE id = 'E900'").await, 1);

    c.find(Locator::Id("c-id")).await.unwrap().send_keys("2027-Q1").await.unwrap();
    c.find(Locator::Id("c-title")).await.unwrap().send_keys("Q1 2027").await.unwrap();
    c.execute("document.getElementById('c-opens').value='2026-11-01'; document.getElementById('c-closes').value='2099-03-31';", vec![])
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/admin/cycles'] button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Done. Create a cycle").await;
    c.find(Locator::Css("form[action='/admin/cycles/2027-Q1/launch'] button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Launched:").await;
    // Reminding and closing ask for a ticked box first.
    for action in ["remind", "close"] {
        let form = format!("form[action='/admin/cycles/2027-Q1/{action}']");
        c.find(Locator::Css(&format!("{form} input[name=confirm]"))).await.unwrap().click().await.unwrap();
        c.find(Locator::Css(&format!("{form} button"))).await.unwrap().click().await.unwrap();
        if action == "remind" {
            wait_text(&c, "Reminders queued:").await;
            shot(&c, "admin", "main p.flash[role=status]").await;
            // Who has not answered: self and manager reviews by name, the rest as counts.
            c.goto(&app.url("/admin/cycles/2027-Q1/raters?lang=en")).await.unwrap();
            wait_text(&c, "Not answered yet: self and manager reviews, and customers").await;
            shot(&c, "admin-raters", "main table tbody tr").await;
            // Everyone asked for an anonymous review, listed alike, answered or not.
            c.find(Locator::Css("details.asked summary")).await.unwrap().click().await.unwrap();
            c.execute("document.getElementById('anon-h').scrollIntoView()", vec![]).await.unwrap();
            shot(&c, "admin-raters-anonymous", "details.asked[open] table").await;
            c.goto(&app.url("/admin?lang=en")).await.unwrap();
            wait_text(&c, "Create a cycle").await;
        }
    }
    wait_text(&c, "The cycle is closed.").await;
    let (_, p) = app.get("/api/v1/cycles/2027-Q1/progress").await;
    assert_eq!(p["status"], "closed");
    assert!(p["surveys"][0]["invited"].as_i64().unwrap() >= 20, "{p}");

    // HR builds a survey in the browser, one question of each type, and a customer answers it.
    c.goto(&app.url("/admin/surveys/edit?lang=en")).await.unwrap();
    wait_text(&c, "Add a question").await;
    let fill = |id: &'static str, value: &'static str| {
        let c = c.clone();
        async move { c.find(Locator::Id(id)).await.unwrap().send_keys(value).await.unwrap() }
    };
    fill("s-id", "pulse").await;
    fill("s-title", "Pulse").await;
    fill("s-title-zh", "脉搏").await;
    let questions: [(&str, &str, &str); 4] = [
        ("q1", "scale", "Overall satisfaction"),
        ("q2", "nps", "Would you recommend us?"),
        ("q3", "text", "Anything else?"),
        ("q4", "choice", "How do you reach us?"),
    ];
    for (k, (id, kind, text)) in questions.iter().enumerate() {
        c.find(Locator::Id(&format!("q{k}-id"))).await.unwrap().send_keys(id).await.unwrap();
        c.find(Locator::Id(&format!("q{k}-type"))).await.unwrap().select_by_value(kind).await.unwrap();
        c.find(Locator::Id(&format!("q{k}-text"))).await.unwrap().send_keys(text).await.unwrap();
        if matches!(*kind, "scale" | "nps") {
            c.find(Locator::Id(&format!("q{k}-ind"))).await.unwrap().send_keys("customer_satisfaction").await.unwrap();
        }
        if *kind == "scale" {
            // A scale that offers "can't judge".
            c.find(Locator::Css(&format!("input[name=q{k}_na]"))).await.unwrap().click().await.unwrap();
        }
        if *kind == "choice" {
            let options = c.find(Locator::Id(&format!("q{k}-opts"))).await.unwrap();
            options.send_keys("phone | By phone | 电话\nvisit | In person | 面谈").await.unwrap();
        }
        let action = if k + 1 < questions.len() { "add" } else { "save" };
        c.find(Locator::Css(&format!("button[value='{action}']"))).await.unwrap().click().await.unwrap();
        if action == "add" {
            wait_text(&c, &format!("Question {}", k + 2)).await;
        }
    }
    wait_text(&c, "Survey pulse saved.").await;
    shot(&c, "admin-surveys", "main p.flash").await;
    app.post(
        "/api/v1/cycles",
        json!({"id":"2027-Q2","title":"Q2 2027","opens_at":"2026-11-01T00:00:00Z","closes_at":"2099-06-30T00:00:00Z"}),
    )
    .await;
    let customer: String = sqlx::query_scalar("SELECT id FROM customers ORDER BY id LIMIT 1")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    let rows = json!([{"survey":"pulse","subject":"E112","respondent":{"customer":customer},"relation":"customer"}]);
    let (s, b) = app.post("/api/v1/cycles/2027-Q2/invitations", json!({"invitations": rows, "deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    c.goto(&format!("{}?lang=en", b["links"][0]["url"].as_str().unwrap())).await.unwrap();
    wait_text(&c, "Would you recommend us?").await;
    c.find(Locator::Css("input[name=q1][value='4']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("input[name=q2][value='9']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("q3")).await.unwrap().send_keys("Built in the browser").await.unwrap();
    assert!(text_of(&c).await.contains("Can't judge"), "the scale offers it");
    c.find(Locator::Css("input[name=q4][value='visit']")).await.unwrap().click().await.unwrap();
    shot(&c, "respondent-built-survey", "main form .q").await;
    c.find(Locator::Css("form button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Thank you").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses WHERE survey_id = 'pulse'").await, 1);

    // A phone: the page fits the width, the table scrolls inside its own box.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url("/dashboard?cycle=demo-2026-Q3&lang=zh-CN")).await.unwrap();
    wait_text(&c, "团队指标").await;
    let overflow = c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(99) <= 1, "horizontal overflow: {overflow}");
    assert!(text_of(&c).await.contains("团队指标"));
    shot(&c, "dashboard-phone-zh", "main .scroll table").await;
    // The admin page on a 360 px phone, in Chinese: nothing wider than the screen.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url("/admin?lang=zh-CN")).await.unwrap();
    wait_text(&c, "创建考核周期").await;
    shot(&c, "admin-phone-zh", "main h1").await;
    // Scrolled to a cycle's "close" button, the cycle's name is still beside it, on screen.
    let at = c
        .execute(
            "const box = document.querySelector('section[aria-labelledby=cycles-h] .scroll');              box.scrollLeft = box.scrollWidth;              const row = [...box.querySelectorAll('tbody tr')].find(r => r.querySelector('button.danger'));              window.scrollTo(0, row.getBoundingClientRect().top + window.scrollY - 80);              const th = row.querySelector('th').getBoundingClientRect();              const b = row.querySelector('button.danger').getBoundingClientRect();              return [th.left, th.right, b.left, b.right, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let at: Vec<f64> = at.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let [name_left, name_right, button_left, button_right, screen] = at[..] else { panic!("{at:?}") };
    assert!(name_left >= 0.0 && name_right <= button_left && button_right <= screen, "name and action in view: {at:?}");
    shot(&c, "admin-phone-actions-zh", "section[aria-labelledby=cycles-h] button.danger").await;
    // The survey page on that phone, in both languages (the demo's customer survey).
    let customer: String = sqlx::query_scalar("SELECT id FROM customers ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    let rows =
        json!([{"survey":"demo-csat","subject":"E112","respondent":{"customer":customer},"relation":"customer"}]);
    let (s, b) = app.post("/api/v1/cycles/2027-Q2/invitations", json!({"invitations": rows, "deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    let link = b["links"][0]["url"].as_str().unwrap().to_string();
    for (lang, name) in [("en", "respondent-en-phone"), ("zh-CN", "respondent-zh-phone")] {
        c.goto(&format!("{link}?lang={lang}")).await.unwrap();
        wait_text(&c, "Sam Carter").await;
        let overflow =
            c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
        assert!(overflow.as_i64().unwrap_or(99) <= 1, "{lang}: horizontal overflow {overflow}");
        shot(&c, name, "main form .q").await;
    }
    let widest = "const out = []; for (const e of document.querySelectorAll('body *')) { const r = e.getBoundingClientRect(); \
                  if (!e.closest('.scroll') && r.right > window.innerWidth + 1) out.push([e.tagName, e.className, e.parentElement.tagName, e.parentElement.className, Math.round(r.left), Math.round(r.right), (e.textContent || '').slice(0, 30)]); } return out.slice(0, 12);";
    let overflow = c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    let culprit = c.execute(widest, vec![]).await.unwrap();
    assert!(
        overflow.as_i64().unwrap_or(99) <= 1,
        "horizontal overflow: {overflow}, narrowest element past the edge: {culprit}"
    );
    c.close().await.unwrap();
}
