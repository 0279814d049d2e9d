//! `POST/GET /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}`.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiJson, ApiPath};
use crate::app::App;
use crate::app::integrations::{self, Webhook};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An http(s) URL of a public host, without credentials.
    #[schema(schema_with = crate::domain::shapes::webhook_url)]
    url: String,
    /// Shared with the receiver, who checks each delivery's signature with it.
    #[schema(min_length = 16, max_length = 256)]
    secret: String,
}

#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "create_webhooks", tag = "webhooks",
    request_body = WebhookInput, security(("api_key" = [])),
    responses(
        (status = 201, body = Webhook, links(
            ("test" = (operation_id = "test", parameters(("webhook" = "$response.body#/id")))),
            ("deliveries" = (operation_id = "deliveries", parameters(("webhook" = "$response.body#/id")))),
            ("delete_webhooks" = (operation_id = "delete_webhooks", parameters(("webhook" = "$response.body#/id")))),
        )),
        (status = 422, description = "Not an https address, or a secret not of 16 to 256 characters",
            body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn create(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let hook = integrations::create_webhook(&app, &actor, &input.url, &input.secret).await?;
    Ok((StatusCode::CREATED, Json(hook)))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    webhooks: Vec<Webhook>,
}

#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    security(("api_key" = [])),
    responses(
        (status = 200, body = WebhookList),
        ErrorResponses,
    )
)]
pub async fn list(_: AdminKey, State(app): State<App>) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList { webhooks: integrations::webhooks(&app).await? }))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{webhook}", operation_id = "delete_webhooks", tag = "webhooks",
    params(("webhook" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        ErrorResponses,
    )
)]
pub async fn delete(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    integrations::delete_webhook(&app, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TestQueued {
    /// The delivery's id: find it in the deliveries, and in the receiver's `Candor-Delivery` header.
    delivery: i64,
}

/// Sends a signed `webhook.test` event (`{"event":"webhook.test","webhook":id}`) to a receiver.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook}/test", operation_id = "test", tag = "webhooks",
    params(("webhook" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 202, description = "Queued; see the deliveries", body = TestQueued),
        ErrorResponses,
    )
)]
pub async fn test(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<TestQueued>)> {
    let delivery = integrations::test_webhook(&app, &actor, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(TestQueued { delivery })))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    deliveries: Vec<integrations::Delivery>,
}

/// The latest 50 attempts to deliver to a receiver, newest first: event, outcome, status, latency.
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook}/deliveries", operation_id = "deliveries", tag = "webhooks",
    params(("webhook" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 200, body = DeliveryList),
        ErrorResponses,
    )
)]
pub async fn deliveries(
    _: AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DeliveryList>> {
    Ok(Json(DeliveryList { deliveries: integrations::deliveries(&app, &id).await? }))
}
