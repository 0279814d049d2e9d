//! A database made by the previous release (`tests/fixtures/release-2026-12`, made by
//! `scripts/make-release-fixture.sh` with that release's binary: its `candor demo`) is migrated
//! by this one and read back unchanged — every figure the API answered then, it answers now —
//! and its open cycle, whose answers that release sealed, still closes and releases them.
use crate::common::{self, Backend, TestDb};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/release-2026-12")
}

fn expected(backend: Backend, name: &str) -> Value {
    let dir = match backend {
        Backend::Sqlite => "expected",
        Backend::Postgres => "expected-postgres",
    };
    let path = fixture().join(dir).join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Every value `then` holds, `now` holds at the same place (fields added since may be new).
fn holds(then: &Value, now: &Value, at: &str) {
    match then {
        Value::Object(map) => {
            for (k, v) in map {
                holds(v, &now[k], &format!("{at}.{k}"));
            }
        }
        Value::Array(items) => {
            let now_items = now.as_array().unwrap_or_else(|| panic!("{at}: {now} is no list"));
            assert_eq!(items.len(), now_items.len(), "{at}: how many");
            for (i, (a, b)) in items.iter().zip(now_items).enumerate() {
                holds(a, b, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(then, now, "{at}"),
    }
}

/// The release's database, copied or restored into a fresh one of this kind.
async fn restored(backend: Backend) -> TestDb {
    let db = common::fresh_db(backend).await;
    match backend {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://");
            std::fs::copy(fixture().join("candor.db"), Path::new(path)).expect("copy the fixture");
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let dump = std::fs::read_to_string(fixture().join("postgres.sql")).expect("the dump");
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            // pg_dump empties the search path for its own statements; the server's is set again.
            sqlx::raw_sql(sqlx::AssertSqlSafe(dump)).execute(&mut conn).await.expect("restore the dump");
        }
    }
    db
}

async fn a_database_of_the_previous_release_reads_back_unchanged(backend: Backend) {
    let db = restored(backend).await;
    let mut config = common::test_config(&db.url, db.dir.path().join("mail"));
    config.key = Some(std::fs::read_to_string(fixture().join("server-key")).expect("the key").trim().to_string());
    let app = common::start(db, config, None).await;

    let (s, cycles) = app.get("/api/v1/cycles").await;
    assert_eq!(s, 200, "{cycles}");
    holds(&expected(backend, "cycles"), &cycles, "cycles");
    for c in ["demo-2026-Q3", "demo-2026-Q4"] {
        for what in ["scores", "progress"] {
            let (s, now) = app.get(&format!("/api/v1/cycles/{c}/{what}")).await;
            assert_eq!(s, 200, "{now}");
            holds(&expected(backend, &format!("{what}-{c}")), &now, &format!("{what} of {c}"));
        }
    }
    for (path, name) in [
        ("/api/v1/scores?period=2026", "scores-2026"),
        ("/api/v1/people", "people"),
        ("/api/v1/customers", "customers"),
    ] {
        let (s, now) = app.get(path).await;
        assert_eq!(s, 200, "{now}");
        holds(&expected(backend, name), &now, name);
    }

    // The answers that release sealed in the open cycle open under this one at close.
    let open = expected(backend, "progress-demo-2026-Q4");
    let answered = open.to_string();
    app.close_cycle("demo-2026-Q4").await;
    let (_, closed) = app.get("/api/v1/cycles/demo-2026-Q4/scores").await;
    let released = closed["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["indicators"].as_object().unwrap().values())
        .filter(|i| i["by_relation"]["peer"]["score"].is_number())
        .count();
    assert!(released > 0, "peer groups released at close: {closed} (progress before: {answered})");
}

on_both_databases!(a_database_of_the_previous_release_reads_back_unchanged);
