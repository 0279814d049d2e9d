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
    sqlx::query("DROP TABLE response_scores").execute(&app.state.db().pool).await.unwrap();
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

/// The form on the admin page that `action` posts to for `cycle`, as drawn.
fn form_of<'a>(page: &'a str, action: &str) -> &'a str {
    let at = page.find(&format!("action=\"{action}\"")).unwrap_or_else(|| panic!("no form for {action}: {page}"));
    let end = page[at..].find("</form>").expect("the form ends");
    &page[at..at + end]
}

/// The use case decides the kind: a launch naming a survey that is not stored is a conflict
/// with what is stored (409) on the API and on the admin page alike; the page says so in its
/// reader's language, naming the survey, and keeps what was chosen.
async fn an_unknown_survey_in_a_launch_is_a_conflict_on_both_transports(backend: Backend) {
    let (app, cookie, csrf) = admin_app(backend).await;
    app.seed_peer_survey().await;
    let body = serde_json::json!({"survey":"gone","subjects":"all","peers":"nominated"});
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/launch", body).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("unknown_survey")), "{b}");

    let form = [("csrf", csrf.as_str()), ("lang", "zh-CN"), ("survey", "gone"), ("peers", "nominated")];
    let (s, page) = post(&app, Some(&cookie), "/admin/cycles/2026-Q4/launch", &form).await;
    assert_eq!(s, 409, "{page}");
    assert!(page.contains("role=\"alert\">gone：没有问卷使用此编号。"), "{page}");
    assert!(!page.contains("no survey"), "no English sentence from app on a 中文 page: {page}");
    let launch = form_of(&page, "/admin/cycles/2026-Q4/launch");
    assert!(launch.contains("<option value=\"gone\" selected>"), "the survey chosen is kept: {launch}");
    assert!(launch.contains("value=\"nominated\" checked"), "the peers chosen are kept: {launch}");
    assert!(!launch.contains("value=\"team\" checked"), "{launch}");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM invitations").await, 0, "nothing launched");
}

/// A cycle id that is taken is a conflict (409), in the reader's language, with the form as
/// it was typed.
async fn a_taken_cycle_id_is_refused_with_the_form_kept(backend: Backend) {
    let (app, cookie, csrf) = admin_app(backend).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("lang", "zh-CN"),
        ("id", "2026-Q4"),
        ("title", "又一个周期"),
        ("opens", "2027-01-01"),
        ("closes", "2027-03-31"),
        ("min_raters", "4"),
    ];
    let (s, page) = post(&app, Some(&cookie), "/admin/cycles", &form).await;
    assert_eq!(s, 409, "{page}");
    assert!(page.contains("role=\"alert\">2026-Q4：已存在使用此编号的周期。"), "{page}");
    let cycle = form_of(&page, "/admin/cycles");
    for kept in ["value=\"又一个周期\"", "value=\"2027-01-01\"", "value=\"2027-03-31\"", "value=\"4\""] {
        assert!(cycle.contains(kept), "{kept}: {cycle}");
    }
    let (_, c) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_ne!(c["title"], "又一个周期", "nothing replaced: {c}");
}

on_both_databases!(
    closing_an_unknown_cycle_is_an_error_on_both_transports,
    no_text_from_the_url_is_shown_as_a_message,
    a_bug_answers_a_localised_500_page,
    an_unknown_survey_in_a_launch_is_a_conflict_on_both_transports,
    a_taken_cycle_id_is_refused_with_the_form_kept,
);
