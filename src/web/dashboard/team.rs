//! The team's indicators for one cycle or pooled over a period.
use super::*;
use crate::web::nav::{Nav, nav};

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
    /// What a person's link keeps of this view: `cycle=…` or `period=…`.
    person_query: String,
    /// For a period: which cycles it pooled, left out, or cannot hold.
    notes: Vec<String>,
    status: &'a str,
    columns: Vec<Column>,
    rows: Vec<TeamRow>,
    charts: Vec<String>,
    /// Reviewer lists (peer nominations) this viewer may approve.
    approvals: Vec<ApprovalRow>,
    approvals_title: &'a str,
    tools: Tools<'a>,
}

/// Analytics around the team table: its team filter, comparison, links and download.
pub struct Tools<'a> {
    pub a: &'a crate::i18n::AnalyticsText,
    /// `cycle=…` or `period=…` of this view.
    pub query: String,
    pub team: Option<String>,
    pub compare: Vec<CycleOption>,
    pub compare_note: Option<String>,
    /// The period compared with, named beside each compared score.
    pub compare_period: String,
}

impl Tools<'_> {
    fn new(who: &SignedIn, query: String, dq: &DashQuery, compare: Vec<CycleOption>) -> Tools<'static> {
        let a = crate::i18n::analytics_text(who.locale);
        let team = dq.team.clone().filter(|t| !t.is_empty());
        let compare_period = dq.compare.clone().unwrap_or_default();
        Tools { a, query, team, compare, compare_note: None, compare_period }
    }

    /// `&team=…` when the view is one team's.
    pub fn team_param(&self) -> String {
        self.team.as_deref().map(|t| format!("&team={}", urlencode(t))).unwrap_or_default()
    }

    /// What the comparison form keeps of this view (its cycle or period, and team).
    pub fn hidden(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = url::form_urlencoded::parse(self.query.as_bytes()).into_owned().collect();
        out.extend(self.team.clone().map(|t| ("team".to_string(), t)));
        out
    }

    pub fn team_label(&self) -> String {
        self.team.as_deref().map(|t| crate::i18n::fill(self.a.team_filter, &[("team", t)])).unwrap_or_default()
    }
}

pub struct ApprovalRow {
    pub name: String,
    pub cycle: String,
    pub status: &'static str,
    pub href: String,
    pub waiting: bool,
}

/// Reviewer lists the viewer may approve, those waiting first; empty when there are none (or
/// they cannot be read: the dashboard still shows).
async fn approvals(app: &App, who: &SignedIn) -> Vec<ApprovalRow> {
    let f = crate::i18n::flow_text(who.locale);
    let mut rows: Vec<ApprovalRow> = match crate::app::nominations::to_approve(app, &who.viewer).await {
        Ok(list) => list
            .into_iter()
            .filter(|n| n.subject_id != who.viewer.person_id)
            .map(|n| ApprovalRow {
                status: crate::web::nominate::status_word(f, &n.status),
                href: format!("/nominations/{}/{}?lang={}", n.cycle_id, n.subject_id, who.t.lang),
                waiting: n.status == "submitted",
                name: n.subject_name,
                cycle: crate::domain::cycle::title_in(&n.cycle_title, &n.cycle_title_i18n, who.locale).to_string(),
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e.chain(), "could not list reviewer lists");
            Vec::new()
        }
    };
    rows.sort_by_key(|r| !r.waiting);
    rows
}

