use super::stats::Sums;
use super::*;
use proptest::prelude::*;

fn rules(open: bool) -> Rules {
    Rules {
        cycle_open: open,
        min_raters: 3,
        weights: Weights { manager: 2.0, peer: 1.0, direct_report: 1.0 },
        weights_by_role: Default::default(),
    }
}

/// A part whose every response comes from a different rater.
fn part(relation: Relation, anonymous: bool, sums: Sums) -> Part {
    Part { relation, anonymous, sums, raters: sums.n }
}

fn group(relation: Relation, anonymous: bool, values: &[f64]) -> Part {
    part(relation, anonymous, Sums::of(values))
}

#[test]
fn normalisation_follows_the_contract() {
    assert_eq!(normalise_scale(4, 1, 5), 75.0);
    assert_eq!(normalise_scale(1, 1, 5), 0.0);
    assert_eq!(normalise_scale(7, 1, 7), 100.0);
    assert_eq!(normalise_nps(9), 90.0);
}

#[test]
fn a_response_averages_its_answers_per_indicator() {
    use crate::domain::answers::Answer;
    use crate::domain::survey::{Question, QuestionType};
    let q = |id: &str, kind, min, max, indicator: Option<&str>| Question {
        id: id.into(),
        kind,
        min,
        max,
        indicator: indicator.map(str::to_string),
        required: false,
        text: id.into(),
        text_i18n: Default::default(),
        extra: Default::default(),
    };
    let questions = [
        q("q1", QuestionType::Scale, Some(1), Some(5), Some(CUSTOMER_SATISFACTION)),
        q("q2", QuestionType::Nps, Some(0), Some(10), Some(CUSTOMER_SATISFACTION)),
        q("t1", QuestionType::Scale, Some(1), Some(7), Some("teamwork")),
        q("x", QuestionType::Text, None, None, None),
    ];
    let a = |id: &str, v: Option<i64>, t: Option<&str>| Answer {
        question_id: id.into(),
        value: v,
        text: t.map(str::to_string),
    };
    let values = response_values(
        &questions,
        &[a("q1", Some(4), None), a("q2", Some(6), None), a("t1", Some(7), None), a("x", None, Some("hi"))],
    );
    assert_eq!(values.len(), 2);
    let cs = values.iter().find(|v| v.indicator == CUSTOMER_SATISFACTION).unwrap();
    // (75 + 60) / 2; q1 = 4 is in the top two of 1..5; NPS 6 is a detractor.
    assert_eq!((cs.value, cs.scale_n, cs.top_two, cs.nps_n, cs.promoters, cs.detractors), (67.5, 1, 1, 1, 0, 1));
    let tw = values.iter().find(|v| v.indicator == "teamwork").unwrap();
    assert_eq!((tw.value, tw.scale_n), (100.0, 0));
    assert!(response_values(&questions, &[a("x", None, Some("only text"))]).is_empty());
}

#[test]
fn hand_computed_teamwork_after_close() {
    // manager 75 (w 2), peers 50/75/100 → 75 (w 1), direct reports only 2 (withheld), self 100.
    let groups = [
        group(Relation::Manager, false, &[75.0]),
        group(Relation::Peer, true, &[50.0, 75.0, 100.0]),
        group(Relation::DirectReport, true, &[0.0, 25.0]),
        group(Relation::SelfReview, false, &[100.0]),
    ];
    let s = indicator_score(&groups, &rules(false));
    // (2 × 75 + 1 × 75) / 3 = 75; n counts manager 1 + peers 3.
    assert_eq!(s.score, Some(75.0));
    assert_eq!(s.n, 4);
    assert!(!s.withheld);
    assert_eq!(s.sd, None, "no single spread for a weighted mix");
    assert_eq!(s.status, Status::Ok);
    assert_eq!(s.ci95, None, "the manager group has one response: no interval");
    let dr = &s.by_relation["direct_report"];
    assert!(dr.withheld && dr.score.is_none() && dr.n == 2);
    let me = &s.by_relation["self"];
    assert_eq!(me.score, Some(100.0), "self is reported");
    let peer = &s.by_relation["peer"];
    assert_eq!(peer.score, Some(75.0));
    assert!((peer.sd.unwrap() - 25.0).abs() < 1e-9);
}

