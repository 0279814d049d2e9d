//! Building emails from templates: a subject, a plain-text body and an HTML body.
use crate::db::invitations::InvitationInfo;
use crate::web::i18n::{Text, fill};
use askama::Template;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationText<'a> {
    t: &'a Text,
    greeting: &'a str,
    intro: &'a str,
    note: &'a str,
    url: &'a str,
    unsubscribe_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    t: &'a Text,
    subject: &'a str,
    greeting: &'a str,
    intro: &'a str,
    note: &'a str,
    url: &'a str,
    unsubscribe_url: Option<&'a str>,
}

pub struct InvitationEmail<'a> {
    pub info: &'a InvitationInfo,
    pub t: &'a Text,
    pub anonymous: bool,
    pub min_raters: i64,
    pub url: &'a str,
    pub unsubscribe_url: Option<&'a str>,
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

pub fn invitation(e: &InvitationEmail<'_>, from: &Mailbox) -> Result<Message, ComposeError> {
    let info = e.info;
    let vars = [
        ("subject", info.subject_name.as_str()),
        ("cycle", info.cycle_title.as_str()),
        ("name", info.respondent_name.as_str()),
        ("n", &e.min_raters.to_string()),
    ];
    let subject = fill(e.t.email_subject(info.relation), &vars);
    let greeting = fill(e.t.email_greeting, &vars);
    let intro = fill(e.t.intro(info.relation), &vars);
    let note = fill(e.t.note(info.relation, e.anonymous), &vars);
    let text = InvitationText {
        t: e.t,
        greeting: &greeting,
        intro: &intro,
        note: &note,
        url: e.url,
        unsubscribe_url: e.unsubscribe_url,
    }
    .render()?;
    let html = InvitationHtml {
        t: e.t,
        subject: &subject,
        greeting: &greeting,
        intro: &intro,
        note: &note,
        url: e.url,
        unsubscribe_url: e.unsubscribe_url,
    }
    .render()?;
    let to = Mailbox::new(Some(info.respondent_name.clone()), info.respondent_email.parse()?);
    let mut builder = Message::builder().from(from.clone()).to(to).subject(subject).message_id(None);
    if let Some(u) = e.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{u}>")))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(text, html))?)
}
