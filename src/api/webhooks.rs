//! `POST/GET /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}`.
use super::{AdminKey, ApiJson};
use crate::db::webhooks::{self, Webhook};
use crate::domain::time;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    url: String,
    secret: String,
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookInput, security(("api_key" = [])),
    responses((status = 201, body = Webhook), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
pub async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let url = url::Url::parse(&input.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ApiError::invalid("invalid_webhook", "url must be an http:// or https:// URL"))?;
    if !(16..=256).contains(&input.secret.len()) {
        return Err(ApiError::invalid("invalid_webhook", "secret must be 16 to 256 characters"));
    }
    let hook = webhooks::create(&state.db, url.as_str(), &input.secret, time::now()).await?;
    Ok((StatusCode::CREATED, Json(hook)))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    webhooks: Vec<Webhook>,
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("api_key" = [])),
    responses((status = 200, body = WebhookList), (status = 401, body = ErrorBody)))]
pub async fn list(_: AdminKey, State(state): State<AppState>) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList { webhooks: webhooks::list(&state.db).await? }))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{webhook}", tag = "webhooks", params(("webhook" = String, Path)), security(("api_key" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn delete(_: AdminKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if webhooks::delete(&state.db, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("webhook", &id))
    }
}
