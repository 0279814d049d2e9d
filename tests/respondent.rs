//! Links by email and the respondent's page: the whole flow over HTTP with a real SMTP server.
use crate::common;

use common::smtp::{SmtpSink, decode_eml};
use common::web::{page, post};
use common::{Backend, TestApp, count, customer_invite, seeded};
use serde_json::{Value, json};

async fn invite(app: &TestApp, rows: Vec<Value>, deliver: &str) -> Value {
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

async fn without_smtp_emails_are_written_as_eml_files(backend: Backend) {
    let app = seeded(backend, None).await;
    invite(&app, vec![customer_invite("C1")], "email").await;
    let file = common::eventually(15, || async {
        std::fs::read_dir(&app.mail_dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "eml"))
    })
    .await;
    let mail = decode_eml(&file);
    assert_eq!(mail.headers.get("To").map(String::as_str), Some("Acme <buyer@acme.example>"));
    let link = mail.link(&app.addr, "/s/");
    assert_eq!(page(&app, &link).await.0, 200);
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["emailed"], 1);
}

async fn emails_wait_for_an_smtp_server_that_is_down(backend: Backend) {
    let mut sink = SmtpSink::reserved();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1"), customer_invite("C2")], "email").await;
    common::eventually(15, || async {
        (count(&app, "SELECT COUNT(*) FROM outbox WHERE attempts >= 2 AND status = 'pending'").await == 2).then_some(())
    })
    .await;
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!((p["surveys"][0]["emailed"].as_i64(), p["surveys"][0]["failed"].as_i64()), (Some(0), Some(0)));

    sink.resume();
    let mails = sink.wait_for(2, 20).await;
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 2, "each email exactly once");
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["buyer@acme.example", "cai@dragon.example"]);
    // Links minted for the failed attempts were dropped: one survey and one unsubscribe link each.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM links").await, 4);
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["emailed"], 2);
    for m in &mails {
        assert_eq!(page(&app, &m.link(&app.addr, "/s/")).await.0, 200);
    }
}

async fn connections_dropped_mid_send_are_retried(backend: Backend) {
    let sink = SmtpSink::dropping(2);
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1"), customer_invite("C2")], "email").await;
    let mails = sink.wait_for(2, 20).await;
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 2, "each accepted once");
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    to.sort();
    assert_eq!(to, ["buyer@acme.example", "cai@dragon.example"]);
    let retried = count(&app, "SELECT MAX(attempts) FROM outbox").await;
    assert!(retried >= 2, "the dropped sends were tried again");
    for m in &mails {
        assert_eq!(page(&app, &m.link(&app.addr, "/s/")).await.0, 200, "the delivered link is live");
    }
}

async fn a_permanent_refusal_is_marked_failed(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let (s, _) = app
        .post(
            "/api/v1/customers",
            json!({"customers":[{"id":"C9","name":"Gone","email":"bounce@gone.example","owner":"E1001"}]}),
        )
        .await;
    assert_eq!(s, 200);
    invite(&app, vec![customer_invite("C9"), customer_invite("C1")], "email").await;
    sink.wait_for(1, 15).await;
    // The sink has the message before the worker records it sent: wait for both outcomes.
    let p = common::eventually(15, || async {
        let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
        (p["surveys"][0]["failed"] == 1 && p["surveys"][0]["emailed"] == 1).then_some(p)
    })
    .await;
    assert_eq!((p["surveys"][0]["emailed"].as_i64(), p["surveys"][0]["failed"].as_i64()), (Some(1), Some(1)));
    assert_eq!(
        count(&app, "SELECT MAX(attempts) FROM outbox WHERE status = 'failed'").await,
        1,
        "no retry after a 5xx"
    );
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 1);
}

async fn an_unsubscribed_customer_gets_no_more_email(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1")], "email").await;
    let mail = sink.wait_for(1, 15).await.remove(0);
    let unsubscribe = mail.link(&app.addr, "/unsubscribe/");
    for _ in 0..2 {
        let (s, html) = page(&app, &unsubscribe).await;
        assert_eq!(s, 200);
        assert!(html.contains("<form method=\"post\""));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM suppressions").await, 0, "GET does not unsubscribe");
    let (s, _) = post(&app, None, &unsubscribe, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(s, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM suppressions").await, 1);

    app.seed_cycle("2027-Q1").await;
    let (s, _) = app.post("/api/v1/cycles/2027-Q1/invitations", json!({"invitations":[customer_invite("C1")]})).await;
    assert_eq!(s, 201);
    common::outbox_drained(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'skipped'").await, 1, "skipped, not sent");
    assert_eq!(sink.messages().len(), 1, "no email after unsubscribing");
}

async fn the_database_holds_no_emailed_token(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    invite(&app, vec![customer_invite("C1"), customer_invite("C2")], "email").await;
    let mails = sink.wait_for(2, 15).await;
    let mut tokens = Vec::new();
    for m in &mails {
        for prefix in ["/s/", "/unsubscribe/"] {
            let link = m.link(&app.addr, prefix);
            tokens.push(link.rsplit('/').next().unwrap().to_string());
        }
    }
    assert_eq!(tokens.len(), 4);
    let dump = match backend {
        Backend::Postgres => {
            let mut all = String::new();
            for table in [
                "people",
                "customers",
                "surveys",
                "questions",
                "cycles",
                "invitations",
                "links",
                "outbox",
                "responses",
                "answers",
                "api_keys",
                "sessions",
                "suppressions",
            ] {
                let rows: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT row_to_json(t)::text FROM {table} t")))
                        .fetch_all(&app.state.db().pool)
                        .await
                        .unwrap();
                all.push_str(&rows.join("\n"));
            }
            assert!(all.contains("buyer@acme.example"), "the dump has data");
            all
        }
        Backend::Sqlite => {
            let (db, _) = app.stop().await;
            let mut bytes = std::fs::read(db.dir.path().join("candor.db")).unwrap();
            bytes.extend(std::fs::read(db.dir.path().join("candor.db-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    for t in &tokens {
        assert!(!dump.contains(t.as_str()), "token stored in clear");
    }
}

on_both_databases!(
    customer_answers_from_the_emailed_link,
    chinese_customers_get_chinese_email_and_page,
    unknown_closed_and_limited_links,
    fifty_racing_posts_store_exactly_one,
    invitations_are_validated_and_deduplicated,
    ten_thousand_invitations_in_one_call,
    without_smtp_emails_are_written_as_eml_files,
    emails_wait_for_an_smtp_server_that_is_down,
    a_permanent_refusal_is_marked_failed,
    connections_dropped_mid_send_are_retried,
    an_unsubscribed_customer_gets_no_more_email,
    the_database_holds_no_emailed_token,
);
