//! Choosing reviewers (launch with `peers: nominated`): the subject picks colleagues at
//! `/me/nominations/{cycle}`; their manager or an admin edits and approves the list at
//! `/nominations/{cycle}/{subject}`, which sends the peer invitations.
use super::WebState;
use super::extract::{CsrfForm, SignedIn};
use super::nav::{Nav, nav};
use super::pages::{Html, app_error, refusal_text, status_of};
use crate::app::nominations::{self, Colleague, Nomination};
use crate::app::{self, App};
use crate::i18n::{DashText, FlowText, fill, flow_text};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/me/nominations/{cycle}", get(choose_page).post(choose))
        .route("/nominations/{cycle}/{subject}", get(approve_page).post(approve))
}

pub fn status_word(f: &FlowText, status: &str) -> &'static str {
    match status {
        "submitted" => f.status_submitted,
        "approved" => f.status_approved,
        _ => f.status_open,
    }
}

pub struct Pick {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

pub struct TeamPicks {
    pub team: String,
    pub people: Vec<Pick>,
}

#[derive(Template)]
#[template(path = "me/nominate.html")]
struct NominatePage<'a> {
    t: &'a DashText,
    nav: Nav,
    page_title: String,
    intro: String,
    status: &'static str,
    flash: Option<String>,
    error: Option<String>,
    action: String,
    button: &'a str,
    editable: bool,
    csrf: &'a str,
    teams: Vec<TeamPicks>,
}

/// Colleagues by team, the subject's own team first, picks ticked.
fn by_team(colleagues: Vec<Colleague>, picks: &[String], own_team: Option<&str>, f: &FlowText) -> Vec<TeamPicks> {
    let mut teams: BTreeMap<(bool, String), Vec<Pick>> = BTreeMap::new();
    for c in colleagues {
        let team = c.team.clone().unwrap_or_else(|| f.no_team.to_string());
        let other = c.team.as_deref() != own_team;
        teams.entry((other, team)).or_default().push(Pick { checked: picks.contains(&c.id), id: c.id, name: c.name });
    }
    teams.into_iter().map(|((_, team), people)| TeamPicks { team, people }).collect()
}

/// What one nomination page shows (for its subject or an approver).
struct Shown<'a> {
    who: &'a SignedIn,
    n: &'a Nomination,
    picks: &'a [String],
    approving: bool,
    flash: Option<String>,
    error: Option<String>,
}

async fn render(app: &App, s: Shown<'_>, status: StatusCode) -> Response {
    let (t, f) = (s.who.t, flow_text(s.who.locale));
    let colleagues = match nominations::colleagues(app, &s.n.subject_id).await {
        Ok(c) => c,
        Err(e) => return app_error(e, s.who.locale),
    };
    let own_team = colleagues_team(app, &s.n.subject_id).await;
    let (min, max) = (s.n.min_peers.to_string(), s.n.max_peers.to_string());
    let (title, intro, action, button) = if s.approving {
        (
            fill(f.approve_title, &[("name", &s.n.subject_name)]),
            f.approve_intro.to_string(),
            format!("/nominations/{}/{}", s.n.cycle_id, s.n.subject_id),
            f.approve_button,
        )
    } else {
        (
            f.nominate_title.to_string(),
            fill(
                f.nominate_intro,
                &[
                    ("cycle", crate::domain::cycle::title_in(&s.n.cycle_title, &s.n.cycle_title_i18n, s.who.locale)),
                    ("min", &min),
                    ("max", &max),
                ],
            ),
            format!("/me/nominations/{}", s.n.cycle_id),
            f.nominate_submit,
        )
    };
    let here = action.clone();
    let page = NominatePage {
        t,
        nav: nav(&s.who.viewer, t, &here),
        page_title: title,
        intro,
        status: status_word(f, &s.n.status),
        flash: s.flash,
        error: s.error,
        action,
        button,
        editable: s.n.status != "approved",
        csrf: &s.who.viewer.csrf,
        teams: by_team(colleagues, s.picks, own_team.as_deref(), f),
    };
    (status, Html(page.render())).into_response()
}

/// The subject's team, to list it first.
async fn colleagues_team(app: &App, subject: &str) -> Option<String> {
    let org = app::access::org_chart(app).await.ok()?;
    org.into_iter().find(|p| p.id == subject).and_then(|p| p.team)
}

