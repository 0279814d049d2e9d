//! Edges of the API that an attack or a fuzzer with another seed found: ids a spreadsheet
//! would not evaluate kept as they are in `scores.csv`, and bodies the OpenAPI document calls
//! invalid refused (or bodies it allows accepted).
use crate::common::{Backend, spawn_app_with};
use serde_json::json;

/// Ids and names as `scores.csv` writes them: plain words and numbers as they are, whatever a
/// spreadsheet would run behind a quote.
async fn scores_csv_quotes_only_formulas(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let people = json!({"people":[
        {"id":"-csv","name":"-1+2","email":"m1@example.com","team":"+cmd|' /C calc'!A0"},
        {"id":"-5","name":"@SUM(A1:A9)","email":"m2@example.com","team":"-East"},
        {"id":"E3","name":"=1+1","email":"m3@example.com","team":"-A1"}]});
    let (s, b) = app.post("/api/v1/people", people).await;
    assert_eq!(s, 200, "{b}");
    let survey = json!({"id":"p","kind":"peer","title":"360","questions":[
        {"id":"t1","text":"T","type":"scale","min":1,"max":5,"indicator":"teamwork"}]});
    let (s, b) = app.post("/api/v1/surveys", survey).await;
    assert_eq!(s, 200, "{b}");
    let cycle = json!({"id":"-csv","title":"Q4","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z"});
    let (s, b) = app.post("/api/v1/cycles", cycle).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.post("/api/v1/cycles/-csv/launch", json!({"survey":"p","subjects":"all","peers":"none"})).await;
    assert_eq!(s, 201, "{b}");
    let csv = app.csv_with_key("/api/v1/cycles/-csv/scores.csv", &app.admin_key).await;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    for row in &rows {
        assert!(row.starts_with("-csv,"), "the cycle id -csv is no formula: {row}");
    }
    let row_of = |id: &str| rows.iter().find(|r| r.split(',').nth(3) == Some(id)).copied();
    let csv_row = row_of("-csv").unwrap_or_else(|| panic!("the subject -csv as it is: {csv}"));
    assert!(csv_row.contains(",-csv,'-1+2,'+cmd|' /C calc'!A0,"), "{csv_row}");
    let five = row_of("-5").unwrap_or_else(|| panic!("the subject -5 as it is: {csv}"));
    assert!(five.contains(",-5,'@SUM(A1:A9),-East,"), "a plain word after a minus stays: {five}");
    let e3 = row_of("E3").unwrap_or_else(|| panic!("{csv}"));
    assert!(e3.contains(",E3,'=1+1,'-A1,"), "a cell reference is a formula: {e3}");
}

