//! Every word a person reads, in English and Simplified Chinese, and how a page's language is
//! chosen. Used by the pages (`web`) and the emails (`outbox`) alike. The words themselves are
//! in `locales/<language>/<area>.ftl` (Fluent), compiled into the binary ([`bundle`]); the
//! modules here give the code its typed view of them.
pub mod analytics;
pub mod audit;
pub mod bundle;
pub mod calendar;
pub mod email;
pub mod errors;
pub mod flow;
pub mod identity;
pub mod lists;
pub mod manager;
pub mod notices;
pub mod respondent;
pub mod review;

use crate::domain::Locale;

pub use analytics::{AnalyticsText, analytics_text};
pub use bundle::{Msg, fill};
pub use email::{EmailText, email_text};
pub use errors::{error_text, refusal, row_refusal};
pub use flow::{FlowText, flow_text, review_kind};
pub use identity::{IdentityText, identity_text};
pub use lists::{ListText, list_text};
pub use manager::{DashText, dash_text, indicator_label, relation_label};
pub use notices::{Notice, notice_text};

/// A label and what it names, joined as the language writes it: "Sales: Li Na", "销售：李娜"
/// (`colon` in `locales/*/common.ftl`).
pub fn colon(locale: Locale) -> &'static str {
    dash_text(locale).colon
}
pub use respondent::{Text, text};
pub use review::{ReviewText, review_text};

/// The page's own switch (`?lang=`) first, then the person's stored locale, then the browser's
/// `Accept-Language`.
pub fn negotiate(asked: Option<&str>, stored: Option<&str>, accept_language: Option<&str>) -> Locale {
    asked.and_then(|l| Locale::parse(l).ok()).unwrap_or_else(|| Locale::choose(stored, accept_language))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_wins_then_the_person_then_the_browser() {
        assert_eq!(negotiate(Some("zh-CN"), Some("en"), Some("en")), Locale::ZhCn);
        assert_eq!(negotiate(Some("xx"), Some("zh-CN"), Some("en")), Locale::ZhCn);
        assert_eq!(negotiate(None, None, Some("zh-CN,zh;q=0.9")), Locale::ZhCn);
        assert_eq!(negotiate(None, None, None), Locale::En);
    }
}
