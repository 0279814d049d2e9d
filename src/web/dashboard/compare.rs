//! `&compare=PERIOD` on the team view and on a person's report: each score beside the same
//! score over that period and the difference, with an arrow only where the two 95 % intervals
//! do not overlap (the page says so), so that nobody reads noise as change.
use super::*;
use crate::app::periods::{self, PeriodScores};
use crate::i18n::{AnalyticsText, analytics_text, fill};
use crate::scoring::GroupScore;
use crate::scoring::compare::{Direction, change};

/// The compared score, the difference, and an arrow with its words (never the arrow alone).
pub struct ChangeView {
    pub then: String,
    pub diff: String,
    pub arrow: &'static str,
    pub word: &'static str,
}

/// The period asked for, pooled (for one subject, or all), if one was asked for.
pub(super) async fn compared(
    app: &App,
    period: Option<&str>,
    subject: Option<&str>,
) -> app::Result<Option<PeriodScores>> {
    match period.filter(|p| !p.is_empty()) {
        Some(p) => periods::scores(app, p, subject).await.map(Some),
        None => Ok(None),
    }
}

fn view(a: &AnalyticsText, t: &DashText, now: &GroupScore, then: Option<&GroupScore>) -> ChangeView {
    let then_shown = then.map_or((None, None), |g| (g.score, g.ci95));
    let c = change((now.score, now.ci95), then_shown);
    let (arrow, word) = match c.direction {
        Some(Direction::Up) => ("↑", a.up),
        Some(Direction::Down) => ("↓", a.down),
        None => ("", ""),
    };
    ChangeView {
        then: match (c.then, then) {
            (Some(v), _) => format!("{v:.1}"),
            (None, Some(g)) => why(t, g.status).to_string(),
            (None, None) => why(t, Status::NoData).to_string(),
        },
        diff: c.diff.map(|d| format!("{d:+.1}")).unwrap_or_default(),
        arrow,
        word,
    }
}

/// An indicator's score as a group's (score, n, interval, status).
pub(super) fn whole(i: &IndicatorScore) -> GroupScore {
    GroupScore { score: i.score, n: i.n, sd: i.sd, ci95: i.ci95, withheld: i.withheld, status: i.status }
}

pub(super) fn of_indicator(locale: Locale, now: &IndicatorScore, then: Option<&IndicatorScore>) -> ChangeView {
    let then = then.map(whole);
    view(analytics_text(locale), crate::i18n::dash_text(locale), &whole(now), then.as_ref())
}

pub(super) fn of_group(locale: Locale, now: &GroupScore, then: Option<&GroupScore>) -> ChangeView {
    view(analytics_text(locale), crate::i18n::dash_text(locale), now, then)
}

/// What the page says about the comparison, if there is one.
pub(super) fn note(locale: Locale, compared: &Option<PeriodScores>) -> Option<String> {
    compared.as_ref().map(|p| fill(analytics_text(locale).compare_note, &[("period", &p.period)]))
}
