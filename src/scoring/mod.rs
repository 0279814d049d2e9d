//! The score formula of CONTRACT §4, as pure functions over plain numbers.
//!
//! The database hands over, per (subject, indicator, relation), the sums of the responses'
//! indicator values (each response's value is the mean of its answers on 0–100), and per
//! subject the counts behind CSAT and NPS. Everything else happens here.
pub mod compare;
pub mod stats;

use crate::domain::Relation;
use crate::domain::cycle::Weights;
use serde::{Deserialize, Serialize};
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
    /// Weights for subjects of a role, instead of `weights`.
    pub weights_by_role: BTreeMap<String, Weights>,
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

    /// The same rules with the weights of this role.
    pub fn for_role(&self, role: Option<&str>) -> Rules {
        let weights = role.and_then(|r| self.weights_by_role.get(r)).unwrap_or(&self.weights).clone();
        Rules { weights, ..self.clone() }
    }

    /// Rule 4: an anonymous part is released only once the cycle has closed and only with at
    /// least `min_raters` distinct raters of its own.
    pub fn releases(&self, raters: u64) -> bool {
        !self.cycle_open && raters >= self.min_raters
    }

    /// Why an anonymous part is withheld, if it is.
    fn anonymous_status(&self, raters: u64) -> Status {
        if self.cycle_open {
            Status::Open
        } else if raters < self.min_raters {
            Status::BelowThreshold
        } else {
            Status::Ok
        }
    }
}

/// Why a group or an indicator has a score, or has none (CONTRACT §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Withheld because the cycle is still open.
    Open,
    /// Withheld: fewer than `min_raters` distinct raters.
    BelowThreshold,
    /// Nothing answered, or the indicator does not apply.
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Open => "open",
            Status::BelowThreshold => "below_threshold",
            Status::NoData => "no_data",
        }
    }
}

/// One part of a (subject, indicator, relation) group: its attributed or its anonymous
/// responses, as summed by the database, with the distinct raters behind them.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub subject: String,
    pub indicator: String,
    pub relation: Relation,
    pub anonymous: bool,
    pub sums: Sums,
    /// Distinct raters of an anonymous part (counted at close); unused for attributed parts.
    pub raters: u64,
}

/// The same without its subject and indicator: what rule 3–5 work on.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub relation: Relation,
    pub anonymous: bool,
    pub sums: Sums,
    pub raters: u64,
}

