//! The pages over HTTP as a browser without JavaScript sees them: signing in through a minted
//! link (as `candor login-link` does), pages and forms with or without a session, CSRF fields,
//! and multipart uploads.
use super::TestApp;
use candor::domain::EmailAddress;

/// A path of this app (`/…`) or a whole URL, as a whole URL.
fn full(app: &TestApp, url: &str) -> String {
    if url.starts_with('/') { app.url(url) } else { url.to_string() }
}

/// The status, and the `Location` of a redirect or else the body.
async fn answer(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    match res.headers().get("location") {
        Some(to) => (status, to.to_str().unwrap().to_string()),
        None => (status, res.text().await.unwrap()),
    }
}

/// GETs a path or URL, with the session `cookie` if given: (status, Location or body).
pub async fn get(app: &TestApp, cookie: Option<&str>, url: &str) -> (u16, String) {
    let mut req = app.client.get(full(app, url));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    answer(req.send().await.unwrap()).await
}

/// A page as someone without a session sees it (a respondent's link, say).
pub async fn page(app: &TestApp, url: &str) -> (u16, String) {
    get(app, None, url).await
}

/// POSTs a form to a path or URL, with the session `cookie` if given: (status, Location or body).
pub async fn post(app: &TestApp, cookie: Option<&str>, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let mut req = app.client.post(full(app, url)).form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    answer(req.send().await.unwrap()).await
}

/// The value of a form's hidden `csrf` field.
pub fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a csrf field") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn address(email: &str) -> EmailAddress {
    EmailAddress::parse(email).expect("a valid address")
}

/// Signs in through a sign-in link by posting its button: the session cookie and where the
/// server sends the browser next.
pub async fn sign_in_at(app: &TestApp, link: &str) -> (String, String) {
    let res = app.client.post(link).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "signing in at {link}");
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    (cookie, to)
}

/// A minted sign-in link for `email`, as `candor login-link` makes it (`admin` makes them one).
pub async fn login_link(app: &TestApp, email: &str, admin: bool) -> String {
    candor::app::accounts::login_link(&app.state, &address(email), admin).await.expect("a sign-in link").1
}

/// Signs in as the person with this address; the session cookie.
pub async fn session(app: &TestApp, email: &str) -> String {
    sign_in_at(app, &login_link(app, email, false).await).await.0
}

/// Makes the owner of this address an admin (creating an admin account if nobody has it).
pub async fn make_admin(app: &TestApp, email: &str) {
    login_link(app, email, true).await;
}

/// An admin's session on the admin page: (cookie, the page's CSRF token).
pub async fn admin_session(app: &TestApp, email: &str) -> (String, String) {
    let (cookie, _) = sign_in_at(app, &login_link(app, email, true).await).await;
    let (s, html) = get(app, Some(&cookie), "/admin?lang=en").await;
    assert_eq!(s, 200, "{html}");
    let csrf = csrf_of(&html);
    (cookie, csrf)
}

/// A `multipart/form-data` body with these fields and a CSV file `file`: (content type, body).
pub fn multipart(fields: &[(&str, &str)], file: &str) -> (String, Vec<u8>) {
    use std::io::Write;
    let boundary = "candor-test-boundary-7c1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").unwrap();
    }
    write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n").unwrap();
    body.extend_from_slice(file.as_bytes());
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A raw connection to the app, for what a well-behaved client would never send.
pub fn raw_connection(app: &TestApp) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(app.addr.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    s
}

/// The head of a POST to `path` with these headers and a body of `length` bytes, on a
/// connection the server closes after answering.
pub fn post_head(path: &str, headers: &[(&str, &str)], length: usize) -> String {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: x\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head + &format!("Content-Length: {length}\r\nConnection: close\r\n\r\n")
}

/// Sends `head` and then `body` on a raw connection from one thread while another reads: the
/// server's whole answer, even when it answers before the body is all sent and closes the
/// connection (a client that reads only once it has sent everything may meet the reset first
/// and never see the answer).
pub async fn answer_while_sending(app: &TestApp, head: String, body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let s = raw_connection(app);
    let mut writer = s.try_clone().unwrap();
    tokio::task::spawn_blocking(move || {
        let sending = std::thread::spawn(move || {
            let _ = writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(&body));
        });
        let mut out = Vec::new();
        let _ = (&s).read_to_end(&mut out);
        // Unblocks the sender if the server stopped reading without closing.
        let _ = s.shutdown(std::net::Shutdown::Both);
        sending.join().unwrap();
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .unwrap()
}
