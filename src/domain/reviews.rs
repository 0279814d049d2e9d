//! Who reviews whom: invitations and the 360 review set built from the org chart.
use super::Relation;
use super::orgchart::OrgPerson;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Respondent {
    Person(String),
    Customer(String),
}

impl Respondent {
    /// One column that makes (cycle, survey, subject, respondent) unique.
    /// The inverse of [`Respondent::key`]: `c:ID` is a customer, anything else a person.
    pub fn from_key(key: &str) -> Respondent {
        match key.split_once(':') {
            Some(("c", id)) => Respondent::Customer(id.to_string()),
            Some((_, id)) => Respondent::Person(id.to_string()),
            None => Respondent::Person(key.to_string()),
        }
    }

    pub fn key(&self) -> String {
        match self {
            Respondent::Person(id) => format!("p:{id}"),
            Respondent::Customer(id) => format!("c:{id}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub survey_id: String,
    pub subject_id: String,
    pub relation: Relation,
    pub respondent: Respondent,
}

impl NewInvitation {
    pub fn dedupe_key(&self) -> (String, String, String) {
        (self.survey_id.clone(), self.subject_id.clone(), self.respondent.key())
    }
}

/// Which colleagues a launch asks for peer reviews.
#[derive(serde::Deserialize, Default, PartialEq, Eq, Clone, Copy, Debug, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Peers {
    /// Everyone of the subject's team.
    Team,
    /// The colleagues the subject chooses and their manager approves (CONTRACT §9).
    Nominated,
    #[default]
    None,
}

impl Peers {
    pub fn as_str(self) -> &'static str {
        match self {
            Peers::Team => "team",
            Peers::Nominated => "nominated",
            Peers::None => "none",
        }
    }
}

/// The org chart indexed once, so building every subject's review set is linear in its size.
pub struct OrgIndex<'a> {
    reports: HashMap<&'a str, Vec<&'a OrgPerson>>,
    teams: HashMap<&'a str, Vec<&'a OrgPerson>>,
    managers: HashMap<&'a str, &'a str>,
}

impl<'a> OrgIndex<'a> {
    pub fn new(everyone: &'a [OrgPerson]) -> OrgIndex<'a> {
        let mut reports: HashMap<&str, Vec<&OrgPerson>> = HashMap::new();
        let mut teams: HashMap<&str, Vec<&OrgPerson>> = HashMap::new();
        let mut managers = HashMap::new();
        for p in everyone {
            if let Some(m) = &p.manager_id {
                reports.entry(m.as_str()).or_default().push(p);
                managers.insert(p.id.as_str(), m.as_str());
            }
            if let Some(t) = &p.team {
                teams.entry(t.as_str()).or_default().push(p);
            }
        }
        OrgIndex { reports, teams, managers }
    }

    /// The reporting line taken from `all` (those who left included), so a manager who left
    /// does not cut the line: their own manager stays above the subject.
    pub fn with_reporting_line(mut self, all: &'a [OrgPerson]) -> OrgIndex<'a> {
        self.managers = all.iter().filter_map(|p| p.manager_id.as_deref().map(|m| (p.id.as_str(), m))).collect();
        self
    }

    /// Whether `rater` is above `subject` in the reporting line (manager, their manager, …).
    pub fn manages(&self, rater: &str, subject: &str) -> bool {
        let mut at = self.managers.get(subject);
        // A reporting line is a tree; the bound only guards against a cycle in bad data.
        for _ in 0..self.managers.len() {
            match at {
                Some(&m) if m == rater => return true,
                Some(&m) => at = self.managers.get(m),
                None => return false,
            }
        }
        false
    }

    /// Self, manager, every direct report and (with `peers: team`) every same-team colleague
    /// who is neither in the subject's reporting line above them nor their direct report: the
    /// review set of one subject.
    pub fn review_set(&self, survey: &str, subject: &OrgPerson, peers: Peers) -> Vec<NewInvitation> {
        let invite = |who: &str, relation| NewInvitation {
            survey_id: survey.to_string(),
            subject_id: subject.id.clone(),
            relation,
            respondent: Respondent::Person(who.to_string()),
        };
        let mut out = vec![invite(&subject.id, Relation::SelfReview)];
        if let Some(m) = &subject.manager_id {
            out.push(invite(m, Relation::Manager));
        }
        for p in self.reports.get(subject.id.as_str()).into_iter().flatten() {
            out.push(invite(&p.id, Relation::DirectReport));
        }
        if peers == Peers::Team
            && let Some(team) = &subject.team
        {
            for p in self.teams.get(team.as_str()).into_iter().flatten() {
                let is_report = p.manager_id.as_deref() == Some(subject.id.as_str());
                if p.id != subject.id && !is_report && !self.manages(&p.id, &subject.id) {
                    out.push(invite(&p.id, Relation::Peer));
                }
            }
        }
        out
    }
}

/// Where one review stands for its rater.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Open,
    Done,
    Declined,
    /// An open anonymous review that was emailed to an address the rater no longer has: it
    /// reaches them only there (CONTRACT §10), never through a sign-in to the new address.
    Elsewhere,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, m: Option<&str>, team: &str) -> OrgPerson {
        OrgPerson { id: id.into(), manager_id: m.map(str::to_string), team: Some(team.into()) }
    }

    #[test]
    fn respondent_keys_read_back() {
        for r in [Respondent::Person("E1".into()), Respondent::Customer("C:9".into())] {
            assert_eq!(Respondent::from_key(&r.key()).key(), r.key());
        }
    }

    #[test]
    fn review_set_covers_every_relation_once() {
        let org = [
            p("boss", None, "East"),
            p("a", Some("boss"), "East"),
            p("b", Some("boss"), "East"),
            p("r", Some("a"), "East"),
        ];
        let index = OrgIndex::new(&org);
        let set = index.review_set("s", &org[1], Peers::Team);
        let got: Vec<(String, Relation)> = set
            .iter()
            .map(|i| match &i.respondent {
                Respondent::Person(p) => (p.clone(), i.relation),
                Respondent::Customer(_) => unreachable!(),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), Relation::SelfReview),
                ("boss".into(), Relation::Manager),
                ("r".into(), Relation::DirectReport),
                ("b".into(), Relation::Peer),
            ]
        );
        assert_eq!(index.review_set("s", &org[1], Peers::None).len(), 3);
    }

    #[test]
    fn nobody_above_the_subject_is_their_peer() {
        let org = [
            p("boss", None, "East"),
            p("a", Some("boss"), "East"),
            p("r", Some("a"), "East"),
            p("rr", Some("r"), "East"),
        ];
        let index = OrgIndex::new(&org);
        let peers: Vec<String> = index
            .review_set("s", &org[3], Peers::Team)
            .into_iter()
            .filter(|i| i.relation == Relation::Peer)
            .map(|i| i.respondent.key())
            .collect();
        assert!(peers.is_empty(), "the skip-level managers a and boss are not peers of rr: {peers:?}");
        assert!(index.manages("boss", "rr") && index.manages("a", "rr") && !index.manages("rr", "boss"));
    }
}
