//! The checks every new invitation passes before it is stored: the survey and the org chart
//! agree with its relation, an anonymous review goes only by email, and an anonymous group
//! answers one survey (CONTRACT §10).
use super::invitations::Deliver;
use super::{Error, Result};
use crate::db::directory::{self, PersonRow};
use crate::db::{Tx, invitations};
use crate::domain::Relation;
use crate::domain::reviews::{NewInvitation, Respondent};
use crate::domain::survey::SurveyKind;
use std::collections::{BTreeSet, HashMap, HashSet};

fn mismatch(i: usize, msg: impl std::fmt::Display) -> Error {
    Error::conflict("relation_mismatch", format!("invitation {i}: {msg}"))
}

/// Everything a batch refers to, loaded once.
pub(super) struct Directory {
    survey_kinds: HashMap<String, SurveyKind>,
    anonymous_surveys: HashSet<String>,
    /// Subjects, raters, and every subject's managers up the reporting line.
    people: HashMap<String, PersonRow>,
    /// Each customer's email address ('' for none).
    customers: HashMap<String, String>,
}

impl Directory {
    /// The address each respondent has now, by respondent key: what invitations keep.
    pub(super) fn addresses(&self, rows: &[NewInvitation]) -> HashMap<String, String> {
        rows.iter()
            .filter_map(|r| {
                let email = match &r.respondent {
                    Respondent::Person(p) => self.people.get(p).map(|p| p.email.clone()),
                    Respondent::Customer(c) => self.customers.get(c).cloned(),
                };
                Some((r.respondent.key(), email?))
            })
            .collect()
    }

    /// Whether `rater` is above `subject` in the reporting line (their manager, or theirs…).
    fn manages(&self, rater: &str, subject: &str) -> bool {
        let mut at = self.people.get(subject).and_then(|p| p.manager_id.as_deref());
        let mut seen = HashSet::new();
        while let Some(m) = at {
            if m == rater {
                return true;
            }
            if !seen.insert(m) {
                return false;
            }
            at = self.people.get(m).and_then(|p| p.manager_id.as_deref());
        }
        false
    }
}

pub(super) async fn load_directory(tx: &mut Tx, rows: &[NewInvitation]) -> Result<Directory> {
    let (mut survey_kinds, mut anonymous_surveys) = (HashMap::new(), HashSet::new());
    for id in rows.iter().map(|r| r.survey_id.as_str()).collect::<BTreeSet<_>>() {
        // Through the transaction's own connection: never wait on the pool while holding one.
        if let Some(s) = crate::db::surveys::load_on(tx, id).await? {
            survey_kinds.insert(id.to_string(), s.kind);
            if s.anonymous {
                anonymous_surveys.insert(id.to_string());
            }
        }
    }
    let mut person_ids: BTreeSet<String> = rows.iter().map(|r| r.subject_id.clone()).collect();
    let mut customer_ids = BTreeSet::new();
    for r in rows {
        match &r.respondent {
            Respondent::Person(p) => person_ids.insert(p.clone()),
            Respondent::Customer(c) => customer_ids.insert(c.clone()),
        };
    }
    let person_ids: Vec<String> = person_ids.into_iter().collect();
    let customer_ids: Vec<String> = customer_ids.into_iter().collect();
    // Admin accounts that are not people are never a subject nor a rater.
    let mut people = directory::org_people_by_id(tx, &person_ids).await?;
    // Every subject's reporting line, a level at a time: none of it may be a peer.
    loop {
        let above: BTreeSet<String> =
            people.values().filter_map(|p| p.manager_id.clone()).filter(|m| !people.contains_key(m)).collect();
        if above.is_empty() {
            break;
        }
        let found = directory::org_people_by_id(tx, &above.into_iter().collect::<Vec<_>>()).await?;
        if found.is_empty() {
            break;
        }
        people.extend(found);
    }
    let customers = directory::customers_by_id(tx, &customer_ids)
        .await?
        .into_iter()
        .map(|(id, c)| (id, c.email.unwrap_or_default()))
        .collect();
    Ok(Directory { survey_kinds, anonymous_surveys, people, customers })
}

