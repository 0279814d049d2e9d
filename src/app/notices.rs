//! The review loop tells people when it is their turn (CONTRACT §9): feedback shared or amended
//! (to the subject), acknowledged (to the author), a reviewer list waiting for approval (to the
//! subject's manager) and approved (to the subject). Each notice is queued in the transaction
//! of the step it tells of, so it goes out exactly when the step happened.
use super::Result;
use crate::db::Tx;
use serde::{Deserialize, Serialize};

pub use crate::domain::loop_event::Event;

/// A notice as queued: the step, its cycle, whom it is about and who took it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub event: Event,
    pub cycle: String,
    pub subject: String,
    /// The feedback's author, for the feedback events.
    #[serde(default)]
    pub author: Option<String>,
}

/// Queues `notice` to `to`, inside the step's transaction.
pub(super) async fn queue(tx: &mut Tx, to: &str, notice: &Notice) -> Result<()> {
    let payload = serde_json::to_string(notice).map_err(super::Error::internal)?;
    crate::db::outbox::queue_notice(tx, to, &payload, crate::domain::time::now()).await?;
    Ok(())
}
