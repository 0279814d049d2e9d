//! The admin API of the foundation: directory, surveys, cycles, progress, keys, restarts.
use crate::common;

use common::{Backend, csat_survey, spawn_app, start, test_config};
use serde_json::{Value, json};

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

async fn health_check_answers(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

async fn people_upsert_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = json!({"people":[
        {"id":"E1000","name":"Wang Fang","email":"Wang.Fang@Example.com","team":"East","locale":"zh-CN"},
        {"id":"E1001","name":"Li Na","email":"li.na@example.com","manager":"E1000","team":"East"}]});
    let (s, b) = app.post("/api/v1/people", people.clone()).await;
    assert_eq!((s, b["created"].as_u64(), b["updated"].as_u64()), (200, Some(2), Some(0)), "{b}");
    let (s, b) = app.post("/api/v1/people", people).await;
    assert_eq!(
        (s, b["created"].as_u64(), b["updated"].as_u64(), b["unchanged"].as_u64()),
        (200, Some(0), Some(0), Some(2))
    );
    // A manager defined later in the same batch, and a rename.
    let (s, b) = app
        .post(
            "/api/v1/people",
            json!({"people":[
                {"id":"E1002","name":"Sam","email":"sam@example.com","manager":"E1003"},
                {"id":"E1003","name":"Ada","email":"ada@example.com","manager":"E1000"},
                {"id":"E1001","name":"Li Na (East)","email":"li.na@example.com","manager":"E1000","team":"East"}]}),
        )
        .await;
    assert_eq!((s, b["created"].as_u64(), b["updated"].as_u64()), (200, Some(2), Some(1)), "{b}");
    let (n, name): (i64, String) =
        sqlx::query_as("SELECT COUNT(*), MAX(name) FROM people WHERE email = 'wang.fang@example.com'")
            .fetch_one(&app.state.db().pool)
            .await
            .unwrap();
    assert_eq!((n, name.as_str()), (1, "Wang Fang"), "emails are stored lower-cased");
}

async fn bad_people_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let ok = json!({"id":"E1","name":"A","email":"a@example.com"});
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"people":[ok, {"id":"E2","name":"B","email":"b@example.com","shoe_size":42}]}), 400, "invalid_body"),
        (json!({"people":[ok, {"id":"E2","name":"B","email":7}]}), 400, "invalid_body"),
        (json!({"persons":[ok]}), 400, "invalid_body"),
        (json!({"people":[ok, {"id":"E2","name":"B","email":"not-an-email"}]}), 422, "invalid_email"),
        (
            json!({"people":[ok, {"id":"E2","name":"B","email":"b@example.com","manager":"E404"}]}),
            409,
            "unknown_manager",
        ),
        (json!({"people":[ok, {"id":"E2","name":"B","email":"b@example.com","locale":"fr"}]}), 422, "invalid_locale"),
        (json!({"people":[ok, {"id":"E 2","name":"B","email":"b@example.com"}]}), 422, "invalid_id"),
        (json!({"people":[ok, {"id":"E2","name":"  ","email":"b@example.com"}]}), 422, "invalid_name"),
        (json!({"people":[ok, {"id":"E1","name":"B","email":"b@example.com"}]}), 422, "duplicate_id"),
        (json!({"people":[ok, {"id":"E2","name":"B","email":"A@example.com"}]}), 422, "duplicate_id"),
        (
            json!({"people":[{"id":"E1","name":"A","email":"a@example.com","manager":"E2"},
                             {"id":"E2","name":"B","email":"b@example.com","manager":"E1"}]}),
            409,
            "management_cycle",
        ),
        (json!({"people":[{"id":"E1","name":"A","email":"a@example.com","manager":"E1"}]}), 409, "management_cycle"),
    ];
    for (body, status, code) in cases {
        let (s, b) = app.post("/api/v1/people", body.clone()).await;
        assert_error(s, &b, status, code);
    }
    let (s, b) = app.post_raw("/api/v1/people", "{\"people\": [").await;
    assert_error(s, &b, 400, "malformed_json");
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM people").await, 0, "a refused batch stores nothing");

    // A cycle through people already stored, and an address that belongs to someone else.
    let (s, _) = app
        .post("/api/v1/people", json!({"people":[ok, {"id":"E2","name":"B","email":"b@example.com","manager":"E1"}]}))
        .await;
    assert_eq!(s, 200);
    let (s, b) = app
        .post("/api/v1/people", json!({"people":[{"id":"E1","name":"A","email":"a@example.com","manager":"E2"}]}))
        .await;
    assert_error(s, &b, 409, "management_cycle");
    let (s, b) = app.post("/api/v1/people", json!({"people":[{"id":"E3","name":"C","email":"b@example.com"}]})).await;
    assert_error(s, &b, 409, "email_taken");
    let managers: Vec<Option<String>> =
        sqlx::query_scalar("SELECT manager_id FROM people ORDER BY id").fetch_all(&app.state.db().pool).await.unwrap();
    assert_eq!(managers, vec![None, Some("E1".to_string())]);
}

