//! The heatmap and a comparison in a real browser, on the demo organisation with both of its
//! quarters closed: at 1280 px and 360 px, in English and 简体中文 (screenshots for the README),
//! the team column staying in place while the heatmap scrolls sideways on a phone, a cell
//! opening its team's view, and the Excel button downloading a workbook.
use crate::common::browser::{browser, no_overflow, shot, sign_in, wait_text};
use crate::common::{Backend, spawn_app_with};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heatmap_and_a_comparison_in_the_browser() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    candor::demo::seed(&app.state, &app.addr).await.unwrap();
    candor::app::cycles::close(&app.state, &candor::app::audit::Actor::Cli, "demo-2026-Q4").await.unwrap();
    let (_driver, c) = browser().await;
    sign_in(&c, &app, "admin@demo.example").await;
    for (width, height, size) in [(1280, 1000, "desktop"), (360, 800, "phone")] {
        c.set_window_size(width, height).await.unwrap();
        for (lang, title, short) in [("en", "Heatmap by team", "en"), ("zh-CN", "团队热力图", "zh")] {
            c.goto(&app.url(&format!("/dashboard/heatmap?cycle=demo-2026-Q4&relations=on&lang={lang}"))).await.unwrap();
            let text = wait_text(&c, title).await;
            assert!(text.contains("East") && text.contains("West"), "{text}");
            let cells = c.find_all(Locator::Css("td.hm")).await.unwrap();
            assert!(cells.len() >= 8, "cells: {}", cells.len());
            no_overflow(&c, "the heatmap scrolls inside its box").await;
            // The first row of cells in the picture, scrolled to as little as a phone needs.
            c.execute("document.querySelector('td.hm').scrollIntoView({block: 'nearest'});", vec![]).await.unwrap();
            shot(&c, &format!("heatmap-{size}-{short}"), "td.hm").await;

            let compare = format!("/dashboard?cycle=demo-2026-Q4&compare=2026-Q3&lang={lang}");
            c.goto(&app.url(&compare)).await.unwrap();
            let note = if lang == "en" { "do not overlap" } else { "不重叠" };
            let text = wait_text(&c, note).await;
            assert!(text.contains("2026-Q3"), "{text}");
            let beside = c.find(Locator::Css("small.cmp")).await.expect("scores beside the quarter's");
            let beside = beside.text().await.unwrap();
            let label = if lang == "en" { "2026-Q3: " } else { "2026-Q3：" };
            assert!(beside.starts_with(label), "the quarter's score beside this one: {beside}");
            no_overflow(&c, "the comparison").await;
            // The table, not the pickers above it, on a phone's first screen.
            c.execute("document.querySelector('#compare-note').scrollIntoView();", vec![]).await.unwrap();
            shot(&c, &format!("compare-{size}-{short}"), "small.cmp").await;
        }
    }

    // On a phone the heatmap scrolls sideways and the team column stays where it is.
    c.goto(&app.url("/dashboard/heatmap?cycle=demo-2026-Q4&relations=on&lang=en")).await.unwrap();
    wait_text(&c, "Heatmap by team").await;
    let moved = c
        .execute(
            "const box = document.querySelector('.heatmap-wrap'); const team = document.querySelector('th.hm-team');
             const cell = document.querySelector('td.hm'); const before = [team.getBoundingClientRect().left, cell.getBoundingClientRect().left];
             box.scrollLeft = 400;
             return [box.scrollLeft, before[0], team.getBoundingClientRect().left, before[1], cell.getBoundingClientRect().left];",
            vec![],
        )
        .await
        .unwrap();
    let v: Vec<f64> = moved.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!(v[0] > 100.0, "the table is wider than a phone and scrolls: {v:?}");
    assert!((v[1] - v[2]).abs() < 1.0, "the team column stays: {v:?}");
    assert!(v[4] < v[3] - 100.0, "the cells move under it: {v:?}");
    let sticky =
        c.execute("return getComputedStyle(document.querySelector('th.hm-team')).position;", vec![]).await.unwrap();
    assert_eq!(sticky, "sticky");

    // A person's report beside the quarter before, on a phone in Chinese.
    c.goto(&app.url("/dashboard/people/E112?cycle=demo-2026-Q4&compare=2026-Q3&lang=zh-CN")).await.unwrap();
    wait_text(&c, "对比周期").await;
    no_overflow(&c, "a report with a comparison").await;
    c.execute("document.querySelector('#compare-note').scrollIntoView();", vec![]).await.unwrap();
    shot(&c, "compare-person-phone-zh", "#compare-note").await;

    // A cell opens its team's view; the Excel button downloads a workbook.
    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&app.url("/dashboard/heatmap?cycle=demo-2026-Q4&lang=en")).await.unwrap();
    wait_text(&c, "Heatmap by team").await;
    let href = c.find(Locator::Css("td.hm a")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(href.contains("team="), "{href}");
    c.find(Locator::Css("td.hm a")).await.unwrap().click().await.unwrap();
    wait_text(&c, "Team indicators").await;
    assert!(c.current_url().await.unwrap().query().unwrap_or_default().contains("team="));
    let download = c.find(Locator::Id("download-xlsx")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(download.starts_with("/dashboard/scores.xlsx?cycle=demo-2026-Q4&team="), "{download}");
}
