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
    let res = app.client.get(app.url("/api/v1/cycles/-csv/scores.csv")).bearer_auth(&app.admin_key).send().await;
    let csv = res.unwrap().text().await.unwrap();
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

on_both_databases!(scores_csv_quotes_only_formulas);
