//! One person's report: indicators by relation, trends, released comments — for a cycle, or
//! pooled over a period (`period.rs`).
mod blocks;
mod period;

use blocks::*;

use super::*;
use crate::web::nav::{Nav, nav};

#[derive(Template)]
#[template(path = "dashboard/person.html")]
struct PersonPage<'a> {
    t: &'a DashText,
    r: &'a crate::i18n::ReviewText,
    page_title: String,
    nav: Nav,
    cycle_title: String,
    status: &'a str,
    back: String,
    back_label: &'a str,
    blocks: Vec<IndicatorBlock>,
    trend: Option<String>,
    trend_table: Option<TrendTable>,
    comments: Vec<QuestionComments>,
    /// Nothing was released about this person in this cycle.
    empty: bool,
    min_raters: i64,
    feedback: Option<super::feedback::FeedbackSection>,
    csrf: &'a str,
    cycle_id: String,
    a: &'a crate::i18n::AnalyticsText,
    compare: Vec<CycleOption>,
    compare_note: Option<String>,
    /// The compared period, heading the relations' extra column.
    compare_period: Option<String>,
    person_id: String,
    /// One's own report while the cycle is open: when it will be there.
    pending: Option<String>,
    /// A period's report: what it pooled, each cycle's report a link away.
    pooled: Option<PooledView>,
    /// On paper only: the organisation, the team, the cycle and the day it was printed.
    print_head: String,
}

/// The cycles a period's report pooled: the sentence, then (title, link) of each.
pub struct PooledView {
    pub note: String,
    pub cycles: Vec<(String, String)>,
}

