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
