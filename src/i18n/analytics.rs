//! Words of the analytics pages and exports (CONTRACT §13): the heatmap, comparisons with a
//! period, participation and the Excel workbook, in English and Simplified Chinese.
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;

texts! {
    pub struct AnalyticsText {
        "analytics" {
            heatmap_title: &'static str,
            /// `{what}`: a cycle's title or a period.
            heatmap_caption: Msg,
            participation_title: &'static str,
            /// `{what}`.
            participation_caption: Msg,
            analytics_links: &'static str,
            /// `{n}`.
            people: Msg,
            no_team: &'static str,
            show_relations: &'static str,
            hide_relations: &'static str,
            overall: &'static str,
            withheld: &'static str,
            /// `{why}`: a withheld cell's reason.
            withheld_because: Msg,
            /// `{cycles}`.
            pooled: Msg,
            /// `{cycles}`.
            left_out: Msg,
            nothing_pooled: &'static str,
            /// `{cycles}`: cycles in no month, quarter or year.
            no_period: Msg,
            /// `{period}`: one person's report pooled over a period.
            person_pooled: Msg,
            heatmap_note: &'static str,
            legend_title: &'static str,
            /// The five bands of the scale, lowest first, and what a hatched cell means.
            bands: [&'static str; 5],
            hatched: &'static str,
            /// `{team}`, `{indicator}`: a cell's link, for people who hear the page.
            open_team: Msg,
            download: &'static str,
            /// `{team}`.
            team_filter: Msg,
            all_teams: &'static str,
            cycle: &'static str,
            answered: &'static str,
            declined: &'static str,
            rate: &'static str,
            participation_note: &'static str,
            no_participation: &'static str,
            compare_label: &'static str,
            compare_none: &'static str,
            /// `{period}`.
            compare_note: Msg,
            /// `{period}`: the compared score's label.
            then: Msg,
            change: &'static str,
            up: &'static str,
            down: &'static str,
            /// A workbook's sheets: scores, participation.
            sheets: [&'static str; 2],
            score_headers: [&'static str; 16],
            /// A relation's two columns, each with `{relation}`: its score and its n.
            relation_columns: [Msg; 2],
            participation_headers: [&'static str; 7],
            /// A score's status in a workbook: ok, open, below_threshold, no_data.
            score_status: [&'static str; 4],
        }
    }
}

pub fn analytics_text(locale: Locale) -> &'static AnalyticsText {
    static TEXTS: PerLocale<AnalyticsText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, AnalyticsText::load)
}