async fn customers_need_a_known_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_org().await;
    let (s, b) = app
        .post(
            "/api/v1/customers",
            json!({"customers":[{"id":"C9","name":"Zeta","email":"z@zeta.example","owner":"E404"}]}),
        )
        .await;
    assert_error(s, &b, 409, "unknown_owner");
    let (s, b) = app
        .post(
            "/api/v1/customers",
            json!({"customers":[{"id":"C1","name":"Acme Ltd","email":"buyer@acme.example","owner":"E1001"}]}),
        )
        .await;
    assert_eq!((s, b["updated"].as_u64(), b["created"].as_u64()), (200, Some(1), Some(0)), "{b}");
    let (s, b) = app.post("/api/v1/customers", json!({"customers":[{"id":"C3","name":"X","email":"bad"}]})).await;
    assert_error(s, &b, 422, "invalid_email");
}

async fn surveys_are_validated_and_upserted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (s, b) = app.post("/api/v1/surveys", csat_survey()).await;
    assert_eq!((s, b["created"].as_u64()), (200, Some(1)), "{b}");
    let (s, b) = app.post("/api/v1/surveys", csat_survey()).await;
    assert_eq!((s, b["unchanged"].as_u64()), (200, Some(1)), "{b}");
    let mut changed = csat_survey();
    changed["title"] = json!("How did we do this quarter?");
    let (s, b) = app.post("/api/v1/surveys", changed).await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(1)), "{b}");

    let (s, b) = app.get("/api/v1/surveys/csat").await;
    assert_eq!(s, 200);
    assert_eq!(b["title"], "How did we do this quarter?");
    assert_eq!(b["frozen"], false);
    assert_eq!(b["questions"][0]["text_i18n"]["zh-CN"], "总体满意度");
    assert_eq!(b["questions"][1]["min"], 0);
    assert_eq!(b["questions"].as_array().map(Vec::len), Some(3));

    let mut bad_range = csat_survey();
    bad_range["questions"][0]["min"] = json!(5);
    bad_range["questions"][0]["max"] = json!(1);
    let (s, b) = app.post("/api/v1/surveys", bad_range).await;
    assert_error(s, &b, 422, "invalid_survey");
    let mut unknown = csat_survey();
    unknown["questions"][0]["colour"] = json!("blue");
    let (s, b) = app.post("/api/v1/surveys", unknown).await;
    assert_error(s, &b, 400, "invalid_body");
    let mut bad_type = csat_survey();
    bad_type["questions"][0]["type"] = json!("slider");
    let (s, b) = app.post("/api/v1/surveys", bad_type).await;
    assert_error(s, &b, 400, "invalid_body");
    let (s, b) = app.get("/api/v1/surveys/nope").await;
    assert_error(s, &b, 404, "not_found");
}

