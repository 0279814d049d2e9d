//! The admin pages as HR uses them: confirmations, plain results, full cycle settings, CSV
//! problems that name the row and the value, and who has not answered.
use crate::common;

use common::smtp::SmtpSink;
use common::web::{admin_session, get, make_admin, multipart, post, session};
use common::{Backend, TestApp, seeded};
use serde_json::json;

/// An admin session on the standard organisation (Wang Fang manages Li Na and Sam Carter).
async fn admin(app: &TestApp) -> (String, String) {
    admin_session(app, "wang.fang@example.com").await
}

async fn admin_actions_ask_for_confirmation(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    let (_, html) = get(&app, Some(cookie.as_str()), "/admin?lang=zh-CN").await;
    assert!(html.contains("进行中") && !html.contains(">open<"), "statuses in the page's language");
    let (s, _) = post(&app, Some(&cookie), "/admin/cycles/2026-Q4/close", &[("csrf", &csrf), ("lang", "en")]).await;
    assert_eq!(s, 422, "not confirmed: nothing done");
    let (_, c) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!(c["status"], "open");
    let form = [("csrf", csrf.as_str()), ("lang", "en"), ("confirm", "on")];
    let (s, to) = post(&app, Some(&cookie), "/admin/cycles/2026-Q4/close", &form).await;
    assert_eq!((s, to.as_str()), (303, "/admin?lang=en&done=closed"));
    let (_, c) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!(c["status"], "closed");
    let (_, html) = get(&app, Some(cookie.as_str()), &to).await;
    assert!(html.contains("The cycle is closed."), "a plain sentence");

    // Revoking a key from the page, confirmed.
    let key = app.scores_key("old").await;
    let path = format!("/admin/keys/{}/revoke", key.id);
    assert_eq!(post(&app, Some(&cookie), &path, &[("csrf", &csrf), ("lang", "en")]).await.0, 422);
    assert_eq!(app.get_with_key("/api/v1/cycles", &key.key).await.0, 200);
    assert_eq!(post(&app, Some(&cookie), &path, &form).await.0, 303);
    assert_eq!(app.get_with_key("/api/v1/cycles", &key.key).await.0, 401);
}

async fn a_cycle_is_created_with_all_its_settings(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("id", "2027-Q1"),
        ("title", "Q1 2027"),
        ("period", "2027-Q1"),
        ("opens", "2027-01-01"),
        ("closes", "2027-03-31"),
        ("min_raters", "4"),
        ("weight_manager", "2"),
        ("weight_peer", "1"),
        ("weight_direct_report", "0.5"),
        ("remind_every_days", "7"),
        ("max_reminders", "3"),
    ];
    let (s, to) = post(&app, Some(&cookie), "/admin/cycles", &form).await;
    assert_eq!((s, to.as_str()), (303, "/admin?lang=en&done=cycle_created"));
    let (_, c) = app.get("/api/v1/cycles/2027-Q1").await;
    assert_eq!((&c["period"], &c["min_raters"]), (&json!("2027-Q1"), &json!(4)), "{c}");
    assert_eq!(c["weights"], json!({"manager":2.0,"peer":1.0,"direct_report":0.5}), "{c}");
    assert_eq!((&c["remind_every_days"], &c["max_reminders"]), (&json!(7), &json!(3)), "{c}");
    // A typo is an error on the page, naming what was typed, which stays in the form; nothing
    // is created.
    form[2] = ("id", "2027-Q2");
    form[8] = ("weight_manager", "two");
    let (s, body) = post(&app, Some(&cookie), "/admin/cycles", &form).await;
    assert_eq!(s, 422);
    let said = "role=\"alert\">two: The cycle&#39;s settings are not valid";
    assert!(body.contains(said), "{body}");
    for kept in
        ["name=\"id\" required pattern=\"[A-Za-z0-9._:-]+\" value=\"2027-Q2\"", "value=\"two\"", "value=\"Q1 2027\""]
    {
        assert!(body.contains(kept), "{kept}: {body}");
    }
    assert_eq!(app.get("/api/v1/cycles/2027-Q2").await.0, 404);
}

