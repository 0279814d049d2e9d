//! Building emails from templates: a subject, a plain-text body and an HTML body, one pair of
//! templates per kind (`templates/email/<kind>.{txt,html}`), words from `locales/*/email.ftl`.
use super::letters;
use crate::domain::Locale;
use crate::i18n::{DashText, Text};
use askama::Template;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// One review the email asks for, with its own link.
pub struct EmailItem {
    pub intro: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationText<'a> {
    t: &'a Text,
    greeting: &'a str,
    items: &'a [EmailItem],
    notes: &'a [String],
    personal: &'a str,
    unsubscribe_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    t: &'a Text,
    subject: &'a str,
    greeting: &'a str,
    items: &'a [EmailItem],
    notes: &'a [String],
    personal: &'a str,
    unsubscribe_url: Option<&'a str>,
}

/// An invitation or reminder: one respondent, one or more reviews.
/// Owned, so it can be rendered on a blocking thread.
pub struct InvitationEmail {
    pub t: &'static Text,
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub greeting: String,
    pub items: Vec<EmailItem>,
    pub notes: Vec<String>,
    /// "This link is personal …, it works until" the local day and time it closes.
    pub personal: String,
    pub unsubscribe_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("address: {0}")]
    Address(#[from] lettre::address::AddressError),
}

pub fn invitation(e: &InvitationEmail, from: &Mailbox) -> Result<Message, ComposeError> {
    let text = InvitationText {
        t: e.t,
        greeting: &e.greeting,
        items: &e.items,
        notes: &e.notes,
        personal: &e.personal,
        unsubscribe_url: e.unsubscribe_url.as_deref(),
    }
    .render()?;
    let html = InvitationHtml {
        t: e.t,
        subject: &e.subject,
        greeting: &e.greeting,
        items: &e.items,
        notes: &e.notes,
        personal: &e.personal,
        unsubscribe_url: e.unsubscribe_url.as_deref(),
    }
    .render()?;
    let to = Mailbox::new(Some(e.to_name.to_string()), e.to_email.parse()?);
    let mut builder = Message::builder().from(from.clone()).to(to).subject(e.subject.clone()).message_id(None);
    if let Some(u) = &e.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{u}>")))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(text, html))?)
}

/// Who an email comes from: the sender's mailbox, and the organisation it is sent for (which
/// leads the subject, so a request can be told from phishing).
pub struct Sender<'a> {
    pub from: &'a Mailbox,
    pub org: Option<&'a str>,
}

/// A subject line, after the organisation's name when one is configured.
pub fn subject_for(org: Option<&str>, subject: &str, colon: &str) -> String {
    match org {
        Some(org) => format!("{org}{colon}{subject}"),
        None => subject.to_string(),
    }
}

/// A message of a letter: its subject after the organisation's name, text and HTML bodies.
fn letter_message(
    r: super::letters::Rendered,
    locale: Locale,
    (name, email): (&str, &str),
    sender: &Sender<'_>,
) -> Result<Message, ComposeError> {
    let to = Mailbox::new(Some(name.to_string()), email.parse()?);
    Ok(Message::builder()
        .from(sender.from.clone())
        .to(to)
        .subject(subject_for(sender.org, &r.subject, crate::i18n::colon(locale)))
        .message_id(None)
        .multipart(MultiPart::alternative_plain_html(r.text, r.html))?)
}

/// A sign-in link email: one link, for 15 minutes.
pub fn login(name: &str, email: &str, t: &DashText, url: &str, sender: &Sender<'_>) -> Result<Message, ComposeError> {
    let locale = Locale::parse(t.lang).unwrap_or_default();
    letter_message(letters::login(name, locale, url, sender.org)?, locale, (name, email), sender)
}

/// "Choose who reviews you": one sign-in link, and the page's own address for later.
pub fn nomination(
    name: &str,
    email: &str,
    n: &crate::app::delivery::Nomination,
    locale: Locale,
    (url, later): (&str, &str),
    sender: &Sender<'_>,
) -> Result<Message, ComposeError> {
    let (min, max) = (n.min_peers.to_string(), n.max_peers.to_string());
    let vars = [
        ("name", name),
        ("cycle", crate::domain::cycle::title_in(&n.cycle_title, &n.cycle_title_i18n, locale)),
        ("min", &min),
        ("max", &max),
        ("later", later),
    ];
    letter_message(letters::nomination(locale, &vars, url, sender.org)?, locale, (name, email), sender)
}

/// "Your results are ready": where to sign in, and the report's address.
pub fn results(
    name: &str,
    email: &str,
    cycle_title: &str,
    locale: Locale,
    urls: (&str, &str),
    sender: &Sender<'_>,
) -> Result<Message, ComposeError> {
    letter_message(letters::results(name, cycle_title, locale, urls, sender.org)?, locale, (name, email), sender)
}

/// A step of the review loop: the page of the next step.
pub fn notice(
    name: &str,
    email: &str,
    words: crate::i18n::Notice,
    vars: &[(&str, &str)],
    locale: Locale,
    sender: &Sender<'_>,
) -> Result<Message, ComposeError> {
    letter_message(letters::notice(words, vars, locale, sender.org)?, locale, (name, email), sender)
}

/// "The address we have for you was changed", to the old address: no link.
pub fn address_changed(
    notice: &crate::db::outbox::AddressChanged,
    locale: Locale,
    sender: &Sender<'_>,
) -> Result<Message, ComposeError> {
    let r = letters::address_changed(&notice.name, locale, sender.org)?;
    letter_message(r, locale, (&notice.name, &notice.to), sender)
}
