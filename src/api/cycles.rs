//! Cycles: create or update, read, progress, close.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiJson, ApiPath, ReadKey};
use crate::app::cycles::{CycleInput, SurveyProgress, WeightsInput};
use crate::app::{App, UpsertCounts, cycles};
use crate::domain::calendar::Calendar;
use crate::domain::cycle::Cycle;
use crate::domain::period::Period;
use crate::domain::time;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

#[utoipa::path(post, path = "/api/v1/cycles", operation_id = "save_cycles", tag = "cycles", request_body = CycleInput,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Created, updated or unchanged", body = UpsertCounts, links(
            ("show_cycles" = (operation_id = "show_cycles", parameters(("cycle" = "$request.body#/id")))),
            ("progress" = (operation_id = "progress", parameters(("cycle" = "$request.body#/id")))),
            ("scores" = (operation_id = "scores", parameters(("cycle" = "$request.body#/id")))),
            ("scores_csv" = (operation_id = "scores_csv", parameters(("cycle" = "$request.body#/id")))),
            ("comments" = (operation_id = "comments", parameters(("cycle" = "$request.body#/id")))),
            ("list_feedback" = (operation_id = "list_feedback", parameters(("cycle" = "$request.body#/id")))),
            ("create_invitations" = (operation_id = "create_invitations", parameters(("cycle" = "$request.body#/id")))),
            ("launch" = (operation_id = "launch", parameters(("cycle" = "$request.body#/id")))),
            ("remind" = (operation_id = "remind", parameters(("cycle" = "$request.body#/id")))),
            ("revoke_invitations" = (operation_id = "revoke_invitations", parameters(("cycle" = "$request.body#/id")))),
            ("reissue" = (operation_id = "reissue", parameters(("cycle" = "$request.body#/id")))),
            ("close" = (operation_id = "close", parameters(("cycle" = "$request.body#/id")))),
        )),
        (status = 409, description = "The cycle is closed, or has invitations and min_raters would drop \
            (`cycle_closed`, `min_raters_locked`), or this server still runs on a server key a rotation \
            replaced (`server_key_changed`: restart it with the new key)", body = ErrorBody),
        (status = 422, description = "Invalid input", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %input.id))]
pub async fn save(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiJson(input): ApiJson<CycleInput>,
) -> ApiResult<Json<UpsertCounts>> {
    Ok(Json(cycles::save(&app, &actor, &input).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CycleView {
    id: String,
    title: String,
    /// The title in other languages, when it has any.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::i18n)]
    title_i18n: std::collections::BTreeMap<String, String>,
    period: Option<String>,
    /// The first instant of `period` on the organisation's calendar (`CANDOR_TIMEZONE`): its
    /// local midnight, in UTC. Null without a period.
    #[schema(schema_with = crate::domain::shapes::opt_period_bound)]
    period_starts_at: Option<String>,
    /// The first instant after `period` on the organisation's calendar, in UTC: the period is
    /// `period_starts_at` ≤ t < `period_ends_at`. Null without a period.
    #[schema(schema_with = crate::domain::shapes::opt_period_bound)]
    period_ends_at: Option<String>,
    opens_at: String,
    closes_at: String,
    min_raters: i64,
    weights: WeightsInput,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    weights_by_role: std::collections::BTreeMap<String, WeightsInput>,
    remind_every_days: Option<i64>,
    max_reminders: Option<i64>,
    status: &'static str,
}

#[utoipa::path(get, path = "/api/v1/cycles/{cycle}", operation_id = "show_cycles", tag = "cycles",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200, body = CycleView),
        ErrorResponses,
    )
)]
pub async fn show(_: ReadKey, State(app): State<App>, ApiPath(id): ApiPath<String>) -> ApiResult<Json<CycleView>> {
    Ok(Json(view(cycles::load(&app, &id).await?, time::now(), &app.calendar)))
}

fn view(c: Cycle, now: i64, calendar: &Calendar) -> CycleView {
    let bounds = c.period.as_deref().and_then(|p| Period::parse(p).ok()).map(|p| calendar.period_bounds(p));
    CycleView {
        period_starts_at: bounds.map(|b| time::to_rfc3339(b.0)),
        period_ends_at: bounds.map(|b| time::to_rfc3339(b.1)),
        status: c.status(now),
        weights: (&c.weights).into(),
        weights_by_role: c.weights_by_role.iter().map(|(r, w)| (r.clone(), w.into())).collect(),
        id: c.id,
        title: c.title,
        title_i18n: c.title_i18n,
        period: c.period,
        opens_at: time::to_rfc3339(c.opens_at),
        closes_at: time::to_rfc3339(c.closes_at),
        min_raters: c.min_raters,
        remind_every_days: c.remind_every_days,
        max_reminders: c.max_reminders,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CycleList {
    cycles: Vec<CycleView>,
}

/// Every cycle, newest first: what the scoring step reads to find the cycles of a period.
#[utoipa::path(get, path = "/api/v1/cycles", operation_id = "list_cycles", tag = "cycles", security(("api_key" = [])),
    responses(
        (status = 200, body = CycleList),
        ErrorResponses,
    )
)]
pub async fn list(_: ReadKey, State(app): State<App>) -> ApiResult<Json<CycleList>> {
    let now = time::now();
    Ok(Json(CycleList { cycles: cycles::all(&app).await?.into_iter().map(|c| view(c, now, &app.calendar)).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct Progress {
    cycle: String,
    status: &'static str,
    surveys: Vec<SurveyProgress>,
}

#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/progress", operation_id = "progress", tag = "cycles",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200, body = Progress),
        ErrorResponses,
    )
)]
pub async fn progress(_: ReadKey, State(app): State<App>, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Progress>> {
    let (c, surveys) = cycles::progress(&app, &id).await?;
    Ok(Json(Progress { status: c.status(time::now()), cycle: c.id, surveys }))
}

#[derive(Serialize, ToSchema)]
pub struct Closed {
    cycle: String,
    status: &'static str,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/close", operation_id = "close", tag = "cycles",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200, description = "The cycle is closed and its results are stored. The call waits \
            `CANDOR_CLOSE_WAIT_SECS` (default 20 s) at most for the whole close; a longer one (around 100,000 sealed \
            answers) answers here while the cycle's sealed records are still being deleted.", body = Closed),
        (status = 409, description = "A sealed answer cannot be opened (`unsealable`: not under this key, or its \
            second part is missing; the message says which), or a launch or close of the cycle is under way \
            (`launch_under_way`, `closing_under_way`, `closing_raced`); \
            `closing_under_way` also when this call's own close has not closed the cycle after 25 s: it runs on, \
            and the cycle's progress tells when it ends", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn close(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Closed>> {
    let c = cycles::close(&app, &actor, &id).await?;
    Ok(Json(Closed { cycle: c.id, status: "closed" }))
}
