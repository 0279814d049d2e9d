//! `/dashboard/heatmap?cycle=…|period=…`: teams × indicators (and, on demand, relations), each
//! cell a team's pooled score with its n, on a scale that reads in greyscale; a cell opens
//! the team's view. Who sees which team is decided in `app::analytics`.
use super::*;
use crate::app::analytics::{self, Selection, TeamCells};
use crate::domain::Relation;
use crate::i18n::{AnalyticsText, analytics_text, fill};
use crate::scoring::GroupScore;
use crate::web::nav::{Nav, nav};

#[derive(Deserialize, Default)]
pub struct AnalyticsQuery {
    pub(super) cycle: Option<String>,
    pub(super) period: Option<String>,
    /// Any value: relations as columns too.
    pub(super) relations: Option<String>,
}

/// One cell: the score (or why there is none), its n, and its band on the scale.
pub struct HeatCell {
    pub text: String,
    pub n: Option<u64>,
    /// `hm0` (lowest) … `hm4`, or `hm-none` (hatched: withheld or nothing answered).
    pub band: &'static str,
    /// Customer satisfaction: the share of the top two points, as a percent.
    pub extra: Option<String>,
    pub href: String,
    pub title: String,
}

pub struct HeatRow {
    pub team: String,
    pub people: String,
    pub cells: Vec<HeatCell>,
}

pub struct HeadGroup {
    pub label: String,
    pub span: usize,
}

#[derive(Template)]
#[template(path = "dashboard/heatmap.html")]
struct HeatmapPage<'a> {
    t: &'a DashText,
    a: &'a AnalyticsText,
    page_title: &'a str,
    nav: Nav,
    cycles: Vec<CycleOption>,
    periods: Vec<CycleOption>,
    caption: String,
    notes: Vec<String>,
    groups: Vec<HeadGroup>,
    /// Second header row when relations are shown.
    sub_columns: Vec<String>,
    rows: Vec<HeatRow>,
    relations_link: String,
    relations_label: &'a str,
    download: String,
    participation: String,
    legend: Vec<(&'static str, &'a str)>,
}

/// The band of a score on a five-step scale whose lightness alone orders it.
fn band(score: f64) -> &'static str {
    match score {
        s if s < 20.0 => "hm0",
        s if s < 40.0 => "hm1",
        s if s < 60.0 => "hm2",
        s if s < 80.0 => "hm3",
        _ => "hm4",
    }
}

/// `cycle=…` or `period=…`, as the selection was asked for.
pub(super) fn selection_query(sel: &Selection) -> String {
    match (&sel.cycle, &sel.period) {
        (Some(c), _) => format!("cycle={}", urlencode(&c.id)),
        (None, Some(p)) => format!("period={}", urlencode(p)),
        _ => String::new(),
    }
}

/// What the selection is called on a page: the cycle's title or the period.
pub(super) fn selection_name(sel: &Selection, locale: Locale) -> String {
    sel.cycle.as_ref().map(|c| c.title_in(locale).to_string()).or_else(|| sel.period.clone()).unwrap_or_default()
}

/// Which cycles were pooled and which were left out, in words.
pub(super) fn selection_notes(a: &AnalyticsText, sel: &Selection, locale: Locale) -> Vec<String> {
    let titles =
        |cs: &[crate::domain::cycle::Cycle]| cs.iter().map(|c| c.title_in(locale)).collect::<Vec<_>>().join(", ");
    let mut notes = Vec::new();
    if sel.pooled.is_empty() {
        notes.push(a.nothing_pooled.to_string());
    } else if sel.period.is_some() {
        notes.push(fill(a.pooled, &[("cycles", &titles(&sel.pooled))]));
    }
    if !sel.open.is_empty() && sel.period.is_some() {
        notes.push(fill(a.left_out, &[("cycles", &titles(&sel.open))]));
    }
    notes
}

/// The selection from the query, or the newest cycle when none is asked for.
pub(super) async fn selection(app: &App, q: &AnalyticsQuery) -> app::Result<Option<Selection>> {
    let (cycle, period) = (q.cycle.as_deref().filter(|c| !c.is_empty()), q.period.as_deref().filter(|p| !p.is_empty()));
    if cycle.is_none() && period.is_none() {
        let newest = cycles::list(app).await?.into_iter().next();
        return match newest {
            Some(c) => analytics::select(app, Some(&c.id), None).await.map(Some),
            None => Ok(None),
        };
    }
    analytics::select(app, cycle, period).await.map(Some)
}

fn cell(a: &AnalyticsText, t: &DashText, g: &GroupScore, csat: Option<f64>, href: String, title: String) -> HeatCell {
    match g.score {
        Some(v) => HeatCell {
            text: format!("{v:.1}"),
            n: Some(g.n),
            band: band(v),
            extra: csat.map(|c| format!("CSAT {:.0} %", c * 100.0)),
            href,
            title,
        },
        None => {
            // (The formula marks "no data" withheld too: only a threshold or an open cycle withholds.)
            let withheld = matches!(g.status, Status::BelowThreshold | Status::Open);
            let why = match withheld {
                true => fill(a.withheld_because, &[("why", why(t, g.status))]),
                false => why(t, g.status).into(),
            };
            HeatCell { text: why, n: None, band: "hm-none", extra: None, href, title }
        }
    }
}