#[test]
fn everything_anonymous_is_withheld_while_open() {
    let groups = [group(Relation::Peer, true, &[50.0, 75.0, 100.0]), group(Relation::SelfReview, false, &[80.0])];
    let s = indicator_score(&groups, &rules(true));
    assert_eq!((s.score, s.withheld, s.n, s.status), (None, true, 0, Status::Open));
    assert!(s.by_relation["peer"].withheld);
    assert_eq!(s.by_relation["peer"].status, Status::Open);
}

#[test]
fn customers_alone_have_no_breakdown_and_keep_their_spread() {
    let s = indicator_score(&[group(Relation::Customer, false, &[100.0, 75.0, 50.0, 75.0])], &rules(true));
    assert_eq!(s.score, Some(75.0));
    assert!(s.by_relation.is_empty());
    assert!((s.sd.unwrap() - 20.412_414_523_193_15).abs() < 1e-9);
    let [lo, hi] = s.ci95.unwrap();
    // 75 ± 3.182446 × 20.4124 / 2
    assert!((lo - 42.519).abs() < 1e-3 && (hi - 107.481f64.min(100.0)).abs() < 1e-3, "{lo} {hi}");
}

#[test]
fn csat_and_nps_from_counts() {
    let c = SatisfactionCounts {
        subject: "E1".into(),
        relation: Relation::Customer,
        anonymous: false,
        scale_answers: 6,
        top_two: 5,
        nps_answers: 12,
        promoters: 7,
        detractors: 2,
    };
    let (csat, nps) = satisfaction([&c]);
    assert!((csat.unwrap() - 5.0 / 6.0).abs() < 1e-12);
    assert!((nps.unwrap() - 41.666_666_666_666_664).abs() < 1e-9);
    assert_eq!(satisfaction([]), (None, None));
}

#[test]
fn an_indicator_without_answers_is_null_and_withheld() {
    let out = subject_scores(&[("E1".into(), None)], &["communication".into()], &[], &[], &rules(false));
    let s = &out["E1"]["communication"];
    assert_eq!((s.score, s.n, s.withheld, s.status), (None, 0, true, Status::NoData));
}

#[test]
fn rounding_is_for_output_only() {
    assert_eq!(round1(70.833_333), 70.8);
    assert_eq!(round1(86.66), 86.7);
}

fn relation() -> impl Strategy<Value = Relation> {
    prop_oneof![
        Just(Relation::Customer),
        Just(Relation::SelfReview),
        Just(Relation::Manager),
        Just(Relation::Peer),
        Just(Relation::DirectReport)
    ]
}

fn groups() -> impl Strategy<Value = Vec<(Relation, bool, Vec<f64>)>> {
    prop::collection::vec((relation(), any::<bool>(), prop::collection::vec(0.0f64..=100.0, 1..8)), 0..6)
}

proptest! {
    #[test]
    fn scores_stay_within_0_and_100(gs in groups(), open in any::<bool>()) {
        let list: Vec<_> = gs.iter().map(|(r, a, v)| part(*r, *a, Sums::of(v))).collect();
        let s = indicator_score(&list, &rules(open));
        if let Some(score) = s.score { prop_assert!((0.0..=100.0 + 1e-9).contains(&score)); }
        for g in s.by_relation.values() {
            if let Some([lo, hi]) = g.ci95 { prop_assert!(0.0 <= lo && lo <= hi && hi <= 100.0); }
        }
    }

    #[test]
    fn the_order_of_responses_changes_nothing(mut values in prop::collection::vec(0.0f64..=100.0, 2..20), seed in any::<u64>()) {
        let a = group_score(Sums::of(&values));
        let k = (seed as usize) % values.len();
        values.rotate_left(k);
        values.reverse();
        let b = group_score(Sums::of(&values));
        prop_assert!((a.score.unwrap() - b.score.unwrap()).abs() < 1e-9);
        prop_assert!((a.sd.unwrap() - b.sd.unwrap()).abs() < 1e-6);
    }

    #[test]
    fn a_withheld_group_never_moves_the_total(gs in groups(), hidden in prop::collection::vec(0.0f64..=100.0, 1..3)) {
        // Two anonymous peers after close with min_raters 3: always withheld.
        let base: Vec<_> = gs.iter().filter(|(r, _, _)| *r != Relation::Peer).map(|(r, a, v)| part(*r, *a, Sums::of(v))).collect();
        let mut with_hidden = base.clone();
        with_hidden.push(part(Relation::Peer, true, Sums::of(&hidden)));
        let a = indicator_score(&base, &rules(false));
        let b = indicator_score(&with_hidden, &rules(false));
        prop_assert_eq!(a.score, b.score);
        prop_assert_eq!(a.n, b.n);
    }

    #[test]
    fn self_never_counts(gs in groups(), me in 0.0f64..=100.0) {
        let base: Vec<_> = gs.iter().filter(|(r, _, _)| *r != Relation::SelfReview).map(|(r, a, v)| part(*r, *a, Sums::of(v))).collect();
        let mut with_self = base.clone();
        with_self.push(part(Relation::SelfReview, false, Sums::of(&[me])));
        prop_assert_eq!(indicator_score(&base, &rules(false)).score, indicator_score(&with_self, &rules(false)).score);
    }
}

