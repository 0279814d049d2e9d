//! Hostile clients and bad input, each found by attacking the landed binary: connections that
//! hold the server, bodies read before any check, cross-site sign-ins, flooded sign-in emails,
//! webhooks aimed inside the network or slow enough to hold up email, error shapes, and input
//! that reorders itself. Everything on loopback; waits are bounded and never asserted as times.
use crate::common::smtp::SmtpSink;
use crate::common::web::{
    admin_session, answer_while_sending, get, login_link, multipart, post, post_head, raw_connection,
};
use crate::common::{self, Backend, count, spawn_app_with};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;

/// A form's content type.
const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Reads until the server closes the connection; what it sent.
fn until_closed(mut s: TcpStream) -> String {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

async fn silent_and_half_sent_connections_are_closed(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.header_timeout_secs = 1).await;
    let silent = raw_connection(&app);
    let mut half = raw_connection(&app);
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
    let (a, b) = tokio::task::spawn_blocking(move || (until_closed(silent), until_closed(half))).await.unwrap();
    assert!(!a.contains("200 OK") && !b.contains("200 OK"), "closed without an answer: {a:?} {b:?}");
    // A connection that goes quiet between keep-alive requests is closed too.
    let mut idle = raw_connection(&app);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let answer = tokio::task::spawn_blocking(move || until_closed(idle)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

async fn connections_over_the_cap_are_closed(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.max_connections = 3).await;
    let held: Vec<TcpStream> = (0..3).map(|_| raw_connection(&app)).collect();
    // Let the server take up the three before the fourth arrives.
    common::eventually(10, || async {
        let mut extra = raw_connection(&app);
        let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let got = tokio::task::spawn_blocking(move || until_closed(extra)).await.unwrap();
        got.is_empty().then_some(())
    })
    .await;
    drop(held);
    common::eventually(10, || async {
        let res = app.client.get(app.url("/healthz")).send().await.ok()?;
        (res.status().as_u16() == 200).then_some(())
    })
    .await;
}

async fn bodies_are_read_only_after_the_checks(backend: Backend) {
    let app = common::seeded(backend, None).await;
    let link = app.customer_link("C1").await;
    // A forged token: answered from the head alone, before a byte of a 2 MB body arrives.
    let mut s = raw_connection(&app);
    let forged = "A".repeat(43);
    write!(s, "POST /s/{forged} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\n").unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 404");
    // A real link: more than its survey could ever need is refused, and the link still works.
    // (The server answers before the client has sent it all and closes the connection: the
    // answer is read while the body is still being sent.)
    let huge = format!("q1=4&q3={}", "x".repeat(200_000));
    let path = link.trim_start_matches(&app.addr);
    let answer = answer_while_sending(&app, post_head(path, &[FORM], huge.len()), huge.into_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(500)]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 0);
    let res = app.client.post(&link).form(&[("q1", "4"), ("q3", "fine")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // A sign-in request is no larger than an address.
    let huge = format!("email={}", "x".repeat(200_000));
    let answer = answer_while_sending(&app, post_head("/login", &[FORM], huge.len()), huge.into_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(500)]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 0);
}

async fn a_sign_in_posted_from_another_site_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.seed_org().await;
    let link = login_link(&app, "li.na@example.com", false).await;
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let res = app.client.post(&link).header(name, value).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 403, "{name}: {value}");
        assert!(res.headers().get("set-cookie").is_none());
    }
    let res = app.client.post(&link).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "the link was not spent by the refused posts");
}

async fn sign_in_emails_are_limited_per_person(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    app.seed_org().await;
    for i in 0..6 {
        for email in ["li.na@example.com", "nobody@example.com"] {
            // Each from another client, so only the per-person limit can stop them.
            let res = app
                .client
                .post(app.url("/login"))
                .header("x-forwarded-for", format!("203.0.113.{i}"))
                .form(&[("email", email)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200, "the same answer for every address");
        }
    }
    // README: at most 3 sign-in emails per person per 15 minutes.
    let queued = count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'login'").await;
    assert_eq!(queued, 3, "a flood sends a few emails, not six");
}

async fn guesses_count_per_client_behind_a_trusted_proxy(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.trusted_proxies = vec!["127.0.0.0/8".into()]).await;
    let guess = |client: &'static str| {
        let url = app.url(&format!("/s/{}", "B".repeat(43)));
        let c = app.client.clone();
        async move { c.get(url).header("x-forwarded-for", client).send().await.unwrap().status().as_u16() }
    };
    for _ in 0..30 {
        assert_eq!(guess("2001:db8:1:2::1").await, 404);
    }
    assert_eq!(guess("2001:db8:1:2::99").await, 429, "another address of the same /64 is the same client");
    assert_eq!(guess("198.51.100.4").await, 404, "another client behind the same proxy is not locked out");
}