/// An indicator's columns: its whole score, then (on demand) each relation it has.
fn columns<'a>(
    map: &'a analytics::Heatmap,
    indicator: &'a String,
    relations: bool,
) -> Vec<(&'a String, Option<Relation>)> {
    let mut out = vec![(indicator, None)];
    if relations {
        out.extend(map.relations.get(indicator).into_iter().flatten().map(|r| (indicator, Some(*r))));
    }
    out
}

fn rows(who: &SignedIn, labels: &Labels, map: &analytics::Heatmap, sel: &Selection, relations: bool) -> Vec<HeatRow> {
    let (t, a) = (who.t, analytics_text(who.locale));
    let columns: Vec<(&String, Option<Relation>)> =
        map.indicators.iter().flat_map(|i| columns(map, i, relations)).collect();
    let team_view = |team: &TeamCells| {
        let team = team.team.as_deref().map(|n| format!("&team={}", urlencode(n))).unwrap_or_default();
        format!("/dashboard?{}{team}&lang={}", selection_query(sel), t.lang)
    };
    map.teams
        .iter()
        .map(|team| {
            let name = team.team.clone().unwrap_or_else(|| a.no_team.to_string());
            let href = team_view(team);
            let cells = columns
                .iter()
                .map(|&(i, r)| {
                    let csat = match r {
                        None | Some(Relation::Customer) => team.indicators.get(i).and_then(|s| s.csat),
                        _ => None,
                    };
                    let title = fill(a.open_team, &[("team", &name), ("indicator", &labels.of(i))]);
                    cell(a, t, &team.cell(i, r), csat, href.clone(), title)
                })
                .collect();
            HeatRow { people: fill(a.people, &[("n", &team.people.to_string())]), team: name, cells }
        })
        .collect()
}

async fn page<'a>(app: &App, who: &'a SignedIn, q: &AnalyticsQuery, sel: Selection) -> app::Result<HeatmapPage<'a>> {
    let (t, a) = (who.t, analytics_text(who.locale));
    let relations = q.relations.is_some();
    let map = analytics::heatmap(app, Some(&who.viewer), &sel).await?;
    let labels = Labels::load(app, who.locale).await?;
    let query = selection_query(&sel);
    let here = format!("/dashboard/heatmap?{query}");
    let (relations_link, relations_label) = if relations {
        (format!("{here}&lang={}", t.lang), a.hide_relations)
    } else {
        (format!("{here}&relations=on&lang={}", t.lang), a.show_relations)
    };
    let groups: Vec<HeadGroup> = map
        .indicators
        .iter()
        .map(|i| HeadGroup { label: labels.of(i), span: columns(&map, i, relations).len() })
        .collect();
    let sub_columns = match relations {
        true => map
            .indicators
            .iter()
            .flat_map(|i| columns(&map, i, true))
            .map(|(_, r)| r.map_or(a.overall, |r| relation_label(who.locale, r.as_str())).to_string())
            .collect(),
        false => Vec::new(),
    };
    let name = selection_name(&sel, who.locale);
    let selected = sel.cycle.as_ref().map(|c| c.id.clone());
    Ok(HeatmapPage {
        t,
        a,
        page_title: a.heatmap_title,
        nav: nav(&who.viewer, t, &here),
        cycles: cycles::list(app)
            .await?
            .into_iter()
            .map(|c| CycleOption {
                selected: Some(&c.id) == selected.as_ref(),
                title: crate::domain::cycle::title_in(&c.title, &c.title_i18n, who.locale).to_string(),
                id: c.id,
            })
            .collect(),
        periods: super::team::period_options(app, sel.period.as_deref()).await?,
        caption: fill(a.heatmap_caption, &[("what", &name)]),
        notes: selection_notes(a, &sel, who.locale),
        groups,
        sub_columns,
        rows: rows(who, &labels, &map, &sel, relations),
        relations_link,
        relations_label,
        download: format!("/dashboard/scores.xlsx?{query}&lang={}", t.lang),
        participation: format!("/dashboard/participation?{query}&lang={}", t.lang),
        legend: ["hm0", "hm1", "hm2", "hm3", "hm4"].into_iter().zip(a.bands).collect(),
    })
}

pub(super) async fn heatmap(State(app): State<App>, who: SignedIn, Query(q): Query<AnalyticsQuery>) -> Response {
    let found = match selection(&app, &q).await {
        Ok(found) => found,
        Err(app::Error::Invalid { .. } | app::Error::NotFound { .. }) => return not_found(who.locale),
        Err(e) => return app_error(e, who.locale),
    };
    let Some(sel) = found else { return not_found(who.locale) };
    match page(&app, &who, &q, sel).await {
        Ok(p) => Html(p.render()).into_response(),
        Err(e) => app_error(e, who.locale),
    }
}
