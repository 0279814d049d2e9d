//! What a schedule will do next (CONTRACT §9, turn 3): the cycle it will open, when, and how
//! many it will ask — shown before a schedule is saved. A schedule never opens a cycle for a
//! period that already has a cycle of its survey, and never asks a customer who answered that
//! survey in the same period.
use super::{App, Result};
use crate::db::schedules::{self, Schedule};
use crate::domain::period::Period;
use crate::domain::time;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// The first cycle a schedule will open.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ScheduleNext)]
pub struct Next {
    /// `{schedule}-{period}`.
    pub cycle: String,
    /// RFC 3339: now, or the start of the first period that has no cycle of this survey yet.
    pub opens_at: String,
    /// How many it will ask: customers not heard from in that period, or people for a 360.
    pub people: i64,
}

/// Whether a cycle other than `own` already asks this survey in `period`.
pub(super) async fn period_taken(app: &App, survey: &str, period: Period, own: &str) -> Result<bool> {
    Ok(schedules::period_has_survey(&app.db, &period.to_string(), survey, own).await?)
}

/// The customers who answered `survey` in a cycle of `period` (or of a period inside it).
pub(super) async fn answered_in(app: &App, survey: &str, period: Period) -> Result<HashSet<String>> {
    let inside: Vec<String> = schedules::cycles_of_survey(&app.db, survey)
        .await?
        .into_iter()
        .filter(|(_, q)| q.as_deref().and_then(|q| Period::parse(q).ok()).is_some_and(|q| period.contains(q)))
        .map(|(id, _)| id)
        .collect();
    Ok(schedules::customers_who_answered(&app.db, survey, &inside).await?.into_iter().collect())
}

/// The first cycle `s` will open from `now`: this period's, unless it has one already (its
/// own or another cycle of the survey), else the next free period's at its start.
pub async fn next(
    app: &App,
    s: &Schedule,
    now: i64,
    current: Period,
    start_of: impl Fn(Period) -> i64,
) -> Result<Next> {
    let (mut period, mut opens) = (current, now);
    for _ in 0..4 {
        let id = format!("{}-{period}", s.id);
        let own = super::cycles::load(app, &id).await.is_ok();
        if !own && !period_taken(app, &s.survey, period, &id).await? {
            break;
        }
        period = period.next();
        opens = start_of(period);
    }
    let people = match s.invite.as_str() {
        "customers" => {
            let answered = answered_in(app, &s.survey, period).await?;
            let owned = crate::db::admin::owned_customers(&app.db.pool).await?;
            owned.iter().filter(|(c, _)| !answered.contains(c)).count() as i64
        }
        _ => crate::db::directory::active_org_chart(&app.db.pool).await?.len() as i64,
    };
    Ok(Next { cycle: format!("{}-{period}", s.id), opens_at: time::to_rfc3339(opens), people })
}
