//! The review loop (CONTRACT §9): results-ready emails at close, feedback shared and
//! acknowledged, unhappy customers followed up, and answers taken by phone.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{csrf_of, get, post, session};
use common::{Backend, TestApp, count, eventually, seeded};
use serde_json::json;

/// Two more customers of Li Na's, so that three can answer about her.
async fn more_customers(app: &TestApp) {
    app.add_customers(json!([
                {"id":"C3","name":"Blue Harbor","email":"ops@harbor.example","phone":"+86 21 5555 0101","owner":"E1001"},
                {"id":"C4","name":"Kite Labs","email":"hi@kite.example","owner":"E1001"}])).await;
}

async fn answer(app: &TestApp, link: &str, form: &[(&str, &str)]) {
    let res = app.client.post(link).form(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "{link}");
}

async fn results_ready_emails_go_to_subjects_with_released_results(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    more_customers(&app).await;
    let links = app.customer_links(&["C1", "C2", "C3"]).await;
    for l in &links {
        answer(&app, l, &[("q1", "4"), ("q2", "9")]).await;
    }
    // Sam is asked about by one customer who never answers, and answers his own self-review:
    // nothing others said about him is released, so he is not told to look.
    app.seed_peer_survey().await;
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/invitations",
            json!({"invitations":[
                {"survey":"csat","subject":"E1002","respondent":{"customer":"C4"},"relation":"customer"},
                {"survey":"peer360","subject":"E1002","respondent":{"person":"E1002"},"relation":"self"}],
                   "deliver":"none"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let own = b["links"].as_array().unwrap().iter().find(|l| l["respondent"]["person"] == "E1002").unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    answer(&app, &own, &[("t1", "5")]).await;
    app.close_cycle("2026-Q4").await;
    let mail = eventually(20, || async {
        sink.messages().into_iter().find(|m| m.rcpt_tos == ["li.na@example.com"] && m.subject.contains("Q4 2026"))
    })
    .await;
    assert!(mail.subject.contains("结果"), "in Li Na's language: {}", mail.subject);
    assert!(mail.text().contains("/dashboard/people/E1001?cycle=2026-Q4"), "{}", mail.text());
    let html = mail.html.as_deref().unwrap_or_default();
    assert!(
        html.contains("/dashboard/people/E1001?cycle=2026-Q4") && html.contains("结果"),
        "an HTML part too: {html}"
    );
    let login = format!("{}/login", app.addr);
    assert!(mail.text().split_whitespace().any(|w| w == login), "a link to sign in: {}", mail.text());
    // Exactly one, to her only: closing again and reading the results again change nothing.
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/close", json!({})).await.0, 200);
    assert_eq!(app.get("/api/v1/cycles/2026-Q4/scores").await.0, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'results'").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'results' AND person_id = 'E1001'").await, 1);
    // Every link went out by hand: once all is sent, hers is the only email.
    common::outbox_drained(&app).await;
    let sent: Vec<_> = sink.messages().into_iter().map(|m| (m.rcpt_tos, m.subject)).collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
}

/// Feedback is shared (confirmed), amended and acknowledged, each step emailed to the other
/// side in their language; a draft stays the author's. Browser walkthrough, December, problem 8.
async fn feedback_is_shared_then_acknowledged(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    more_customers(&app).await;
    for l in app.customer_links(&["C1", "C2", "C3"]).await {
        answer(&app, &l, &[("q1", "5")]).await;
    }
    let wang = session(&app, "wang.fang@example.com").await;
    let page = "/dashboard/people/E1001?cycle=2026-Q4&lang=en";
    let (_, html) = get(&app, Some(&wang), page).await;
    let csrf = csrf_of(&html);
    let path = "/dashboard/people/E1001/feedback";
    let draft = [
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("cycle", "2026-Q4"),
        ("strengths", "Calm with hard clients"),
        ("action", "save"),
    ];
    assert_eq!(post(&app, Some(&wang), path, &draft).await.0, 409, "not while the cycle is open");
    app.close_cycle("2026-Q4").await;
    let (_, html) = get(&app, Some(&wang), page).await;
    assert!(html.contains(r#"id="share""#) && html.contains("Share with Li Na"), "{html}");
    assert_eq!(post(&app, Some(&wang), path, &draft).await.0, 303);
    // A draft is the author's alone.
    let li_na = session(&app, "li.na@example.com").await;
    let (s, mine) = get(&app, Some(&li_na), page).await;
    assert_eq!(s, 200);
    assert!(!mine.contains("Calm with hard clients") && mine.contains("No feedback has been shared yet"), "{mine}");
    // Sharing needs something written; then it is final.
    let empty = [("csrf", csrf.as_str()), ("lang", "en"), ("cycle", "2026-Q4"), ("action", "share"), ("confirm", "on")];
    let (_, to) = post(&app, Some(&wang), path, &empty).await;
    assert!(to.contains("fb=empty"), "{to}");
    let share = [
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("cycle", "2026-Q4"),
        ("strengths", "Calm with hard clients"),
        ("improvements", "Follow up within a day"),
        ("next_steps", "Shadow Sam on two renewals"),
        ("action", "share"),
    ];
    // Sharing emails her: it asks for a confirmation first, and nothing is shared without it.
    let (_, to) = post(&app, Some(&wang), path, &share).await;
    assert!(to.contains("fb=confirm"), "{to}");
    let (_, unconfirmed) = get(&app, Some(&li_na), page).await;
    assert!(unconfirmed.contains("No feedback has been shared yet"), "{unconfirmed}");
    let (_, kept) = get(&app, Some(&wang), page).await;
    assert!(kept.contains(">Shadow Sam on two renewals</textarea>"), "what he typed is kept as a draft: {kept}");
    let confirmed: Vec<(&str, &str)> = share.iter().copied().chain([("confirm", "on")]).collect();
    let (s, to) = post(&app, Some(&wang), path, &confirmed).await;
    assert_eq!((s, to.contains("fb=shared")), (303, true), "{to}");
    let shared = common::mail::told(&sink, "li.na@example.com", "分享了对您").await;
    assert!(
        shared.contains("Wang Fang") && shared.contains("/dashboard/people/E1001?cycle=2026-Q4#feedback"),
        "{shared}"
    );
    // A shared feedback is not a draft any more: only sharing again changes it, as an amendment.
    assert_eq!(post(&app, Some(&wang), path, &draft).await.0, 409, "no draft of shared feedback");
    let amended: Vec<(&str, &str)> = confirmed
        .iter()
        .map(|&(k, v)| if k == "next_steps" { (k, "Shadow Sam on three renewals") } else { (k, v) })
        .collect();
    let (s, to) = post(&app, Some(&wang), path, &amended).await;
    assert_eq!((s, to.contains("fb=amended")), (303, true), "{to}");
    let amended_mail = common::mail::told(&sink, "li.na@example.com", "修改了对您").await;
    assert!(amended_mail.contains("Wang Fang"), "{amended_mail}");
    // Only her managers write it.
    let sam = session(&app, "sam.carter@example.com").await;
    let (_, sam_page) = get(&app, Some(&sam), "/dashboard/people/E1002?cycle=2026-Q4&lang=en").await;
    let sam_csrf = csrf_of(&sam_page);
    let forged =
        [("csrf", sam_csrf.as_str()), ("lang", "en"), ("cycle", "2026-Q4"), ("strengths", "x"), ("action", "share")];
    assert_eq!(post(&app, Some(&sam), path, &forged).await.0, 404);
    // She reads and acknowledges it, with a reply.
    let (_, mine) = get(&app, Some(&li_na), page).await;
    assert!(mine.contains("Follow up within a day") && mine.contains("From Wang Fang"), "{mine}");
    assert!(mine.contains("three renewals") && !mine.contains("two renewals"), "the amended text: {mine}");
    assert!(mine.contains("Amended on "), "marked as amended for her: {mine}");
    assert!(!mine.contains("id=\"amend\""), "only the author amends: {mine}");
    let li_csrf = csrf_of(&mine);
    let (api_s, api) = app.get("/api/v1/cycles/2026-Q4/feedback").await;
    assert_eq!(api_s, 200);
    assert_eq!(api["feedback"][0]["subject"], "E1001");
    assert!(api["feedback"][0]["shared_at"].is_string() && api["feedback"][0]["acknowledged_at"].is_null(), "{api}");
    let ack = [
        ("csrf", li_csrf.as_str()),
        ("lang", "en"),
        ("cycle", "2026-Q4"),
        ("author", "E1000"),
        ("reply", "Agreed, starting Monday"),
    ];
    assert_eq!(post(&app, Some(&li_na), "/dashboard/people/E1001/feedback/ack", &ack).await.0, 303);
    assert_eq!(post(&app, Some(&li_na), "/dashboard/people/E1001/feedback/ack", &ack).await.0, 409);
    let (_, api) = app.get("/api/v1/cycles/2026-Q4/feedback").await;
    assert!(api["feedback"][0]["acknowledged_at"].is_string(), "{api}");
    assert!(!api.to_string().contains("Follow up within a day"), "no texts in the API: {api}");
    let (_, boss) = get(&app, Some(&wang), page).await;
    assert!(boss.contains("Acknowledged on") && boss.contains("Agreed, starting Monday"), "{boss}");
    assert!(boss.contains("Amended on ") && boss.contains("id=\"amend\""), "and for him: {boss}");
    // Wang is told that she acknowledged it, in his language too.
    let acked = common::mail::told(&sink, "wang.fang@example.com", "已确认您的反馈").await;
    assert!(acked.contains("Li Na已确认您对其Q4 2026结果分享的反馈"), "{acked}");
}

async fn unhappy_customers_are_followed_up_and_answers_taken_by_phone(backend: Backend) {
    let app = seeded(backend, None).await;
    more_customers(&app).await;
    let links = app.customer_links(&["C1", "C2", "C3"]).await;
    answer(&app, &links[0], &[("q1", "2"), ("q2", "8"), ("q3", "Deliveries were late twice")]).await;
    answer(&app, &links[1], &[("q1", "5"), ("q2", "10")]).await;
    let wang = session(&app, "wang.fang@example.com").await;
    let (s, html) = get(&app, Some(&wang), "/followups?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("Acme") && html.contains("Deliveries were late twice"), "{html}");
    assert!(!html.contains("Dragon Trading"), "a happy customer is not listed: {html}");
    // Sam, who manages nobody, sees nobody's customers.
    let sam = session(&app, "sam.carter@example.com").await;
    let (_, sam_html) = get(&app, Some(&sam), "/followups?lang=en").await;
    assert!(!sam_html.contains("Acme"), "{sam_html}");
    let response: String = sqlx::query_scalar(
        "SELECT r.id FROM responses r JOIN invitations i ON i.id = r.invitation_id WHERE i.respondent_customer_id = 'C1'",
    )
    .fetch_one(&app.state.db().pool)
    .await
    .unwrap();
    let csrf = csrf_of(&html);
    let path = format!("/followups/{response}");
    let mark = [("csrf", csrf.as_str()), ("lang", "en"), ("note", "Called; new courier from next week")];
    assert_eq!(post(&app, Some(&sam), &path, &[("csrf", &csrf_of(&sam_html)), ("lang", "en")]).await.0, 404);
    assert_eq!(post(&app, Some(&wang), &path, &mark).await.0, 303);
    let (_, html) = get(&app, Some(&wang), "/followups?lang=en").await;
    assert!(html.contains("Followed up by Wang Fang") && html.contains("new courier"), "{html}");
    assert_eq!(post(&app, Some(&wang), &path, &mark).await.0, 409);
    // Blue Harbor has not answered: Wang enters what they said on the phone.
    let (_, list) = get(&app, Some(&wang), "/followups/phone?lang=en").await;
    assert!(list.contains("Blue Harbor") && list.contains("+86 21 5555 0101"), "{list}");
    let invitation: i64 = count(&app, "SELECT id FROM invitations WHERE respondent_customer_id = 'C3'").await;
    let form_path = format!("/followups/phone/{invitation}");
    let (s, form) = get(&app, Some(&wang), &format!("{form_path}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(form.contains("Overall satisfaction") && form.contains("Blue Harbor"), "{form}");
    let (s, _) = post(&app, Some(&wang), &form_path, &[("csrf", csrf.as_str()), ("q2", "3")]).await;
    assert_eq!(s, 422, "q1 is required");
    let (s, _) = post(&app, Some(&wang), &form_path, &[("csrf", csrf.as_str()), ("q1", "1"), ("q2", "3")]).await;
    assert_eq!(s, 303);
    let (source, by): (String, Option<String>) = sqlx::query_as(
        "SELECT r.source, r.entered_by FROM responses r JOIN invitations i ON i.id = r.invitation_id WHERE i.respondent_customer_id = 'C3'",
    )
    .fetch_one(&app.state.db().pool)
    .await
    .unwrap();
    assert_eq!((source.as_str(), by.as_deref()), ("phone", Some("E1000")));
    // The customer's own link is spent, and the phone answer is itself followed up.
    assert_eq!(app.client.get(&links[2]).send().await.unwrap().status().as_u16(), 409);
    let (_, html) = get(&app, Some(&wang), "/followups?lang=en").await;
    assert!(html.contains("Blue Harbor") && html.contains("by phone"), "{html}");
    assert_eq!(post(&app, Some(&wang), &form_path, &[("csrf", csrf.as_str()), ("q1", "1")]).await.0, 404);
    // Without the session's CSRF token, nothing is entered.
    app.customer_link("C4").await;
    let kite: i64 = count(&app, "SELECT id FROM invitations WHERE respondent_customer_id = 'C4'").await;
    assert_eq!(post(&app, Some(&wang), &format!("/followups/phone/{kite}"), &[("q1", "1")]).await.0, 403);
    // An anonymous survey's answers are never taken by someone who knows who gives them.
    let pulse = json!({"id":"pulse","kind":"customer","title":"Pulse","anonymous":true,
        "questions":[{"id":"p1","text":"Satisfied?","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction","required":true}]});
    assert_eq!(app.post("/api/v1/surveys", pulse).await.0, 200);
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/invitations",
            json!({"invitations":[{"survey":"pulse","subject":"E1001","respondent":{"customer":"C2"},"relation":"customer"}]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let anonymous: i64 = count(&app, "SELECT id FROM invitations WHERE survey_id = 'pulse'").await;
    let (_, list) = get(&app, Some(&wang), "/followups/phone?lang=en").await;
    assert!(!list.contains(&format!("/followups/phone/{anonymous}")), "{list}");
    assert_eq!(get(&app, Some(&wang), &format!("/followups/phone/{anonymous}")).await.0, 404);
    let (s, _) =
        post(&app, Some(&wang), &format!("/followups/phone/{anonymous}"), &[("csrf", csrf.as_str()), ("p1", "1")])
            .await;
    assert_eq!(s, 404);
}

on_both_databases!(
    results_ready_emails_go_to_subjects_with_released_results,
    feedback_is_shared_then_acknowledged,
    unhappy_customers_are_followed_up_and_answers_taken_by_phone,
);
