//! A cycle's scores and released comments, assembled from the database and the formula.
//! Every output (JSON, CSV, dashboard) goes through here, so withholding is applied once.
use crate::db::scores::Only;
use crate::db::{Db, scores};
use crate::domain::Relation;
use crate::domain::cycle::Cycle;
use crate::scoring::{GroupInput, IndicatorScore, Rules, SatisfactionCounts, subject_scores};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::HashMap;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CycleScores {
    pub cycle: String,
    pub status: &'static str,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub min_raters: i64,
    pub subjects: Vec<SubjectScores>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubjectScores {
    pub subject: String,
    pub name: String,
    pub team: Option<String>,
    pub indicators: BTreeMap<String, IndicatorScore>,
}

/// Raters of anonymous groups: counted at close per (subject, relation, indicator), and the
/// distinct people who completed each (subject, relation) — a bound for answers stored before
/// raters were counted at close.
struct Raters {
    counted: HashMap<(String, String, String), u64>,
    people: HashMap<(String, Relation), u64>,
}

async fn raters(db: &Db, cycle: &str) -> super::Result<Raters> {
    let counted = crate::db::sealed::raters(&db.pool, cycle)
        .await?
        .into_iter()
        .map(|g| ((g.subject_id, g.relation, g.indicator), g.raters.max(0) as u64))
        .collect();
    let people =
        scores::anonymous_raters_by_relation(&db.pool, cycle).await?.into_iter().map(|(s, r, n)| ((s, r), n)).collect();
    Ok(Raters { counted, people })
}

/// Raters of an anonymous part of `n` responses: as counted at close, or at most both `n` and
/// the distinct people who answered (for answers stored before raters were counted).
fn raters_of(raters: &Raters, subject: &str, relation: Relation, indicator: &str, n: u64) -> u64 {
    let key = (subject.to_string(), relation.as_str().to_string(), indicator.to_string());
    raters.counted.get(&key).copied().unwrap_or_else(|| {
        let people = raters.people.get(&(subject.to_string(), relation)).copied().unwrap_or(0);
        n.min(people)
    })
}

/// The groups of a cycle as the formula takes them: released answers with their distinct
/// raters, and, while the cycle is open, the counts of sealed anonymous answers.
async fn group_inputs(
    db: &Db,
    cycle: &Cycle,
    open: bool,
    only: Only<'_>,
) -> super::Result<(Vec<GroupInput>, Vec<SatisfactionCounts>)> {
    let (mut groups, counts) = scores::groups(&db.pool, &cycle.id, only).await?;
    let known = raters(db, &cycle.id).await?;
    for g in groups.iter_mut().filter(|g| g.anonymous) {
        g.raters = raters_of(&known, &g.subject, g.relation, &g.indicator, g.sums.n);
    }
    if open {
        for (subject, relation, indicator, n) in scores::open_anonymous_counts(&db.pool, &cycle.id, only).await? {
            let sums = crate::scoring::stats::Sums { n, sum: 0.0, sum_sq: 0.0 };
            groups.push(GroupInput { subject, indicator, relation, anonymous: true, sums, raters: 0 });
        }
    }
    Ok((groups, counts))
}

/// A closed cycle's groups with their raters, as the formula takes them (for pooling).
pub(super) async fn released_inputs(
    db: &Db,
    cycle: &Cycle,
    only: Only<'_>,
) -> super::Result<(Vec<GroupInput>, Vec<SatisfactionCounts>)> {
    group_inputs(db, cycle, false, only).await
}

pub fn rules(cycle: &Cycle) -> Rules {
    // Results are final once the close has released the answers, not when `closes_at` passes:
    // between the two (the worker's next round, or a close under way) anonymous groups are
    // still sealed, counted as for an open cycle.
    Rules {
        cycle_open: !cycle.closed,
        min_raters: cycle.min_raters.max(2) as u64,
        weights: cycle.weights.clone(),
        weights_by_role: cycle.weights_by_role.clone(),
    }
}

/// Scores for every subject of the cycle, rounded for output. A closed cycle's are read from
/// its stored results (stored at close; computed, not stored, while they are not).
#[tracing::instrument(skip_all, fields(cycle = %cycle.id))]
pub async fn cycle_scores(app: &super::App, cycle: &Cycle, now: i64) -> super::Result<CycleScores> {
    let db = &app.db;
    if cycle.is_open(now) || !super::closed::is_stored(db, cycle).await? {
        compute_scores(db, cycle, now, Only::All).await
    } else {
        super::closed::scores(db, cycle).await
    }
}

/// Comments per subject; a closed cycle's from its stored results.
pub async fn cycle_comments(
    app: &super::App,
    cycle: &Cycle,
    now: i64,
) -> super::Result<BTreeMap<String, SubjectComments>> {
    let db = &app.db;
    if cycle.is_open(now) || !super::closed::is_stored(db, cycle).await? {
        compute_comments(db, cycle, Only::All).await
    } else {
        super::closed::comments(db, cycle).await
    }
}

/// Everything a person's page shows of one cycle: their scores, comments and released values.
#[derive(Debug)]
pub struct SubjectReport {
    pub scores: SubjectScores,
    pub comments: SubjectComments,
    /// (indicator, relation, value) of every released answer, for the histograms.
    pub values: Vec<(String, String, f64)>,
}

/// One subject's report, reading that subject only (a closed cycle: one stored row).
#[tracing::instrument(skip_all, fields(cycle = %cycle.id, subject = %subject))]
pub async fn subject_report(
    app: &super::App,
    cycle: &Cycle,
    subject: &str,
    now: i64,
) -> super::Result<Option<SubjectReport>> {
    let db = &app.db;
    if !cycle.is_open(now) && super::closed::is_stored(db, cycle).await? {
        return super::closed::subject(db, cycle, subject).await;
    }
    let only = Only::Subject(subject);
    let Some(scores) = compute_scores(db, cycle, now, only).await?.subjects.into_iter().next() else {
        return Ok(None);
    };
    let comments = compute_comments(db, cycle, only).await?.remove(subject).unwrap_or_default();
    let values = compute_values(db, cycle, only).await?.remove(subject).unwrap_or_default();
    Ok(Some(SubjectReport { scores, comments, values }))
}

/// The formula over the database's sums, for every subject or one.
pub(super) async fn compute_scores(db: &Db, cycle: &Cycle, now: i64, only: Only<'_>) -> super::Result<CycleScores> {
    let pool = &db.pool;
    let rules = rules(cycle);
    let subjects = scores::subjects(pool, &cycle.id, only).await?;
    let indicators = scores::indicators(pool, &cycle.id).await?;
    let (groups, counts) = group_inputs(db, cycle, rules.cycle_open, only).await?;
    let ids: Vec<(String, Option<String>)> = subjects.iter().map(|s| (s.id.clone(), s.role.clone())).collect();
    let mut computed = subject_scores(&ids, &indicators, &groups, &counts, &rules);
    Ok(CycleScores {
        cycle: cycle.id.clone(),
        status: cycle.status(now),
        is_final: !rules.cycle_open,
        min_raters: cycle.min_raters,
        subjects: subjects
            .into_iter()
            .map(|s| SubjectScores {
                indicators: computed
                    .remove(&s.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.rounded()))
                    .collect(),
                subject: s.id,
                name: s.name,
                team: s.team,
            })
            .collect(),
    })
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, utoipa::ToSchema)]
pub struct ReleasedComment {
    pub relation: Relation,
    pub question: String,
    pub text: String,
    /// The survey the question belongs to (question ids are unique within a survey only).
    #[serde(default)]
    pub survey: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WithheldGroup {
    pub relation: Relation,
    pub n: u64,
}

#[derive(Debug, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct SubjectComments {
    pub comments: Vec<ReleasedComment>,
    pub withheld: Vec<WithheldGroup>,
}