async fn cycles_are_validated_closed_and_report_progress(backend: Backend) {
    let app = spawn_app(backend).await;
    let cycle =
        json!({"id":"2026-Q4","title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z"});
    let (s, b) = app.post("/api/v1/cycles", cycle.clone()).await;
    assert_eq!((s, b["created"].as_u64()), (200, Some(1)), "{b}");
    let (s, b) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!(s, 200);
    assert_eq!(b["min_raters"], 3);
    assert_eq!(b["weights"], json!({"manager":1.0,"peer":1.0,"direct_report":1.0}));
    assert_eq!(b["closes_at"], "2099-12-31T23:59:59Z");

    for (patch, code) in [
        (json!({"min_raters":1}), "invalid_cycle"),
        (json!({"closes_at":"2026-09-01T00:00:00Z"}), "invalid_cycle"),
        (json!({"opens_at":"yesterday"}), "invalid_cycle"),
        (json!({"weights":{"manager":-1}}), "invalid_cycle"),
    ] {
        let mut body = cycle.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, b) = app.post("/api/v1/cycles", body).await;
        assert_error(s, &b, 422, code);
    }
    let mut body = cycle.clone();
    body["weights"] = json!({"boss": 2});
    let (s, b) = app.post("/api/v1/cycles", body).await;
    assert_error(s, &b, 400, "invalid_body");

    let (s, b) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(s, 200);
    assert_eq!(b, json!({"cycle":"2026-Q4","status":"open","surveys":[]}));
    let (s, b) = app.get("/api/v1/cycles/2025-Q1/progress").await;
    assert_error(s, &b, 404, "not_found");

    let (s, b) = app.post("/api/v1/cycles/2026-Q4/close", json!({})).await;
    assert_eq!((s, &b["status"]), (200, &json!("closed")), "{b}");
    let (_, b) = app.get("/api/v1/cycles/2026-Q4/progress").await;
    assert_eq!(b["status"], "closed");
    let (s, b) = app.post("/api/v1/cycles", cycle).await;
    assert_error(s, &b, 409, "cycle_closed");
}

async fn a_cycle_past_its_closing_time_closes_by_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = chrono::Utc::now();
    let closes = (now + chrono::Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = json!({"id":"flash","title":"Flash","opens_at":"2026-01-01T00:00:00Z","closes_at":closes});
    let (s, b) = app.post("/api/v1/cycles", body).await;
    assert_eq!(s, 200, "{b}");
    common::eventually(10, || async {
        let status: String = sqlx::query_scalar("SELECT status FROM cycles WHERE id = 'flash'")
            .fetch_one(&app.state.db().pool)
            .await
            .unwrap();
        (status == "closed").then_some(())
    })
    .await;
}

async fn keys_and_scopes_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_cycle("2026-Q4").await;
    let res = app.client.get(app.url("/api/v1/cycles/2026-Q4/progress")).send().await.unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_error(status, &body, 401, "unauthorized");
    let (s, b) = app.get_with_key("/api/v1/cycles/2026-Q4/progress", "cnd_000000000000_wrong").await;
    assert_error(s, &b, 401, "unauthorized");
    // A real key's id with another secret is refused too.
    let forged = format!("{}x", &app.admin_key[..app.admin_key.len() - 1]);
    let (s, b) = app.get_with_key("/api/v1/cycles/2026-Q4/progress", &forged).await;
    assert_error(s, &b, 401, "unauthorized");

    let scores = app.scores_key("scoring").await;
    let (s, _) = app.get_with_key("/api/v1/cycles/2026-Q4/progress", &scores.key).await;
    assert_eq!(s, 200);
    let (s, b) = app
        .post_with_key(
            "/api/v1/people",
            json!({"people":[{"id":"E1","name":"A","email":"a@example.com"}]}),
            &scores.key,
        )
        .await;
    assert_error(s, &b, 403, "forbidden");
    let (s, b) = app.post_with_key("/api/v1/cycles/2026-Q4/close", json!({}), &scores.key).await;
    assert_error(s, &b, 403, "forbidden");
    // The scores scope reads scores, progress and cycles (CONTRACT §3, §7), never comments.
    let (s, b) = app.get_with_key("/api/v1/cycles/2026-Q4", &scores.key).await;
    assert_eq!((s, b["id"].as_str()), (200, Some("2026-Q4")), "{b}");
    let (s, b) = app.get_with_key("/api/v1/cycles/2026-Q4/comments", &scores.key).await;
    assert_error(s, &b, 403, "forbidden");
    let (s, b) = app.get("/api/v1/no-such-route").await;
    assert_error(s, &b, 404, "not_found");
}

