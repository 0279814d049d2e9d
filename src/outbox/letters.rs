//! The emails other than the invitation, as text: a subject line and the two bodies, from one
//! pair of templates per kind (`templates/email/<kind>.{txt,html}`) and the words of
//! `locales/*/email.ftl` and `notices.ftl`. [`super::email`] makes messages of them.
use crate::domain::Locale;
use crate::i18n::{Msg, fill};
use askama::Template;

/// The parts every email but the invitation has: whom it greets, what happened, a link to act
/// on, and the organisation that signs it. Each kind's templates lay them out.
pub struct Letter<'a> {
    pub lang: &'a str,
    pub subject: String,
    pub greeting: String,
    pub body: String,
    /// What the link is for ("Sign in to read your report:"), before it.
    pub action: &'a str,
    pub url: &'a str,
    /// A last line or a second link, by kind: the report's address, the page for later, what
    /// to do if the change was not asked for.
    pub more: String,
    pub more_url: &'a str,
    pub org: Option<&'a str>,
}

/// A letter ready to send: its subject line (before the organisation's name) and bodies.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! kind {
    ($txt:ident, $html:ident, $path_txt:literal, $path_html:literal) => {
        #[derive(Template)]
        #[template(path = $path_txt)]
        struct $txt<'a> {
            l: &'a Letter<'a>,
        }

        #[derive(Template)]
        #[template(path = $path_html)]
        struct $html<'a> {
            l: &'a Letter<'a>,
        }

        impl<'a> $txt<'a> {
            fn render_letter(l: Letter<'a>) -> Result<Rendered, askama::Error> {
                let (text, html) = ($txt { l: &l }.render()?, $html { l: &l }.render()?);
                Ok(Rendered { subject: l.subject, text, html })
            }
        }
    };
}

kind!(LoginTxt, LoginHtml, "email/login.txt", "email/login.html");
kind!(NominationTxt, NominationHtml, "email/nomination.txt", "email/nomination.html");
kind!(ResultsTxt, ResultsHtml, "email/results.txt", "email/results.html");
kind!(NoticeTxt, NoticeHtml, "email/notice.txt", "email/notice.html");
kind!(AddressTxt, AddressHtml, "email/address_changed.txt", "email/address_changed.html");

/// A letter greeting `vars`' `name`, its subject and body filled from `vars`.
fn letter<'a>(
    locale: Locale,
    (subject, body): (Msg, Msg),
    vars: &[(&str, &str)],
    (action, url): (&'a str, &'a str),
    org: Option<&'a str>,
) -> Letter<'a> {
    let e = crate::i18n::email_text(locale);
    Letter {
        lang: locale.as_str(),
        subject: fill(subject, vars),
        greeting: fill(e.greeting, vars),
        body: fill(body, vars),
        action,
        url,
        more: String::new(),
        more_url: "",
        org,
    }
}

/// A sign-in link: one link, for 15 minutes.
pub fn login(name: &str, locale: Locale, url: &str, org: Option<&str>) -> Result<Rendered, askama::Error> {
    let e = crate::i18n::email_text(locale);
    LoginTxt::render_letter(Letter {
        lang: locale.as_str(),
        subject: e.login_subject.to_string(),
        greeting: fill(e.login_greeting, &[("name", name)]),
        body: e.login_body.to_string(),
        action: "",
        url,
        more: e.login_expiry.to_string(),
        more_url: "",
        org,
    })
}

/// "Choose who reviews you": one sign-in link, and the page's own address for later.
/// `vars`: `name`, `cycle`, `min`, `max`, `later`.
pub fn nomination(
    locale: Locale,
    vars: &[(&str, &str)],
    url: &str,
    org: Option<&str>,
) -> Result<Rendered, askama::Error> {
    let e = crate::i18n::email_text(locale);
    NominationTxt::render_letter(Letter {
        more: fill(e.nomination_later, vars),
        ..letter(locale, (e.nomination_subject, e.nomination_body), vars, (e.nomination_action, url), org)
    })
}

/// "Your results are ready": where to sign in, and the report's address.
pub fn results(
    name: &str,
    cycle_title: &str,
    locale: Locale,
    (url, report): (&str, &str),
    org: Option<&str>,
) -> Result<Rendered, askama::Error> {
    let e = crate::i18n::email_text(locale);
    let vars = [("name", name), ("cycle", cycle_title)];
    ResultsTxt::render_letter(Letter {
        more: e.results_report.to_string(),
        more_url: report,
        ..letter(locale, (e.results_subject, e.results_body), &vars, (e.results_action, url), org)
    })
}

/// A step of the review loop: the page of the next step (`vars`' `url`).
pub fn notice(
    words: crate::i18n::Notice,
    vars: &[(&str, &str)],
    locale: Locale,
    org: Option<&str>,
) -> Result<Rendered, askama::Error> {
    let url = vars.iter().find(|(k, _)| *k == "url").map_or("", |(_, v)| *v);
    NoticeTxt::render_letter(letter(locale, (words.subject, words.body), vars, (words.action, url), org))
}

/// "The address we have for you was changed", to the old address: no link (a link in it would
/// be the first thing a hijacker wants to see).
pub fn address_changed(name: &str, locale: Locale, org: Option<&str>) -> Result<Rendered, askama::Error> {
    let e = crate::i18n::email_text(locale);
    let vars = [("name", name), ("org", org.unwrap_or("Candor"))];
    let body = e.address_changed_body;
    AddressTxt::render_letter(Letter {
        subject: e.address_changed_subject.to_string(),
        more: e.address_changed_warning.to_string(),
        ..letter(locale, (body, body), &vars, ("", ""), org)
    })
}

#[cfg(test)]
mod tests;