/// Comments per subject. Anonymous ones follow their group's rule (withheld while the cycle
/// is open or below `min_raters`), and come sorted by relation, question and text: an order
/// that says nothing about who wrote what or when.
pub(super) async fn compute_comments(
    db: &Db,
    cycle: &Cycle,
    only: Only<'_>,
) -> super::Result<BTreeMap<String, SubjectComments>> {
    let rules = rules(cycle);
    let known = raters(db, &cycle.id).await?;
    let mut out: BTreeMap<String, SubjectComments> = BTreeMap::new();
    // Every anonymous group that is not shown says so, with its size and nothing else, whether
    // or not anyone in it wrote a comment.
    let mut withheld: BTreeMap<(String, Relation), u64> = BTreeMap::new();
    for ((subject, relation), people) in &known.people {
        if matches!(only, Only::Subject(s) if s != subject) {
            continue;
        }
        let raters = raters_of(&known, subject, *relation, "", *people);
        if !rules.releases(raters) {
            withheld.insert((subject.clone(), *relation), if rules.cycle_open { *people } else { raters });
        }
    }
    for c in scores::comments(&db.pool, &cycle.id, only).await? {
        if c.anonymous && withheld.contains_key(&(c.subject.clone(), c.relation)) {
            continue;
        }
        let entry = out.entry(c.subject.clone()).or_default();
        entry.comments.push(ReleasedComment {
            relation: c.relation,
            question: c.question,
            text: c.text,
            survey: c.survey,
        });
    }
    for ((subject, relation), n) in withheld {
        out.entry(subject).or_default().withheld.push(WithheldGroup { relation, n });
    }
    for v in out.values_mut() {
        v.comments.sort_by(|a, b| {
            (a.relation.as_str(), &a.question, &a.text).cmp(&(b.relation.as_str(), &b.question, &b.text))
        });
    }
    Ok(out)
}

