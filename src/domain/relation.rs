//! Who a respondent is to the person being rated.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Customer,
    #[serde(rename = "self")]
    SelfReview,
    Manager,
    Peer,
    DirectReport,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Customer => "customer",
            Relation::SelfReview => "self",
            Relation::Manager => "manager",
            Relation::Peer => "peer",
            Relation::DirectReport => "direct_report",
        }
    }

    pub fn parse(raw: &str) -> Option<Relation> {
        Some(match raw {
            "customer" => Relation::Customer,
            "self" => Relation::SelfReview,
            "manager" => Relation::Manager,
            "peer" => Relation::Peer,
            "direct_report" => Relation::DirectReport,
            _ => return None,
        })
    }

    /// Whether answers given in this relation are stored without any link to the rater.
    /// Customer answers are anonymous only on an anonymous survey.
    pub fn is_anonymous(self, survey_anonymous: bool) -> bool {
        match self {
            Relation::Peer | Relation::DirectReport => true,
            Relation::Customer => survey_anonymous,
            Relation::SelfReview | Relation::Manager => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for r in [Relation::Customer, Relation::SelfReview, Relation::Manager, Relation::Peer, Relation::DirectReport] {
            assert_eq!(Relation::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
    }

    #[test]
    fn anonymity_follows_the_relation() {
        assert!(Relation::Peer.is_anonymous(false));
        assert!(Relation::DirectReport.is_anonymous(false));
        assert!(!Relation::Manager.is_anonymous(true));
        assert!(!Relation::SelfReview.is_anonymous(true));
        assert!(Relation::Customer.is_anonymous(true));
        assert!(!Relation::Customer.is_anonymous(false));
    }
}
