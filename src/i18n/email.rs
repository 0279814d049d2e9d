//! The words of every email but the invitation (whose words are in [`super::Text`]): a
//! sign-in link, "choose your reviewers", "your results are ready", "your address was
//! changed" (`locales/*/email.ftl`). The review loop's notices are in [`super::notices`].
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;

texts! {
    pub struct EmailText {
        "email" {
            /// `{ $name }`.
            greeting: Msg,
        }
        "" {
            login_subject: &'static str,
            /// `{ $name }`.
            login_greeting: Msg,
            login_body: &'static str,
            login_expiry: &'static str,
            /// `{ $cycle }`.
            nomination_subject: Msg,
            /// `{ $cycle }`, `{ $min }`, `{ $max }`.
            nomination_body: Msg,
            nomination_action: &'static str,
            /// `{ $later }`.
            nomination_later: Msg,
            /// `{ $cycle }`.
            results_subject: Msg,
            /// `{ $cycle }`.
            results_body: Msg,
            results_action: &'static str,
            results_report: &'static str,
            address_changed_subject: &'static str,
            /// `{ $org }`.
            address_changed_body: Msg,
            address_changed_warning: &'static str,
        }
    }
}

pub fn email_text(locale: Locale) -> &'static EmailText {
    static TEXTS: PerLocale<EmailText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, EmailText::load)
}
