//! The score formula of CONTRACT §4, as pure functions over plain numbers.
//!
//! The database hands over, per (subject, indicator, relation), the sums of the responses'
//! indicator values (each response's value is the mean of its answers on 0–100), and per
//! subject the counts behind CSAT and NPS. Everything else happens here.
pub mod stats;

use crate::domain::Relation;
use crate::domain::cycle::Weights;
use serde::Serialize;
use stats::Sums;
use std::collections::BTreeMap;

/// Step 1: an answer on 0–100. `scale` → (v − min) / (max − min) × 100; `nps` → v × 10.
pub fn normalise_scale(v: i64, min: i64, max: i64) -> f64 {
    (v - min) as f64 / (max - min) as f64 * 100.0
}

pub fn normalise_nps(v: i64) -> f64 {
    v as f64 * 10.0
}

/// One response's value for one indicator (step 2), with the counts behind CSAT and NPS.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseValue {
    pub indicator: String,
    pub value: f64,
    pub scale_n: i64,
    pub top_two: i64,
    pub nps_n: i64,
    pub promoters: i64,
    pub detractors: i64,
}

/// Steps 1 and 2 for one response: the mean of its normalised answers per indicator; an
/// indicator it did not answer is left out.
pub fn response_values(
    questions: &[crate::domain::survey::Question],
    answers: &[crate::domain::answers::Answer],
) -> Vec<ResponseValue> {
    use crate::domain::survey::QuestionType;
    let mut out: Vec<(ResponseValue, u32)> = Vec::new();
    for a in answers {
        let (Some(q), Some(v)) = (questions.iter().find(|q| q.id == a.question_id), a.value) else { continue };
        let Some(indicator) = &q.indicator else { continue };
        let (norm, csat) = match (q.kind, q.min, q.max) {
            (QuestionType::Scale, Some(lo), Some(hi)) => (normalise_scale(v, lo, hi), Some(v >= hi - 1)),
            (QuestionType::Nps, _, _) => (normalise_nps(v), None),
            _ => continue,
        };
        let slot = match out.iter().position(|(r, _)| &r.indicator == indicator) {
            Some(i) => i,
            None => {
                let empty = ResponseValue {
                    indicator: indicator.clone(),
                    value: 0.0,
                    scale_n: 0,
                    top_two: 0,
                    nps_n: 0,
                    promoters: 0,
                    detractors: 0,
                };
                out.push((empty, 0));
                out.len() - 1
            }
        };
        let (r, count) = &mut out[slot];
        r.value += norm;
        *count += 1;
        if indicator == CUSTOMER_SATISFACTION {
            match csat {
                Some(top) => {
                    r.scale_n += 1;
                    r.top_two += i64::from(top);
                }
                None => {
                    r.nps_n += 1;
                    r.promoters += i64::from(v >= 9);
                    r.detractors += i64::from(v <= 6);
                }
            }
        }
    }
    out.into_iter()
        .map(|(mut r, n)| {
            r.value /= f64::from(n);
            r
        })
        .collect()
}

/// What the scores depend on besides the answers.
#[derive(Debug, Clone)]
pub struct Rules {
    pub cycle_open: bool,
    pub min_raters: u64,
    pub weights: Weights,
}

impl Rules {
    fn weight(&self, r: Relation) -> f64 {
        match r {
            Relation::Customer => 1.0,
            Relation::Manager => self.weights.manager,
            Relation::Peer => self.weights.peer,
            Relation::DirectReport => self.weights.direct_report,
            Relation::SelfReview => 0.0,
        }
    }

    /// Rule 4: an anonymous group is withheld while the cycle is open, and below
    /// `min_raters` after it closes.
    pub fn withholds(&self, anonymous: bool, n: u64) -> bool {
        anonymous && (self.cycle_open || n < self.min_raters)
    }
}

/// One (subject, indicator, relation) group's responses, as summed by the database.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub subject: String,
    pub indicator: String,
    pub relation: Relation,
    pub anonymous: bool,
    pub sums: Sums,
}