async fn csv_problems_name_the_row_and_the_value(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    let upload = |csv: &'static str| {
        let (kind, body) = multipart(&[("csrf", &csrf), ("lang", "en"), ("kind", "people")], csv);
        let req = app.client.post(app.url("/admin/import")).header("cookie", &cookie).header("content-type", kind);
        req.body(body).send()
    };
    let res = upload("id,name,email\nE7,Ann,not-an-email\n").await.unwrap();
    assert_eq!(res.status().as_u16(), 422, "wrong in itself");
    let html = res.text().await.unwrap();
    assert!(html.contains("email &#34;not-an-email&#34;"), "the value, escaped: {html}");
    // A row that does not fit what is stored is a conflict, said by its row, in the page's words.
    let res = upload("id,name,email,manager\nE7,Ann,ann@corp.example,\nE8,Bo,bo@corp.example,E404\n").await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "an unknown manager");
    let html = res.text().await.unwrap();
    assert!(html.contains("1 row is refused.") && html.contains("E404&#34;: No person has this manager id."), "{html}");
    let html = upload("id,name,email\nE7,Ann,ann@corp.example\n").await.unwrap().text().await.unwrap();
    assert!(html.contains("Ready: 1 new, 0 changed, 0 unchanged."), "{html}");
}

async fn who_has_not_answered_and_a_reminder_for_one_person(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    app.seed_peer_survey().await;
    let (s, b) = app
        .post("/api/v1/cycles/2026-Q4/launch", json!({"survey":"peer360","subjects":["E1001"],"peers":"team"}))
        .await;
    assert_eq!(s, 201, "{b}");
    // Li Na (self), Wang Fang (manager) and Sam Carter (peer) are asked.
    let mails = sink.wait_for(3, 20).await;
    let sam = mails.iter().find(|m| m.rcpt_tos == ["sam.carter@example.com"]).unwrap().link(&app.addr, "/s/");
    let (cookie, csrf) = admin(&app).await;
    let (s, html) = get(&app, Some(cookie.as_str()), "/admin/cycles/2026-Q4/raters?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("Li Na") && html.contains("Wang Fang"), "attributed reviews by name");
    // Sam, a peer, is listed only among everyone asked for an anonymous review, never as not
    // having answered.
    let pending = |html: &str| html.split(r#"aria-labelledby="anon-h""#).next().unwrap().to_string();
    assert!(!pending(&html).contains("Sam Carter"), "anonymous raters are never named as pending");
    // Sam answers: the counts move, still without a name.
    assert_eq!(app.client.post(&sam).form(&[("t1", "4")]).send().await.unwrap().status().as_u16(), 303);
    let (_, html) = get(&app, Some(cookie.as_str()), "/admin/cycles/2026-Q4/raters?lang=en").await;
    assert!(!pending(&html).contains("Sam Carter"));

    common::eventually(20, || async {
        let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
        (p["surveys"][0]["emailed"] == 3).then_some(())
    })
    .await;
    let path = "/admin/cycles/2026-Q4/raters/E1001/remind";
    let (s, to) = post(&app, Some(&cookie), path, &[("csrf", &csrf), ("lang", "en")]).await;
    assert_eq!((s, to.as_str()), (303, "/admin/cycles/2026-Q4/raters?lang=en&reminded=1"));
    let all = sink.wait_for(4, 20).await;
    assert_eq!(all[3].rcpt_tos, ["li.na@example.com"]);
    assert!(all[3].subject.starts_with("提醒"), "in Li Na's language (zh-CN): {}", all[3].subject);
    // Within the hour, a second click reminds nobody.
    let (_, to) = post(&app, Some(&cookie), path, &[("csrf", &csrf), ("lang", "en")]).await;
    assert!(to.ends_with("reminded=0"), "{to}");
    common::outbox_drained(&app).await;
    assert_eq!(sink.messages().len(), 4, "no second reminder");

    // One invitation reissued from the page: a fresh link by email, the old one is gone.
    let li_na_first = mails.iter().find(|m| m.rcpt_tos == ["li.na@example.com"]).unwrap().link(&app.addr, "/s/");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("survey", "peer360"),
        ("subject", "E1001"),
        ("person", "E1001"),
        ("action", "reissue"),
        ("confirm", "on"),
    ];
    let (s, to) = post(&app, Some(&cookie), "/admin/cycles/2026-Q4/invitation", &form).await;
    assert_eq!((s, to.as_str()), (303, "/admin/cycles/2026-Q4/raters?lang=en&done=reissued"));
    let all = sink.wait_for(5, 20).await;
    assert_eq!(all[4].rcpt_tos, ["li.na@example.com"]);
    assert_eq!(app.client.get(&li_na_first).send().await.unwrap().status().as_u16(), 404);
    assert_eq!(app.client.get(all[4].link(&app.addr, "/s/")).send().await.unwrap().status().as_u16(), 200);
    // The manager's review revoked: its link says the survey is closed.
    let manager = mails.iter().find(|m| m.rcpt_tos == ["wang.fang@example.com"]).unwrap().link(&app.addr, "/s/");
    form[4] = ("person", "E1000");
    form[5] = ("action", "revoke");
    let (s, to) = post(&app, Some(&cookie), "/admin/cycles/2026-Q4/invitation", &form).await;
    assert_eq!((s, to.as_str()), (303, "/admin/cycles/2026-Q4/raters?lang=en&done=revoked"));
    assert_eq!(app.client.get(&manager).send().await.unwrap().status().as_u16(), 410);
}

/// The survey form's fields: a customer survey with a scale, a recommendation and a text question.
fn pulse_form<'a>(csrf: &'a str, id: &'a str, first_text: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("lang", "en"),
        ("action", "save"),
        ("id", id),
        ("kind", "customer"),
        ("title", "Pulse"),
        ("title_zh", "脉搏"),
        ("q0_id", "q1"),
        ("q0_type", "scale"),
        ("q0_text", first_text),
        ("q0_text_zh", "总体满意度"),
        ("q0_min", "1"),
        ("q0_max", "5"),
        ("q0_indicator", "customer_satisfaction"),
        ("q0_required", "on"),
        ("q1_id", "q2"),
        ("q1_type", "nps"),
        ("q1_text", "Would you recommend us?"),
        ("q1_indicator", "customer_satisfaction"),
        ("q2_id", "q3"),
        ("q2_type", "text"),
        ("q2_text", "Anything else?"),
        ("q2_indicator", "ignored for text"),
        ("q3_id", ""),
        ("q3_type", "scale"),
        ("q3_text", ""),
    ]
}

