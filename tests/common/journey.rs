//! What the journeys (tests/browser_journeys.rs) share: the four ways a page is seen (360 px
//! and 1280 px, English and 简体中文), a step's checks (no overflow, no English left on a
//! Chinese page, axe, a screenshot), signing in from the emailed link, and reading a report's
//! numbers off the page to compare them with the API's.
use super::TestApp;
use super::browser::{click, no_overflow, shot_to};
use super::smtp::SmtpSink;
use candor::domain::Locale;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// A way a page is seen: its window and its language.
#[derive(Clone, Copy, Debug)]
pub struct View {
    pub width: u32,
    pub height: u32,
    pub size: &'static str,
    pub lang: &'static str,
    pub locale: Locale,
}

impl View {
    /// `en` or `zh`, as screenshot names say it.
    pub fn short(&self) -> &'static str {
        if self.locale == Locale::En { "en" } else { "zh" }
    }

    pub fn en(&self) -> bool {
        self.locale == Locale::En
    }

    /// The English or the Chinese of a text, as this view shows it.
    pub fn says<'a>(&self, en: &'a str, zh: &'a str) -> &'a str {
        if self.en() { en } else { zh }
    }

    pub async fn apply(&self, c: &Client) {
        c.set_window_size(self.width, self.height).await.unwrap();
    }
}

/// Every journey is walked in these four views.
pub const VIEWS: [View; 4] = [
    View { width: 1280, height: 900, size: "desktop", lang: "en", locale: Locale::En },
    View { width: 360, height: 800, size: "phone", lang: "zh-CN", locale: Locale::ZhCn },
    View { width: 1280, height: 900, size: "desktop", lang: "zh-CN", locale: Locale::ZhCn },
    View { width: 360, height: 800, size: "phone", lang: "en", locale: Locale::En },
];

/// One step of a journey as seen in `view`: nothing wider than the window, no English left on
/// a Chinese page but `allowed` words (names, ids), axe finds nothing, and a screenshot
/// `journey-{person}-{step}-{size}-{lang}.png` in target/journeys/ once `css` is drawn.
pub async fn step(c: &Client, view: &View, person: &str, name: &str, css: &str, allowed: &[&str]) {
    let what = format!("{person} {name} ({} {})", view.size, view.lang);
    no_overflow(c, &what).await;
    // What the picture is of, on screen (the least scrolling that shows it).
    let js = "document.querySelector(arguments[0]).scrollIntoView({block: 'nearest'});";
    c.execute(js, vec![json!(css)]).await.unwrap();
    if !view.en() {
        let text = super::browser::text_of(c).await;
        let left = english_words(&text, allowed);
        assert!(left.is_empty(), "{what}: English on a Chinese page: {left:?}\n{text}");
    }
    let file = format!("journey-{person}-{name}-{}-{}", view.size, view.short());
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/journeys");
    shot_to(c, &dir, &file, css).await;
}

/// Latin words of three letters or more that are not in `allowed` (nor a word of an allowed
/// phrase) nor a unit everyone writes in Latin letters.
pub fn english_words(text: &str, allowed: &[&str]) -> Vec<String> {
    // Written in Latin letters in Chinese too: units, keys, the language switch ("English"),
    // and identifiers shown as code (CSV columns, API paths, scopes, the command line).
    const LATIN: &[&str] = &[
        "CSAT",
        "NPS",
        "Candor",
        "UTC",
        "KPI",
        "CSV",
        "Excel",
        "API",
        "PDF",
        "English",
        "Ctrl",
        "MiB",
        "UTF",
        "Webhook",
        "URL",
        "Asia",
        "Shanghai",
        "name",
        "email",
        "manager",
        "team",
        "locale",
        "owner",
        "phone",
        "role",
        "active",
        "false",
        "GET",
        "api",
        "export",
        "people",
        "customers",
        "scores",
        "admin",
        "scim",
        "candor",
        "login",
        "link",
        "EMAIL",
    ];
    let ok: std::collections::HashSet<&str> = allowed
        .iter()
        .flat_map(|a| a.split(|c: char| !c.is_ascii_alphanumeric()))
        .chain(LATIN.iter().copied())
        .collect();
    let mut left: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3 && !ok.contains(w))
        .map(String::from)
        .collect();
    left.dedup();
    left
}

/// Names and ids of the demo organisation and of what a journey adds, which stay as written.
pub async fn proper_names(app: &TestApp) -> Vec<String> {
    let pool = &app.state.db().pool;
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM people UNION SELECT id FROM people UNION SELECT email FROM people \
         UNION SELECT name FROM customers UNION SELECT id FROM customers UNION SELECT COALESCE(team, '') FROM people \
         UNION SELECT id FROM cycles UNION SELECT id FROM surveys UNION SELECT name FROM api_keys \
         UNION SELECT text FROM answers WHERE text IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().map(|(s,)| s).collect()
}

