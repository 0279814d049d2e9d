//! What a signed-in person's home lists about themselves: the cycles they were reviewed in,
//! newest first, each either released (their report) or still open (results at close).
use super::{App, Result, cycles};

/// A cycle this person was reviewed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCycle {
    pub id: String,
    pub title: String,
    /// Closed, so their report is there to read.
    pub closed: bool,
    pub closes_at: i64,
}

/// The cycles `person` was a subject of, the latest first.
pub async fn my_cycles(app: &App, person: &str, now: i64) -> Result<Vec<MyCycle>> {
    let mut mine = Vec::new();
    for id in crate::db::dashboard::cycles_of(&app.db.pool, person).await? {
        // Through the one place that decides "closed" (and releases a cycle that is due).
        let c = cycles::load(app, &id).await?;
        mine.push(MyCycle { closed: !c.is_open(now), id: c.id, title: c.title, closes_at: c.closes_at });
    }
    mine.reverse();
    Ok(mine)
}
