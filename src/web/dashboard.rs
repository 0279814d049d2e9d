//! `/dashboard` (the team) and `/dashboard/people/{id}` (one person's report).
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
    Router::new().route("/dashboard", get(team)).route("/dashboard/people/{person}", get(person))
}

#[derive(Deserialize, Default)]
pub struct DashQuery {
    cycle: Option<String>,
    /// A month, quarter or year: the team's scores pooled over it instead of one cycle.
    period: Option<String>,
    sort: Option<String>,
}

/// The header every signed-in page shares.
pub struct Nav {
    pub name: String,
    pub is_admin: bool,
    pub csrf: String,
    pub lang_link: String,
}

pub fn nav(viewer: &Viewer, t: &DashText, here: &str) -> Nav {
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
    periods: Vec<CycleOption>,
    /// Progress belongs to one cycle; a period's view has none.
    show_progress: bool,
    cycle_id: String,
    status: &'a str,
    columns: Vec<Column>,
    rows: Vec<TeamRow>,
    charts: Vec<String>,
}

/// Every cycle (newest first) and the one asked for, or the newest.
async fn pick_cycle(app: &App, wanted: Option<&str>) -> app::Result<(Vec<CycleRow>, Option<Cycle>)> {
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
fn why(t: &DashText, status: Status) -> &'static str {
    match status {
        Status::Open => t.why_open,
        Status::BelowThreshold => t.why_below,
        Status::NoData | Status::Ok => t.why_no_data,
    }
}

fn shown(t: &DashText, score: Option<f64>, status: Status) -> charts::Shown {
    score.ok_or_else(|| why(t, status).to_string())
}

fn fmt_score(s: &IndicatorScore, t: &DashText) -> Cell {
    match s.score {
        Some(v) => Cell { text: format!("{v:.1}"), withheld: false },
        None => Cell { text: why(t, s.status).to_string(), withheld: true },
    }
}

async fn team(State(app): State<App>, who: SignedIn, Query(dq): Query<DashQuery>) -> Response {
    if let Some(period) = dq.period.as_deref().filter(|p| !p.is_empty()) {
        return match period_page(&app, &who, &dq, period).await {
            Ok(page) => Html(page.render()).into_response(),
            Err(app::Error::Invalid { .. }) => not_found(who.locale),
            Err(e) => app_error(e, who.locale),
        };
    }
    let (all, cycle) = match pick_cycle(&app, dq.cycle.as_deref()).await {
        Ok(found) => found,
        Err(e) => return app_error(e, who.locale),
    };
    let Some(cycle) = cycle else {
        if dq.cycle.is_some() {
            return not_found(who.locale);
        }
        return Html(empty_team(&who).render()).into_response();
    };
    match team_page(&app, &who, &dq, all, &cycle).await {
        Ok(page) => Html(page.render()).into_response(),
        Err(e) => app_error(e, who.locale),
    }
}

fn empty_team(who: &SignedIn) -> TeamPage<'static> {
    let t = who.t;
    TeamPage {
        t,
        page_title: t.dashboard_title,
        nav: nav(&who.viewer, t, "/dashboard"),
        cycles: Vec::new(),
        periods: Vec::new(),
        show_progress: false,
        cycle_id: String::new(),
        status: "",
        columns: Vec::new(),
        rows: Vec::new(),
        charts: Vec::new(),
    }
}

/// The viewer's part of the cycle's scores, sorted as asked.
async fn visible_scores(
    app: &App,
    who: &SignedIn,
    cycle: &Cycle,
    sort: Option<&str>,
) -> app::Result<Vec<SubjectScores>> {
    let now = time::now();
    let scores = results::cycle_scores(&app.db, cycle, now).await?;
    let org = access::org_chart_of(app, &cycle.id).await?;
    let closed = !cycle.is_open(now);
    let mut visible: Vec<SubjectScores> =
        scores.subjects.into_iter().filter(|s| access::can_see(&who.viewer, &s.subject, &org, closed)).collect();
    sort_scores(&mut visible, sort);
    Ok(visible)
}

