//! `POST /api/v1/surveys` and `GET /api/v1/surveys/{survey}`.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiJson, ApiPath};
use crate::app::{App, UpsertCounts, surveys};
use crate::domain::survey::SurveyInput;
use axum::Json;
use axum::extract::State;

#[utoipa::path(post, path = "/api/v1/surveys", operation_id = "save_surveys", tag = "surveys",
    request_body = SurveyInput, security(("api_key" = [])),
    responses(
        (status = 200, description = "Created, replaced or unchanged", body = UpsertCounts, links(
            ("show_surveys" = (operation_id = "show_surveys", parameters(("survey" = "$request.body#/id")))),
        )),
        (status = 409, description = "The survey has invitations and is frozen", body = ErrorBody),
        (status = 422, description = "Invalid input", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(survey = %input.id))]
pub async fn save(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiJson(input): ApiJson<SurveyInput>,
) -> ApiResult<Json<UpsertCounts>> {
    Ok(Json(surveys::save(&app, &actor, &input).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    #[serde(flatten)]
    input: SurveyInput,
    frozen: bool,
}

#[utoipa::path(get, path = "/api/v1/surveys/{survey}", operation_id = "show_surveys", tag = "surveys",
    params(("survey" = String, Path, description = "Survey id")), security(("api_key" = [])),
    responses(
        (status = 200, body = SurveyView),
        ErrorResponses,
    )
)]
pub async fn show(_: AdminKey, State(app): State<App>, ApiPath(id): ApiPath<String>) -> ApiResult<Json<SurveyView>> {
    let (input, frozen) = surveys::show(&app, &id).await?;
    Ok(Json(SurveyView { input, frozen }))
}
