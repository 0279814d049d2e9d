//! `/me`, everyone's home once signed in: their own results (the latest first), the reviews
//! they are asked to write in the open cycles (each opens a fresh link), the reviewer lists
//! they are asked to choose and, for a manager, the way to their team.
use super::WebState;
use super::dashboard::urlencode;
use super::extract::{CsrfForm, SignedIn};
use super::nav::{Nav, nav};
use super::pages::{Html, app_error};
use crate::app::respondents::{self, MyReviewState};
use crate::app::{home, nominations};
use crate::domain::calendar::Calendar;
use crate::domain::time;
use crate::i18n::{DashText, FlowText, fill, flow_text, review_kind};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new().route("/me", get(page)).route("/me/reviews/{invitation}", post(open)).merge(super::nominate::router())
}

pub struct ReviewView {
    pub invitation: i64,
    pub who: String,
    pub kind: &'static str,
    pub cycle: String,
    pub state: &'static str,
    pub open: bool,
}

/// A cycle the person was reviewed in: their report once closed, its closing day until then.
pub struct ResultView {
    pub title: String,
    pub href: Option<String>,
    pub note: String,
}

pub struct NominationTodo {
    pub href: String,
    pub cycle: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "me/reviews.html")]
struct MePage<'a> {
    t: &'a DashText,
    f: &'a FlowText,
    nav: Nav,
    page_title: &'a str,
    csrf: &'a str,
    reviews: Vec<ReviewView>,
    nominations: Vec<NominationTodo>,
    results: Vec<ResultView>,
    show_team: bool,
}

async fn page(State(state): State<WebState>, who: SignedIn) -> Response {
    let f = flow_text(who.locale);
    let person = &who.viewer.person_id;
    let reviews = match respondents::my_reviews(&state.app, person).await {
        Ok(r) => r,
        Err(e) => return app_error(e, who.locale),
    };
    let mine = match nominations::mine(&state.app, person).await {
        Ok(n) => n,
        Err(e) => return app_error(e, who.locale),
    };
    let results = match home::my_cycles(&state.app, person, time::now()).await {
        Ok(c) => c.into_iter().map(|c| result_view(&who, f, c, &state.app.calendar)).collect(),
        Err(e) => return app_error(e, who.locale),
    };
    let reviews = reviews
        .into_iter()
        .map(|r| ReviewView {
            invitation: r.invitation_id,
            who: r.subject_name,
            kind: review_kind(who.locale, r.relation),
            cycle: crate::domain::cycle::title_in(&r.cycle_title, &r.cycle_title_i18n, who.locale).to_string(),
            state: match r.state {
                MyReviewState::Open => f.state_open,
                MyReviewState::Done => f.state_done,
                MyReviewState::Declined => f.state_declined,
                MyReviewState::Elsewhere => f.state_elsewhere,
            },
            open: r.state == MyReviewState::Open,
        })
        .collect();
    let nominations = mine
        .into_iter()
        .map(|n| NominationTodo {
            href: format!("/me/nominations/{}?lang={}", n.cycle_id, who.t.lang),
            status: super::nominate::status_word(f, &n.status),
            cycle: fill(
                f.nominate_intro,
                &[
                    ("cycle", crate::domain::cycle::title_in(&n.cycle_title, &n.cycle_title_i18n, who.locale)),
                    ("min", &n.min_peers.to_string()),
                    ("max", &n.max_peers.to_string()),
                ],
            ),
        })
        .collect();
    let nav = nav(&who.viewer, who.t, "/me");
    let page = MePage {
        t: who.t,
        f,
        show_team: nav.show_team,
        results,
        nav,
        page_title: f.me_title,
        csrf: &who.viewer.csrf,
        reviews,
        nominations,
    };
    Html(page.render()).into_response()
}

fn result_view(who: &SignedIn, f: &FlowText, c: home::MyCycle, calendar: &Calendar) -> ResultView {
    let href = format!(
        "/dashboard/people/{}?cycle={}&lang={}",
        urlencode(&who.viewer.person_id),
        urlencode(&c.id),
        who.t.lang
    );
    match c.closed {
        true => {
            ResultView { title: c.title_in(who.locale).to_string(), href: Some(href), note: f.result_ready.to_string() }
        }
        false => ResultView {
            title: c.title_in(who.locale).to_string(),
            href: None,
            note: fill(f.result_open, &[("day", &calendar.day(c.closes_at))]),
        },
    }
}

#[derive(Deserialize)]
struct OpenForm {}

/// A fresh link to one of my open reviews, and there.
async fn open(State(state): State<WebState>, Path(invitation): Path<i64>, f: CsrfForm<OpenForm>) -> Response {
    let who = f.who;
    match respondents::open_mine(&state.app, &who.viewer.person_id, &who.viewer.email, invitation).await {
        Ok(token) => Redirect::to(&format!("/s/{}?lang={}", token.as_str(), who.t.lang)).into_response(),
        Err(e) => app_error(e, who.locale),
    }
}
