//! Anonymous reviews reach raters only by email (CONTRACT §10): tests invite or launch by email
//! and read each rater's links from what was sent, as the rater would.
use super::TestApp;
use super::smtp::{Mail, SmtpSink, decode_dir};
use serde_json::{Value, json};
use std::collections::HashMap;

/// What reached the mailboxes: the SMTP sink's messages, or the app's `.eml` files.
pub fn inbox(app: &TestApp, sink: Option<&SmtpSink>) -> Vec<Mail> {
    match sink {
        Some(s) => s.messages(),
        None => decode_dir(&app.mail_dir),
    }
}

/// The text of the email to `to` whose subject holds `about`, once the sink has it. Every
/// email has an HTML part beside its text, with the same links.
pub async fn told(sink: &SmtpSink, to: &str, about: &str) -> String {
    let mail = super::eventually(20, || async {
        sink.messages().into_iter().find(|m| m.rcpt_tos == [to] && m.subject.contains(about))
    })
    .await;
    let html = mail.html.as_deref().unwrap_or_default();
    for link in mail.text().split_whitespace().filter(|w| w.starts_with("http")) {
        assert!(html.contains(&link.replace('&', "&#38;")), "{link} in the HTML part too: {html}");
    }
    mail.text().to_string()
}

/// The messages sent to `address`, oldest first.
pub fn mails_to(app: &TestApp, sink: Option<&SmtpSink>, address: &str) -> Vec<Mail> {
    inbox(app, sink).into_iter().filter(|m| m.is_to(address)).collect()
}

/// Waits until at least `n` messages went to `address`, and returns them all.
pub async fn wait_mails_to(app: &TestApp, sink: Option<&SmtpSink>, address: &str, n: usize) -> Vec<Mail> {
    super::eventually(30, || async {
        let m = mails_to(app, sink, address);
        (m.len() >= n).then_some(m)
    })
    .await
}

/// One emailed review link: `{"subject", "respondent": {"person"|"customer": id}, "url"}`, the
/// shape the API once handed back.
pub type Link = Value;

/// Runs `action` (a call that creates invitations and queues their emails) and returns a link
/// for each invitation it created, in the order they were created, read from the emails: one
/// email per respondent, carrying their reviews in that order. Customers who share an address
/// get one email each, and their links are handed out in the order the emails arrived.
pub async fn emailed_links<F, Fut>(app: &TestApp, sink: Option<&SmtpSink>, action: F) -> (Value, Vec<Link>)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = (u16, Value)>,
{
    let pool = &app.state.db().pool;
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM invitations").fetch_one(pool).await.unwrap();
    let everyone: Vec<(String,)> =
        sqlx::query_as("SELECT email FROM people UNION SELECT email FROM customers WHERE email <> ''")
            .fetch_all(pool)
            .await
            .unwrap();
    let mail = inbox(app, sink);
    let before: HashMap<String, usize> =
        everyone.into_iter().map(|(a,)| (a.clone(), mail.iter().filter(|m| m.is_to(&a)).count())).collect();
    let (s, b) = action().await;
    assert_eq!(s, 201, "{b}");
    let created: Vec<(String, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT i.subject_id, i.respondent_person_id, i.respondent_customer_id, COALESCE(i.sent_to, '') \
         FROM invitations i WHERE i.id > $1 AND i.delivery = 'email' ORDER BY i.id",
    )
    .bind(last)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut per_address: HashMap<String, usize> = HashMap::new();
    let mut keys: HashMap<String, std::collections::BTreeSet<String>> = HashMap::new();
    for (_, person, customer, to) in &created {
        keys.entry(to.clone()).or_default().insert(format!("{person:?}{customer:?}"));
    }
    for (to, k) in &keys {
        per_address.insert(to.clone(), k.len());
    }
    let mut links: HashMap<String, std::vec::IntoIter<String>> = HashMap::new();
    for (to, new) in &per_address {
        let old = before.get(to).copied().unwrap_or(0);
        let all = wait_mails_to(app, sink, to, old + new).await;
        let urls: Vec<String> = all[old..].iter().flat_map(|m| m.links(&app.addr, "/s/")).collect();
        links.insert(to.clone(), urls.into_iter());
    }
    let out = created
        .iter()
        .map(|(subject, person, customer, to)| {
            let url = links.get_mut(to).and_then(Iterator::next).unwrap_or_else(|| panic!("no link for {to}"));
            let respondent = match (person, customer) {
                (Some(p), _) => json!({ "person": p }),
                (_, c) => json!({ "customer": c }),
            };
            json!({"subject": subject, "respondent": respondent, "url": url})
        })
        .collect();
    (b, out)
}

/// Creates these invitations of `cycle` by email and returns each one's link, in order.
pub async fn invite_by_email(
    app: &TestApp,
    sink: Option<&SmtpSink>,
    cycle: &str,
    invitations: Vec<Value>,
) -> Vec<String> {
    let path = format!("/api/v1/cycles/{cycle}/invitations");
    let (_, links) = emailed_links(app, sink, || app.post(&path, json!({ "invitations": invitations }))).await;
    links.iter().map(|l| l["url"].as_str().unwrap().to_string()).collect()
}

/// Launches a 360 in `cycle` (by email); the answer, with the emailed links in `"links"`.
pub async fn launch_by_email(app: &TestApp, sink: Option<&SmtpSink>, cycle: &str, body: Value) -> Value {
    let path = format!("/api/v1/cycles/{cycle}/launch");
    let (mut b, links) = emailed_links(app, sink, || app.post(&path, body)).await;
    b["links"] = Value::Array(links);
    b
}

/// Invites `row` of `cycle` by email and answers it from the emailed link with `form`.
pub async fn answer_by_email(app: &TestApp, cycle: &str, row: Value, form: &[(&str, &str)]) {
    let link = invite_by_email(app, None, cycle, vec![row]).await.remove(0);
    let (s, body) = super::web::post(app, None, &link, form).await;
    assert_eq!(s, 303, "{body}");
}
