//! The reporting line: no one may end up managing themselves, directly or not.
use std::collections::{HashMap, HashSet};

/// Everyone's place in the org chart.
#[derive(Debug, Clone)]
pub struct OrgPerson {
    pub id: String,
    pub manager_id: Option<String>,
    pub team: Option<String>,
}

/// Everyone who reports to `root`, directly or not.
pub fn below(root: &str, org: &[OrgPerson]) -> HashSet<String> {
    let mut reports: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in org {
        if let Some(m) = &p.manager_id {
            reports.entry(m.as_str()).or_default().push(p.id.as_str());
        }
    }
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        for r in reports.get(id).into_iter().flatten() {
            if seen.insert(r.to_string()) {
                stack.push(r);
            }
        }
    }
    seen
}

/// `managers` maps each person to their manager. Returns a chain that loops, if any starts
/// from one of `from`: `["A", "B", "A"]`.
pub fn find_cycle<'a>(managers: &'a HashMap<String, Option<String>>, from: &'a [String]) -> Option<Vec<&'a str>> {
    let mut cleared: HashSet<&str> = HashSet::new();
    for start in from {
        let mut path: Vec<&str> = Vec::new();
        let mut on_path: HashSet<&str> = HashSet::new();
        let mut cur = Some(start.as_str());
        while let Some(id) = cur {
            if cleared.contains(id) {
                break;
            }
            if !on_path.insert(id) {
                let loop_start = path.iter().position(|p| *p == id).unwrap_or(0);
                let mut cycle: Vec<&str> = path[loop_start..].to_vec();
                cycle.push(id);
                return Some(cycle);
            }
            path.push(id);
            cur = managers.get(id).and_then(|m| m.as_deref());
        }
        cleared.extend(path);
    }
    None
}

/// Orders `batch` so that a manager in the batch comes before their reports (needed for the
/// foreign key when both are new). Assumes no cycle.
pub fn managers_first(batch: &[(String, Option<String>)]) -> Vec<usize> {
    let index: HashMap<&str, usize> = batch.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    let depth = |mut i: usize| {
        let mut d = 0usize;
        while let Some(m) = batch[i].1.as_deref().and_then(|m| index.get(m)) {
            d += 1;
            i = *m;
            if d > batch.len() {
                break;
            }
        }
        d
    };
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by_key(|&i| depth(i));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(pairs: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.map(str::to_string))).collect()
    }

    #[test]
    fn a_tree_has_no_cycle() {
        let m = chart(&[("ceo", None), ("a", Some("ceo")), ("b", Some("a"))]);
        assert_eq!(find_cycle(&m, &["b".into(), "a".into()]), None);
    }

    #[test]
    fn two_people_managing_each_other_is_a_cycle() {
        let m = chart(&[("a", Some("b")), ("b", Some("a")), ("c", Some("a"))]);
        assert_eq!(find_cycle(&m, &["c".into()]), Some(vec!["a", "b", "a"]));
    }

    #[test]
    fn self_management_is_a_cycle() {
        let m = chart(&[("a", Some("a"))]);
        assert_eq!(find_cycle(&m, &["a".into()]), Some(vec!["a", "a"]));
    }

    #[test]
    fn managers_come_first() {
        let batch = vec![
            ("c".to_string(), Some("b".to_string())),
            ("b".to_string(), Some("a".to_string())),
            ("a".to_string(), Some("outside".to_string())),
        ];
        assert_eq!(managers_first(&batch), vec![2, 1, 0]);
    }
}
