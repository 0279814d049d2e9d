//! The organisation's calendar (CONTRACT §15): with `CANDOR_TIMEZONE` set, the days typed on
//! the admin form are local days, invitations and reminders say until when their link works in
//! local time, and schedules open each period at its local start; the API stays in UTC. Run in
//! Asia/Shanghai (UTC+8 all year) and Europe/Berlin (daylight saving), and in UTC as before.
use crate::common::mail::wait_mails_to;
use crate::common::web::{admin_session, get, post};
use crate::common::{self, Backend, TestApp, customer_invite};
use candor::domain::calendar::Calendar;
use candor::domain::period::Period;
use candor::domain::time::{now, parse_rfc3339, to_rfc3339};
use serde_json::json;

on_both_databases!(
    the_admin_forms_days_are_local_days,
    invitations_say_until_when_their_link_works_in_local_time,
    a_schedule_opens_each_month_at_its_local_start,
    a_quarters_cycle_follows_the_local_quarter,
    answers_are_dated_by_the_local_day,
);

async fn app_in(backend: Backend, zone: Option<&str>) -> TestApp {
    let app = common::spawn_app_with(backend, |c| c.timezone = zone.map(str::to_string)).await;
    app.seed_org().await;
    app.seed_survey().await;
    app
}

fn calendar(zone: &str) -> Calendar {
    Calendar::parse(zone).unwrap()
}

/// Creates cycle `id` on /admin from two typed days; its instants as the API serves them.
async fn cycle_from_form(app: &TestApp, id: &str, opens: &str, closes: &str) -> (String, String) {
    let (cookie, csrf) = admin_session(app, "wang.fang@example.com").await;
    let form =
        [("csrf", csrf.as_str()), ("lang", "en"), ("id", id), ("title", id), ("opens", opens), ("closes", closes)];
    let (s, to) = post(app, Some(&cookie), "/admin/cycles", &form).await;
    assert_eq!((s, to.as_str()), (303, "/admin?lang=en&done=cycle_created"));
    let (s, c) = app.get(&format!("/api/v1/cycles/{id}")).await;
    assert_eq!(s, 200, "{c}");
    (c["opens_at"].as_str().unwrap().to_string(), c["closes_at"].as_str().unwrap().to_string())
}

/// Two days typed on the form, and the instants the cycle gets.
type TypedDays = (&'static str, &'static str, &'static str, &'static str);

async fn the_admin_forms_days_are_local_days(backend: Backend) {
    // (zone, [(first day, last day, opens_at, closes_at)]): local midnight to 23:59:59 local.
    let cases: [(Option<&str>, &[TypedDays]); 3] = [
        (None, &[("2099-01-01", "2099-01-31", "2099-01-01T00:00:00Z", "2099-01-31T23:59:59Z")]),
        (Some("Asia/Shanghai"), &[("2099-01-01", "2099-01-31", "2098-12-31T16:00:00Z", "2099-01-31T15:59:59Z")]),
        (
            Some("Europe/Berlin"),
            &[
                ("2099-01-01", "2099-01-31", "2098-12-31T23:00:00Z", "2099-01-31T22:59:59Z"),
                ("2099-07-01", "2099-07-31", "2099-06-30T22:00:00Z", "2099-07-31T21:59:59Z"),
                // The clocks go forward on 29 March 2099: opened in winter, closed in summer.
                ("2099-03-01", "2099-03-31", "2099-02-28T23:00:00Z", "2099-03-31T21:59:59Z"),
            ],
        ),
    ];
    for (zone, days) in cases {
        let app = app_in(backend, zone).await;
        for (i, (first, last, opens_at, closes_at)) in days.iter().enumerate() {
            let got = cycle_from_form(&app, &format!("c{i}"), first, last).await;
            assert_eq!(got, (opens_at.to_string(), closes_at.to_string()), "{zone:?} {first}–{last}");
        }
        // The form and the audit log name the zone they mean, in the reader's language.
        let name = zone.unwrap_or("UTC");
        let (cookie, _) = admin_session(&app, "wang.fang@example.com").await;
        let (_, en) = get(&app, Some(&cookie), "/admin?lang=en").await;
        assert!(en.contains(&format!("Opens ({name})")) && en.contains(&format!("Closes ({name})")), "{en}");
        assert!(en.contains(&format!("Days in {name}: the cycle opens at 00:00 on its first day")), "{en}");
        let (_, zh) = get(&app, Some(&cookie), "/admin?lang=zh-CN").await;
        assert!(zh.contains(&format!("开始（{name}）")) && zh.contains(&format!("结束（{name}）")), "{zh}");
        let (_, audit) = get(&app, Some(&cookie), "/admin/audit?lang=en").await;
        assert!(audit.contains(&format!("When ({name})")), "{audit}");
    }
}

