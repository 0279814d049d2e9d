//! The parts of a person's report: each indicator's block by relation, the trend as charts
//! and as a table.
use super::super::*;

pub struct RelationRow {
    pub label: &'static str,
    pub score: String,
    pub n: u64,
    pub interval: String,
    pub change: Option<super::compare::ChangeView>,
}

pub struct IndicatorBlock {
    pub label: String,
    pub total: String,
    pub n: u64,
    /// Customer indicators: "CSAT 82 % · NPS +35".
    pub customer_figures: Option<String>,
    pub gap: Option<String>,
    pub relations: Vec<RelationRow>,
    pub chart: String,
    pub histogram: Option<String>,
    pub change: Option<super::compare::ChangeView>,
}

pub struct CommentView {
    pub relation: &'static str,
    pub text: String,
}

/// The released comments that answer one question, under its wording.
pub struct QuestionComments {
    pub question: String,
    pub comments: Vec<CommentView>,
}

/// The trend as a table: one row per closed cycle, a score and its n per indicator.
pub struct TrendTable {
    pub headers: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

/// The groups an indicator is shown by: its relations, or the customers alone.
pub(super) fn shown_groups(score: &IndicatorScore) -> Vec<(&'static str, crate::scoring::GroupScore)> {
    if score.by_relation.is_empty() {
        let g = crate::scoring::GroupScore {
            score: score.score,
            n: score.n,
            sd: score.sd,
            ci95: score.ci95,
            withheld: score.withheld,
            status: score.status,
        };
        vec![("customer", g)]
    } else {
        score.by_relation.iter().map(|(k, g)| (*k, g.clone())).collect()
    }
}

pub(super) type Values = [(String, String, f64)];

/// The compared period's figures of this person: `None` when not comparing, `Some(None)` when
/// the period has nothing about them.
pub(super) type Then<'a> = Option<Option<&'a SubjectScores>>;

pub(super) fn indicator_block(
    indicator: &str,
    score: &IndicatorScore,
    values: &Values,
    labels: &Labels,
    locale: Locale,
    then: Then<'_>,
) -> IndicatorBlock {
    let t = crate::i18n::dash_text(locale);
    let then_score = then.map(|s| s.and_then(|s| s.indicators.get(indicator)));
    let then_groups = then_score.map(|s| s.map(shown_groups).unwrap_or_default());
    let label = labels.of(indicator);
    let groups = shown_groups(score);
    let mut relations = Vec::new();
    let mut chart_rows = Vec::new();
    for (rel, g) in &groups {
        let name = relation_label(locale, rel);
        relations.push(RelationRow {
            label: name,
            score: g.score.map_or_else(|| why(t, g.status).to_string(), |v| format!("{v:.1}")),
            n: g.n,
            interval: g.ci95.map(|[a, b]| format!("{a:.1}–{b:.1}")).unwrap_or_default(),
            change: then_groups.as_ref().map(|groups| {
                let before = groups.iter().find(|(r, _)| r == rel).map(|(_, g)| g);
                super::compare::of_group(locale, g, before)
            }),
        });
        chart_rows.push((name.to_string(), shown(t, g.score, g.status), g.ci95));
    }
    let self_score = score.by_relation.get("self").and_then(|g| g.score);
    let gap = match (self_score, score.score) {
        (Some(s), Some(o)) => Some(format!("{:+.1}", s - o)),
        _ => None,
    };
    // Distribution of the released answers (`values` holds only those), never self.
    let released: Vec<f64> =
        values.iter().filter(|(i, r, _)| i == indicator && r != "self").map(|(_, _, v)| *v).collect();
    let histogram =
        (!released.is_empty()).then(|| charts::histogram(&format!("{} — {label}", t.distribution), &released));
    let r = crate::i18n::review_text(locale);
    let customer_figures = match (score.csat, score.nps) {
        (None, None) => None,
        (csat, nps) => Some(
            // CSAT is a share (0.75), shown as a percentage as the heatmap shows it.
            [csat.map(|c| format!("{} {:.0} %", r.csat, c * 100.0)), nps.map(|n| format!("{} {n:+.0}", r.nps))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    };
    IndicatorBlock {
        change: then_score.map(|before| super::compare::of_indicator(locale, score, before)),
        customer_figures,
        chart: charts::intervals(&format!("{label} — {}", t.by_relation), &chart_rows),
        total: score.score.map_or_else(|| why(t, score.status).to_string(), |v| format!("{v:.1}")),
        n: score.n,
        gap,
        relations,
        histogram,
        label,
    }
}

/// One trend line per kind of cycle: monthly customer surveys and quarterly 360s are not the
/// same measure over time, so they are not joined into one line.
pub(super) fn trend_charts(
    history: &[results::TrendPoint],
    me: &SubjectScores,
    labels: &Labels,
    t: &DashText,
) -> Option<String> {
    let kind = |p: &results::TrendPoint| match p.period.as_deref() {
        Some(p) if p.contains("-Q") => 1,
        Some(p) if p.len() == 7 => 0,
        Some(_) => 2,
        None => 3,
    };
    let titles = [t.trend_monthly, t.trend_quarterly, t.trend_yearly, t.trend];
    let charts: Vec<String> = (0..4)
        .filter_map(|k| {
            let points: Vec<&results::TrendPoint> = history.iter().filter(|p| kind(p) == k).collect();
            let names: Vec<String> = points.iter().map(|p| p.title.clone()).collect();
            let series: Vec<(String, Vec<Option<f64>>)> = me
                .indicators
                .keys()
                .filter(|i| points.iter().any(|p| p.scores.get(*i).copied().flatten().is_some()))
                .map(|i| (labels.of(i), points.iter().map(|p| p.scores.get(i).copied().flatten()).collect()))
                .collect();
            (names.len() > 1 && !series.is_empty()).then(|| charts::trend(titles[k], &names, &series))
        })
        .collect();
    (!charts.is_empty()).then(|| charts.concat())
}

/// The trend's figures as a table, with the n of each point.
pub(super) fn trend_table(history: &[results::TrendPoint], me: &SubjectScores, labels: &Labels) -> Option<TrendTable> {
    if history.len() < 2 {
        return None;
    }
    let indicators: Vec<&String> = me.indicators.keys().collect();
    let rows = history
        .iter()
        .map(|p| {
            let cells = indicators
                .iter()
                .map(|i| match (p.scores.get(*i).copied().flatten(), p.n.get(*i)) {
                    (Some(s), Some(n)) => format!("{s:.1} (n = {n})"),
                    _ => "—".to_string(),
                })
                .collect();
            (p.title.clone(), cells)
        })
        .collect();
    Some(TrendTable { headers: indicators.iter().map(|i| labels.of(i)).collect(), rows })
}
