//! What the heatmap, period comparisons and exports read (issue 33): each closed cycle's group
//! parts as its close released them and its participation, stored once at close; and the
//! participation of an open cycle, counted live.
use super::{Tx, get_bool};
use crate::domain::Relation;
use crate::scoring::stats::Sums;
use sqlx::{AnyPool, Row};

/// The answers behind CSAT and NPS of one part (customer satisfaction only; zero elsewhere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub scale_n: u64,
    pub top_two: u64,
    pub nps_n: u64,
    pub promoters: u64,
    pub detractors: u64,
}

impl Counts {
    pub fn merge(self, o: Counts) -> Counts {
        Counts {
            scale_n: self.scale_n + o.scale_n,
            top_two: self.top_two + o.top_two,
            nps_n: self.nps_n + o.nps_n,
            promoters: self.promoters + o.promoters,
            detractors: self.detractors + o.detractors,
        }
    }
}

/// One part of a (subject, indicator, relation) group of a closed cycle. Read summed by team,
/// `cycle` and `subject` are empty. A withheld part carries its n and nothing else.
#[derive(Debug, Clone)]
pub struct PartRow {
    pub cycle: String,
    pub subject: String,
    pub team: Option<String>,
    pub indicator: String,
    pub relation: Relation,
    pub anonymous: bool,
    pub released: bool,
    pub sums: Sums,
    pub counts: Counts,
}

/// Stores a closed cycle's parts, in the transaction that stores its results.
pub async fn store_parts(tx: &mut Tx, cycle: &str, parts: &[PartRow], now: i64) -> Result<(), sqlx::Error> {
    for p in parts {
        // Defence in depth: whatever the caller passes, a withheld part's sums are not stored.
        let sums = if p.released { p.sums } else { Sums { n: p.sums.n, sum: 0.0, sum_sq: 0.0 } };
        let c = if p.released { p.counts } else { Counts::default() };
        sqlx::query(
            "INSERT INTO result_parts (cycle_id, subject_id, team, indicator, relation, anonymous, released, n, \
             value_sum, value_sum_sq, scale_n, top_two, nps_n, promoters, detractors) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(cycle)
        .bind(&p.subject)
        .bind(&p.team)
        .bind(&p.indicator)
        .bind(p.relation.as_str())
        .bind(p.anonymous)
        .bind(p.released)
        .bind(sums.n as i64)
        .bind(sums.sum)
        .bind(sums.sum_sq)
        .bind(c.scale_n as i64)
        .bind(c.top_two as i64)
        .bind(c.nps_n as i64)
        .bind(c.promoters as i64)
        .bind(c.detractors as i64)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE cycles SET parts_at = $2 WHERE id = $1").bind(cycle).bind(now).execute(&mut **tx).await?;
    Ok(())
}

/// Participation per subject and relation, as the subject's team stood in the cycle's org
/// chart (or, without one, today): the columns every participation read returns.
const PARTICIPATION: &str = "SELECT i.cycle_id, i.subject_id, \
     CASE WHEN o.person_id IS NULL THEN p.team ELSE o.team END AS team, i.relation, COUNT(*) AS invited, \
     COALESCE(SUM(CASE WHEN i.completed THEN 1 ELSE 0 END), 0) AS answered, \
     COALESCE(SUM(CASE WHEN i.declined THEN 1 ELSE 0 END), 0) AS declined \
     FROM live_invitations i LEFT JOIN cycle_org o ON o.cycle_id = i.cycle_id AND o.person_id = i.subject_id \
     LEFT JOIN people p ON p.id = i.subject_id WHERE i.cycle_id = $1 \
     GROUP BY i.cycle_id, i.subject_id, CASE WHEN o.person_id IS NULL THEN p.team ELSE o.team END, i.relation";

/// Stores a closed cycle's participation (its invitations no longer change).
pub async fn store_participation(tx: &mut Tx, cycle: &str) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO result_participation (cycle_id, subject_id, team, relation, invited, answered, declined) \
         {PARTICIPATION}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cycle).execute(&mut **tx).await?;
    Ok(())
}

/// Invitations of one subject and relation in a cycle: counts only.
#[derive(Debug, Clone)]
pub struct ParticipationRow {
    pub cycle: String,
    pub subject: String,
    pub team: Option<String>,
    pub relation: Relation,
    pub invited: i64,
    pub answered: i64,
    pub declined: i64,
}

fn relation(r: &sqlx::any::AnyRow) -> Result<Relation, sqlx::Error> {
    let raw: String = r.try_get("relation")?;
    Relation::parse(&raw).ok_or_else(|| sqlx::Error::Decode(format!("relation {raw:?}").into()))
}

fn participation_row(r: &sqlx::any::AnyRow) -> Result<ParticipationRow, sqlx::Error> {
    Ok(ParticipationRow {
        cycle: r.try_get("cycle_id")?,
        subject: r.try_get("subject_id")?,
        team: r.try_get("team")?,
        relation: relation(r)?,
        invited: r.try_get("invited")?,
        answered: r.try_get("answered")?,
        declined: r.try_get("declined")?,
    })
}

