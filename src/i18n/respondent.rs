//! Every word a respondent reads on a survey's pages, and the invitation email's words, in
//! English and Simplified Chinese (`locales/*/respondent.ftl`, `email.ftl`).
//! `{ $subject }`, `{ $cycle }`, `{ $name }`, `{ $n }` and `{ $until }` are filled in by the
//! caller ([`super::fill`]) before escaping.
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::{Locale, Relation};

texts! {
    pub struct Text {
        "respondent" {
            lang: &'static str = "lang",
            other_lang: &'static str = "other-lang",
            other_lang_name: &'static str = "other-lang-name",
            submit: &'static str,
            required: &'static str,
            optional: &'static str,
            errors_summary: &'static str,
            err_required: &'static str,
            err_not_a_choice: &'static str,
            err_too_long: &'static str,
            err_invalid_characters: &'static str,
            err_duplicated: &'static str,
            nps_low: &'static str,
            nps_high: &'static str,
            cant_judge: &'static str,
            pick_any: &'static str,
            scale_low: &'static str,
            scale_high: &'static str,
            text_hint: &'static str,
            intro_customer: Msg,
            intro_self: Msg,
            intro_manager: Msg,
            intro_peer: Msg,
            intro_direct_report: Msg,
            note_anonymous: Msg,
            note_attributed: Msg,
            note_self: Msg,
            note_customer: Msg,
            note_customer_anonymous: Msg,
            /// Who asks, when no organisation name is configured.
            org_fallback: &'static str,
            /// `{org}`: above a survey, and in every email.
            asked_by: Msg,
            thanks_title: &'static str,
            thanks_body: &'static str,
            done_title: &'static str,
            done_body: &'static str,
            closed_title: &'static str,
            closed_body: &'static str,
            not_found_title: &'static str,
            not_found_body: &'static str,
            too_many_title: &'static str,
            too_many_body: &'static str,
            busy_title: &'static str,
            full_title: &'static str,
            full_body: &'static str,
            busy_body: &'static str,
            error_title: &'static str,
            too_large_title: &'static str,
            too_large_body: &'static str,
            error_body: &'static str,
            back_home: &'static str,
            unsub_title: &'static str,
            unsub_body: Msg,
            unsub_button: &'static str,
            unsub_done_title: &'static str,
            unsub_done_body: &'static str,
            email_subject_customer: Msg = "invitation-subject-customer",
            email_subject_review: Msg = "invitation-subject-review",
            email_subject_self: Msg = "invitation-subject-self",
            email_subject_many: Msg = "invitation-subject-many",
            email_reminder: &'static str = "invitation-reminder",
            email_greeting: Msg = "email-greeting",
            email_button: &'static str = "invitation-button",
            email_personal: Msg = "invitation-personal",
            email_unsubscribe: &'static str = "email-unsubscribe",
        }
    }
}

pub fn text(locale: Locale) -> &'static Text {
    static TEXTS: PerLocale<Text> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, Text::load)
}

impl Text {
    pub fn intro(&self, relation: Relation) -> Msg {
        match relation {
            Relation::Customer => self.intro_customer,
            Relation::SelfReview => self.intro_self,
            Relation::Manager => self.intro_manager,
            Relation::Peer => self.intro_peer,
            Relation::DirectReport => self.intro_direct_report,
        }
    }

    pub fn email_subject(&self, relation: Relation) -> Msg {
        match relation {
            Relation::Customer => self.email_subject_customer,
            Relation::SelfReview => self.email_subject_self,
            _ => self.email_subject_review,
        }
    }

    /// Who will see the answers (`{org}`, `{subject}`, `{n}`): the privacy line of a survey page
    /// and an invitation email.
    pub fn note(&self, relation: Relation, anonymous: bool) -> Msg {
        match relation {
            Relation::Customer if anonymous => self.note_customer_anonymous,
            Relation::Customer => self.note_customer,
            _ if anonymous => self.note_anonymous,
            Relation::SelfReview => self.note_self,
            _ => self.note_attributed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fill;
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let vars = [("subject", "Li Na"), ("cycle", "Q4")];
        assert_eq!(fill(text(Locale::En).email_subject_review, &vars), "Your review of Li Na — Q4");
        let vars = [("subject", "李娜"), ("cycle", "Q4")];
        assert_eq!(fill(text(Locale::ZhCn).email_subject_review, &vars), "请评价 李娜 — Q4");
    }

    /// A value is put in once and never read again: a person named `{org}` or `{ $name }`
    /// stays so named, in both languages.
    #[test]
    fn a_value_is_never_filled_again() {
        for name in ["{org}", "{ $name }", "{ $subject }", "{$cycle}", "{{n}}"] {
            let vars = [("subject", name), ("cycle", "Q4"), ("org", "Acme"), ("name", "X")];
            assert_eq!(fill(text(Locale::En).email_subject_review, &vars), format!("Your review of {name} — Q4"));
            assert_eq!(fill(text(Locale::ZhCn).email_subject_review, &vars), format!("请评价 {name} — Q4"));
            let vars = [("org", name)];
            assert_eq!(
                fill(text(Locale::En).asked_by, &vars),
                format!("Sent for {name} by Candor, its survey service.")
            );
        }
    }

    /// Fluent would wrap each value in U+2068 … U+2069 for right-to-left scripts; here no mark
    /// may travel into an email or a page.
    #[test]
    fn no_isolation_marks() {
        let out = fill(text(Locale::En).intro_peer, &[("subject", "Li Na"), ("cycle", "Q4")]);
        assert_eq!(out, "Please review your colleague Li Na for Q4.");
        assert!(!out.contains(['\u{2068}', '\u{2069}']));
    }
}