async fn webhooks_cannot_reach_inside_the_network(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.webhook_allow_private = false).await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://2130706433/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/",
        "https://user:pw@hooks.example.com/",
    ] {
        let (s, b) = app.post("/api/v1/webhooks", json!({"url":url,"secret":"0123456789abcdef0123"})).await;
        assert_eq!((s, b["error"]["code"].as_str()), (422, Some("invalid_webhook")), "{url}: {b}");
    }
    let (s, b) = app
        .post("/api/v1/webhooks", json!({"url":"https://hooks.example.com/candor","secret":"0123456789abcdef0123"}))
        .await;
    assert_eq!(s, 201, "{b}");
}

/// A receiver that holds every delivery until the test lets it go.
async fn stuck_receiver() -> (String, tokio::sync::watch::Sender<bool>) {
    let (release, gate) = tokio::sync::watch::channel(false);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let mut gate = gate.clone();
            async move {
                let _ = gate.wait_for(|open| *open).await.map(|_| ());
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, release)
}

async fn a_slow_webhook_holds_up_no_email(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| c.smtp_url = Some(smtp)).await;
    app.seed_org().await;
    app.seed_cycle("2026-Q4").await;
    let (url, release) = stuck_receiver().await;
    let (s, _) = app.post("/api/v1/webhooks", json!({"url":url,"secret":"0123456789abcdef0123"})).await;
    assert_eq!(s, 201);
    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    common::eventually(10, || async {
        (count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'webhook' AND attempts >= 1").await == 1).then_some(())
    })
    .await;
    // The webhook is in flight and stuck; a sign-in email still goes out.
    let res = app.client.post(app.url("/login")).form(&[("email", "li.na@example.com")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mails = sink.wait_for(1, 20).await;
    assert_eq!(mails[0].rcpt_tos, ["li.na@example.com"]);
    assert!(mails[0].subject.contains("登录"), "in Li Na's language (zh-CN): {}", mails[0].subject);
    let html = mails[0].html.as_deref().unwrap_or_default();
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("/login/"), "an HTML part too: {html}");
    let _ = release.send(true);
}

async fn every_error_keeps_its_shape(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.seed_cycle("2026-Q4").await;
    let api = |method: reqwest::Method, path: &str| {
        app.client.request(method, app.url(path)).bearer_auth(&app.admin_key).send()
    };
    for (method, path, status, code) in [
        (reqwest::Method::DELETE, "/api/v1/people", 405, "method_not_allowed"),
        (reqwest::Method::GET, "/api/v1/cycles/2026-Q4/comments?subject=a&subject=b", 400, "invalid_query"),
        (reqwest::Method::GET, "/api/v1/cycles/%FF%FE/scores", 400, "invalid_path"),
        (reqwest::Method::GET, "/api/v1/nothing-here", 404, "not_found"),
    ] {
        let res = api(method.clone(), path).await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{method} {path}");
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(body["error"]["code"], code, "{method} {path}: {body}");
    }
    for (method, path, status) in
        [(reqwest::Method::GET, "/no/such/page", 404), (reqwest::Method::DELETE, "/login", 405)]
    {
        let res = app.client.request(method, app.url(path)).header("accept-language", "zh-CN").send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("lang=\"zh-CN\"") && body.contains("href=\"/dashboard"),
            "a page with a way back: {body}"
        );
    }
}

