//! A rater's flow across reviews (CONTRACT §9): the next review from the thanks page, drafts
//! saved for later, declining a review, `/me`, and peer nomination with approval.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{csrf_of, get, page, post, session, sign_in_at};
use common::{Backend, TestApp, count, eventually, spawn_app_with};
use serde_json::{Value, json};

/// The review stories' organisation and `peer360` survey, and the open cycle `2026-Q4`.
async fn app_with(backend: Backend, smtp: Option<&SmtpSink>) -> TestApp {
    let url = smtp.map(SmtpSink::url);
    let app = spawn_app_with(backend, |c| c.smtp_url = url).await;
    app.seed_review_org().await;
    app.seed_cycle("2026-Q4").await;
    app
}

/// Launches Sam, Chen and Eve with team peers, links handed back: Sam reviews himself, Chen
/// and Eve (as a peer) and is reviewed by Chen and Eve.
async fn launch_with_links(app: &TestApp) -> Vec<Value> {
    let body = json!({"survey":"peer360","subjects":["E1002","E1003","E1005"],"peers":"team"});
    let b = common::mail::launch_by_email(app, None, "2026-Q4", body).await;
    b["links"].as_array().unwrap().clone()
}

fn link_for(links: &[Value], subject: &str, rater: &str) -> String {
    let l = links.iter().find(|l| l["subject"] == subject && l["respondent"]["person"] == rater).expect("a link");
    l["url"].as_str().unwrap().to_string()
}

