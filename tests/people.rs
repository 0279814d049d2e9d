//! The people directory in the browser (`/admin/people`, CONTRACT §11) over HTTP: search and
//! pages, who manages whom, edits with the API's checks and refusals by row in the reader's
//! language (what was typed kept), confirmed deactivation that does what `active: false`
//! does, admins only; and a cycle's weights by role on its admin page.
use crate::common;

use common::web::{admin_session, csrf_of, get, post, session};
use common::{Backend, TestApp, seeded};
use serde_json::{Value, json};

/// Wang Fang's admin session on the people page: (cookie, its CSRF token).
async fn admin(app: &TestApp) -> (String, String) {
    let (cookie, _) = admin_session(app, "wang.fang@example.com").await;
    let (s, html) = get(app, Some(cookie.as_str()), "/admin/people?lang=en").await;
    assert_eq!(s, 200, "{html}");
    let csrf = csrf_of(&html);
    (cookie, csrf)
}

/// Whether the audit log has an entry by this actor, of this action, on this target.
fn logged(log: &Value, actor: &str, action: &str, target: &str) -> bool {
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["actor"] == actor && e["action"] == action && e["target"] == target)
}

async fn person(app: &TestApp, id: &str) -> Value {
    let (_, b) = app.get("/api/v1/people?limit=5000").await;
    b["people"].as_array().unwrap().iter().find(|p| p["id"] == id).cloned().unwrap_or(Value::Null)
}

/// Li Na's edit form, with some fields changed.
fn li_na<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("lang", "en"),
        ("q", ""),
        ("page", "1"),
        ("name", "Li Na"),
        ("email", "li.na@example.com"),
        ("manager", "E1000"),
        ("team", "East"),
        ("role", ""),
        ("active", "on"),
    ];
    for (k, v) in changes {
        form.retain(|(f, _)| f != k);
        if !v.is_empty() || *k != "active" {
            form.push((k, v));
        }
    }
    form
}

async fn people_are_searched_paged_and_shown_with_their_managers(backend: Backend) {
    let app = seeded(backend, None).await;
    let many: Vec<Value> = (0..30)
        .map(|i| {
            json!({"id": format!("N{i:02}"), "name": format!("Nadia {i:02}"), "email": format!("n{i}@example.com"),
                        "manager": "E1001", "team": "North"})
        })
        .collect();
    let (s, b) = app.post("/api/v1/people", json!({ "people": many })).await;
    assert_eq!(s, 200, "{b}");
    let (cookie, _) = admin(&app).await;
    let (_, page) = get(&app, Some(&cookie), "/admin/people?lang=en").await;
    assert!(page.contains("33 found · Page 1 of 2"), "{page}");
    assert_eq!(page.matches("class=\"person\"").count(), 25, "a page of 25");
    let (_, page) = get(&app, Some(&cookie), "/admin/people?lang=en&page=2").await;
    assert_eq!(page.matches("class=\"person\"").count(), 8);
    assert!(page.contains("rel=\"prev\""));
    // Search by name, any case; who manages whom.
    let (_, page) = get(&app, Some(&cookie), "/admin/people?lang=en&q=li%20NA").await;
    assert!(page.contains("1 found") && page.contains("li.na@example.com"), "{page}");
    assert!(page.contains("Reports to: <a href=\"/admin/people?lang=en&amp;q=E1000\">Wang Fang</a>"), "{page}");
    assert!(page.contains("Manages: <a href=\"/admin/people?lang=en&amp;q=N00\">Nadia 00</a>"), "{page}");
    let (_, page) = get(&app, Some(&cookie), "/admin/people?lang=zh-CN&q=north").await;
    assert!(page.contains("共 30 人") && page.contains("上级"), "by team, in Chinese");
    let (_, page) = get(&app, Some(&cookie), "/admin/people?lang=en&q=%25").await;
    assert!(page.contains("No one matches."), "LIKE's own characters are taken literally");
    // Admins only: a manager gets the page that unknown addresses get.
    let manager = session(&app, "li.na@example.com").await;
    assert_eq!(get(&app, Some(&manager), "/admin/people").await.0, 404);
    assert_eq!(get(&app, None, "/admin/people").await.0, 303);
}

