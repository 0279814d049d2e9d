//! A batch of respondent submissions written as one transaction in a fixed number of
//! statements: the links looked up in one read, each submission checked against its (cached)
//! survey, the live ones claimed (on SQLite: marked answered with the rows), then their
//! responses or, for anonymous relations, sealed records, each table's rows one JSON value
//! (`db::batch_rows`). A submission whose link is not live, whose answers do not fit, or that
//! lost its invitation to another in the same batch gets its own outcome; the others are
//! stored. Nothing is acknowledged before the commit.
use super::responses::SubmitOutcome;
use super::sealing::seal_record;
use super::{App, Error, Result};
use crate::db::invitations::LinkTarget;
use crate::db::responses::NewResponse;
use crate::db::submissions::{self, LinkRow};
use crate::db::{Backend, batch_rows};
use crate::domain::answers::{Answer, check_answers};
use crate::domain::sealed::SealKey;
use crate::domain::survey::Survey;
use crate::domain::time;
use crate::domain::token::{ordered_id, random_id};
use crate::scoring::{ResponseValue, response_values};
use sqlx::pool::PoolConnection;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

/// Submissions per batch at most: a bound on a batch's time, memory and statement sizes.
pub const MAX_BATCH: usize = 256;

/// One respondent's form, on its way to the database.
pub struct Submission {
    pub token_hash: String,
    pub fields: Vec<(String, String)>,
}

/// A submission that passed its checks and whose invitation will be claimed.
struct Chosen {
    index: usize,
    target: LinkTarget,
    survey: Arc<Survey>,
    answers: Vec<Answer>,
}

/// Writes `batch` (at most [`MAX_BATCH`]) in one transaction on `conn`; one outcome per
/// submission, in order. On SQLite that takes two calls to the database's thread (begin and
/// look up; then claim, store and commit), and for anonymous answers one or two more a
/// cycle (the server key's check value; the cycle's key, until this instance holds it). An error means nothing of the batch was stored, and the
/// connection is left in a transaction of unknown state: the caller closes it.
pub async fn write(app: &App, conn: &mut sqlx::AnyConnection, batch: &[Submission]) -> Result<Vec<SubmitOutcome>> {
    app.metrics.batch(batch.len());
    let now = time::now();
    let today = app.calendar.day(now);
    let started = Instant::now();
    let hashes: Vec<&str> = batch.iter().map(|s| s.token_hash.as_str()).collect();
    let links = submissions::begin_and_lookup(conn, app.db.backend, &hashes, now).await?;
    let looked_up = started.elapsed();
    let mut outcomes: Vec<SubmitOutcome> = batch.iter().map(|_| SubmitOutcome::NotClaimed).collect();
    let chosen = check(app, conn, batch, &links, &mut outcomes).await?;
    let ids: Vec<i64> = chosen.iter().map(|c| c.target.id).collect();
    let claimed = match app.db.backend {
        // The lookup ran under the write lock: every live link it found is taken, marked
        // answered in the call that stores the rows.
        Backend::Sqlite => ids.into_iter().collect(),
        Backend::Postgres => submissions::claim_many(conn, &ids, now, &today).await?,
    };
    let stored: Vec<&Chosen> = chosen.iter().filter(|c| claimed.contains(&c.target.id)).collect();
    let checked = started.elapsed();
    store_and_commit(app, conn, &stored, now, &today).await?;
    let committed = started.elapsed();
    // The phases of a batch, for the benchmark's profiles (CANDOR_LOG=candor::app::batch=trace).
    tracing::trace!(
        submissions = batch.len(),
        lookup_us = looked_up.as_micros() as u64,
        checked_us = checked.as_micros() as u64,
        committed_us = committed.as_micros() as u64,
        "batch written"
    );
    for c in &stored {
        outcomes[c.index] = SubmitOutcome::Stored;
    }
    Ok(outcomes)
}

/// [`write`] on a pooled connection, which is closed instead of handed back unless the batch
/// committed. After an error, or a panic, its transaction may still be open, and the pool
/// would not notice: sqlx counts only the transactions it began itself.
pub async fn write_pooled(
    app: &App,
    conn: &mut PoolConnection<sqlx::Any>,
    batch: &[Submission],
) -> Result<Vec<SubmitOutcome>> {
    let mut guard = CloseUnlessCommitted { conn, committed: false };
    let outcomes = write(app, guard.conn, batch).await;
    guard.committed = outcomes.is_ok();
    outcomes
}

/// Marks its connection to be closed when dropped before the batch committed (also while a
/// panic unwinds).
struct CloseUnlessCommitted<'a> {
    conn: &'a mut PoolConnection<sqlx::Any>,
    committed: bool,
}

impl Drop for CloseUnlessCommitted<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.conn.close_on_drop();
        }
    }
}

