//! `POST /api/v1/people` and `POST /api/v1/customers`: idempotent upserts by the caller's ids.
use super::{AdminKey, ApiJson, UpsertCounts, no_duplicates};
use crate::db::directory::{self, CustomerRow, PersonRow};
use crate::domain::id::parse_name;
use crate::domain::{EmailAddress, ExternalId, Locale, orgchart, time};
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeopleBody {
    people: Vec<PersonInput>,
}

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub manager: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomersBody {
    customers: Vec<CustomerInput>,
}

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
}

/// Prefixes a row's problem with its position and id, so an importer can find it.
fn row_error(i: usize, id: &str, code: &'static str, msg: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(code, format!("row {i} ({id:?}): {msg}"))
}

fn parse_locale(i: usize, id: &str, raw: Option<&str>) -> ApiResult<Option<String>> {
    raw.map(|l| Locale::parse(l).map(|l| l.as_str().to_string()))
        .transpose()
        .map_err(|e| row_error(i, id, "invalid_locale", e))
}

fn parse_person(i: usize, p: &PersonInput) -> ApiResult<PersonRow> {
    let id = ExternalId::parse(&p.id).map_err(|e| row_error(i, &p.id, "invalid_id", e))?;
    let manager_id = p
        .manager
        .as_deref()
        .map(|m| ExternalId::parse(m).map(ExternalId::into_string))
        .transpose()
        .map_err(|e| row_error(i, &p.id, "invalid_id", e))?;
    let team = p
        .team
        .as_deref()
        .map(|t| crate::domain::id::parse_label(t, "team", 100))
        .transpose()
        .map_err(|e| row_error(i, &p.id, "invalid_team", e))?;
    Ok(PersonRow {
        name: parse_name(&p.name, "name").map_err(|e| row_error(i, &p.id, "invalid_name", e))?,
        email: EmailAddress::parse(&p.email).map_err(|e| row_error(i, &p.id, "invalid_email", e))?.as_str().to_string(),
        manager_id,
        team,
        locale: parse_locale(i, &p.id, p.locale.as_deref())?,
        id: id.into_string(),
    })
}

#[utoipa::path(post, path = "/api/v1/people", tag = "directory", request_body = PeopleBody, security(("api_key" = [])),
    responses((status = 200, description = "Upserted by id", body = UpsertCounts), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(rows = body.people.len()))]
pub async fn upsert_people(
    _: AdminKey,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PeopleBody>,
) -> ApiResult<Json<UpsertCounts>> {
    let rows: Vec<PersonRow> =
        body.people.iter().enumerate().map(|(i, p)| parse_person(i, p)).collect::<ApiResult<_>>()?;
    import_people(&state, rows, true).await.map(Json)
}

/// Every row's own problems (shape, email, locale…), for a preview that lists them all.
pub fn people_row_errors(rows: &[PersonInput]) -> Vec<ApiError> {
    rows.iter().enumerate().filter_map(|(i, p)| parse_person(i, p).err()).collect()
}

pub fn customer_row_errors(rows: &[CustomerInput]) -> Vec<ApiError> {
    rows.iter().enumerate().filter_map(|(i, c)| parse_customer(i, c).err()).collect()
}

/// Parses and imports people; with `commit` false it checks everything against the database
/// and rolls back (the admin page's preview).
pub async fn import_people_input(state: &AppState, input: &[PersonInput], commit: bool) -> ApiResult<UpsertCounts> {
    let rows: Vec<PersonRow> = input.iter().enumerate().map(|(i, p)| parse_person(i, p)).collect::<ApiResult<_>>()?;
    import_people(state, rows, commit).await
}

pub async fn import_customers_input(
    state: &AppState,
    input: &[CustomerInput],
    commit: bool,
) -> ApiResult<UpsertCounts> {
    let rows: Vec<CustomerRow> =
        input.iter().enumerate().map(|(i, c)| parse_customer(i, c)).collect::<ApiResult<_>>()?;
    import_customers(state, rows, commit).await
}

