//! Feedback on a person's report: the section the report shows, and its two forms — a
//! manager's (save or share) and the subject's acknowledgement.
use super::*;
use crate::app::feedback::{self, Feedback, Texts};
use crate::i18n::{ReviewText, fill, review_text};
use crate::web::extract::CsrfForm;
use axum::response::Redirect;

pub struct SharedView {
    pub author_id: String,
    pub from: String,
    pub strengths: String,
    pub improvements: String,
    pub next_steps: String,
    /// "Acknowledged on …", once acknowledged.
    pub ack: Option<String>,
    pub reply: Option<String>,
    /// The subject is reading, and it waits for their acknowledgement.
    pub can_ack: bool,
    /// "Amended on …", once amended.
    pub amended: Option<String>,
    /// The author is reading: they may amend it.
    pub mine: bool,
}

#[derive(Default)]
pub struct Draft {
    pub strengths: String,
    pub improvements: String,
    pub next_steps: String,
}

pub struct FeedbackSection {
    pub shared: Vec<SharedView>,
    /// The viewer may write (a manager or admin whose feedback is not shared yet).
    pub can_write: bool,
    pub draft: Draft,
    pub share_label: String,
    pub confirm_label: String,
    pub action: String,
    pub ack_action: String,
    pub flash: Option<String>,
    pub error: bool,
}

/// A day on the organisation's calendar.
fn day(app: &App, secs: i64) -> String {
    app.calendar.day(secs)
}

/// The feedback section of a closed cycle's report.
pub(super) async fn section(
    app: &App,
    viewer: &Viewer,
    cycle: &Cycle,
    subject: (&str, &str),
    locale: Locale,
    flash: Option<&str>,
) -> app::Result<FeedbackSection> {
    let (subject_id, subject_name) = subject;
    let r = review_text(locale);
    let all = feedback::on_report(app, viewer, cycle, subject_id).await?;
    let mine = all.iter().find(|f| f.author_id == viewer.person_id && f.shared_at.is_none());
    let shared_mine = all.iter().any(|f| f.author_id == viewer.person_id && f.shared_at.is_some());
    let can_write = !shared_mine && feedback::may_write(app, viewer, cycle, subject_id).await?;
    let is_subject = viewer.person_id == subject_id;
    let shared = all
        .iter()
        .filter(|f| f.shared_at.is_some())
        .map(|f| shared_view(app, f, r, is_subject, f.author_id == viewer.person_id))
        .collect();
    let base = format!("/dashboard/people/{}/feedback", urlencode(subject_id));
    Ok(FeedbackSection {
        shared,
        can_write,
        draft: mine
            .map(|f| Draft {
                strengths: f.strengths.clone(),
                improvements: f.improvements.clone(),
                next_steps: f.next_steps.clone(),
            })
            .unwrap_or_default(),
        share_label: fill(r.share_with, &[("name", subject_name)]),
        confirm_label: fill(r.confirm_share, &[("name", subject_name)]),
        ack_action: format!("{base}/ack"),
        action: base,
        flash: match flash {
            Some("saved") => Some(r.draft_saved),
            Some("shared") => Some(r.shared_done),
            Some("empty") => Some(r.feedback_empty),
            Some("acked") => Some(r.acked_done),
            Some("amended") => Some(r.amended_done),
            Some("confirm") => Some(r.confirm_needed),
            _ => None,
        }
        .map(str::to_string),
        error: matches!(flash, Some("empty" | "confirm")),
    })
}

fn shared_view(app: &App, f: &Feedback, r: &ReviewText, is_subject: bool, mine: bool) -> SharedView {
    SharedView {
        author_id: f.author_id.clone(),
        from: fill(r.shared_by, &[("name", &f.author_name), ("date", &day(app, f.shared_at.unwrap_or_default()))]),
        strengths: f.strengths.clone(),
        improvements: f.improvements.clone(),
        next_steps: f.next_steps.clone(),
        ack: f.acknowledged_at.map(|a| fill(r.acknowledged_on, &[("date", &day(app, a))])),
        reply: f.reply.clone(),
        can_ack: is_subject && f.acknowledged_at.is_none(),
        amended: f.amended_at.map(|a| fill(r.amended_on, &[("date", &day(app, a))])),
        mine,
    }
}

