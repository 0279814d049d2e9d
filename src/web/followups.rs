//! `/followups`: unhappy customer answers to call back, marked followed up; and
//! `/followups/phone`: a customer's answers heard on the phone, entered for their open invitation.
use super::WebState;
use super::extract::{CsrfForm, SignedIn, csrf_ok};
use super::nav::{Nav, nav};
use super::pages::{Html, app_error, stale_form};
use super::respondent::{QuestionView, question_view};
use crate::app::followups::{self, PhoneOutcome, Unhappy};
use crate::domain::answers::Rejected;
use crate::domain::calendar::Calendar;
use crate::domain::{Locale, Relation};
use crate::i18n::{DashText, ReviewText, Text, fill, review_text, text};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/followups", get(list))
        .route("/followups/{response}", post(mark))
        .route("/followups/phone", get(phone_list))
        .route(
            "/followups/phone/{invitation}",
            get(phone_form).post(phone_submit).layer(axum::extract::DefaultBodyLimit::max(super::LARGE_FORM_BYTES)),
        )
}

pub struct Row {
    pub id: String,
    pub customer: String,
    pub contact: String,
    pub subject: String,
    pub cycle: String,
    pub day: String,
    pub low: Vec<String>,
    pub comments: Vec<String>,
    pub by_phone: bool,
    pub followed: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/followups.html")]
struct ListPage<'a> {
    t: &'a DashText,
    r: &'a ReviewText,
    nav: Nav,
    page_title: &'a str,
    csrf: &'a str,
    rows: Vec<Row>,
    flash: bool,
}

fn contact(email: &str, phone: Option<&str>) -> String {
    [phone.unwrap_or(""), email].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")
}

fn row(u: Unhappy, locale: Locale, r: &ReviewText, calendar: &Calendar) -> Row {
    let a = u.answer;
    let low = u
        .low
        .iter()
        .map(|(qid, v)| {
            let q = u.survey.questions.iter().find(|q| &q.id == qid);
            let wording = q.map(|q| q.text_for("customer", locale).to_string()).unwrap_or_else(|| qid.clone());
            let scale =
                q.map(|q| format!("{}–{}", q.min.unwrap_or_default(), q.max.unwrap_or_default())).unwrap_or_default();
            format!("{wording} — {v} ({scale})")
        })
        .collect();
    Row {
        contact: contact(&a.customer_email, a.customer_phone.as_deref()),
        followed: a.followed.map(|(by, at, note)| {
            let done = fill(r.followed_by, &[("name", &by), ("date", &calendar.day(at))]);
            match note {
                Some(n) => format!("{done}{}{n}", r.colon),
                None => done,
            }
        }),
        by_phone: a.source == "phone",
        id: a.response_id,
        customer: a.customer_name,
        subject: a.subject_name,
        cycle: crate::domain::cycle::title_in(&a.cycle_title, &a.cycle_title_i18n, locale).to_string(),
        day: a.submitted_on,
        low,
        comments: u.comments,
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    done: Option<String>,
}

async fn list(
    State(state): State<WebState>,
    who: SignedIn,
    q: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let r = review_text(who.locale);
    let found = match followups::unhappy(&state.app, &who.viewer).await {
        Ok(f) => f,
        Err(e) => return app_error(e, who.locale),
    };
    let page = ListPage {
        t: who.t,
        r,
        nav: nav(&who.viewer, who.t, "/followups"),
        page_title: r.followups_title,
        csrf: &who.viewer.csrf,
        rows: found.into_iter().map(|u| row(u, who.locale, r, &state.app.calendar)).collect(),
        flash: q.ok().and_then(|q| q.0.done).is_some(),
    };
    Html(page.render()).into_response()
}

#[derive(Deserialize)]
struct MarkForm {
    #[serde(default)]
    note: String,
}

async fn mark(State(state): State<WebState>, Path(response): Path<String>, f: CsrfForm<MarkForm>) -> Response {
    match followups::mark(&state.app, &f.who.viewer, &response, &f.form.note).await {
        Ok(()) => Redirect::to(&format!("/followups?lang={}&done=1", f.who.t.lang)).into_response(),
        Err(e) => app_error(e, f.who.locale),
    }
}

pub struct OpenRow {
    pub invitation: i64,
    pub customer: String,
    pub contact: String,
    pub subject: String,
    pub cycle: String,
}

#[derive(Template)]
#[template(path = "dashboard/phone_list.html")]
struct PhoneListPage<'a> {
    t: &'a DashText,
    r: &'a ReviewText,
    nav: Nav,
    page_title: &'a str,
    rows: Vec<OpenRow>,
    flash: bool,
}

