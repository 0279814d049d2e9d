//! A cycle's scores and released comments, assembled from the database and the formula.
//! Every output (JSON, CSV, dashboard) goes through here, so withholding is applied once.
use crate::db::{Db, scores};
use crate::domain::Relation;
use crate::domain::cycle::Cycle;
use crate::scoring::{GroupInput, IndicatorScore, Rules, SatisfactionCounts, subject_scores};
use serde::Serialize;
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

/// Distinct raters of each released anonymous group: (subject, relation, indicator) → raters.
type Raters = HashMap<(String, String, String), u64>;

async fn raters(db: &Db, cycle: &str) -> super::Result<Raters> {
    Ok(crate::db::sealed::raters(&db.pool, cycle)
        .await?
        .into_iter()
        .map(|g| ((g.subject_id, g.relation, g.indicator), g.raters.max(0) as u64))
        .collect())
}

/// Raters of an anonymous part; `fallback` (its response count) only for answers stored before
/// raters were counted at close.
fn raters_of(raters: &Raters, subject: &str, relation: Relation, indicator: &str, fallback: u64) -> u64 {
    raters
        .get(&(subject.to_string(), relation.as_str().to_string(), indicator.to_string()))
        .copied()
        .unwrap_or(fallback)
}

/// The groups of a cycle as the formula takes them: released answers with their distinct
/// raters, and, while the cycle is open, the counts of sealed anonymous answers.
async fn group_inputs(db: &Db, cycle: &Cycle, open: bool) -> super::Result<(Vec<GroupInput>, Vec<SatisfactionCounts>)> {
    let (mut groups, counts) = scores::groups(&db.pool, &cycle.id).await?;
    let known = raters(db, &cycle.id).await?;
    for g in groups.iter_mut().filter(|g| g.anonymous) {
        g.raters = raters_of(&known, &g.subject, g.relation, &g.indicator, g.sums.n);
    }
    if open {
        for (subject, relation, indicator, n) in scores::open_anonymous_counts(&db.pool, &cycle.id).await? {
            let sums = crate::scoring::stats::Sums { n, sum: 0.0, sum_sq: 0.0 };
            groups.push(GroupInput { subject, indicator, relation, anonymous: true, sums, raters: 0 });
        }
    }
    Ok((groups, counts))
}

pub fn rules(cycle: &Cycle, now: i64) -> Rules {
    Rules { cycle_open: cycle.is_open(now), min_raters: cycle.min_raters.max(2) as u64, weights: cycle.weights.clone() }
}