#[derive(Deserialize)]
pub(super) struct FeedbackForm {
    cycle: String,
    #[serde(default)]
    strengths: String,
    #[serde(default)]
    improvements: String,
    #[serde(default)]
    next_steps: String,
    #[serde(default)]
    action: String,
    /// Ticked to share (or amend): sharing emails the subject.
    #[serde(default)]
    confirm: Option<String>,
}

fn back(person: &str, cycle: &str, lang: &str, fb: &str) -> Response {
    let to = format!("/dashboard/people/{}?cycle={}&lang={lang}&fb={fb}#feedback", urlencode(person), urlencode(cycle));
    Redirect::to(&to).into_response()
}

/// `POST /dashboard/people/{person}/feedback`: save the viewer's draft, or share it.
pub(super) async fn save(State(app): State<App>, Path(person): Path<String>, f: CsrfForm<FeedbackForm>) -> Response {
    let (who, form) = (f.who, f.form);
    let cycle = match cycles::load(&app, &form.cycle).await {
        Ok(c) => c,
        Err(e) => return app_error(e, who.locale),
    };
    let share = form.action == "share";
    let texts = Texts { strengths: &form.strengths, improvements: &form.improvements, next_steps: &form.next_steps };
    if share && form.confirm.as_deref() != Some("on") {
        // Kept as a draft, so nothing typed is lost; sharing waits for the box to be ticked.
        return match feedback::save(&app, &who.viewer, &cycle, &person, &texts, false).await {
            Ok(_) => back(&person, &cycle.id, who.t.lang, "confirm"),
            Err(e) if e.code() == "feedback_shared" => back(&person, &cycle.id, who.t.lang, "confirm"),
            Err(e) => app_error(e, who.locale),
        };
    }
    match feedback::save(&app, &who.viewer, &cycle, &person, &texts, share).await {
        Ok(saved) => back(&person, &cycle.id, who.t.lang, flash_of(saved)),
        Err(e) if e.code() == "feedback_empty" => back(&person, &cycle.id, who.t.lang, "empty"),
        // Refused: the report again, saying why, with the words as typed.
        Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
            let draft =
                Draft { strengths: form.strengths, improvements: form.improvements, next_steps: form.next_steps };
            let error = crate::web::pages::refusal_text(&e, who.locale);
            let refused =
                super::person::RefusedFeedback { status: crate::web::pages::status_of(e.kind()), draft, error };
            let dq = DashQuery { cycle: Some(cycle.id.clone()), ..DashQuery::default() };
            super::person::render(&app, &who, &person, &dq, Some(refused)).await
        }
        Err(e) => app_error(e, who.locale),
    }
}

fn flash_of(saved: feedback::Saved) -> &'static str {
    match saved {
        feedback::Saved::Shared => "shared",
        feedback::Saved::Amended => "amended",
        feedback::Saved::Draft | feedback::Saved::Refused => "saved",
    }
}

#[derive(Deserialize)]
pub(super) struct AckForm {
    cycle: String,
    author: String,
    #[serde(default)]
    reply: String,
}

/// `POST /dashboard/people/{person}/feedback/ack`: the subject acknowledges one author's feedback.
pub(super) async fn acknowledge(State(app): State<App>, Path(person): Path<String>, f: CsrfForm<AckForm>) -> Response {
    let (who, form) = (f.who, f.form);
    if person != who.viewer.person_id {
        return not_found(who.locale);
    }
    match feedback::acknowledge(&app, &who.viewer, &form.cycle, &form.author, &form.reply).await {
        Ok(()) => back(&person, &form.cycle, who.t.lang, "acked"),
        Err(e) => app_error(e, who.locale),
    }
}
