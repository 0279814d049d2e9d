//! What the benchmarks share: where their database lives.
#![allow(dead_code)]

/// A fresh database on the PostgreSQL server at `admin_url` (an admin URL), named at random.
pub async fn pg_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await.unwrap();
    let name = format!("candor_bench_{}", candor::domain::token::random_id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    format!("{base}/{name}")
}

/// A fresh database for one run: on PostgreSQL when BENCH_POSTGRES_URL names a server, else a
/// SQLite file in `dir`.
pub async fn fresh_database(dir: &std::path::Path, file: &str) -> String {
    match std::env::var("BENCH_POSTGRES_URL") {
        Ok(admin_url) => pg_database(&admin_url).await,
        Err(_) => format!("sqlite://{}/{file}", dir.display()),
    }
}
