//! `/dashboard` (the team, for a cycle or a period) and `/dashboard/people/{id}` (one
//! person's report). What both pages share lives here.
mod compare;
mod feedback;
mod heatmap;
mod participation;
mod person;
mod team;

use super::WebState;
use super::charts;
use super::extract::SignedIn;
use super::pages::{Html, app_error, not_found};
use crate::app::accounts::Viewer;
use crate::app::cycles::CycleRow;
use crate::app::results::{self, SubjectScores};
use crate::app::{self, App, access, cycles};
use crate::domain::cycle::Cycle;
use crate::domain::orgchart::OrgPerson;
use crate::domain::{Locale, time};
use crate::i18n::{DashText, indicator_label, relation_label};
use crate::scoring::{IndicatorScore, Status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
pub fn router() -> Router<WebState> {
    Router::new()
        .route("/dashboard", get(team::team))
        .route("/dashboard/heatmap", get(heatmap::heatmap))
        .route("/dashboard/participation", get(participation::participation))
        .route("/dashboard/scores.xlsx", get(participation::xlsx))
        .route("/dashboard/people/{person}", get(person::person))
        .route("/dashboard/people/{person}/feedback", axum::routing::post(feedback::save))
        .route("/dashboard/people/{person}/feedback/ack", axum::routing::post(feedback::acknowledge))
}

#[derive(Deserialize, Default)]
pub struct DashQuery {
    cycle: Option<String>,
    /// A month, quarter or year: the team's scores pooled over it instead of one cycle.
    period: Option<String>,
    sort: Option<String>,
    /// What a feedback form just did (`saved`, `shared`, `empty`, `acked`).
    fb: Option<String>,
    /// Only this team (a heatmap's cell opens it).
    team: Option<String>,
    /// A period whose scores are shown beside these, with the difference.
    compare: Option<String>,
}

/// The header every signed-in page shares.
/// Indicator names for people: a survey's own display name first, then the built-in ones.
pub(super) struct Labels {
    names: crate::app::surveys::IndicatorNames,
    locale: Locale,
}

impl Labels {
    pub(super) async fn load(app: &App, locale: Locale) -> app::Result<Labels> {
        Ok(Labels { names: crate::app::surveys::indicator_names(app).await?, locale })
    }

    pub(super) fn of(&self, indicator: &str) -> String {
        match self.names.get(indicator).and_then(|n| n.get(self.locale.as_str())) {
            Some(name) => name.clone(),
            None => indicator_label(self.locale, indicator),
        }
    }
}

pub struct CycleOption {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

pub struct Cell {
    pub text: String,
    pub withheld: bool,
    /// Beside it, the compared period's score and the difference.
    pub change: Option<compare::ChangeView>,
}

pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub team: String,
    pub cells: Vec<Cell>,
    pub n: u64,
    pub invited: i64,
    pub completed: i64,
    pub percent: i64,
}

pub struct Column {
    pub label: String,
    pub sort_link: String,
}

pub(super) async fn pick_cycle(app: &App, wanted: Option<&str>) -> app::Result<(Vec<CycleRow>, Option<Cycle>)> {
    let all = cycles::list(app).await?;
    let id = wanted.map(str::to_string).or_else(|| all.first().map(|c| c.id.clone()));
    let cycle = match id {
        Some(id) => match cycles::load(app, &id).await {
            Ok(c) => Some(c),
            Err(app::Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok((all, cycle))
}

/// Why a score is not shown, in words a manager reads at a glance.
pub(super) fn why(t: &DashText, status: Status) -> &'static str {
    match status {
        Status::Open => t.why_open,
        Status::BelowThreshold => t.why_below,
        Status::NoData | Status::Ok => t.why_no_data,
    }
}

pub(super) fn shown(t: &DashText, score: Option<f64>, status: Status) -> charts::Shown {
    score.ok_or_else(|| why(t, status).to_string())
}

pub(super) fn fmt_score(s: &IndicatorScore, t: &DashText) -> Cell {
    match s.score {
        Some(v) => Cell { text: format!("{v:.1}"), withheld: false, change: None },
        None => Cell { text: why(t, s.status).to_string(), withheld: true, change: None },
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
