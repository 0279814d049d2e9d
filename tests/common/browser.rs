//! Headless Chromium driven over WebDriver (chromedriver), and what the browser stories ask of
//! it: waiting for a page's text, signing in, and screenshots of what is drawn.
use super::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// chromedriver and the browser it started, in a process group of their own with a profile
/// directory of their own: both are ended (the group, by its id) and removed when dropped,
/// also when a test fails before closing its session.
pub struct Driver {
    child: Child,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// chromedriver on a port it binds itself (`--port=0`), read back from what it prints: no
/// other process can take the port in between.
fn start_driver() -> (Driver, u16) {
    use std::os::unix::process::CommandExt;
    let program = std::env::var("CANDOR_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let mut child = Command::new(&program)
        .arg("--port=0")
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {program} (apt-get install chromium chromium-driver): {e}"));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let driver = Driver { child, profile: tempfile::tempdir().expect("a profile directory") };
    let mut seen = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        let port =
            line.split("started successfully on port ").nth(1).and_then(|p| p.trim_end_matches('.').parse().ok());
        if let Some(port) = port {
            // Whatever it prints later is read and dropped, so it never writes to a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return (driver, port);
        }
        seen.push(line);
    }
    panic!("chromedriver did not say its port: {seen:?}");
}

pub async fn browser() -> (Driver, Client) {
    let (driver, port) = tokio::task::spawn_blocking(start_driver).await.unwrap();
    let profile = format!("--user-data-dir={}", driver.profile.path().display());
    let caps = json!({"goog:chromeOptions": {
        "binary": std::env::var("CANDOR_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=en-US", profile]}});
    let caps: fantoccini::wd::Capabilities = caps.as_object().unwrap().clone().into_iter().collect();
    let url = format!("http://127.0.0.1:{port}");
    let session = super::eventually(30, || async {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await.ok()
    })
    .await;
    (driver, session)
}

/// Where `css` is drawn: `[left, top, right, bottom, window width, window height]`, or null
/// when nothing matches or it is hidden.
const DRAWN_AT: &str = "const e = document.querySelector(arguments[0]); if (!e) return null; \
    const s = getComputedStyle(e); if (s.visibility !== 'visible' || s.display === 'none') return null; \
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight];";

/// Saves a screenshot of the window as `name`.png (to docs/screenshots/ with
/// CANDOR_SCREENSHOTS set, else to the temporary directory), once `css` — what the picture is
/// meant to show — is drawn inside the window with a size.
pub async fn shot(c: &Client, name: &str, css: &str) {
    let dir = match std::env::var("CANDOR_SCREENSHOTS") {
        Ok(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"),
        Err(_) => std::env::temp_dir().join("candor-screenshots"),
    };
    shot_to(c, &dir, name, css).await;
}

/// [`shot`], to `dir`.
pub async fn shot_to(c: &Client, dir: &std::path::Path, name: &str, css: &str) {
    accessible(c, name).await;
    let at = c.execute(DRAWN_AT, vec![json!(css)]).await.unwrap();
    let r: Vec<f64> = at
        .as_array()
        .unwrap_or_else(|| panic!("{name}: {css} is not drawn"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let [left, top, right, bottom, width, height] = r[..] else { panic!("{name}: {r:?}") };
    assert!(right > left && bottom > top, "{name}: {css} has no size: {r:?}");
    assert!(left < width && right > 0.0 && top < height && bottom > 0.0, "{name}: {css} is outside the window: {r:?}");
    let png = c.screenshot().await.unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

pub async fn text_of(c: &Client) -> String {
    c.find(Locator::Css("main")).await.unwrap().text().await.unwrap()
}

/// Waits until the page's main text contains `needle` (a click returns before its page loads).
pub async fn wait_text(c: &Client, needle: &str) -> String {
    let shown = super::eventually(10, || async {
        let text = c.find(Locator::Css("main")).await.ok()?.text().await.ok()?;
        text.contains(needle).then_some(text)
    });
    shown.await
}

/// Signs in as the person with this address, through a minted sign-in link and its button.
pub async fn sign_in(c: &Client, app: &TestApp, email: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&super::web::login_link(app, email, false).await).await.unwrap();
    click(c, "form button").await;
    // Signed in once the page has left /login.
    super::eventually(10, || async { (!c.current_url().await.ok()?.path().starts_with("/login")).then_some(()) }).await;
}

pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// Asserts that the page is no wider than the window.
pub async fn no_overflow(c: &Client, what: &str) {
    let overflow = c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    if overflow.as_i64().unwrap_or(99) > 1 {
        // What sticks out, outside the boxes that scroll on purpose.
        let widest = "const out = []; for (const e of document.querySelectorAll('body *')) { const r = e.getBoundingClientRect(); \
              const loose = !(e.parentElement && e.parentElement.closest('.scroll')) || getComputedStyle(e).position === 'absolute'; \
              if (loose && r.right > window.innerWidth + 1) out.push([e.tagName, e.id, e.className, Math.round(r.left), Math.round(r.right), (e.textContent || '').slice(0, 40)]); } return out.slice(0, 8);";
        let culprit = c.execute(widest, vec![]).await.unwrap();
        panic!("{what}: horizontal overflow {overflow}: {culprit}");
    }
}

/// The smallest text of the page's charts as drawn, in CSS pixels (0 when there is none).
pub async fn smallest_chart_text(c: &Client) -> f64 {
    let js = "const sizes = [...document.querySelectorAll('svg.chart')].flatMap(s => { \
                const k = s.getBoundingClientRect().width / s.viewBox.baseVal.width; \
                return [...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * k); }); \
              return sizes.length ? Math.min(...sizes) : 0;";
    c.execute(js, vec![]).await.unwrap().as_f64().unwrap()
}

/// axe-core's script (installed by scripts/setup.sh), read once.
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/axe/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh)", path.display()))
    })
}

/// Runs axe-core on the page as it is now — WCAG 2.0, 2.1 and 2.2 A and AA, and best
/// practice, colour contrast included — and fails on any violation, of any impact.
pub async fn accessible(c: &Client, what: &str) {
    let loaded = c.execute("return typeof window.axe === 'object';", vec![]).await.unwrap();
    if loaded != json!(true) {
        c.execute(axe_source(), vec![]).await.unwrap();
    }
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, {resultTypes: ['violations']}) \
               .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`))) \
               .catch(e => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .unwrap();
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    assert!(found.is_empty(), "{what}: accessibility violations:\n{}", found.join("\n"));
}

/// How many pages a PDF that Chromium printed has (its page objects: `/Type /Page`).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let page = "/Type /Page";
    text.match_indices(page).filter(|(i, _)| !text[i + page.len()..].starts_with('s')).count()
}
