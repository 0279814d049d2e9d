//! `/admin`'s schedules: previewed before they are saved, deleted once confirmed.
use super::typed::typed_schedule;
use super::{ConfirmForm, actor, back, not_confirmed, show_error_with};
use crate::app::{self, App};
use crate::domain::calendar::Calendar;
use crate::domain::reviews::Peers;
use crate::i18n::DashText;
use crate::web::extract::{AdminForm, SignedIn};
use crate::web::nav::{Nav, nav};
use crate::web::pages::Html;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Clone)]
pub(super) struct ScheduleForm {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) every: String,
    pub(super) survey: String,
    pub(super) invite: String,
    pub(super) open_days: i64,
    pub(super) min_raters: Option<i64>,
    /// Ticked on the preview: a schedule is saved only once its first run has been seen.
    pub(super) confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/schedule_confirm.html")]
struct ScheduleConfirm<'a> {
    t: &'a DashText,
    nav: Nav,
    page_title: &'a str,
    summary: String,
    fields: Vec<(&'static str, String)>,
}

pub(super) async fn create(State(app): State<App>, AdminForm(f): AdminForm<ScheduleForm>) -> Response {
    let form = f.form.clone();
    let input = app::schedules::ScheduleInput {
        id: form.id.trim().to_string(),
        title: form.title,
        every: form.every,
        survey: form.survey,
        invite: form.invite,
        peers: Some(Peers::Team),
        open_days: form.open_days,
        min_raters: form.min_raters,
    };
    if form.confirm.is_none() {
        return match app::schedules::preview(&app, &input).await {
            Ok(next) => schedule_preview(&f.who, &input, &next, &app.calendar),
            Err(e) => show_error_with(&app, &f.who, e, typed_schedule(f.form)).await,
        };
    }
    match app::schedules::save(&app, &actor(&f.who), &input).await {
        Ok(_) => back(&app, &f.who, Ok(("schedule_added", None))).await,
        Err(e) => show_error_with(&app, &f.who, e, typed_schedule(f.form)).await,
    }
}

/// What the schedule will do first, and the same form again with the box to confirm it.
fn schedule_preview(
    who: &SignedIn,
    input: &app::schedules::ScheduleInput,
    next: &app::schedule_next::Next,
    calendar: &Calendar,
) -> Response {
    let t = who.t;
    let now = crate::domain::time::now();
    let opens = crate::domain::time::parse_rfc3339(&next.opens_at, "opens_at").unwrap_or(now);
    let when = match opens <= now {
        true => t.schedule_now.to_string(),
        false => crate::i18n::fill(t.schedule_on, &[("day", &calendar.day(opens))]),
    };
    let summary =
        crate::i18n::fill(t.schedule_next, &[("cycle", &next.cycle), ("when", &when), ("n", &next.people.to_string())]);
    let fields = vec![
        ("id", input.id.clone()),
        ("title", input.title.clone()),
        ("every", input.every.clone()),
        ("survey", input.survey.clone()),
        ("invite", input.invite.clone()),
        ("open_days", input.open_days.to_string()),
        ("min_raters", input.min_raters.map(|n| n.to_string()).unwrap_or_default()),
    ];
    // An empty number is no number: left out, as the form leaves it out.
    let fields = fields.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let page = ScheduleConfirm { t, nav: nav(&who.viewer, t, "/admin"), page_title: t.schedule_check, summary, fields };
    Html(page.render()).into_response()
}

pub(super) async fn delete(
    State(app): State<App>,
    Path(id): Path<String>,
    AdminForm(f): AdminForm<ConfirmForm>,
) -> Response {
    if f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let result = app::schedules::delete(&app, &actor(&f.who), &id).await.map(|_| ("schedule_deleted", None));
    back(&app, &f.who, result).await
}