/// A relation must fit the survey's kind and the org chart.
pub(super) fn check_row(i: usize, r: &NewInvitation, dir: &Directory) -> Result<()> {
    let kind = dir.survey_kinds.get(&r.survey_id).ok_or_else(|| {
        Error::conflict("unknown_survey", format!("invitation {i}: no survey {:?}", r.survey_id)).naming(&r.survey_id)
    })?;
    let subject = dir.people.get(&r.subject_id).ok_or_else(|| {
        Error::conflict("unknown_subject", format!("invitation {i}: no person {:?}", r.subject_id))
            .naming(&r.subject_id)
    })?;
    let unknown = |what: &str, id: &str| {
        Error::conflict("unknown_respondent", format!("invitation {i}: no {what} {id:?}")).naming(id)
    };
    let left = |id: &str| {
        Error::conflict(
            "inactive_person",
            format!("invitation {i}: {id:?} has left (active: false) and takes part in nothing new"),
        )
        .naming(id)
    };
    if !subject.active {
        return Err(left(&subject.id));
    }
    match (&r.respondent, kind) {
        (Respondent::Customer(c), SurveyKind::Customer) => {
            if !dir.customers.contains_key(c) {
                return Err(unknown("customer", c));
            }
            if r.relation != Relation::Customer {
                return Err(mismatch(i, "a customer survey takes relation \"customer\""));
            }
        }
        (Respondent::Person(p), SurveyKind::Peer) => {
            let rater = dir.people.get(p).ok_or_else(|| unknown("person", p))?;
            if !rater.active {
                return Err(left(p));
            }
            let is_manager = subject.manager_id.as_deref() == Some(p.as_str());
            let is_report = rater.manager_id.as_deref() == Some(subject.id.as_str());
            let fits = match r.relation {
                Relation::SelfReview => p == &subject.id,
                Relation::Manager => is_manager,
                Relation::DirectReport => is_report,
                // Nobody in the subject's reporting line, above or just below, is their peer.
                Relation::Peer => p != &subject.id && !dir.manages(p, &subject.id) && !is_report,
                Relation::Customer => false,
            };
            if !fits {
                return Err(mismatch(
                    i,
                    format!("{p:?} is not {:?} of {:?} in the org chart", r.relation.as_str(), subject.id),
                ));
            }
        }
        (Respondent::Customer(_), SurveyKind::Peer) => {
            return Err(mismatch(i, "a peer survey is answered by people, not customers"));
        }
        (Respondent::Person(_), SurveyKind::Customer) => {
            return Err(mismatch(i, "a customer survey is answered by customers"));
        }
    }
    Ok(())
}

/// An anonymous review reaches its rater only by email, at the address of record (CONTRACT
/// §10): a link handed to the caller could be answered by anyone holding it, and a group
/// padded with such answers gives away the real raters' answers by subtraction.
pub(super) fn only_by_email(i: usize, r: &NewInvitation, dir: &Directory, deliver: Deliver) -> Result<()> {
    if !r.relation.is_anonymous(dir.anonymous_surveys.contains(&r.survey_id)) {
        return Ok(());
    }
    let reason = if deliver == Deliver::None {
        "anonymous reviews are only emailed to their raters, never handed back as links (use \"deliver\":\"email\")"
    } else if !can_email(r, dir) {
        "this customer has no email address, and anonymous reviews are only emailed"
    } else {
        return Ok(());
    };
    Err(Error::invalid("anonymous_needs_email", format!("invitation {i}: {reason}")))
}

/// A subject's anonymous group of one relation answers one survey in a cycle. Otherwise the
/// released answers of a survey only one rater was asked would be that rater's, however many
/// raters the group has (409 `one_anonymous_survey`).
pub(super) async fn one_anonymous_survey(
    tx: &mut Tx,
    cycle: &str,
    rows: &[NewInvitation],
    dir: &Directory,
) -> Result<()> {
    let subjects: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.subject_id.as_str()).collect();
    let subjects: Vec<&str> = subjects.into_iter().collect();
    let mut surveys = invitations::anonymous_surveys(tx, cycle, &subjects).await?;
    for (i, r) in rows.iter().enumerate() {
        if !r.relation.is_anonymous(dir.anonymous_surveys.contains(&r.survey_id)) {
            continue;
        }
        let asked = surveys.entry((r.subject_id.clone(), r.relation.as_str().to_string())).or_default();
        asked.insert(r.survey_id.clone());
        if asked.len() > 1 {
            let list: Vec<&str> = asked.iter().map(String::as_str).collect();
            return Err(Error::conflict(
                "one_anonymous_survey",
                format!(
                    "invitation {i}: {:?}'s anonymous {} reviews would use several surveys ({}); use one, so no \
                     survey's answers can be told apart from the rest",
                    r.subject_id,
                    r.relation.as_str(),
                    list.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Whether this invitation's respondent can be emailed (a customer may have no address).
pub(super) fn can_email(row: &NewInvitation, dir: &Directory) -> bool {
    match &row.respondent {
        Respondent::Person(_) => true,
        Respondent::Customer(c) => dir.customers.get(c).is_some_and(|email| !email.is_empty()),
    }
}
