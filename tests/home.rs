//! Everyone's home once signed in (`/me`): their own results, the latest first, their reviews
//! to write and, for a manager, their team. Browser walkthrough, December, problem 1.
use crate::common;
use crate::scores::{hand_built_cycle, li_na};
use common::web::{get, session};
use common::{Backend, spawn_app};

async fn a_person_finds_their_own_results_from_home(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_built_cycle(&app).await;
    let li = session(&app, "li@corp.example").await;

    // While the cycle is open: listed with the day it closes, and their own report says so
    // instead of "link not found" — with no answer in it.
    let (s, home) = get(&app, Some(&li), "/me?lang=en").await;
    assert_eq!(s, 200, "{home}");
    assert!(home.contains("My results") && home.contains("Q4 2026"), "{home}");
    assert!(home.contains("Open: your results appear here when it closes on 2099-12-31."), "{home}");
    assert!(!home.contains("/dashboard/people/E1001"), "no report to open yet: {home}");
    let (s, own) = get(&app, Some(&li), "/dashboard/people/E1001?cycle=2026-Q4&lang=en").await;
    assert_eq!(s, 200, "{own}");
    assert!(own.contains("id=\"pending-report\"") && own.contains("when it closes on 2099-12-31"), "{own}");
    assert!(!own.contains("(n = ") && !own.contains("Link not found"), "{own}");
    let (_, zh) = get(&app, Some(&li), "/dashboard/people/E1001?cycle=2026-Q4&lang=zh-CN").await;
    assert!(zh.contains("本周期仍在进行中。2099-12-31 结束后"), "{zh}");

    // Closed: the home links to the report, whose numbers are the API's.
    app.close_cycle("2026-Q4").await;
    let (_, home) = get(&app, Some(&li), "/me?lang=en").await;
    let href = "/dashboard/people/E1001?cycle=2026-Q4&#38;lang=en";
    assert!(home.contains(&format!("href=\"{href}\"")) && home.contains("Read my report"), "{home}");
    let (s, report) = get(&app, Some(&li), &href.replace("&#38;", "&")).await;
    assert_eq!(s, 200, "{report}");
    let (_, scores) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    let mine = li_na(&scores);
    let mut shown = 0;
    for (indicator, v) in mine["indicators"].as_object().unwrap() {
        let Some(score) = v["score"].as_f64() else { continue };
        let total = format!(": {score:.1} <small>(n = {})</small>", v["n"]);
        assert!(report.contains(&total), "{indicator} {total:?} in her own report: {report}");
        shown += 1;
    }
    assert_eq!(shown, 3, "{report}");
    let (_, zh) = get(&app, Some(&li), "/me?lang=zh-CN").await;
    assert!(zh.contains("我的结果") && zh.contains("查看我的报告") && zh.contains("我的评价"), "{zh}");
}

async fn the_team_is_on_the_home_of_those_who_have_one(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_built_cycle(&app).await;
    // Wang manages the East team; Sam manages nobody and was reviewed in no cycle.
    let wang = session(&app, "wang@corp.example").await;
    let (_, home) = get(&app, Some(&wang), "/me?lang=en").await;
    assert!(home.contains("id=\"my-team\"") && home.contains("href=\"/dashboard?lang=en\""), "{home}");
    let sam = session(&app, "sam@corp.example").await;
    let (s, home) = get(&app, Some(&sam), "/me?lang=en").await;
    assert_eq!(s, 200, "{home}");
    assert!(!home.contains("id=\"my-team\"") && !home.contains("href=\"/dashboard"), "no team, no team link: {home}");
    assert!(home.contains("You have not been reviewed in any cycle yet."), "{home}");
    // The brand and "Home" lead to /me; "/" too.
    assert!(home.contains("href=\"/me?lang=en\" class=\"brand\""), "{home}");
    assert_eq!(get(&app, Some(&sam), "/").await, (303, "/me".to_string()));
}

on_both_databases!(a_person_finds_their_own_results_from_home, the_team_is_on_the_home_of_those_who_have_one);
