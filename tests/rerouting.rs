//! Anonymity against insiders, second round (CONTRACT §10), from an adversarial review of the
//! first: ways an admin could still get a working link to someone else's anonymous review, or
//! tell whether they answered — an email that carries an attributed and an anonymous review to
//! a re-pointed address, a sign-in link or a review link that outlives an address moved away
//! and back — and the launches and closes those fixes must not break.
use crate::common::{self, Backend, TestApp, count, mail};
use serde_json::{Value, json};

/// M manages S and the peers R1–R3 (all East).
async fn org(app: &TestApp) {
    let people: Vec<Value> = [("M", None), ("S", Some("M")), ("R1", Some("M")), ("R2", Some("M")), ("R3", Some("M"))]
        .iter()
        .map(|(id, m)| person(id, *m, &format!("{}@corp.example", id.to_lowercase())))
        .collect();
    app.add_people(json!(people)).await;
    let survey = json!({"id":"p","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true},
        {"id":"note","text":"What should they keep doing?","type":"text"}]});
    assert_eq!(app.post("/api/v1/surveys", survey).await.0, 200);
    app.seed_cycle("Q4").await;
}

fn person(id: &str, manager: Option<&str>, email: &str) -> Value {
    json!({"id":id,"name":format!("Person {id}"),"email":email,"manager":manager,"team":"East"})
}

/// The admin (API key) points a rater's address somewhere else.
async fn move_email(app: &TestApp, id: &str, email: &str) {
    let (s, b) = app.post("/api/v1/people", json!({"people":[person(id, Some("M"), email)]})).await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(1)), "{b}");
}

fn peer(subject: &str, rater: &str) -> Value {
    json!({"survey":"p","subject":subject,"respondent":{"person":rater},"relation":"peer"})
}

fn own(rater: &str) -> Value {
    json!({"survey":"p","subject":rater,"respondent":{"person":rater},"relation":"self"})
}

fn reference(subject: &str, rater: &str) -> Value {
    json!({"survey":"p","subject":subject,"respondent":{"person":rater}})
}

async fn answer(app: &TestApp, link: &str) -> u16 {
    app.client.post(link).form(&[("t1", "5"), ("note", "written by the admin")]).send().await.unwrap().status().as_u16()
}

fn review_links(app: &TestApp, address: &str) -> Vec<String> {
    mail::mails_to(app, None, address).iter().flat_map(|m| m.links(&app.addr, "/s/")).collect()
}

/// F1 (reissue): an email carries all of one respondent's reissued reviews and goes to the
/// address of the *first* open one. With R1's attributed self-review first, R1's anonymous
/// peer review of S is mailed to the address the admin just gave R1, and the admin answers it.
async fn a_reissue_with_an_attributed_review_reroutes_the_anonymous_one(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    mail::invite_by_email(&app, None, "Q4", vec![own("R1")]).await;
    mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1"), peer("S", "R2"), peer("S", "R3")]).await;
    move_email(&app, "R1", "spy@admin.example").await;
    let refs = json!([reference("R1", "R1"), reference("S", "R1")]);
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations/reissue", json!({ "invitations": refs })).await;
    assert_eq!((s, &b), (200, &json!({"reissued": 2})), "{b}");
    common::outbox_drained(&app).await;
    let spy = review_links(&app, "spy@admin.example");
    for link in &spy {
        assert_eq!(answer(&app, link).await, 303);
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sealed_responses").await,
        0,
        "the admin answered R1's anonymous review of S through the {} links mailed to spy@admin.example",
        spy.len()
    );
}

/// F1 (reminders): the same through `POST …/reminders`, which groups a respondent's open
/// reviews, attributed and anonymous, into one email to the first one's address. The number
/// of links each re-pointed address receives also says who has answered their anonymous review.
async fn a_reminder_reroutes_the_anonymous_review_and_tells_who_answered(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    mail::invite_by_email(&app, None, "Q4", vec![own("R1"), own("R2")]).await;
    let links = mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1"), peer("S", "R2"), peer("S", "R3")]).await;
    // R2 answers their anonymous review; R1 has not yet.
    assert_eq!(answer(&app, &links[1]).await, 303);
    move_email(&app, "R1", "spy1@admin.example").await;
    move_email(&app, "R2", "spy2@admin.example").await;
    let (s, b) = app.post("/api/v1/cycles/Q4/reminders", json!({})).await;
    assert_eq!(s, 200, "{b}");
    common::outbox_drained(&app).await;
    let (one, two) = (review_links(&app, "spy1@admin.example"), review_links(&app, "spy2@admin.example"));
    assert_eq!(
        (one.len(), two.len()),
        (1, 1),
        "only the attributed self-reviews may reach the new addresses; R1's spy got {} links and R2's {}: \
         the difference says R2 answered and R1 did not",
        one.len(),
        two.len()
    );
}

