//! Limits per route and per client, attacked over HTTP on loopback: bodies refused before they
//! are read, and one client's sockets leaving room for everyone else. The figures are printed
//! (run with `--nocapture` to see them) and asserted against generous bounds only.
use crate::common::web::{answer_while_sending, post_head};
use crate::common::{self, Backend, TestApp, spawn_app_with};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One flood at a time in this process: the memory figures are the process's own.
static FLOOD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Resets the peak resident size (`VmHWM`) to the current one and returns it, in KiB; the test
/// process hosts the server, so its peak is the server's (and the client's) memory.
fn reset_peak_rss() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS (Linux 4.0 or later)");
    status_kib("VmRSS:")
}

/// One POST of `body`, sent while its answer is read: the status, or `None` when the server
/// closed the connection before an answer arrived.
async fn post_large(addr: String, path: String, body: &'static [u8]) -> Option<u16> {
    let stream = tokio::net::TcpStream::connect(&addr).await.ok()?;
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let sending = async move {
        if write.write_all(head.as_bytes()).await.is_ok() {
            let _ = write.write_all(body).await;
        }
        write
    };
    let answer = async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        std::str::from_utf8(&got).ok()?.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse::<u16>().ok()
    };
    tokio::pin!(answer);
    let answered = async {
        tokio::select! {
            status = &mut answer => status,
            // The whole body went out: the server read it, and answers now.
            _write = sending => answer.await,
        }
    };
    tokio::time::timeout(Duration::from_secs(60), answered).await.expect("an answer or a close within 60 s")
}

/// Many concurrent 2 MB bodies at guessed links and signed-out forms: each is refused from its
/// request head (404, 429, 303, 410) or after a few KiB (413), so the server's memory grows
/// by a little, not by the bodies (the December attack saw 816–971 MiB for 300).
async fn large_bodies_to_guessed_links_cost_no_memory(backend: Backend) {
    let _one = FLOOD.lock().await;
    let app = spawn_app_with(backend, |c| {
        // The guesses use up 127.0.0.1's budget; the rest of the test is another client.
        c.trusted_proxies = vec!["127.0.0.1".into()];
        // Not what this test is about: the per-client share of connections.
        c.max_connections_per_client = 1024;
    })
    .await;
    static BODY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body: &'static [u8] = BODY.get_or_init(|| [b"reason=".as_slice(), &vec![b'x'; 2_000_000]].concat());
    let guess = "A".repeat(43);
    // The attack's two routes, 150 each, and every other route that takes a POST without a
    // session, 10 each.
    let mut paths: Vec<String> = (0..300).map(|i| format!("/s/{guess}/{}", ["decline", "next"][i % 2])).collect();
    for path in [
        format!("/s/{guess}"),
        format!("/unsubscribe/{guess}"),
        format!("/login/{guess}"),
        "/login".to_string(),
        "/logout".to_string(),
        "/admin/cycles".to_string(),
    ] {
        paths.extend(std::iter::repeat_n(path, 10));
    }
    let addr = app.addr.trim_start_matches("http://").to_string();
    let before = reset_peak_rss();
    let tasks: Vec<_> = paths.iter().map(|path| tokio::spawn(post_large(addr.clone(), path.clone(), body))).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status.is_none_or(|s| [303, 400, 404, 410, 413, 429].contains(&s)),
            "a large body is refused, never taken: {status:?}"
        );
        *seen.entry(status.map_or("closed".into(), |s| s.to_string())).or_default() += 1;
    }
    let grown_mib = status_kib("VmHWM:").saturating_sub(before) / 1024;
    let n = paths.len();
    println!(
        "{backend:?}: {n} POSTs of 2 MB to guessed links and signed-out forms: {seen:?}; peak RSS +{grown_mib} MiB"
    );
    assert!(grown_mib < 160, "the server read the bodies: its peak memory grew by {grown_mib} MiB");
    // It still serves, and a live link still declines, with a reason of a sane size only.
    let link = live_link(&app).await;
    // (The server answers before the body is all sent, and closes: the answer is read while
    // the body is still being sent.)
    let long = format!("reason={}", "x".repeat(100_000));
    let decline = format!("{}/decline", link.trim_start_matches(&app.addr));
    let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("X-Forwarded-For", "198.51.100.7")];
    let answer = answer_while_sending(&app, post_head(&decline, &headers, long.len()), long.into_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "a reason longer than the form takes: {answer}");
    let res = app
        .client
        .post(format!("{link}/decline"))
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[("reason", "not my customer")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "the link was still live");
}

async fn live_link(app: &TestApp) -> String {
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    app.customer_link("C1").await
}