async fn invitations_say_until_when_their_link_works_in_local_time(backend: Backend) {
    // The cycle closes on one UTC day and on the next local one.
    let cases = [
        (
            "Asia/Shanghai",
            "2099-01-31T17:00:00Z",
            "It works until Sunday, 1 February 2099, 01:00 (Asia/Shanghai).",
            "有效期至 2099年2月1日（星期日）01:00（Asia/Shanghai）。",
        ),
        (
            "Europe/Berlin",
            "2099-07-31T22:30:00Z",
            "It works until Saturday, 1 August 2099, 00:30 (Europe/Berlin).",
            "有效期至 2099年8月1日（星期六）00:30（Europe/Berlin）。",
        ),
    ];
    for (zone, closes_at, en, zh) in cases {
        let app = app_in(backend, Some(zone)).await;
        let cycle = json!({"id":"late","title":"Late","opens_at":"2026-01-01T00:00:00Z","closes_at":closes_at});
        assert_eq!(app.post("/api/v1/cycles", cycle).await.0, 200);
        let body = json!({"invitations":[customer_invite("C1"), customer_invite("C2")],"deliver":"email"});
        let (s, b) = app.post("/api/v1/cycles/late/invitations", body).await;
        assert_eq!(s, 201, "{b}");
        // Acme reads English, Dragon Trading Simplified Chinese; a reminder says it again.
        for (address, sentence) in [("buyer@acme.example", en), ("cai@dragon.example", zh)] {
            let mail = wait_mails_to(&app, None, address, 1).await.remove(0);
            assert!(mail.text().contains(sentence), "{zone}: {}", mail.text());
            assert!(mail.html.as_deref().unwrap_or_default().contains(sentence), "{zone}: html");
        }
        let (s, b) = app.post("/api/v1/cycles/late/reminders", json!({})).await;
        assert_eq!(s, 200, "{b}");
        let reminder = wait_mails_to(&app, None, "buyer@acme.example", 2).await.remove(1);
        assert!(reminder.subject.starts_with("Reminder: "), "{}", reminder.subject);
        assert!(reminder.text().contains(en), "{}", reminder.text());
        // The API keeps the instant in UTC.
        let (_, c) = app.get("/api/v1/cycles/late").await;
        assert_eq!(c["closes_at"], closes_at);
    }
}

/// Runs the schedules as the worker would at `at`; the cycle `id`'s period and opening, if any.
async fn scheduled(app: &TestApp, at: i64, id: &str) -> Option<(String, String)> {
    candor::app::schedules::run_due_at(&app.state, at).await.unwrap();
    let (s, c) = app.get(&format!("/api/v1/cycles/{id}")).await;
    (s == 200).then(|| (c["period"].as_str().unwrap().to_string(), c["opens_at"].as_str().unwrap().to_string()))
}

async fn add_schedule(app: &TestApp, id: &str, every: &str) {
    let schedule = json!({"id":id,"title":"Customers {period}","every":every,"survey":"csat",
        "invite":"customers","open_days":14,"min_raters":3});
    let (s, b) = app.post("/api/v1/schedules", schedule).await;
    assert_eq!(s, 201, "{b}");
}

/// The local period after the one `now` lies in, and its first second.
fn next_period(cal: &Calendar, every: &str) -> (Period, i64) {
    let (_, start) = cal.period_bounds(cal.period_at(every, now()));
    (cal.period_at(every, start), start)
}

