//! The review loop's notices by email (`app::notices`): subject line, body and what to do on
//! the linked page, of each step (`locales/*/notices.ftl`). Placeholders: `{ $name }` (the
//! reader), `{ $cycle }`, `{ $subject }` (whom the step is about), `{ $author }` (who wrote the
//! feedback).
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;
use crate::domain::loop_event::Event;

texts! {
    pub struct NoticeText {
        "notice" {
            feedback_shared_subject: Msg,
            feedback_shared_body: Msg,
            feedback_shared_action: &'static str,
            feedback_amended_subject: Msg,
            feedback_amended_body: Msg,
            feedback_amended_action: &'static str,
            feedback_acknowledged_subject: Msg,
            feedback_acknowledged_body: Msg,
            feedback_acknowledged_action: &'static str,
            nomination_submitted_subject: Msg,
            nomination_submitted_body: Msg,
            nomination_submitted_action: &'static str,
            nomination_approved_subject: Msg,
            nomination_approved_body: Msg,
            nomination_approved_action: &'static str,
        }
    }
}

/// The words of one notice.
#[derive(Clone, Copy)]
pub struct Notice {
    pub subject: Msg,
    pub body: Msg,
    /// Before the link to the page.
    pub action: &'static str,
}

/// The notice of `event` in `locale`.
pub fn notice_text(locale: Locale, event: Event) -> Notice {
    static TEXTS: PerLocale<NoticeText> = [const { std::sync::OnceLock::new() }; 2];
    let t = cached(&TEXTS, locale, NoticeText::load);
    let (subject, body, action) = match event {
        Event::FeedbackShared => (t.feedback_shared_subject, t.feedback_shared_body, t.feedback_shared_action),
        Event::FeedbackAmended => (t.feedback_amended_subject, t.feedback_amended_body, t.feedback_amended_action),
        Event::FeedbackAcknowledged => {
            (t.feedback_acknowledged_subject, t.feedback_acknowledged_body, t.feedback_acknowledged_action)
        }
        Event::NominationSubmitted => {
            (t.nomination_submitted_subject, t.nomination_submitted_body, t.nomination_submitted_action)
        }
        Event::NominationApproved => {
            (t.nomination_approved_subject, t.nomination_approved_body, t.nomination_approved_action)
        }
    };
    Notice { subject, body, action }
}
