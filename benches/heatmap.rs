//! The heatmap of a year on SQLite (issue 33): 12 closed monthly cycles of 100,000 responses
//! each, 500 people in 60 teams, results stored at close as Candor stores them. Measures the
//! whole page over HTTP as an admin signs in to see it (`GET /dashboard/heatmap?period=2026`,
//! with and without relations), a manager's one-team view, and the floor: a bare query
//! returning the stored rows the page sums.
//!
//! Run: `cargo bench --bench heatmap` (BENCH_RESPONSES per cycle, default 100,000; BENCH_RUNS,
//! default 7).
use candor::db::Db;
use clap::Parser;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&db.pool).await.unwrap();
}

/// People E0…E499 in teams T0…T59 (E0…E59 lead them, under E0), a customer, two surveys
/// (customer satisfaction; teamwork, communication, product knowledge), and twelve closed
/// monthly cycles, each with `responses` answered invitations (one rater each) and their
/// per-response values, written in bulk as Candor's writer would have left them.
async fn seed(db: &Db, responses: usize) {
    exec(
        db,
        "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 499) \
        INSERT INTO people (id, name, email, manager_id, team, created_at, updated_at) \
        SELECT 'E' || i, 'Seller ' || i, 's' || i || '@corp.example', CASE WHEN i = 0 THEN NULL WHEN i < 60 THEN 'E0' \
        ELSE 'E' || (i % 60) END, 'T' || (i % 60), 0, 0 FROM k",
    )
    .await;
    exec(db, "INSERT INTO customers (id, name, email, created_at, updated_at) VALUES ('C0', 'Buyer', 'b@shop.example', 0, 0)").await;
    exec(
        db,
        "INSERT INTO surveys (id, kind, title, anonymous, created_at, updated_at) VALUES \
        ('csat', 'customer', 't', 0, 0, 0), ('peer360', 'peer', 't', 0, 0, 0)",
    )
    .await;
    exec(db, "INSERT INTO questions (survey_id, id, position, type, min, max, indicator, required, text) VALUES \
        ('csat', 'q1', 0, 'scale', 1, 5, 'customer_satisfaction', 0, 'q'), ('peer360', 't1', 1, 'scale', 1, 5, 'teamwork', 0, 'q'), \
        ('peer360', 'c1', 2, 'scale', 1, 5, 'communication', 0, 'q'), ('peer360', 'k1', 3, 'scale', 0, 10, 'product_knowledge', 0, 'q')")
    .await;
    let relation = "CASE WHEN i % 2 = 0 THEN 'customer' ELSE (CASE (i / 2) % 5 WHEN 0 THEN 'peer' WHEN 1 THEN 'peer' \
        WHEN 2 THEN 'direct_report' WHEN 3 THEN 'manager' ELSE 'self' END) END";
    for m in 1..=12 {
        let id = format!("m{m:02}");
        exec(db, &format!("INSERT INTO cycles (id, title, period, opens_at, closes_at, min_raters, weight_manager, weight_peer, \
            weight_direct_report, status, created_at, updated_at) VALUES ('{id}', 'Month {m}', '2026-{m:02}', 0, 1, 3, 2, 1, 1, 'closed', 0, 0)"))
        .await;
        let rows = format!("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {responses})");
        exec(db, &format!("{rows} INSERT INTO invitations (cycle_id, survey_id, subject_id, relation, respondent_person_id, \
            respondent_customer_id, respondent_key, created_at, completed) SELECT '{id}', CASE WHEN i % 2 = 0 THEN 'csat' ELSE 'peer360' END, \
            'E' || (i % 500), {relation}, CASE WHEN i % 2 = 0 THEN NULL ELSE 'E0' END, CASE WHEN i % 2 = 0 THEN 'C0' ELSE NULL END, \
            'x:' || i, 0, 1 FROM k"))
        .await;
        exec(db, &format!("{rows} INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on) \
            SELECT '{id}-' || i, '{id}', CASE WHEN i % 2 = 0 THEN 'csat' ELSE 'peer360' END, 'E' || (i % 500), {relation}, '2026-{m:02}-15' FROM k"))
        .await;
        // Values on 0–100 (scale 1–5 → 0, 25, …, 100; 0–10 → 0, 10, …, 100), a steady level per
        // person and month; CSAT's top two points and NPS counts for the customers.
        exec(db, &format!("{rows}, ind(name, n) AS (VALUES ('teamwork', 0), ('communication', 1), ('product_knowledge', 2)) \
            INSERT INTO response_scores (cycle_id, subject_id, indicator, relation, anonymous, response_id, value, scale_n, top_two, \
            nps_n, promoters, detractors) \
            SELECT '{id}', 'E' || (i % 500), CASE WHEN i % 2 = 0 THEN 'customer_satisfaction' ELSE ind.name END, {relation}, \
            CASE WHEN i % 2 = 1 AND (i / 2) % 5 IN (0, 1, 2) THEN 1 ELSE 0 END, '{id}-' || i, \
            ((i * 7 + ind.n * 3 + {m}) % 5) * 25.0, CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END, \
            CASE WHEN i % 2 = 0 AND (i * 7 + {m}) % 5 >= 3 THEN 1 ELSE 0 END, 0, 0, 0 \
            FROM k JOIN ind ON (i % 2 = 1 OR ind.n = 0)"))
        .await;
    }
    exec(db, "ANALYZE").await;
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run() {
    let responses = env_or("BENCH_RESPONSES", 100_000);
    let runs = env_or("BENCH_RUNS", 7);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("heatmap.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let started = Instant::now();
    seed(&db, responses).await;
    println!("seeded 12 cycles × {responses} responses, 500 people in 60 teams in {:.1?}", started.elapsed());

    let mut config = candor::config::Cli::parse_from(["candor"]).config;
    config.database_url = url;
    config.key_file = dir.path().join("candor.key");
    config.listen = "127.0.0.1:0".into();
    config.mail_dir = dir.path().join("mail");
    let server = candor::startup::Application::build(config).await.unwrap();
    let app = server.app().clone();
    // Stored as at close: scores, comments, values, group parts and participation of each cycle.
    let started = Instant::now();
    for m in 1..=12 {
        let c = candor::app::cycles::load(&app, &format!("m{m:02}")).await.unwrap();
        candor::app::closed::ensure(app.db(), &c).await.unwrap();
    }
    println!("results stored for 12 cycles in {:.1?}", started.elapsed());
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped(std::future::pending::<()>()));
    let admin = candor::db::sessions::ensure_admin(app.db(), "admin@corp.example").await.unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_in = |person: String| {
        let (app, client, base) = (app.clone(), client.clone(), base.clone());
        async move {
            let token = candor::db::sessions::mint_login_link(app.db(), &person).await.unwrap();
            let res = client.post(format!("{base}/login/{}", token.as_str())).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 303);
            res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
        }
    };
    let (admin, lead) = (sign_in(admin).await, sign_in("E7".to_string()).await);
    let page = |path: &'static str, cookie: String| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let mut times = Vec::new();
            let mut body = String::new();
            for _ in 0..runs {
                let t = Instant::now();
                let res = client.get(format!("{base}{path}")).header("cookie", &cookie).send().await.unwrap();
                assert_eq!(res.status().as_u16(), 200, "{path}");
                body = res.text().await.unwrap();
                times.push(t.elapsed());
            }
            (median(times), body)
        }
    };
    let (year, body) = page("/dashboard/heatmap?period=2026&lang=en", admin.clone()).await;
    let teams = body.matches("class=\"hm-team\"").count();
    assert_eq!(teams, 60, "every team");
    assert!(body.contains("Month 1") && body.contains("n = "), "pooled");
    println!(
        "heatmap of the year, admin (60 teams × 4 indicators): {year:.1?} (median of {runs}, the whole page over HTTP)"
    );
    let (rel, body) = page("/dashboard/heatmap?period=2026&relations=on&lang=en", admin.clone()).await;
    println!("the same with relations ({} cells): {rel:.1?}", body.matches("<td class=\"hm").count());
    let (one, body) = page("/dashboard/heatmap?period=2026&lang=en", lead).await;
    assert_eq!(body.matches("class=\"hm-team\"").count(), 1, "a team lead sees their team");
    println!("heatmap of the year, one team's lead: {one:.1?}");
    let (month, _) = page("/dashboard/heatmap?cycle=m12&lang=en", admin).await;
    println!("heatmap of one month, admin: {month:.1?}");

    let mut floor = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let rows: Vec<(Option<String>, String, String, i64, f64, f64)> = sqlx::query_as(
            "SELECT team, indicator, relation, n, value_sum, value_sum_sq FROM result_parts \
             WHERE cycle_id IN ('m01','m02','m03','m04','m05','m06','m07','m08','m09','m10','m11','m12')",
        )
        .fetch_all(&app.db().pool)
        .await
        .unwrap();
        floor.push(t.elapsed());
        assert!(rows.len() > 60);
    }
    let f = median(floor);
    println!("floor (the year's stored parts, read bare): {f:.1?} | ratio {:.2}", year.as_secs_f64() / f.as_secs_f64());
}