async fn a_schedule_opens_each_month_at_its_local_start(backend: Backend) {
    for zone in ["Asia/Shanghai", "Europe/Berlin"] {
        let app = app_in(backend, Some(zone)).await;
        add_schedule(&app, "monthly", "month").await;
        let cal = calendar(zone);
        let (month, start) = next_period(&cal, "month");
        // Local midnight on the 1st is still the last day of the month before in UTC.
        assert_ne!(Calendar::utc().period_at("month", start), month, "{zone}");
        let id = format!("monthly-{month}");
        assert_eq!(scheduled(&app, start - 1, &id).await, None, "{zone}: one second before, no {id}");
        let opened = scheduled(&app, start, &id).await;
        assert_eq!(opened, Some((month.to_string(), to_rfc3339(start))), "{zone}");
        let local = cal.local(parse_rfc3339(&opened.unwrap().1, "opens_at").unwrap());
        assert_eq!((local.day, local.hour, local.minute), (1, 0, 0), "{zone}: 00:00 on the 1st");
        // The API names the local month's bounds, in UTC.
        let (_, list) = app.get("/api/v1/cycles").await;
        let listed = list["cycles"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
        let (_, end) = cal.period_bounds(month);
        assert_eq!(listed["period_starts_at"], to_rfc3339(start), "{zone}");
        assert_eq!(listed["period_ends_at"], to_rfc3339(end), "{zone}");
    }
}

async fn a_quarters_cycle_follows_the_local_quarter(backend: Backend) {
    // New York lies west of UTC: there 23:30 on a quarter's last day is already the next
    // quarter in UTC. East of UTC, 00:30 on the first day is still the last quarter in UTC.
    for zone in ["Asia/Shanghai", "Europe/Berlin", "America/New_York"] {
        let app = app_in(backend, Some(zone)).await;
        add_schedule(&app, "quarterly", "quarter").await;
        let cal = calendar(zone);
        let (quarter, _) = next_period(&cal, "quarter");
        let (_, end) = cal.period_bounds(quarter);
        let (last_evening, next_night) = (end - 30 * 60, end + 30 * 60);
        let t = cal.local(last_evening);
        assert_eq!((t.hour, t.minute, cal.local(end).day), (23, 30, 1), "{zone}: 23:30 on the quarter's last day");
        let id = format!("quarterly-{quarter}");
        assert_eq!(scheduled(&app, last_evening, &id).await.map(|c| c.0), Some(quarter.to_string()), "{zone}");
        let next = cal.period_at("quarter", end);
        let next_id = format!("quarterly-{next}");
        assert_eq!(scheduled(&app, next_night, &next_id).await.map(|c| c.0), Some(next.to_string()), "{zone}");
        let utc = Calendar::utc();
        let differs = if zone == "America/New_York" { last_evening } else { next_night };
        assert_ne!(
            utc.period_at("quarter", differs),
            cal.period_at("quarter", differs),
            "{zone}: UTC would say otherwise"
        );
    }
}

/// An answer keeps the day it was given on the local calendar. The zone is one whose day
/// differs from UTC's now: 14 hours ahead from 10:00 UTC, 11 hours behind before it.
async fn answers_are_dated_by_the_local_day(backend: Backend) {
    let zone = if now() % 86_400 >= 10 * 3600 { "Pacific/Kiritimati" } else { "Pacific/Pago_Pago" };
    let app = app_in(backend, Some(zone)).await;
    app.seed_cycle("2026-Q4").await;
    let before = now();
    common::mail::answer_by_email(&app, "2026-Q4", customer_invite("C1"), &[("q1", "4"), ("q2", "9")]).await;
    let after = now();
    let day: String =
        sqlx::query_scalar("SELECT submitted_on FROM responses").fetch_one(&app.state.db().pool).await.unwrap();
    let (cal, utc) = (calendar(zone), Calendar::utc());
    assert!([cal.day(before), cal.day(after)].contains(&day), "{zone}: {day}");
    // Unless UTC's own day turned while answering, that is not UTC's day.
    if utc.day(before) == utc.day(after) {
        assert_ne!(day, utc.day(before), "{zone}");
    }
}

/// The real binary in `dir`, on its own SQLite file and key there, without a zone set.
fn candor_in(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_candor"));
    cmd.current_dir(dir);
    for var in ["CANDOR_DATABASE_URL", "CANDOR_KEY", "CANDOR_KEY_FILE", "CANDOR_SMTP_URL", "CANDOR_TIMEZONE"] {
        cmd.env_remove(var);
    }
    cmd.env("CANDOR_LOG", "info");
    cmd
}

/// An unknown zone is a configuration error: exit 2 with one line, before anything starts.
#[test]
fn an_unknown_zone_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let candor = |zone: &str| candor_in(dir.path()).env("CANDOR_TIMEZONE", zone).arg("migrate").output().unwrap();
    let out = candor("Mars/Olympus_Mons");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let line = err.trim().lines().last().unwrap_or_default();
    assert!(line.starts_with("candor: CANDOR_TIMEZONE \"Mars/Olympus_Mons\" is not a time zone"), "{err}");
    assert!(!dir.path().join("candor.db").exists(), "nothing was created");
    let out = candor("Asia/Shanghai");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `candor demo` without `CANDOR_TIMEZONE` keeps Beijing time: its open cycle closes at the end of
/// a day there, which the API serves as 15:59:59 UTC.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_in_beijing_time() {
    use std::io::BufRead;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let mut demo = candor_in(dir.path())
        .env("CANDOR_LISTEN", "127.0.0.1:0")
        .env_remove("CANDOR_PUBLIC_URL")
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port, _log) = common::listening_port(&mut demo);
    // The sign-in link is printed once the organisation is seeded.
    let mut stdout = std::io::BufReader::new(demo.stdout.take().unwrap());
    let seeded = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 || line.contains("/login/") {
            break line.contains("/login/");
        }
    };
    let out = candor_in(dir.path()).args(["api-key", "create", "--name", "t", "--scope", "scores"]).output().unwrap();
    let key = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap_or_default().to_string();
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/cycles/demo-2026-Q4"))
        .bearer_auth(&key)
        .send()
        .await;
    let _ = demo.kill();
    let _ = demo.wait();
    assert!(seeded, "the demo printed no link");
    let cycle: serde_json::Value = res.unwrap().json().await.unwrap();
    let closes = cycle["closes_at"].as_str().unwrap_or_default();
    assert!(closes.ends_with("T15:59:59Z"), "23:59:59 in Asia/Shanghai: {cycle}");
}
