//! A call that creates more invitations than one transaction should hold (a launch, an import)
//! runs as a launch (`db::runs`): its rows are written in short transactions, a respondent's
//! together so their reviews go in one email, and nobody sees any of them (`live_invitations`,
//! the outbox) until the one short transaction that ends the run. A run that fails or dies is
//! undone: seen from outside, the call created everything or nothing.
use super::audit::{self, Target};
use super::invitations::{Created, Deliver, ROWS_PER_TX, Recorded, Written, write_rows};
use super::runs::{self, Started};
use super::{App, Error, Result};
use crate::db::runs::Kind;
use crate::domain::cycle::Cycle;
use crate::domain::reviews::NewInvitation;
use crate::domain::token::random_id;
use std::collections::HashMap;

/// Creates `rows` in `cycle` as a launch run.
pub(super) async fn create(
    app: &App,
    rec: Recorded<'_>,
    cycle: &Cycle,
    rows: Vec<NewInvitation>,
    deliver: Deliver,
    now: i64,
) -> Result<Created> {
    let run = random_id();
    match runs::start(app, &cycle.id, &run, Kind::Launch, rows.len()).await? {
        Started::Running => {}
        Started::NotOpen => return Err(Error::conflict("cycle_closed", "the cycle is closed").naming(&cycle.id)),
        Started::Busy(kind) => return Err(busy(kind, &cycle.id)),
    }
    // Run to its end even if the caller goes (a request that timed out): a run dropped halfway
    // would hold the cycle until it counts as dead, and then be undone.
    let (app_, cycle_, run_, actor) = (app.clone(), cycle.clone(), run.clone(), rec.actor.clone());
    let (action, what) = (rec.action, rec.what);
    let written = tokio::spawn(async move {
        let rec = Recorded { actor: &actor, action, what };
        let written = write_and_publish(&app_, &rec, &cycle_, &run_, &rows, deliver, now).await;
        if written.is_err() {
            runs::give_up(&app_, &cycle_.id, &run_, Kind::Launch).await;
        }
        written.map(|w| (w, rows.len()))
    })
    .await
    .map_err(Error::internal)?;
    match written {
        Ok((written, asked)) => {
            if written.emailed {
                app.wake_outbox();
            }
            tracing::info!(created = written.created, "invitations created");
            Ok(written.into_created(asked))
        }
        Err(e) => Err(e),
    }
}

/// 409 for a call on a cycle another run holds.
pub(super) fn busy(kind: Kind, cycle: &str) -> Error {
    let (code, message) = match kind {
        Kind::Close => ("closing_under_way", "this cycle is being closed"),
        Kind::Launch => {
            ("launch_under_way", "invitations are being created in this cycle; try again when that is done")
        }
    };
    Error::conflict(code, message).naming(cycle)
}

/// Writes the rows a share at a time, then the transaction that ends the run: the cycle's org
/// chart kept, the audit entry, and every row seen at once.
async fn write_and_publish(
    app: &App,
    rec: &Recorded<'_>,
    cycle: &Cycle,
    run: &str,
    rows: &[NewInvitation],
    deliver: Deliver,
    now: i64,
) -> Result<Written> {
    let mut written = Written::default();
    for (k, numbers) in shares(rows).into_iter().enumerate() {
        let share: Vec<NewInvitation> = numbers.iter().map(|&i| rows[i].clone()).collect();
        let turn = app.write_turn().await;
        let mut tx = app.db.begin().await?;
        runs::still_running(crate::db::runs::beat(&mut tx, &cycle.id, run, share.len() as i64).await?)?;
        let more = write_rows(app, &mut tx, cycle, &share, &numbers, deliver, Some(run), now).await?;
        tx.commit().await?;
        drop(turn);
        written.add(more);
        // Best effort: statistics only speed the shares up.
        if (k + 1).is_power_of_two()
            && let Err(e) = crate::db::invitations::refresh_statistics(&app.db).await
        {
            tracing::warn!(error = %e, "could not refresh the invitations' statistics");
        }
    }
    let _turn = app.write_turn().await;
    let mut tx = app.db.begin().await?;
    runs::still_running(crate::db::runs::beat(&mut tx, &cycle.id, run, 0).await?)?;
    if written.created > 0 {
        // The cycle keeps the org chart as it is now: later moves change none of its views.
        crate::db::directory::snapshot_org(&mut tx, &cycle.id).await?;
    }
    let detail = rec.detail(written.created, rows.len());
    audit::write(&mut tx, rec.actor, rec.action, Target::Cycle(&cycle.id), &detail).await?;
    crate::db::runs::end(&mut tx, &cycle.id, run).await?;
    tx.commit().await?;
    Ok(written)
}

/// The rows' places in shares of about [`ROWS_PER_TX`], each respondent's rows in one share
/// (their reviews are one email; a row and its duplicates are checked together).
fn shares(rows: &[NewInvitation]) -> Vec<Vec<usize>> {
    let mut order: Vec<String> = Vec::new();
    let mut by_respondent: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let key = r.respondent.key();
        by_respondent
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(i);
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for key in order {
        let group = by_respondent.remove(&key).unwrap_or_default();
        if !current.is_empty() && current.len() + group.len() > ROWS_PER_TX {
            out.push(std::mem::take(&mut current));
        }
        current.extend(group);
    }
    out.push(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Relation;
    use crate::domain::reviews::Respondent;

    fn row(subject: usize, rater: usize) -> NewInvitation {
        NewInvitation {
            survey_id: "p".into(),
            subject_id: format!("S{subject}"),
            relation: Relation::Peer,
            respondent: Respondent::Person(format!("R{rater}")),
        }
    }

    #[test]
    fn shares_keep_each_respondent_whole_and_every_row_once() {
        let rows: Vec<NewInvitation> = (0..5_000).map(|k| row(k, k % 700)).collect();
        let shares = shares(&rows);
        assert!(shares.len() >= 3, "{} shares", shares.len());
        let mut seen: Vec<usize> = shares.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..5_000).collect::<Vec<_>>());
        for (k, share) in shares.iter().enumerate() {
            assert!(share.len() <= ROWS_PER_TX, "share {k} has {}", share.len());
            for other in &shares[k + 1..] {
                let raters = |s: &Vec<usize>| s.iter().map(|&i| rows[i].respondent.key()).collect::<Vec<_>>();
                assert!(raters(share).iter().all(|r| !raters(other).contains(r)), "a respondent split across shares");
            }
        }
    }
}