/// The answers behind CSAT and NPS for one subject and one source group.
#[derive(Debug, Clone)]
pub struct SatisfactionCounts {
    pub subject: String,
    pub relation: Relation,
    pub scale_answers: u64,
    pub top_two: u64,
    pub nps_answers: u64,
    pub promoters: u64,
    pub detractors: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupScore {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub n: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorScore {
    pub score: Option<f64>,
    pub n: u64,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps: Option<f64>,
    pub withheld: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_relation: BTreeMap<&'static str, GroupScore>,
}

pub const CUSTOMER_SATISFACTION: &str = "customer_satisfaction";

/// Rule 3 and 4 for one group.
pub fn group_score(sums: Sums, anonymous: bool, rules: &Rules) -> GroupScore {
    if rules.withholds(anonymous, sums.n) {
        return GroupScore { score: None, n: sums.n, sd: None, ci95: None, withheld: true };
    }
    GroupScore { score: sums.mean(), n: sums.n, sd: sums.sd(), ci95: sums.ci95(), withheld: false }
}

/// Rule 5: the weighted mean of the groups that are not withheld, never counting `self`.
pub fn indicator_score(groups: &[(Relation, bool, Sums)], rules: &Rules) -> IndicatorScore {
    let mut by_relation = BTreeMap::new();
    let (mut weighted, mut total_weight, mut n) = (0.0, 0.0, 0u64);
    let mut counted: Vec<&GroupScore> = Vec::new();
    let mut scored = Vec::new();
    for (relation, anonymous, sums) in groups {
        let g = group_score(*sums, *anonymous, rules);
        let w = rules.weight(*relation);
        if let Some(score) = g.score
            && w > 0.0
        {
            weighted += w * score;
            total_weight += w;
            n += g.n;
            scored.push(*relation);
        }
        by_relation.insert(relation.as_str(), g);
    }
    for r in &scored {
        counted.push(&by_relation[r.as_str()]);
    }
    let score = (total_weight > 0.0).then(|| weighted / total_weight);
    // A spread is only meaningful for a single counted group.
    let (sd, ci95) = match counted.as_slice() {
        [only] => (only.sd, only.ci95),
        _ => (None, None),
    };
    let only_customers = groups.iter().all(|(r, _, _)| *r == Relation::Customer);
    IndicatorScore {
        withheld: score.is_none(),
        score,
        n,
        sd,
        ci95,
        csat: None,
        nps: None,
        by_relation: if only_customers { BTreeMap::new() } else { by_relation },
    }
}

/// Rule 6: CSAT (top-two-box share) and NPS over the counts whose group is not withheld.
pub fn satisfaction<'a>(counts: impl IntoIterator<Item = &'a SatisfactionCounts>) -> (Option<f64>, Option<f64>) {
    let (mut scale, mut top_two, mut nps_n, mut promoters, mut detractors) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for c in counts {
        scale += c.scale_answers;
        top_two += c.top_two;
        nps_n += c.nps_answers;
        promoters += c.promoters;
        detractors += c.detractors;
    }
    let csat = (scale > 0).then(|| top_two as f64 / scale as f64);
    let nps = (nps_n > 0).then(|| (promoters as f64 - detractors as f64) / nps_n as f64 * 100.0);
    (csat, nps)
}

/// Every subject's indicators. `indicators` lists every indicator the cycle's surveys use, so
/// one without answers still appears (null, withheld).
pub fn subject_scores(
    subjects: &[String],
    indicators: &[String],
    groups: &[GroupInput],
    satisfaction_counts: &[SatisfactionCounts],
    rules: &Rules,
) -> BTreeMap<String, BTreeMap<String, IndicatorScore>> {
    // Groups of one relation from anonymous and attributed surveys merge; the merged group is
    // anonymous if any part is, so withholding errs on the side of the raters.
    type Groups = BTreeMap<&'static str, (Relation, bool, Sums)>;
    let mut merged: BTreeMap<(&str, &str), Groups> = BTreeMap::new();
    for g in groups {
        let slot = merged
            .entry((g.subject.as_str(), g.indicator.as_str()))
            .or_default()
            .entry(g.relation.as_str())
            .or_insert((g.relation, false, Sums::default()));
        slot.1 |= g.anonymous;
        slot.2 = slot.2.merge(g.sums);
    }
    let mut out = BTreeMap::new();
    for subject in subjects {
        let mut per_indicator = BTreeMap::new();
        for indicator in indicators {
            let list: Vec<(Relation, bool, Sums)> = merged
                .get(&(subject.as_str(), indicator.as_str()))
                .map(|m| m.values().copied().collect())
                .unwrap_or_default();
            let mut score = indicator_score(&list, rules);
            if indicator == CUSTOMER_SATISFACTION {
                // Counts follow their relation group: withheld with it.
                let released = satisfaction_counts.iter().filter(|c| {
                    &c.subject == subject
                        && list
                            .iter()
                            .any(|(r, anonymous, sums)| *r == c.relation && !rules.withholds(*anonymous, sums.n))
                });
                (score.csat, score.nps) = satisfaction(released);
            }
            per_indicator.insert(indicator.clone(), score);
        }
        out.insert(subject.clone(), per_indicator);
    }
    out
}

/// Rule 7: one decimal, in the output only.
pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

impl IndicatorScore {
    /// The same score with every figure rounded for output.
    pub fn rounded(&self) -> IndicatorScore {
        let r = |v: Option<f64>| v.map(round1);
        let ci = |v: Option<[f64; 2]>| v.map(|[a, b]| [round1(a), round1(b)]);
        IndicatorScore {
            score: r(self.score),
            n: self.n,
            sd: r(self.sd),
            ci95: ci(self.ci95),
            csat: self.csat.map(|c| (c * 100.0).round() / 100.0),
            nps: r(self.nps),
            withheld: self.withheld,
            by_relation: self
                .by_relation
                .iter()
                .map(|(k, g)| {
                    (*k, GroupScore { score: r(g.score), n: g.n, sd: r(g.sd), ci95: ci(g.ci95), withheld: g.withheld })
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