async fn import_people(state: &AppState, rows: Vec<PersonRow>, commit: bool) -> ApiResult<UpsertCounts> {
    no_duplicates("person id", rows.iter().map(|p| p.id.as_str()))?;
    no_duplicates("email", rows.iter().map(|p| p.email.as_str()))?;

    let mut tx = state.db.begin().await?;
    let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
    let existing = directory::people_by_id(&mut tx, &ids).await?;

    // Every address must stay one person's, unless its owner is in this batch too.
    let emails: Vec<String> = rows.iter().map(|p| p.email.clone()).collect();
    let owners = directory::email_owners(&mut tx, &emails).await?;
    let in_batch: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    for (i, p) in rows.iter().enumerate() {
        if let Some(owner) = owners.get(&p.email)
            && owner != &p.id
            && !in_batch.contains_key(owner.as_str())
        {
            return Err(row_error(i, &p.id, "email_taken", "this email address belongs to another person"));
        }
    }

    // The org chart after this import must name only known managers and stay a tree.
    let mut chart = directory::manager_map(&mut tx).await?;
    for p in &rows {
        chart.insert(p.id.clone(), p.manager_id.clone());
    }
    for (i, p) in rows.iter().enumerate() {
        if let Some(m) = &p.manager_id
            && !chart.contains_key(m)
        {
            return Err(row_error(i, &p.id, "unknown_manager", format!("manager {m:?} is not a known person")));
        }
    }
    if let Some(cycle) = orgchart::find_cycle(&chart, &ids) {
        return Err(ApiError::invalid(
            "management_cycle",
            format!("these people would manage each other: {}", cycle.join(" → ")),
        ));
    }

    let now = time::now();
    let mut counts = UpsertCounts::default();
    let links: Vec<(String, Option<String>)> = rows.iter().map(|p| (p.id.clone(), p.manager_id.clone())).collect();
    for i in orgchart::managers_first(&links) {
        let p = &rows[i];
        match existing.get(&p.id) {
            None => {
                directory::insert_person(&mut tx, p, now).await.map_err(|e| email_conflict(i, p, e))?;
                counts.created += 1;
            }
            Some(old) if old == p => counts.unchanged += 1,
            Some(_) => {
                directory::update_person(&mut tx, p, now).await.map_err(|e| email_conflict(i, p, e))?;
                counts.updated += 1;
            }
        }
    }
    if commit {
        tx.commit().await?;
        tracing::info!(created = counts.created, updated = counts.updated, "people imported");
    } else {
        tx.rollback().await?;
    }
    Ok(counts)
}

/// Two people swapping addresses in one batch can still collide on the unique index.
fn email_conflict(i: usize, p: &PersonRow, e: sqlx::Error) -> ApiError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            row_error(i, &p.id, "email_taken", "this email address belongs to another person")
        }
        _ => e.into(),
    }
}

fn parse_customer(i: usize, c: &CustomerInput) -> ApiResult<CustomerRow> {
    let id = ExternalId::parse(&c.id).map_err(|e| row_error(i, &c.id, "invalid_id", e))?;
    let owner_id = c
        .owner
        .as_deref()
        .map(|o| ExternalId::parse(o).map(ExternalId::into_string))
        .transpose()
        .map_err(|e| row_error(i, &c.id, "invalid_id", e))?;
    Ok(CustomerRow {
        name: parse_name(&c.name, "name").map_err(|e| row_error(i, &c.id, "invalid_name", e))?,
        email: EmailAddress::parse(&c.email).map_err(|e| row_error(i, &c.id, "invalid_email", e))?.as_str().to_string(),
        owner_id,
        locale: parse_locale(i, &c.id, c.locale.as_deref())?,
        id: id.into_string(),
    })
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "directory", request_body = CustomersBody, security(("api_key" = [])),
    responses((status = 200, description = "Upserted by id", body = UpsertCounts), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(rows = body.customers.len()))]
pub async fn upsert_customers(
    _: AdminKey,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CustomersBody>,
) -> ApiResult<Json<UpsertCounts>> {
    let rows: Vec<CustomerRow> =
        body.customers.iter().enumerate().map(|(i, c)| parse_customer(i, c)).collect::<ApiResult<_>>()?;
    import_customers(&state, rows, true).await.map(Json)
}

async fn import_customers(state: &AppState, rows: Vec<CustomerRow>, commit: bool) -> ApiResult<UpsertCounts> {
    no_duplicates("customer id", rows.iter().map(|c| c.id.as_str()))?;

    let mut tx = state.db.begin().await?;
    let owners: Vec<String> = rows.iter().filter_map(|c| c.owner_id.clone()).collect();
    let known = directory::existing_person_ids(&mut tx, &owners).await?;
    for (i, c) in rows.iter().enumerate() {
        if let Some(o) = &c.owner_id
            && !known.contains(o)
        {
            return Err(row_error(i, &c.id, "unknown_owner", format!("owner {o:?} is not a known person")));
        }
    }
    let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
    let existing = directory::customers_by_id(&mut tx, &ids).await?;
    let now = time::now();
    let mut counts = UpsertCounts::default();
    for c in &rows {
        match existing.get(&c.id) {
            Some(old) if old == c => counts.unchanged += 1,
            found => {
                directory::upsert_customer(&mut tx, c, now).await?;
                if found.is_some() { counts.updated += 1 } else { counts.created += 1 }
            }
        }
    }
    if commit {
        tx.commit().await?;
        tracing::info!(created = counts.created, updated = counts.updated, "customers imported");
    } else {
        tx.rollback().await?;
    }
    Ok(counts)
}