/// A client on `from` that opens a fresh connection for every request.
fn client_from(from: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// One client (127.0.0.1) opens more idle sockets than the whole server takes; health probes
/// from another address (127.0.0.2; Linux routes all of 127/8 to loopback) still get in,
/// because that client holds no more than its share.
async fn one_client_cannot_take_every_connection(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.max_connections = 100;
        c.max_connections_per_client = 64;
        // The hog's sockets stay open for the whole test, however slow the machine.
        c.header_timeout_secs = 120;
    })
    .await;
    let addr = app.addr.trim_start_matches("http://").to_string();
    let hog: Vec<std::net::TcpStream> = (0..200).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    // Connections are accepted in the order they arrive: each probe comes after all of them.
    let probe = client_from([127, 0, 0, 2]);
    let mut answered = 0;
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..21 {
        match probe.get(app.url("/healthz")).send().await {
            Ok(res) if res.status().as_u16() == 200 => answered += 1,
            Ok(res) => *failures.entry(res.status().to_string()).or_default() += 1,
            Err(_) => *failures.entry("closed without an answer".into()).or_default() += 1,
        }
    }
    println!(
        "{backend:?}: 127.0.0.1 opened 200 idle sockets; {answered} of 21 /healthz probes from 127.0.0.2 answered 200 {failures:?}"
    );
    assert_eq!(answered, 21, "every probe from elsewhere got in: {failures:?}");
    for s in &hog {
        s.set_nonblocking(true).unwrap();
    }
    // The sockets over its share were closed at once; the rest are held.
    let still_open = || {
        let open = hog
            .iter()
            .filter(|s| {
                let mut byte = [0u8; 1];
                matches!(std::io::Read::read(&mut &**s, &mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count();
        async move { (open <= 64).then_some(open) }
    };
    let held = common::eventually(20, still_open).await;
    println!("{backend:?}: 127.0.0.1 holds {held} of its 200 sockets (cap 100, share 64)");
    assert_eq!(held, 64, "one client holds its share, no more");
}

/// Behind a trusted proxy the connections are the proxy's, so the share counts each client
/// it names by its requests in flight: one client's stalled uploads leave the rest alone.
async fn behind_a_proxy_each_client_has_its_share_of_requests(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.max_connections_per_client = 4;
    })
    .await;
    let addr = app.addr.trim_start_matches("http://").to_string();
    // Uploads from 203.0.113.9 whose bodies never come.
    let upload = || async {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/people HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nX-Forwarded-For: 203.0.113.9\r\nContent-Length: 100\r\n\r\n{{",
            app.admin_key
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s
    };
    let mut stalled = Vec::new();
    for _ in 0..4 {
        stalled.push(upload().await);
    }
    // One more is refused once four are in flight. (Requests are read in no set order: an
    // upload still unanswered after a second is in flight too, and stays.)
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut probe = upload().await;
        let mut head = [0u8; 12];
        match tokio::time::timeout(Duration::from_secs(1), probe.read_exact(&mut head)).await {
            Ok(Ok(_)) if &head == b"HTTP/1.1 429" => break,
            Ok(answer) => {
                panic!("an upload over the share is refused: {answer:?} {:?}", String::from_utf8_lossy(&head))
            }
            Err(_) => stalled.push(probe),
        }
        assert!(tokio::time::Instant::now() < deadline, "no upload over the share was refused");
    }
    let health = |client: &'static str| {
        let req = app.client.get(app.url("/healthz")).header("x-forwarded-for", client);
        async move { req.send().await.map(|r| r.status().as_u16()).ok() }
    };
    let other = health("203.0.113.10").await;
    println!(
        "{backend:?}: 203.0.113.9 sent {} uploads that stalled (4 in flight), its next got 429; 203.0.113.10 got {other:?}",
        stalled.len()
    );
    assert_eq!(other, Some(200), "another client behind the same proxy is served");
    drop(stalled);
    let again = common::eventually(20, || async { health("203.0.113.9").await.filter(|s| *s == 200) }).await;
    assert_eq!(again, 200, "the share comes back when its requests end");
}

/// A launch past the stated limit of invitations per call is refused whole, with a clear 422,
/// before anything is written: one team of 450 asks for 450 × 449 peer reviews (202,050).
async fn a_launch_past_the_limit_is_refused_whole(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let people: Vec<serde_json::Value> = (0..450)
        .map(|i| serde_json::json!({"id":format!("T{i}"),"name":format!("Seller {i}"),"email":format!("t{i}@corp.example"),"team":"One"}))
        .collect();
    let (s, b) = app.post("/api/v1/people", serde_json::json!({ "people": people })).await;
    assert_eq!(s, 200, "{b}");
    app.seed_teamwork_survey("p", false).await;
    app.seed_cycle("Q4").await;
    let launch = serde_json::json!({"survey":"p","subjects":"all","peers":"team"});
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", launch).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["code"], "too_many_invitations", "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("200000"), "the limit is stated: {b}");
    let made: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invitations").fetch_one(&app.state.db().pool).await.unwrap();
    assert_eq!(made, 0, "nothing was created");
    let (s, b) = app
        .post("/api/v1/cycles/Q4/launch", serde_json::json!({"survey":"p","subjects":["T1","T2"],"peers":"team"}))
        .await;
    assert_eq!(s, 201, "a launch in parts goes through: {b}");
}

on_both_databases!(
    a_launch_past_the_limit_is_refused_whole,
    large_bodies_to_guessed_links_cost_no_memory,
    one_client_cannot_take_every_connection,
    behind_a_proxy_each_client_has_its_share_of_requests,
);