async fn api_keys_are_stored_only_as_hashes(backend: Backend) {
    let app = spawn_app(backend).await;
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, name, key_hash FROM api_keys").fetch_all(&app.state.db().pool).await.unwrap();
    assert_eq!(rows.len(), 1);
    // `cnd_{id}_{secret}`: the secret is base64url and may itself hold `_`, so not rsplit
    // (a two-letter tail turns up in any database file by chance).
    let secret = app.admin_key.splitn(3, '_').nth(2).unwrap().to_string();
    let secret = secret.as_str();
    for (id, name, hash) in &rows {
        for col in [id, name, hash] {
            assert!(!col.contains(secret), "key material stored in clear");
        }
        assert_eq!(hash, &candor::domain::token::sha256_hex(&app.admin_key));
    }
    if backend == Backend::Sqlite {
        let (db, _) = app.stop().await;
        let mut bytes = std::fs::read(db.dir.path().join("candor.db")).unwrap();
        if let Ok(wal) = std::fs::read(db.dir.path().join("candor.db-wal")) {
            bytes.extend(wal);
        }
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(secret), "key found in the database file");
    }
}

async fn data_survives_a_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    let mail_dir = app.mail_dir.clone();
    let (db, key) = app.stop().await;
    let config = test_config(&db.url, mail_dir);
    let app = start(db, config, Some(key)).await;
    let (s, b) = app.get("/api/v1/surveys/csat").await;
    assert_eq!((s, &b["id"]), (200, &json!("csat")));
    let (s, b) = app.get("/api/v1/cycles/2026-Q4").await;
    assert_eq!((s, &b["title"]), (200, &json!("Q4 2026")));
    assert_eq!(common::count(&app, "SELECT COUNT(*) FROM people").await, 3);
}

on_both_databases!(
    health_check_answers,
    people_upsert_is_idempotent,
    bad_people_are_refused_and_nothing_is_stored,
    customers_need_a_known_owner,
    surveys_are_validated_and_upserted,
    cycles_are_validated_closed_and_report_progress,
    a_cycle_past_its_closing_time_closes_by_itself,
    keys_and_scopes_are_enforced,
    api_keys_are_stored_only_as_hashes,
    data_survives_a_restart,
);

/// The OpenAPI document comes from the same route list as the router: every contract route is
/// in it, and every path in it answers (401 without a key, never "no such route").
#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let contract = [
        ("post", "/api/v1/people"),
        ("post", "/api/v1/customers"),
        ("post", "/api/v1/surveys"),
        ("post", "/api/v1/cycles"),
        ("post", "/api/v1/cycles/{cycle}/invitations"),
        ("post", "/api/v1/cycles/{cycle}/launch"),
        ("post", "/api/v1/cycles/{cycle}/reminders"),
        ("post", "/api/v1/cycles/{cycle}/close"),
        ("get", "/api/v1/cycles/{cycle}/progress"),
        ("get", "/api/v1/cycles/{cycle}/scores"),
        ("get", "/api/v1/cycles/{cycle}/scores.csv"),
        ("post", "/api/v1/webhooks"),
    ];
    for (method, path) in contract {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["CycleScores"].is_object());
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    // What generated clients and fuzzers need: one id per operation, every error answer
    // documented, and links from what creates an id to what takes it.
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()), "{method} {path}: id repeated");
            assert!(op["responses"]["4XX"].is_object() && op["responses"]["5XX"].is_object(), "{method} {path}");
        }
    }
    let links = &doc["paths"]["/api/v1/cycles"]["post"]["responses"]["200"]["links"];
    assert_eq!(links["show_cycles"]["parameters"]["cycle"], "$request.body#/id", "{links}");
    let id = &doc["components"]["schemas"]["PersonInput"]["properties"]["id"];
    assert_eq!(id["pattern"], candor::domain::id::ID_PATTERN);
    assert_eq!(doc["components"]["schemas"]["PersonInput"]["additionalProperties"], false);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let url = app.url(&path.replace("{cycle}", "c").replace("{survey}", "s").replace("{webhook}", "w"));
            let req = app.client.request(method.to_uppercase().parse().unwrap(), &url);
            let res = req.header("content-type", "application/json").body("{}").send().await.unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            assert_eq!((status, &body["error"]["code"]), (401, &json!("unauthorized")), "{method} {path}");
        }
    }
}
