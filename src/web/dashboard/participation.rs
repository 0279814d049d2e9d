//! `/dashboard/participation?cycle=…|period=…`: invitations, answers and declines per team and
//! relation for every cycle of the selection (counts only), and the Excel download of the
//! selection for what the viewer may see.
use super::heatmap::{AnalyticsQuery, selection, selection_name, selection_notes, selection_query};
use super::*;
use crate::app::analytics::{self, ParticipationLine};
use crate::i18n::{AnalyticsText, analytics_text, fill};
use crate::web::nav::{Nav, nav};

pub struct Line {
    pub cycle: String,
    pub team: String,
    pub relation: &'static str,
    pub invited: i64,
    pub answered: i64,
    pub declined: i64,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "dashboard/participation.html")]
struct ParticipationPage<'a> {
    t: &'a DashText,
    a: &'a AnalyticsText,
    page_title: &'a str,
    nav: Nav,
    caption: String,
    notes: Vec<String>,
    lines: Vec<Line>,
    heatmap: String,
    download: String,
}

fn line(who: &SignedIn, l: ParticipationLine) -> Line {
    let a = analytics_text(who.locale);
    Line {
        rate: l.rate().map(|r| format!("{:.0} %", r * 100.0)).unwrap_or_else(|| "—".into()),
        cycle: crate::domain::cycle::title_in(&l.cycle_title, &l.cycle_title_i18n, who.locale).to_string(),
        team: l.team.unwrap_or_else(|| a.no_team.to_string()),
        relation: relation_label(who.locale, l.relation.as_str()),
        invited: l.invited,
        answered: l.answered,
        declined: l.declined,
    }
}

pub(super) async fn participation(State(app): State<App>, who: SignedIn, Query(q): Query<AnalyticsQuery>) -> Response {
    let (t, a) = (who.t, analytics_text(who.locale));
    let sel = match selection(&app, &q).await {
        Ok(Some(sel)) => sel,
        Ok(None) | Err(app::Error::Invalid { .. } | app::Error::NotFound { .. }) => return not_found(who.locale),
        Err(e) => return app_error(e, who.locale),
    };
    let lines = match analytics::participation(&app, Some(&who.viewer), &sel).await {
        Ok(lines) => lines.into_iter().map(|l| line(&who, l)).collect(),
        Err(e) => return app_error(e, who.locale),
    };
    let query = selection_query(&sel);
    let page = ParticipationPage {
        t,
        a,
        page_title: a.participation_title,
        nav: nav(&who.viewer, t, &format!("/dashboard/participation?{query}")),
        caption: fill(a.participation_caption, &[("what", &selection_name(&sel, who.locale))]),
        notes: selection_notes(a, &sel, who.locale).into_iter().skip(usize::from(sel.pooled.is_empty())).collect(),
        lines,
        heatmap: format!("/dashboard/heatmap?{query}&lang={}", t.lang),
        download: format!("/dashboard/scores.xlsx?{query}&lang={}", t.lang),
    };
    Html(page.render()).into_response()
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    cycle: Option<String>,
    period: Option<String>,
    /// Only this team (the team view's download).
    team: Option<String>,
}

/// `GET /dashboard/scores.xlsx`: the selection's scores and participation as a workbook, for
/// what the signed-in viewer may see, in the page's language.
pub(super) async fn xlsx(State(app): State<App>, who: SignedIn, Query(q): Query<ExportQuery>) -> Response {
    let built = async {
        let aq = AnalyticsQuery { cycle: q.cycle.clone(), period: q.period.clone(), ..Default::default() };
        let Some(sel) = selection(&app, &aq).await? else { return Ok(None) };
        let team = q.team.as_deref().filter(|t| !t.is_empty());
        let scores = analytics::scores(&app, Some(&who.viewer), &sel, team).await?;
        let mut lines = analytics::participation(&app, Some(&who.viewer), &sel).await?;
        if let Some(team) = team {
            lines.retain(|l| l.team.as_deref() == Some(team));
        }
        let labels = Labels::load(&app, who.locale).await?;
        let indicator = |i: &str| labels.of(i);
        let words = workbook_words(who.locale, &indicator);
        let bytes = crate::app::export::workbook(&scores, &lines, &words)?;
        Ok::<_, app::Error>(Some((crate::app::export::filename(&scores), bytes)))
    };
    match built.await {
        Ok(Some((name, bytes))) => xlsx_response(&name, bytes),
        Ok(None) | Err(app::Error::Invalid { .. } | app::Error::NotFound { .. }) => not_found(who.locale),
        Err(e) => app_error(e, who.locale),
    }
}

fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, crate::app::export::CONTENT_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A workbook's words in this language.
fn workbook_words<'a>(locale: Locale, indicator: &'a dyn Fn(&str) -> String) -> crate::app::export::Words<'a> {
    let (a, t) = (analytics_text(locale), crate::i18n::dash_text(locale));
    crate::app::export::Words {
        locale,
        sheets: a.sheets,
        score_headers: a.score_headers,
        relations: crate::app::analytics::RELATIONS.map(|r| relation_label(locale, r.as_str())),
        relation_columns: crate::app::analytics::RELATIONS.map(|r| {
            a.relation_columns.map(|m| crate::i18n::fill(m, &[("relation", relation_label(locale, r.as_str()))]))
        }),
        participation_headers: a.participation_headers,
        cycle_status: [t.status_open, t.status_closed],
        score_status: a.score_status,
        no_team: a.no_team,
        indicator,
    }
}
