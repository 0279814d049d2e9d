//! Schedules (CONTRACT §7): each month, quarter or year the worker opens cycle
//! `{schedule}-{period}`, invites every salesperson's customers or launches the 360 from the
//! org chart, and the cycle closes `open_days` later. With several instances each period's
//! cycle is created once: creating is create-only, and inviting is idempotent.
use super::audit::{self, Actor, AuditAction, Target};
use super::schedule_next::{self, Next};
use super::{App, Error, Result, cycles, invitations};
use crate::db::schedules::{self, Schedule};
use crate::domain::period::Period;
use crate::domain::reviews::Peers;
use crate::domain::{ExternalId, time};
use serde::Deserialize;
use utoipa::ToSchema;

// A schedule as the API and the admin page show it (a doc comment would change the OpenAPI document).
#[derive(Debug, Clone, PartialEq, serde::Serialize, ToSchema)]
#[schema(as = Schedule)]
pub struct ScheduleView {
    pub id: String,
    pub title: String,
    pub every: String,
    pub survey: String,
    pub invite: String,
    pub peers: String,
    pub open_days: i64,
    pub min_raters: i64,
}

impl From<Schedule> for ScheduleView {
    fn from(s: Schedule) -> ScheduleView {
        let Schedule { id, title, every, survey, invite, peers, open_days, min_raters } = s;
        ScheduleView { id, title, every, survey, invite, peers, open_days, min_raters }
    }
}

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// At most 48 characters: the cycles add the period.
    #[schema(schema_with = crate::domain::shapes::schedule_id)]
    pub id: String,
    /// The cycles' title; `{period}` is replaced by the period, e.g. "Customer survey {period}".
    #[schema(schema_with = crate::domain::shapes::schedule_title)]
    pub title: String,
    /// `month`, `quarter` or `year`.
    #[schema(pattern = "^(month|quarter|year)$")]
    pub every: String,
    #[schema(schema_with = crate::domain::shapes::id)]
    pub survey: String,
    /// `customers` (every salesperson's customers) or `launch` (the 360 from the org chart).
    #[schema(pattern = "^(customers|launch)$")]
    pub invite: String,
    #[serde(default)]
    pub peers: Option<Peers>,
    #[schema(minimum = 1, maximum = 366)]
    pub open_days: i64,
    #[serde(default)]
    #[schema(minimum = 2, maximum = 1000)]
    pub min_raters: Option<i64>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid("invalid_schedule", msg)
}

impl ScheduleInput {
    fn parse(&self) -> Result<Schedule> {
        let id = ExternalId::parse(&self.id).map_err(invalid)?.into_string();
        if id.len() > 48 {
            return Err(invalid("id must be at most 48 characters (the cycles add the period)"));
        }
        let title = crate::domain::id::parse_label(&self.title, "title", 150).map_err(invalid)?;
        if !matches!(self.every.as_str(), "month" | "quarter" | "year") {
            return Err(invalid("every must be month, quarter or year"));
        }
        if !matches!(self.invite.as_str(), "customers" | "launch") {
            return Err(invalid("invite must be customers or launch"));
        }
        if !(1..=366).contains(&self.open_days) {
            return Err(invalid("open_days must be from 1 to 366"));
        }
        let min_raters = self.min_raters.unwrap_or(3);
        if !(2..=1000).contains(&min_raters) {
            return Err(invalid("min_raters must be between 2 and 1000"));
        }
        let peers = match self.peers.unwrap_or_default() {
            Peers::Team => "team",
            Peers::Nominated => "nominated",
            Peers::None => "none",
        };
        Ok(Schedule {
            id,
            title,
            every: self.every.clone(),
            survey: self.survey.clone(),
            invite: self.invite.clone(),
            peers: peers.into(),
            open_days: self.open_days,
            min_raters,
        })
    }
}

/// What saving `input` would do: its first cycle, when, and how many it would ask.
pub async fn preview(app: &App, input: &ScheduleInput) -> Result<Next> {
    let schedule = checked(app, input).await?;
    let now = time::now();
    let current = app.calendar.period_at(&schedule.every, now);
    // A later period opens at its local start.
    schedule_next::next(app, &schedule, now, current, |p| app.calendar.period_bounds(p).0).await
}

/// Creates or replaces a schedule; true when it is new, with what it will do first (its first
/// cycle opens at once when its period has none yet).
#[tracing::instrument(skip_all)]
pub async fn save(app: &App, actor: &Actor, input: &ScheduleInput) -> Result<(bool, Next)> {
    let next = preview(app, input).await?;
    let schedule = input.parse()?;
    let mut tx = app.db.begin().await?;
    let new = schedules::save(&mut tx, &schedule, time::now()).await?;
    let detail = format!("every {}, survey {}", schedule.every, schedule.survey);
    audit::write(&mut tx, actor, AuditAction::SaveSchedule, Target::Schedule(&schedule.id), &detail).await?;
    tx.commit().await?;
    app.wake_outbox();
    Ok((new, next))
}

