//! Reads for the admin page.
use sqlx::{AnyPool, Row};

pub struct CycleProgress {
    pub id: String,
    pub title: String,
    pub title_i18n: std::collections::BTreeMap<String, String>,
    pub status: &'static str,
    pub invited: i64,
    pub emailed: i64,
    pub failed: i64,
    pub completed: i64,
    pub reminded: i64,
    /// A close or launch under way on the cycle.
    pub run: Option<super::runs::Progress>,
}

pub async fn cycles(pool: &AnyPool, now: i64) -> Result<Vec<CycleProgress>, sqlx::Error> {
    let mut out = Vec::new();
    for c in super::dashboard::cycles(pool).await? {
        let Some(cycle) = super::cycles::load(pool, &c.id).await? else { continue };
        let p = super::cycles::progress(pool, &c.id).await?;
        let run = super::runs::progress(pool, &c.id).await?;
        out.push(CycleProgress {
            run,
            status: cycle.status(now),
            invited: p.iter().map(|s| s.invited).sum(),
            emailed: p.iter().map(|s| s.emailed).sum(),
            failed: p.iter().map(|s| s.failed).sum(),
            completed: p.iter().map(|s| s.completed).sum(),
            reminded: p.iter().map(|s| s.reminded).sum(),
            id: c.id,
            title: c.title,
            title_i18n: c.title_i18n,
        });
    }
    Ok(out)
}

/// (id, kind, title, title_i18n as stored: a JSON map) of every survey, by id.
pub async fn survey_titles(pool: &AnyPool) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, kind, title, title_i18n FROM surveys ORDER BY id").fetch_all(pool).await
}

/// (customer id, owner id) of every customer with an owner who has not left.
pub async fn owned_customers(pool: &AnyPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    // Owners who left are asked about by no one new.
    let rows = sqlx::query(
        "SELECT c.id, c.owner_id FROM customers c JOIN people p ON p.id = c.owner_id WHERE p.active = TRUE ORDER BY c.id",
    )
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("owner_id")?))).collect()
}
