//! Who is asking and who will see the answers: the organisation's name on every survey page,
//! the sign-in page and every email, and a privacy line that matches the relation and the
//! cycle's `min_raters`, in both languages.
use crate::common;

use common::smtp::SmtpSink;
use common::{Backend, TestApp, eventually, spawn_app_with};
use serde_json::json;

async fn app_with_org(backend: Backend, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    let app = spawn_app_with(backend, |c| {
        c.smtp_url = Some(url);
        c.org_name = Some("Northwind Trading".into());
    })
    .await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_peer_survey().await;
    app.seed_cycle("2026-Q4").await;
    app
}

async fn page(app: &TestApp, url: &str) -> String {
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{url}");
    res.text().await.unwrap()
}

async fn the_organisation_and_the_privacy_line_are_everywhere(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with_org(backend, &sink).await;
    let rows = json!([
        {"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"},
        {"survey":"csat","subject":"E1001","respondent":{"customer":"C2"},"relation":"customer"},
        {"survey":"peer360","subject":"E1001","respondent":{"person":"E1002"},"relation":"peer"},
        {"survey":"peer360","subject":"E1002","respondent":{"person":"E1002"},"relation":"self"}]);
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations": rows})).await;
    assert_eq!(s, 201, "{b}");
    let mails = sink.wait_for(3, 20).await;
    let to =
        |addr: &str| mails.iter().find(|m| m.rcpt_tos == [addr]).unwrap_or_else(|| panic!("mail to {addr}")).clone();

    // A customer, in English: the sender, the subject and the body name the organisation.
    let acme = to("buyer@acme.example");
    assert!(acme.headers["From"].contains("Northwind Trading"), "{:?}", acme.headers);
    assert!(acme.subject.starts_with("Northwind Trading: "), "{}", acme.subject);
    assert!(acme.text().contains("Sent for Northwind Trading by Candor"), "{}", acme.text());
    assert!(acme.text().contains("go to Northwind Trading's sales management"), "{}", acme.text());
    let html = page(&app, &acme.link(&app.addr, "/s/")).await;
    assert!(html.contains(r#"id="org">Northwind Trading<"#), "{html}");
    assert!(
        html.contains("go to Northwind Trading&#39;s sales management")
            || html.contains("go to Northwind Trading's sales management"),
        "{html}"
    );

    // A customer in Chinese: the same, in Chinese.
    let dragon = to("cai@dragon.example");
    assert!(dragon.subject.starts_with("Northwind Trading: "), "{}", dragon.subject);
    assert!(dragon.text().contains("代表Northwind Trading发送"), "{}", dragon.text());
    let html = page(&app, &dragon.link(&app.addr, "/s/")).await;
    assert!(html.contains("提交给Northwind Trading的销售管理层"), "{html}");

    // Sam: a peer review (anonymous, the cycle's 3) and his self-review (attributed).
    let sam = to("sam.carter@example.com");
    assert!(sam.text().contains("combined with at least 3 others"), "{}", sam.text());
    assert!(sam.text().contains("including administrators"), "{}", sam.text());
    assert!(sam.text().contains("with your managers and HR"), "{}", sam.text());
    let links: Vec<String> = sam
        .text()
        .split_whitespace()
        .filter(|w| w.starts_with(&format!("{}/s/", app.addr)))
        .map(str::to_string)
        .collect();
    let mut lines = Vec::new();
    for l in &links {
        let html = page(&app, l).await;
        let at = html.find(r#"id="privacy">"#).unwrap() + r#"id="privacy">"#.len();
        lines.push(html[at..].split('<').next().unwrap().to_string());
    }
    lines.sort();
    assert!(lines[0].contains("combined with at least 3 others"), "{lines:?}");
    assert!(lines[1].contains("with your managers and HR"), "{lines:?}");

    // The sign-in page says whose it is.
    let html = page(&app, &app.url("/login")).await;
    assert!(html.contains(r#"id="org">Northwind Trading<"#), "{html}");
    // Sign-in and other emails come from the organisation too.
    assert_eq!(
        app.client.post(app.url("/login")).form(&[("email", "li.na@example.com")]).send().await.unwrap().status(),
        200
    );
    let login =
        eventually(20, || async { sink.messages().into_iter().find(|m| m.rcpt_tos == ["li.na@example.com"]) }).await;
    assert!(login.headers["From"].contains("Northwind Trading"), "{:?}", login.headers);
}

on_both_databases!(the_organisation_and_the_privacy_line_are_everywhere);
