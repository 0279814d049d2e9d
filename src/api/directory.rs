//! `POST /api/v1/people` and `POST /api/v1/customers`: idempotent upserts by the caller's ids;
//! `GET` lists them, a page at a time.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiJson, ApiQuery};
use crate::app::directory::{self, CustomerInput, PersonInput};
use crate::app::{App, UpsertCounts};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
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

#[utoipa::path(post, path = "/api/v1/people", operation_id = "upsert_people", tag = "directory",
    request_body = PeopleBody, security(("api_key" = [])),
    responses(
        (status = 200, description = "Upserted by id", body = UpsertCounts, links(
            ("export_person" = (operation_id = "export_person", parameters(("person" = "$request.body#/people/0/id")))),
        )),
        (status = 409, description = "A row does not fit what is stored: an address another person has, an unknown \
            manager, people who would manage each other, an administrator's new address (`email_taken`, \
            `unknown_manager`, `management_cycle`, `admin_email`); nothing was stored", body = ErrorBody),
        (status = 422, description = "A row breaks a rule (`error.message` names it); nothing was stored",
            body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(rows = body.people.len()))]
pub async fn upsert_people(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiJson(body): ApiJson<PeopleBody>,
) -> ApiResult<Json<UpsertCounts>> {
    Ok(Json(directory::import_people(&app, &actor, &body.people, true).await?))
}

#[utoipa::path(post, path = "/api/v1/customers", operation_id = "upsert_customers", tag = "directory",
    request_body = CustomersBody, security(("api_key" = [])),
    responses(
        (status = 200, description = "Upserted by id", body = UpsertCounts, links(
            ("export_customer" = (operation_id = "export_customer",
                parameters(("customer" = "$request.body#/customers/0/id")))),
            ("erase_customer" = (operation_id = "erase_customer",
                parameters(("customer" = "$request.body#/customers/0/id")))),
        )),
        (status = 409, description = "A row names an owner who is not a known person (`unknown_owner`); nothing \
            was stored", body = ErrorBody),
        (status = 422, description = "A row breaks a rule (`error.message` names it); nothing was stored",
            body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(rows = body.customers.len()))]
pub async fn upsert_customers(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiJson(body): ApiJson<CustomersBody>,
) -> ApiResult<Json<UpsertCounts>> {
    Ok(Json(directory::import_customers(&app, &actor, &body.customers, true).await?))
}

/// `?after=ID&limit=N`: the page after that id (by id), N rows at most (default 500).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next` of the previous page; omit it (or leave it empty) for the first.
    #[param(pattern = "^[A-Za-z0-9._:-]{0,64}$")]
    after: Option<String>,
    /// 1 to 5,000; default 500.
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    id: String,
    name: String,
    email: String,
    manager: Option<String>,
    team: Option<String>,
    locale: Option<String>,
    role: Option<String>,
    active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    people: Vec<PersonView>,
    /// Pass as `after` for the next page; null on the last.
    next: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerView {
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    owner: Option<String>,
    locale: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomersPage {
    customers: Vec<CustomerView>,
    /// Pass as `after` for the next page; null on the last.
    next: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/people", operation_id = "list_people", tag = "directory", params(PageQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, body = PeoplePage),
        (status = 422, description = "Invalid limit", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn list_people(
    _: AdminKey,
    State(app): State<App>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PeoplePage>> {
    let page = directory::people(&app, q.after.as_deref(), q.limit).await?;
    let people = page
        .items
        .into_iter()
        .map(|p| PersonView {
            id: p.id,
            name: p.name,
            email: p.email,
            manager: p.manager_id,
            team: p.team,
            locale: p.locale,
            role: p.role,
            active: p.active,
        })
        .collect();
    Ok(Json(PeoplePage { people, next: page.next }))
}

#[utoipa::path(get, path = "/api/v1/customers", operation_id = "list_customers", tag = "directory", params(PageQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, body = CustomersPage),
        (status = 422, description = "Invalid limit", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn list_customers(
    _: AdminKey,
    State(app): State<App>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<CustomersPage>> {
    let page = directory::customers(&app, q.after.as_deref(), q.limit).await?;
    let customers = page
        .items
        .into_iter()
        .map(|c| CustomerView {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            owner: c.owner_id,
            locale: c.locale,
        })
        .collect();
    Ok(Json(CustomersPage { customers, next: page.next }))
}