#[test]
fn one_rater_answering_three_surveys_is_one_rater() {
    // Three peer responses about one subject, all from the same person: below the threshold.
    let peers = Part { relation: Relation::Peer, anonymous: true, sums: Sums::of(&[100.0, 100.0, 0.0]), raters: 1 };
    let s = indicator_score(&[peers], &rules(false));
    assert_eq!((s.score, s.status), (None, Status::BelowThreshold));
    let g = &s.by_relation["peer"];
    assert!(g.withheld && g.score.is_none() && g.n == 3);
}

#[test]
fn an_anonymous_part_must_pass_on_its_own() {
    // One anonymous customer answer beside two attributed ones: the anonymous one is left out.
    let attributed = part(Relation::Customer, false, Sums::of(&[50.0, 100.0]));
    let anonymous = part(Relation::Customer, true, Sums::of(&[0.0]));
    let s = indicator_score(&[attributed, anonymous], &rules(false));
    assert_eq!((s.score, s.n, s.status), (Some(75.0), 2, Status::Ok));
    // Three anonymous raters of their own are released and pooled.
    let anonymous = part(Relation::Customer, true, Sums::of(&[0.0, 0.0, 0.0]));
    let s = indicator_score(&[attributed, anonymous], &rules(false));
    assert_eq!((s.score, s.n), (Some(30.0), 5));
}

#[test]
fn a_combined_score_has_its_interval() {
    let s = indicator_score(
        &[group(Relation::Peer, true, &[50.0, 75.0, 100.0]), group(Relation::DirectReport, true, &[60.0, 80.0, 70.0])],
        &rules(false),
    );
    assert_eq!(s.score, Some(72.5));
    let [lo, hi] = s.ci95.expect("two counted groups of n ≥ 2 have an interval");
    assert!(lo < 72.5 && hi > 72.5);
}

#[test]
fn a_role_brings_its_own_weights() {
    let mut r = rules(false);
    r.weights_by_role.insert("sales_manager".into(), Weights { manager: 0.0, peer: 1.0, direct_report: 3.0 });
    let parts = |subject: &str| {
        [(Relation::Manager, 100.0), (Relation::Peer, 50.0), (Relation::DirectReport, 90.0)].map(|(relation, v)| {
            GroupInput {
                subject: subject.into(),
                indicator: "teamwork".into(),
                relation,
                anonymous: false,
                sums: Sums::of(&[v]),
                raters: 1,
            }
        })
    };
    let groups: Vec<GroupInput> = parts("M").into_iter().chain(parts("S")).collect();
    let out = subject_scores(
        &[("M".into(), Some("sales_manager".into())), ("S".into(), Some("sales".into()))],
        &["teamwork".into()],
        &groups,
        &[],
        &r,
    );
    // Manager role: (1 × 50 + 3 × 90) / 4 = 80; others: (2 × 100 + 50 + 90) / 4 = 85.
    assert_eq!(out["M"]["teamwork"].score, Some(80.0));
    assert_eq!(out["S"]["teamwork"].score, Some(85.0));
}
