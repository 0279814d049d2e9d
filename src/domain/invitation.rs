//! One invitation as a survey page and its emails need it.
use super::Relation;

/// What an email or a survey page needs to know about one invitation.
#[derive(Debug, Clone)]
pub struct InvitationInfo {
    pub id: i64,
    pub cycle_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub cycle_open: bool,
    /// When the cycle closes, and with it every link of the invitation.
    pub closes_at: i64,
    /// The cycle's anonymity threshold, which the form and emails mention.
    pub min_raters: i64,
    pub survey_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub relation: Relation,
    pub completed: bool,
    pub revoked: bool,
    /// The rater said they cannot judge the subject.
    pub declined: bool,
    /// `p:ID` or `c:ID`.
    pub respondent_key: String,
    /// `email`, or `none` (its links were handed to whoever created or reissued it).
    pub delivery: String,
    pub respondent_name: String,
    pub respondent_email: String,
    pub respondent_locale: Option<String>,
    pub respondent_customer_id: Option<String>,
}