/// The schedule as asked, once its survey is known to fit what it invites.
async fn checked(app: &App, input: &ScheduleInput) -> Result<Schedule> {
    let schedule = input.parse()?;
    let Some(survey) = crate::db::surveys::load(&app.db.pool, &schedule.survey).await? else {
        return Err(
            Error::conflict("unknown_survey", format!("no survey {:?}", schedule.survey)).naming(&schedule.survey)
        );
    };
    // Checked now, not found out by the worker on every poll.
    let fits = match schedule.invite.as_str() {
        "customers" => survey.kind == crate::domain::survey::SurveyKind::Customer,
        _ => survey.kind == crate::domain::survey::SurveyKind::Peer,
    };
    if !fits {
        return Err(invalid("invite customers takes a customer survey; launch takes a peer survey"));
    }
    Ok(schedule)
}

pub async fn list(app: &App) -> Result<Vec<ScheduleView>> {
    Ok(schedules::all(&app.db).await?.into_iter().map(ScheduleView::from).collect())
}

pub async fn delete(app: &App, actor: &Actor, id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    if !schedules::delete(&mut tx, id).await? {
        return Err(Error::not_found("schedule", id));
    }
    audit::write(&mut tx, actor, AuditAction::DeleteSchedule, Target::Schedule(id), "").await?;
    Ok(tx.commit().await?)
}

/// Opens and invites the current period's cycle of every schedule that has none yet. The
/// worker calls it on every poll; most polls find every cycle there already.
#[tracing::instrument(skip_all)]
pub async fn run_due(app: &App) -> Result<()> {
    run_due_at(app, time::now()).await
}

/// [`run_due`] as if it were `now`: a period starts at local midnight on the organisation's
/// calendar, so the worker opens its cycle within a poll of that instant (tests pick the instant).
pub async fn run_due_at(app: &App, now: i64) -> Result<()> {
    for s in schedules::all(&app.db).await? {
        // One schedule that fails does not hold up the others.
        if let Err(e) = run_one(app, &s, now).await {
            tracing::warn!(schedule = %s.id, error = %e.chain(), "scheduled cycle not opened");
        }
    }
    Ok(())
}

/// Opens and invites one schedule's cycle for the current period, if it has none yet.
async fn run_one(app: &App, s: &Schedule, now: i64) -> Result<()> {
    let period = app.calendar.period_at(&s.every, now);
    let id = format!("{}-{period}", s.id);
    let created = match cycles::load(app, &id).await {
        Ok(c) if !c.is_open(now) => return Ok(()),
        Ok(_) => false,
        // A period that has a cycle of this survey already (made by hand, say) is skipped.
        Err(Error::NotFound { .. }) if schedule_next::period_taken(app, &s.survey, period, &id).await? => return Ok(()),
        Err(Error::NotFound { .. }) => open_cycle(app, s, &id, period, now).await?,
        Err(e) => return Err(e),
    };
    if created || !schedules::cycle_has_invitations(&app.db, &id).await? {
        invite(app, s, &id, period).await?;
    }
    Ok(())
}

/// Creates the period's cycle; false if another instance did first.
async fn open_cycle(app: &App, s: &Schedule, id: &str, period: Period, now: i64) -> Result<bool> {
    let closes = now + s.open_days * app.config.day_seconds;
    let input = cycles::CycleInput {
        id: id.to_string(),
        title: s.title.replace("{period}", &period.to_string()),
        title_i18n: Default::default(),
        period: Some(period.to_string()),
        opens_at: time::to_rfc3339(now),
        closes_at: time::to_rfc3339(closes),
        min_raters: Some(s.min_raters),
        weights: None,
        weights_by_role: None,
        remind_every_days: None,
        max_reminders: None,
    };
    match cycles::create(app, &Actor::System, &input).await {
        Ok(_) => {
            tracing::info!(schedule = %s.id, cycle = %id, "scheduled cycle opened");
            Ok(true)
        }
        Err(Error::Conflict { code: "cycle_exists", .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn invite(app: &App, s: &Schedule, cycle: &str, period: Period) -> Result<()> {
    let created = if s.invite == "customers" {
        // Nobody is asked twice in a period: those who answered this survey in it are left out.
        let answered = schedule_next::answered_in(app, &s.survey, period).await?;
        super::launch::invite_customers(app, &Actor::System, cycle, &s.survey, &answered).await?
    } else {
        let peers = match s.peers.as_str() {
            "team" => Peers::Team,
            "nominated" => Peers::Nominated,
            _ => Peers::None,
        };
        let all = invitations::Subjects::All(invitations::AllKeyword::All);
        let deliver = invitations::Deliver::Email;
        let what = super::launch::Launch { survey: &s.survey, subjects: &all, peers, rule: Default::default() };
        super::launch::launch(app, &Actor::System, cycle, what, deliver).await?
    };
    tracing::info!(schedule = %s.id, cycle, invited = created.created, "scheduled cycle invited");
    Ok(())
}
