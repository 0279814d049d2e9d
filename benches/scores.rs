//! Scores over a million answers on SQLite, against a bare GROUP BY over the same rows.
//!
//! The floor is the least any scoring can do: one `GROUP BY subject, relation` that averages
//! the raw answer values. Candor computes the whole formula: per-response indicator values
//! normalised to 0–100, groups with n, sd and t-intervals, withholding, weights, CSAT and NPS.
//!
//! Run: `cargo bench --bench scores` (BENCH_ANSWERS, default 1,000,000; BENCH_RUNS, default 5).
use candor::db::Db;
use clap::Parser;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::str::FromStr;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn seed(path: &std::path::Path, answers_wanted: usize) -> (usize, usize) {
    let url = format!("sqlite://{}", path.display());
    Db::connect(&url).await.unwrap().migrate().await.unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::from_str(&url).unwrap())
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let subjects = 500;
    for i in 0..subjects {
        sqlx::query(
            "INSERT INTO people (id, name, email, team, created_at, updated_at) VALUES (?1, ?2, ?3, 'East', 0, 0)",
        )
        .bind(format!("E{i}"))
        .bind(format!("Seller {i}"))
        .bind(format!("s{i}@corp.example"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query("INSERT INTO customers (id, name, email, created_at, updated_at) VALUES ('C0', 'Buyer', 'b@shop.example', 0, 0)")
        .execute(&mut *tx)
        .await
        .unwrap();
    for (id, kind) in [("csat", "customer"), ("peer360", "peer")] {
        sqlx::query(
            "INSERT INTO surveys (id, kind, title, anonymous, created_at, updated_at) VALUES (?1, ?2, 't', 0, 0, 0)",
        )
        .bind(id)
        .bind(kind)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    let questions = [
        ("csat", "q1", "scale", Some(1), Some(5), Some("customer_satisfaction")),
        ("csat", "q2", "nps", Some(0), Some(10), Some("customer_satisfaction")),
        ("peer360", "t1", "scale", Some(1), Some(5), Some("teamwork")),
        ("peer360", "c1", "scale", Some(1), Some(5), Some("communication")),
        ("peer360", "k1", "scale", Some(0), Some(10), Some("product_knowledge")),
        ("csat", "q3", "text", None, None, None),
        ("peer360", "c2", "text", None, None, None),
    ];
    for (pos, (survey, id, kind, min, max, indicator)) in questions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO questions (survey_id, id, position, type, min, max, indicator, required, text) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 'q')",
        )
        .bind(survey)
        .bind(id)
        .bind(pos as i64)
        .bind(kind)
        .bind(min)
        .bind(max)
        .bind(indicator)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO cycles (id, title, opens_at, closes_at, min_raters, weight_manager, weight_peer, \
         weight_direct_report, status, created_at, updated_at) VALUES ('bench', 'Bench', 0, 1, 3, 2, 1, 1, 'closed', 0, 0)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    for i in 0..subjects {
        for (survey, resp, rel) in [("csat", "c:C0", "customer"), ("peer360", "p:E0", "peer")] {
            sqlx::query(
                "INSERT INTO invitations (cycle_id, survey_id, subject_id, relation, respondent_person_id, \
                 respondent_customer_id, respondent_key, created_at, completed) VALUES ('bench', ?1, ?2, ?3, ?4, ?5, ?6, 0, 1)",
            )
            .bind(survey)
            .bind(format!("E{i}"))
            .bind(rel)
            .bind((rel == "peer").then_some("E0"))
            .bind((rel == "customer").then_some("C0"))
            .bind(resp)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    // Alternate customer responses (2 answers) and 360 responses (3 answers).
    let relations = ["peer", "peer", "direct_report", "manager", "self"];
    let (mut answers, mut responses, mut k) = (0usize, 0usize, 0u64);
    while answers < answers_wanted {
        k += 1;
        let subject = format!("E{}", k % subjects as u64);
        let rid = candor::domain::token::random_id();
        let customer = k % 2 == 0;
        let (survey, relation) =
            if customer { ("csat", "customer") } else { ("peer360", relations[(k as usize / 2) % 5]) };
        sqlx::query(
            "INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on) VALUES (?1, 'bench', ?2, ?3, ?4, '2026-11-26')",
        )
        .bind(&rid)
        .bind(survey)
        .bind(&subject)
        .bind(relation)
        .execute(&mut *tx)
        .await
        .unwrap();
        let values: &[(&str, i64)] = if customer {
            &[("q1", (k % 5 + 1) as i64), ("q2", (k % 11) as i64)]
        } else {
            &[("t1", (k % 5 + 1) as i64), ("c1", ((k / 3) % 5 + 1) as i64), ("k1", (k % 11) as i64)]
        };
        for (q, v) in values {
            sqlx::query("INSERT INTO answers (response_id, question_id, value) VALUES (?1, ?2, ?3)")
                .bind(&rid)
                .bind(q)
                .bind(v)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        // One comment in three, as in the field; each response has its own invitation.
        if k % 3 == 0 {
            sqlx::query("INSERT INTO answers (response_id, question_id, text) VALUES (?1, ?2, ?3)")
                .bind(&rid)
                .bind(if customer { "q3" } else { "c2" })
                .bind(format!("Comment number {k}: clear and helpful, answers quickly."))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        sqlx::query(
            "INSERT INTO invitations (cycle_id, survey_id, subject_id, relation, respondent_customer_id, respondent_key, \
             created_at, completed) VALUES ('bench', ?1, ?2, ?3, 'C0', ?4, 0, 1)",
        )
        .bind(survey)
        .bind(&subject)
        .bind(relation)
        .bind(format!("x:{k}"))
        .execute(&mut *tx)
        .await
        .unwrap();
        answers += values.len();
        responses += 1;
    }
    // Candor writes response_scores with each response; seed them the way the migration backfills.
    let migration = include_str!("../migrations/sqlite/0005_response_scores.sql");
    let backfill = &migration[migration.find("INSERT INTO response_scores").unwrap()..];
    sqlx::query(backfill).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    (responses, answers)
}

/// Candor's `App` on the benchmark's database, as `candor serve` opens it.
async fn open_app(path: &std::path::Path) -> candor::app::App {
    let mut config = candor::config::Cli::parse_from(["candor"]).config;
    config.database_url = format!("sqlite://{}", path.display());
    config.key_file = path.with_extension("key");
    candor::startup::open(config).await.unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run() {
    let wanted = env_or("BENCH_ANSWERS", 1_000_000);
    let runs = env_or("BENCH_RUNS", 5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.db");
    let started = Instant::now();
    let (responses, answers) = seed(&path, wanted).await;
    println!("seeded {responses} responses, {answers} answers, 500 subjects in {:.1?}", started.elapsed());

    let db = Db::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let cycle = candor::db::cycles::load(&db.pool, "bench").await.unwrap().unwrap();
    let app = open_app(&path).await;
    let now = candor::domain::time::now();
    let mut candor_runs = Vec::new();
    let mut floor_runs = Vec::new();
    let mut same_rows_runs = Vec::new();
    let mut subjects = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let scores = candor::app::results::cycle_scores(&app, &cycle, now).await.unwrap();
        candor_runs.push(t.elapsed());
        subjects = scores.subjects.len();
        let t = Instant::now();
        let rows: Vec<(String, String, i64, f64)> = sqlx::query_as(
            "SELECT r.subject_id, r.relation, COUNT(*), AVG(a.value) FROM responses r \
             JOIN answers a ON a.response_id = r.id WHERE r.cycle_id = 'bench' GROUP BY r.subject_id, r.relation",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        floor_runs.push(t.elapsed());
        assert!(!rows.is_empty());
        let t = Instant::now();
        let rows: Vec<(String, String, String, i64, f64)> = sqlx::query_as(
            "SELECT subject_id, indicator, relation, COUNT(*), AVG(value) FROM response_scores \
             WHERE cycle_id = 'bench' GROUP BY subject_id, indicator, relation",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        same_rows_runs.push(t.elapsed());
        assert!(!rows.is_empty());
    }
    let (c, f) = (median(candor_runs), median(floor_runs));
    println!("candor scores ({subjects} subjects × 4 indicators, full formula): {c:.1?} (median of {runs})");
    println!("floor (bare GROUP BY subject, relation with AVG): {f:.1?} (median of {runs})");
    let g = median(same_rows_runs);
    println!("bare GROUP BY over the same per-response rows Candor reads: {g:.1?} (median of {runs})");
    println!(
        "ratio candor / raw-answers floor: {:.2}; candor / same-rows GROUP BY: {:.2}",
        c.as_secs_f64() / f.as_secs_f64(),
        c.as_secs_f64() / g.as_secs_f64()
    );
    year_of_months(&db, &path, responses, runs).await;
}

/// The year's scores over twelve monthly cycles, each a copy of the seeded one, pooled by
/// `GET /api/v1/scores?period=2026`'s code, against a bare GROUP BY over the same rows.
async fn year_of_months(db: &Db, path: &std::path::Path, responses: usize, runs: usize) {
    let started = Instant::now();
    let mut tx = db.begin().await.unwrap();
    for m in 1..=12 {
        let id = format!("m{m:02}");
        let copy =
            |sql: &str| sqlx::query(sqlx::AssertSqlSafe(sql.replace("{id}", &id).replace("{m}", &format!("{m:02}"))));
        copy("INSERT INTO cycles (id, title, period, opens_at, closes_at, min_raters, weight_manager, weight_peer, \
              weight_direct_report, status, created_at, updated_at) VALUES ('{id}', '{id}', '2026-{m}', 0, 1, 3, 2, 1, 1, 'closed', 0, 0)")
            .execute(&mut *tx)
            .await
            .unwrap();
        copy("INSERT INTO invitations (cycle_id, survey_id, subject_id, relation, respondent_person_id, respondent_customer_id, \
              respondent_key, created_at, completed) SELECT '{id}', survey_id, subject_id, relation, respondent_person_id, \
              respondent_customer_id, respondent_key, 0, 1 FROM invitations WHERE cycle_id = 'bench'")
            .execute(&mut *tx)
            .await
            .unwrap();
        copy("INSERT INTO responses (id, cycle_id, survey_id, subject_id, relation, submitted_on) \
              SELECT id || '{id}', '{id}', survey_id, subject_id, relation, submitted_on FROM responses WHERE cycle_id = 'bench'")
            .execute(&mut *tx)
            .await
            .unwrap();
        copy(
            "INSERT INTO answers SELECT a.response_id || '{id}', a.question_id, a.value, a.text FROM answers a \
              JOIN responses r ON r.id = a.response_id WHERE r.cycle_id = 'bench' AND a.text IS NOT NULL",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        copy("INSERT INTO response_scores SELECT '{id}', subject_id, indicator, relation, anonymous, response_id || '{id}', \
              value, scale_n, top_two, nps_n, promoters, detractors FROM response_scores WHERE cycle_id = 'bench'")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();
    println!("copied into 12 monthly cycles of {responses} responses each in {:.1?}", started.elapsed());
    let app = open_app(path).await;
    let (mut ours, mut floors) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let year = candor::app::periods::scores(&app, "2026", None).await.unwrap();
        ours.push(t.elapsed());
        assert_eq!(year.cycles.len(), 12);
        let t = Instant::now();
        let rows: Vec<(String, String, String, i64, f64)> = sqlx::query_as(
            "SELECT subject_id, indicator, relation, COUNT(*), AVG(value) FROM response_scores \
             WHERE cycle_id IN ('m01','m02','m03','m04','m05','m06','m07','m08','m09','m10','m11','m12') \
             GROUP BY subject_id, indicator, relation",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        floors.push(t.elapsed());
        assert!(!rows.is_empty());
    }
    let (y, f) = (median(ours), median(floors));
    println!(
        "the year's scores over 12 cycles ({} responses): {y:.1?} | bare GROUP BY over the same rows: {f:.1?} | ratio {:.2} (median of {runs})",
        responses * 12,
        y.as_secs_f64() / f.as_secs_f64()
    );
    pages(&app, runs).await;
}

/// Prints Candor's median time against its floor's, and their ratio.
fn report(what: &str, ours: Vec<Duration>, floor: &str, floors: Vec<Duration>) {
    let (o, f) = (median(ours), median(floors));
    println!("{what}: {o:.1?} | floor ({floor}): {f:.1?} | ratio {:.2}", o.as_secs_f64() / f.as_secs_f64());
}

/// What a person's page and the team dashboard read, with 13 closed cycles of history (the
/// seeded one and the year's twelve), each against a bare query returning the same rows.
async fn pages(app: &candor::app::App, runs: usize) {
    use candor::app::{access, results};
    let db = &app.db();
    let now = candor::domain::time::now();
    let latest = candor::app::cycles::load(app, "m12").await.unwrap();
    let all: Vec<String> = std::iter::once("bench".to_string()).chain((1..=12).map(|m| format!("m{m:02}"))).collect();
    for id in &all {
        let c = candor::app::cycles::load(app, id).await.unwrap();
        candor::app::closed::ensure(db, &c).await.unwrap();
    }
    let (mut person, mut person_floor, mut dash, mut dash_floor) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let in_list = all.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    for _ in 0..runs {
        let t = Instant::now();
        let report = results::subject_report(app, &latest, "E123", now).await.unwrap().expect("E123 was reviewed");
        let trend = results::trend(app, "E123", now).await.unwrap();
        person.push(t.elapsed());
        assert_eq!(trend.len(), 13);
        assert!(!report.comments.comments.is_empty() && !report.values.is_empty());
        let t = Instant::now();
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT cycle_id, scores, comments, released_values FROM subject_results \
             WHERE cycle_id IN ({in_list}) AND subject_id = 'E123'"
        )))
        .fetch_all(&db.pool)
        .await
        .unwrap();
        person_floor.push(t.elapsed());
        assert_eq!(rows.len(), 13);
        let t = Instant::now();
        let scores = results::cycle_scores(app, &latest, now).await.unwrap();
        let progress = results::subject_progress(app, &latest, now).await.unwrap();
        let org = access::org_chart_of(app, "m12").await.unwrap();
        dash.push(t.elapsed());
        assert_eq!((scores.subjects.len(), progress.len()), (500, 500), "{}", org.len());
        let t = Instant::now();
        let rows: Vec<(String, String, Option<String>, String)> =
            sqlx::query_as("SELECT subject_id, name, team, scores FROM subject_results WHERE cycle_id = 'm12'")
                .fetch_all(&db.pool)
                .await
                .unwrap();
        dash_floor.push(t.elapsed());
        assert_eq!(rows.len(), 500);
    }
    report(
        "person page (E123: report + trend over 13 closed cycles)",
        person,
        "that person's 13 stored rows",
        person_floor,
    );
    report("team dashboard (scores + progress + org chart of a closed cycle)", dash, "its 500 stored rows", dash_floor);
}
