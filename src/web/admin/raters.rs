//! `/admin/cycles/{cycle}/raters`: who has not answered their self and manager reviews, with a
//! "remind this person" action. Anonymous relations show counts only, never names.
use super::show_error;
use crate::app;
use crate::app::invitations::{Deliver, RespondentInput};
use crate::app::revocation::{self, InvitationRef};
use crate::app::{App, reminders};
use crate::i18n::{DashText, relation_label};
use crate::web::extract::{AdminForm, AdminViewer, SignedIn};
use crate::web::nav::{Nav, nav};
use crate::web::pages::{Html, app_error, refusal_text, status_of};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct Line {
    /// The person asked (empty for a customer, who is reminded with the cycle's reminders).
    rater_id: String,
    customer_id: String,
    rater: String,
    survey_id: String,
    subject_id: String,
    subject: String,
    relation: &'static str,
    /// The first line of each person carries the remind button.
    first: bool,
}

/// One subject of the anonymous list: everyone asked about them, each line alike.
struct Asked {
    /// The subject's name and how many were asked.
    summary: String,
    lines: Vec<Line>,
}

struct Count {
    relation: &'static str,
    invited: i64,
    answered: i64,
    declined: i64,
}

#[derive(Template)]
#[template(path = "admin/raters.html")]
struct RatersPage<'a> {
    t: &'a DashText,
    f: &'a crate::i18n::FlowText,
    page_title: String,
    nav: Nav,
    csrf: String,
    cycle_id: String,
    flash: Option<String>,
    lines: Vec<Line>,
    /// Everyone asked for an anonymous review, by subject.
    asked: Vec<Asked>,
    l: &'a crate::i18n::ListText,
    counts: Vec<Count>,
    id: &'a crate::i18n::IdentityText,
    weights: super::weights::WeightsView,
    /// Why the invitation form was refused, in the page's language.
    invitation_error: Option<String>,
    /// The invitation form as typed (empty unless it was refused).
    typed: InvitationForm,
}

/// A form of this page that was refused: why (with the status the refusal answers), and what was
/// typed, shown back in its fields.
pub(super) struct Refused {
    pub status: axum::http::StatusCode,
    pub error: String,
    pub form: RefusedForm,
}

pub(super) enum RefusedForm {
    Weights(Vec<super::weights::WeightRow>),
    Invitation(InvitationForm),
}

#[derive(Deserialize, Default)]
pub(super) struct RatersQuery {
    reminded: Option<usize>,
    /// `reissued` or `revoked`, after the invitation form.
    done: Option<String>,
}

pub(super) async fn page(
    State(app): State<App>,
    AdminViewer(who): AdminViewer,
    Path(cycle): Path<String>,
    Query(q): Query<RatersQuery>,
) -> Response {
    render(&app, &who, &cycle, Some(q), None).await
}

/// The cycle's page, with a refused form as it was typed.
pub(super) async fn render(
    app: &App,
    who: &SignedIn,
    cycle: &str,
    q: Option<RatersQuery>,
    refused: Option<Refused>,
) -> Response {
    let q = q.unwrap_or_default();
    let loaded = async {
        let (c, pending, counts) = reminders::raters(app, cycle).await?;
        let asked = reminders::anonymous_asked(app, &c.id).await?;
        let weights = super::weights::view(app, &c, who.locale).await?;
        Ok::<_, crate::app::Error>((c, pending, asked, counts, weights))
    };
    let (c, pending, asked, counts, mut weights) = match loaded.await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    let status = refused.as_ref().map_or(axum::http::StatusCode::OK, |r| r.status);
    let (mut invitation_error, mut typed) = (None, InvitationForm::default());
    match refused {
        Some(Refused { error, form: RefusedForm::Weights(rows), .. }) => {
            weights.rows = rows;
            weights.error = Some(error);
        }
        Some(Refused { error, form: RefusedForm::Invitation(form), .. }) => {
            invitation_error = Some(error);
            typed = form;
        }
        None => {}
    }
    let t = who.t;
    let mut previous = String::new();
    let lines = pending
        .into_iter()
        .map(|p| {
            let rater_id = p.person_id.unwrap_or_default();
            let first = !rater_id.is_empty() && rater_id != previous;
            previous = rater_id.clone();
            Line {
                relation: relation_label(who.locale, &p.relation),
                rater_id,
                customer_id: p.customer_id.unwrap_or_default(),
                rater: p.rater,
                survey_id: p.survey_id,
                subject_id: p.subject_id,
                subject: p.subject,
                first,
            }
        })
        .collect();
    let asked = by_subject(asked, who.locale);
    let counts = counts
        .into_iter()
        .map(|c| Count {
            relation: relation_label(who.locale, &c.relation),
            invited: c.invited,
            answered: c.answered,
            declined: c.declined,
        })
        .collect();
    let page = RatersPage {
        t,
        f: crate::i18n::flow_text(who.locale),
        page_title: format!("{} · {}", t.raters_title, c.title_in(who.locale)),
        nav: nav(&who.viewer, t, &format!("/admin/cycles/{}/raters", c.id)),
        csrf: who.viewer.csrf.clone(),
        flash: match q.done.as_deref() {
            Some("reissued") => Some(t.invitation_reissued.to_string()),
            Some("revoked") => Some(t.invitation_revoked.to_string()),
            Some("reissued_if_open") => Some(crate::i18n::list_text(who.locale).reissued_if_open.to_string()),
            Some("weights") => Some(crate::i18n::identity_text(who.locale).weights_saved.to_string()),
            _ => q.reminded.map(|n| crate::i18n::fill(t.person_reminded, &[("n", &n.to_string())])),
        },
        cycle_id: c.id,
        lines,
        asked,
        l: crate::i18n::list_text(who.locale),
        counts,
        id: crate::i18n::identity_text(who.locale),
        weights,
        invitation_error,
        typed,
    };
    (status, Html(page.render())).into_response()
}

