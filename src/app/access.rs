//! Who may see whose report: admins everyone; a manager everyone below them in the org chart;
//! everyone their own report once the cycle has closed. Checked on the data, not in templates.
use super::{App, Result};
use crate::db::sessions::Viewer;
use crate::domain::orgchart::{OrgPerson, below};
use std::collections::HashSet;

/// Everyone's place in the org chart.
pub async fn org_chart(app: &App) -> Result<Vec<OrgPerson>> {
    Ok(crate::db::directory::org_chart(&app.db.pool).await?)
}

/// The org chart a cycle keeps (as at its launch): who may see whom in that cycle.
pub async fn org_chart_of(app: &App, cycle: &str) -> Result<Vec<OrgPerson>> {
    Ok(crate::db::directory::org_chart_of(&app.db.pool, cycle).await?)
}

pub fn can_see(viewer: &Viewer, subject: &str, org: &[OrgPerson], cycle_closed: bool) -> bool {
    viewer.is_admin || (cycle_closed && subject == viewer.person_id) || below(&viewer.person_id, org).contains(subject)
}

/// Everyone [`can_see`] lets `viewer` see in a cycle with this org chart, computed once for
/// many subjects: `None` for an admin (everyone).
pub fn reach(viewer: &Viewer, org: &[OrgPerson], cycle_closed: bool) -> Option<HashSet<String>> {
    if viewer.is_admin {
        return None;
    }
    let mut seen = below(&viewer.person_id, org);
    if cycle_closed {
        seen.insert(viewer.person_id.clone());
    }
    Some(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, m: Option<&str>) -> OrgPerson {
        OrgPerson { id: id.into(), manager_id: m.map(str::to_string), team: None }
    }

    #[test]
    fn managers_see_their_whole_subtree_only() {
        let org = [p("ceo", None), p("a", Some("ceo")), p("b", Some("a")), p("c", Some("ceo"))];
        assert_eq!(below("a", &org), HashSet::from(["b".to_string()]));
        assert_eq!(below("ceo", &org).len(), 3);
        let v = |id: &str, admin| Viewer {
            person_id: id.into(),
            name: id.into(),
            email: String::new(),
            locale: None,
            is_admin: admin,
            manages: false,
            csrf: String::new(),
        };
        assert!(can_see(&v("a", false), "b", &org, false));
        assert!(!can_see(&v("a", false), "c", &org, true));
        assert!(!can_see(&v("a", false), "a", &org, false), "own report only once closed");
        assert!(can_see(&v("a", false), "a", &org, true));
        assert!(can_see(&v("zz", true), "c", &org, false));
        // The same rule computed once for many subjects.
        for closed in [false, true] {
            let seen = reach(&v("a", false), &org, closed).unwrap();
            for s in ["ceo", "a", "b", "c"] {
                assert_eq!(seen.contains(s), can_see(&v("a", false), s, &org, closed), "{s} {closed}");
            }
        }
        assert!(reach(&v("zz", true), &org, true).is_none(), "an admin sees everyone");
    }
}