async fn phone_list(
    State(state): State<WebState>,
    who: SignedIn,
    q: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let r = review_text(who.locale);
    let open = match followups::open_customers(&state.app, &who.viewer).await {
        Ok(o) => o,
        Err(e) => return app_error(e, who.locale),
    };
    let rows = open
        .into_iter()
        .map(|o| OpenRow {
            invitation: o.invitation_id,
            contact: contact(&o.customer_email, o.customer_phone.as_deref()),
            customer: o.customer_name,
            subject: o.subject_name,
            cycle: crate::domain::cycle::title_in(&o.cycle_title, &o.cycle_title_i18n, who.locale).to_string(),
        })
        .collect();
    let page = PhoneListPage {
        t: who.t,
        r,
        nav: nav(&who.viewer, who.t, "/followups/phone"),
        page_title: r.phone_title,
        rows,
        flash: q.ok().and_then(|q| q.0.done).is_some(),
    };
    Html(page.render()).into_response()
}

#[derive(Template)]
#[template(path = "dashboard/phone_form.html")]
struct PhoneForm<'a> {
    t: &'a DashText,
    rt: &'a Text,
    nav: Nav,
    page_title: String,
    intro: String,
    contact: String,
    csrf: &'a str,
    action: String,
    has_errors: bool,
    questions: Vec<QuestionView>,
}

async fn render_phone(state: &WebState, who: &SignedIn, invitation: i64, rejected: Option<&Rejected>) -> Response {
    let (open, survey) = match followups::phone_target(&state.app, &who.viewer, invitation).await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    let (r, rt) = (review_text(who.locale), text(who.locale));
    let questions = survey
        .questions
        .iter()
        .map(|q| {
            let kept = rejected.and_then(|x| x.kept.get(&q.id)).cloned().unwrap_or_default();
            question_view(q, Relation::Customer.as_str(), who.locale, rt, kept, rejected)
        })
        .collect();
    let page = PhoneForm {
        t: who.t,
        rt,
        nav: nav(&who.viewer, who.t, &format!("/followups/phone/{invitation}")),
        page_title: survey.title_in(who.locale).to_string(),
        intro: fill(r.phone_form_intro, &[("customer", &open.customer_name), ("subject", &open.subject_name)]),
        contact: contact(&open.customer_email, open.customer_phone.as_deref()),
        csrf: &who.viewer.csrf,
        action: format!("/followups/phone/{invitation}?lang={}", who.t.lang),
        has_errors: rejected.is_some(),
        questions,
    };
    let status = if rejected.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, Html(page.render())).into_response()
}

async fn phone_form(State(state): State<WebState>, Path(invitation): Path<i64>, who: SignedIn) -> Response {
    render_phone(&state, &who, invitation, None).await
}

/// The answers, with the session's CSRF token among the fields (a form of any questions).
async fn phone_submit(
    State(state): State<WebState>,
    Path(invitation): Path<i64>,
    who: SignedIn,
    body: Bytes,
) -> Response {
    let fields: Vec<(String, String)> =
        url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !csrf_ok(&who.viewer, csrf) {
        return stale_form(who.locale);
    }
    match followups::enter_by_phone(&state.app, &who.viewer, invitation, &fields).await {
        Ok(PhoneOutcome::Stored) => {
            Redirect::to(&format!("/followups/phone?lang={}&done=1", who.t.lang)).into_response()
        }
        Ok(PhoneOutcome::Rejected(rejected)) => render_phone(&state, &who, invitation, Some(&rejected)).await,
        Err(e) => app_error(e, who.locale),
    }
}
