//! Sign-in through the organisation's identity provider (CONTRACT §11), end to end over HTTP
//! against a real, certified OpenID Connect provider (the npm package `oidc-provider`,
//! `tests/support/oidc/provider.mjs`): its own login and consent forms, then Candor's
//! callback. And the refusals: a wrong or missing `state`, a replayed callback and code, an
//! address nobody has, an unverified one, the provider's refusal, and tokens signed with a key
//! the provider does not publish.
use crate::common;

use common::web::get;
use common::{Backend, TestApp, spawn_app_with};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// The provider's process, ended when dropped.
struct Idp {
    child: Child,
    issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider (`npm ci` in tests/support/oidc installs it; scripts/test.sh does) and
/// waits for the address it chose.
async fn idp(rogue: bool) -> Idp {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/oidc");
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("provider.mjs")).current_dir(&dir).stdout(Stdio::piped()).stderr(Stdio::null());
    if rogue {
        cmd.arg("--rogue");
    }
    let mut child = cmd.spawn().expect("node (apt-get install nodejs; npm ci in tests/support/oidc)");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let hint = "is it installed? scripts/setup.sh runs npm ci in tests/support/oidc";
    let issuer = line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("the provider said {line:?}: {hint}"));
    let issuer = issuer.to_string();
    Idp { child, issuer }
}

async fn app_with(backend: Backend, idp: &Idp, links: &str) -> TestApp {
    let issuer = idp.issuer.clone();
    let links = links.to_string();
    let app = spawn_app_with(backend, |c| {
        c.oidc_issuer = Some(issuer);
        c.oidc_client_id = Some("candor".into());
        c.oidc_client_secret = Some("candor-test-secret".into());
        c.oidc_name = Some("Example SSO".into());
        c.login_links = links;
    })
    .await;
    app.seed_org().await;
    app
}

/// A browser's cookies, by name (one site each: the provider's, or Candor's flow cookie).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_string(), value.to_string());
            }
        }
    }

    fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

fn location(res: &reqwest::Response, base: &str) -> String {
    let loc = res.headers().get("location").expect("a redirect").to_str().unwrap();
    url::Url::parse(base).unwrap().join(loc).unwrap().to_string()
}

fn attr_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker:?} not in {html}")) + marker.len();
    html[at..].split('"').next().unwrap()
}

/// Presses the sign-in page's provider button: the flow's cookie and the provider's address.
async fn start(app: &TestApp, lang: &str) -> (Jar, String) {
    let (s, page) = get(app, None, &format!("/login?lang={lang}")).await;
    assert_eq!(s, 200);
    let action = attr_after(&page, "<form method=\"post\" action=\"").replace("&amp;", "&");
    assert!(action.starts_with("/login/oidc"), "the provider is offered first: {page}");
    let res = app.client.post(app.url(&action)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let mut jar = Jar::default();
    jar.take(&res);
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly; SameSite=Lax"));
    (jar, location(&res, &app.addr))
}

/// Signs in at the provider as `login` through its own forms and consent; returns the URL it
/// sends the browser back to (Candor's callback).
async fn at_provider(app: &TestApp, mut url: String, login: &str) -> String {
    let mut jar = Jar::default();
    for _ in 0..12 {
        if url.starts_with(&app.addr) {
            return url;
        }
        let res = app.client.get(&url).header("cookie", jar.header()).send().await.unwrap();
        jar.take(&res);
        if res.status().is_redirection() {
            url = location(&res, &url);
            continue;
        }
        assert_eq!(res.status().as_u16(), 200, "{url}");
        let html = res.text().await.unwrap();
        let action = location_of_form(&html, &url);
        let prompt = attr_after(&html, "name=\"prompt\" value=\"").to_string();
        let form: Vec<(&str, &str)> = match prompt.as_str() {
            "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
            _ => vec![("prompt", "consent")],
        };
        let res = app.client.post(&action).header("cookie", jar.header()).form(&form).send().await.unwrap();
        jar.take(&res);
        assert!(res.status().is_redirection(), "{prompt}: {}", res.status());
        url = location(&res, &action);
    }
    panic!("the provider never sent the browser back");
}

fn location_of_form(html: &str, base: &str) -> String {
    url::Url::parse(base).unwrap().join(attr_after(html, "action=\"")).unwrap().to_string()
}

async fn back_at_candor(app: &TestApp, jar: &Jar, callback: &str) -> reqwest::Response {
    app.client.get(callback).header("cookie", jar.header()).send().await.unwrap()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("candor_session=") && !c.starts_with("candor_session=;"))
}

