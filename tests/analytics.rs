//! Analytics for managers and HR (issue 33): the heatmap's team cells and the comparison's
//! differences against figures computed by hand for a seeded org (with a withheld group that
//! must stay out of its team's cell), each manager's scope, participation, and the Excel
//! workbook read by openpyxl with the same numbers as scores.csv.
use crate::common::web::{get, make_admin, session};
use crate::common::{self, Backend, TestApp};
use serde_json::{Value, json};

/// BOSS manages Mia (team East: A1, A2) and Oz (team West: W1); P1–P4 are colleagues who rate.
async fn org(app: &TestApp) {
    app.seed_survey().await;
    app.add_people(json!([
                {"id":"BOSS","name":"Bo Boss","email":"boss@corp.example","team":"Lead"},
                {"id":"MIA","name":"Mia","email":"mia@corp.example","manager":"BOSS","team":"Lead"},
                {"id":"OZ","name":"Oz","email":"oz@corp.example","manager":"BOSS","team":"Lead"},
                {"id":"A1","name":"Ann","email":"a1@corp.example","manager":"MIA","team":"East"},
                {"id":"A2","name":"Abe","email":"a2@corp.example","manager":"MIA","team":"East"},
                {"id":"W1","name":"Wu","email":"w1@corp.example","manager":"OZ","team":"West"},
                {"id":"P1","name":"Pia","email":"p1@corp.example","team":"Pool"},
                {"id":"P2","name":"Pat","email":"p2@corp.example","team":"Pool"},
                {"id":"P3","name":"Per","email":"p3@corp.example","team":"Pool"},
                {"id":"P4","name":"Pol","email":"p4@corp.example","team":"Pool"}]))
        .await;
    app.add_customers(json!([{"id":"C1","name":"Acme","email":"c1@acme.example","owner":"A1"},
                                {"id":"C2","name":"Dragon","email":"c2@dragon.example","owner":"A1"}]))
        .await;
    app.seed_teamwork_survey("p", true).await;
    make_admin(app, "ada@corp.example").await;
}

/// Invites one rater by email (anonymous reviews reach raters no other way) and returns the
/// link the email carries.
async fn invite(app: &TestApp, cycle: &str, survey: &str, subject: &str, respondent: Value, relation: &str) -> String {
    let row = json!({"survey":survey,"subject":subject,"respondent":respondent,"relation":relation});
    common::mail::invite_by_email(app, None, cycle, vec![row]).await.remove(0)
}

/// (subject, rater, relation, teamwork answer on 1–5).
async fn rate(app: &TestApp, cycle: &str, ratings: &[(&str, &str, &str, &str)]) {
    for (subject, rater, relation, t1) in ratings {
        let link = invite(app, cycle, "p", subject, json!({"person":rater}), relation).await;
        let res = app.client.post(&link).form(&[("t1", *t1)]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "{subject} by {rater}");
    }
}