impl<'a> PersonPage<'a> {
    /// A report with nothing in it yet: the callers fill in what they have.
    fn blank(who: &'a SignedIn, person_id: &str, page_title: String, cycle_title: String) -> PersonPage<'a> {
        let t = who.t;
        let (back, back_label) = back_to(who, "");
        PersonPage {
            t,
            r: crate::i18n::review_text(who.locale),
            page_title,
            nav: nav(&who.viewer, t, "/me"),
            cycle_title,
            status: t.status_closed,
            back,
            back_label,
            blocks: Vec::new(),
            trend: None,
            trend_table: None,
            comments: Vec::new(),
            empty: false,
            min_raters: 0,
            feedback: None,
            csrf: &who.viewer.csrf,
            cycle_id: String::new(),
            a: crate::i18n::analytics_text(who.locale),
            compare: Vec::new(),
            compare_note: None,
            compare_period: None,
            person_id: person_id.to_string(),
            pending: None,
            pooled: None,
            print_head: String::new(),
        }
    }
}

pub(super) async fn person(
    State(app): State<App>,
    who: SignedIn,
    Path(person_id): Path<String>,
    Query(dq): Query<DashQuery>,
) -> Response {
    render(&app, &who, &person_id, &dq, None).await
}

/// A feedback form that was refused: the words as typed, why, and the status it answers.
pub(super) struct RefusedFeedback {
    pub status: axum::http::StatusCode,
    pub draft: super::feedback::Draft,
    pub error: String,
}

/// One person's report; `refused`: the feedback form as typed, with why it was refused.
pub(super) async fn render(
    app: &App,
    who: &SignedIn,
    person_id: &str,
    dq: &DashQuery,
    refused: Option<RefusedFeedback>,
) -> Response {
    if let Some(period) = dq.period.as_deref().filter(|p| !p.is_empty()) {
        return period::page(app, who, person_id, period).await;
    }
    let (t, locale) = (who.t, who.locale);
    let now = time::now();
    let found = async {
        let (_, cycle) = pick_cycle(app, dq.cycle.as_deref()).await?;
        let org = match &cycle {
            Some(c) => access::org_chart_of(app, &c.id).await?,
            None => access::org_chart(app).await?,
        };
        Ok::<_, app::Error>((cycle, org))
    };
    let (cycle, org) = match found.await {
        Ok(x) => x,
        Err(e) => return app_error(e, locale),
    };
    let Some(cycle) = cycle else { return not_found(locale) };
    let closed = !cycle.is_open(now);
    // Out of reach and unknown look the same; one's own report of an open cycle says when.
    if !access::can_see(&who.viewer, person_id, &org, closed) {
        return match person_id == who.viewer.person_id {
            true => own_pending(who, &cycle, &app.calendar),
            false => not_found(locale),
        };
    }
    let (compare, compared) = match compare_with(app, dq, person_id).await {
        Ok(x) => x,
        Err(app::Error::Invalid { .. }) => return not_found(locale),
        Err(e) => return app_error(e, locale),
    };
    let then = compared.as_ref().map(|p| p.subjects.iter().find(|s| s.subject == person_id));
    let report = match person_report(app, &who.viewer, &org, &cycle, person_id, locale, now, then).await {
        Ok(Some(r)) => Some(r),
        // Nothing about them in this cycle: their page still says so, in words.
        Ok(None) => None,
        Err(e) => return app_error(e, locale),
    };
    let (name, blocks, trend, comments) = match report {
        Some(r) => r,
        None => match crate::app::accounts::name_of(app, person_id).await {
            Ok(Some(name)) => (name, Vec::new(), (None, None), Vec::new()),
            Ok(None) => return not_found(locale),
            Err(e) => return app_error(e, locale),
        },
    };
    let feedback = if closed {
        match super::feedback::section(app, &who.viewer, &cycle, (person_id, &name), locale, dq.fb.as_deref()).await {
            Ok(f) => Some(f),
            Err(e) => return app_error(e, locale),
        }
    } else {
        None
    };
    let status = refused.as_ref().map_or(axum::http::StatusCode::OK, |r| r.status);
    let feedback = feedback.map(|f| match refused {
        Some(r) => super::feedback::FeedbackSection { draft: r.draft, flash: Some(r.error), error: true, ..f },
        None => f,
    });
    {
        let empty = blocks.is_empty() && comments.is_empty();
        let (back, back_label) = back_to(who, &format!("cycle={}&", urlencode(&cycle.id)));
        let team = org.iter().find(|p| p.id == person_id).and_then(|p| p.team.clone());
        let print_head = [
            Some(app.config.org_name.clone().unwrap_or_else(|| "Candor".into())),
            team,
            Some(cycle.title_in(locale).to_string()),
            Some(app.calendar.today()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        let page = PersonPage {
            t,
            r: crate::i18n::review_text(locale),
            page_title: name.clone(),
            nav: nav(
                &who.viewer,
                t,
                &format!("/dashboard/people/{}?cycle={}", urlencode(person_id), urlencode(&cycle.id)),
            ),
            cycle_title: cycle.title_in(locale).to_string(),
            status: if closed { t.status_closed } else { t.status_open },
            back,
            back_label,
            blocks,
            trend: trend.0,
            trend_table: trend.1,
            comments,
            empty,
            min_raters: cycle.min_raters,
            feedback,
            csrf: &who.viewer.csrf,
            cycle_id: cycle.id.clone(),
            a: crate::i18n::analytics_text(locale),
            compare,
            compare_note: super::compare::note(locale, &compared),
            compare_period: compared.as_ref().map(|p| p.period.clone()),
            person_id: person_id.to_string(),
            pending: None,
            pooled: None,
            print_head,
        };
        (status, Html(page.render())).into_response()
    }
}

/// Back to the team's view (`view`: `cycle=…&` or `period=…&`) for those who have a team; to
/// their home for someone reading their own report.
fn back_to<'a>(who: &'a SignedIn, view: &str) -> (String, &'a str) {
    let t = who.t;
    match who.viewer.is_admin || who.viewer.manages {
        true => (format!("/dashboard?{view}lang={}", t.lang), t.dashboard_title),
        false => (format!("/me?lang={}", t.lang), t.nav_me),
    }
}

/// One's own report of an open cycle: nothing yet, and the day it will be there.
fn own_pending(who: &SignedIn, cycle: &Cycle, calendar: &crate::domain::calendar::Calendar) -> Response {
    let f = crate::i18n::flow_text(who.locale);
    let day = calendar.day(cycle.closes_at);
    let mut page =
        PersonPage::blank(who, &who.viewer.person_id, who.viewer.name.clone(), cycle.title_in(who.locale).to_string());
    page.status = who.t.status_open;
    page.pending = Some(crate::i18n::fill(f.own_pending, &[("day", &day)]));
    Html(page.render()).into_response()
}

/// The periods to compare with, and the one asked for pooled for this person.
async fn compare_with(
    app: &App,
    dq: &DashQuery,
    person: &str,
) -> app::Result<(Vec<CycleOption>, Option<app::periods::PeriodScores>)> {
    let options = super::team::period_options(app, dq.compare.as_deref()).await?;
    Ok((options, super::compare::compared(app, dq.compare.as_deref(), Some(person)).await?))
}

type Report = (String, Vec<IndicatorBlock>, (Option<String>, Option<TrendTable>), Vec<QuestionComments>);

#[allow(clippy::too_many_arguments)]
async fn person_report(
    app: &App,
    viewer: &Viewer,
    org: &[OrgPerson],
    cycle: &Cycle,
    person_id: &str,
    locale: Locale,
    now: i64,
    then: Then<'_>,
) -> app::Result<Option<Report>> {
    let t = crate::i18n::dash_text(locale);
    // This person only: one stored row for a closed cycle.
    let Some(report) = results::subject_report(app, cycle, person_id, now).await? else {
        return Ok(None);
    };
    let (me, values) = (report.scores, report.values);
    let labels = Labels::load(app, locale).await?;
    let blocks = me
        .indicators
        .iter()
        .map(|(indicator, score)| indicator_block(indicator, score, &values, &labels, locale, then))
        .collect();
    // Trend: this person's indicator scores in the closed cycles they were reviewed in (an
    // open cycle's partial answers are not a point on the line), each with its n.
    let mut history = results::trend(app, person_id, now).await?;
    history.retain(|p| p.closed && access::can_see(viewer, person_id, org, p.closed));
    let trend = (trend_charts(&history, &me, &labels, t), trend_table(&history, &me, &labels));
    let comments = by_question(app, cycle, report.comments.comments, locale).await?;
    Ok(Some((me.name, blocks, trend, comments)))
}

/// Released comments grouped under the question they answer — by survey and question, as
/// question ids are unique within a survey only — in the surveys' and questions' order, in the
/// page's language (and the relation's own wording, for a peer survey).
async fn by_question(
    app: &App,
    cycle: &Cycle,
    comments: Vec<results::ReleasedComment>,
    locale: Locale,
) -> app::Result<Vec<QuestionComments>> {
    let surveys = crate::app::surveys::of_cycle(app, &cycle.id).await?;
    // (survey position, question position, wording) → comments.
    let mut groups: std::collections::BTreeMap<(usize, usize, String), Vec<CommentView>> = Default::default();
    for c in comments {
        let found =
            surveys.iter().enumerate().filter(|(_, s)| c.survey.is_empty() || s.id == c.survey).find_map(|(si, s)| {
                s.questions.iter().position(|q| q.id == c.question).map(|qi| (si, qi, &s.questions[qi]))
            });
        let key = match found {
            Some((si, qi, q)) => (si, qi, q.text_for(c.relation.as_str(), locale).to_string()),
            None => (usize::MAX, usize::MAX, c.question.clone()),
        };
        let view = CommentView { relation: relation_label(locale, c.relation.as_str()), text: c.text };
        groups.entry(key).or_default().push(view);
    }
    Ok(groups.into_iter().map(|((_, _, question), comments)| QuestionComments { question, comments }).collect())
}
