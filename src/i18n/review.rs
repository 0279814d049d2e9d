//! Words of the review loop (CONTRACT §9): the results-ready email, feedback on a report,
//! customer follow-up and answers taken by phone, and how to read a report.
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;

texts! {
    pub struct ReviewText {
        "review" {
            /// Between a label and its value (": " / "：").
            colon: &'static str = "colon",
            feedback: &'static str,
            strengths: &'static str,
            improvements: &'static str,
            next_steps: &'static str,
            save_draft: &'static str,
            /// The box ticked to share: `{name}`.
            confirm_share: Msg,
            confirm_needed: &'static str,
            amend: &'static str,
            amend_button: &'static str,
            /// `{date}`.
            amended_on: Msg,
            amended_done: &'static str,
            /// `{name}`.
            share_with: Msg,
            draft_saved: &'static str,
            shared_done: &'static str,
            /// `{name}`, `{date}`.
            shared_by: Msg,
            acked_done: &'static str,
            reply_label: &'static str,
            acknowledge: &'static str,
            /// `{date}`.
            acknowledged_on: Msg,
            awaiting_ack: &'static str,
            no_feedback: &'static str,
            feedback_empty: &'static str,
            followups_title: &'static str,
            followups_intro: &'static str,
            followups_none: &'static str,
            salesperson: &'static str,
            contact: &'static str,
            followed_up: &'static str,
            mark_followed: &'static str,
            note_label: &'static str,
            /// `{name}`, `{date}`.
            followed_by: Msg,
            by_phone: &'static str,
            phone_title: &'static str,
            phone_intro: &'static str,
            phone_none: &'static str,
            enter_answers: &'static str,
            /// `{customer}`, `{subject}`.
            phone_form_intro: Msg,
            phone_saved: &'static str,
            nav_followups: &'static str,
            how_to_read: &'static str,
            how_scale: &'static str,
            how_interval: &'static str,
            how_hidden: &'static str,
            how_gap: &'static str,
            empty_report: &'static str,
            print: &'static str,
            by_question: &'static str,
            csat: &'static str,
            nps: &'static str,
        }
    }
}

pub fn review_text(locale: Locale) -> &'static ReviewText {
    static TEXTS: PerLocale<ReviewText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, ReviewText::load)
}
