//! Group commit for respondent submissions: one task holds one connection and writes whatever
//! queued while its previous batch ran as one transaction ([`super::batch`]), then answers
//! each request. On SQLite this removes the race for the single write lock (whose losers
//! sleep in the busy handler) and turns ~25 statement hand-offs per submission into a handful
//! per batch. The queue is bounded: when it is full a submission is refused at once as busy
//! (503, Retry-After) rather than waiting without end. Requests in flight wait for their
//! batch, so a graceful shutdown drains the queue before the process exits.
use super::batch::{self, MAX_BATCH, Submission};
use super::responses::SubmitOutcome;
use super::{App, Error, Result};
use crate::db::submissions;
use sqlx::pool::PoolConnection;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

struct Job {
    submission: Submission,
    reply: oneshot::Sender<Result<SubmitOutcome>>,
}

/// The queue into the writer task, started on first use (it needs the runtime), and started
/// again should it ever have stopped (a panic in a batch must not refuse every later answer).
#[derive(Clone, Default)]
pub struct Writer(Arc<Mutex<Option<mpsc::Sender<Job>>>>);

impl Writer {
    /// Queues `submission` and waits for its batch to commit.
    pub async fn submit(&self, app: &App, submission: Submission) -> Result<SubmitOutcome> {
        let (reply, answer) = oneshot::channel();
        self.queue(app).try_send(Job { submission, reply }).map_err(|_| Error::Busy(sqlx::Error::PoolTimedOut))?;
        answer.await.map_err(|_| Error::Busy(sqlx::Error::PoolTimedOut))?
    }

    fn queue(&self, app: &App) -> mpsc::Sender<Job> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match held.as_ref() {
            Some(queue) if !queue.is_closed() => queue.clone(),
            _ => {
                if held.is_some() {
                    tracing::error!("the submission writer stopped; starting it again");
                }
                let (tx, rx) = mpsc::channel(app.config.submit_queue.max(1));
                tokio::spawn(run(app.clone(), rx));
                *held = Some(tx.clone());
                tx
            }
        }
    }
}

/// How long the writer keeps its connection once the queue is empty. Under load the queue
/// empties between most batches (the next requests are still being read); handing the
/// connection back each time cost two statements, and the next batch often took another
/// connection whose page cache was cold and had to read its pages again.
const HOLD_WHEN_IDLE: Duration = Duration::from_millis(500);

async fn run(app: App, mut queue: mpsc::Receiver<Job>) {
    let mut conn: Option<PoolConnection<sqlx::Any>> = None;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = match conn.take() {
            None => queue.recv_many(&mut jobs, MAX_BATCH).await,
            Some(held) => match tokio::time::timeout(HOLD_WHEN_IDLE, queue.recv_many(&mut jobs, MAX_BATCH)).await {
                Ok(n) => {
                    conn = Some(held);
                    n
                }
                // Idle: handed back, so the pool can close it.
                Err(_) => {
                    submissions::release_writer_connection(&app.db, held).await;
                    continue;
                }
            },
        };
        if received == 0 {
            break;
        }
        let (submissions, replies): (Vec<Submission>, Vec<_>) = jobs.drain(..).map(|j| (j.submission, j.reply)).unzip();
        let outcomes = write_or_split(&app, &mut conn, &submissions).await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // The request may have gone (client closed); its answer is stored either way.
            let _ = reply.send(outcome);
        }
    }
    if let Some(held) = conn.take() {
        submissions::release_writer_connection(&app.db, held).await;
    }
}

/// The batch's outcomes. When the batch fails for a reason of its own (not a busy or full
/// database), each submission is written alone, so one cannot fail the others.
async fn write_or_split(
    app: &App,
    conn: &mut Option<PoolConnection<sqlx::Any>>,
    batch: &[Submission],
) -> Vec<Result<SubmitOutcome>> {
    match write_on(app, conn, batch).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e @ (Error::Busy(_) | Error::StorageFull(_))) => {
            tracing::warn!(error = %e.chain(), submissions = batch.len(), "a batch of submissions was not stored");
            let mut all: Vec<_> = batch[1..].iter().map(|_| Err(copy_of(&e))).collect();
            all.insert(0, Err(e));
            all
        }
        Err(e) if batch.len() == 1 => vec![Err(e)],
        Err(e) => {
            tracing::warn!(error = %e.chain(), "a batch of submissions failed; writing each alone");
            let mut all = Vec::with_capacity(batch.len());
            for one in batch.chunks(1) {
                // One outcome per submission: the only one.
                all.push(write_on(app, conn, one).await.map(|mut o| o.remove(0)));
            }
            all
        }
    }
}

/// One batch on the writer's connection; a connection that failed is closed, not reused (its
/// transaction state is unknown; [`batch::write_pooled`]), and the next batch takes a fresh one.
async fn write_on(
    app: &App,
    conn: &mut Option<PoolConnection<sqlx::Any>>,
    batch: &[Submission],
) -> Result<Vec<SubmitOutcome>> {
    let held = match conn {
        Some(held) => held,
        None => conn.insert(submissions::writer_connection(&app.db).await?),
    };
    let turn = app.write_turn().await;
    let result = batch::write_pooled(app, held, batch).await;
    drop(turn);
    if result.is_err() {
        // Already marked to be closed, rather than handed back with the writer's settings.
        conn.take();
    }
    result
}

/// The same failure for another submission of the batch (errors own their cause).
fn copy_of(e: &Error) -> Error {
    let cause = || sqlx::Error::Protocol(e.chain());
    match e {
        Error::StorageFull(_) => Error::StorageFull(cause()),
        _ => Error::Busy(cause()),
    }
}
