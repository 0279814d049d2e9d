//! A rater and a subject on a phone, in a real browser: four reviews in a row from the thanks
//! page (one saved halfway and reopened prefilled, one declined), then choosing reviewers and
//! their manager approving them. Screenshots at 360 px and 1280 px in both languages.
use crate::common::browser::{browser, click, no_overflow, shot, sign_in, text_of, wait_text};
use crate::common::{Backend, count, eventually, spawn_app_with};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rater_and_a_subject_on_a_phone() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    app.seed_review_org().await;
    app.seed_cycle("2026-Q4").await;
    let launch = json!({"survey":"peer360","subjects":["E1001","E1002","E1003","E1005"],"peers":"team"});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/launch", launch).await.0, 201);
    let (_driver, c) = browser().await;
    c.set_window_size(360, 800).await.unwrap();

    // Sam has four reviews: his own and three peers'.
    sign_in(&c, &app, "sam@corp.example").await;
    c.goto(&app.url("/me?lang=en")).await.unwrap();
    wait_text(&c, "My reviews").await;
    assert_eq!(c.find_all(Locator::Css("#reviews form")).await.unwrap().len(), 4);
    no_overflow(&c, "/me").await;
    shot(&c, "me-phone-en", "#reviews form").await;
    click(&c, "#reviews form button").await;
    wait_text(&c, "Works well with the team").await;
    click(&c, "input[name=t1][value='4']").await;
    click(&c, "#submit").await;
    let text = wait_text(&c, "1 of 4 reviews done").await;
    assert!(text.contains("Next:"), "{text}");
    no_overflow(&c, "thanks").await;
    shot(&c, "respondent-thanks-next-phone", "#next-review").await;

    // The second: half done, saved, reopened through the same link, prefilled.
    click(&c, "#next-review").await;
    wait_text(&c, "Works well with the team").await;
    let form_url = c.current_url().await.unwrap();
    click(&c, "input[name=t1][value='5']").await;
    c.find(Locator::Id("note")).await.unwrap().send_keys("Shares every lead").await.unwrap();
    click(&c, "#save").await;
    wait_text(&c, "Bookmark this page").await;
    shot(&c, "respondent-saved-phone", "#saved").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 1);
    c.goto(form_url.as_str()).await.unwrap();
    wait_text(&c, "We restored the answers you saved").await;
    let checked = c.find(Locator::Css("input[name=t1][value='5']")).await.unwrap().prop("checked").await.unwrap();
    assert_eq!(checked.as_deref(), Some("true"));
    let note = c.find(Locator::Id("note")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(note.as_deref(), Some("Shares every lead"));
    shot(&c, "respondent-draft-restored-phone", "#restored").await;
    click(&c, "#submit").await;
    wait_text(&c, "2 of 4 reviews done").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);

    // The third: he cannot judge this colleague (the page in Chinese).
    click(&c, "#next-review").await;
    wait_text(&c, "Works well with the team").await;
    let third = c.current_url().await.unwrap();
    c.goto(&format!("{}?lang=zh-CN", third.as_str().split('?').next().unwrap())).await.unwrap();
    wait_text(&c, "我无法评价此人").await;
    click(&c, "#decline").await;
    wait_text(&c, "放弃这次评价").await;
    no_overflow(&c, "decline").await;
    shot(&c, "respondent-decline-phone-zh", "main form button").await;
    click(&c, "form button").await;
    let text = wait_text(&c, "已放弃评价").await;
    assert!(text.contains("已完成 3/4 项评价"), "{text}");
    shot(&c, "respondent-declined-thanks-phone-zh", "#next-review").await;

    // The fourth, and the last.
    click(&c, "#next-review").await;
    wait_text(&c, "Works well with the team").await;
    click(&c, "input[name=t1][value='3']").await;
    click(&c, "#submit").await;
    wait_text(&c, "4/4").await;
    assert!(c.find_all(Locator::Id("next-review")).await.unwrap().is_empty());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM invitations WHERE respondent_person_id = 'E1002' AND completed = TRUE").await,
        3
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM invitations WHERE respondent_person_id = 'E1002' AND declined = TRUE").await,
        1
    );
    c.set_window_size(1280, 900).await.unwrap();
    c.goto(&app.url("/me?lang=zh-CN")).await.unwrap();
    wait_text(&c, "已放弃").await;
    shot(&c, "me-desktop-zh", "#reviews").await;

    // Dan chooses his reviewers; Li Na, his manager, edits and approves the list.
    let launch = json!({"survey":"peer360","subjects":["E1004"],"peers":"nominated","min_peers":2,"max_peers":3});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/launch", launch).await.0, 201);
    c.set_window_size(360, 800).await.unwrap();
    sign_in(&c, &app, "dan@corp.example").await;
    c.goto(&app.url("/me?lang=zh-CN")).await.unwrap();
    wait_text(&c, "选择您的评价人").await;
    click(&c, "#nominate-link").await;
    wait_text(&c, "经理批准名单后").await;
    click(&c, "input[name='pick:E1002']").await;
    click(&c, "input[name='pick:E2000']").await;
    no_overflow(&c, "nominate").await;
    shot(&c, "nominate-phone-zh", "main .options").await;
    click(&c, "#send-picks").await;
    wait_text(&c, "已提交给经理审批").await;

    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &app, "li@corp.example").await;
    c.goto(&app.url("/dashboard?lang=en")).await.unwrap();
    wait_text(&c, "Reviewer lists").await;
    c.find(Locator::LinkText("Dan")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Reviewers for Dan").await;
    click(&c, "input[name='pick:E1003']").await;
    shot(&c, "nominations-approve-desktop-en", "#send-picks").await;
    click(&c, "#send-picks").await;
    let text = wait_text(&c, "3 peer invitations created").await;
    assert!(text.contains("Approved"), "{text}");
    assert!(text_of(&c).await.contains("Chen"));
    // Each nominee's invitation goes out.
    let sent = eventually(20, || async {
        let n = count(
            &app,
            "SELECT COUNT(*) FROM outbox o JOIN outbox_items oi ON oi.outbox_id = o.id JOIN invitations i ON i.id = oi.invitation_id \
             WHERE i.subject_id = 'E1004' AND i.relation = 'peer' AND o.status = 'sent'",
        )
        .await;
        (n == 3).then_some(n)
    })
    .await;
    assert_eq!(sent, 3);
    c.close().await.unwrap();
}