/// A schema of the OpenAPI document the server publishes.
async fn schema(app: &crate::common::TestApp, name: &str) -> serde_json::Value {
    let (s, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    doc["components"]["schemas"][name].clone()
}

/// A customer is reached by email or by phone: the schema says one of the two is needed, and a
/// value that is no address or number (an empty one included) is refused, not taken as none.
async fn customers_need_a_way_to_reach_them(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let input = schema(&app, "CustomerInput").await;
    let needs: Vec<&serde_json::Value> = input["anyOf"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    let required: Vec<&serde_json::Value> = needs.iter().map(|n| &n["required"][0]).collect();
    assert_eq!(required, [&json!("email"), &json!("phone")], "the schema states the rule: {}", input["anyOf"]);
    for (customer, code) in [
        (json!({"id":"C1","name":"Acme","phone":""}), "invalid_phone"),
        (json!({"id":"C1","name":"Acme","email":"","phone":"+86 21 5555 0101"}), "invalid_email"),
        (json!({"id":"C1","name":"Acme","phone":"  "}), "invalid_phone"),
        (json!({"id":"C1","name":"Acme"}), "no_contact"),
        (json!({"id":"C1","name":"Acme","email":null,"phone":null}), "no_contact"),
    ] {
        let (s, b) = app.post("/api/v1/customers", json!({ "customers": [customer.clone()] })).await;
        assert_eq!((s, b["error"]["code"].as_str()), (422, Some(code)), "{customer}: {b}");
    }
    let (s, b) = app
        .post(
            "/api/v1/customers",
            json!({"customers":[{"id":"C1","name":"Acme","phone":"+86 21 5555 0101","email":null}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// Translations are for the two languages pages speak, and hold a text like the one they
/// translate; the schema says both, for every map of them.
async fn translations_are_for_the_two_languages(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let survey = schema(&app, "SurveyInput").await;
    let question = schema(&app, "QuestionInput").await;
    let option = schema(&app, "ChoiceOption").await;
    for map in [
        &survey["properties"]["title_i18n"],
        &question["properties"]["text_i18n"],
        &option["properties"]["text_i18n"],
        &survey["properties"]["indicator_names"]["additionalProperties"],
    ] {
        assert!(map["propertyNames"]["pattern"].is_string(), "locale tags are named: {map}");
        assert!(map["additionalProperties"]["pattern"].is_string(), "texts are labels: {map}");
    }
    assert!(survey["properties"]["indicator_names"]["propertyNames"]["pattern"].is_string());
    assert!(question["properties"]["text_by_relation"]["propertyNames"]["enum"].is_array(), "{question}");
    let with_title = |i18n: serde_json::Value| {
        json!({"id":"s","kind":"customer","title":"How did we do?","title_i18n":i18n,
               "questions":[{"id":"q1","text":"Overall","type":"scale","min":1,"max":5}]})
    };
    for bad in [json!({"fr":"Comment"}), json!({"zh-CN":"  "}), json!({"":"x"})] {
        let (s, b) = app.post("/api/v1/surveys", with_title(bad.clone())).await;
        assert_eq!(s, 422, "{bad}: {b}");
    }
    let (s, b) =
        app.post("/api/v1/surveys", with_title(json!({"zh-CN":"我们做得怎么样？","en":"How did we do?"}))).await;
    assert_eq!(s, 200, "{b}");
}

/// A receiver is registered only as the document describes it (Schemathesis, seed 5: a host
/// name with `*` was taken); on a server that allows private receivers, more is.
async fn webhook_receivers_are_names_as_documented(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.webhook_allow_private = false).await;
    for url in
        ["https://v.gl.tcuv*", "https://8.8.8.8/hook", "HTTPS://HOOKS.EXAMPLE.COM/", "https://hooks.example.com/?a=1"]
    {
        let (s, b) = app.post("/api/v1/webhooks", json!({"url":url,"secret":"0123456789abcdef0123"})).await;
        assert_eq!((s, b["error"]["code"].as_str()), (422, Some("invalid_webhook")), "{url}: {b}");
    }
    let (s, b) = app
        .post("/api/v1/webhooks", json!({"url":"https://hooks.example.com/candor","secret":"0123456789abcdef0123"}))
        .await;
    assert_eq!(s, 201, "{b}");
}

/// A name's limit counts what is sent, as the schema's `maxLength` does, spaces around it
/// included (Schemathesis, seed 6: 201 characters, one of them a leading space, were taken).
async fn a_name_is_no_longer_than_the_schema_says(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let person = |name: String| json!({"people":[{"id":"E1","name":name,"email":"e1@example.com"}]});
    let (s, b) = app.post("/api/v1/people", person(format!("\u{2007}{}", "N".repeat(200)))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("invalid_name")), "{b}");
    let (s, b) = app.post("/api/v1/people", person(format!("\u{2007}{}", "N".repeat(199)))).await;
    assert_eq!(s, 200, "{b}");
}

on_both_databases!(
    a_name_is_no_longer_than_the_schema_says,
    webhook_receivers_are_names_as_documented,
    scores_csv_quotes_only_formulas,
    customers_need_a_way_to_reach_them,
    translations_are_for_the_two_languages,
);