/// A cycle's participation counted now (an open cycle, or one closed before it was stored).
pub async fn participation_live(pool: &AnyPool, cycle: &str) -> Result<Vec<ParticipationRow>, sqlx::Error> {
    sqlx::query(PARTICIPATION).bind(cycle).fetch_all(pool).await?.iter().map(participation_row).collect()
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The participation stored for these closed cycles.
pub async fn participation_stored(pool: &AnyPool, cycles: &[String]) -> Result<Vec<ParticipationRow>, sqlx::Error> {
    if cycles.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT cycle_id, subject_id, team, relation, invited, answered, declined FROM result_participation \
         WHERE cycle_id IN ({})",
        placeholders(1, cycles.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in cycles {
        q = q.bind(c);
    }
    q.fetch_all(pool).await?.iter().map(participation_row).collect()
}

/// Which of these cycles have their parts stored.
pub async fn with_parts(pool: &AnyPool, cycles: &[String]) -> Result<Vec<String>, sqlx::Error> {
    if cycles.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id FROM cycles WHERE parts_at IS NOT NULL AND id IN ({})", placeholders(1, cycles.len()));
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for c in cycles {
        q = q.bind(c);
    }
    q.fetch_all(pool).await
}

const SUMS: &str = "CAST(SUM(n) AS BIGINT) AS n, SUM(value_sum) AS s1, SUM(value_sum_sq) AS s2, \
     CAST(SUM(scale_n) AS BIGINT) AS scale_n, CAST(SUM(top_two) AS BIGINT) AS top_two, \
     CAST(SUM(nps_n) AS BIGINT) AS nps_n, CAST(SUM(promoters) AS BIGINT) AS promoters, \
     CAST(SUM(detractors) AS BIGINT) AS detractors";

fn part_row(r: &sqlx::any::AnyRow, by_subject: bool) -> Result<PartRow, sqlx::Error> {
    let count = |c: &str| r.try_get::<i64, _>(c).map(|v| v.max(0) as u64);
    let text = |c: &str| if by_subject { r.try_get::<String, _>(c) } else { Ok(String::new()) };
    Ok(PartRow {
        cycle: text("cycle_id")?,
        subject: text("subject_id")?,
        team: r.try_get("team")?,
        indicator: r.try_get("indicator")?,
        relation: relation(r)?,
        anonymous: get_bool(r, "anonymous")?,
        released: get_bool(r, "released")?,
        sums: Sums { n: count("n")?, sum: r.try_get("s1")?, sum_sq: r.try_get("s2")? },
        counts: Counts {
            scale_n: count("scale_n")?,
            top_two: count("top_two")?,
            nps_n: count("nps_n")?,
            promoters: count("promoters")?,
            detractors: count("detractors")?,
        },
    })
}

/// The stored parts of these cycles summed by team (everyone's: an admin's view), in one
/// aggregate over the cycles' rows.
pub async fn team_parts(pool: &AnyPool, cycles: &[String]) -> Result<Vec<PartRow>, sqlx::Error> {
    if cycles.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT team, indicator, relation, anonymous, released, {SUMS} FROM result_parts WHERE cycle_id IN ({}) \
         GROUP BY team, indicator, relation, anonymous, released",
        placeholders(1, cycles.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in cycles {
        q = q.bind(c);
    }
    q.fetch_all(pool).await?.iter().map(|r| part_row(r, false)).collect()
}

/// The stored parts of these cycles about these subjects, one row per cycle and part (the
/// caller keeps the (cycle, subject) pairs its viewer may see).
pub async fn subject_parts(
    pool: &AnyPool,
    cycles: &[String],
    subjects: &[String],
) -> Result<Vec<PartRow>, sqlx::Error> {
    let mut out = Vec::new();
    if cycles.is_empty() {
        return Ok(out);
    }
    // Bounded lists of bound values, whatever the size of the organisation.
    for chunk in subjects.chunks(500) {
        let sql = format!(
            "SELECT cycle_id, subject_id, team, indicator, relation, anonymous, released, n, value_sum AS s1, \
             value_sum_sq AS s2, scale_n, top_two, nps_n, promoters, detractors FROM result_parts \
             WHERE cycle_id IN ({}) AND subject_id IN ({})",
            placeholders(1, cycles.len()),
            placeholders(cycles.len() + 1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in cycles.iter().chain(chunk) {
            q = q.bind(v);
        }
        for r in q.fetch_all(pool).await? {
            out.push(part_row(&r, true)?);
        }
    }
    Ok(out)
}

/// (cycle, subject, team) of every subject in these closed cycles' stored results.
pub async fn subjects(pool: &AnyPool, cycles: &[String]) -> Result<Vec<(String, String, Option<String>)>, sqlx::Error> {
    if cycles.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT cycle_id, subject_id, team FROM subject_results WHERE cycle_id IN ({})",
        placeholders(1, cycles.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in cycles {
        q = q.bind(c);
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter().map(|r| Ok((r.try_get("cycle_id")?, r.try_get("subject_id")?, r.try_get("team")?))).collect()
}
