//! `/dashboard` (the team) and `/dashboard/people/{id}` (one person's report).
use super::auth::{LangQuery, SignedIn, locale_for};
use super::charts;
use super::dash_i18n::{DashText, dash_text, indicator_label, relation_label};
use super::pages::Html;
use super::scope;
use crate::db::cycles::{self, Cycle};
use crate::db::{dashboard as q, directory};
use crate::domain::{Locale, time};
use crate::reports::{self, SubjectScores};
use crate::scoring::IndicatorScore;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(team)).route("/dashboard/people/{person}", get(person))
}

#[derive(Deserialize, Default)]
pub struct DashQuery {
    cycle: Option<String>,
    sort: Option<String>,
    lang: Option<String>,
}

/// The header every signed-in page shares.
pub struct Nav {
    pub name: String,
    pub is_admin: bool,
    pub csrf: String,
    pub lang_link: String,
}

pub fn nav(viewer: &crate::db::sessions::Viewer, t: &DashText, here: &str) -> Nav {
    let sep = if here.contains('?') { '&' } else { '?' };
    Nav {
        name: viewer.name.clone(),
        is_admin: viewer.is_admin,
        csrf: viewer.csrf.clone(),
        lang_link: format!("{here}{sep}lang={}", t.other_lang),
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

#[derive(Template)]
#[template(path = "dashboard/team.html")]
struct TeamPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    cycles: Vec<CycleOption>,
    cycle_id: String,
    status: &'a str,
    columns: Vec<Column>,
    rows: Vec<TeamRow>,
    charts: Vec<String>,
}

fn page_error(e: sqlx::Error) -> Response {
    super::pages::db_error(e, super::i18n::text(Locale::En))
}

async fn pick_cycle(state: &AppState, wanted: Option<&str>) -> Result<(Vec<q::CycleRow>, Option<Cycle>), sqlx::Error> {
    let all = q::cycles(&state.db.pool).await?;
    let id = wanted.map(str::to_string).or_else(|| all.first().map(|c| c.id.clone()));
    let cycle = match id {
        Some(id) => cycles::load(&state.db.pool, &id).await?,
        None => None,
    };
    Ok((all, cycle))
}

fn fmt_score(s: &IndicatorScore, t: &DashText) -> Cell {
    match s.score {
        Some(v) => Cell { text: format!("{v:.1}"), withheld: false },
        None => Cell { text: t.withheld.to_string(), withheld: true },
    }
}

async fn team(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(dq): Query<DashQuery>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_for(&LangQuery { lang: dq.lang.clone() }, viewer.locale.as_deref(), &headers);
    let t = dash_text(locale);
    let now = time::now();
    let (all, cycle) = match pick_cycle(&state, dq.cycle.as_deref()).await {
        Ok(found) => found,
        Err(e) => return page_error(e),
    };
    let Some(cycle) = cycle else {
        if dq.cycle.is_some() {
            return StatusCode::NOT_FOUND.into_response();
        }
        let page = TeamPage {
            t,
            page_title: t.dashboard_title,
            nav: nav(&viewer, t, "/dashboard"),
            cycles: Vec::new(),
            cycle_id: String::new(),
            status: "",
            columns: Vec::new(),
            rows: Vec::new(),
            charts: Vec::new(),
        };
        return Html(page.render()).into_response();
    };
    let loaded = async {
        let scores = reports::cycle_scores(&state.db.pool, &cycle, now).await?;
        let org = directory::org_chart(&state.db.pool).await?;
        let progress = q::subject_progress(&state.db.pool, &cycle.id).await?;
        Ok::<_, sqlx::Error>((scores, org, progress))
    };
    let (scores, org, progress) = match loaded.await {
        Ok(found) => found,
        Err(e) => return page_error(e),
    };
    let closed = !cycle.is_open(now);
    let mut visible: Vec<SubjectScores> =
        scores.subjects.into_iter().filter(|s| scope::can_see(&viewer, &s.subject, &org, closed)).collect();
    let indicators: Vec<String> = visible.first().map(|s| s.indicators.keys().cloned().collect()).unwrap_or_default();
    match dq.sort.as_deref() {
        Some(key) if indicators.iter().any(|i| i == key) => visible.sort_by(|a, b| {
            let score = |s: &SubjectScores| s.indicators.get(key).and_then(|i| i.score).unwrap_or(-1.0);
            score(b).total_cmp(&score(a))
        }),
        _ => visible.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    let base = format!("/dashboard?cycle={}&lang={}", urlencode(&cycle.id), t.lang);
    let columns = indicators
        .iter()
        .map(|i| Column { label: indicator_label(locale, i), sort_link: format!("{base}&sort={}", urlencode(i)) })
        .collect();
    let rows: Vec<TeamRow> = visible
        .iter()
        .map(|s| {
            let (invited, completed) = progress.get(&s.subject).copied().unwrap_or((0, 0));
            TeamRow {
                id: s.subject.clone(),
                name: s.name.clone(),
                team: s.team.clone().unwrap_or_default(),
                cells: indicators.iter().map(|i| fmt_score(&s.indicators[i], t)).collect(),
                n: s.indicators.values().map(|i| i.n).sum(),
                invited,
                completed,
                percent: if invited > 0 { completed * 100 / invited } else { 0 },
            }
        })
        .collect();
    let charts = indicators
        .iter()
        .map(|i| {
            let label = format!("{} — {}", t.chart_team, indicator_label(locale, i));
            let bars: Vec<(String, Option<f64>)> =
                visible.iter().map(|s| (s.name.clone(), s.indicators[i].score)).collect();
            charts::bars(&label, &bars, t.withheld)
        })
        .collect();
    let page = TeamPage {
        t,
        page_title: t.dashboard_title,
        nav: nav(&viewer, t, &format!("/dashboard?cycle={}", urlencode(&cycle.id))),
        cycles: all.into_iter().map(|c| CycleOption { selected: c.id == cycle.id, id: c.id, title: c.title }).collect(),
        cycle_id: cycle.id.clone(),
        status: if closed { t.status_closed } else { t.status_open },
        columns,
        rows,
        charts,
    };
    Html(page.render()).into_response()
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub struct RelationRow {
    pub label: &'static str,
    pub score: String,
    pub n: u64,
    pub interval: String,
}

pub struct IndicatorBlock {
    pub label: String,
    pub total: String,
    pub n: u64,
    pub gap: Option<String>,
    pub relations: Vec<RelationRow>,
    pub chart: String,
    pub histogram: Option<String>,
}

pub struct CommentView {
    pub relation: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "dashboard/person.html")]
struct PersonPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    cycle_title: String,
    status: &'a str,
    back: String,
    blocks: Vec<IndicatorBlock>,
    trend: Option<String>,
    comments: Vec<CommentView>,
}

async fn person(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(person_id): Path<String>,
    Query(dq): Query<DashQuery>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_for(&LangQuery { lang: dq.lang.clone() }, viewer.locale.as_deref(), &headers);
    let t = dash_text(locale);
    let now = time::now();
    let (_, cycle) = match pick_cycle(&state, dq.cycle.as_deref()).await {
        Ok(found) => found,
        Err(e) => return page_error(e),
    };
    let org = match directory::org_chart(&state.db.pool).await {
        Ok(o) => o,
        Err(e) => return page_error(e),
    };
    let Some(cycle) = cycle else { return StatusCode::NOT_FOUND.into_response() };
    let closed = !cycle.is_open(now);
    // Out of reach and unknown look the same.
    if !scope::can_see(&viewer, &person_id, &org, closed) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match person_report(&state, &cycle, &person_id, locale, t, now).await {
        Ok(Some((name, blocks, trend, comments))) => {
            let page = PersonPage {
                t,
                page_title: &name,
                nav: nav(
                    &viewer,
                    t,
                    &format!("/dashboard/people/{}?cycle={}", urlencode(&person_id), urlencode(&cycle.id)),
                ),
                cycle_title: cycle.title.clone(),
                status: if closed { t.status_closed } else { t.status_open },
                back: format!("/dashboard?cycle={}&lang={}", urlencode(&cycle.id), t.lang),
                blocks,
                trend,
                comments,
            };
            Html(page.render()).into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => page_error(e),
    }
}

type Report = (String, Vec<IndicatorBlock>, Option<String>, Vec<CommentView>);

async fn person_report(
    state: &AppState,
    cycle: &Cycle,
    person_id: &str,
    locale: Locale,
    t: &DashText,
    now: i64,
) -> Result<Option<Report>, sqlx::Error> {
    let pool = &state.db.pool;
    let scores = reports::cycle_scores(pool, cycle, now).await?;
    let Some(me) = scores.subjects.into_iter().find(|s| s.subject == person_id) else {
        return Ok(None);
    };
    let values = q::response_values(pool, &cycle.id, person_id).await?;
    let mut blocks = Vec::new();
    for (indicator, score) in &me.indicators {
        let label = indicator_label(locale, indicator);
        let mut relations = Vec::new();
        let mut chart_rows = Vec::new();
        let groups: Vec<(&str, crate::scoring::GroupScore)> = if score.by_relation.is_empty() {
            // Customers only: the indicator is the customer group.
            let g = crate::scoring::GroupScore {
                score: score.score,
                n: score.n,
                sd: score.sd,
                ci95: score.ci95,
                withheld: score.withheld,
            };
            vec![("customer", g)]
        } else {
            score.by_relation.iter().map(|(k, g)| (*k, g.clone())).collect()
        };
        for (rel, g) in &groups {
            let name = relation_label(locale, rel);
            relations.push(RelationRow {
                label: name,
                score: g.score.map_or_else(|| t.withheld.to_string(), |v| format!("{v:.1}")),
                n: g.n,
                interval: g.ci95.map(|[a, b]| format!("{a:.1}–{b:.1}")).unwrap_or_default(),
            });
            chart_rows.push((name.to_string(), g.score, g.ci95));
        }
        let self_score = score.by_relation.get("self").and_then(|g| g.score);
        let gap = match (self_score, score.score) {
            (Some(s), Some(o)) => Some(format!("{:+.1}", s - o)),
            _ => None,
        };
        // Distribution of the answers that are released: groups not withheld, never self.
        let mut released = Vec::new();
        for (rel, g) in &groups {
            if g.withheld || *rel == "self" {
                continue;
            }
            released.extend(values.iter().filter(|(i, r, _, _)| i == indicator && r == rel).map(|(_, _, _, v)| *v));
        }
        let histogram =
            (!released.is_empty()).then(|| charts::histogram(&format!("{} — {label}", t.distribution), &released));
        blocks.push(IndicatorBlock {
            chart: charts::intervals(&format!("{label} — {}", t.by_relation), &chart_rows, t.withheld),
            total: score.score.map_or_else(|| t.withheld.to_string(), |v| format!("{v:.1}")),
            n: score.n,
            gap,
            relations,
            histogram,
            label,
        });
    }
    // Trend: this person's indicator scores in every cycle they were reviewed in.
    let history = q::cycles_of(pool, person_id).await?;
    let mut titles = Vec::new();
    let mut series: Vec<(String, Vec<Option<f64>>)> =
        me.indicators.keys().map(|i| (indicator_label(locale, i), Vec::new())).collect();
    for id in &history {
        let Some(c) = cycles::load(pool, id).await? else { continue };
        let s = reports::cycle_scores(pool, &c, now).await?;
        let mine = s.subjects.into_iter().find(|s| s.subject == person_id);
        for ((_, points), indicator) in series.iter_mut().zip(me.indicators.keys()) {
            points.push(mine.as_ref().and_then(|m| m.indicators.get(indicator)).and_then(|i| i.score));
        }
        titles.push(c.title);
    }
    let trend = (titles.len() > 1).then(|| charts::trend(t.trend, &titles, &series));
    let comments = reports::cycle_comments(pool, cycle, now)
        .await?
        .remove(person_id)
        .map(|c| {
            c.comments
                .into_iter()
                .map(|c| CommentView { relation: relation_label(locale, c.relation), text: c.text })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some((me.name, blocks, trend, comments)))
}
