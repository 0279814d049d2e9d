//! Anonymity against insiders (CONTRACT §10), each attack of the December report reproduced on
//! both databases: an admin re-pointing raters' emails to answer in their place and subtract,
//! fake raters given links by hand, record sizes that point at a long comment, customers
//! sharing one address counted as several raters, a skip-level manager as an anonymous peer,
//! and a record the key cannot open.
use crate::common::web::{csrf_of, get, make_admin, post, session};
use crate::common::{self, Backend, TestApp, count, mail};
use serde_json::{Value, json};

/// BOSS manages M, who manages S (the subject) and the peers R1–R3; X reports to S. All East.
async fn org(app: &TestApp) {
    let person = |id: &str, manager: Option<&str>| json!({"id":id,"name":format!("Person {id}"),"email":format!("{}@corp.example", id.to_lowercase()),"manager":manager,"team":"East"});
    let people = vec![
        person("BOSS", None),
        person("M", Some("BOSS")),
        person("S", Some("M")),
        person("R1", Some("M")),
        person("R2", Some("M")),
        person("R3", Some("M")),
        person("X", Some("S")),
    ];
    let (s, b) = app.post("/api/v1/people", json!({ "people": people })).await;
    assert_eq!(s, 200, "{b}");
    let survey = json!({"id":"p","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true},
        {"id":"note","text":"What should they keep doing?","type":"text"}]});
    assert_eq!(app.post("/api/v1/surveys", survey).await.0, 200);
    app.seed_cycle("Q4").await;
}

fn peer(subject: &str, rater: &str) -> Value {
    json!({"survey":"p","subject":subject,"respondent":{"person":rater},"relation":"peer"})
}

