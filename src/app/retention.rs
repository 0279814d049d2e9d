//! `CANDOR_RETENTION_MONTHS` (CONTRACT §12): that long after a cycle closed, its invitations,
//! links, drafts, the links of its attributed answers to their respondents and its comments are
//! deleted. Its released scores stay (stored once at close: `closed`), as do the answers'
//! values, which no longer lead to anyone. The worker runs this periodically.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Result};
use crate::db::erasure::{self, Swept};
use crate::domain::time;
use chrono::{Months, Utc};

/// Sweeps every cycle that closed more than the configured months ago and was not swept yet;
/// the swept cycles with what was deleted. Nothing when retention is not configured.
#[tracing::instrument(skip_all)]
pub async fn run(app: &App) -> Result<Vec<(String, Swept)>> {
    let Some(months) = app.config.retention_months else { return Ok(Vec::new()) };
    let Some(cutoff) = Utc::now().checked_sub_months(Months::new(months)) else { return Ok(Vec::new()) };
    let mut swept = Vec::new();
    for id in erasure::due_for_retention(&app.db, cutoff.timestamp()).await? {
        // Released results are stored before anything they were computed from goes.
        let cycle = super::cycles::load(app, &id).await?;
        super::closed::ensure(&app.db, &cycle).await?;
        let mut tx = app.db.begin().await?;
        let s = erasure::sweep_cycle(&mut tx, &id, time::now()).await?;
        let detail = format!(
            "retention: deleted {} invitation(s), {} link(s), {} draft(s), {} comment(s); unlinked {} answer(s)",
            s.invitations, s.links, s.drafts, s.comments, s.unlinked_answers
        );
        audit::write(&mut tx, &Actor::System, AuditAction::RetentionSweep, Target::Cycle(&id), &detail).await?;
        tx.commit().await?;
        record(app, &id, &s);
        swept.push((id, s));
    }
    if !swept.is_empty() && !erasure::wipe_wal(&app.db).await? {
        tracing::warn!("the WAL could not be emptied after the retention sweep; the next checkpoint will");
    }
    Ok(swept)
}

fn record(app: &App, cycle: &str, s: &Swept) {
    let m = &app.metrics;
    m.retention("invitations", s.invitations);
    m.retention("links", s.links);
    m.retention("drafts", s.drafts);
    m.retention("answer_links", s.unlinked_answers);
    m.retention("comments", s.comments);
    tracing::info!(cycle, invitations = s.invitations, comments = s.comments, "retention sweep");
}
