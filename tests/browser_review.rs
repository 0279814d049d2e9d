//! The review loop in a real browser, on the demo organisation: a manager shares feedback, the
//! salesperson acknowledges it on a phone in Chinese, unhappy customers are followed up and a
//! customer's answers are entered from a call; progress bars are drawn to their value, and a
//! report with nothing in it says so. Screenshots at 360 px and 1280 px in both languages.
use crate::common::browser::{browser, click, no_overflow, shot, sign_in, smallest_chart_text, text_of, wait_text};
use crate::common::{Backend, count, spawn_app_with};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_loop_in_the_browser() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    candor::demo::seed(&app.state, &app.addr).await.unwrap();
    let (_driver, c) = browser().await;

    // Li Na writes feedback on Sam's closed report and shares it.
    c.set_window_size(1280, 1000).await.unwrap();
    sign_in(&c, &app, "li.na@demo.example").await;
    c.goto(&app.url("/dashboard/people/E112?cycle=demo-2026-Q3&lang=en")).await.unwrap();
    let report = wait_text(&c, "How to read this report").await;
    assert!(report.contains("0–100 scale") && report.contains("Comments by question"), "{report}");
    shot(&c, "person-desktop-en", "section.block table").await;
    c.find(Locator::Id("strengths")).await.unwrap().send_keys("Customers trust your follow-through.").await.unwrap();
    c.find(Locator::Id("improvements")).await.unwrap().send_keys("Log calls the same day.").await.unwrap();
    c.find(Locator::Id("next_steps")).await.unwrap().send_keys("Pair with Priya on two renewals.").await.unwrap();
    // Sharing asks for a confirmation first; the text typed stays.
    click(&c, "#share").await;
    wait_text(&c, "Tick the box to confirm").await;
    c.find(Locator::Id("confirm-share")).await.unwrap().click().await.unwrap();
    click(&c, "#share").await;
    wait_text(&c, "Shared. They can read it").await;
    shot(&c, "feedback-shared-desktop-en", "#feedback p.flash[role=status]").await;

    // Sam reads it on his phone, in Chinese, and acknowledges it with a reply.
    c.set_window_size(360, 800).await.unwrap();
    sign_in(&c, &app, "sam.carter@demo.example").await;
    c.goto(&app.url("/dashboard/people/E112?cycle=demo-2026-Q3&lang=zh-CN")).await.unwrap();
    wait_text(&c, "Log calls the same day.").await;
    no_overflow(&c, "the report on a phone").await;
    let smallest = smallest_chart_text(&c).await;
    assert!(smallest >= 11.0, "chart text legible on a phone: {smallest:.1} px");
    shot(&c, "person-phone-zh", "main h1").await;
    c.find(Locator::Css("textarea[name=reply]")).await.unwrap().send_keys("好的，从下周开始。").await.unwrap();
    click(&c, "#acknowledge").await;
    // The page after the click shows the reply (the button's own label says 确认 already).
    let text = wait_text(&c, "已确认。经理会看到您的确认和回复。").await;
    assert!(text.contains("好的，从下周开始。") && text.contains("确认"), "{text}");
    shot(&c, "feedback-acknowledged-phone-zh", "#feedback p.flash[role=status]").await;
    // Printed on A4, the report fits two pages and says whose, which team, which cycle, when.
    let pdf = c.print(fantoccini::wd::PrintConfiguration::default()).await.unwrap();
    let pages = crate::common::browser::pdf_pages(&pdf);
    assert!((1..=2).contains(&pages), "the report printed on {pages} A4 pages");
    let head = c.find(Locator::Id("print-head")).await.unwrap().prop("textContent").await.unwrap().unwrap_or_default();
    let today = app.state.calendar.today();
    for part in ["Candor", "East", "2026 年第三季度", today.as_str()] {
        assert!(head.contains(part), "{part} in the printed page's head: {head}");
    }

    // Li Na follows up an unhappy customer, on a phone, in English.
    sign_in(&c, &app, "li.na@demo.example").await;
    c.goto(&app.url("/followups?lang=en")).await.unwrap();
    wait_text(&c, "Customer follow-up").await;
    let rows = c.find_all(Locator::Css("#followups > li")).await.unwrap();
    assert!(!rows.is_empty(), "the demo has unhappy customers");
    no_overflow(&c, "follow-up").await;
    shot(&c, "followups-phone-en", "#followups > li").await;
    c.find(Locator::Css("#followups form.mark input[name=note]"))
        .await
        .unwrap()
        .send_keys("Called back")
        .await
        .unwrap();
    click(&c, "#followups form.mark button").await;
    wait_text(&c, "Followed up by Li Na").await;

    // And enters a customer's answers heard on the phone (desktop, Chinese).
    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&app.url("/followups/phone?lang=zh-CN")).await.unwrap();
    wait_text(&c, "电话录入回答").await;
    shot(&c, "phone-entry-list-desktop-zh", "#open-customers a.button").await;
    click(&c, "#open-customers a.button").await;
    wait_text(&c, "在电话中").await;
    click(&c, "input[name=q1][value='2']").await;
    click(&c, "input[name=q2][value='5']").await;
    shot(&c, "phone-entry-form-desktop-zh", "main form .q").await;
    click(&c, "#submit").await;
    wait_text(&c, "已记录为电话录入的回答").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses WHERE source = 'phone' AND entered_by = 'E110'").await, 1);

    // Progress bars are drawn to their value, not full.
    c.goto(&app.url("/dashboard?cycle=demo-2026-Q4&lang=en")).await.unwrap();
    wait_text(&c, "Team indicators").await;
    let bars = c
        .execute(
            "return [...document.querySelectorAll('svg.meter')].map(s => { \
               const [done, all] = s.getAttribute('aria-label').split(' / ').map(Number); \
               const fill = s.querySelector('rect.fill').getBoundingClientRect().width; \
               const track = s.querySelector('rect.track').getBoundingClientRect().width; \
               return [done, all, fill, track]; });",
            vec![],
        )
        .await
        .unwrap();
    let bars = bars.as_array().unwrap();
    assert!(!bars.is_empty());
    for b in bars {
        let v: Vec<f64> = b.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        let (expected, drawn) = (v[0] / v[1], v[2] / v[3]);
        assert!((expected - drawn).abs() < 0.02, "bar drawn at {drawn:.2} for {}/{}", v[0], v[1]);
    }
    assert!(bars.iter().any(|b| b[0].as_f64() < b[1].as_f64()), "the open cycle has unfinished bars");

    // A newcomer's own report in a cycle that had nothing about them: a page that says so.
    app.add_people(
        json!([{"id":"E199","name":"Nia Obi","email":"nia.obi@demo.example","manager":"E110","team":"East"}]),
    )
    .await;
    c.set_window_size(360, 800).await.unwrap();
    sign_in(&c, &app, "nia.obi@demo.example").await;
    c.goto(&app.url("/dashboard/people/E199?cycle=demo-2026-Q3&lang=en")).await.unwrap();
    let text = wait_text(&c, "There is nothing in this report yet").await;
    assert!(text.contains("Nia Obi") && text.contains("How to read this report"), "{text}");
    shot(&c, "empty-report-phone-en", "#empty-report").await;
    assert!(text_of(&c).await.contains("Q3 2026"));
    c.close().await.unwrap();
}