/// The anonymous reviews grouped by subject (the rows come ordered by subject), every line
/// built the same way whatever its state, which the rows do not carry.
fn by_subject(rows: Vec<reminders::PendingRater>, locale: crate::domain::Locale) -> Vec<Asked> {
    let mut out: Vec<Asked> = Vec::new();
    for p in rows {
        let line = Line {
            relation: relation_label(locale, &p.relation),
            rater_id: p.person_id.unwrap_or_default(),
            customer_id: p.customer_id.unwrap_or_default(),
            rater: p.rater,
            survey_id: p.survey_id,
            subject_id: p.subject_id,
            subject: p.subject,
            first: false,
        };
        match out.last_mut() {
            Some(group) if group.lines[0].subject_id == line.subject_id => group.lines.push(line),
            _ => out.push(Asked { summary: line.subject.clone(), lines: vec![line] }),
        }
    }
    let (l, colon) = (crate::i18n::list_text(locale), crate::i18n::colon(locale));
    for group in &mut out {
        group.summary =
            format!("{}{colon}{}", group.summary, crate::i18n::fill(l.asked, &[("n", &group.lines.len().to_string())]));
    }
    out
}

#[derive(Deserialize)]
pub(super) struct RemindForm {}

pub(super) async fn remind(
    State(app): State<App>,
    Path((cycle, person)): Path<(String, String)>,
    AdminForm(f): AdminForm<RemindForm>,
) -> Response {
    match reminders::remind_person(&app, &super::actor(&f.who), &cycle, &person).await {
        Ok(n) => {
            let to = format!("/admin/cycles/{cycle}/raters?lang={}&reminded={n}", f.who.t.lang);
            Redirect::to(&to).into_response()
        }
        Err(e) => show_error(&app, &f.who, e).await,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct InvitationForm {
    survey: String,
    subject: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    customer: String,
    action: String,
    confirm: Option<String>,
}

/// Reissues (by email) or revokes one invitation named by survey, subject and respondent.
pub(super) async fn invitation(
    State(app): State<App>,
    Path(cycle): Path<String>,
    AdminForm(f): AdminForm<InvitationForm>,
) -> Response {
    let (who, form) = (&f.who, &f.form);
    if form.confirm.is_none() {
        return refused(&app, who, &cycle, f.form, super::unconfirmed()).await;
    }
    let respondent = match (form.person.trim(), form.customer.trim()) {
        (p, "") if !p.is_empty() => RespondentInput::Person(p.to_string()),
        ("", c) if !c.is_empty() => RespondentInput::Customer(c.to_string()),
        _ => {
            let e = app::Error::invalid("invalid_invitation", "name either the person or the customer who was asked");
            return refused(&app, who, &cycle, f.form, e).await;
        }
    };
    let one = [InvitationRef {
        survey: form.survey.trim().to_string(),
        subject: form.subject.trim().to_string(),
        respondent,
    }];
    let done = match form.action.as_str() {
        "revoke" => revocation::revoke(&app, &super::actor(who), &cycle, &one).await.map(|_| "revoked"),
        // Whether an anonymous review was answered must not show: "sent if still open".
        _ => revocation::reissue(&app, &super::actor(who), &cycle, &one, Deliver::Email)
            .await
            .map(|r| if r.anonymous > 0 { "reissued_if_open" } else { "reissued" }),
    };
    match done {
        Ok(done) => {
            Redirect::to(&format!("/admin/cycles/{cycle}/raters?lang={}&done={done}", who.t.lang)).into_response()
        }
        Err(e) => refused(&app, who, &cycle, f.form, e).await,
    }
}

/// The invitation form refused: the cycle's page again, saying why, with what was typed. An
/// unknown cycle or a failure gets its error page.
async fn refused(app: &App, who: &SignedIn, cycle: &str, form: InvitationForm, e: app::Error) -> Response {
    if !matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) {
        return app_error(e, who.locale);
    }
    let refused = Refused {
        status: status_of(e.kind()),
        error: refusal_text(&e, who.locale),
        form: RefusedForm::Invitation(form),
    };
    render(app, who, cycle, None, Some(refused)).await
}