async fn signs_in_with_the_identity_provider(backend: Backend) {
    let provider = idp(false).await;
    let app = app_with(backend, &provider, "on").await;
    let (_, page) = get(&app, None, "/login").await;
    let (button, email_form) = (page.find("Sign in with Example SSO").unwrap(), page.find("type=\"email\"").unwrap());
    assert!(button < email_form, "the provider first, emailed links still offered");

    let (jar, auth) = start(&app, "en").await;
    assert!(auth.starts_with(&provider.issuer), "{auth}");
    assert!(auth.contains("code_challenge_method=S256") && auth.contains("nonce="), "PKCE and a nonce: {auth}");
    let callback = at_provider(&app, auth, "wang").await;
    let res = back_at_candor(&app, &jar, &callback).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/me", "everyone lands on their home");
    // The session is today's: the same cookie, flags and lifetime as a sign-in link opens.
    let cookie = session_cookie(&res).expect("a session");
    assert!(cookie.contains("; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"), "{cookie}");
    let all: Vec<&str> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(all.iter().any(|c| c.starts_with("candor_oidc=;") && c.contains("Max-Age=0")), "{all:?}");
    let session = cookie.split(';').next().unwrap().to_string();
    let (s, dashboard) = get(&app, Some(&session), "/dashboard").await;
    assert_eq!(s, 200);
    assert!(dashboard.contains("Wang Fang"), "the address in mixed case named E1000");

    // The same callback again (a replay) finishes nothing.
    let again = back_at_candor(&app, &jar, &callback).await;
    assert_eq!(again.status().as_u16(), 410);
    assert!(session_cookie(&again).is_none());
    assert!(again.text().await.unwrap().contains("expired or was used already"));
    // Nor does its code under a new sign-in's state: the provider takes a code once.
    let (jar2, auth2) = start(&app, "en").await;
    let state2 = url::Url::parse(&auth2).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let mut replayed = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = replayed
        .query_pairs()
        .map(|(k, v)| (k.to_string(), if k == "state" { state2.clone() } else { v.to_string() }))
        .collect();
    replayed.query_pairs_mut().clear().extend_pairs(pairs);
    let res = back_at_candor(&app, &jar2, replayed.as_str()).await;
    assert_eq!(res.status().as_u16(), 403);
    assert!(session_cookie(&res).is_none());
    assert!(res.text().await.unwrap().contains("could not verify the answer from Example SSO"));
}

async fn refusals_leave_no_session(backend: Backend) {
    let provider = idp(false).await;
    let app = app_with(backend, &provider, "on").await;
    let refused = |res: reqwest::Response, status: u16, words: &'static str| async move {
        assert_eq!(res.status().as_u16(), status);
        assert!(session_cookie(&res).is_none(), "no session");
        let page = res.text().await.unwrap();
        assert!(page.contains(words), "{words:?} in {page}");
    };

    // An address nobody in Candor has: said in the language the sign-in started in.
    let (jar, auth) = start(&app, "zh-CN").await;
    let callback = at_provider(&app, auth, "nobody").await;
    refused(back_at_candor(&app, &jar, &callback).await, 403, "nobody@example.com，但 Candor 中没有使用此地址的人员")
        .await;
    let (jar, auth) = start(&app, "en").await;
    let callback = at_provider(&app, auth, "nobody").await;
    refused(back_at_candor(&app, &jar, &callback).await, 403, "no one in Candor has it").await;

    // An address the provider does not vouch for, though a person has it.
    let (jar, auth) = start(&app, "en").await;
    let callback = at_provider(&app, auth, "unverified").await;
    refused(back_at_candor(&app, &jar, &callback).await, 403, "did not confirm your email address").await;

    // A state this browser did not start with, or none; then a forged one it holds.
    let (jar, auth) = start(&app, "en").await;
    let callback = at_provider(&app, auth, "wang").await;
    let mut other = Jar::default();
    other.0.insert("candor_oidc".into(), "x".repeat(43));
    refused(back_at_candor(&app, &other, &callback).await, 403, "not started in this browser").await;
    refused(back_at_candor(&app, &Jar::default(), &callback).await, 403, "not started in this browser").await;
    let forged = format!("{}/login/oidc/callback?code=abc&state={}", app.addr, "y".repeat(43));
    let mut holds = Jar::default();
    holds.0.insert("candor_oidc".into(), "y".repeat(43));
    refused(back_at_candor(&app, &holds, &forged).await, 410, "expired or was used already").await;
    // The refusals above used nothing up: the real callback still signs in, once.
    let res = back_at_candor(&app, &jar, &callback).await;
    assert_eq!(res.status().as_u16(), 303);

    // The provider said no.
    let (jar, auth) = start(&app, "en").await;
    let state = url::Url::parse(&auth).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let denied = format!("{}/login/oidc/callback?error=access_denied&state={state}", app.addr);
    refused(back_at_candor(&app, &jar, &denied).await, 403, "cancelled or refused at Example SSO").await;

    // A provider whose tokens are signed with a key it does not publish.
    let rogue = idp(true).await;
    let app = app_with(backend, &rogue, "on").await;
    let (jar, auth) = start(&app, "en").await;
    let callback = at_provider(&app, auth, "wang").await;
    refused(back_at_candor(&app, &jar, &callback).await, 403, "could not verify the answer from Example SSO").await;
}

async fn the_provider_can_be_the_only_way_in(backend: Backend) {
    let provider = idp(false).await;
    let app = app_with(backend, &provider, "off").await;
    let (s, page) = get(&app, None, "/login").await;
    assert_eq!(s, 200);
    assert!(page.contains("Sign in with Example SSO") && !page.contains("type=\"email\""), "{page}");
    let res = app.client.post(app.url("/login")).form(&[("email", "li.na@example.com")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().await.unwrap().contains("not sent by email here"));
    let (s, page) = get(&app, None, "/login?lang=zh-CN").await;
    assert_eq!(s, 200);
    assert!(page.contains("使用Example SSO登录"), "{page}");
    let (jar, auth) = start(&app, "en").await;
    let callback = at_provider(&app, auth, "wang").await;
    assert_eq!(back_at_candor(&app, &jar, &callback).await.status().as_u16(), 303);
    // Starting sign-ins shares the per-client budget of sign-in requests (10 a minute).
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(app.client.post(app.url("/login/oidc?lang=en")).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 303).count() <= 9, "{statuses:?}");
}

on_both_databases!(signs_in_with_the_identity_provider, refusals_leave_no_session, the_provider_can_be_the_only_way_in);
