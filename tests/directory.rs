//! The directory's lifecycle (CONTRACT §8): listing, people who leave, customers without an
//! address, revoking and reissuing invitations, API keys, and reminders for handed-out links.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{get, page, session};
use common::{Backend, count, customer_invite, seeded};
use serde_json::{Value, json};

fn customer_ref(customer: &str) -> Value {
    json!({"survey":"csat","subject":"E1001","respondent":{"customer":customer}})
}

async fn people_and_customers_are_listed_a_page_at_a_time(backend: Backend) {
    let app = seeded(backend, None).await;
    let (s, b) = app.get("/api/v1/people?limit=2").await;
    assert_eq!(s, 200, "{b}");
    let ids: Vec<&str> = b["people"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!((ids, &b["next"]), (vec!["E1000", "E1001"], &json!("E1001")));
    assert_eq!(b["people"][1]["manager"], "E1000");
    assert_eq!(b["people"][1]["active"], true);
    let (_, b) = app.get("/api/v1/people?limit=2&after=E1001").await;
    assert_eq!((b["people"].as_array().unwrap().len(), &b["next"]), (1, &Value::Null), "{b}");
    let (s, b) = app.get("/api/v1/people?limit=0").await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("invalid_limit")));

    // A customer reached by phone only; one with neither is refused, and nothing is stored.
    let (s, b) = app
        .post("/api/v1/customers", json!({"customers":[{"id":"C9","name":"Phone Only","phone":"+86 21 5555 0101"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.post("/api/v1/customers", json!({"customers":[{"id":"C8","name":"Nobody"}]})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("no_contact")), "{b}");
    let (s, b) =
        app.post("/api/v1/customers", json!({"customers":[{"id":"C8","name":"Bad","phone":"call me maybe"}]})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("invalid_phone")), "{b}");
    let (_, b) = app.get("/api/v1/customers").await;
    let all = b["customers"].as_array().unwrap();
    assert_eq!(all.len(), 3, "{b}");
    assert_eq!(
        (&all[2]["id"], &all[2]["email"], &all[2]["phone"]),
        (&json!("C9"), &Value::Null, &json!("+86 21 5555 0101"))
    );
    assert_eq!(all[0]["email"], "buyer@acme.example");

    // Invited by email, the phone-only customer gets a link back instead of an email.
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/invitations",
            json!({"invitations":[customer_invite("C1"), customer_invite("C9")]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let handed = b["links"].as_array().unwrap();
    assert_eq!(handed.len(), 1, "{b}");
    assert_eq!(handed[0]["respondent"]["customer"], "C9");
    assert_eq!(page(&app, handed[0]["url"].as_str().unwrap()).await.0, 200);
}

async fn someone_who_left_takes_part_in_nothing_new(backend: Backend) {
    let app = seeded(backend, None).await;
    let li_na = json!({"id":"E1001","name":"Li Na","email":"li.na@example.com","manager":"E1000","team":"East","locale":"zh-CN"});
    app.seed_peer_survey().await;
    let l = common::mail::invite_by_email(
        &app,
        None,
        "2026-Q4",
        vec![
            customer_invite("C1"),
            customer_invite("C2"),
            json!({"survey":"peer360","subject":"E1002","respondent":{"person":"E1001"},"relation":"peer"}),
        ],
    )
    .await;
    let answered = app.client.post(&l[1]).form(&[("q1", "5")]).send().await.unwrap();
    assert_eq!(answered.status().as_u16(), 303);
    let cookie = session(&app, "li.na@example.com").await;
    assert_eq!(get(&app, Some(cookie.as_str()), "/dashboard").await.0, 200);

    let mut left = li_na.clone();
    left["active"] = json!(false);
    let (s, b) = app.post("/api/v1/people", json!({ "people": [left] })).await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(1)), "{b}");
    // Her open links (as subject and as rater) answer 410; what was answered stays.
    assert_eq!(page(&app, &l[0]).await.0, 410);
    assert_eq!(page(&app, &l[2]).await.0, 410);
    assert_eq!(page(&app, &l[1]).await.0, 409);
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["completed"], 1, "{p}");
    // Her session ended, and she cannot sign in again.
    assert_eq!(get(&app, Some(cookie.as_str()), "/dashboard").await, (303, "/login".to_string()));
    let email = candor::domain::EmailAddress::parse("li.na@example.com").unwrap();
    let refused = candor::app::accounts::login_link(&app.state, &email, false).await.unwrap_err();
    assert!(refused.to_string().contains("left"), "{refused}");
    // Nothing new names her: not as subject, not as rater, not in a launch.
    let (s, b) = app
        .post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":[customer_invite("C3")], "deliver":"none"}))
        .await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("inactive_person")), "{b}");
    let b = common::mail::launch_by_email(
        &app,
        None,
        "2026-Q4",
        json!({"survey":"peer360","subjects":"all","peers":"team"}),
    )
    .await;
    let named: Vec<&Value> = b["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["subject"] == "E1001" || l["respondent"]["person"] == "E1001")
        .collect();
    assert!(named.is_empty(), "{named:?}");
    let (_, b) = app.get("/api/v1/people?after=E1000&limit=1").await;
    assert_eq!(b["people"][0]["active"], false);
}

