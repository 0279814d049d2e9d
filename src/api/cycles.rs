//! Cycles: create or update, read, progress, close.
use super::{AdminKey, ApiJson, ReadKey, UpsertCounts};
use crate::db::cycles::{self, Cycle, SurveyProgress, Weights};
use crate::domain::id::parse_label;
use crate::domain::{ExternalId, time};
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleInput {
    id: String,
    title: String,
    opens_at: String,
    closes_at: String,
    #[serde(default)]
    min_raters: Option<i64>,
    #[serde(default)]
    weights: Option<WeightsInput>,
    #[serde(default)]
    remind_every_days: Option<i64>,
    #[serde(default)]
    max_reminders: Option<i64>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightsInput {
    #[serde(default = "one")]
    manager: f64,
    #[serde(default = "one")]
    peer: f64,
    #[serde(default = "one")]
    direct_report: f64,
}

fn one() -> f64 {
    1.0
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::invalid("invalid_cycle", msg)
}

impl CycleInput {
    fn parse(&self) -> ApiResult<Cycle> {
        let id = ExternalId::parse(&self.id).map_err(invalid)?.into_string();
        let title = parse_label(&self.title, "title", 200).map_err(invalid)?;
        let opens_at = time::parse_rfc3339(&self.opens_at, "opens_at").map_err(invalid)?;
        let closes_at = time::parse_rfc3339(&self.closes_at, "closes_at").map_err(invalid)?;
        if closes_at <= opens_at {
            return Err(invalid("closes_at must be after opens_at"));
        }
        let min_raters = self.min_raters.unwrap_or(3);
        if !(2..=1000).contains(&min_raters) {
            return Err(invalid("min_raters must be between 2 and 1000: below 2, anonymity cannot hold"));
        }
        let weights = self.weights.as_ref().map_or_else(Weights::default, |w| Weights {
            manager: w.manager,
            peer: w.peer,
            direct_report: w.direct_report,
        });
        for (name, w) in
            [("manager", weights.manager), ("peer", weights.peer), ("direct_report", weights.direct_report)]
        {
            if !w.is_finite() || !(0.0..=100.0).contains(&w) {
                return Err(invalid(format!("weights.{name} must be a number from 0 to 100")));
            }
        }
        if self.remind_every_days.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(invalid("remind_every_days must be from 1 to 365"));
        }
        if self.max_reminders.is_some_and(|n| !(0..=20).contains(&n)) {
            return Err(invalid("max_reminders must be from 0 to 20"));
        }
        Ok(Cycle {
            id,
            title,
            opens_at,
            closes_at,
            min_raters,
            weights,
            remind_every_days: self.remind_every_days,
            max_reminders: self.max_reminders.or(self.remind_every_days.map(|_| 2)),
            closed: false,
        })
    }
}

#[utoipa::path(post, path = "/api/v1/cycles", tag = "cycles", request_body = CycleInput, security(("api_key" = [])),
    responses((status = 200, description = "Created, updated or unchanged", body = UpsertCounts), (status = 409, description = "The cycle is closed", body = ErrorBody), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(cycle = %input.id))]
pub async fn save(
    _: AdminKey,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<CycleInput>,
) -> ApiResult<Json<UpsertCounts>> {
    save_cycle(&state, &input).await.map(Json)
}

/// Creates or updates a cycle (the API and the admin page).
pub async fn save_cycle(state: &AppState, input: &CycleInput) -> ApiResult<UpsertCounts> {
    let cycle = input.parse()?;
    let now = time::now();
    let mut tx = state.db.begin().await?;
    let mut counts = UpsertCounts::default();
    match cycles::load(&mut *tx, &cycle.id).await? {
        Some(old) if old.closed => {
            return Err(ApiError::conflict("cycle_closed", format!("cycle {:?} is closed", cycle.id)));
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
    tx.commit().await?;
    Ok(counts)
}

#[derive(Serialize, ToSchema)]
pub struct CycleView {
    id: String,
    title: String,
    opens_at: String,
    closes_at: String,
    min_raters: i64,
    weights: WeightsInput,
    remind_every_days: Option<i64>,
    max_reminders: Option<i64>,
    status: &'static str,
}

#[utoipa::path(get, path = "/api/v1/cycles/{cycle}", tag = "cycles", params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses((status = 200, body = CycleView), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
pub async fn show(_: AdminKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<CycleView>> {
    let c = load_cycle(&state, &id).await?;
    Ok(Json(CycleView {
        status: c.status(time::now()),
        id: c.id,
        title: c.title,
        opens_at: time::to_rfc3339(c.opens_at),
        closes_at: time::to_rfc3339(c.closes_at),
        min_raters: c.min_raters,
        weights: WeightsInput {
            manager: c.weights.manager,
            peer: c.weights.peer,
            direct_report: c.weights.direct_report,
        },
        remind_every_days: c.remind_every_days,
        max_reminders: c.max_reminders,
    }))
}

pub async fn load_cycle(state: &AppState, id: &str) -> ApiResult<Cycle> {
    cycles::load(&state.db.pool, id).await?.ok_or_else(|| ApiError::not_found("cycle", id))
}

#[derive(Serialize, ToSchema)]
pub struct Progress {
    cycle: String,
    status: &'static str,
    surveys: Vec<SurveyProgress>,
}

#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/progress", tag = "cycles", params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses((status = 200, body = Progress), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
pub async fn progress(_: ReadKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Progress>> {
    let c = load_cycle(&state, &id).await?;
    let surveys = cycles::progress(&state.db.pool, &c.id).await?;
    Ok(Json(Progress { status: c.status(time::now()), cycle: c.id, surveys }))
}

#[derive(Serialize, ToSchema)]
pub struct Closed {
    cycle: String,
    status: &'static str,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/close", tag = "cycles", params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses((status = 200, body = Closed), (status = 403, body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn close(_: AdminKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Closed>> {
    let c = load_cycle(&state, &id).await?;
    if cycles::close(&state.db, &c.id, time::now()).await? {
        state.outbox_wake.notify_one();
        tracing::info!("cycle closed");
    }
    Ok(Json(Closed { cycle: c.id, status: "closed" }))
}
