//! The people directory and a cycle's weights by role in a real browser, on the demo
//! organisation: HR searches, edits a person, sees a refusal on that person's line with what
//! was typed kept, deactivates someone after confirming, and sets weights by role; at 360 px
//! and 1280 px, in English and Chinese, nothing wider than the screen. Screenshots:
//! admin-people-{desktop,phone}-{en,zh}, admin-people-error-desktop-en,
//! admin-people-edit-phone-zh, admin-weights-{desktop-en,phone-zh}.
use crate::common::browser::{browser, click, no_overflow, shot, sign_in, wait_text};
use crate::common::{Backend, spawn_app_with};
use fantoccini::{Client, Locator};
use serde_json::json;

async fn field(c: &Client, css: &str, value: &str) {
    let input = c.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_keeps_the_directory_in_the_browser() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    candor::demo::seed(&app.state, &app.addr).await.unwrap();
    let roles = json!({"people":[
        {"id":"E110","name":"Li Na","email":"li.na@demo.example","manager":"E100","team":"East","locale":"zh-CN","role":"sales_manager"},
        {"id":"E111","name":"Zhang Wei","email":"zhang.wei@demo.example","manager":"E110","team":"East","locale":"zh-CN","role":"sales"}]});
    assert_eq!(app.post("/api/v1/people", roles).await.0, 200);
    let (_driver, c) = browser().await;
    c.set_window_size(1280, 1000).await.unwrap();
    sign_in(&c, &app, "admin@demo.example").await;

    // From the admin page to the directory: everyone, with who manages whom.
    c.goto(&app.url("/admin?lang=en")).await.unwrap();
    click(&c, "#people-link").await;
    let text = wait_text(&c, "found · Page 1 of 1").await;
    assert!(text.contains("Sam Carter") && text.contains("Reports to: Li Na"), "{text}");
    assert!(text.contains("Manages: Priya Nair, Sam Carter, Zhang Wei"), "{text}");
    no_overflow(&c, "people, desktop").await;
    shot(&c, "admin-people-desktop-en", "ul.people li.person").await;

    // Search, then edit Sam: a new team and role.
    field(&c, "#people-q", "sam").await;
    click(&c, "form.search button").await;
    wait_text(&c, "1 found").await;
    click(&c, "#p-E112 summary").await;
    field(&c, "#p-E112 input[name=team]", "North").await;
    field(&c, "#p-E112 input[name=role]", "sales").await;
    click(&c, "#p-E112 form button").await;
    wait_text(&c, "Saved: Sam Carter").await;
    let (_, p) = app.get("/api/v1/people?after=E111&limit=1").await;
    assert_eq!((&p["people"][0]["team"], &p["people"][0]["role"]), (&json!("North"), &json!("sales")), "{p}");

    // Another person's address is refused on Sam's line, what was typed kept.
    click(&c, "#p-E112 summary").await;
    field(&c, "#p-E112 input[name=email]", "li.na@demo.example").await;
    field(&c, "#p-E112 input[name=name]", "Sam C.").await;
    click(&c, "#p-E112 form button").await;
    wait_text(&c, "This email address belongs to another person.").await;
    let kept = c.find(Locator::Css("#p-E112 input[name=name]")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Sam C."));
    assert!(c.find(Locator::Css("#p-E112 details[open] [role=alert]")).await.is_ok(), "the error on his line");
    shot(&c, "admin-people-error-desktop-en", "#p-E112 details[open] [role=alert]").await;

    c.goto(&app.url("/admin/people?lang=zh-CN")).await.unwrap();
    wait_text(&c, "直接下属").await;
    no_overflow(&c, "people, desktop, Chinese").await;
    shot(&c, "admin-people-desktop-zh", "ul.people li.person").await;

    // On a phone: the list, an open form, and a deactivation that asks first.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url("/admin/people?lang=en")).await.unwrap();
    wait_text(&c, "Reports to").await;
    no_overflow(&c, "people, phone").await;
    shot(&c, "admin-people-phone-en", "ul.people li.person").await;
    c.goto(&app.url("/admin/people?lang=zh-CN&q=E123")).await.unwrap();
    wait_text(&c, "Ken Sato").await;
    click(&c, "#p-E123 summary").await;
    click(&c, "#p-E123 input[name=active]").await;
    click(&c, "#p-E123 form button").await;
    wait_text(&c, "请勾选确认框以停用此人。").await;
    no_overflow(&c, "the refused form on a phone").await;
    shot(&c, "admin-people-edit-phone-zh", "#p-E123 details[open] [role=alert]").await;
    let active = c.find(Locator::Css("#p-E123 input[name=active]")).await.unwrap().is_selected().await.unwrap();
    assert!(!active, "the unticked box is kept");
    click(&c, "#p-E123 input[name=confirm]").await;
    click(&c, "#p-E123 form button").await;
    let text = wait_text(&c, "已保存：Ken Sato").await;
    assert!(text.contains("已停用"), "{text}");
    let (_, p) = app.get("/api/v1/people?after=E122&limit=1").await;
    assert_eq!(p["people"][0]["active"], false);

    // Weights by role on the open cycle's page, in Chinese on a phone, then in English.
    c.goto(&app.url("/admin/cycles/demo-2026-Q4/raters?lang=zh-CN")).await.unwrap();
    wait_text(&c, "按角色设置权重").await;
    field(&c, "#wm-1", "2").await;
    field(&c, "#wd-1", "0.5").await;
    click(&c, "#weights-form button").await;
    wait_text(&c, "已保存按角色设置的权重。").await;
    no_overflow(&c, "weights, phone").await;
    shot(&c, "admin-weights-phone-zh", "#weights-form").await;
    let (_, cycle) = app.get("/api/v1/cycles/demo-2026-Q4").await;
    assert_eq!(cycle["weights_by_role"]["sales_manager"]["manager"], 2.0, "{cycle}");
    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&app.url("/admin/cycles/demo-2026-Q4/raters?lang=en")).await.unwrap();
    wait_text(&c, "Weights by role").await;
    c.execute("document.getElementById('weights-h').scrollIntoView()", vec![]).await.unwrap();
    shot(&c, "admin-weights-desktop-en", "#weights-form").await;

    // With an identity provider, the sign-in page offers it first (nothing is asked of the
    // provider until the button is pressed).
    let sso = spawn_app_with(Backend::Sqlite, |cfg| {
        cfg.oidc_issuer = Some("http://127.0.0.1:9/realms/acme".into());
        cfg.oidc_client_id = Some("candor".into());
        cfg.oidc_client_secret = Some("secret".into());
        cfg.oidc_name = Some("Acme SSO".into());
    })
    .await;
    c.delete_all_cookies().await.unwrap();
    c.set_window_size(360, 800).await.unwrap();
    for (lang, words, name) in [
        ("en", "Sign in with Acme SSO", "login-provider-phone-en"),
        ("zh-CN", "使用Acme SSO登录", "login-provider-phone-zh"),
    ] {
        c.goto(&sso.url(&format!("/login?lang={lang}"))).await.unwrap();
        wait_text(&c, words).await;
        no_overflow(&c, "the sign-in page").await;
        shot(&c, name, "#provider button").await;
    }
}
