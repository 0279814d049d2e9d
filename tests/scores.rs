//! Scores for the scoring step: the formula on a hand-built cycle, the pages = the API, CSV = JSON, webhooks.
use crate::common;

use common::hooks::{received, receiver};
use common::web::{get, session};
use common::{Backend, TestApp, count, customer_invite, spawn_app};
use serde_json::{Value, json};

async fn setup(app: &TestApp) {
    app.add_people(json!([
                {"id":"E1000","name":"Wang Fang","email":"wang@corp.example","team":"East"},
                {"id":"E1001","name":"=HYPERLINK(\"http://evil\")","email":"li@corp.example","manager":"E1000","team":"East"},
                {"id":"E1002","name":"Sam","email":"sam@corp.example","manager":"E1000","team":"East"},
                {"id":"E1003","name":"Chen","email":"chen@corp.example","manager":"E1000","team":"East"},
                {"id":"E1005","name":"Eve","email":"eve@corp.example","manager":"E1000","team":"East"},
                {"id":"E1004","name":"Dan","email":"dan@corp.example","manager":"E1001","team":"East"}])).await;
    let customers: Vec<Value> =
        (1..=4).map(|i| json!({"id":format!("C{i}"),"name":format!("Buyer {i}"),"email":format!("b{i}@shop.example"),"owner":"E1001"})).collect();
    assert_eq!(app.post("/api/v1/customers", json!({ "customers": customers })).await.0, 200);
    assert_eq!(app.post("/api/v1/surveys", common::csat_survey()).await.0, 200);
    let (s, b) = app
        .post(
            "/api/v1/surveys",
            json!({"id":"peer360","kind":"peer","title":"360","questions":[
                {"id":"t1","text":"Teamwork","type":"scale","min":1,"max":5,"indicator":"teamwork"},
                {"id":"k1","text":"Knows the products","type":"scale","min":0,"max":10,"indicator":"product_knowledge"},
                {"id":"c1","text":"Communication","type":"scale","min":1,"max":5,"indicator":"communication"}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(
            "/api/v1/cycles",
            json!({"id":"2026-Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z",
                   "min_raters":3,"weights":{"manager":2,"peer":1,"direct_report":1}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn answer(app: &TestApp, invitations: Value, answers: &[(&str, &[(&str, &str)])]) {
    let path = "/api/v1/cycles/2026-Q4/invitations";
    let (_, links) =
        common::mail::emailed_links(app, None, || app.post(path, json!({ "invitations": invitations }))).await;
    for (who, form) in answers {
        let link =
            links.iter().find(|l| l["respondent"].as_object().unwrap().values().any(|v| v == who)).unwrap()["url"]
                .as_str()
                .unwrap()
                .to_string();
        let res = app.client.post(&link).form(form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "{who}");
    }
}

pub(crate) async fn hand_built_cycle(app: &TestApp) {
    setup(app).await;
    answer(
        app,
        json!([customer_invite("C1"), customer_invite("C2"), customer_invite("C3"), customer_invite("C4")]),
        &[
            ("C1", &[("q1", "5"), ("q2", "10")]),
            ("C2", &[("q1", "4"), ("q2", "9")]),
            ("C3", &[("q1", "3"), ("q2", "6")]),
            ("C4", &[("q1", "5")]),
        ],
    )
    .await;
    let peer =
        |who: &str, rel: &str| json!({"survey":"peer360","subject":"E1001","respondent":{"person":who},"relation":rel});
    answer(
        app,
        json!([
            peer("E1002", "peer"),
            peer("E1003", "peer"),
            peer("E1005", "peer"),
            peer("E1004", "direct_report"),
            peer("E1000", "manager"),
            peer("E1001", "self")
        ]),
        &[
            ("E1002", &[("t1", "5"), ("k1", "8")]),
            ("E1003", &[("t1", "4"), ("k1", "6")]),
            ("E1005", &[("t1", "4"), ("k1", "10")]),
            ("E1004", &[("t1", "2"), ("c1", "1")]),
            ("E1000", &[("t1", "3"), ("k1", "5")]),
            ("E1001", &[("t1", "5"), ("k1", "10"), ("c1", "5")]),
        ],
    )
    .await;
}

pub(crate) fn li_na(scores: &Value) -> Value {
    scores["subjects"].as_array().unwrap().iter().find(|s| s["subject"] == "E1001").unwrap().clone()
}

async fn scores_match_hand_computed_values(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_built_cycle(&app).await;
    app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    let (s, scores) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    assert_eq!(s, 200, "{scores}");
    assert_eq!(
        (scores["status"].as_str(), scores["final"].as_bool(), scores["min_raters"].as_i64()),
        (Some("closed"), Some(true), Some(3))
    );
    let li = li_na(&scores);
    assert_eq!(li["team"], "East");

    // Customers: per response 100, 82.5, 55, 100 → mean 84.375, sd 21.25,
    // 84.375 ± 3.182446 × 21.25 / 2 → [50.6, 118.2→100]; CSAT 3/4; NPS (2 − 1) / 3.
    let cs = &li["indicators"]["customer_satisfaction"];
    assert_eq!(
        cs,
        &json!({"score":84.4,"n":4,"sd":21.3,"ci95":[50.6,100.0],"csat":0.75,"nps":33.3,"withheld":false,"status":"ok"}),
        "{cs}"
    );
    // Teamwork: peers 100/75/75 = 83.33 (w 1), manager 50 (w 2), report withheld (n 1), self not counted.
    let tw = &li["indicators"]["teamwork"];
    assert_eq!((tw["score"].as_f64(), tw["n"].as_u64()), (Some(61.1), Some(4)), "{tw}");
    // Product knowledge (0..10): peers 80/60/100 = 80, manager 50 → (2 × 50 + 80) / 3 = 60.
    let pk = &li["indicators"]["product_knowledge"];
    assert_eq!((pk["score"].as_f64(), pk["n"].as_u64()), (Some(60.0), Some(4)), "{pk}");
    assert_eq!(pk["by_relation"]["self"]["score"], 100.0);
    // Communication: only the lone direct report (withheld) and self answered: nothing to show.
    let cm = &li["indicators"]["communication"];
    assert_eq!(
        (cm["score"].clone(), cm["withheld"].as_bool(), cm["n"].as_u64()),
        (Value::Null, Some(true), Some(0)),
        "{cm}"
    );

    // Every subject of the cycle appears, with every indicator its surveys use.
    let ids: Vec<&str> =
        scores["subjects"].as_array().unwrap().iter().map(|s| s["subject"].as_str().unwrap()).collect();
    assert_eq!(ids, ["E1001"]);
    let names: Vec<&String> = li["indicators"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["communication", "customer_satisfaction", "product_knowledge", "teamwork"]);

    let (s, b) = app.get("/api/v1/cycles/nope/scores").await;
    assert_eq!((s, &b["error"]["code"]), (404, &json!("not_found")));
}

/// A report shows the API's numbers: every indicator's score and n on Li Na's report and her
/// row of the team page, and the customer block's CSAT and NPS, as her manager sees them.
async fn the_pages_show_the_apis_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_built_cycle(&app).await;
    app.close_cycle("2026-Q4").await;
    let (_, scores) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    let li = li_na(&scores);
    let wang = session(&app, "wang@corp.example").await;
    let (s, report) = get(&app, Some(&wang), "/dashboard/people/E1001?cycle=2026-Q4&lang=en").await;
    assert_eq!(s, 200, "{report}");
    let (s, team) = get(&app, Some(&wang), "/dashboard?cycle=2026-Q4&lang=en").await;
    assert_eq!(s, 200, "{team}");
    let mut shown = Vec::new();
    for (indicator, v) in li["indicators"].as_object().unwrap() {
        let Some(score) = v["score"].as_f64() else { continue };
        let total = format!(": {score:.1} <small>(n = {})</small>", v["n"]);
        assert!(report.contains(&total), "{indicator} {total:?} in the report: {report}");
        let cell = format!(r#"<td class="num">{score:.1}</td>"#);
        assert!(team.contains(&cell), "{indicator} {cell:?} on the team page: {team}");
        shown.push(indicator.as_str());
    }
    assert_eq!(shown, ["customer_satisfaction", "product_knowledge", "teamwork"]);
    let cs = &li["indicators"]["customer_satisfaction"];
    let csat = format!("CSAT {:.0} %", cs["csat"].as_f64().unwrap() * 100.0);
    let nps = format!("NPS {:+.0}", cs["nps"].as_f64().unwrap());
    assert!(report.contains(&format!("{csat} · {nps}")), "{csat} · {nps} in the report: {report}");
}

async fn csv_matches_json(backend: Backend) {
    let app = spawn_app(backend).await;
    hand_built_cycle(&app).await;
    let (_, scores) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    let key = app.scores_key("scoring").await.key;
    let body = app.csv_with_key("/api/v1/cycles/2026-Q4/scores.csv", &key).await;
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<std::collections::HashMap<String, String>> = reader
        .records()
        .map(|r| headers.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect();
    assert_eq!(rows.len(), 4, "one row per subject × indicator");
    let li = li_na(&scores);
    let num = |v: &Value| v.as_f64().map(|x| x.to_string()).unwrap_or_default();
    for row in &rows {
        assert_eq!(row["name"], "'=HYPERLINK(\"http://evil\")", "formula neutralised");
        assert_eq!(row["status"], "open");
        let j = &li["indicators"][row["indicator"].as_str()];
        assert_eq!(row["score"], num(&j["score"]), "{row:?}");
        assert_eq!(row["n"], j["n"].to_string());
        assert_eq!(row["sd"], num(&j["sd"]));
        assert_eq!(row["ci95_low"], num(&j["ci95"][0]));
        assert_eq!(row["ci95_high"], num(&j["ci95"][1]));
        assert_eq!(row["csat"], num(&j["csat"]));
        assert_eq!(row["nps"], num(&j["nps"]));
        assert_eq!(row["withheld"], j["withheld"].to_string());
        assert_eq!(row["score_status"], j["status"].as_str().unwrap());
    }
    // While open, every anonymous group is withheld in the CSV too.
    let tw = rows.iter().find(|r| r["indicator"] == "teamwork").unwrap();
    assert_eq!(tw["score"], "50", "manager only while open");
}

async fn closing_a_cycle_fires_a_signed_webhook_once(backend: Backend) {
    let app = spawn_app(backend).await;
    setup(&app).await;
    let (url, got) = receiver(1).await;
    let secret = "a-long-shared-secret-0123456789";
    let (s, hook) = app.post("/api/v1/webhooks", json!({"url": url, "secret": secret})).await;
    assert_eq!(s, 201, "{hook}");
    assert!(hook.get("secret").is_none(), "the secret is never shown back");
    let (s, b) = app.post("/api/v1/webhooks", json!({"url":"ftp://x","secret":secret})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("invalid_webhook")));
    let (s, b) = app.post("/api/v1/webhooks", json!({"url":url,"secret":"short"})).await;
    assert_eq!((s, &b["error"]["code"]), (422, &json!("invalid_webhook")));

    app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    app.post("/api/v1/cycles/2026-Q4/close", json!({})).await; // closing twice fires once
    common::eventually(15, || async { (received(&got) > 0).then_some(()) }).await;
    // Both closes queued what they queue before answering: once the outbox is drained,
    // every delivery they caused has been made.
    common::outbox_drained(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'webhook'").await, 1, "queued once");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered once, after one failed attempt");
    let (headers, body) = &got[0];
    assert_eq!(serde_json::from_str::<Value>(body).unwrap(), json!({"event":"cycle.closed","cycle":"2026-Q4"}));
    assert_eq!(headers["candor-event"], "cycle.closed");
    let sig = headers["candor-signature"].to_str().unwrap();
    let (t, v1) = sig.strip_prefix("t=").unwrap().split_once(",v1=").unwrap();
    assert_eq!(
        v1,
        candor::outbox::webhook::sign(secret, t.parse().unwrap(), body),
        "valid HMAC over timestamp and body"
    );
    assert_eq!(count(&app, "SELECT attempts FROM outbox WHERE kind = 'webhook' AND status = 'sent'").await, 2);

    let (s, list) = app.get("/api/v1/webhooks").await;
    assert_eq!((s, list["webhooks"].as_array().map(Vec::len)), (200, Some(1)));
    let id = list["webhooks"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}")).await.0, 204);
}

on_both_databases!(
    scores_match_hand_computed_values,
    the_pages_show_the_apis_numbers,
    csv_matches_json,
    closing_a_cycle_fires_a_signed_webhook_once
);
