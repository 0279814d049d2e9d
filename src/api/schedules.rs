//! `POST/GET /api/v1/schedules`, `DELETE /api/v1/schedules/{id}`.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiJson, ApiPath};
use crate::app::App;
use crate::app::schedule_next::Next;
use crate::app::schedules::{self, ScheduleInput, ScheduleView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

#[utoipa::path(post, path = "/api/v1/schedules", operation_id = "save_schedules", tag = "cycles",
    request_body = ScheduleInput, security(("api_key" = [])),
    responses(
        (status = 200, description = "Replaced; what it will open first", body = ScheduleSaved),
        (status = 201, description = "Created; the current period's cycle opens at once unless it has one", body = ScheduleSaved, links(
            ("delete_schedules" = (operation_id = "delete_schedules", parameters(("schedule" = "$request.body#/id")))),
        )),
        (status = 409, description = "The survey is unknown (`unknown_survey`)", body = ErrorBody),
        (status = 422, description = "Invalid input", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn save(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> ApiResult<(StatusCode, Json<ScheduleSaved>)> {
    let (created, next) = schedules::save(&app, &actor, &input).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(ScheduleSaved { next })))
}

/// What a saved schedule will do first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ScheduleSaved {
    next: Next,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ScheduleList {
    schedules: Vec<ScheduleView>,
}

#[utoipa::path(get, path = "/api/v1/schedules", operation_id = "list_schedules", tag = "cycles",
    security(("api_key" = [])),
    responses(
        (status = 200, body = ScheduleList),
        ErrorResponses,
    )
)]
pub async fn list(_: AdminKey, State(app): State<App>) -> ApiResult<Json<ScheduleList>> {
    Ok(Json(ScheduleList { schedules: schedules::list(&app).await? }))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{schedule}", operation_id = "delete_schedules", tag = "cycles",
    params(("schedule" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted; cycles it opened stay"),
        ErrorResponses,
    )
)]
pub async fn delete(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    schedules::delete(&app, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