async fn choose_page(State(state): State<WebState>, Path(cycle): Path<String>, who: SignedIn) -> Response {
    let me = who.viewer.person_id.clone();
    match nominations::load(&state.app, &who.viewer, &cycle, &me).await {
        Ok(n) => {
            let picks = n.picks.clone();
            render(
                &state.app,
                Shown { who: &who, n: &n, picks: &picks, approving: false, flash: None, error: None },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => app_error(e, who.locale),
    }
}

#[derive(Deserialize)]
struct PicksForm {
    /// One `pick:{person id}` field per ticked colleague.
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl PicksForm {
    fn picks(&self) -> Vec<String> {
        let mut picks: Vec<String> =
            self.rest.keys().filter_map(|k| k.strip_prefix("pick:")).map(str::to_string).collect();
        picks.sort();
        picks
    }
}

async fn choose(State(state): State<WebState>, Path(cycle): Path<String>, form: CsrfForm<PicksForm>) -> Response {
    let (who, picks) = (form.who, form.form.picks());
    let me = who.viewer.person_id.clone();
    let n = match nominations::load(&state.app, &who.viewer, &cycle, &me).await {
        Ok(n) => n,
        Err(e) => return app_error(e, who.locale),
    };
    let f = flow_text(who.locale);
    let (flash, error, status) = match nominations::submit(&state.app, &me, &cycle, &picks).await {
        Ok(()) => (Some(f.nominate_sent.to_string()), None, StatusCode::OK),
        Err(e) if e.code() == "peer_count" => {
            let (min, max) = (n.min_peers.to_string(), n.max_peers.to_string());
            (None, Some(fill(f.nominate_count, &[("min", &min), ("max", &max)])), status_of(e.kind()))
        }
        // Refused: the page again, saying why, with the colleagues as ticked.
        Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
            (None, Some(refusal_text(&e, who.locale)), status_of(e.kind()))
        }
        Err(e) => return app_error(e, who.locale),
    };
    let n = nominations::load(&state.app, &who.viewer, &cycle, &me).await.unwrap_or(n);
    render(&state.app, Shown { who: &who, n: &n, picks: &picks, approving: false, flash, error }, status).await
}

async fn approve_page(
    State(state): State<WebState>,
    Path((cycle, subject)): Path<(String, String)>,
    who: SignedIn,
) -> Response {
    match nominations::load(&state.app, &who.viewer, &cycle, &subject).await {
        // Their own list is chosen on /me, not approved by themselves.
        Ok(n) if subject != who.viewer.person_id => {
            let picks = n.picks.clone();
            render(
                &state.app,
                Shown { who: &who, n: &n, picks: &picks, approving: true, flash: None, error: None },
                StatusCode::OK,
            )
            .await
        }
        Ok(_) => super::pages::not_found(who.locale),
        Err(e) => app_error(e, who.locale),
    }
}

async fn approve(
    State(state): State<WebState>,
    Path((cycle, subject)): Path<(String, String)>,
    form: CsrfForm<PicksForm>,
) -> Response {
    let (who, picks) = (form.who, form.form.picks());
    if subject == who.viewer.person_id {
        return super::pages::not_found(who.locale);
    }
    let f = flow_text(who.locale);
    let (flash, error, status) =
        match nominations::approve(&state.app, Some(&who.viewer), &cycle, &subject, &picks).await {
            Ok(done) => {
                let mut note = fill(f.approved_sent, &[("n", &done.created.created.to_string())]);
                if let Some(small) = done.too_small {
                    note = format!("{note} {}", fill(f.approved_small, &[("k", &small.min_raters.to_string())]));
                }
                (Some(note), None, StatusCode::OK)
            }
            Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
                (None, Some(refusal_text(&e, who.locale)), status_of(e.kind()))
            }
            Err(e) => return app_error(e, who.locale),
        };
    match nominations::load(&state.app, &who.viewer, &cycle, &subject).await {
        Ok(n) => {
            let shown = if n.status == "approved" { n.picks.clone() } else { picks };
            render(&state.app, Shown { who: &who, n: &n, picks: &shown, approving: true, flash, error }, status).await
        }
        Err(e) => app_error(e, who.locale),
    }
}
