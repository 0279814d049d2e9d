//! A closed cycle's results, computed once and stored: closed cycles never change, so the
//! scores API, the dashboard, a person's page and their trend read stored rows instead of
//! aggregating every response again. Stored right after the closing transaction, or on the
//! first read of a cycle closed before results were stored.
use super::results::{self, CycleScores, SubjectComments, SubjectReport, SubjectScores};
use super::{Error, Result};
use crate::db::Db;
use crate::db::results::{self as stored, StoredSubject};
use crate::db::scores::Only;
use crate::domain::cycle::Cycle;
use crate::domain::{Relation, time};
use crate::scoring::{GroupScore, IndicatorScore, Status};
use std::collections::BTreeMap;

/// Stores the results of every closed cycle that has none yet (a database of an earlier
/// release, or a close whose last step failed): run by `candor migrate`, at start and by the
/// worker, never by a reader. Returns how many cycles it stored.
pub async fn backfill(db: &Db) -> Result<usize> {
    let mut stored_now = 0;
    for cycle in crate::db::cycles::all(&db.pool).await?.iter().filter(|c| c.closed) {
        if !stored::is_stored(&db.pool, &cycle.id).await? {
            ensure(db, cycle).await?;
            stored_now += 1;
        }
    }
    Ok(stored_now)
}

/// Whether a closed cycle's results are stored; until they are, readers compute them as for
/// an open cycle, and store nothing.
pub async fn is_stored(db: &Db, cycle: &Cycle) -> Result<bool> {
    Ok(cycle.closed && stored::is_stored(&db.pool, &cycle.id).await?)
}

/// [`backfill`] for the worker, which retries a close whose last step failed.
pub async fn store_missing(app: &super::App) -> Result<usize> {
    backfill(&app.db).await
}