/// The answers behind CSAT and NPS for one subject and one part of a relation group.
#[derive(Debug, Clone)]
pub struct SatisfactionCounts {
    pub subject: String,
    pub relation: Relation,
    pub anonymous: bool,
    pub scale_answers: u64,
    pub top_two: u64,
    pub nps_answers: u64,
    pub promoters: u64,
    pub detractors: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupScore {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub n: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
    pub status: Status,
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
    pub status: Status,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_relation: BTreeMap<&'static str, GroupScore>,
}

pub const CUSTOMER_SATISFACTION: &str = "customer_satisfaction";

/// Rule 3 for a group whose responses are all released.
pub fn group_score(sums: Sums) -> GroupScore {
    let status = if sums.n == 0 { Status::NoData } else { Status::Ok };
    GroupScore { score: sums.mean(), n: sums.n, sd: sums.sd(), ci95: sums.ci95(), withheld: false, status }
}

fn withheld(n: u64, status: Status) -> GroupScore {
    GroupScore { score: None, n, sd: None, ci95: None, withheld: true, status }
}

/// Rule 4 for one relation: the anonymous part joins the attributed one only when it is
/// released on its own; otherwise it is left out of everything (or, alone, withheld).
/// Returns the group and the sums that count.
fn relation_group(parts: &[&Part], rules: &Rules) -> (GroupScore, Sums) {
    let attributed = parts.iter().filter(|p| !p.anonymous).fold(Sums::default(), |s, p| s.merge(p.sums));
    let anonymous: Vec<&&Part> = parts.iter().filter(|p| p.anonymous).collect();
    let anon_sums = anonymous.iter().fold(Sums::default(), |s, p| s.merge(p.sums));
    // Parts of one relation from several anonymous surveys may share raters: the most that any
    // one of them counted is what is known to be distinct.
    let raters = anonymous.iter().map(|p| p.raters).max().unwrap_or(0);
    if anonymous.is_empty() || anon_sums.n == 0 {
        return (group_score(attributed), attributed);
    }
    if rules.releases(raters) {
        let all = attributed.merge(anon_sums);
        return (group_score(all), all);
    }
    if attributed.n > 0 {
        return (group_score(attributed), attributed);
    }
    (withheld(anon_sums.n, rules.anonymous_status(raters)), Sums::default())
}

/// Rule 5: the weighted mean of the groups that are not withheld, never counting `self`, with
/// the interval of that mean (Welch–Satterthwaite).
pub fn indicator_score(parts: &[Part], rules: &Rules) -> IndicatorScore {
    let mut relations: BTreeMap<&'static str, (Relation, Vec<&Part>)> = BTreeMap::new();
    for p in parts {
        relations.entry(p.relation.as_str()).or_insert_with(|| (p.relation, Vec::new())).1.push(p);
    }
    let mut by_relation = BTreeMap::new();
    let mut counted: Vec<(f64, Sums)> = Vec::new();
    let mut statuses = Vec::new();
    for (name, (relation, list)) in relations {
        let (g, sums) = relation_group(&list, rules);
        let w = rules.weight(relation);
        if w > 0.0 {
            statuses.push(g.status);
            if sums.n > 0 {
                counted.push((w, sums));
            }
        }
        by_relation.insert(name, g);
    }
    let total_weight: f64 = counted.iter().map(|(w, _)| w).sum();
    let score = (total_weight > 0.0)
        .then(|| counted.iter().map(|(w, s)| w * s.mean().unwrap_or(0.0)).sum::<f64>() / total_weight);
    let n = counted.iter().map(|(_, s)| s.n).sum();
    let (sd, ci95) = match counted.as_slice() {
        [(_, only)] => (only.sd(), only.ci95()),
        _ => (None, stats::weighted_ci95(&counted)),
    };
    let status = if score.is_some() {
        Status::Ok
    } else {
        // The most telling reason among the groups that would count.
        [Status::Open, Status::BelowThreshold].into_iter().find(|s| statuses.contains(s)).unwrap_or(Status::NoData)
    };
    let only_customers = parts.iter().all(|p| p.relation == Relation::Customer);
    IndicatorScore {
        withheld: score.is_none(),
        score,
        n,
        sd,
        ci95: score.and(ci95),
        csat: None,
        nps: None,
        status,
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
/// one without answers still appears (null, `no_data`).
pub fn subject_scores(
    subjects: &[(String, Option<String>)],
    indicators: &[String],
    groups: &[GroupInput],
    satisfaction_counts: &[SatisfactionCounts],
    rules: &Rules,
) -> BTreeMap<String, BTreeMap<String, IndicatorScore>> {
    let mut parts: BTreeMap<(&str, &str), Vec<Part>> = BTreeMap::new();
    for g in groups {
        parts.entry((g.subject.as_str(), g.indicator.as_str())).or_default().push(Part {
            relation: g.relation,
            anonymous: g.anonymous,
            sums: g.sums,
            raters: g.raters,
        });
    }
    let mut out = BTreeMap::new();
    for (subject, role) in subjects {
        let rules = &rules.for_role(role.as_deref());
        let mut per_indicator = BTreeMap::new();
        for indicator in indicators {
            let list = parts.get(&(subject.as_str(), indicator.as_str())).map(Vec::as_slice).unwrap_or_default();
            let mut score = indicator_score(list, rules);
            if indicator == CUSTOMER_SATISFACTION {
                // Counts follow their part: an anonymous part that is not released adds nothing.
                let released = satisfaction_counts.iter().filter(|c| {
                    &c.subject == subject
                        && (!c.anonymous
                            || list.iter().any(|p| p.anonymous && p.relation == c.relation && rules.releases(p.raters)))
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
            status: self.status,
            by_relation: self
                .by_relation
                .iter()
                .map(|(k, g)| {
                    let rounded = GroupScore { score: r(g.score), sd: r(g.sd), ci95: ci(g.ci95), ..g.clone() };
                    (*k, rounded)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
