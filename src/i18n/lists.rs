//! The admin's lists instead of ids (issue 28): everyone asked for an anonymous review,
//! reissued or revoked by name without telling who answered, and the CSV preview's count of
//! refused rows (`locales/*/lists.ftl`).
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;

texts! {
    pub struct ListText {
        "lists" {
            anonymous_title: &'static str,
            anonymous_hint: &'static str,
            asked: Msg,
            nobody_asked: &'static str,
            reissue_if_open: &'static str,
            reissued_if_open: &'static str,
            rows_refused_one: Msg,
            rows_refused: Msg,
        }
    }
}

pub fn list_text(locale: Locale) -> &'static ListText {
    static TEXTS: PerLocale<ListText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, ListText::load)
}
