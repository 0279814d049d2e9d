//! Privacy requests (CONTRACT §12): `GET /api/v1/people/{person}/export`,
//! `GET /api/v1/customers/{customer}/export` and `DELETE /api/v1/customers/{customer}`.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiPath, ApiQuery};
use crate::app::App;
use crate::app::privacy::{self, AnswersAfterErasure, CustomerExport, Erasure, PersonExport};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

#[utoipa::path(get, path = "/api/v1/people/{person}/export", operation_id = "export_person", tag = "directory",
    params(("person" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 200, description = "Everything held about the person; never which anonymous review they answered",
            body = PersonExport),
        ErrorResponses,
    )
)]
pub async fn export_person(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PersonExport>> {
    Ok(Json(privacy::export_person(&app, &actor, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/customers/{customer}/export", operation_id = "export_customer", tag = "directory",
    params(("customer" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 200, description = "Everything held about the customer", body = CustomerExport),
        ErrorResponses,
    )
)]
pub async fn export_customer(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CustomerExport>> {
    Ok(Json(privacy::export_customer(&app, &actor, &id).await?))
}

/// `?answers=keep` (default): their attributed answers stay, leading to nobody;
/// `?answers=delete`: they go too.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ErasureQuery {
    #[param(pattern = "^(keep|delete)$")]
    answers: Option<String>,
}

#[utoipa::path(delete, path = "/api/v1/customers/{customer}", operation_id = "erase_customer", tag = "directory",
    params(("customer" = String, Path), ErasureQuery), security(("api_key" = [])),
    responses(
        (status = 200,
            description = "Erased: contact data, invitations, links and follow-ups deleted; released scores unchanged",
            body = Erasure),
        (status = 422, description = "answers is neither keep nor delete", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn erase_customer(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ErasureQuery>,
) -> ApiResult<Json<Erasure>> {
    let answers = match q.answers.as_deref() {
        None | Some("keep") => AnswersAfterErasure::Keep,
        Some("delete") => AnswersAfterErasure::Delete,
        Some(_) => return Err(crate::app::Error::invalid("invalid_answers", "answers is keep or delete").into()),
    };
    Ok(Json(privacy::erase_customer(&app, &actor, &id, answers).await?))
}
