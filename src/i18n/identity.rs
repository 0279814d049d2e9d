//! Words of sign-in through the identity provider and of the people directory
//! (`/admin/people`), in English and Simplified Chinese.
use super::bundle::{Msg, PerLocale, cached, texts};
use crate::domain::Locale;

texts! {
    pub struct IdentityText {
        "identity" {
            /// "Sign in with {name}".
            sign_in_with: Msg,
            /// The provider's name when the configuration gives none.
            your_organisation: &'static str,
            or_by_email: &'static str,
            refused_title: &'static str,
            /// `{email}`: the address the provider vouched for.
            unknown_body: Msg,
            email_unverified_body: &'static str,
            expired_body: &'static str,
            mismatch_body: &'static str,
            /// `{name}`: the provider.
            declined_body: Msg,
            unverified_body: Msg,
            unreachable_body: Msg,
            links_off_body: &'static str,
            too_many_sign_ins: &'static str,
            people_title: &'static str,
            people_intro: &'static str,
            search_label: &'static str,
            search_button: &'static str,
            people_count: Msg,
            page_of: Msg,
            previous: &'static str,
            next: &'static str,
            no_people: &'static str,
            reports_to: &'static str,
            manages: &'static str,
            no_manager: &'static str,
            inactive: &'static str,
            edit_person: &'static str,
            name_label: &'static str,
            email_label: &'static str,
            manager_label: &'static str,
            team_label: &'static str,
            role_label: &'static str,
            role_hint: &'static str,
            active_label: &'static str,
            confirm_deactivate: &'static str,
            save: &'static str,
            saved: Msg,
            deactivate_unconfirmed: &'static str,
            err_invalid_id: &'static str,
            weights_by_role: &'static str,
            weights_by_role_hint: &'static str,
            save_weights: &'static str,
            weights_saved: &'static str,
            err_weights: &'static str,
            weights_closed: &'static str,
            no_roles: &'static str,
            /// Between names in a list.
            list_sep: &'static str = "list-sep",
            /// `{m}`, `{p}`, `{d}`: the cycle's own weights.
            weights_default: Msg,
        }
    }
}

pub fn identity_text(locale: Locale) -> &'static IdentityText {
    static TEXTS: PerLocale<IdentityText> = [const { std::sync::OnceLock::new() }; 2];
    cached(&TEXTS, locale, IdentityText::load)
}