/// Signs in as a person would: the address typed on /login, the link from the email that
/// arrives (real SMTP), its button. Lands on the person's home.
pub async fn sign_in_by_email(c: &Client, app: &TestApp, sink: &SmtpSink, email: &str) {
    c.delete_all_cookies().await.unwrap();
    let before = sink.messages().iter().filter(|m| m.rcpt_tos == [email] && m.text().contains("/login/")).count();
    c.goto(&app.url("/login?lang=en")).await.unwrap();
    c.find(Locator::Id("email")).await.unwrap().send_keys(email).await.unwrap();
    click(c, "form button").await;
    super::browser::wait_text(c, "sign-in link is on its way").await;
    let mail = super::eventually(20, || async {
        let mine: Vec<_> =
            sink.messages().into_iter().filter(|m| m.rcpt_tos == [email] && m.text().contains("/login/")).collect();
        (mine.len() > before).then(|| mine.last().unwrap().clone())
    })
    .await;
    c.goto(&mail.link(&app.addr, "/login/")).await.unwrap();
    click(c, "form button").await;
    super::eventually(10, || async { (c.current_url().await.ok()?.path() == "/me").then_some(()) }).await;
}

/// A report's indicator blocks as the page draws them: heading, customer figures, and the
/// cells of each row of its table by relation.
pub async fn report_blocks(c: &Client) -> Vec<Value> {
    let js = "return [...document.querySelectorAll('.blocks section.block')].map(s => ({ \
        heading: s.querySelector('h2').innerText.trim(), \
        figures: (s.querySelector('.figures') || {innerText: ''}).innerText.trim(), \
        rows: [...s.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.innerText.trim())) }));";
    let blocks = c.execute(js, vec![]).await.unwrap();
    blocks.as_array().unwrap().clone()
}

fn one(v: &Value) -> String {
    v.as_f64().map(|x| format!("{x:.1}")).unwrap_or_default()
}

/// Asserts that a report shows exactly the API's figures for `subject` (one subject of
/// `…/scores`): each indicator's score and n, its CSAT as a percent and its NPS, and each
/// relation's score, n and interval; an indicator the API withholds shows no number.
pub fn assert_report_is_the_apis(blocks: &[Value], subject: &Value, locale: Locale, what: &str) {
    let indicators = subject["indicators"].as_object().expect("indicators");
    let mut shown = 0;
    for (indicator, api) in indicators {
        let label = candor::i18n::indicator_label(locale, indicator);
        let Some(block) = blocks.iter().find(|b| b["heading"].as_str().unwrap().starts_with(&label)) else {
            assert!(api["score"].is_null(), "{what}: {indicator} has a score in the API but no block: {blocks:?}");
            continue;
        };
        let heading = block["heading"].as_str().unwrap();
        let n = format!("(n = {})", api["n"]);
        assert!(heading.ends_with(&n), "{what}: {indicator} {heading:?} vs the API's n {n}");
        if let Some(score) = api["score"].as_f64() {
            assert!(heading.contains(&format!("{score:.1} ")), "{what}: {indicator} {heading:?} vs the API's {score}");
            shown += 1;
        }
        let figures = block["figures"].as_str().unwrap();
        let r = candor::i18n::review_text(locale);
        if let Some(csat) = api["csat"].as_f64() {
            let percent = format!("{} {:.0} %", r.csat, csat * 100.0);
            assert!(figures.contains(&percent), "{what}: {figures:?} vs the API's {percent}");
        }
        if let Some(nps) = api["nps"].as_f64() {
            let nps = format!("{} {nps:+.0}", r.nps);
            assert!(figures.contains(&nps), "{what}: {figures:?} vs the API's {nps}");
        }
        for row in block["rows"].as_array().unwrap() {
            let cells: Vec<&str> = row.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            // With no relation in the API's answer (customers only), the indicator is the
            // customers' group, as the page draws it.
            let by = api["by_relation"].as_object().filter(|by| !by.is_empty());
            let (relation, group) = match by {
                Some(by) => by
                    .iter()
                    .find(|(r, _)| candor::i18n::relation_label(locale, r) == cells[0])
                    .map(|(r, g)| (r.as_str(), g))
                    .unwrap_or_else(|| panic!("{what}: {indicator}: a row the API does not have: {cells:?}")),
                None => {
                    assert_eq!(cells[0], candor::i18n::relation_label(locale, "customer"), "{what}: {indicator}");
                    ("customer", api)
                }
            };
            if group["score"].is_number() {
                assert_eq!(cells[1], one(&group["score"]), "{what}: {indicator} {relation} score");
            }
            assert_eq!(cells[2], group["n"].to_string(), "{what}: {indicator} {relation} n");
            let interval = match group["ci95"].as_array() {
                Some(ci) => format!("{}–{}", one(&ci[0]), one(&ci[1])),
                None => String::new(),
            };
            assert_eq!(cells[3], interval, "{what}: {indicator} {relation} interval");
        }
    }
    assert!(shown > 0, "{what}: no score shown at all: {blocks:?} vs {subject}");
}

/// One subject of a cycle's scores, as the API (a `scores` key, as the scoring step reads it)
/// answers.
pub async fn api_subject(app: &TestApp, key: &str, cycle: &str, id: &str) -> Value {
    let (s, scores) = app.get_with_key(&format!("/api/v1/cycles/{cycle}/scores"), key).await;
    assert_eq!(s, 200, "{scores}");
    scores["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == id).cloned().unwrap_or(json!(null))
}