/// Scores for every subject of the cycle, rounded for output.
pub async fn cycle_scores(db: &Db, cycle: &Cycle, now: i64) -> super::Result<CycleScores> {
    let pool = &db.pool;
    let rules = rules(cycle, now);
    let subjects = scores::subjects(pool, &cycle.id).await?;
    let indicators = scores::indicators(pool, &cycle.id).await?;
    let (groups, counts) = group_inputs(db, cycle, rules.cycle_open).await?;
    let ids: Vec<String> = subjects.iter().map(|s| s.id.clone()).collect();
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

#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord, utoipa::ToSchema)]
pub struct ReleasedComment {
    pub relation: &'static str,
    pub question: String,
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithheldGroup {
    pub relation: &'static str,
    pub n: u64,
}

#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
pub struct SubjectComments {
    pub comments: Vec<ReleasedComment>,
    pub withheld: Vec<WithheldGroup>,
}

/// Comments per subject. Anonymous ones follow their group's rule (withheld while the cycle
/// is open or below `min_raters`), and come sorted by relation, question and text: an order
/// that says nothing about who wrote what or when.
pub async fn cycle_comments(db: &Db, cycle: &Cycle, now: i64) -> super::Result<BTreeMap<String, SubjectComments>> {
    let pool = &db.pool;
    let rules = rules(cycle, now);
    let counts: BTreeMap<(String, Relation), u64> =
        scores::response_counts(pool, &cycle.id).await?.into_iter().map(|(s, r, n)| ((s, r), n)).collect();
    let known = raters(db, &cycle.id).await?;
    let mut out: BTreeMap<String, SubjectComments> = BTreeMap::new();
    let mut withheld_seen = std::collections::BTreeSet::new();
    for c in scores::comments(pool, &cycle.id).await? {
        let n = counts.get(&(c.subject.clone(), c.relation)).copied().unwrap_or(0);
        let entry = out.entry(c.subject.clone()).or_default();
        // The same rule as the scores: an anonymous comment needs its relation's distinct raters.
        if c.anonymous && !rules.releases(raters_of(&known, &c.subject, c.relation, "", n)) {
            if withheld_seen.insert((c.subject.clone(), c.relation.as_str())) {
                entry.withheld.push(WithheldGroup { relation: c.relation.as_str(), n });
            }
        } else {
            entry.comments.push(ReleasedComment { relation: c.relation.as_str(), question: c.question, text: c.text });
        }
    }
    if rules.cycle_open {
        // Sealed until close: each anonymous group shows how many answered, nothing more.
        for (subject, relation, n) in scores::open_anonymous_relation_counts(pool, &cycle.id).await? {
            if withheld_seen.insert((subject.clone(), relation.as_str())) {
                out.entry(subject).or_default().withheld.push(WithheldGroup { relation: relation.as_str(), n });
            }
        }
    }
    for v in out.values_mut() {
        v.comments.sort();
    }
    Ok(out)
}

/// The released answers' values per indicator for one subject: (indicator, relation, value).
/// An anonymous value is released with its part only (rule 4), whatever the rest of its group.
pub async fn released_values(
    db: &Db,
    cycle: &Cycle,
    subject: &str,
    now: i64,
) -> super::Result<Vec<(String, String, f64)>> {
    let rules = rules(cycle, now);
    let values = crate::db::dashboard::response_values(&db.pool, &cycle.id, subject).await?;
    let known = raters(db, &cycle.id).await?;
    let mut part_sizes: HashMap<(&str, &str), u64> = HashMap::new();
    for (indicator, relation, anonymous, _) in &values {
        if *anonymous {
            *part_sizes.entry((indicator, relation)).or_default() += 1;
        }
    }
    let released = |indicator: &str, relation: &str| {
        let n = part_sizes.get(&(indicator, relation)).copied().unwrap_or(0);
        Relation::parse(relation).is_some_and(|r| rules.releases(raters_of(&known, subject, r, indicator, n)))
    };
    Ok(values
        .iter()
        .filter(|(indicator, relation, anonymous, _)| !anonymous || released(indicator, relation))
        .map(|(i, r, _, v)| (i.clone(), r.clone(), *v))
        .collect())
}

/// (invited, completed) per subject of a cycle.
pub async fn subject_progress(db: &Db, cycle: &str) -> super::Result<std::collections::HashMap<String, (i64, i64)>> {
    Ok(crate::db::dashboard::subject_progress(&db.pool, cycle).await?)
}

/// One point of a person's trend: a cycle's title and the person's score per indicator.
pub struct TrendPoint {
    pub title: String,
    /// Whether the cycle has closed (its anonymous groups may be released).
    pub closed: bool,
    pub scores: BTreeMap<String, Option<f64>>,
}

/// This person's indicator scores in every cycle they were reviewed in, oldest first.
pub async fn trend(db: &Db, person: &str, now: i64) -> super::Result<Vec<TrendPoint>> {
    let mut points = Vec::new();
    for id in crate::db::dashboard::cycles_of(&db.pool, person).await? {
        let Some(c) = crate::db::cycles::load(&db.pool, &id).await? else { continue };
        let s = cycle_scores(db, &c, now).await?;
        let scores = s
            .subjects
            .into_iter()
            .find(|s| s.subject == person)
            .map(|m| m.indicators.into_iter().map(|(k, v)| (k, v.score)).collect())
            .unwrap_or_default();
        points.push(TrendPoint { closed: !c.is_open(now), title: c.title, scores });
    }
    Ok(points)
}

/// A spreadsheet would run a cell that starts like a formula: prefix it with a quote.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

/// One row per subject × indicator, the same figures as the JSON.
pub fn scores_csv(scores: &CycleScores) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "cycle",
        "status",
        "final",
        "subject",
        "name",
        "team",
        "indicator",
        "score",
        "n",
        "sd",
        "ci95_low",
        "ci95_high",
        "csat",
        "nps",
        "withheld",
        "score_status",
    ])?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for s in &scores.subjects {
        for (indicator, i) in &s.indicators {
            w.write_record([
                neutralise(&scores.cycle),
                scores.status.to_string(),
                scores.is_final.to_string(),
                neutralise(&s.subject),
                neutralise(&s.name),
                neutralise(s.team.as_deref().unwrap_or("")),
                neutralise(indicator),
                num(i.score),
                i.n.to_string(),
                num(i.sd),
                num(i.ci95.map(|c| c[0])),
                num(i.ci95.map(|c| c[1])),
                num(i.csat),
                num(i.nps),
                i.withheld.to_string(),
                i.status.as_str().to_string(),
            ])?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("Li Na"), "Li Na");
    }
}