/// Computes and stores a closed cycle's results, unless they are stored already.
#[tracing::instrument(skip_all, fields(cycle = %cycle.id))]
pub async fn ensure(db: &Db, cycle: &Cycle) -> Result<()> {
    if !cycle.closed || stored::is_stored(&db.pool, &cycle.id).await? {
        return Ok(());
    }
    let now = time::now();
    let started = std::time::Instant::now();
    // Four reads of the closed cycle, each on a connection of its own, side by side: nothing
    // changes it any more. How long each took goes in the log: what a slow close spends on.
    let ((scores, scores_ms), (mut comments, comments_ms), (mut values, values_ms), (parts, parts_ms)) = tokio::try_join!(
        timed(results::compute_scores(db, cycle, now, Only::All)),
        timed(results::compute_comments(db, cycle, Only::All)),
        timed(results::compute_values(db, cycle, Only::All)),
        // Each group's parts and the participation, for analytics (heatmap, periods, exports).
        timed(super::analytics::parts_of(db, cycle)),
    )?;
    // Who has something to read: a score others gave, or a released comment.
    let released: Vec<String> = scores
        .subjects
        .iter()
        .filter(|s| {
            let scored = s.indicators.values().any(|i| {
                i.score.is_some()
                    && (i.by_relation.is_empty()
                        || i.by_relation.iter().any(|(r, g)| *r != "self" && g.score.is_some()))
            });
            let commented =
                comments.get(&s.subject).is_some_and(|c| c.comments.iter().any(|c| c.relation != Relation::SelfReview));
            scored || commented
        })
        .map(|s| s.subject.clone())
        .collect();
    let rows = scores
        .subjects
        .into_iter()
        .map(|s| {
            let c = comments.remove(&s.subject).unwrap_or_default();
            let v = values.remove(&s.subject).unwrap_or_default();
            Ok(StoredSubject {
                scores: serde_json::to_string(&s.indicators).map_err(Error::internal)?,
                comments: serde_json::to_string(&c).map_err(Error::internal)?,
                released_values: serde_json::to_string(&v).map_err(Error::internal)?,
                subject_id: s.subject,
                name: s.name,
                team: s.team,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut tx = db.begin().await?;
    if stored::store(&mut tx, &cycle.id, &rows, now).await? {
        crate::db::analytics::store_parts(&mut tx, &cycle.id, &parts, now).await?;
        crate::db::analytics::store_participation(&mut tx, &cycle.id).await?;
        // Stored once, so told once: each subject with something released gets one email.
        let subjects: Vec<&str> = released.iter().map(String::as_str).collect();
        stored::queue_results_emails(&mut tx, &cycle.id, &subjects, now).await?;
        tx.commit().await?;
        tracing::info!(
            cycle = %cycle.id, subjects = rows.len(), scores_ms, comments_ms, values_ms, parts_ms, all_ms = started.elapsed().as_millis() as u64,
            "results stored"
        );
    } else {
        tx.rollback().await?;
    }
    Ok(())
}

/// What `step` gave, and how many milliseconds it took.
async fn timed<T>(step: impl std::future::Future<Output = Result<T>>) -> Result<(T, u64)> {
    let started = std::time::Instant::now();
    let done = step.await?;
    Ok((done, started.elapsed().as_millis() as u64))
}

/// An indicator as stored: the output's shape, with relation names owned.
#[derive(serde::Deserialize)]
struct StoredIndicator {
    score: Option<f64>,
    n: u64,
    sd: Option<f64>,
    ci95: Option<[f64; 2]>,
    #[serde(default)]
    csat: Option<f64>,
    #[serde(default)]
    nps: Option<f64>,
    withheld: bool,
    status: Status,
    #[serde(default)]
    by_relation: BTreeMap<String, GroupScore>,
}

impl StoredIndicator {
    fn into_score(self) -> Result<IndicatorScore> {
        let by_relation = self
            .by_relation
            .into_iter()
            .map(|(k, g)| {
                Relation::parse(&k)
                    .map(|r| (r.as_str(), g))
                    .ok_or_else(|| Error::internal(std::io::Error::other(format!("stored relation {k:?}"))))
            })
            .collect::<Result<_>>()?;
        Ok(IndicatorScore {
            score: self.score,
            n: self.n,
            sd: self.sd,
            ci95: self.ci95,
            csat: self.csat,
            nps: self.nps,
            withheld: self.withheld,
            status: self.status,
            by_relation,
        })
    }
}

fn subject_scores(row: &StoredSubject) -> Result<SubjectScores> {
    let stored: BTreeMap<String, StoredIndicator> = serde_json::from_str(&row.scores).map_err(Error::internal)?;
    Ok(SubjectScores {
        subject: row.subject_id.clone(),
        name: row.name.clone(),
        team: row.team.clone(),
        indicators: stored.into_iter().map(|(k, v)| Ok((k, v.into_score()?))).collect::<Result<_>>()?,
    })
}

pub async fn scores(db: &Db, cycle: &Cycle) -> Result<CycleScores> {
    let subjects = stored::all(&db.pool, &cycle.id).await?.iter().map(subject_scores).collect::<Result<_>>()?;
    Ok(CycleScores {
        cycle: cycle.id.clone(),
        status: "closed",
        is_final: true,
        min_raters: cycle.min_raters,
        subjects,
    })
}

pub async fn comments(db: &Db, cycle: &Cycle) -> Result<BTreeMap<String, SubjectComments>> {
    let mut out = BTreeMap::new();
    for row in stored::all(&db.pool, &cycle.id).await? {
        let c: SubjectComments = serde_json::from_str(&row.comments).map_err(Error::internal)?;
        if !c.comments.is_empty() || !c.withheld.is_empty() {
            out.insert(row.subject_id, c);
        }
    }
    Ok(out)
}

pub async fn subject(db: &Db, cycle: &Cycle, subject: &str) -> Result<Option<SubjectReport>> {
    let Some(row) = stored::one(&db.pool, &cycle.id, subject).await? else { return Ok(None) };
    Ok(Some(SubjectReport {
        scores: subject_scores(&row)?,
        comments: serde_json::from_str(&row.comments).map_err(Error::internal)?,
        values: serde_json::from_str(&row.released_values).map_err(Error::internal)?,
    }))
}
