//! Provisioning by SCIM 2.0 (CONTRACT §11) against the real server: the mapping of a User onto
//! a person (manager, department → team, title → role), finding people imported before,
//! deactivation as `active: false` does it (links 410, sessions end, history kept), keys of
//! scope `scim`, SCIM errors, and the audit log. (scim2-tester judges the whole protocol in
//! `scripts/conformance.sh`.)
use crate::common;

use common::web::{get, session};
use common::{Backend, TestApp, seeded};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn scim_key(app: &TestApp) -> String {
    let scope = candor::domain::api_key::Scope::Scim;
    candor::app::integrations::create_key(&app.state, &candor::app::audit::Actor::Cli, "okta", scope).await.unwrap().key
}

/// A SCIM call: status, content type and body.
async fn call(app: &TestApp, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, String, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.client.request(method, app.url(&format!("/scim/v2{path}"))).bearer_auth(key);
    if let Some(b) = body {
        req = req.header("content-type", "application/scim+json").body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, res.json().await.unwrap_or(Value::Null))
}

fn rep(id: &str, email: &str, manager: Option<&str>) -> Value {
    let mut u = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": id, "userName": email, "active": true,
        "name": {"givenName": "Rae", "familyName": "Okafor"},
        "emails": [{"value": email, "type": "work", "primary": true}],
        "title": "Sales Manager", "preferredLanguage": "zh-CN",
        ENTERPRISE: {"department": "North"}
    });
    if let Some(m) = manager {
        u[ENTERPRISE]["manager"] = json!({ "value": m });
    }
    u
}

async fn person(app: &TestApp, id: &str) -> Value {
    let (s, b) = app.get("/api/v1/people?limit=5000").await;
    assert_eq!(s, 200, "{b}");
    b["people"].as_array().unwrap().iter().find(|p| p["id"] == id).cloned().unwrap_or(Value::Null)
}

async fn a_user_becomes_a_person(backend: Backend) {
    let app = seeded(backend, None).await;
    let key = scim_key(&app).await;
    let (s, kind, b) =
        call(&app, &key, "POST", "/Users", Some(rep("E2001", "Rae.Okafor@Example.com", Some("E1000")))).await;
    assert_eq!((s, kind.as_str()), (201, "application/scim+json"), "{b}");
    assert_eq!(b["id"], "E2001", "the externalId is the person's id");
    assert!(b["meta"]["location"].as_str().unwrap().ends_with("/scim/v2/Users/E2001"), "{b}");
    let p = person(&app, "E2001").await;
    assert_eq!(p["email"], "rae.okafor@example.com");
    assert_eq!(p["name"], "Rae Okafor", "givenName familyName without a formatted name");
    assert_eq!(p["manager"], "E1000", "the enterprise extension's manager.value");
    assert_eq!(p["team"], "North", "department → team");
    assert_eq!(p["role"], "sales_manager", "title → role, snake_cased");
    assert_eq!(p["locale"], "zh-CN");
    assert_eq!(p["active"], true);

    // The identity provider finds people imported before by their email, case-insensitively.
    let (s, _, b) = call(&app, &key, "GET", "/Users?filter=userName%20eq%20%22Li.Na%40example.com%22", None).await;
    assert_eq!((s, b["totalResults"].as_i64()), (200, Some(1)), "{b}");
    assert_eq!(b["Resources"][0]["id"], "E1001");
    assert_eq!(b["Resources"][0][ENTERPRISE]["manager"]["value"], "E1000");

    // PATCH as Entra ID sends it: a new title and manager, a department removed.
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "title", "value": "Key Account Lead"},
        {"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": "E1001"},
        {"op": "Remove", "path": format!("{ENTERPRISE}:department")}]});
    let (s, _, b) = call(&app, &key, "PATCH", "/Users/E2001", Some(ops)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["title"], "Key Account Lead", "read back as sent");
    let p = person(&app, "E2001").await;
    assert_eq!((&p["role"], &p["manager"], &p["team"]), (&json!("key_account_lead"), &json!("E1001"), &Value::Null));

    // An admin's edit outside SCIM shows in what SCIM reads back.
    let edited =
        json!({"id":"E2001","name":"Rae O.","email":"rae.okafor@example.com","manager":"E1000","team":"South"});
    let (s, b) = app.post("/api/v1/people", json!({ "people": [edited] })).await;
    assert_eq!(s, 200, "{b}");
    let (_, _, b) = call(&app, &key, "GET", "/Users/E2001", None).await;
    assert_eq!((&b["displayName"], &b[ENTERPRISE]["department"]), (&json!("Rae O."), &json!("South")), "{b}");

    // Every change is in the audit log, under the key's name, naming the person.
    let (_, log) = app.get("/api/v1/audit").await;
    let entries: Vec<(String, String, String)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
                e["target"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(entries.contains(&("okta".into(), "scim_create_person".into(), "person E2001".into())), "{entries:?}");
    assert!(entries.contains(&("okta".into(), "scim_patch_person".into(), "person E2001".into())), "{entries:?}");
    assert!(entries.contains(&("okta".into(), "import_people".into(), "people".into())), "the import's own entry");
}