/// October (closed): A1 has three peers and a manager; A2 two peers (withheld) and a manager;
/// W1 three peers and a manager; A1's two customers; P4 declines A1. November (closed): A1
/// rated low. December (open): one answer, left out.
async fn seed(app: &TestApp) {
    org(app).await;
    app.seed_cycle_in("OCT", "2026-10").await;
    rate(
        app,
        "OCT",
        &[
            ("A1", "P1", "peer", "5"),
            ("A1", "P2", "peer", "4"),
            ("A1", "P3", "peer", "3"),
            ("A1", "MIA", "manager", "4"),
            ("A2", "P1", "peer", "1"),
            ("A2", "P2", "peer", "2"),
            ("A2", "MIA", "manager", "2"),
            ("W1", "P1", "peer", "4"),
            ("W1", "P2", "peer", "4"),
            ("W1", "P3", "peer", "4"),
            ("W1", "OZ", "manager", "5"),
        ],
    )
    .await;
    for (c, q1) in [("C1", "5"), ("C2", "3")] {
        let link = invite(app, "OCT", "csat", "A1", json!({"customer":c}), "customer").await;
        let res = app.client.post(&link).form(&[("q1", q1)]).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    let link = invite(app, "OCT", "p", "A1", json!({"person":"P4"}), "peer").await;
    let res = app.client.post(format!("{link}/decline")).form(&[("reason", "")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "declined");
    app.close_cycle("OCT").await;
    app.seed_cycle_in("NOV", "2026-11").await;
    rate(
        app,
        "NOV",
        &[
            ("A1", "P1", "peer", "1"),
            ("A1", "P2", "peer", "1"),
            ("A1", "P3", "peer", "1"),
            ("A1", "MIA", "manager", "1"),
        ],
    )
    .await;
    app.close_cycle("NOV").await;
    app.seed_cycle_in("DEC", "2026-12").await;
    rate(app, "DEC", &[("A1", "MIA", "manager", "5")]).await;
}

/// A heatmap's row: its team and its cells (score or words, n) in the page's column order.
type HeatRow = (String, Vec<(String, Option<String>)>);

fn heat_rows(html: &str) -> Vec<HeatRow> {
    html.split(r#"<th scope="row" class="hm-team">"#)
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap();
            let team = row.split("<small>").next().unwrap().to_string();
            let cells = row
                .split(r#"<span class="hm-v">"#)
                .skip(1)
                .map(|c| {
                    let value = c.split("</span>").next().unwrap().to_string();
                    let n =
                        c.split(r#"<span class="hm-n">n = "#).nth(1).map(|n| n.split('<').next().unwrap().to_string());
                    (value, n)
                })
                .collect();
            (team, cells)
        })
        .collect()
}

fn cell<'a>(rows: &'a [HeatRow], team: &str, col: usize) -> (&'a str, Option<&'a str>) {
    let row = rows.iter().find(|(t, _)| t == team).unwrap_or_else(|| panic!("no row {team}: {rows:?}"));
    let (v, n) = &row.1[col];
    (v.as_str(), n.as_deref())
}

async fn the_heatmap_pools_released_groups_by_team(backend: Backend) {
    let app = common::spawn_app(backend).await;
    seed(&app).await;
    let admin = session(&app, "ada@corp.example").await;
    let (s, html) = get(&app, Some(&admin), "/dashboard/heatmap?cycle=OCT&lang=en").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(r#"<caption class="visually-hidden">Cycle OCT: each team"#)
            && html.contains(r#"<th scope="col""#),
        "table semantics"
    );
    let rows = heat_rows(&html);
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["East", "West"], "{rows:?}");
    // Columns: customer satisfaction, teamwork. East's teamwork by hand: managers 75 and 25
    // (mean 50, n 2); peers only A1's released 100, 75, 50 (mean 75, n 3) — A2's two peers
    // (0, 25) were withheld in OCT and stay out, else the peers' mean would be 50 and the
    // cell 50.0 (n 7). Weights 1: (50 + 75) / 2 = 62.5, n 5.
    assert_eq!(cell(&rows, "East", 1), ("62.5", Some("5")), "{rows:?}");
    // West: manager 100 (n 1), peers 75 ×3: 87.5, n 4.
    assert_eq!(cell(&rows, "West", 1), ("87.5", Some("4")));
    // East's customers: 100 and 50 → 75.0, n 2, CSAT 1 of 2 in the top two points.
    assert_eq!(cell(&rows, "East", 0), ("75.0", Some("2")));
    assert!(html.contains("CSAT 50 %"), "CSAT as a percent");
    assert_eq!(cell(&rows, "West", 0).0, "no answers");
    assert!(html.contains(r#"href="/dashboard?cycle=OCT&#38;team=East&#38;lang=en""#), "a cell opens the team view");
    assert!(html.contains("hm-none") && html.contains("hm3") && html.contains("hm4"), "bands and hatches");

    // Relations on demand, each indicator with its own: customer satisfaction (All, Customers),
    // teamwork (All, Manager, Peers).
    let (_, html) = get(&app, Some(&admin), "/dashboard/heatmap?cycle=OCT&relations=on&lang=en").await;
    assert!(
        html.contains(r#"scope="colgroup" colspan="2""#) && html.contains(r#"scope="colgroup" colspan="3""#),
        "{html}"
    );
    let rows = heat_rows(&html);
    assert_eq!(cell(&rows, "East", 3), ("50.0", Some("2")), "East's managers");
    assert_eq!(cell(&rows, "East", 4), ("75.0", Some("3")), "only the released peers");
    assert_eq!(cell(&rows, "West", 4), ("75.0", Some("3")));

    // A team whose only anonymous group was withheld says so, never a score: A2 alone.
    let (s, html) = get(&app, Some(&admin), "/dashboard?cycle=OCT&team=East&lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("Ann") && html.contains("Abe") && !html.contains(">Wu<"), "the team view: East only");
    assert!(html.contains("Team: East") && html.contains("/dashboard/scores.xlsx?cycle=OCT&#38;team=East"));

    // The period pools OCT and NOV and leaves the open December out, in words.
    let (_, html) = get(&app, Some(&admin), "/dashboard/heatmap?period=2026-Q4&lang=en").await;
    assert!(
        html.contains("Closed cycles pooled: Cycle NOV, Cycle OCT.") && html.contains("left out: Cycle DEC"),
        "{html}"
    );
    let rows = heat_rows(&html);
    // East teamwork over the quarter: managers 75, 25, 0 (33.33, n 3); peers 100, 75, 50, 0,
    // 0, 0 (37.5, n 6): (33.33 + 37.5) / 2 = 35.4, n 9.
    assert_eq!(cell(&rows, "East", 1), ("35.4", Some("9")), "{rows:?}");
    let (_, zh) = get(&app, Some(&admin), "/dashboard/heatmap?period=2026-Q4&lang=zh-CN").await;
    assert!(zh.contains("团队热力图") && zh.contains("下载（Excel）") && zh.contains("仍在进行"), "Chinese");
    let (s, _) = get(&app, Some(&admin), "/dashboard/heatmap?period=2026-Q9&lang=en").await;
    assert_eq!(s, 404, "not a period");
}

async fn each_manager_sees_the_teams_below_them(backend: Backend) {
    let app = common::spawn_app(backend).await;
    seed(&app).await;
    for (email, teams) in [
        ("mia@corp.example", vec!["East"]),
        ("oz@corp.example", vec!["West"]),
        ("boss@corp.example", vec!["East", "West"]),
        ("p1@corp.example", vec![]),
    ] {
        let cookie = session(&app, email).await;
        let (s, html) = get(&app, Some(&cookie), "/dashboard/heatmap?cycle=OCT&lang=en").await;
        assert_eq!(s, 200);
        let rows = heat_rows(&html);
        assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), teams, "{email}");
        let (_, part) = get(&app, Some(&cookie), "/dashboard/participation?cycle=OCT&lang=en").await;
        assert_eq!(part.contains(">West</th>"), teams.contains(&"West"), "{email}: participation in scope");
        assert_eq!(part.contains(">East</th>"), teams.contains(&"East"), "{email}");
    }
    // Mia's East cell is the same as the admin's: she reaches both of its people.
    let mia = session(&app, "mia@corp.example").await;
    let (_, html) = get(&app, Some(&mia), "/dashboard/heatmap?cycle=OCT&lang=en").await;
    assert_eq!(cell(&heat_rows(&html), "East", 1), ("62.5", Some("5")));
    // Her download holds her people only.
    let res = app.client.get(app.url("/dashboard/scores.xlsx?cycle=OCT&lang=en")).header("cookie", &mia).send().await;
    let res = res.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let book = read_xlsx(&res.bytes().await.unwrap());
    let subjects: std::collections::BTreeSet<&str> =
        book["Scores"]["rows"].as_array().unwrap()[1..].iter().map(|r| r[3].as_str().unwrap()).collect();
    assert_eq!(subjects.into_iter().collect::<Vec<_>>(), ["A1", "A2"]);
    let (s, _) = get(&app, None, "/dashboard/heatmap?cycle=OCT").await;
    assert_eq!(s, 303, "signed in only");
}

async fn participation_counts_per_team_and_relation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    seed(&app).await;
    let admin = session(&app, "ada@corp.example").await;
    let (s, html) = get(&app, Some(&admin), "/dashboard/participation?period=2026-Q4&lang=en").await;
    assert_eq!(s, 200);
    let rows: Vec<Vec<String>> = html
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .filter(|r| r.contains("<td"))
        .map(|r| {
            r.split(['<', '>'])
                .filter(|p| {
                    !p.is_empty()
                        && !p.starts_with("td")
                        && !p.starts_with("/t")
                        && !p.starts_with("th")
                        && !p.starts_with("tr")
                        && p.trim() != ""
                })
                .map(str::to_string)
                .collect()
        })
        .collect();
    let has = |line: &[&str]| rows.iter().any(|r| r.iter().map(String::as_str).eq(line.iter().copied()));
    // October, East: A1's 3 answered peers and P4's decline, A2's 2 peers: 6 invited, 5 answered.
    assert!(has(&["Cycle OCT", "East", "Peers", "6", "5", "1", "83 %"]), "{rows:?}");
    assert!(has(&["Cycle OCT", "East", "Manager", "2", "2", "0", "100 %"]), "{rows:?}");
    assert!(has(&["Cycle OCT", "East", "Customers", "2", "2", "0", "100 %"]), "{rows:?}");
    assert!(has(&["Cycle OCT", "West", "Peers", "3", "3", "0", "100 %"]), "{rows:?}");
    assert!(has(&["Cycle NOV", "East", "Peers", "3", "3", "0", "100 %"]), "{rows:?}");
    assert!(has(&["Cycle DEC", "East", "Manager", "1", "1", "0", "100 %"]), "the open cycle too: {rows:?}");
    // Never who: no name, and no id as text or as a value (a random nonce may hold "P4").
    let text: String = html.split('<').map(|part| part.split_once('>').map_or(part, |(_, t)| t)).collect();
    let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    assert!(!html.contains("Pia") && !words.contains(&"P4") && !html.contains("\"P4\""), "counts only, never who");
}

async fn a_comparison_shows_differences_and_arrows_only_apart(backend: Backend) {
    let app = common::spawn_app(backend).await;
    seed(&app).await;
    let mia = session(&app, "mia@corp.example").await;
    let (s, html) = get(&app, Some(&mia), "/dashboard?cycle=NOV&compare=2026-10&lang=en").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("do not overlap"), "the page says when an arrow is drawn");
    // Ann's teamwork: November 0.0 (manager 0, peers 0, 0, 0); October 75.0 (manager 75,
    // peers 75): −75.0. Her manager's group has one answer, so the indicator has no interval:
    // no arrow however large the difference.
    let row = html.split("Ann</a>").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains(r#"0.0<small class="cmp">2026-10: 75.0 · -75.0</small>"#), "{row}");
    assert!(!row.contains('↓'), "{row}");
    // Her report: the peers' group, November [0, 0] against October 75 ± 62.1 ([12.9, 100]):
    // apart, so an arrow, with its words.
    let (s, report) = get(&app, Some(&mia), "/dashboard/people/A1?cycle=NOV&compare=2026-10&lang=en").await;
    assert_eq!(s, 200);
    let peers = report.split("<th scope=\"row\">Peers</th>").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(
        peers.contains(">75.0</td>") && peers.contains("-75.0 <span class=\"arrow\" aria-hidden=\"true\">↓</span>"),
        "{peers}"
    );
    assert!(peers.contains("lower, intervals apart"), "never the arrow alone");
    let manager = report.split("<th scope=\"row\">Manager</th>").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(manager.contains("-75.0") && !manager.contains('↓'), "n = 1: no interval, no arrow: {manager}");
    let (_, zh) = get(&app, Some(&mia), "/dashboard/people/A1?cycle=NOV&compare=2026-10&lang=zh-CN").await;
    assert!(zh.contains("较低，区间不重叠") && zh.contains("对比周期"), "Chinese");
    let (s, _) = get(&app, Some(&mia), "/dashboard?cycle=NOV&compare=nonsense&lang=en").await;
    assert_eq!(s, 404, "not a period");
}

/// The workbook as openpyxl reads it: per sheet its rows (values), frozen cell and widths.
fn read_xlsx(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let script = "import json, sys, openpyxl\n\
        wb = openpyxl.load_workbook(sys.argv[1])\n\
        print(json.dumps({ws.title: {'rows': [list(r) for r in ws.iter_rows(values_only=True)], 'freeze': ws.freeze_panes,\n\
          'widths': [ws.column_dimensions[c].width for c in 'ABCDEFGH']} for ws in wb.worksheets}, default=str))";
    let out = std::process::Command::new(python).arg("-c").arg(script).arg(&path).output().expect("python3");
    assert!(out.status.success(), "openpyxl (.ci/run installs it): {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn the_workbook_has_the_csvs_numbers(backend: Backend) {
    let app = common::spawn_app(backend).await;
    seed(&app).await;
    let scores_key = app.scores_key("scoring").await.key;
    for (query, lang) in [("cycle=OCT", "en"), ("period=2026-Q4", "zh-CN")] {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/scores.xlsx?{query}")))
            .bearer_auth(&scores_key)
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{query}");
        assert_eq!(res.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let book = read_xlsx(&res.bytes().await.unwrap());
        let csv_path = match query.split_once('=').unwrap() {
            ("cycle", id) => format!("/api/v1/cycles/{id}/scores.csv"),
            (_, p) => format!("/api/v1/scores.csv?period={p}"),
        };
        let csv = app.csv_with_key(&csv_path, &scores_key).await;
        let (scores_sheet, part_sheet) =
            if lang == "en" { ("Scores", "Participation") } else { ("得分", "参与情况") };
        let sheet = &book[scores_sheet];
        assert_eq!(sheet["freeze"], "A2", "the header row is frozen");
        assert!(sheet["widths"].as_array().unwrap().iter().all(|w| w.as_f64().is_some_and(|w| w > 5.0)), "{sheet}");
        let rows = sheet["rows"].as_array().unwrap();
        let header: Vec<&str> = rows[0].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
        assert_eq!(header.len(), 26, "the CSV's columns");
        assert_eq!(header[7], if lang == "en" { "Score" } else { "得分" }, "headers in the reader's language");
        let lines: Vec<Vec<String>> = csv.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect();
        assert_eq!(rows.len() - 1, lines.len(), "one row per subject × indicator");
        let mut numbers = 0;
        for (row, line) in rows[1..].iter().zip(&lines) {
            let row = row.as_array().unwrap();
            assert_eq!(row[3].as_str(), Some(line[3].as_str()), "the same subjects in the same order");
            for (col, text) in line.iter().enumerate() {
                if let Ok(v) = text.parse::<f64>() {
                    assert_eq!(row[col].as_f64(), Some(v), "{query} column {} of {line:?}: {row:?}", header[col]);
                    numbers += 1;
                } else if text.is_empty() {
                    assert!(row[col].is_null(), "empty stays empty: {row:?}");
                }
            }
            assert_eq!(row[2].as_bool().map(|b| b.to_string()), Some(line[2].clone()), "final as a boolean");
        }
        assert!(numbers > 20, "numbers compared: {numbers}");
        let part = book[part_sheet]["rows"].as_array().unwrap();
        assert_eq!(book[part_sheet]["freeze"], "A2");
        let peers = if lang == "en" { "Peers" } else { "同事评价" };
        let east = part.iter().find(|r| r[0] == "Cycle OCT" && r[1] == "East" && r[2] == peers).unwrap();
        assert_eq!(east.as_array().unwrap()[3..], [json!(6), json!(5), json!(1), json!(5.0 / 6.0)], "{east}");
    }
    let (s, b) = app.get("/api/v1/scores.xlsx?cycle=OCT&period=2026-10").await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("cycle_or_period")));
    let (s, _) = app.get("/api/v1/scores.xlsx").await;
    assert_eq!(s, 422, "neither");
    let (s, b) = app.get("/api/v1/scores.xlsx?cycle=OCT&period=").await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("cycle_or_period")), "an empty period is given, and wrong");
    let (s, _) = app.get("/api/v1/scores.xlsx?cycle=NOPE").await;
    assert_eq!(s, 404);
    let res = app.client.get(app.url("/api/v1/scores.xlsx?cycle=OCT")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401, "a key is needed");
}

on_both_databases!(
    the_heatmap_pools_released_groups_by_team,
    each_manager_sees_the_teams_below_them,
    participation_counts_per_team_and_relation,
    a_comparison_shows_differences_and_arrows_only_apart,
    the_workbook_has_the_csvs_numbers
);
