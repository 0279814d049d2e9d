//! A review cycle and the rules that decide whether it is open.
use crate::domain::Locale;
use std::collections::BTreeMap;

/// A title in the reader's language: its translation when there is one, else the title.
pub fn title_in<'a>(title: &'a str, i18n: &'a BTreeMap<String, String>, locale: Locale) -> &'a str {
    i18n.get(locale.as_str()).map_or(title, String::as_str)
}

/// Translations as stored (`{"zh-CN": "…"}`); anything unreadable is none.
pub fn title_i18n_from_json(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}
/// Relation weights of the combined indicator score (CONTRACT §4.5); customers weigh 1, self 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub manager: f64,
    pub peer: f64,
    pub direct_report: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { manager: 1.0, peer: 1.0, direct_report: 1.0 }
    }
}

/// How many *other* people an anonymous answer is at least combined with: a group is shown
/// from `min_raters` people, the rater included (CONTRACT §10).
pub fn others_in_group(min_raters: i64) -> i64 {
    (min_raters - 1).max(1)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    pub id: String,
    pub title: String,
    /// The title in other languages: `{"zh-CN": "…"}`.
    pub title_i18n: BTreeMap<String, String>,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY` (CONTRACT §7).
    pub period: Option<String>,
    pub opens_at: i64,
    pub closes_at: i64,
    pub min_raters: i64,
    pub weights: Weights,
    /// Weights for subjects of a role, instead of `weights` (CONTRACT §8).
    pub weights_by_role: std::collections::BTreeMap<String, Weights>,
    pub remind_every_days: Option<i64>,
    pub max_reminders: Option<i64>,
    pub closed: bool,
}

impl Cycle {
    /// The title in the reader's language.
    pub fn title_in(&self, locale: Locale) -> &str {
        title_in(&self.title, &self.title_i18n, locale)
    }

    /// The weights that score a subject of this role.
    pub fn weights_for(&self, role: Option<&str>) -> &Weights {
        role.and_then(|r| self.weights_by_role.get(r)).unwrap_or(&self.weights)
    }

    /// Open until closed by a call or by reaching `closes_at`, whichever comes first.
    pub fn is_open(&self, now: i64) -> bool {
        !self.closed && now < self.closes_at
    }

    pub fn status(&self, now: i64) -> &'static str {
        if self.is_open(now) { "open" } else { "closed" }
    }
}
