//! Question types beyond scales: choices (one or several), "can't judge" on a scale, wording
//! by relation, and indicators named by the survey.
use crate::common;

use common::web::{get, make_admin, page, session};
use common::{Backend, TestApp, seeded};
use serde_json::{Value, json};

fn lead360() -> Value {
    json!({"id":"lead360","kind":"peer","title":"Leadership 360",
      "indicator_names":{"leadership":{"en":"Leadership","zh-CN":"领导力"}},
      "questions":[
        {"id":"l1","text":"Gives the team direction","type":"scale","min":1,"max":5,"indicator":"leadership","required":true,"na":true},
        {"id":"c1","text":"Works best in","type":"choice","multiple":true,
         "options":[{"id":"office","text":"The office"},{"id":"field","text":"The field","text_i18n":{"zh-CN":"外勤"}},{"id":"home","text":"At home"}]},
        {"id":"k1","text":"What should this person keep doing?","type":"text",
         "text_by_relation":{"self":{"text":"What should you keep doing?","text_i18n":{"zh-CN":"你应该继续做什么？"}}}}]})
}

/// The stored values of one question's answers, in order (no answer first).
async fn answer_value(app: &TestApp, question: &str) -> Vec<Option<i64>> {
    let sql = format!("SELECT value FROM answers WHERE question_id = '{question}'");
    let mut values: Vec<Option<i64>> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&app.state.db().pool).await.unwrap();
    values.sort();
    values
}

async fn choices_can_t_judge_and_wording_by_relation(backend: Backend) {
    let app = seeded(backend, None).await;
    let (s, b) = app.post("/api/v1/surveys", lead360()).await;
    assert_eq!(s, 200, "{b}");
    let (_, stored) = app.get("/api/v1/surveys/lead360").await;
    assert_eq!(stored["questions"][1]["options"][1]["text_i18n"]["zh-CN"], "外勤", "{stored}");
    assert_eq!(stored["indicator_names"]["leadership"]["en"], "Leadership");
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/launch",
            json!({"survey":"lead360","subjects":["E1001"],"peers":"none","deliver":"none"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let link = |relation: &str| {
        let rater = if relation == "self" { "E1001" } else { "E1000" };
        b["links"].as_array().unwrap().iter().find(|l| l["respondent"]["person"] == rater).unwrap()["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (own, managers) = (format!("{}?lang=en", link("self")), format!("{}?lang=en", link("manager")));

    // Li Na is asked in her own words; her manager in the survey's.
    let (s, html) = page(&app, &own).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("What should you keep doing?") && !html.contains("this person keep"), "{html}");
    assert!(html.contains("Can&#39;t judge"), "{html}");
    assert!(html.contains(r#"type="checkbox" name="c1" value="home""#), "{html}");
    assert!(page(&app, &format!("{}?lang=zh-CN", link("self"))).await.1.contains("你应该继续做什么？"));
    assert!(page(&app, &managers).await.1.contains("What should this person keep doing?"));

    let res = app
        .client
        .post(&own)
        .form(&[("l1", "na"), ("c1", "office"), ("c1", "home"), ("k1", "Plan")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // An option that is not offered is refused, and the form keeps what was ticked.
    let res = app.client.post(&managers).form(&[("l1", "4"), ("c1", "garden")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let res = app.client.post(&managers).form(&[("l1", "4"), ("c1", "field")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(answer_value(&app, "l1").await, vec![None, Some(4)], "can't judge is stored as no value");
    assert_eq!(answer_value(&app, "c1").await, vec![Some(0b010), Some(0b101)], "a bit per option");

    // Only the manager's answer counts for leadership; reports name it as the survey does.
    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    let (_, scores) = app.get("/api/v1/cycles/2026-Q4/scores").await;
    let leadership = &scores["subjects"][0]["indicators"]["leadership"];
    assert_eq!(leadership["n"], 1, "{scores}");
    assert_eq!(leadership["by_relation"]["manager"]["score"], 75.0, "{scores}");
    make_admin(&app, "wang.fang@example.com").await;
    let cookie = session(&app, "wang.fang@example.com").await;
    let (s, html) = get(&app, Some(cookie.as_str()), "/dashboard/people/E1001?cycle=2026-Q4&lang=zh-CN").await;
    assert_eq!(s, 200);
    assert!(html.contains("领导力"), "the survey's own name for its indicator");
}

on_both_databases!(choices_can_t_judge_and_wording_by_relation);
