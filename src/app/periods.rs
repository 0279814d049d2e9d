//! Scores over a period (CONTRACT §7): the released groups of every closed cycle whose period
//! lies inside the one asked for, pooled and scored again by the formula of §4. A part of a
//! group enters the pool only if its own cycle released it, so pooling never reveals what a
//! cycle withheld; open cycles are left out, and the result is final once none is open.
use super::results::{self, CycleScores, SubjectScores};
use super::{App, Error, Result};
use crate::db::scores::{self, Only};
use crate::domain::Relation;
use crate::domain::cycle::{Cycle, Weights};
use crate::domain::period::Period;
use crate::domain::time;
use crate::scoring::stats::Sums;
use crate::scoring::{CUSTOMER_SATISFACTION, GroupInput, Rules, SatisfactionCounts, subject_scores};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodScores {
    pub period: String,
    /// The closed cycles pooled, oldest first.
    pub cycles: Vec<String>,
    /// `closed` once no cycle of the period is open, else `open`.
    pub status: &'static str,
    #[serde(rename = "final")]
    pub is_final: bool,
    /// The highest threshold among the pooled cycles.
    pub min_raters: i64,
    pub subjects: Vec<SubjectScores>,
}

impl PeriodScores {
    /// The same figures in the shape the CSV writer takes (the period in the cycle column).
    pub fn as_cycle_scores(self) -> CycleScores {
        CycleScores {
            cycle: self.period,
            status: self.status,
            is_final: self.is_final,
            min_raters: self.min_raters,
            subjects: self.subjects,
        }
    }
}

type PartKey = (String, String, Relation, bool);

/// The released parts of every pooled cycle, summed.
#[derive(Default)]
struct Pool {
    groups: BTreeMap<PartKey, Sums>,
    satisfaction: BTreeMap<(String, Relation, bool), SatisfactionCounts>,
    subjects: BTreeMap<String, (String, Option<String>, Option<String>)>,
    indicators: BTreeSet<String>,
}

impl Pool {
    async fn add(&mut self, app: &App, cycle: &Cycle, only: Only<'_>) -> Result<()> {
        let rules = results::rules(cycle);
        let (groups, counts) = results::released_inputs(&app.db, cycle, only).await?;
        let mut released = BTreeSet::new();
        for g in groups.iter().filter(|g| !g.anonymous || rules.releases(g.raters)) {
            let key = (g.subject.clone(), g.indicator.clone(), g.relation, g.anonymous);
            let sums = self.groups.entry(key).or_default();
            *sums = sums.merge(g.sums);
            if g.indicator == CUSTOMER_SATISFACTION {
                released.insert((g.subject.clone(), g.relation, g.anonymous));
            }
        }
        for c in counts.into_iter().filter(|c| released.contains(&(c.subject.clone(), c.relation, c.anonymous))) {
            let key = (c.subject.clone(), c.relation, c.anonymous);
            let slot = self.satisfaction.entry(key).or_insert_with(|| SatisfactionCounts {
                scale_answers: 0,
                top_two: 0,
                nps_answers: 0,
                promoters: 0,
                detractors: 0,
                ..c.clone()
            });
            slot.scale_answers += c.scale_answers;
            slot.top_two += c.top_two;
            slot.nps_answers += c.nps_answers;
            slot.promoters += c.promoters;
            slot.detractors += c.detractors;
        }
        for s in scores::subjects(&app.db.pool, &cycle.id, only).await? {
            self.subjects.insert(s.id, (s.name, s.team, s.role));
        }
        self.indicators.extend(scores::indicators(&app.db.pool, &cycle.id).await?);
        Ok(())
    }

    /// §4 over the pooled parts; every part here was released in its own cycle.
    fn score(self, weights: Weights, weights_by_role: BTreeMap<String, Weights>) -> Vec<SubjectScores> {
        let rules = Rules { cycle_open: false, min_raters: 0, weights, weights_by_role };
        let groups: Vec<GroupInput> = self
            .groups
            .into_iter()
            .map(|((subject, indicator, relation, anonymous), sums)| GroupInput {
                subject,
                indicator,
                relation,
                anonymous,
                sums,
                raters: 0,
            })
            .collect();
        let counts: Vec<SatisfactionCounts> = self.satisfaction.into_values().collect();
        let ids: Vec<(String, Option<String>)> =
            self.subjects.iter().map(|(id, (_, _, role))| (id.clone(), role.clone())).collect();
        let indicators: Vec<String> = self.indicators.into_iter().collect();
        let mut computed = subject_scores(&ids, &indicators, &groups, &counts, &rules);
        self.subjects
            .into_iter()
            .map(|(id, (name, team, _))| SubjectScores {
                indicators: computed
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.rounded()))
                    .collect(),
                subject: id,
                name,
                team,
            })
            .collect()
    }
}

/// A period as the API and the pages take it (422 `invalid_period` when it is none).
pub fn parse(raw: &str) -> Result<Period> {
    Period::parse(raw).map_err(|e| Error::invalid("invalid_period", e).naming(raw))
}

/// The cycles whose period lies inside `period`: the closed ones and the open ones, each
/// oldest first.
pub async fn cycles_in(app: &App, period: Period) -> Result<(Vec<Cycle>, Vec<Cycle>)> {
    let now = time::now();
    let mut inside = Vec::new();
    for c in super::cycles::all(app).await? {
        let Some(p) = c.period.as_deref().and_then(|p| Period::parse(p).ok()) else { continue };
        if period.contains(p) {
            // Through the one place that decides "closed" (it releases a cycle that is due).
            inside.push(super::cycles::load(app, &c.id).await?);
        }
    }
    inside.sort_by(|a, b| (a.opens_at, &a.id).cmp(&(b.opens_at, &b.id)));
    Ok(inside.into_iter().partition(|c| !c.is_open(now)))
}

/// The cycles that name no period, so that no month, quarter or year pools them, oldest first.
pub async fn without_period(app: &App) -> Result<Vec<Cycle>> {
    let mut out: Vec<Cycle> = super::cycles::all(app).await?.into_iter().filter(|c| c.period.is_none()).collect();
    out.sort_by(|a, b| (a.opens_at, &a.id).cmp(&(b.opens_at, &b.id)));
    Ok(out)
}

/// Scores of `period` (a month, quarter or year), for every subject or one.
#[tracing::instrument(skip_all, fields(period = %raw_period))]
pub async fn scores(app: &App, raw_period: &str, subject: Option<&str>) -> Result<PeriodScores> {
    let period = parse(raw_period)?;
    let (closed, open) = cycles_in(app, period).await?;
    let only = subject.map_or(Only::All, Only::Subject);
    let mut pool = Pool::default();
    for c in &closed {
        pool.add(app, c, only).await?;
    }
    // The weights of the period's latest closed cycle.
    let weights = closed.last().map(|c| c.weights.clone()).unwrap_or_default();
    let by_role = closed.last().map(|c| c.weights_by_role.clone()).unwrap_or_default();
    Ok(PeriodScores {
        period: period.to_string(),
        cycles: closed.iter().map(|c| c.id.clone()).collect(),
        status: if open.is_empty() { "closed" } else { "open" },
        is_final: open.is_empty(),
        min_raters: closed.iter().map(|c| c.min_raters).max().unwrap_or(0),
        subjects: pool.score(weights, by_role),
    })
}