async fn a_changed_address_ends_the_sessions(backend: Backend) {
    let app = seeded(backend, None).await;
    let cookie = session(&app, "sam.carter@example.com").await;
    let other = session(&app, "li.na@example.com").await;
    let sam = json!({"id":"E1002","name":"Sam Carter","email":"sam@new.example","manager":"E1000","team":"East"});
    let (s, b) = app.post("/api/v1/people", json!({ "people": [sam] })).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(get(&app, Some(cookie.as_str()), "/dashboard").await, (303, "/login".to_string()));
    assert_eq!(get(&app, Some(other.as_str()), "/dashboard").await.0, 200, "others stay signed in");
}

async fn invitations_are_revoked_and_reissued(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let l = app.customer_links(&["C1", "C2"]).await;
    let path = |what: &str| format!("/api/v1/cycles/2026-Q4/invitations/{what}");

    // A lost link: reissued as a link, the old one stops working.
    let (s, b) = app.post(&path("reissue"), json!({"invitations":[customer_ref("C1")], "deliver":"none"})).await;
    assert_eq!((s, b["reissued"].as_u64()), (200, Some(1)), "{b}");
    let fresh = b["links"][0]["url"].as_str().unwrap().to_string();
    assert_ne!(fresh, l[0]);
    assert_eq!((page(&app, &l[0]).await.0, page(&app, &fresh).await.0), (404, 200));

    // Reissued by email: one email with a working link.
    let (s, b) = app.post(&path("reissue"), json!({"invitations":[customer_ref("C2")]})).await;
    assert_eq!((s, b.get("links")), (200, None), "{b}");
    sink.wait_for(1, 20).await;
    common::outbox_drained(&app).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "one email");
    assert_eq!(mails[0].rcpt_tos, ["cai@dragon.example"]);
    assert_eq!(page(&app, &mails[0].link(&app.addr, "/s/")).await.0, 200);
    assert_eq!(page(&app, &l[1]).await.0, 404);

    // Revoked: 410; revoking again changes nothing; a revoked one is not reissued.
    let (s, b) = app.post(&path("revoke"), json!({"invitations":[customer_ref("C1")]})).await;
    assert_eq!((s, b["revoked"].as_u64(), b["unchanged"].as_u64()), (200, Some(1), Some(0)), "{b}");
    assert_eq!(page(&app, &fresh).await.0, 410);
    let (_, b) = app.post(&path("revoke"), json!({"invitations":[customer_ref("C1")]})).await;
    assert_eq!((b["revoked"].as_u64(), b["unchanged"].as_u64()), (Some(0), Some(1)), "{b}");
    let (s, b) = app.post(&path("reissue"), json!({"invitations":[customer_ref("C1")], "deliver":"none"})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("invitation_revoked")), "{b}");
    // Unknown invitations are named, and nothing is done.
    let (s, b) = app.post(&path("revoke"), json!({"invitations":[customer_ref("C2"), customer_ref("C7")]})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("unknown_invitation")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().starts_with("row 1"), "{b}");
    assert_eq!(page(&app, &mails[0].link(&app.addr, "/s/")).await.0, 200, "C2 untouched");
}

