//! Links by email and the respondent's page: the whole flow over HTTP with a real SMTP server.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{page, post};
use common::{Backend, TestApp, count, customer_invite, seeded};
use serde_json::{Value, json};

pub(crate) async fn invite(app: &TestApp, rows: Vec<Value>, deliver: &str) -> Value {
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations": rows, "deliver": deliver})).await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn customer_answers_from_the_emailed_link(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let b = invite(&app, vec![customer_invite("C1")], "email").await;
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(1), Some(0)));
    assert!(b.get("links").is_none(), "links are only shown with deliver=none");

    let mails = sink.wait_for(1, 15).await;
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, vec!["buyer@acme.example"]);
    assert!(mail.subject.contains("Li Na") && mail.subject.contains("Q4 2026"), "{}", mail.subject);
    assert!(mail.html.as_deref().is_some_and(|h| h.contains("Li Na")), "an HTML part too");
    assert!(mail.raw.contains("multipart/alternative"), "text and HTML as alternatives: {}", mail.raw);
    let link = mail.link(&app.addr, "/s/");
    let unsubscribe = mail.link(&app.addr, "/unsubscribe/");
    assert_eq!(mail.headers.get("List-Unsubscribe"), Some(&format!("<{unsubscribe}>")));
    assert_eq!(link.len(), app.addr.len() + 3 + 43, "a 43-character token: {link}");

    // Mail scanners: HEAD and GET, twice, change nothing.
    for _ in 0..2 {
        let res = app.client.head(&link).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let res = app.client.get(&link).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let h = res.headers();
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
        assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let html = res.text().await.unwrap();
        assert!(html.contains("Overall satisfaction") && html.contains("Li Na"), "{html}");
        assert!(html.contains(r#"name="viewport""#));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE completed_on IS NOT NULL").await, 0);

    // Invalid answers: 422, each problem beside its question, valid input kept, nothing stored.
    let (s, html) = post(&app, None, &link, &[("q1", "9"), ("q2", "7"), ("q3", "keep <this> text")]).await;
    assert_eq!(s, 422);
    assert!(html.contains(r#"id="q1-error""#) && !html.contains(r#"id="q2-error""#), "{html}");
    assert!(html.contains("keep &#60;this&#62; text"), "kept and escaped: {html}");
    assert!(html.contains(r#"value="7" checked"#), "the valid choice stays checked");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 0);
    // A NUL byte and a field sent twice are refused beside their questions too.
    let res = app
        .client
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("q1=3&q1=4&q3=a%00b")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"id="q1-error""#) && html.contains(r#"id="q3-error""#), "{html}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 0);

    // Valid answers: 303 to thanks; stored once with the invitation (not anonymous).
    let (s, thanks) =
        post(&app, None, &link, &[("q1", "4"), ("q2", "9"), ("q3", "Thanks!"), ("extra", "ignored")]).await;
    assert_eq!(s, 303, "{thanks}");
    assert!(thanks.starts_with(&format!("{}/thanks", link.trim_start_matches(&app.addr))), "{thanks}");
    let (s, html) = page(&app, &thanks).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses WHERE invitation_id IS NOT NULL").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM answers").await, 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM answers WHERE question_id = 'extra'").await, 0);

    // Answered: every further request is 409 and nothing more is stored.
    assert_eq!(page(&app, &link).await.0, 409);
    assert_eq!(post(&app, None, &link, &[("q1", "1")]).await.0, 409);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 1);

    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(
        p["surveys"],
        json!([{"survey":"csat","invited":1,"emailed":1,"failed":0,"completed":1,"declined":0,"reminded":0}])
    );
    // The survey now has invitations: it is frozen.
    let mut changed = common::csat_survey();
    changed["title"] = json!("Changed");
    let (s, b) = app.post("/api/v1/surveys", changed).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("survey_frozen")));
}

async fn chinese_customers_get_chinese_email_and_page(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C2")], "email").await;
    let mail = sink.wait_for(1, 15).await.remove(0);
    assert!(mail.subject.contains("希望听到您的反馈"), "{}", mail.subject);
    assert!(mail.text().contains("填写问卷"), "{}", mail.text());
    let link = mail.link(&app.addr, "/s/");
    let (s, html) = page(&app, &link).await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("总体满意度") && html.contains("提交我的回答"));
    assert!(html.contains("<h1>我们做得怎么样？</h1>"), "{html}");
    let (_, html) = page(&app, &format!("{link}?lang=en")).await;
    assert!(html.contains("Overall satisfaction") && html.contains("Send my answers"));
    // Errors in Chinese too.
    let (s, html) = post(&app, None, &link, &[("q2", "3")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("请回答此问题"), "{html}");
    // Without a stored locale, the browser's language decides.
    let res =
        app.client.get(app.url("/s/not-a-token")).header("accept-language", "zh-CN,zh;q=0.9").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().await.unwrap().contains("链接无效"));
}

async fn unknown_closed_and_limited_links(backend: Backend) {
    let app = seeded(backend, None).await;
    let b = invite(&app, vec![customer_invite("C1")], "none").await;
    let link = b["links"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(b["links"][0]["subject"], "E1001");
    assert_eq!(b["links"][0]["respondent"], json!({"customer":"C1"}));

    // Unknown and malformed tokens: one 404 page for both.
    let (s1, unknown) = page(&app, &format!("/s/{}", "A".repeat(43))).await;
    let (s2, malformed) = page(&app, "/s/short").await;
    assert_eq!((s1, s2), (404, 404));
    assert_eq!(unknown, malformed);
    assert_eq!(post(&app, None, "/s/short", &[("q1", "3")]).await.0, 404);

    // Closing the cycle closes every link, for GET and POST, and stores nothing.
    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    let (s, html) = page(&app, &link).await;
    assert_eq!(s, 410);
    assert!(html.contains("closed"));
    assert_eq!(post(&app, None, &link, &[("q1", "3")]).await.0, 410);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 0);
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":[customer_invite("C2")]})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("cycle_closed")));

    // Guessing tokens from one address is cut off with 429, valid or not: 30 misses a minute,
    // three of which were spent above.
    let mut statuses = Vec::new();
    for i in 0..40 {
        statuses.push(page(&app, &format!("/s/guess{i}")).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 27, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
    assert_eq!(page(&app, &link).await.0, 429);
}

async fn fifty_racing_posts_store_exactly_one(backend: Backend) {
    let app = seeded(backend, None).await;
    let b = invite(&app, vec![customer_invite("C1")], "none").await;
    let link = b["links"][0]["url"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = app.client.clone();
        let link = link.clone();
        tasks.push(tokio::spawn(async move {
            let score = (i % 5 + 1).to_string();
            client.post(&link).form(&[("q1", score.as_str())]).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 409), "{statuses:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM answers").await, 1);
}

async fn invitations_are_validated_and_deduplicated(backend: Backend) {
    let app = seeded(backend, None).await;
    app.seed_peer_survey().await;
    let bad: Vec<(Value, u16, &str)> = vec![
        (
            json!({"survey":"nope","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}),
            409,
            "unknown_survey",
        ),
        (
            json!({"survey":"csat","subject":"E404","respondent":{"customer":"C1"},"relation":"customer"}),
            409,
            "unknown_subject",
        ),
        (
            json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C404"},"relation":"customer"}),
            409,
            "unknown_respondent",
        ),
        (
            json!({"survey":"csat","subject":"E1001","respondent":{"person":"E1002"},"relation":"customer"}),
            409,
            "relation_mismatch",
        ),
        (
            json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"peer"}),
            409,
            "relation_mismatch",
        ),
        (
            json!({"survey":"peer360","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}),
            409,
            "relation_mismatch",
        ),
        (
            json!({"survey":"peer360","subject":"E1001","respondent":{"person":"E1002"},"relation":"manager"}),
            409,
            "relation_mismatch",
        ),
        (
            json!({"survey":"peer360","subject":"E1001","respondent":{"person":"E1000"},"relation":"peer"}),
            409,
            "relation_mismatch",
        ),
        (
            json!({"survey":"peer360","subject":"E1001","respondent":{"person":"E1002"},"relation":"self"}),
            409,
            "relation_mismatch",
        ),
        (
            json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer","note":"x"}),
            400,
            "invalid_body",
        ),
        (
            json!({"survey":"csat","subject":"E1001","respondent":{"robot":"C1"},"relation":"customer"}),
            400,
            "invalid_body",
        ),
        (
            json!({"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"boss"}),
            400,
            "invalid_body",
        ),
    ];
    for (row, status, code) in bad {
        let (s, b) =
            app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":[customer_invite("C2"), row]})).await;
        assert_eq!((s, b["error"]["code"].as_str()), (status, Some(code)), "{b}");
    }
    let (s, b) = app.post("/api/v1/cycles/2025-Q1/invitations", json!({"invitations":[customer_invite("C2")]})).await;
    assert_eq!((s, &b["error"]["code"]), (404, &json!("not_found")));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations").await, 0, "a refused batch stores nothing");

    let ok = vec![
        customer_invite("C1"),
        customer_invite("C1"),
        json!({"survey":"peer360","subject":"E1001","respondent":{"person":"E1001"},"relation":"self"}),
        json!({"survey":"peer360","subject":"E1001","respondent":{"person":"E1000"},"relation":"manager"}),
        json!({"survey":"peer360","subject":"E1001","respondent":{"person":"E1002"},"relation":"peer"}),
        json!({"survey":"peer360","subject":"E1000","respondent":{"person":"E1001"},"relation":"direct_report"}),
    ];
    // Anonymous reviews are never handed back as links (CONTRACT §10); nothing is stored.
    let (s, b) =
        app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations": ok.clone(), "deliver": "none"})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("anonymous_needs_email")), "{b}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations").await, 0);
    let b = invite(&app, ok.clone(), "email").await;
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(5), Some(1)), "{b}");
    let queued = count(&app, "SELECT COUNT(*) FROM outbox").await;
    let b = invite(&app, ok, "email").await;
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(0), Some(6)));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, queued, "nothing new to send");
}

async fn ten_thousand_invitations_in_one_call(backend: Backend) {
    let app = seeded(backend, None).await;
    let customers: Vec<Value> = (0..10_000)
        .map(|i| json!({"id":format!("K{i}"),"name":format!("Buyer {i}"),"email":format!("buyer{i}@shop.example"),"owner":"E1001"}))
        .collect();
    let (s, b) = app.post("/api/v1/customers", json!({ "customers": customers })).await;
    assert_eq!((s, b["created"].as_u64()), (200, Some(10_000)), "{b}");
    let rows: Vec<Value> = (0..10_000).map(|i| customer_invite(&format!("K{i}"))).collect();
    let b = invite(&app, rows.clone(), "none").await;
    assert_eq!(b["created"].as_u64(), Some(10_000));
    let urls: std::collections::HashSet<&str> =
        b["links"].as_array().unwrap().iter().map(|l| l["url"].as_str().unwrap()).collect();
    assert_eq!(urls.len(), 10_000, "every link is distinct");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM links").await, 10_000);
    let b = invite(&app, rows, "email").await;
    assert_eq!((b["created"].as_u64(), b["existing"].as_u64()), (Some(0), Some(10_000)));
}

on_both_databases!(
    customer_answers_from_the_emailed_link,
    chinese_customers_get_chinese_email_and_page,
    unknown_closed_and_limited_links,
    fifty_racing_posts_store_exactly_one,
    invitations_are_validated_and_deduplicated,
    ten_thousand_invitations_in_one_call,
);
