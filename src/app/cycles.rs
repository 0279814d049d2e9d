//! Cycles: create or update, read, progress, close (by call or at `closes_at`).
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result, UpsertCounts};
use crate::db::cycles;

use crate::domain::cycle::{Cycle, Weights};
use crate::domain::id::parse_label;
use crate::domain::{ExternalId, time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::closing::close_now;
pub use super::closing::{close, close_due};

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CycleInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::name)]
    pub title: String,
    /// The title in other languages: `{"zh-CN": "2026 年第四季度"}`.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::i18n)]
    pub title_i18n: std::collections::BTreeMap<String, String>,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`: the period whose scores this cycle feeds.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_period)]
    pub period: Option<String>,
    #[schema(schema_with = crate::domain::shapes::date_time)]
    pub opens_at: String,
    #[schema(schema_with = crate::domain::shapes::date_time)]
    pub closes_at: String,
    /// 2 to 1,000 (default 3): fewer raters than this and an anonymous group stays hidden.
    #[serde(default)]
    #[schema(minimum = 2, maximum = 1000)]
    pub min_raters: Option<i64>,
    #[serde(default)]
    pub weights: Option<WeightsInput>,
    /// Weights for subjects of a role instead of `weights`: `{"sales_manager": {…}}`.
    #[serde(default)]
    pub weights_by_role: Option<std::collections::BTreeMap<String, WeightsInput>>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub remind_every_days: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 20)]
    pub max_reminders: Option<i64>,
}

#[derive(Deserialize, Serialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct WeightsInput {
    #[serde(default = "one")]
    #[schema(minimum = 0, maximum = 100)]
    pub manager: f64,
    #[serde(default = "one")]
    #[schema(minimum = 0, maximum = 100)]
    pub peer: f64,
    #[serde(default = "one")]
    #[schema(minimum = 0, maximum = 100)]
    pub direct_report: f64,
}

fn one() -> f64 {
    1.0
}

impl From<&Weights> for WeightsInput {
    fn from(w: &Weights) -> Self {
        WeightsInput { manager: w.manager, peer: w.peer, direct_report: w.direct_report }
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid("invalid_cycle", msg)
}

impl CycleInput {
    pub fn parse(&self) -> Result<Cycle> {
        let id = ExternalId::parse(&self.id).map_err(invalid)?.into_string();
        let title = parse_label(&self.title, "title", 200).map_err(invalid)?;
        let title_i18n = crate::domain::survey::parse_i18n(&self.title_i18n, "title_i18n").map_err(invalid)?;
        let period = self
            .period
            .as_deref()
            .map(|p| crate::domain::period::Period::parse(p).map(|p| p.to_string()))
            .transpose()
            .map_err(invalid)?;
        let opens_at = time::parse_rfc3339(&self.opens_at, "opens_at").map_err(invalid)?;
        let closes_at = time::parse_rfc3339(&self.closes_at, "closes_at").map_err(invalid)?;
        if closes_at <= opens_at {
            return Err(invalid("closes_at must be after opens_at"));
        }
        let min_raters = self.min_raters.unwrap_or(3);
        if !(2..=1000).contains(&min_raters) {
            return Err(invalid("min_raters must be between 2 and 1000: below 2, anonymity cannot hold"));
        }
        let weights = self.weights.as_ref().map_or_else(|| Ok(Weights::default()), |w| parse_weights(w, "weights"))?;
        let weights_by_role = parse_by_role(self.weights_by_role.as_ref())?;
        if self.remind_every_days.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(invalid("remind_every_days must be from 1 to 365"));
        }
        if self.max_reminders.is_some_and(|n| !(0..=20).contains(&n)) {
            return Err(invalid("max_reminders must be from 0 to 20"));
        }
        Ok(Cycle {
            id,
            title,
            title_i18n,
            period,
            opens_at,
            closes_at,
            min_raters,
            weights,
            weights_by_role,
            remind_every_days: self.remind_every_days,
            max_reminders: self.max_reminders.or(self.remind_every_days.map(|_| 2)),
            closed: false,
        })
    }
}

fn parse_by_role(
    by_role: Option<&std::collections::BTreeMap<String, WeightsInput>>,
) -> Result<std::collections::BTreeMap<String, Weights>> {
    let mut weights_by_role = std::collections::BTreeMap::new();
    for (role, w) in by_role.into_iter().flatten() {
        let role = crate::domain::survey::parse_indicator(role).map_err(|_| {
            invalid(format!("weights_by_role: role {role:?} must be snake_case, such as \"sales_manager\""))
        })?;
        let w = parse_weights(w, &format!("weights_by_role.{role}"))?;
        weights_by_role.insert(role, w);
    }
    Ok(weights_by_role)
}

/// Sets an open cycle's weights by role (the cycle's admin page), keeping all else as it is.
/// A closed cycle cannot change (409 `cycle_closed`).
pub async fn set_weights_by_role(
    app: &App,
    actor: &Actor,
    id: &str,
    by_role: &std::collections::BTreeMap<String, WeightsInput>,
) -> Result<()> {
    let weights_by_role = parse_by_role(Some(by_role))?;
    let now = time::now();
    let mut tx = app.db.begin().await?;
    crate::db::lock_rows(&mut tx, app.db.backend, "cycles", &[id], crate::db::RowLock::Update).await?;
    let mut cycle = cycles::load(&mut *tx, id).await?.ok_or_else(|| Error::not_found("cycle", id))?;
    if !cycle.is_open(now) {
        return Err(Error::conflict("cycle_closed", format!("cycle {id:?} is closed")).naming(id));
    }
    let roles: Vec<&str> = weights_by_role.keys().map(String::as_str).collect();
    let detail = format!("weights by role: {}", if roles.is_empty() { "none".into() } else { roles.join(", ") });
    cycle.weights_by_role = weights_by_role.clone();
    cycles::save(&mut tx, &cycle, now).await?;
    audit::write(&mut tx, actor, AuditAction::SetWeightsByRole, Target::Cycle(id), &detail).await?;
    tx.commit().await?;
    Ok(())
}

fn parse_weights(w: &WeightsInput, what: &str) -> Result<Weights> {
    let weights = Weights { manager: w.manager, peer: w.peer, direct_report: w.direct_report };
    for (name, w) in [("manager", weights.manager), ("peer", weights.peer), ("direct_report", weights.direct_report)] {
        if !w.is_finite() || !(0.0..=100.0).contains(&w) {
            return Err(invalid(format!("{what}.{name} must be a number from 0 to 100")));
        }
    }
    if weights.manager + weights.peer + weights.direct_report <= 0.0 {
        return Err(invalid(format!("{what} must not all be 0: every 360 score would stay empty")));
    }
    Ok(weights)
}

/// Creates or updates a cycle (CONTRACT §5). A closed cycle — closed by call or past its
/// `closes_at` — cannot change (409 `cycle_closed`); `min_raters` never drops once there are
/// invitations (409 `min_raters_locked`); a `closes_at` moved into the past closes it now.
#[tracing::instrument(skip_all, fields(cycle = %input.id))]
pub async fn save(app: &App, actor: &Actor, input: &CycleInput) -> Result<UpsertCounts> {
    let counts = write(app, actor, input, false).await?;
    let cycle = input.parse()?;
    // Another close of it under way (the worker saw it due first): answer once that one ended.
    if !cycle.is_open(time::now()) && !close_now(app, actor, &cycle.id, None).await? {
        super::closing::wait_for_close(app, &cycle.id).await?;
    }
    Ok(counts)
}

/// Creates a cycle; an existing id is an error (409 `cycle_exists`): the admin form only creates.
#[tracing::instrument(skip_all, fields(cycle = %input.id))]
pub async fn create(app: &App, actor: &Actor, input: &CycleInput) -> Result<UpsertCounts> {
    let counts = write(app, actor, input, true).await?;
    let cycle = input.parse()?;
    // Another close of it under way (the worker saw it due first): answer once that one ended.
    if !cycle.is_open(time::now()) && !close_now(app, actor, &cycle.id, None).await? {
        super::closing::wait_for_close(app, &cycle.id).await?;
    }
    Ok(counts)
}

async fn write(app: &App, actor: &Actor, input: &CycleInput, create_only: bool) -> Result<UpsertCounts> {
    let cycle = input.parse()?;
    let now = time::now();
    let mut tx = app.db.begin().await?;
    // Held until commit: no invitation can slip in between the check and the change.
    crate::db::lock_rows(&mut tx, app.db.backend, "cycles", &[&cycle.id], crate::db::RowLock::Update).await?;
    let mut counts = UpsertCounts::default();
    match cycles::load(&mut *tx, &cycle.id).await? {
        Some(_) if create_only => {
            return Err(Error::conflict("cycle_exists", format!("a cycle with id {:?} exists already", cycle.id))
                .naming(&cycle.id));
        }
        Some(old) if !old.is_open(now) => {
            return Err(Error::conflict("cycle_closed", format!("cycle {:?} is closed", cycle.id)).naming(&cycle.id));
        }
        Some(old) if cycle.min_raters < old.min_raters && cycles::has_invitations(&mut tx, &cycle.id).await? => {
            return Err(Error::conflict(
                "min_raters_locked",
                format!(
                    "cycle {:?} has invitations that promised at least {} raters; min_raters cannot drop",
                    cycle.id, old.min_raters
                ),
            )
            .naming(old.min_raters.to_string()));
        }
        Some(old) if old == cycle => counts.unchanged = 1,
        Some(_) => {
            cycles::save(&mut tx, &cycle, now).await?;
            counts.updated = 1;
        }
        None => {
            cycles::save(&mut tx, &cycle, now).await?;
            counts.created = 1;
        }
    }
    super::cycle_keys::ensure(app, &mut tx, &cycle.id).await?;
    let detail = format!(
        "opens_at {}, closes_at {}, min_raters {}; {}",
        input.opens_at,
        input.closes_at,
        cycle.min_raters,
        counts.summary()
    );
    audit::write(&mut tx, actor, AuditAction::SaveCycle, Target::Cycle(&cycle.id), &detail).await?;
    tx.commit().await?;
    Ok(counts)
}

/// A cycle by id. One past its `closes_at` is closed here if the worker has not done it yet:
/// "closed" is decided in one place, and its results are released by that one transaction.
pub async fn load(app: &App, id: &str) -> Result<Cycle> {
    let cycle = cycles::load(&app.db.pool, id).await?.ok_or_else(|| Error::not_found("cycle", id))?;
    // A run under way (a close, most likely) is left to finish: a reader does not queue for the
    // write lock to learn that.
    if cycle.closed || cycle.is_open(time::now()) || super::runs::progress(app, id).await?.is_some() {
        return Ok(cycle);
    }
    // A close that cannot finish (a record its key cannot open) is the admin's to see, on the
    // close call and in the log, not every reader's: they read the cycle as it is, past its
    // time and not yet released.
    if let Err(e @ (Error::Conflict { .. } | Error::Invalid { .. })) = close_now(app, &Actor::System, id, None).await {
        tracing::error!(cycle = %id, error = %e.chain(), "a due cycle cannot close");
    }
    cycles::load(&app.db.pool, id).await?.ok_or_else(|| Error::not_found("cycle", id))
}

/// Like [`load`], but a closed cycle is an error (409 `cycle_closed`): for everything that
/// invites or reminds.
pub async fn load_open(app: &App, id: &str, now: i64) -> Result<Cycle> {
    let cycle = load(app, id).await?;
    if !cycle.is_open(now) {
        return Err(Error::conflict("cycle_closed", format!("cycle {id:?} is closed")).naming(id));
    }
    Ok(cycle)
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SurveyProgress {
    pub survey: String,
    pub invited: i64,
    /// Invitations whose first email went out.
    pub emailed: i64,
    /// Invitations whose first email was refused for good.
    pub failed: i64,
    pub completed: i64,
    /// Invitations whose rater said they cannot judge the subject: never counted.
    pub declined: i64,
    /// Invitations that were sent at least one reminder.
    pub reminded: i64,
}

impl From<cycles::SurveyProgress> for SurveyProgress {
    fn from(p: cycles::SurveyProgress) -> SurveyProgress {
        let cycles::SurveyProgress { survey, invited, emailed, failed, completed, declined, reminded } = p;
        SurveyProgress { survey, invited, emailed, failed, completed, declined, reminded }
    }
}

#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn progress(app: &App, id: &str) -> Result<(Cycle, Vec<SurveyProgress>)> {
    let cycle = load(app, id).await?;
    let surveys = cycles::progress(&app.db.pool, &cycle.id).await?.into_iter().map(SurveyProgress::from).collect();
    Ok((cycle, surveys))
}

/// Every cycle with its settings, newest first.
pub async fn all(app: &App) -> Result<Vec<Cycle>> {
    Ok(cycles::all(&app.db.pool).await?)
}

/// A cycle as a picker lists it.
#[derive(Debug, Clone)]
pub struct CycleRow {
    pub id: String,
    pub title: String,
    pub title_i18n: std::collections::BTreeMap<String, String>,
}

/// Every cycle, newest first: (id, title).
pub async fn list(app: &App) -> Result<Vec<CycleRow>> {
    let rows = crate::db::dashboard::cycles(&app.db.pool).await?;
    Ok(rows.into_iter().map(|c| CycleRow { id: c.id, title: c.title, title_i18n: c.title_i18n }).collect())
}

/// A cycle with its progress, as the admin page lists it.
pub struct CycleProgress {
    pub id: String,
    pub title: String,
    pub title_i18n: std::collections::BTreeMap<String, String>,
    pub status: &'static str,
    pub invited: i64,
    pub emailed: i64,
    pub failed: i64,
    pub completed: i64,
    pub reminded: i64,
    /// A close or launch under way: its kind (`close`, `launch`), rows written, rows in all.
    pub run: Option<(String, i64, i64)>,
}

/// Every cycle with its progress, for the admin page.
pub async fn overview(app: &App) -> Result<Vec<CycleProgress>> {
    let rows = crate::db::admin::cycles(&app.db.pool, time::now()).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let crate::db::admin::CycleProgress {
                id,
                title,
                title_i18n,
                status,
                invited,
                emailed,
                failed,
                completed,
                reminded,
                run,
            } = c;
            let run = run.map(|r| (r.kind, r.done, r.total));
            CycleProgress { id, title, title_i18n, status, invited, emailed, failed, completed, reminded, run }
        })
        .collect())
}
