//! Reminders of a 360: only to those who have not answered, and scheduled ones stop at the
//! cycle's maximum.
use crate::common;
use crate::reviews::{app_with, cycle, launch};

use common::Backend;
use common::smtp::SmtpSink;
use serde_json::json;

async fn reminders_go_only_to_those_who_have_not_answered(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with(backend, Some(&sink), 86_400, cycle()).await;
    launch(&app, json!({"survey":"peer360","subjects":["E1001"],"peers":"team"})).await;
    let first = sink.wait_for(6, 20).await;
    let link_of = |mails: &[common::smtp::Mail], to: &str| {
        mails.iter().find(|m| m.rcpt_tos == [to]).map(|m| m.link(&app.addr, "/s/")).unwrap()
    };
    let sam_first = link_of(&first, "sam@corp.example");
    let res = app.client.post(&sam_first).form(&[("t1", "4")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);

    let (s, b) = app.post("/api/v1/cycles/2026-Q4/reminders", json!({})).await;
    assert_eq!((s, b["queued"].as_u64(), b["emails"].as_u64()), (200, Some(5), Some(5)), "{b}");
    sink.wait_for(11, 20).await;
    common::outbox_drained(&app).await;
    let all = sink.messages();
    assert_eq!(all.len(), 11, "one reminder to each who has not answered, no more");
    let reminders: Vec<_> = all[6..].iter().collect();
    for m in &reminders {
        // In each rater's language: Wang Fang reads Chinese, the others English.
        let expected = if m.rcpt_tos == ["wang@corp.example"] { "提醒：" } else { "Reminder: " };
        assert!(m.subject.starts_with(expected), "{:?}: {}", m.rcpt_tos, m.subject);
    }
    assert!(reminders.iter().all(|m| m.rcpt_tos != ["sam@corp.example"]), "no reminder after answering");
    let chen_old = link_of(&first, "chen@corp.example");
    let chen_new = link_of(&all[6..], "chen@corp.example");
    assert_ne!(chen_old, chen_new, "a fresh link");
    for l in [&chen_old, &chen_new] {
        assert_eq!(app.client.get(l).send().await.unwrap().status().as_u16(), 200, "old and new links both work");
    }
    let res = app.client.post(&chen_new).form(&[("t1", "3")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.client.get(&chen_old).send().await.unwrap().status().as_u16(), 409, "one invitation, answered once");
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["reminded"], 5);
    assert_eq!(p["surveys"][0]["completed"], 2);

    app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    let (s, b) = app.post("/api/v1/cycles/2026-Q4/reminders", json!({})).await;
    assert_eq!((s, &b["error"]["code"]), (409, &json!("cycle_closed")));
}

async fn scheduled_reminders_stop_at_the_maximum(backend: Backend) {
    let sink = SmtpSink::start();
    // A "day" of one second: remind every day, at most twice.
    let mut c = cycle();
    c["remind_every_days"] = json!(1);
    c["max_reminders"] = json!(2);
    let app = app_with(backend, Some(&sink), 1, c).await;
    launch(&app, json!({"survey":"peer360","subjects":["E1004"],"peers":"none"})).await; // Dan: self + Li Na
    let first = sink.wait_for(2, 20).await;
    let dan = first.iter().find(|m| m.rcpt_tos == ["dan@corp.example"]).unwrap().link(&app.addr, "/s/");
    let res = app.client.post(&dan).form(&[("t1", "4")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // On a slow machine a "day" (one second) may pass before Dan answers: a reminder that went
    // out before his answer is fair; none may come after it.
    let before_answer = sink.messages().len();
    let to_li = |m: &&common::smtp::Mail| m.rcpt_tos == ["li@corp.example"];
    common::eventually(20, || async {
        (sink.messages().iter().filter(to_li).filter(|m| m.subject.starts_with("Reminder: ")).count() >= 2)
            .then_some(())
    })
    .await;
    // No more, even once another "day" has passed: rather than wait for one, every email is
    // dated back a day, so the schedule would call for another reminder, and the scheduler
    // runs now (as the worker does on each poll); then whatever it queued is sent.
    common::outbox_drained(&app).await;
    sqlx::query("UPDATE outbox SET sent_at = sent_at - 86400 WHERE sent_at IS NOT NULL")
        .execute(&app.state.db().pool)
        .await
        .unwrap();
    candor::app::reminders::schedule_reminders(&app.state).await.unwrap();
    common::outbox_drained(&app).await;
    let all_now = sink.messages();
    let seen = all_now.iter().map(|m| (&m.rcpt_tos, &m.subject)).collect::<Vec<_>>();
    let li_reminders = all_now.iter().filter(to_li).filter(|m| m.subject.starts_with("Reminder: ")).count();
    assert_eq!(li_reminders, 2, "Li Na gets two reminders, no more: {seen:?}");
    assert!(
        all_now[before_answer..].iter().all(|m| m.rcpt_tos != ["dan@corp.example"]),
        "nothing to Dan after he answered: {seen:?}"
    );
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    let dan_early = all_now[..before_answer]
        .iter()
        .any(|m| m.rcpt_tos == ["dan@corp.example"] && m.subject.starts_with("Reminder: "));
    assert_eq!(p["surveys"][0]["reminded"], 1 + u64::from(dan_early));
}

on_both_databases!(reminders_go_only_to_those_who_have_not_answered, scheduled_reminders_stop_at_the_maximum,);
