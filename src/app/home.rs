//! What a signed-in person's home lists about themselves: the cycles they were reviewed in,
//! newest first, each either released (their report) or still open (results at close).
use super::{App, Result, cycles};

/// A cycle this person was reviewed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCycle {
    pub id: String,
    pub title: String,
    pub title_i18n: std::collections::BTreeMap<String, String>,
    /// Closed, so their report is there to read.
    pub closed: bool,
    pub closes_at: i64,
}

impl MyCycle {
    /// The title in the reader's language.
    pub fn title_in(&self, locale: crate::domain::Locale) -> &str {
        crate::domain::cycle::title_in(&self.title, &self.title_i18n, locale)
    }
}

/// The cycles `person` was a subject of, the latest first.
pub async fn my_cycles(app: &App, person: &str, now: i64) -> Result<Vec<MyCycle>> {
    let mut mine = Vec::new();
    for id in crate::db::dashboard::cycles_of(&app.db.pool, person).await? {
        // Through the one place that decides "closed" (and releases a cycle that is due).
        let c = cycles::load(app, &id).await?;
        let closed = !c.is_open(now);
        mine.push(MyCycle { closed, id: c.id, title: c.title, title_i18n: c.title_i18n, closes_at: c.closes_at });
    }
    mine.reverse();
    Ok(mine)
}
