//! Scores as CSV for the scoring step (CONTRACT §5): one row per subject × indicator, the same
//! figures as the JSON, with every cell a spreadsheet would evaluate neutralised.
use super::results::CycleScores;
use crate::domain::Relation;
use crate::scoring::IndicatorScore;

/// A cell a spreadsheet would evaluate is written behind a quote (OWASP's CSV injection
/// advice): one that starts with `=` or `@`, or with a tab or CR (Excel skips them and reads
/// what follows). A leading `+` or `-` starts a formula only when something follows that a
/// formula needs: an operator, a call, a DDE `|`, a sheet `!`, or a cell reference (letters
/// then digits, `-A1`). A number (`-5`) or a plain word (`-csv`) stays as it is, because ids
/// are the caller's own and the scoring step joins on them as written.
pub fn neutralise(cell: &str) -> String {
    if is_formula(cell) { format!("'{cell}") } else { cell.to_string() }
}

fn is_formula(cell: &str) -> bool {
    if cell.starts_with(['=', '@', '\t', '\r']) {
        return true;
    }
    let Some(rest) = cell.strip_prefix(['+', '-']) else { return false };
    let plain_word = rest.chars().all(|c| c.is_ascii_alphabetic() || c == '_' || c == '.');
    let number = rest.parse::<f64>().is_ok_and(f64::is_finite);
    !(rest.is_empty() || plain_word || number)
}

/// One row per subject × indicator, the same figures as the JSON.
/// Relations with a column pair (`{relation}_score`, `{relation}_n`) in the CSV.
pub const CSV_RELATIONS: [Relation; 5] =
    [Relation::Customer, Relation::Manager, Relation::Peer, Relation::DirectReport, Relation::SelfReview];

/// The `{relation}_score` and `{relation}_n` of an indicator, if it has that relation.
pub fn relation_columns(i: &IndicatorScore, r: Relation) -> Option<(Option<f64>, u64)> {
    match i.by_relation.get(r.as_str()) {
        Some(g) => Some((g.score, g.n)),
        // An indicator only customers answer has no breakdown: its score is theirs.
        None if i.by_relation.is_empty() && r == Relation::Customer && i.n > 0 => Some((i.score, i.n)),
        None => None,
    }
}

pub fn scores_csv(scores: &CycleScores) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let per_relation: Vec<String> =
        CSV_RELATIONS.iter().flat_map(|r| [format!("{}_score", r.as_str()), format!("{}_n", r.as_str())]).collect();
    let mut header: Vec<String> = [
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
    ]
    .map(String::from)
    .to_vec();
    header.extend(per_relation);
    w.write_record(&header)?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for s in &scores.subjects {
        for (indicator, i) in &s.indicators {
            let mut row = vec![
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
            ];
            for r in CSV_RELATIONS {
                let (score, n) = match relation_columns(i, r) {
                    Some((score, n)) => (num(score), n.to_string()),
                    None => (String::new(), String::new()),
                };
                row.extend([score, n]);
            }
            w.write_record(&row)?;
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
        for bad in
            ["=1+1", "=SUM(A1)", "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-1+2", "+A1", "-E1001", "-csv2", "\tx", "\rx"]
        {
            assert_eq!(neutralise(bad), format!("'{bad}"), "{bad:?}");
        }
        assert_eq!(neutralise("Li Na"), "Li Na");
        for plain in ["-1", "+42", "-0.5", "-1e3", "E-1", "-csv", "-East", "+", "-", "team-a"] {
            assert_eq!(neutralise(plain), plain, "numbers and plain words stay as they are");
        }
    }
}