/// By the chosen indicator, best first, or by name.
fn sort_scores(visible: &mut [SubjectScores], sort: Option<&str>) {
    match sort {
        Some(key) if visible.first().is_some_and(|s| s.indicators.contains_key(key)) => visible.sort_by(|a, b| {
            let score = |s: &SubjectScores| s.indicators.get(key).and_then(|i| i.score).unwrap_or(-1.0);
            score(b).total_cmp(&score(a))
        }),
        _ => visible.sort_by(|a, b| a.name.cmp(&b.name)),
    }
}

async fn team_page<'a>(
    app: &App,
    who: &'a SignedIn,
    dq: &DashQuery,
    all: Vec<CycleRow>,
    cycle: &Cycle,
) -> app::Result<TeamPage<'a>> {
    let t = who.t;
    let visible = visible_scores(app, who, cycle, dq.sort.as_deref()).await?;
    let progress = results::subject_progress(&app.db, &cycle.id).await?;
    let base = format!("/dashboard?cycle={}&lang={}", urlencode(&cycle.id), t.lang);
    let (columns, rows, charts) = team_table(who, &visible, Some(&progress), &base);
    let closed = !cycle.is_open(time::now());
    Ok(TeamPage {
        t,
        page_title: t.dashboard_title,
        nav: nav(&who.viewer, t, &format!("/dashboard?cycle={}", urlencode(&cycle.id))),
        cycles: all.into_iter().map(|c| CycleOption { selected: c.id == cycle.id, id: c.id, title: c.title }).collect(),
        periods: period_options(app, None).await?,
        show_progress: true,
        cycle_id: cycle.id.clone(),
        status: if closed { t.status_closed } else { t.status_open },
        columns,
        rows,
        charts,
    })
}

/// Every period the cycles name, with the quarters and years they lie in, newest first.
async fn period_options(app: &App, selected: Option<&str>) -> app::Result<Vec<CycleOption>> {
    use crate::domain::period::Period;
    let mut periods = std::collections::BTreeSet::new();
    for c in cycles::all(app).await? {
        if let Some(p) = c.period.as_deref().and_then(|p| Period::parse(p).ok()) {
            periods.extend(p.with_enclosing().into_iter().map(|p| p.to_string()));
        }
    }
    Ok(periods
        .into_iter()
        .rev()
        .map(|p| CycleOption { selected: selected == Some(p.as_str()), title: p.clone(), id: p })
        .collect())
}

/// The team's scores pooled over a period (the closed cycles inside it).
async fn period_page<'a>(app: &App, who: &'a SignedIn, dq: &DashQuery, period: &str) -> app::Result<TeamPage<'a>> {
    let t = who.t;
    let pooled = app::periods::scores(app, period, None).await?;
    let org = access::org_chart(app).await?;
    let mut visible: Vec<SubjectScores> =
        pooled.subjects.into_iter().filter(|s| access::can_see(&who.viewer, &s.subject, &org, true)).collect();
    sort_scores(&mut visible, dq.sort.as_deref());
    let base = format!("/dashboard?period={}&lang={}", urlencode(&pooled.period), t.lang);
    let (columns, rows, charts) = team_table(who, &visible, None, &base);
    let all = cycles::list(app).await?;
    Ok(TeamPage {
        t,
        page_title: t.dashboard_title,
        nav: nav(&who.viewer, t, &format!("/dashboard?period={}", urlencode(&pooled.period))),
        cycle_id: all.first().map(|c| c.id.clone()).unwrap_or_default(),
        cycles: all.into_iter().map(|c| CycleOption { selected: false, id: c.id, title: c.title }).collect(),
        periods: period_options(app, Some(&pooled.period)).await?,
        show_progress: false,
        status: if pooled.is_final { t.status_closed } else { t.status_open },
        columns,
        rows,
        charts,
    })
}

type TeamTable = (Vec<Column>, Vec<TeamRow>, Vec<String>);