async fn text_that_reorders_itself_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    for name in ["Li\u{202E}aN", "a\u{2028}b"] {
        let (s, b) =
            app.post("/api/v1/people", json!({"people":[{"id":"E1","name":name,"email":"e1@example.com"}]})).await;
        assert_eq!((s, b["error"]["code"].as_str()), (422, Some("invalid_name")), "{b}");
    }
    let cycle = |opens: &str, weights: Value| json!({"id":"C","title":"C","opens_at":opens,"closes_at":"2099-01-01T00:00:00Z","weights":weights});
    let (s, b) = app.post("/api/v1/cycles", cycle("0000-01-01T00:00:00Z", json!({}))).await;
    assert_eq!(s, 422, "year 0: {b}");
    let (s, b) = app
        .post("/api/v1/cycles", cycle("2026-01-01T00:00:00Z", json!({"manager":0,"peer":0,"direct_report":0})))
        .await;
    assert_eq!(s, 422, "all-zero weights: {b}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 0, "nothing of a refused batch is stored");
}

async fn scores_csv_keeps_ids_as_they_are(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let (s, b) =
        app.post("/api/v1/people", json!({"people":[{"id":"-1","name":"=cmd()","email":"m1@example.com"}]})).await;
    assert_eq!(s, 200, "{b}");
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("2026-Q4").await;
    let (s, b) =
        app.post("/api/v1/cycles/2026-Q4/launch", json!({"survey":"p","subjects":"all","deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    let csv = app.csv_with_key("/api/v1/cycles/2026-Q4/scores.csv", &app.admin_key).await;
    assert!(csv.contains(",-1,'=cmd()"), "the id stays -1, the formula is neutralised: {csv}");
}

on_both_databases!(
    silent_and_half_sent_connections_are_closed,
    connections_over_the_cap_are_closed,
    bodies_are_read_only_after_the_checks,
    a_sign_in_posted_from_another_site_is_refused,
    sign_in_emails_are_limited_per_person,
    guesses_count_per_client_behind_a_trusted_proxy,
    webhooks_cannot_reach_inside_the_network,
    a_slow_webhook_holds_up_no_email,
    every_error_keeps_its_shape,
    text_that_reorders_itself_is_refused,
    scores_csv_keeps_ids_as_they_are,
    large_imports_are_reported_and_confirmed_by_id,
);

/// Large imports: over the limit is said plainly and nothing can be confirmed; a large valid
/// file previews and is confirmed by the server's id for it, not by posting it again.
async fn large_imports_are_reported_and_confirmed_by_id(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.seed_org().await;
    let (cookie, csrf) = admin_session(&app, "sam.carter@example.com").await;
    let (_, page) = get(&app, Some(&cookie), "/admin?lang=en").await;
    assert!(page.contains("16 MiB"), "the page states the limit");

    // Over the limit: the server stops reading at 16 MiB and answers with the page, in the
    // language the request asks for; nothing can be confirmed.
    let too_big = format!("id,name,email\n{}", "X1,Name,x@example.com\n".repeat(800_000));
    let (ctype, body) = multipart(&[("csrf", &csrf), ("kind", "people"), ("lang", "en")], &too_big);
    let head = post_head(
        "/admin/import",
        &[("Cookie", &cookie), ("Accept-Language", "en"), ("Content-Type", &ctype)],
        body.len(),
    );
    let answer = answer_while_sending(&app, head, body).await;
    let shown = &answer[..answer.len().min(3000)];
    assert!(answer.starts_with("HTTP/1.1 422"), "{shown}");
    assert!(answer.contains("could not be read") && answer.contains("16 MiB"), "said plainly, in English: {shown}");
    assert!(!answer.contains("name=\"import\""), "no confirm form: {shown}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM pending_imports").await, 0);

    let rows: String = (0..40_000).map(|i| format!("B{i},Person {i},p{i}@bulk.example\n")).collect();
    let (ctype, body) =
        multipart(&[("csrf", &csrf), ("kind", "people"), ("lang", "en")], &format!("id,name,email\n{rows}"));
    let req = app.client.post(app.url("/admin/import")).header("cookie", &cookie).header("content-type", ctype);
    let res = req.body(body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body = res.text().await.unwrap();
    let at = body.find("name=\"import\" value=\"").expect("a confirm form") + "name=\"import\" value=\"".len();
    let id = &body[at..at + 32];
    let confirm = [("csrf", csrf.as_str()), ("import", id), ("lang", "en")];
    assert_eq!(post(&app, Some(&cookie), "/admin/import/confirm", &confirm).await.0, 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people WHERE id LIKE 'B%'").await, 40_000);
    // Confirmed once: the id is spent, a conflict with what is stored.
    assert_eq!(post(&app, Some(&cookie), "/admin/import/confirm", &confirm).await.0, 409);
}