async fn answer(app: &TestApp, link: &str, value: &str, note: &str) {
    let res = app.client.post(link).form(&[("t1", value), ("note", note)]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
}

async fn audit(app: &TestApp) -> Vec<Value> {
    let (s, b) = app.get("/api/v1/audit?limit=1000").await;
    assert_eq!(s, 200, "{b}");
    b["entries"].as_array().unwrap().clone()
}

/// B2: the admin re-points two raters' emails to addresses they read, reissues their reviews
/// and would answer both and subtract. The reviews go where they were first sent; the old
/// addresses are told; the audit log names both people; a sign-in at the new address opens
/// no anonymous review.
async fn re_pointed_emails_reroute_no_review(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1"), peer("S", "R2"), peer("S", "R3")]).await;
    answer(&app, &links[0], "2", "the target's own words").await;
    let moved = |id: &str| json!({"id":id,"name":format!("Person {id}"),"email":format!("spy-{}@admin.example", id.to_lowercase()),"manager":"M","team":"East"});
    let (s, b) = app.post("/api/v1/people", json!({"people":[moved("R2"), moved("R3")]})).await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(2)), "{b}");
    let refs = json!([{"survey":"p","subject":"S","respondent":{"person":"R2"}},
                      {"survey":"p","subject":"S","respondent":{"person":"R3"}}]);
    let (s, b) =
        app.post("/api/v1/cycles/Q4/invitations/reissue", json!({"invitations": refs, "deliver":"none"})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("anonymous_needs_email")), "{b}");
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations/reissue", json!({ "invitations": refs })).await;
    assert_eq!((s, &b), (200, &json!({"reissued": 2})), "{b}");
    common::outbox_drained(&app).await;
    for id in ["r2", "r3"] {
        let old = mail::mails_to(&app, None, &format!("{id}@corp.example"));
        let subjects: Vec<&str> = old.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(old.len(), 3, "the invitation, the notice and the reissue: {subjects:?}");
        let changed = old.iter().find(|m| m.subject.contains("address we have for you was changed"));
        let changed = changed.unwrap_or_else(|| panic!("{subjects:?}"));
        assert!(changed.html.as_deref().is_some_and(|h| h.contains("tell your HR team")), "an HTML part too");
        assert_eq!(old.iter().filter(|m| !m.links(&app.addr, "/s/").is_empty()).count(), 2, "{subjects:?}");
        let spy = mail::mails_to(&app, None, &format!("spy-{id}@admin.example"));
        assert!(
            spy.is_empty(),
            "nothing reaches the new address: {:?}",
            spy.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
    }
    // The audit log names both people whose address changed.
    let entries = audit(&app).await;
    for who in ["person R2", "person R3"] {
        let e = entries.iter().find(|e| e["action"] == "email_changed" && e["target"] == who);
        assert!(e.is_some_and(|e| e["actor"] == "tests"), "{who}: {entries:?}");
    }
    // Signed in at the new address, R2's review is not theirs to open.
    let cookie = session(&app, "spy-r2@admin.example").await;
    let (s, html) = get(&app, Some(&cookie), "/me?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("Sent to your previous email address"), "{html}");
    assert!(!html.contains("/me/reviews/"), "no button opens it: {html}");
    let id = count(&app, "SELECT id FROM invitations WHERE respondent_person_id = 'R2'").await;
    let (s, _) = post(&app, Some(&cookie), &format!("/me/reviews/{id}"), &[("csrf", csrf_of(&html).as_str())]).await;
    assert_eq!(s, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 1, "only the target's answer");
}

/// B3: invented raters given links by hand would pad a group around one real rater. No link
/// to an anonymous review is ever handed back, however it is asked for.
async fn no_anonymous_review_is_handed_out(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let fake = |id: &str| json!({"id":id,"name":id,"email":format!("{id}@admin.example"),"manager":"M","team":"East"});
    assert_eq!(app.post("/api/v1/people", json!({"people":[fake("F1"), fake("F2")]})).await.0, 200);
    let rows = vec![peer("S", "F1"), peer("S", "F2"), peer("S", "R1")];
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({"invitations": rows, "deliver":"none"})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("anonymous_needs_email")), "{b}");
    for body in [
        json!({"survey":"p","subjects":["S"],"peers":"team","deliver":"none"}),
        json!({"survey":"p","subjects":["S"],"peers":"nominated","deliver":"none"}),
        // S has a direct report: even without peers, a review is anonymous.
        json!({"survey":"p","subjects":["S"],"peers":"none","deliver":"none"}),
    ] {
        let (s, b) = app.post("/api/v1/cycles/Q4/launch", body.clone()).await;
        assert_eq!((s, &b["error"]["code"]), (422, &json!("anonymous_needs_email")), "{body}: {b}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations").await, 0, "nothing was stored");
    // Attributed reviews may still be handed back (a self-review on paper, say).
    let own = json!({"survey":"p","subject":"S","respondent":{"person":"S"},"relation":"self"});
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({"invitations":[own], "deliver":"none"})).await;
    assert_eq!((s, b["links"].as_array().map(Vec::len)), (201, Some(1)), "{b}");
    // Inventing people stays possible for whoever runs the directory: the log names them.
    let entries = audit(&app).await;
    let import =
        entries.iter().rev().find(|e| e["action"] == "import_people" && e["detail"].as_str().unwrap().contains("F1"));
    assert!(import.is_some(), "{entries:?}");
}

/// B6: while the cycle is open every sealed record of the survey has one length, whatever its
/// comment; after close the long comment is released with the rest.
async fn every_sealed_record_of_a_survey_has_one_length(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1"), peer("S", "R2"), peer("S", "R3")]).await;
    // 3,500 characters, 10,500 bytes: once four times the size of any other record.
    let long: String = "季度末带领全队完成目标".chars().cycle().take(3_500).collect();
    answer(&app, &links[0], "4", "ok").await;
    answer(&app, &links[1], "5", &long).await;
    answer(&app, &links[2], "3", "Shares leads with the team.").await;
    // Both parts: the head (where a short answer is sealed) and the tail (where the long one
    // is, and random bytes for the others).
    let lengths: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT LENGTH(s.sealed), LENGTH(t.tail) FROM sealed_responses s JOIN sealed_tails t ON t.id = s.tail_id",
    )
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    assert_eq!(lengths.len(), 3);
    assert!(lengths.iter().all(|&l| l == lengths[0]), "{lengths:?}");
    assert!(lengths[0].1 > 4 * lengths[0].0, "the tail holds the padding: {lengths:?}");
    assert_eq!(app.post("/api/v1/cycles/Q4/close", json!({})).await.0, 200);
    let (_, c) = app.get("/api/v1/cycles/Q4/comments?subject=S").await;
    assert!(c.to_string().contains(&long), "released with the group: {c}");
}