/// Every cycle (newest first) and the one asked for, or the newest.
pub(super) async fn team(State(app): State<App>, who: SignedIn, Query(dq): Query<DashQuery>) -> Response {
    if let Some(period) = dq.period.as_deref().filter(|p| !p.is_empty()) {
        return match period_page(&app, &who, &dq, period).await {
            Ok(mut page) => {
                page.approvals = approvals(&app, &who).await;
                Html(page.render()).into_response()
            }
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
        let mut page = empty_team(&who);
        page.approvals = approvals(&app, &who).await;
        return Html(page.render()).into_response();
    };
    match team_page(&app, &who, &dq, all, &cycle).await {
        Ok(mut page) => {
            page.approvals = approvals(&app, &who).await;
            Html(page.render()).into_response()
        }
        // A comparison with something that is not a period.
        Err(app::Error::Invalid { .. }) => not_found(who.locale),
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
        person_query: String::new(),
        notes: Vec::new(),
        status: "",
        columns: Vec::new(),
        rows: Vec::new(),
        charts: Vec::new(),
        approvals: Vec::new(),
        approvals_title: crate::i18n::flow_text(who.locale).approvals_title,
        tools: Tools::new(who, String::new(), &DashQuery::default(), Vec::new()),
    }
}

/// The viewer's part of the cycle's scores, sorted as asked.
async fn visible_scores(app: &App, who: &SignedIn, cycle: &Cycle, dq: &DashQuery) -> app::Result<Vec<SubjectScores>> {
    let now = time::now();
    let scores = results::cycle_scores(app, cycle, now).await?;
    let org = access::org_chart_of(app, &cycle.id).await?;
    let closed = !cycle.is_open(now);
    let mut visible: Vec<SubjectScores> =
        scores.subjects.into_iter().filter(|s| access::can_see(&who.viewer, &s.subject, &org, closed)).collect();
    of_team(&mut visible, dq);
    sort_scores(&mut visible, dq.sort.as_deref());
    Ok(visible)
}

/// `&compare=…` when the view compares with a period, so that sorting keeps it.
fn compare_param(dq: &DashQuery) -> String {
    dq.compare.as_deref().filter(|p| !p.is_empty()).map(|p| format!("&compare={}", urlencode(p))).unwrap_or_default()
}

/// One team's people, when a heatmap's cell asked for them.
fn of_team(visible: &mut Vec<SubjectScores>, dq: &DashQuery) {
    if let Some(team) = dq.team.as_deref().filter(|t| !t.is_empty()) {
        visible.retain(|s| s.team.as_deref() == Some(team));
    }
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
    let (t, now) = (who.t, time::now());
    let visible = visible_scores(app, who, cycle, dq).await?;
    let progress = results::subject_progress(app, cycle, now).await?;
    let query = format!("cycle={}", urlencode(&cycle.id));
    let mut tools = Tools::new(who, query.clone(), dq, period_options(app, dq.compare.as_deref()).await?);
    let base = format!("/dashboard?{query}{}{}&lang={}", tools.team_param(), compare_param(dq), t.lang);
    let labels = Labels::load(app, who.locale).await?;
    let compared = super::compare::compared(app, dq.compare.as_deref(), None).await?;
    tools.compare_note = super::compare::note(who.locale, &compared);
    let (columns, rows, charts) = team_table(who, &labels, &visible, Some(&progress), &base, compared.as_ref());
    let closed = !cycle.is_open(now);
    Ok(TeamPage {
        t,
        page_title: t.dashboard_title,
        nav: nav(&who.viewer, t, &format!("/dashboard?cycle={}", urlencode(&cycle.id))),
        cycles: all
            .into_iter()
            .map(|c| CycleOption {
                selected: c.id == cycle.id,
                title: crate::domain::cycle::title_in(&c.title, &c.title_i18n, who.locale).to_string(),
                id: c.id,
            })
            .collect(),
        periods: period_options(app, None).await?,
        show_progress: true,
        cycle_id: cycle.id.clone(),
        person_query: format!("cycle={}", urlencode(&cycle.id)),
        notes: Vec::new(),
        status: if closed { t.status_closed } else { t.status_open },
        columns,
        rows,
        charts,
        approvals: Vec::new(),
        approvals_title: crate::i18n::flow_text(who.locale).approvals_title,
        tools,
    })
}

/// Every period the cycles name, with the quarters and years they lie in, newest first.
pub(super) async fn period_options(app: &App, selected: Option<&str>) -> app::Result<Vec<CycleOption>> {
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
    of_team(&mut visible, dq);
    sort_scores(&mut visible, dq.sort.as_deref());
    let query = format!("period={}", urlencode(&pooled.period));
    let mut tools = Tools::new(who, query.clone(), dq, period_options(app, dq.compare.as_deref()).await?);
    let base = format!("/dashboard?{query}{}{}&lang={}", tools.team_param(), compare_param(dq), t.lang);
    let labels = Labels::load(app, who.locale).await?;
    let compared = super::compare::compared(app, dq.compare.as_deref(), None).await?;
    tools.compare_note = super::compare::note(who.locale, &compared);
    let (columns, rows, charts) = team_table(who, &labels, &visible, None, &base, compared.as_ref());
    let all = cycles::list(app).await?;
    Ok(TeamPage {
        t,
        page_title: t.dashboard_title,
        nav: nav(&who.viewer, t, &format!("/dashboard?period={}", urlencode(&pooled.period))),
        cycle_id: all.first().map(|c| c.id.clone()).unwrap_or_default(),
        person_query: query.clone(),
        notes: period_notes(app, who, &pooled.period).await?,
        cycles: all
            .into_iter()
            .map(|c| CycleOption {
                selected: false,
                title: crate::domain::cycle::title_in(&c.title, &c.title_i18n, who.locale).to_string(),
                id: c.id,
            })
            .collect(),
        periods: period_options(app, Some(&pooled.period)).await?,
        show_progress: false,
        status: if pooled.is_final { t.status_closed } else { t.status_open },
        columns,
        rows,
        charts,
        approvals: Vec::new(),
        approvals_title: crate::i18n::flow_text(who.locale).approvals_title,
        tools,
    })
}

/// Which cycles a period pooled and which it left out, and the cycles no period holds.
pub(super) async fn period_notes(app: &App, who: &SignedIn, period: &str) -> app::Result<Vec<String>> {
    let a = crate::i18n::analytics_text(who.locale);
    let sel = app::analytics::select(app, None, Some(period)).await?;
    let mut notes = super::heatmap::selection_notes(a, &sel, who.locale);
    let without = app::periods::without_period(app).await?;
    if !without.is_empty() {
        let titles: Vec<&str> = without.iter().map(|c| c.title_in(who.locale)).collect();
        notes.push(crate::i18n::fill(a.no_period, &[("cycles", &titles.join(", "))]));
    }
    Ok(notes)
}

type TeamTable = (Vec<Column>, Vec<TeamRow>, Vec<String>);

/// The table and the charts of a team's scores, for a cycle or a period.
fn team_table(
    who: &SignedIn,
    labels: &Labels,
    visible: &[SubjectScores],
    progress: Option<&std::collections::HashMap<String, (i64, i64)>>,
    base: &str,
    compared: Option<&app::periods::PeriodScores>,
) -> TeamTable {
    let t = who.t;
    let indicators: Vec<String> = visible.first().map(|s| s.indicators.keys().cloned().collect()).unwrap_or_default();
    let columns = indicators
        .iter()
        .map(|i| Column { label: labels.of(i), sort_link: format!("{base}&sort={}", urlencode(i)) })
        .collect();
    let rows: Vec<TeamRow> = visible
        .iter()
        .map(|s| {
            let (invited, completed) = progress.and_then(|p| p.get(&s.subject)).copied().unwrap_or((0, 0));
            TeamRow {
                id: s.subject.clone(),
                name: s.name.clone(),
                team: s.team.clone().unwrap_or_default(),
                cells: indicators
                    .iter()
                    .map(|i| {
                        let mut cell = fmt_score(&s.indicators[i], t);
                        cell.change = compared.map(|p| {
                            let then =
                                p.subjects.iter().find(|x| x.subject == s.subject).and_then(|x| x.indicators.get(i));
                            super::compare::of_indicator(who.locale, &s.indicators[i], then)
                        });
                        cell
                    })
                    .collect(),
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
            let label = format!("{} — {}", t.chart_team, labels.of(i));
            let bars: Vec<(String, charts::Shown)> = visible
                .iter()
                .map(|s| (s.name.clone(), shown(t, s.indicators[i].score, s.indicators[i].status)))
                .collect();
            charts::bars(&label, &bars)
        })
        .collect();
    (columns, rows, charts)
}
