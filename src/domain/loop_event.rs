//! The steps of the review loop that someone is told of by email (`app::notices`).
use serde::{Deserialize, Serialize};

/// Which step of the loop a notice tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    FeedbackShared,
    FeedbackAmended,
    FeedbackAcknowledged,
    NominationSubmitted,
    NominationApproved,
}