async fn edits_pass_the_apis_checks(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    let path = "/admin/people/E1001/edit";
    // A refusal is shown on her line, in the reader's words, with what was typed kept.
    let typed = li_na(&csrf, &[("email", "sam.carter@example.com"), ("name", "Li Na (typed)"), ("lang", "zh-CN")]);
    let (s, page) = post(&app, Some(&cookie), path, &typed).await;
    assert_eq!(s, 409, "an address someone has is a conflict with what is stored");
    assert!(page.contains("此邮箱地址已属于其他人员。"), "{page}");
    assert!(page.contains("value=\"Li Na (typed)\"") && page.contains("value=\"sam.carter@example.com\""));
    for (field, value, status, words) in [
        ("manager", "NOBODY", 409, "No person has this manager id."),
        ("email", "not-an-address", 422, "This is not a valid email address."),
        ("role", "Sales Lead", 422, "The role must be snake_case"),
        ("name", " ", 422, "The name must be 1 to 200 characters"),
    ] {
        let (s, page) = post(&app, Some(&cookie), path, &li_na(&csrf, &[(field, value)])).await;
        assert_eq!(s, status, "{field}");
        assert!(page.contains(words), "{field}: {page}");
    }
    // Wang Fang managed by Li Na would make them manage each other.
    let wang = [
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("name", "Wang Fang"),
        ("email", "wang.fang@example.com"),
        ("manager", "E1001"),
        ("team", "East"),
        ("active", "on"),
    ];
    let (s, page) = post(&app, Some(&cookie), "/admin/people/E1000/edit", &wang).await;
    assert_eq!(s, 409);
    assert!(page.contains("These people would manage each other."));
    assert_eq!(person(&app, "E1001").await["email"], "li.na@example.com", "nothing stored");

    // A good edit: saved, in the audit log, and her sessions end as her address changed.
    let hers = session(&app, "li.na@example.com").await;
    let good = li_na(&csrf, &[("email", "Na.Li@Example.com"), ("team", "West"), ("role", "sales_lead")]);
    let (s, to) = post(&app, Some(&cookie), path, &good).await;
    assert_eq!((s, to.as_str()), (303, "/admin/people?lang=en&q=&page=1&saved=E1001#p-E1001"));
    let p = person(&app, "E1001").await;
    assert_eq!(
        (&p["email"], &p["team"], &p["role"], &p["locale"]),
        (&json!("na.li@example.com"), &json!("West"), &json!("sales_lead"), &json!("zh-CN"))
    );
    assert_eq!(get(&app, Some(&hers), "/dashboard").await.0, 303);
    let (_, page) = get(&app, Some(&cookie), &to).await;
    assert!(page.contains("Saved: Li Na"), "{page}");
    let (_, log) = app.get("/api/v1/audit").await;
    assert!(logged(&log, "E1000", "email_changed", "person E1001"), "{log}");
    assert!(logged(&log, "E1000", "import_people", "people"), "{log}");
    // A forged form (no CSRF token) changes nothing.
    let forged = [("lang", "en"), ("name", "X"), ("email", "x@example.com"), ("active", "on")];
    assert_eq!(post(&app, Some(&cookie), path, &forged).await.0, 403);
}