/// The value of the hidden `invitation` field of the thanks page's "next review" form.
fn next_invitation(html: &str) -> String {
    let at = html.find(r#"name="invitation" value=""#).expect("a next review") + r#"name="invitation" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Launches Sam, Chen and Eve with team peers by email; Sam's links by the subject they ask about.
async fn emailed_links_of_sam(app: &TestApp, sink: &SmtpSink) -> std::collections::HashMap<String, String> {
    let body = json!({"survey":"peer360","subjects":["E1002","E1003","E1005"],"peers":"team"});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/launch", body).await.0, 201);
    let sam =
        eventually(20, || async { sink.messages().into_iter().find(|m| m.rcpt_tos == ["sam@corp.example"]) }).await;
    let mut by_subject = std::collections::HashMap::new();
    for url in sam.text().split_whitespace().filter(|w| w.starts_with(&format!("{}/s/", app.addr))) {
        let hash = candor::domain::token::sha256_hex(url.rsplit('/').next().unwrap());
        let subject: String = sqlx::query_scalar(
            "SELECT i.subject_id FROM links l JOIN invitations i ON i.id = l.invitation_id WHERE l.token_hash = $1",
        )
        .bind(hash)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
        by_subject.insert(subject, url.to_string());
    }
    assert_eq!(by_subject.len(), 3, "{}", sam.text());
    by_subject
}

async fn rater_goes_from_review_to_review(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with(backend, Some(&sink)).await;
    let links = emailed_links_of_sam(&app, &sink).await;
    let first = links["E1003"].clone();
    assert_eq!(post(&app, None, &first, &[("t1", "4")]).await.0, 303);
    let (s, html) = page(&app, &format!("{first}/thanks")).await;
    assert_eq!(s, 200);
    assert!(html.contains("1 of 3 reviews done"), "{html}");
    assert!(html.contains("Next: "), "{html}");
    // The next review opens through a fresh link; the rater never sees another's.
    let next = next_invitation(&html);
    let (s, to) = post(&app, None, &format!("{first}/next"), &[("invitation", next.as_str())]).await;
    assert_eq!(s, 303, "{to}");
    let fresh = app.url(to.split('?').next().unwrap());
    assert_eq!(page(&app, &fresh).await.0, 200);
    assert_eq!(post(&app, None, &fresh, &[("t1", "5")]).await.0, 303);
    // Someone else's invitation is not reachable from this link.
    let others: i64 = count(&app, "SELECT MIN(id) FROM invitations WHERE respondent_person_id = 'E1003'").await;
    let (s, _) = post(&app, None, &format!("{first}/next"), &[("invitation", &others.to_string())]).await;
    assert_eq!(s, 404);
    // The last review: nothing next, and it says so.
    let (_, html) = page(&app, &format!("{fresh}/thanks")).await;
    let last = next_invitation(&html);
    let (_, to) = post(&app, None, &format!("{fresh}/next"), &[("invitation", last.as_str())]).await;
    let third = app.url(to.split('?').next().unwrap());
    assert_eq!(post(&app, None, &third, &[("t1", "3")]).await.0, 303);
    let (_, html) = page(&app, &format!("{third}/thanks")).await;
    assert!(html.contains("3 of 3 reviews done") && html.contains("last review"), "{html}");
    assert!(!html.contains(r#"name="invitation""#), "{html}");
    // Not a dead end: a colleague's way on to their other cycles' reviews and their results.
    assert!(html.contains(r#"<a href="/me?lang=en" id="my-reviews">"#), "{html}");
}

async fn a_draft_is_saved_sealed_and_reopened_by_any_link_of_its_invitation(backend: Backend) {
    let app = app_with(backend, None).await;
    let links = launch_with_links(&app).await;
    let link = link_for(&links, "E1003", "E1002");
    let secret = "keeps the whole team calm";
    let (s, to) = post(&app, None, &link, &[("t1", "4"), ("note", secret), ("junk", "x"), ("action", "save")]).await;
    assert_eq!(s, 303, "{to}");
    let (s, html) = page(&app, &to).await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"id="saved""#) && html.contains(secret), "back to the form, prefilled: {html}");
    // Nothing counts and nothing is readable: the row holds ciphertext only.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE completed = TRUE").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 0);
    let (hash, sealed): (String, String) =
        sqlx::query_as("SELECT token_hash, sealed FROM drafts").fetch_one(&app.state.db().pool).await.unwrap();
    assert!(!sealed.contains(secret));
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(&sealed).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(secret));
    // Sealed like an answer: under the server key, bound to its invitation (so every live link
    // of that invitation reopens it), and under nothing else.
    let invitation = count(&app, "SELECT invitation_id FROM drafts").await;
    let key = app.state.config.read_server_key().unwrap().expect("the tests' key");
    let drafts = candor::domain::draft::DraftSecret::derive(&key);
    assert_eq!(candor::domain::draft::DraftSecret::derive(&[1; 32]).open(invitation, &bytes), None, "another key");
    assert_eq!(drafts.open(invitation + 1, &bytes), None, "another invitation");
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(drafts.open_legacy(token, &hash, &bytes), None, "not keyed by the link any more");
    let fields = drafts.open(invitation, &bytes).expect("its invitation opens it");
    assert!(fields.iter().any(|(_, v)| v == secret));
    assert!(!fields.iter().any(|(k, _)| k == "junk" || k == "action"), "only the survey's fields: {fields:?}");
    // Every draft of a survey has one size: a long comment looks like a short one.
    let other_link = link_for(&links, "E1005", "E1002");
    let long = "a much longer comment ".repeat(40);
    assert_eq!(post(&app, None, &other_link, &[("t1", "2"), ("note", &long), ("action", "save")]).await.0, 303);
    let sizes: Vec<(i64,)> =
        sqlx::query_as("SELECT LENGTH(sealed) FROM drafts").fetch_all(&app.state.db().pool).await.unwrap();
    assert_eq!(sizes.len(), 2);
    assert_eq!(sizes[0], sizes[1]);
    assert_eq!(post(&app, None, &other_link, &[("t1", "2"), ("note", "x")]).await.0, 303);
    // The same link comes back prefilled.
    let (s, html) = page(&app, &link).await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"id="restored""#) && html.contains(secret), "{html}");
    assert!(html.contains(r#"value="4" checked"#), "{html}");
    // Another link of the same invitation (one opened from /me) reopens it too; another
    // review of the same rater opens an empty form.
    let cookie = session(&app, "sam@corp.example").await;
    let (_, me) = get(&app, Some(&cookie), "/me").await;
    let (s, to) =
        post(&app, Some(&cookie), &format!("/me/reviews/{invitation}"), &[("csrf", csrf_of(&me).as_str())]).await;
    assert_eq!(s, 303, "{to}");
    let fresh = app.url(&to);
    assert_ne!(fresh.split('?').next().unwrap(), link, "a link of its own");
    let (_, html) = page(&app, &fresh).await;
    assert!(html.contains(r#"id="restored""#) && html.contains(secret), "{html}");
    let other = link_for(&links, "E1002", "E1002");
    let (_, html) = page(&app, &other).await;
    assert!(!html.contains(secret) && !html.contains(r#"id="restored""#));
    // Submitting deletes the draft.
    assert_eq!(post(&app, None, &link, &[("t1", "4"), ("note", secret)]).await.0, 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);
    // Closing deletes the drafts nobody submitted.
    let other = link_for(&links, "E1002", "E1002");
    assert_eq!(post(&app, None, &other, &[("t1", "2"), ("action", "save")]).await.0, 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 1);
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);
    assert_eq!(page(&app, &other).await.0, 410);
}

async fn a_declined_review_is_never_counted(backend: Backend) {
    let app = app_with(backend, None).await;
    let links = launch_with_links(&app).await;
    let declined = link_for(&links, "E1003", "E1002");
    let (s, html) = page(&app, &format!("{declined}/decline")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Chen") && !html.contains(r#"name="reason""#), "an anonymous rater is not asked why: {html}");
    let (s, to) = post(&app, None, &format!("{declined}/decline"), &[("reason", "never met them")]).await;
    assert_eq!(s, 303, "{to}");
    let (s, html) = page(&app, &format!("{declined}/thanks")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Review declined"), "{html}");
    // The link was emailed to the rater: it leads on to their next review.
    assert!(html.contains("reviews done") && html.contains(r#"name="invitation""#), "{html}");
    let eve: i64 =
        count(&app, "SELECT id FROM invitations WHERE subject_id = 'E1005' AND respondent_person_id = 'E1002'").await;
    assert_eq!(post(&app, None, &format!("{declined}/next"), &[("invitation", &eve.to_string())]).await.0, 303);
    // The link is spent: no answer, no draft, no second decline.
    assert_eq!(page(&app, &declined).await.0, 409);
    assert_eq!(post(&app, None, &declined, &[("t1", "1")]).await.0, 409);
    assert_eq!(post(&app, None, &declined, &[("t1", "1"), ("action", "save")]).await.0, 409);
    // An anonymous rater's reason is never stored.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM invitations WHERE declined = TRUE AND decline_reason IS NULL").await,
        1
    );
    // A self-review (attributed) keeps its reason.
    let own = link_for(&links, "E1002", "E1002");
    assert_eq!(post(&app, None, &format!("{own}/decline"), &[("reason", "on leave")]).await.0, 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE decline_reason = 'on leave'").await, 1);
    // Progress shows them as declined, not answered; reminders skip them.
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(
        (p["surveys"][0]["declined"].as_i64(), p["surveys"][0]["completed"].as_i64()),
        (Some(2), Some(0)),
        "{p}"
    );
    // One of Chen's other peers answers.
    for rater in ["E1005"] {
        assert_eq!(post(&app, None, &link_for(&links, "E1003", rater), &[("t1", "5")]).await.0, 303);
    }
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let peer_answers =
        count(&app, "SELECT COUNT(*) FROM responses WHERE subject_id = 'E1003' AND relation = 'peer'").await;
    assert_eq!(peer_answers, 1, "only the submitted answer is stored");
}

async fn my_reviews_list_and_open_fresh_links(backend: Backend) {
    let app = app_with(backend, None).await;
    let links = launch_with_links(&app).await;
    let cookie = session(&app, "sam@corp.example").await;
    let (s, html) = get(&app, Some(&cookie), "/me").await;
    assert_eq!(s, 200);
    for name in ["Sam", "Chen", "Eve", "Your self-review", "Peer review"] {
        assert!(html.contains(name), "{name} in {html}");
    }
    assert_eq!(html.matches("/me/reviews/").count(), 3, "{html}");
    // Answer one by its emailed link: /me shows it done.
    assert_eq!(post(&app, None, &link_for(&links, "E1003", "E1002"), &[("t1", "4")]).await.0, 303);
    let (_, html) = get(&app, Some(&cookie), "/me").await;
    assert_eq!(html.matches("/me/reviews/").count(), 2, "{html}");
    assert!(html.contains("Done"));
    // A button mints a fresh link to that review; the form needs the session's CSRF token.
    let csrf = csrf_of(&html);
    let own: i64 =
        count(&app, "SELECT id FROM invitations WHERE subject_id = 'E1002' AND respondent_person_id = 'E1002'").await;
    let open = |id: i64, csrf: String| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            post(app, Some(&cookie), &format!("/me/reviews/{id}"), &[("csrf", csrf.as_str()), ("lang", "en")]).await
        }
    };
    let (s, to) = open(own, csrf.clone()).await;
    assert_eq!(s, 303);
    assert!(to.starts_with("/s/"), "{to}");
    assert_eq!(page(&app, &to).await.0, 200);
    assert_eq!(open(own, "forged".into()).await.0, 403);
    // Nobody opens another person's review.
    let chens: i64 = count(&app, "SELECT MIN(id) FROM invitations WHERE respondent_person_id = 'E1003'").await;
    assert_eq!(open(chens, csrf).await.0, 404);
    // Signed out: to the sign-in page.
    assert_eq!(get(&app, None, "/me").await, (303, "/login?next=me".to_string()));
}

/// Signs in through the link of an email, following its `next`.
async fn sign_in_by(app: &TestApp, link: &str) -> (String, String) {
    let (s, html) = page(app, link).await;
    assert_eq!(s, 200);
    assert!(html.contains("?next=me"), "{html}");
    sign_in_at(app, link).await
}

async fn subjects_nominate_and_managers_approve(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with(backend, Some(&sink)).await;
    let bad = json!({"survey":"peer360","subjects":["E1001"],"peers":"nominated","min_peers":0});
    assert_eq!(app.post("/api/v1/cycles/2026-Q4/launch", bad).await.0, 422);
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/launch",
            json!({"survey":"peer360","subjects":["E1001"],"peers":"nominated","min_peers":2,"max_peers":3}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["nominating"], 1, "{b}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE relation = 'peer'").await, 0, "no peers yet");
    // Li Na is asked by email; its link signs her in and leads to /me.
    let mails = sink.wait_for(4, 20).await;
    let ask = mails.iter().find(|m| m.rcpt_tos == ["li@corp.example"] && m.subject.contains("Choose")).expect("asked");
    assert!(ask.html.as_deref().is_some_and(|h| h.contains("/login/")), "an HTML part too: {:?}", ask.html);
    let (cookie, to) = sign_in_by(&app, &ask.link(&app.addr, "/login/")).await;
    assert_eq!(to, "/me");
    let (_, html) = get(&app, Some(&cookie), "/me").await;
    assert!(html.contains("/me/nominations/2026-Q4"), "{html}");
    // She may choose colleagues of any team, not herself, her manager or her report.
    let (s, html) = get(&app, Some(&cookie), "/me/nominations/2026-Q4").await;
    assert_eq!(s, 200);
    for yes in ["pick:E1002", "pick:E1003", "pick:E2000"] {
        assert!(html.contains(yes), "{yes}");
    }
    for no in ["pick:E1001", "pick:E1000", "pick:E1004"] {
        assert!(!html.contains(no), "{no}");
    }
    let csrf = csrf_of(&html);
    let path = "/me/nominations/2026-Q4";
    let (s, html) = post(&app, Some(&cookie), path, &[("csrf", &csrf), ("pick:E1002", "1")]).await;
    assert_eq!(s, 422, "too few");
    assert!(html.contains("between 2 and 3"), "{html}");
    let (s, _) = post(&app, Some(&cookie), path, &[("csrf", &csrf), ("pick:E1002", "1"), ("pick:E1000", "1")]).await;
    assert_eq!(s, 409, "her manager cannot be a peer");
    let (s, html) = post(&app, Some(&cookie), path, &[("csrf", &csrf), ("pick:E1002", "1"), ("pick:E2000", "1")]).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Sent to your manager"), "{html}");
    // Her manager is told a list waits for him, in his language, with the page that approves it.
    let waiting = common::mail::told(&sink, "wang@corp.example", "已选好Q4 2026的评价人，等待您批准").await;
    assert!(waiting.contains("/nominations/2026-Q4/E1001"), "{waiting}");
    // Only her managers (and admins) see and approve the list.
    let sam = session(&app, "sam@corp.example").await;
    assert_eq!(get(&app, Some(&sam), "/nominations/2026-Q4/E1001").await.0, 404);
    let (_, sam_page) = get(&app, Some(&sam), "/me").await;
    let sam_csrf = csrf_of(&sam_page);
    let forged = [("csrf", sam_csrf.as_str()), ("pick:E1003", "1"), ("pick:E1005", "1")];
    assert_eq!(post(&app, Some(&sam), "/nominations/2026-Q4/E1001", &forged).await.0, 404, "not her manager");
    let own = [("csrf", csrf.as_str()), ("pick:E1003", "1"), ("pick:E1005", "1")];
    assert_eq!(post(&app, Some(&cookie), "/nominations/2026-Q4/E1001", &own).await.0, 404, "not her own approver");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE relation = 'peer'").await, 0);
    let wang = session(&app, "wang@corp.example").await;
    let (_, dash) = get(&app, Some(&wang), "/dashboard?lang=en").await;
    assert!(dash.contains("/nominations/2026-Q4/E1001") && dash.contains("Waiting for approval"), "{dash}");
    let (s, html) = get(&app, Some(&wang), "/nominations/2026-Q4/E1001?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"name="pick:E2000" value="1" checked"#), "{html}");
    let wcsrf = csrf_of(&html);
    // Wang swaps Xu for Chen and adds Eve, then approves: three invitations go out.
    let form =
        [("csrf", wcsrf.as_str()), ("lang", "en"), ("pick:E1002", "1"), ("pick:E1003", "1"), ("pick:E1005", "1")];
    let (s, html) = post(&app, Some(&wang), "/nominations/2026-Q4/E1001", &form).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("3 peer invitations"), "{html}");
    let peers: Vec<(String,)> = sqlx::query_as(
        "SELECT respondent_person_id FROM invitations WHERE subject_id = 'E1001' AND relation = 'peer' ORDER BY 1",
    )
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    assert_eq!(peers, vec![("E1002".into(),), ("E1003".into(),), ("E1005".into(),)]);
    for to in ["sam@corp.example", "chen@corp.example", "eve@corp.example"] {
        crate::common::eventually(20, || async {
            sink.messages().into_iter().find(|m| m.rcpt_tos == [to] && m.text().contains("/s/"))
        })
        .await;
    }
    // She is told her list is approved, and that nobody sees who answered what.
    let approved = common::mail::told(&sink, "li@corp.example", "are approved").await;
    assert!(approved.contains("Nobody, your manager included, sees who answered what"), "{approved}");
    // Approved is final: neither she nor he changes it now.
    assert_eq!(post(&app, Some(&wang), "/nominations/2026-Q4/E1001", &form).await.0, 409);
    let (s, _) = post(&app, Some(&cookie), path, &[("csrf", &csrf), ("pick:E1002", "1"), ("pick:E2000", "1")]).await;
    assert_eq!(s, 409);
}

async fn submitted_lists_are_approved_at_their_deadline(backend: Backend) {
    let app = app_with(backend, None).await;
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/launch",
            json!({"survey":"peer360","subjects":["E1001"],"peers":"nominated","min_peers":2,"max_peers":2,
                   "nominations_due":"2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let cookie = session(&app, "li@corp.example").await;
    let (_, html) = get(&app, Some(&cookie), "/me/nominations/2026-Q4").await;
    let csrf = csrf_of(&html);
    let form = [("csrf", csrf.as_str()), ("pick:E1003", "1"), ("pick:E2000", "1")];
    assert_eq!(post(&app, Some(&cookie), "/me/nominations/2026-Q4", &form).await.0, 200);
    let peers = eventually(20, || async {
        let n = count(&app, "SELECT COUNT(*) FROM invitations WHERE subject_id = 'E1001' AND relation = 'peer'").await;
        (n == 2).then_some(n)
    })
    .await;
    assert_eq!(peers, 2);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nominations WHERE status = 'approved' AND approved_by = 'deadline'").await,
        1
    );
}

on_both_databases!(
    rater_goes_from_review_to_review,
    a_draft_is_saved_sealed_and_reopened_by_any_link_of_its_invitation,
    a_declined_review_is_never_counted,
    my_reviews_list_and_open_fresh_links,
    subjects_nominate_and_managers_approve,
    submitted_lists_are_approved_at_their_deadline,
);