/// Checks the answers of each submission whose link is live; the first fitting submission of
/// an invitation is chosen. Misfits get `Rejected` in `outcomes`; the rest stay `NotClaimed`.
async fn check(
    app: &App,
    conn: &mut sqlx::AnyConnection,
    batch: &[Submission],
    links: &HashMap<String, LinkRow>,
    outcomes: &mut [SubmitOutcome],
) -> Result<Vec<Chosen>> {
    let (mut chosen, mut taken) = (Vec::new(), HashSet::new());
    for (index, s) in batch.iter().enumerate() {
        // A second submission for an invitation finds it taken; one after a misfit may fit.
        let Some(link) = links.get(&s.token_hash).filter(|l| l.live && !taken.contains(&l.target.id)) else {
            continue;
        };
        let survey = app
            .surveys
            .get_on(conn, &link.target.survey_id)
            .await?
            .ok_or_else(|| Error::internal(sqlx::Error::RowNotFound))?;
        match check_answers(&survey.questions, &s.fields) {
            Ok(answers) => {
                taken.insert(link.target.id);
                chosen.push(Chosen { index, target: link.target.clone(), survey, answers });
            }
            Err(rejected) => outcomes[index] = SubmitOutcome::Rejected { survey, rejected },
        }
    }
    Ok(chosen)
}

/// Attributed answers become responses; anonymous ones sealed records, in the order of their
/// random ids. The drafts of all of them are deleted, and the transaction commits.
async fn store_and_commit(
    app: &App,
    conn: &mut sqlx::AnyConnection,
    stored: &[&Chosen],
    now: i64,
    today: &str,
) -> Result<()> {
    let (anonymous, attributed): (Vec<&Chosen>, Vec<&Chosen>) =
        stored.iter().partition(|c| c.target.relation.is_anonymous(c.survey.anonymous));
    let mut records = Vec::with_capacity(anonymous.len());
    // A batch checks the server key and reads a cycle's key once, not once an answer: a batch
    // holds up to MAX_BATCH answers, mostly to one cycle.
    let mut keys: HashMap<&str, Arc<SealKey>> = HashMap::new();
    for c in anonymous {
        let t = &c.target;
        if !keys.contains_key(t.cycle_id.as_str()) {
            let key = super::cycle_keys::for_sealing(app, conn, &t.cycle_id).await?;
            keys.insert(&t.cycle_id, key);
        }
        records.push((
            random_id(),
            t.cycle_id.as_str(),
            seal_record(&keys[t.cycle_id.as_str()], t, &c.survey, c.answers.clone())?,
        ));
    }
    records.sort_by(|a, b| a.0.cmp(&b.0));
    let values: Vec<Vec<ResponseValue>> =
        attributed.iter().map(|c| response_values(&c.survey.questions, &c.answers)).collect();
    let rows: Vec<(NewResponse, String)> = attributed
        .iter()
        .zip(&values)
        .map(|(c, v)| (new_response(&c.target, v, &c.answers), ordered_id(now)))
        .collect();
    // A draft ends with its answer, in the same transaction.
    let answered: Vec<i64> = stored.iter().map(|c| c.target.id).collect();
    batch_rows::write_and_commit(conn, app.db.backend, &rows, &records, today, &answered).await?;
    Ok(())
}

/// The response row of an attributed answer to a claimed invitation.
pub fn new_response<'a>(t: &'a LinkTarget, values: &'a [ResponseValue], answers: &'a [Answer]) -> NewResponse<'a> {
    NewResponse {
        values,
        invitation_id: t.id,
        cycle_id: &t.cycle_id,
        survey_id: &t.survey_id,
        subject_id: &t.subject_id,
        relation: t.relation.as_str(),
        anonymous: false,
        answers,
        release_run: None,
    }
}

#[cfg(test)]
mod tests {
    use super::CloseUnlessCommitted;
    use sqlx::any::AnyPoolOptions;

    /// A panic mid-batch must not hand the connection back inside its transaction: on SQLite
    /// it would keep the write lock, and the next user of the connection would join the
    /// half-written transaction.
    #[tokio::test]
    async fn a_panic_mid_batch_closes_the_connection_instead_of_pooling_its_transaction() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        let shared = pool.clone();
        let panicked = tokio::spawn(async move {
            let mut conn = shared.acquire().await.unwrap();
            let guard = CloseUnlessCommitted { conn: &mut conn, committed: false };
            sqlx::query("BEGIN IMMEDIATE").execute(&mut **guard.conn).await.unwrap();
            panic!("mid-batch");
        })
        .await;
        assert!(panicked.unwrap_err().is_panic());
        // The pool's only connection; one still inside a transaction cannot begin another.
        let mut conn = pool.acquire().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.expect("a connection outside any transaction");
        sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
    }
}