async fn surveys_are_built_copied_and_frozen_in_the_browser(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    let (s, html) = get(&app, Some(cookie.as_str()), "/admin/surveys/edit?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"q0_id\"") && !html.contains("name=\"q1_id\""), "one empty question to start");
    // "Add a question" keeps what was typed and offers one more block.
    let mut add = pulse_form(&csrf, "pulse", "Overall satisfaction");
    add[2] = ("action", "add");
    let (s, html) = post(&app, Some(&cookie), "/admin/surveys", &add).await;
    assert_eq!(s, 200);
    assert!(html.contains("Would you recommend us?") && html.contains("name=\"q3_id\""), "{html}");

    let (s, to) =
        post(&app, Some(&cookie), "/admin/surveys", &pulse_form(&csrf, "pulse", "Overall satisfaction")).await;
    assert_eq!((s, to.as_str()), (303, "/admin/surveys?lang=en&saved=pulse"));
    let (_, survey) = app.get("/api/v1/surveys/pulse").await;
    let q = &survey["questions"];
    assert_eq!((q.as_array().unwrap().len(), &survey["title_i18n"]["zh-CN"]), (3, &json!("脉搏")), "{survey}");
    assert_eq!((&q[0]["min"], &q[0]["max"], &q[0]["required"]), (&json!(1), &json!(5), &json!(true)), "{survey}");
    assert_eq!((&q[1]["type"], &q[1]["indicator"]), (&json!("nps"), &json!("customer_satisfaction")));
    assert_eq!((&q[2]["type"], q[2].get("indicator")), (&json!("text"), None));
    assert_eq!(q[0]["text_i18n"]["zh-CN"], "总体满意度");
    // The list names each survey in the reader's language.
    let (_, zh) = get(&app, Some(cookie.as_str()), "/admin/surveys?lang=zh-CN").await;
    let (_, en) = get(&app, Some(cookie.as_str()), "/admin/surveys?lang=en").await;
    assert!(zh.contains("脉搏"), "{zh}");
    assert!(en.contains("Pulse") && !en.contains("脉搏"), "{en}");

    // A survey the API would refuse is refused here too, with the reason, and nothing is stored.
    let mut bad = pulse_form(&csrf, "bad", "Overall satisfaction");
    bad[12] = ("q0_min", "5");
    bad[13] = ("q0_max", "1");
    let (s, html) = post(&app, Some(&cookie), "/admin/surveys", &bad).await;
    assert_eq!(s, 422);
    let said = "role=\"alert\">q1: The survey cannot be saved: check its id, title and every question.";
    assert!(html.contains(said) && html.contains("name=\"q0_min\" type=\"number\" value=\"5\""), "{html}");
    assert_eq!(app.get("/api/v1/surveys/bad").await.0, 404);

    // Once invited, the survey is frozen: editing it starts a copy.
    let rows = json!([{"survey":"pulse","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}]);
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations": rows, "deliver":"none"})).await;
    assert_eq!(s, 201, "{b}");
    let (_, html) = get(&app, Some(cookie.as_str()), "/admin/surveys/edit?id=pulse&lang=en").await;
    assert!(html.contains("value=\"pulse-copy\"") && html.contains("can no longer change"), "{html}");
    // Saving a new survey under a taken id does not replace that survey.
    let (s, html) = post(&app, Some(&cookie), "/admin/surveys", &pulse_form(&csrf, "pulse", "Changed wording")).await;
    assert_eq!(s, 409);
    assert!(html.contains("exists already"), "{html}");
    // Editing the frozen survey itself is refused with the reason.
    let mut edit = pulse_form(&csrf, "pulse", "Changed wording");
    edit.push(("editing", "pulse"));
    let (s, html) = post(&app, Some(&cookie), "/admin/surveys", &edit).await;
    assert_eq!(s, 409, "a frozen survey is a conflict with what is stored");
    assert!(html.contains("can no longer change"), "{html}");
    let (s, _) = post(&app, Some(&cookie), "/admin/surveys", &pulse_form(&csrf, "pulse-copy", "Changed wording")).await;
    assert_eq!(s, 303);
    let (_, original) = app.get("/api/v1/surveys/pulse").await;
    assert_eq!(original["questions"][0]["text"], "Overall satisfaction");
    let (_, copy) = app.get("/api/v1/surveys/pulse-copy").await;
    assert_eq!(copy["questions"][0]["text"], "Changed wording");
}

async fn admin_rights_are_removed_and_sessions_ended(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    make_admin(&app, "sam.carter@example.com").await;
    let sam = session(&app, "sam.carter@example.com").await;
    assert_eq!(get(&app, Some(sam.as_str()), "/admin").await.0, 200);
    let (_, html) = get(&app, Some(cookie.as_str()), "/admin?lang=en").await;
    assert!(html.contains("/admin/people/E1002/remove-admin") && !html.contains("/admin/people/E1000/remove-admin"));
    let confirmed = [("csrf", csrf.as_str()), ("lang", "en"), ("confirm", "on")];

    // Signed out everywhere: Sam's session ends, he is still an admin.
    let (s, to) = post(&app, Some(&cookie), "/admin/people/E1002/sign-out", &confirmed).await;
    assert_eq!((s, to.as_str()), (303, "/admin?lang=en&done=signed_out"));
    assert_eq!(get(&app, Some(sam.as_str()), "/admin").await, (303, "/login".to_string()));
    let sam = session(&app, "sam.carter@example.com").await;
    assert_eq!(get(&app, Some(sam.as_str()), "/admin").await.0, 200);
    // Not without the box ticked; then his admin rights go, at once.
    let (s, _) =
        post(&app, Some(&cookie), "/admin/people/E1002/remove-admin", &[("csrf", &csrf), ("lang", "en")]).await;
    assert_eq!(s, 422);
    let (s, _) = post(&app, Some(&cookie), "/admin/people/E1002/remove-admin", &confirmed).await;
    assert_eq!(s, 303);
    assert_eq!(get(&app, Some(sam.as_str()), "/admin").await.0, 404);
    assert_eq!(get(&app, Some(sam.as_str()), "/dashboard").await.0, 200, "still signed in, as a colleague");
    // Anyone is signed out by their address.
    let li_na = session(&app, "li.na@example.com").await;
    let form = [("csrf", csrf.as_str()), ("lang", "en"), ("email", "li.na@example.com"), ("confirm", "on")];
    assert_eq!(post(&app, Some(&cookie), "/admin/people/sign-out", &form).await.0, 303);
    assert_eq!(get(&app, Some(li_na.as_str()), "/dashboard").await, (303, "/login".to_string()));
    // Nobody removes their own rights.
    let (s, body) = post(&app, Some(&cookie), "/admin/people/E1000/remove-admin", &confirmed).await;
    assert_eq!(s, 422);
    assert!(body.contains("your own admin rights"), "{body}");
    assert_eq!(get(&app, Some(cookie.as_str()), "/admin").await.0, 200);
}

/// Customers who have not answered are listed by name, and each unanswered line is reissued or
/// revoked from the list, confirmed, with no id typed. Browser walkthrough, December, problem 6.
async fn unanswered_invitations_are_handled_from_the_list(backend: Backend) {
    let sink = SmtpSink::start();
    let app = seeded(backend, Some(&sink)).await;
    let invitations = vec![common::customer_invite("C1"), common::customer_invite("C2")];
    let links = common::mail::invite_by_email(&app, Some(&sink), "2026-Q4", invitations).await;
    let (cookie, csrf) = admin(&app).await;
    let page = "/admin/cycles/2026-Q4/raters?lang=en";
    let (_, html) = get(&app, Some(cookie.as_str()), page).await;
    assert!(html.contains(">Acme<") && html.contains(">Dragon Trading<"), "customers by name: {html}");
    assert!(html.contains(r#"name="customer" value="C1""#), "each line names its invitation: {html}");
    // Dragon Trading answers: off the list.
    let dragon =
        sink.messages().into_iter().find(|m| m.rcpt_tos == ["cai@dragon.example"]).unwrap().link(&app.addr, "/s/");
    assert_eq!(app.client.post(&dragon).form(&[("q1", "5")]).send().await.unwrap().status().as_u16(), 303);
    let (_, html) = get(&app, Some(cookie.as_str()), page).await;
    assert!(!html.contains(">Dragon Trading<") && html.contains(">Acme<"), "{html}");
    // Acme's line, revoked from the list: only once the box is ticked.
    let line = |action: &'static str, confirm: bool| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("lang", "en".to_string()),
            ("survey", "csat".to_string()),
            ("subject", "E1001".to_string()),
            ("customer", "C1".to_string()),
            ("action", action.to_string()),
        ];
        if confirm {
            form.push(("confirm", "on".to_string()));
        }
        form
    };
    let path = "/admin/cycles/2026-Q4/invitation";
    let refused: Vec<(&str, String)> = line("revoke", false);
    let refused: Vec<(&str, &str)> = refused.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&app, Some(&cookie), path, &refused).await.0, 422, "not without the box ticked");
    let acme = links.iter().find(|l| l.as_str() != dragon).unwrap().clone();
    assert_eq!(common::web::page(&app, &acme).await.0, 200, "Acme's link still works");
    let revoke: Vec<(&str, String)> = line("revoke", true);
    let revoke: Vec<(&str, &str)> = revoke.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, to) = post(&app, Some(&cookie), path, &revoke).await;
    assert_eq!((s, to.contains("done=revoked")), (303, true), "{to}");
    assert_eq!(common::web::page(&app, &acme).await.0, 410, "revoked from the list");
    let (_, html) = get(&app, Some(cookie.as_str()), page).await;
    assert!(!html.contains(">Acme<"), "a revoked invitation leaves the list: {html}");
}

on_both_databases!(
    unanswered_invitations_are_handled_from_the_list,
    admin_rights_are_removed_and_sessions_ended,
    surveys_are_built_copied_and_frozen_in_the_browser,
    admin_actions_ask_for_confirmation,
    a_cycle_is_created_with_all_its_settings,
    csv_problems_name_the_row_and_the_value,
    who_has_not_answered_and_a_reminder_for_one_person,
);
