//! Who is asking and who will see the answers: the organisation's name on every survey page,
//! the sign-in page and every email, and a privacy line that matches the relation and the
//! cycle's `min_raters`, in both languages.
use crate::common;

use common::smtp::SmtpSink;
use common::web::page;
use common::{Backend, TestApp, eventually, spawn_app_with};
use serde_json::json;

async fn app_with_org(backend: Backend, sink: &SmtpSink, logo: &std::path::Path) -> TestApp {
    let url = sink.url();
    let logo = logo.to_path_buf();
    let app = spawn_app_with(backend, |c| {
        c.smtp_url = Some(url);
        c.org_name = Some("Northwind Trading".into());
        c.org_logo = Some(logo);
    })
    .await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_peer_survey().await;
    app.seed_cycle("2026-Q4").await;
    app
}

/// A page that must answer 200: its body.
async fn shown(app: &TestApp, url: &str) -> String {
    let (s, html) = page(app, url).await;
    assert_eq!(s, 200, "{url}: {html}");
    html
}

async fn the_organisation_and_the_privacy_line_are_everywhere(backend: Backend) {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    std::fs::write(&logo, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-not-a-real-image").unwrap();
    let app = app_with_org(backend, &sink, &logo).await;
    let res = app.client.get(app.url("/assets/logo")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
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
    let acme_link = acme.link(&app.addr, "/s/");
    let html = shown(&app, &acme_link).await;
    assert!(html.contains(r#"class="logo">Northwind Trading<"#), "{html}");
    assert!(html.contains("go to Northwind Trading&#39;s sales management"), "{html}");

    // A customer in Chinese: the same, in Chinese.
    let dragon = to("cai@dragon.example");
    assert!(dragon.subject.starts_with("Northwind Trading："), "{}", dragon.subject);
    assert!(dragon.text().contains("代表Northwind Trading发送"), "{}", dragon.text());
    let html = shown(&app, &dragon.link(&app.addr, "/s/")).await;
    assert!(html.contains("提交给Northwind Trading的销售管理层"), "{html}");

    // Sam: a peer review (anonymous, the cycle's 3) and his self-review (attributed).
    let sam = to("sam.carter@example.com");
    // The cycle's 3 people in all: an answer is combined with 2 others (CONTRACT §10).
    assert!(sam.text().contains("combined with at least 2 others"), "{}", sam.text());
    assert!(!sam.text().contains("at least 3 others"), "{}", sam.text());
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
        let html = shown(&app, l).await;
        let at = html.find(r#"id="privacy">"#).unwrap() + r#"id="privacy">"#.len();
        lines.push(html[at..].split('<').next().unwrap().to_string());
    }
    lines.sort();
    assert!(lines[0].contains("combined with at least 2 others"), "{lines:?}");
    assert!(lines[1].contains("with your managers and HR"), "{lines:?}");

    // Once answered, the link's page still says who asked.
    let res = app.client.post(&acme_link).form(&[("q1", "5")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let res = app.client.get(&acme_link).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409);
    assert!(res.text().await.unwrap().contains("Northwind Trading"));
    // The sign-in page says whose it is.
    let html = shown(&app, "/login").await;
    assert!(html.contains(r#"src="/assets/logo""#) && html.contains("Northwind Trading</p>"), "{html}");
    // Sign-in and other emails come from the organisation too.
    assert_eq!(
        app.client.post(app.url("/login")).form(&[("email", "li.na@example.com")]).send().await.unwrap().status(),
        200
    );
    let login =
        eventually(20, || async { sink.messages().into_iter().find(|m| m.rcpt_tos == ["li.na@example.com"]) }).await;
    assert!(login.headers["From"].contains("Northwind Trading"), "{:?}", login.headers);
    assert!(
        login.subject.starts_with("Northwind Trading："),
        "in her language, its punctuation too: {}",
        login.subject
    );
    assert!(login.subject.contains("登录"), "{}", login.subject);
    assert!(login.text().contains("— Northwind Trading"), "{}", login.text());
}

on_both_databases!(the_organisation_and_the_privacy_line_are_everywhere);

/// A logo is a PNG, JPEG or SVG of at most 256 KiB; anything else stops the start (exit 2).
#[test]
fn only_a_real_image_is_a_logo() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config("sqlite::memory:", dir.path().join("mail"));
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    config.org_logo = Some(file("a.svg", b"  <svg xmlns='http://www.w3.org/2000/svg'/>"));
    assert_eq!(config.org_logo().unwrap().unwrap().0, "image/svg+xml");
    config.org_logo = Some(file("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]));
    assert_eq!(config.org_logo().unwrap().unwrap().0, "image/jpeg");
    config.org_logo = Some(file("a.html", b"<html><script>alert(1)</script>"));
    assert!(config.org_logo().unwrap_err().contains("not a PNG, JPEG or SVG"));
    config.org_logo = Some(file("big.png", &[b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; 300 * 1024]].concat()));
    assert!(config.org_logo().unwrap_err().contains("256 KiB"));
    config.org_logo = Some(dir.path().join("missing.png"));
    assert!(config.org_logo().is_err());
}
