//! `POST /api/v1/people` and `POST /api/v1/customers`: idempotent upserts by the caller's ids.
use super::error::{ApiResult, ErrorBody};
use super::{AdminKey, ApiJson};
use crate::app::directory::{self, CustomerInput, PersonInput};
use crate::app::{App, UpsertCounts};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeopleBody {
    people: Vec<PersonInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomersBody {
    customers: Vec<CustomerInput>,
}

#[utoipa::path(post, path = "/api/v1/people", tag = "directory", request_body = PeopleBody, security(("api_key" = [])),
    responses((status = 200, description = "Upserted by id", body = UpsertCounts), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(rows = body.people.len()))]
pub async fn upsert_people(
    _: AdminKey,
    State(app): State<App>,
    ApiJson(body): ApiJson<PeopleBody>,
) -> ApiResult<Json<UpsertCounts>> {
    Ok(Json(directory::import_people(&app, &body.people, true).await?))
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "directory", request_body = CustomersBody, security(("api_key" = [])),
    responses((status = 200, description = "Upserted by id", body = UpsertCounts), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(rows = body.customers.len()))]
pub async fn upsert_customers(
    _: AdminKey,
    State(app): State<App>,
    ApiJson(body): ApiJson<CustomersBody>,
) -> ApiResult<Json<UpsertCounts>> {
    Ok(Json(directory::import_customers(&app, &body.customers, true).await?))
}