/// Revoking, reissuing, reminding or deactivating answers the same for an anonymous
/// invitation whether or not it was answered: none of them tells an admin who has answered.
async fn nothing_tells_who_answered_anonymously(backend: Backend) {
    let app = seeded(backend, None).await;
    let mut anon = common::csat_survey();
    anon["id"] = json!("anon");
    anon["anonymous"] = json!(true);
    let (s, b) = app.post("/api/v1/surveys", anon).await;
    assert_eq!(s, 200, "{b}");
    let rows: Vec<Value> = ["C1", "C2"]
        .iter()
        .map(|c| json!({"survey":"anon","subject":"E1001","respondent":{"customer":c},"relation":"customer"}))
        .collect();
    let l = common::mail::invite_by_email(&app, None, "2026-Q4", rows).await;
    let answered = app.client.post(&l[0]).form(&[("q1", "5")]).send().await.unwrap();
    assert_eq!(answered.status().as_u16(), 303);
    let one = |c: &str| json!([{"survey":"anon","subject":"E1001","respondent":{"customer":c}}]);
    let path = |what: &str| format!("/api/v1/cycles/2026-Q4/invitations/{what}");
    // No fresh link to hold up to the light: the same refusal, answered (C1) or not (C2); and
    // by email the same answer, the email going where the review was first sent.
    let mut seen = Vec::new();
    for c in ["C1", "C2"] {
        let (s, b) = app.post(&path("reissue"), json!({"invitations": one(c), "deliver": "none"})).await;
        assert_eq!((s, &b["error"]["code"]), (422, &json!("anonymous_needs_email")), "{c}: {b}");
        seen.push(b["error"]["message"].as_str().unwrap().replace(c, "C?"));
        let (s, b) = app.post(&path("reissue"), json!({"invitations": one(c), "deliver": "email"})).await;
        assert_eq!((s, &b), (200, &json!({"reissued": 1})), "{c}: {b}");
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
    // Reminders hand back no link that names an anonymous rater.
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/reminders", json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert!(b.get("links").is_none(), "{b}");
    common::outbox_drained(&app).await;
    let (_, before) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    let (s, b) = app.post(&path("revoke"), json!({ "invitations": [one("C1")[0], one("C2")[0]] })).await;
    assert_eq!((s, b["revoked"].as_u64(), b["unchanged"].as_u64()), (200, Some(2), Some(0)), "{b}");
    let (_, after) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(before, after, "counts do not move with a revoke");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 1, "the sealed answer stays");

    // Two peers leave, one of whom had answered: afterwards their invitations look the same.
    app.seed_peer_survey().await;
    let (s, b) = app
        .post("/api/v1/people", json!({"people":[{"id":"E1003","name":"Ann Lee","email":"ann@example.com","manager":"E1000","team":"East"}]}))
        .await;
    assert_eq!(s, 200, "{b}");
    let peer =
        |rater: &str| json!({"survey":"peer360","subject":"E1001","respondent":{"person":rater},"relation":"peer"});
    let p = common::mail::invite_by_email(&app, None, "2026-Q4", vec![peer("E1002"), peer("E1003")]).await;
    assert_eq!(app.client.post(&p[0]).form(&[("t1", "4")]).send().await.unwrap().status().as_u16(), 303);
    let gone = |id: &str, name: &str, email: &str| json!({"id":id,"name":name,"email":email,"manager":"E1000","team":"East","active":false});
    let (s, b) = app
        .post("/api/v1/people", json!({"people":[gone("E1002","Sam Carter","sam.carter@example.com"), gone("E1003","Ann Lee","ann@example.com")]}))
        .await;
    assert_eq!(s, 200, "{b}");
    let mut answers = Vec::new();
    for rater in ["E1002", "E1003"] {
        let r = json!([{"survey":"peer360","subject":"E1001","respondent":{"person":rater}}]);
        let (_, revoked) = app.post(&path("revoke"), json!({ "invitations": r })).await;
        let (_, reissued) = app.post(&path("reissue"), json!({ "invitations": r })).await;
        answers.push((revoked, reissued["error"]["code"].clone()));
    }
    assert_eq!(answers[0], answers[1], "{answers:?}");
}