/// A long answer is sealed in its record's tail, bound to its head: tails swapped between two
/// records (someone with write access to the database) open under neither, and the close stops
/// with 409 `unsealable`, releasing nothing.
async fn a_tail_swapped_between_records_stops_the_close(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1"), peer("S", "R2"), peer("S", "R3")]).await;
    for (i, link) in links.iter().enumerate() {
        let long: String = format!("{i} keeps the whole team informed. ").repeat(40);
        answer(&app, link, "4", &long).await;
    }
    let pool = &app.state.db().pool;
    let tails: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.id, t.tail FROM sealed_tails t JOIN sealed_responses s ON s.tail_id = t.id ORDER BY t.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(tails.len(), 3, "each long answer has its tail");
    for (k, (id, _)) in tails.iter().enumerate().take(2) {
        let other = &tails[1 - k].1;
        sqlx::query("UPDATE sealed_tails SET tail = $1 WHERE id = $2")
            .bind(other)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }
    let (s, b) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("unsealable")), "{b}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 0, "nothing released");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 3, "every answer still sealed");
}

/// B7: three customer records with one address, answered by one person on an anonymous survey,
/// are one rater: the group stays below the threshold.
async fn customers_sharing_an_address_count_once(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let mut anon = common::csat_survey();
    anon["id"] = json!("anon");
    anon["anonymous"] = json!(true);
    assert_eq!(app.post("/api/v1/surveys", anon).await.0, 200);
    let shared: Vec<Value> = (1..=3)
        .map(|i| json!({"id":format!("K{i}"),"name":format!("Desk {i}"),"email":"desk@buyer.example","owner":"S"}))
        .collect();
    assert_eq!(app.post("/api/v1/customers", json!({ "customers": shared })).await.0, 200);
    let rows: Vec<Value> = (1..=3)
        .map(|i| json!({"survey":"anon","subject":"S","respondent":{"customer":format!("K{i}")},"relation":"customer"}))
        .collect();
    let links = mail::invite_by_email(&app, None, "Q4", rows).await;
    for link in &links {
        let res = app.client.post(link).form(&[("q1", "1"), ("q3", "one voice, three times")]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    assert_eq!(app.post("/api/v1/cycles/Q4/close", json!({})).await.0, 200);
    let (_, b) = app.get("/api/v1/cycles/Q4/scores").await;
    let s = b["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "S").unwrap();
    let csat = &s["indicators"]["customer_satisfaction"];
    assert_eq!(csat["status"], "below_threshold", "one person is one rater: {s}");
    assert!(csat["score"].is_null() && csat["csat"].is_null(), "{csat}");
    let (_, c) = app.get("/api/v1/cycles/Q4/comments?subject=S").await;
    assert!(!c.to_string().contains("one voice"), "{c}");
}

/// B8: nobody above the subject in the reporting line is their anonymous peer — not listed,
/// not from the team, not nominated — and an approver never adds themselves.
async fn nobody_above_the_subject_is_their_peer(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    for rater in ["BOSS", "M", "X"] {
        let (s, b) = app.post("/api/v1/cycles/Q4/invitations", json!({"invitations":[peer("S", rater)]})).await;
        assert_eq!((s, &b["error"]["code"]), (409, &json!("relation_mismatch")), "{rater}: {b}");
    }
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", json!({"survey":"p","subjects":["S"],"peers":"team"})).await;
    assert_eq!(s, 201, "{b}");
    let peers: Vec<String> = sqlx::query_scalar(
        "SELECT respondent_person_id FROM invitations WHERE subject_id = 'S' AND relation = 'peer' ORDER BY 1",
    )
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    assert_eq!(peers, ["R1", "R2", "R3"], "BOSS is in S's team but above S");

    let cycle = json!({"id":"Q5","title":"Q5","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z"});
    assert_eq!(app.post("/api/v1/cycles", cycle).await.0, 200);
    let nominate = json!({"survey":"p","subjects":["S"],"peers":"nominated","min_peers":1,"max_peers":3});
    assert_eq!(app.post("/api/v1/cycles/Q5/launch", nominate).await.0, 201);
    let s_cookie = session(&app, "s@corp.example").await;
    let (_, html) = get(&app, Some(&s_cookie), "/me/nominations/Q5?lang=en").await;
    assert!(html.contains("pick:R1") && !html.contains("pick:BOSS") && !html.contains("pick:M\""), "{html}");
    let path = "/me/nominations/Q5";
    let csrf = csrf_of(&html);
    let boss = [("csrf", csrf.as_str()), ("pick:BOSS", "1")];
    assert_eq!(post(&app, Some(&s_cookie), path, &boss).await.0, 409, "S cannot nominate BOSS");
    assert_eq!(post(&app, Some(&s_cookie), path, &[("csrf", csrf.as_str()), ("pick:R1", "1")]).await.0, 200);
    for approver in ["M", "BOSS"] {
        let cookie = session(&app, &format!("{}@corp.example", approver.to_lowercase())).await;
        let (s, html) = get(&app, Some(&cookie), "/nominations/Q5/S?lang=en").await;
        assert_eq!(s, 200, "{approver} may approve S's list");
        let own = format!("pick:{approver}");
        let csrf = csrf_of(&html);
        let form = [("csrf", csrf.as_str()), ("lang", "en"), ("pick:R1", "1"), (own.as_str(), "1")];
        let (s, _) = post(&app, Some(&cookie), "/nominations/Q5/S", &form).await;
        assert_eq!(s, 422, "{approver} adds themselves");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE cycle_id = 'Q5' AND relation = 'peer'").await, 0);
}

/// B13: one sealed record the server key cannot open stops the close with 409 `unsealable`
/// naming the cycle; nothing is released half-way, and the close succeeds once it is gone.
async fn an_unopenable_record_stops_the_close(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    let links = mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1")]).await;
    answer(&app, &links[0], "4", "sealed under the right key").await;
    use base64::Engine;
    let garbage = base64::engine::general_purpose::STANDARD.encode([7u8; 200]);
    sqlx::query("INSERT INTO sealed_responses (id, cycle_id, sealed) VALUES ('zz-foreign', 'Q4', $1)")
        .bind(garbage)
        .execute(&app.state.db().pool)
        .await
        .unwrap();
    let (s, b) = app.post("/api/v1/cycles/Q4/close", json!({})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("unsealable")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("\"Q4\""), "names the cycle: {b}");
    // The close ended the cycle's time (it takes no answer, so a later close releases the same
    // answers), and released nothing; its results are not final.
    let (s, c) = app.get("/api/v1/cycles/Q4").await;
    assert_eq!((s, &c["status"]), (200, &json!("closed")), "{c}");
    let (_, scores) = app.get("/api/v1/cycles/Q4/scores").await;
    assert_eq!(scores["final"], false, "{scores}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 0, "nothing released");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 2);
    sqlx::query("DELETE FROM sealed_responses WHERE id = 'zz-foreign'").execute(&app.state.db().pool).await.unwrap();
    // This call closes it, or finds the worker's retry doing so (409 until that one ends).
    let closed = || async { Some(app.post("/api/v1/cycles/Q4/close", json!({})).await.0).filter(|s| *s != 409) };
    assert_eq!(crate::common::eventually(60, closed).await, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses").await, 1);
}

/// An API key cannot move an administrator's address (and so take over their sign-in); the
/// admin pages can. Nothing is stored by the refused call.
async fn an_api_key_cannot_move_an_admins_address(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    make_admin(&app, "m@corp.example").await;
    let moved =
        json!({"people":[{"id":"M","name":"Person M","email":"m@admin.example","manager":"BOSS","team":"East"}]});
    let (s, b) = app.post("/api/v1/people", moved).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("admin_email")), "{b}");
    let email: String =
        sqlx::query_scalar("SELECT email FROM people WHERE id = 'M'").fetch_one(&app.state.db().pool).await.unwrap();
    assert_eq!(email, "m@corp.example");
    // Any other change to them still goes through.
    let renamed =
        json!({"people":[{"id":"M","name":"Mira M","email":"m@corp.example","manager":"BOSS","team":"East"}]});
    assert_eq!(app.post("/api/v1/people", renamed).await.0, 200);
}

on_both_databases!(
    an_api_key_cannot_move_an_admins_address,
    re_pointed_emails_reroute_no_review,
    no_anonymous_review_is_handed_out,
    every_sealed_record_of_a_survey_has_one_length,
    a_tail_swapped_between_records_stops_the_close,
    customers_sharing_an_address_count_once,
    nobody_above_the_subject_is_their_peer,
    an_unopenable_record_stops_the_close,
);
