//! Words of the rater's flow beyond one form (drafts, declining, the next review, `/me`) and of
//! peer nomination, in English and Simplified Chinese.
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::{Locale, Relation};

texts! {
    pub struct FlowText {
        "flow" {
            save_later: &'static str,
            saved_title: &'static str,
            saved_body: &'static str,
            draft_restored: &'static str,
            decline_link: &'static str,
            decline_title: &'static str,
            /// `{subject}`.
            decline_body: Msg,
            decline_reason: &'static str,
            decline_confirm: &'static str,
            back_to_form: &'static str,
            declined_title: &'static str,
            declined_body: &'static str,
            /// `{done}`, `{total}`.
            progress: Msg,
            /// `{name}`.
            next_is: Msg,
            next_button: &'static str,
            all_done: &'static str,
            received: &'static str,
            me_title: &'static str,
            me_intro: &'static str,
            me_none: &'static str,
            me_write: &'static str,
            my_reviews: &'static str,
            my_results: &'static str,
            my_results_none: &'static str,
            /// A cycle still open on the home page: `{day}`, the day it closes.
            result_open: Msg,
            result_ready: &'static str,
            my_team: &'static str,
            my_team_body: &'static str,
            my_team_link: &'static str,
            /// One's own report while the cycle is open: `{day}`.
            own_pending: Msg,
            state_open: &'static str,
            state_done: &'static str,
            state_declined: &'static str,
            state_elsewhere: &'static str,
            nominate_title: &'static str,
            /// `{min}`, `{max}`, `{cycle}`.
            nominate_intro: Msg,
            nominate_submit: &'static str,
            /// `{min}`, `{max}`.
            nominate_count: Msg,
            nominate_sent: &'static str,
            nominate_todo: &'static str,
            no_team: &'static str,
            /// `{name}`.
            approve_title: Msg,
            approve_intro: &'static str,
            approve_button: &'static str,
            approvals_title: &'static str,
            /// `{n}`.
            approved_sent: Msg,
            /// `{k}`.
            approved_small: Msg,
            status_open: &'static str,
            status_submitted: &'static str,
            status_approved: &'static str,
            /// What a rater is asked for, by relation.
            kind_self: &'static str,
            kind_manager: &'static str,
            kind_peer: &'static str,
            kind_direct_report: &'static str,
            kind_customer: &'static str,
        }
    }
}

pub fn flow_text(locale: Locale) -> &'static FlowText {
    static TEXTS: PerLocale<FlowText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, FlowText::load)
}

/// What a rater is asked for, from their side ("Peer review", "Your self-review").
pub fn review_kind(locale: Locale, relation: Relation) -> &'static str {
    let t = flow_text(locale);
    match relation {
        Relation::SelfReview => t.kind_self,
        Relation::Manager => t.kind_manager,
        Relation::Peer => t.kind_peer,
        Relation::DirectReport => t.kind_direct_report,
        Relation::Customer => t.kind_customer,
    }
}