async fn deactivation_is_confirmed_and_does_what_the_api_does(backend: Backend) {
    let app = seeded(backend, None).await;
    let (cookie, csrf) = admin(&app).await;
    let (s, b) = app
        .post(
            "/api/v1/cycles/2026-Q4/invitations",
            json!({"deliver":"none","invitations":[{"survey":"csat","subject":"E1001","respondent":{"customer":"C1"},"relation":"customer"}]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let link = b["links"][0]["url"].as_str().unwrap().to_string();
    let hers = session(&app, "li.na@example.com").await;
    let off = li_na(&csrf, &[("active", "")]);
    let (s, page) = post(&app, Some(&cookie), "/admin/people/E1001/edit", &off).await;
    assert_eq!(s, 422, "not confirmed");
    assert!(page.contains("Tick the box to confirm the deactivation."));
    assert_eq!(person(&app, "E1001").await["active"], true);
    let mut confirmed = off.clone();
    confirmed.push(("confirm", "yes"));
    let (s, _) = post(&app, Some(&cookie), "/admin/people/E1001/edit", &confirmed).await;
    assert_eq!(s, 303);
    assert_eq!(person(&app, "E1001").await["active"], false);
    assert_eq!(app.client.get(&link).send().await.unwrap().status().as_u16(), 410, "her link is revoked");
    assert_eq!(get(&app, Some(&hers), "/dashboard").await.0, 303, "her session ended");
    let (_, log) = app.get("/api/v1/audit").await;
    assert!(logged(&log, "E1000", "deactivated", "person E1001"), "{log}");
    let (_, page) = get(&app, Some(&cookie), "/admin/people?lang=en&q=E1001").await;
    assert!(page.contains("Inactive"), "{page}");
}

async fn weights_by_role_on_the_cycles_page(backend: Backend) {
    let app = seeded(backend, None).await;
    let roles = json!({"people":[
        {"id":"E1001","name":"Li Na","email":"li.na@example.com","manager":"E1000","team":"East","locale":"zh-CN","role":"sales"},
        {"id":"E1000","name":"Wang Fang","email":"wang.fang@example.com","team":"East","locale":"zh-CN","role":"sales_manager"}]});
    assert_eq!(app.post("/api/v1/people", roles).await.0, 200);
    let (cookie, csrf) = admin(&app).await;
    let (s, page) = get(&app, Some(&cookie), "/admin/cycles/2026-Q4/raters?lang=en").await;
    assert_eq!(s, 200);
    assert!(page.contains("Weights by role") && page.contains("name=\"role_1\" value=\"sales_manager\""), "{page}");
    let path = "/admin/cycles/2026-Q4/weights";
    let weights = |m: &'static str| {
        let (app, cookie, csrf) = (&app, cookie.clone(), csrf.clone());
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("lang", "en"),
                ("role_0", "sales"),
                ("manager_0", ""),
                ("peer_0", ""),
                ("direct_report_0", ""),
                ("role_1", "sales_manager"),
                ("manager_1", m),
                ("peer_1", "1"),
                ("direct_report_1", "2"),
            ];
            post(app, Some(&cookie), path, &form).await
        }
    };
    // Refused in the reader's words, with what was typed kept.
    let (s, page) = weights("abc").await;
    assert_eq!(s, 422);
    assert!(page.contains("Weights are numbers from 0 to 100") && page.contains("value=\"abc\""), "{page}");
    assert_eq!(weights("500").await.0, 422);
    assert_eq!(weights("0.5").await.0, 303);
    let (_, c) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!(
        c["weights_by_role"],
        json!({"sales_manager": {"manager": 0.5, "peer": 1.0, "direct_report": 2.0}}),
        "{c}"
    );
    let (_, page) = get(&app, Some(&cookie), "/admin/cycles/2026-Q4/raters?lang=zh-CN&done=weights").await;
    assert!(page.contains("已保存按角色设置的权重。") && page.contains("value=\"0.5\""), "{page}");
    // A closed cycle's weights no longer change.
    let (s, _) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!(s, 200);
    let (s, page) = weights("3").await;
    assert_eq!(s, 409);
    assert!(page.contains("The cycle is closed"), "{page}");
}

on_both_databases!(
    people_are_searched_paged_and_shown_with_their_managers,
    edits_pass_the_apis_checks,
    deactivation_is_confirmed_and_does_what_the_api_does,
    weights_by_role_on_the_cycles_page
);