async fn handed_out_links_are_never_emailed_a_reminder(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let handed = app.customer_links(&["C1"]).await;
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations":[customer_invite("C2")]})).await;
    assert_eq!(s, 201, "{b}");
    sink.wait_for(1, 20).await;
    common::eventually(20, || async {
        let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
        (p["surveys"][0]["emailed"] == 1).then_some(())
    })
    .await;

    let (s, b) = app.post("/api/v1/cycles/2026-Q4/reminders", json!({})).await;
    assert_eq!((s, b["queued"].as_u64(), b["emails"].as_u64()), (200, Some(2), Some(1)), "{b}");
    let relinked = b["links"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(b["links"][0]["respondent"]["customer"], "C1");
    assert_eq!((page(&app, &relinked).await.0, page(&app, &handed[0]).await.0), (200, 200));
    sink.wait_for(2, 20).await;
    common::outbox_drained(&app).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "the invitation and one reminder");
    assert!(mails.iter().all(|m| m.rcpt_tos == ["cai@dragon.example"]), "C1 is never emailed");
    // Within the hour, a second round by hand is refused.
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/reminders", json!({})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("reminded_recently")), "{b}");
}

async fn api_keys_are_listed_and_revoked(backend: Backend) {
    let app = seeded(backend, None).await;
    let other = app.scores_key("scoring step").await;
    assert_eq!(app.get_with_key("/api/v1/cycles", &other.key).await.0, 200);
    let (s, b) = app.get("/api/v1/api-keys").await;
    assert_eq!(s, 200, "{b}");
    let keys = b["api_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{b}");
    let listed = keys.iter().find(|k| k["id"] == other.id.as_str()).unwrap();
    assert_eq!((&listed["name"], &listed["scope"]), (&json!("scoring step"), &json!("scores")));
    assert!(listed["last_used_at"].is_string(), "used once: {listed}");
    assert!(!b.to_string().contains(&other.key), "never the key itself");
    // A scores key may not list or revoke keys.
    assert_eq!(app.get_with_key("/api/v1/api-keys", &other.key).await.0, 403);

    assert_eq!(app.delete(&format!("/api/v1/api-keys/{}", other.id)).await.0, 204);
    assert_eq!(app.get_with_key("/api/v1/cycles", &other.key).await.0, 401, "revoked at once");
    assert_eq!(app.delete(&format!("/api/v1/api-keys/{}", other.id)).await.0, 404);
    let (_, b) = app.get("/api/v1/api-keys").await;
    assert_eq!(b["api_keys"].as_array().unwrap().len(), 1);
}

on_both_databases!(
    people_and_customers_are_listed_a_page_at_a_time,
    someone_who_left_takes_part_in_nothing_new,
    a_changed_address_ends_the_sessions,
    invitations_are_revoked_and_reissued,
    nothing_tells_who_answered_anonymously,
    handed_out_links_are_never_emailed_a_reminder,
    api_keys_are_listed_and_revoked,
);
