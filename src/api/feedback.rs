//! `GET /api/v1/cycles/{cycle}/feedback`: who gave whom feedback and where it stands.
use super::error::ApiResult;
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiPath};
use crate::app::App;
use crate::app::feedback::{self, FeedbackState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedbackList {
    feedback: Vec<FeedbackState>,
}

/// States only, never the texts: those are between the subject and their managers.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/feedback", operation_id = "list_feedback", tag = "feedback",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200, body = FeedbackList),
        ErrorResponses,
    )
)]
pub async fn list(
    _: AdminKey,
    State(app): State<App>,
    ApiPath(cycle): ApiPath<String>,
) -> ApiResult<Json<FeedbackList>> {
    Ok(Json(FeedbackList { feedback: feedback::summary(&app, &cycle).await? }))
}