async fn deleting_a_user_deactivates_the_person(backend: Backend) {
    let app = seeded(backend, None).await;
    let key = scim_key(&app).await;
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/invitations",
            json!({"deliver":"none","invitations":[
                {"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"},
                {"survey":"csat","subject":"E1001","respondent":{"customer":"C2"},"relation":"customer"}]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let links: Vec<String> = b["links"].as_array().unwrap().iter().map(|l| l["url"].as_str().unwrap().into()).collect();
    let answered = app.client.post(&links[1]).form(&[("q1", "5")]).send().await.unwrap();
    assert_eq!(answered.status().as_u16(), 303);
    let cookie = session(&app, "li.na@example.com").await;
    assert_eq!(get(&app, Some(cookie.as_str()), "/dashboard").await.0, 200);

    let (s, _, b) = call(&app, &key, "DELETE", "/Users/E1001", None).await;
    assert_eq!(s, 204, "{b}");
    // As `active: false` does: her open link answers 410, the answered one stays answered,
    // her session ended, and she is kept in the directory as inactive.
    assert_eq!(app.client.get(&links[0]).send().await.unwrap().status().as_u16(), 410);
    assert_eq!(app.client.get(&links[1]).send().await.unwrap().status().as_u16(), 409);
    assert_eq!(get(&app, Some(cookie.as_str()), "/dashboard").await, (303, "/login".to_string()));
    assert_eq!(person(&app, "E1001").await["active"], false);
    let (_, p) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(p["surveys"][0]["completed"], 1, "{p}");
    // SCIM knows her no more…
    assert_eq!(call(&app, &key, "GET", "/Users/E1001", None).await.0, 404);
    let (_, _, b) = call(&app, &key, "GET", "/Users?filter=userName%20eq%20%22li.na%40example.com%22", None).await;
    assert_eq!(b["totalResults"], 0, "{b}");
    // …until she is provisioned again, under the same id.
    let back = json!({"externalId":"E1001","userName":"li.na@example.com","displayName":"Li Na","active":true});
    let (s, _, b) = call(&app, &key, "POST", "/Users", Some(back)).await;
    assert_eq!((s, &b["id"]), (201, &json!("E1001")), "{b}");
    assert_eq!(person(&app, "E1001").await["active"], true);

    // PATCH active false (Entra's "False") deactivates too, and the person stays readable.
    let off = json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let (s, _, b) = call(&app, &key, "PATCH", "/Users/E1002", Some(off)).await;
    assert_eq!((s, &b["active"]), (200, &json!(false)), "{b}");
    assert_eq!(person(&app, "E1002").await["active"], false);
    let (_, log) = app.get("/api/v1/audit").await;
    let has = |action: &str, target: &str| {
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "okta" && e["action"] == action && e["target"] == target)
    };
    assert!(has("scim_deactivate_person", "person E1001") && has("deactivated", "person E1001"), "{log}");
}

async fn refusals_speak_scim(backend: Backend) {
    let app = seeded(backend, None).await;
    let key = scim_key(&app).await;
    // Keys: scim for /scim/v2 only, and nothing else there.
    assert_eq!(call(&app, &app.admin_key.clone(), "GET", "/Users", None).await.0, 403);
    assert_eq!(call(&app, "cnd_nonsense", "GET", "/Users", None).await.0, 401);
    assert_eq!(app.get_with_key("/api/v1/people", &key).await.0, 403);
    assert_eq!(app.get_with_key("/api/v1/cycles", &key).await.0, 403);
    let (s, b) = app.get("/api/v1/api-keys").await;
    assert_eq!(s, 200);
    assert!(b["api_keys"].as_array().unwrap().iter().any(|k| k["name"] == "okta" && k["scope"] == "scim"), "{b}");

    let error = |b: &Value, t: &str| {
        assert_eq!(b["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{b}");
        assert_eq!(b["scimType"], t, "{b}");
    };
    let (s, kind, b) = call(&app, &key, "POST", "/Users", Some(rep("E3001", "li.na@example.com", None))).await;
    assert_eq!((s, kind.as_str(), &b["status"]), (409, "application/scim+json", &json!("409")));
    error(&b, "uniqueness");
    let (s, _, b) = call(&app, &key, "POST", "/Users", Some(rep("E3001", "new@example.com", Some("NOBODY")))).await;
    assert_eq!(s, 400);
    error(&b, "invalidValue");
    let (s, _, b) = call(&app, &key, "POST", "/Users", Some(json!({"userName": "not an address"}))).await;
    assert_eq!(s, 400);
    error(&b, "invalidValue");
    let (s, _, b) = call(&app, &key, "GET", "/Users?filter=title%20co%20%22x%22", None).await;
    assert_eq!(s, 400);
    error(&b, "invalidFilter");
    let bad_path = json!({"Operations": [{"op": "replace", "path": "emails[type gt 1]", "value": "x"}]});
    let (s, _, b) = call(&app, &key, "PATCH", "/Users/E1002", Some(bad_path)).await;
    assert_eq!(s, 400);
    error(&b, "invalidFilter");
    // A manager loop is refused as the API refuses it.
    let loop_ops =
        json!({"Operations": [{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": {"value": "E1001"}}]});
    let (s, _, b) = call(&app, &key, "PATCH", "/Users/E1000", Some(loop_ops)).await;
    assert_eq!(s, 400, "{b}");
    error(&b, "invalidValue");
    assert_eq!(person(&app, "E1000").await["manager"], Value::Null);
    assert_eq!(call(&app, &key, "GET", "/Users/NOBODY", None).await.0, 404);
    assert_eq!(call(&app, &key, "POST", "/ServiceProviderConfig", Some(json!({}))).await.0, 405);
    let (s, _, b) = call(&app, &key, "GET", "/Groups", None).await;
    assert_eq!((s, &b["status"]), (404, &json!("404")));
    // Pages: startIndex from 1, count.
    let (_, _, b) = call(&app, &key, "GET", "/Users?startIndex=2&count=1", None).await;
    assert_eq!((b["totalResults"].as_i64(), b["itemsPerPage"].as_i64()), (Some(3), Some(1)), "{b}");
    assert_eq!(b["Resources"][0]["id"], "E1001");
}

/// The first admin was made at the console before the directory was connected: when the
/// identity provider pushes that address, the account joins the org chart, admin rights kept.
async fn the_console_admin_joins_the_org_chart(backend: Backend) {
    let app = seeded(backend, None).await;
    let key = scim_key(&app).await;
    let email = candor::domain::EmailAddress::parse("hr.lead@example.com").unwrap();
    let (admin_id, _) = candor::app::accounts::login_link(&app.state, &email, true).await.unwrap();
    assert_eq!(person(&app, &admin_id).await, Value::Null, "outside the org chart");
    let (_, _, b) = call(&app, &key, "GET", "/Users?filter=userName%20eq%20%22hr.lead%40example.com%22", None).await;
    assert_eq!(b["totalResults"], 0, "{b}");
    let hr = json!({"externalId":"E4000","userName":"HR.Lead@example.com","displayName":"Hana Ruiz",
        "emails":[{"value":"hr.lead@example.com","primary":true}], ENTERPRISE: {"department": "People"}});
    let (s, _, b) = call(&app, &key, "POST", "/Users", Some(hr)).await;
    assert_eq!((s, &b["id"]), (201, &json!(admin_id)), "{b}");
    let p = person(&app, &admin_id).await;
    assert_eq!((&p["name"], &p["team"]), (&json!("Hana Ruiz"), &json!("People")));
    let admins = candor::app::accounts::admins(&app.state).await.unwrap();
    assert!(admins.iter().any(|a| a.0 == admin_id), "still an admin");
}

on_both_databases!(
    a_user_becomes_a_person,
    deleting_a_user_deactivates_the_person,
    refusals_speak_scim,
    the_console_admin_joins_the_org_chart
);