/// F2 (/me): a sign-in link sent while the rater's address was the admin's stays good after
/// the address is moved back; back at the address of record, the anonymous review is "open"
/// on /me, and the admin opens and answers it (or sees "done").
async fn a_login_link_outlives_the_address_it_was_sent_to(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    mail::invite_by_email(&app, None, "Q4", vec![peer("S", "R1"), peer("S", "R2"), peer("S", "R3")]).await;
    move_email(&app, "R1", "spy@admin.example").await;
    let res = app.client.post(app.url("/login?next=me")).form(&[("email", "spy@admin.example")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let login = mail::wait_mails_to(&app, None, "spy@admin.example", 1).await[0].link(&app.addr, "/login/");
    move_email(&app, "R1", "r1@corp.example").await;
    // The link died with the move: no session, and nothing to open.
    let res = app.client.post(&login).send().await.unwrap();
    assert_ne!(res.status().as_u16(), 303, "a sign-in link sent to the old address still signs in");
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sealed_responses").await, 0);
}

/// F2 (/s/{token}/next): the admin moves R1's address, reissues R1's attributed self-review
/// (it goes to the current address, as it may), answers it, moves the address back, and asks
/// the thanks page for R1's next review: a fresh link to the anonymous one.
async fn next_after_a_round_trip_opens_the_anonymous_review(backend: Backend) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    mail::invite_by_email(&app, None, "Q4", vec![own("R1"), peer("S", "R1")]).await;
    move_email(&app, "R1", "spy@admin.example").await;
    let refs = json!([reference("R1", "R1")]);
    let (s, b) = app.post("/api/v1/cycles/Q4/invitations/reissue", json!({ "invitations": refs })).await;
    assert_eq!(s, 200, "{b}");
    let own_link = mail::wait_mails_to(&app, None, "spy@admin.example", 1).await[0].link(&app.addr, "/s/");
    assert_eq!(answer(&app, &own_link).await, 303);
    move_email(&app, "R1", "r1@corp.example").await;
    let anonymous =
        count(&app, "SELECT id FROM invitations WHERE subject_id = 'S' AND respondent_person_id = 'R1'").await;
    let res = app
        .client
        .post(format!("{own_link}/next?lang=en"))
        .form(&[("invitation", anonymous.to_string())])
        .send()
        .await
        .unwrap();
    let opened = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    if let Some(path) = &opened {
        assert_eq!(answer(&app, &app.url(path)).await, 303);
    }
    assert_eq!(
        (res.status().as_u16(), count(&app, "SELECT COUNT(*) FROM sealed_responses").await),
        (404, 0),
        "the self-review link mailed to spy@admin.example led to R1's anonymous review ({opened:?}) and answered it"
    );
}

/// F5: the worker's automatic close stops at the first cycle it cannot unseal; every cycle due
/// after it stays open (its results and emails wait until someone happens to read it).
async fn one_unsealable_cycle_blocks_the_automatic_close_of_others(backend: Backend) {
    due_cycles_close(backend, true).await
}

/// The control: without the unopenable record both due cycles close on their own.
async fn control_due_cycles_close_on_their_own(backend: Backend) {
    due_cycles_close(backend, false).await
}

async fn due_cycles_close(backend: Backend, garbage: bool) {
    let app = common::spawn_app(backend).await;
    org(&app).await;
    app.seed_cycle("Q5").await;
    use base64::Engine;
    if garbage {
        let garbage = base64::engine::general_purpose::STANDARD.encode([7u8; 200]);
        sqlx::query("INSERT INTO sealed_responses (id, cycle_id, sealed) VALUES ('zz', 'Q4', $1)")
            .bind(garbage)
            .execute(&app.state.db().pool)
            .await
            .unwrap();
    }
    let past = candor::domain::time::now() - 60;
    for (id, at) in [("Q4", past - 1), ("Q5", past)] {
        sqlx::query("UPDATE cycles SET closes_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&app.state.db().pool)
            .await
            .unwrap();
    }
    common::eventually(20, || async {
        (count(&app, "SELECT COUNT(*) FROM cycles WHERE id = 'Q5' AND status = 'closed'").await == 1).then_some(())
    })
    .await;
}

/// F4: S's manager M left (inactive, S not yet moved). A team launch treats S as having no
/// manager and lists BOSS (M's manager, same team) as S's peer; the invitation check walks the
/// chain through M and refuses BOSS, so the whole launch fails for every subject.
async fn a_team_launch_survives_a_manager_who_left(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let people = vec![
        person("BOSS", None, "boss@corp.example"),
        person("M", Some("BOSS"), "m@corp.example"),
        person("S", Some("M"), "s@corp.example"),
        person("R1", Some("BOSS"), "r1@corp.example"),
        person("R2", Some("BOSS"), "r2@corp.example"),
        person("R3", Some("BOSS"), "r3@corp.example"),
    ];
    app.add_people(json!(people)).await;
    let mut gone = person("M", Some("BOSS"), "m@corp.example");
    gone["active"] = json!(false);
    app.add_people(json!([gone])).await;
    let survey = json!({"id":"p","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true}]});
    assert_eq!(app.post("/api/v1/surveys", survey).await.0, 200);
    app.seed_cycle("Q4").await;
    let (s, b) = app.post("/api/v1/cycles/Q4/launch", json!({"survey":"p","subjects":"all","peers":"team"})).await;
    assert_eq!(s, 201, "{b}");
}

on_both_databases!(
    a_team_launch_survives_a_manager_who_left,
    a_reissue_with_an_attributed_review_reroutes_the_anonymous_one,
    a_reminder_reroutes_the_anonymous_review_and_tells_who_answered,
    a_login_link_outlives_the_address_it_was_sent_to,
    next_after_a_round_trip_opens_the_anonymous_review,
    one_unsealable_cycle_blocks_the_automatic_close_of_others,
    control_due_cycles_close_on_their_own,
);
