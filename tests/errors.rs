//! How failures are answered: one use-case error, mapped once per transport. Closing an
//! unknown cycle is an error on both; a bug is a localised 500 page; no text from the URL is
//! ever shown as a message.
use crate::common::web::{admin_session, get, post};
use crate::common::{self, Backend, TestApp};

/// The standard organisation with the open cycle `2026-Q4`, and Wang Fang's admin session:
/// (app, cookie, the admin page's CSRF token).
async fn admin_app(backend: Backend) -> (TestApp, String, String) {
    let app = common::spawn_app(backend).await;
    app.seed_org().await;
    app.seed_cycle("2026-Q4").await;
    let (cookie, csrf) = admin_session(&app, "wang.fang@example.com").await;
    (app, cookie, csrf)
}

async fn closing_an_unknown_cycle_is_an_error_on_both_transports(backend: Backend) {
    let (app, cookie, csrf) = admin_app(backend).await;
    let (s, b) = app.post("/api/v1/cycles/NOPE/close", serde_json::json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")), "{b}");

    let form = [("csrf", csrf.as_str()), ("lang", "en"), ("confirm", "on")];
    let (s, body) = post(&app, Some(&cookie), "/admin/cycles/NOPE/close", &form).await;
    assert_eq!(s, 404, "not a redirect that says done: {body}");
    assert!(body.contains("role=\"alert\"") && body.contains("NOPE"), "the error is shown as an error: {body}");
    // The known cycle is untouched.
    let (_, c) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!(c["status"], "open");
}

async fn no_text_from_the_url_is_shown_as_a_message(backend: Backend) {
    let (app, cookie, _) = admin_app(backend).await;
    let (s, page) =
        get(&app, Some(&cookie), "/admin?error=Your%20account%20is%20locked&done=Wire%20money%20now&n=3").await;
    assert_eq!(s, 200);
    for planted in ["Your account is locked", "Wire money now"] {
        assert!(!page.contains(planted), "{planted:?} echoed into the page");
    }
    assert!(!page.contains("role=\"alert\""), "no error is made up from the URL");
    // A known key is worded by the page itself, in its language.
    let (_, page) = get(&app, Some(&cookie), "/admin?done=closed&lang=zh-CN").await;
    assert!(page.contains("周期已结束"), "a known key is worded in the page's language");
}

async fn a_bug_answers_a_localised_500_page(backend: Backend) {
    let (app, cookie, _) = admin_app(backend).await;
    // A broken database (a table gone) is a bug to report, not a reason to "try again".
    sqlx::query("DROP TABLE response_scores").execute(&app.state.db.pool).await.unwrap();
    for (lang, words) in [("en", "Something went wrong on our side"), ("zh-CN", "我们这边出了问题")] {
        let res = app
            .client
            .get(app.url(&format!("/dashboard?cycle=2026-Q4&lang={lang}")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 500, "{lang}");
        assert!(res.headers().get("retry-after").is_none(), "a bug is not a busy database");
        let body = res.text().await.unwrap();
        assert!(body.contains(words), "{lang}: {body}");
        assert!(body.contains("href=\"/dashboard"), "a way back: {body}");
        assert!(!body.contains("response_scores"), "no internal detail: {body}");
    }
    let (s, b) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    assert_eq!((s, b["error"]["code"].as_str()), (500, Some("internal")), "{b}");
    assert!(!b.to_string().contains("response_scores"), "{b}");
}

on_both_databases!(
    closing_an_unknown_cycle_is_an_error_on_both_transports,
    no_text_from_the_url_is_shown_as_a_message,
    a_bug_answers_a_localised_500_page,
);