/// The released answers' values per subject: (indicator, relation, value). An anonymous value
/// is released with its part only (rule 4), whatever the rest of its group.
pub(super) async fn compute_values(
    db: &Db,
    cycle: &Cycle,
    only: Only<'_>,
) -> super::Result<BTreeMap<String, Vec<(String, String, f64)>>> {
    let rules = rules(cycle);
    let values = crate::db::dashboard::response_values(&db.pool, &cycle.id, only).await?;
    let known = raters(db, &cycle.id).await?;
    let mut part_sizes: HashMap<(&str, &str, &str), u64> = HashMap::new();
    for (subject, indicator, relation, anonymous, _) in &values {
        if *anonymous {
            *part_sizes.entry((subject, indicator, relation)).or_default() += 1;
        }
    }
    let released = |subject: &str, indicator: &str, relation: &str| {
        let n = part_sizes.get(&(subject, indicator, relation)).copied().unwrap_or(0);
        Relation::parse(relation).is_some_and(|r| rules.releases(raters_of(&known, subject, r, indicator, n)))
    };
    let mut out: BTreeMap<String, Vec<(String, String, f64)>> = BTreeMap::new();
    for (subject, indicator, relation, anonymous, value) in &values {
        if !anonymous || released(subject, indicator, relation) {
            out.entry(subject.clone()).or_default().push((indicator.clone(), relation.clone(), *value));
        }
    }
    Ok(out)
}

/// (invited, completed) per subject of a cycle.
/// A closed cycle's is read from its stored results.
pub async fn subject_progress(
    app: &super::App,
    cycle: &Cycle,
    now: i64,
) -> super::Result<std::collections::HashMap<String, (i64, i64)>> {
    let db = &app.db;
    if cycle.is_open(now) || !super::closed::is_stored(db, cycle).await? {
        return Ok(crate::db::dashboard::subject_progress(&db.pool, &cycle.id).await?);
    }
    Ok(crate::db::dashboard::stored_progress(&db.pool, &cycle.id).await?)
}

/// One point of a person's trend: a cycle's title and the person's score per indicator.
pub struct TrendPoint {
    pub title: String,
    /// The cycle's period, if it has one (`YYYY-MM`, `YYYY-Qn`, `YYYY`).
    pub period: Option<String>,
    /// Whether the cycle has closed (its anonymous groups may be released).
    pub closed: bool,
    pub scores: BTreeMap<String, Option<f64>>,
    /// How many answers each indicator's score rests on.
    pub n: BTreeMap<String, u64>,
}

/// This person's indicator scores in every cycle they were reviewed in, oldest first.
#[tracing::instrument(skip_all, fields(person = %person))]
pub async fn trend(app: &super::App, person: &str, now: i64) -> super::Result<Vec<TrendPoint>> {
    let mut points = Vec::new();
    for id in crate::db::dashboard::cycles_of(&app.db.pool, person).await? {
        // Through the one place that decides "closed" (and releases a cycle that is due).
        let c = super::cycles::load(app, &id).await?;
        let indicators = subject_report(app, &c, person, now).await?.map(|r| r.scores.indicators).unwrap_or_default();
        let n = indicators.iter().map(|(k, v)| (k.clone(), v.n)).collect();
        let scores = indicators.into_iter().map(|(k, v)| (k, v.score)).collect();
        points.push(TrendPoint { closed: !c.is_open(now), title: c.title, period: c.period, scores, n });
    }
    Ok(points)
}