/// The table and the charts of a team's scores, for a cycle or a period.
fn team_table(
    who: &SignedIn,
    visible: &[SubjectScores],
    progress: Option<&std::collections::HashMap<String, (i64, i64)>>,
    base: &str,
) -> TeamTable {
    let (t, locale) = (who.t, who.locale);
    let indicators: Vec<String> = visible.first().map(|s| s.indicators.keys().cloned().collect()).unwrap_or_default();
    let columns = indicators
        .iter()
        .map(|i| Column { label: indicator_label(locale, i), sort_link: format!("{base}&sort={}", urlencode(i)) })
        .collect();
    let rows: Vec<TeamRow> = visible
        .iter()
        .map(|s| {
            let (invited, completed) = progress.and_then(|p| p.get(&s.subject)).copied().unwrap_or((0, 0));
            TeamRow {
                id: s.subject.clone(),
                name: s.name.clone(),
                team: s.team.clone().unwrap_or_default(),
                cells: indicators.iter().map(|i| fmt_score(&s.indicators[i], t)).collect(),
                n: s.indicators.values().map(|i| i.n).sum(),
                invited,
                completed,
                percent: if invited > 0 { (completed * 100 / invited).clamp(0, 100) } else { 0 },
            }
        })
        .collect();
    let charts = indicators
        .iter()
        .map(|i| {
            let label = format!("{} — {}", t.chart_team, indicator_label(locale, i));
            let bars: Vec<(String, charts::Shown)> = visible
                .iter()
                .map(|s| (s.name.clone(), shown(t, s.indicators[i].score, s.indicators[i].status)))
                .collect();
            charts::bars(&label, &bars)
        })
        .collect();
    (columns, rows, charts)
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
    State(app): State<App>,
    who: SignedIn,
    Path(person_id): Path<String>,
    Query(dq): Query<DashQuery>,
) -> Response {
    let (t, locale) = (who.t, who.locale);
    let now = time::now();
    let found = async {
        let (_, cycle) = pick_cycle(&app, dq.cycle.as_deref()).await?;
        let org = match &cycle {
            Some(c) => access::org_chart_of(&app, &c.id).await?,
            None => access::org_chart(&app).await?,
        };
        Ok::<_, app::Error>((cycle, org))
    };
    let (cycle, org) = match found.await {
        Ok(x) => x,
        Err(e) => return app_error(e, locale),
    };
    let Some(cycle) = cycle else { return not_found(locale) };
    let closed = !cycle.is_open(now);
    // Out of reach and unknown look the same.
    if !access::can_see(&who.viewer, &person_id, &org, closed) {
        return not_found(locale);
    }
    match person_report(&app, &who.viewer, &org, &cycle, &person_id, locale, now).await {
        Ok(Some((name, blocks, trend, comments))) => {
            let page = PersonPage {
                t,
                page_title: &name,
                nav: nav(
                    &who.viewer,
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
        Ok(None) => not_found(locale),
        Err(e) => app_error(e, locale),
    }
}

type Report = (String, Vec<IndicatorBlock>, Option<String>, Vec<CommentView>);

/// The groups an indicator is shown by: its relations, or the customers alone.
fn shown_groups(score: &IndicatorScore) -> Vec<(&'static str, crate::scoring::GroupScore)> {
    if score.by_relation.is_empty() {
        let g = crate::scoring::GroupScore {
            score: score.score,
            n: score.n,
            sd: score.sd,
            ci95: score.ci95,
            withheld: score.withheld,
            status: score.status,
        };
        vec![("customer", g)]
    } else {
        score.by_relation.iter().map(|(k, g)| (*k, g.clone())).collect()
    }
}

type Values = [(String, String, f64)];

fn indicator_block(
    indicator: &str,
    score: &IndicatorScore,
    values: &Values,
    locale: Locale,
    t: &DashText,
) -> IndicatorBlock {
    let label = indicator_label(locale, indicator);
    let groups = shown_groups(score);
    let mut relations = Vec::new();
    let mut chart_rows = Vec::new();
    for (rel, g) in &groups {
        let name = relation_label(locale, rel);
        relations.push(RelationRow {
            label: name,
            score: g.score.map_or_else(|| why(t, g.status).to_string(), |v| format!("{v:.1}")),
            n: g.n,
            interval: g.ci95.map(|[a, b]| format!("{a:.1}–{b:.1}")).unwrap_or_default(),
        });
        chart_rows.push((name.to_string(), shown(t, g.score, g.status), g.ci95));
    }
    let self_score = score.by_relation.get("self").and_then(|g| g.score);
    let gap = match (self_score, score.score) {
        (Some(s), Some(o)) => Some(format!("{:+.1}", s - o)),
        _ => None,
    };
    // Distribution of the released answers (`values` holds only those), never self.
    let released: Vec<f64> =
        values.iter().filter(|(i, r, _)| i == indicator && r != "self").map(|(_, _, v)| *v).collect();
    let histogram =
        (!released.is_empty()).then(|| charts::histogram(&format!("{} — {label}", t.distribution), &released));
    IndicatorBlock {
        chart: charts::intervals(&format!("{label} — {}", t.by_relation), &chart_rows),
        total: score.score.map_or_else(|| why(t, score.status).to_string(), |v| format!("{v:.1}")),
        n: score.n,
        gap,
        relations,
        histogram,
        label,
    }
}

/// One trend line per kind of cycle: monthly customer surveys and quarterly 360s are not the
/// same measure over time, so they are not joined into one line.
fn trend_charts(history: &[results::TrendPoint], me: &SubjectScores, locale: Locale, t: &DashText) -> Option<String> {
    let kind = |p: &results::TrendPoint| match p.period.as_deref() {
        Some(p) if p.contains("-Q") => 1,
        Some(p) if p.len() == 7 => 0,
        Some(_) => 2,
        None => 3,
    };
    let titles = [t.trend_monthly, t.trend_quarterly, t.trend_yearly, t.trend];
    let charts: Vec<String> = (0..4)
        .filter_map(|k| {
            let points: Vec<&results::TrendPoint> = history.iter().filter(|p| kind(p) == k).collect();
            let names: Vec<String> = points.iter().map(|p| p.title.clone()).collect();
            let series: Vec<(String, Vec<Option<f64>>)> = me
                .indicators
                .keys()
                .filter(|i| points.iter().any(|p| p.scores.get(*i).copied().flatten().is_some()))
                .map(|i| {
                    (indicator_label(locale, i), points.iter().map(|p| p.scores.get(i).copied().flatten()).collect())
                })
                .collect();
            (names.len() > 1 && !series.is_empty()).then(|| charts::trend(titles[k], &names, &series))
        })
        .collect();
    (!charts.is_empty()).then(|| charts.concat())
}

async fn person_report(
    app: &App,
    viewer: &Viewer,
    org: &[OrgPerson],
    cycle: &Cycle,
    person_id: &str,
    locale: Locale,
    now: i64,
) -> app::Result<Option<Report>> {
    let t = crate::i18n::dash_text(locale);
    // This person only: one stored row for a closed cycle.
    let Some(report) = results::subject_report(&app.db, cycle, person_id, now).await? else {
        return Ok(None);
    };
    let (me, values) = (report.scores, report.values);
    let blocks =
        me.indicators.iter().map(|(indicator, score)| indicator_block(indicator, score, &values, locale, t)).collect();
    // Trend: this person's indicator scores in every cycle they were reviewed in.
    // Only cycles this viewer may see of this person: for the person themself, closed ones.
    let mut history = results::trend(app, person_id, now).await?;
    history.retain(|p| access::can_see(viewer, person_id, org, p.closed));
    let trend = trend_charts(&history, &me, locale, t);
    let comments = report
        .comments
        .comments
        .into_iter()
        .map(|c| CommentView { relation: relation_label(locale, c.relation.as_str()), text: c.text })
        .collect();
    Ok(Some((me.name, blocks, trend, comments)))
}
