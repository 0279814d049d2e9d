//! SCIM 2.0 at `/scim/v2` (RFC 7643/7644, CONTRACT §11): the organisation's identity provider
//! creates, updates and deactivates people. Bearer API keys of scope `scim` only. Every change
//! is recorded in the audit log under the key's name, naming the person by id.
use super::scim_wire::{self as wire, Scim, ScimError, ScimKey};
use crate::app::App;
use crate::app::scim::{self, Filter, ScimUser};
use crate::domain::scim as doc;
use crate::domain::time::to_rfc3339 as time_rfc3339;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<App> {
    let only = |m: MethodRouter<App>| m.fallback(method_not_allowed);
    Router::new()
        .route("/scim/v2/ServiceProviderConfig", only(get(service_provider_config)))
        .route("/scim/v2/ResourceTypes", only(get(resource_types)))
        .route("/scim/v2/ResourceTypes/{id}", only(get(resource_type)))
        .route("/scim/v2/Schemas", only(get(schemas)))
        .route("/scim/v2/Schemas/{id}", only(get(schema)))
        .route("/scim/v2/Users", only(get(list).post(create)))
        .route("/scim/v2/Users/.search", only(post(search)))
        .route("/scim/v2/.search", only(post(search)))
        .route("/scim/v2/Users/{id}", only(get(show).put(replace).patch(patch).delete(delete)))
        .route("/scim/v2", any(not_found))
        .route("/scim/v2/{*rest}", any(not_found))
}

async fn not_found() -> ScimError {
    ScimError::new(StatusCode::NOT_FOUND, None, "no such SCIM endpoint")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(StatusCode::METHOD_NOT_ALLOWED, None, "this endpoint does not take that method")
}

async fn service_provider_config(_: ScimKey, State(app): State<App>) -> Scim {
    Scim(StatusCode::OK, wire::service_provider_config(&app))
}

async fn resource_types(_: ScimKey, State(app): State<App>) -> Scim {
    let all = wire::resource_types(&app);
    let n = all.len() as i64;
    Scim(StatusCode::OK, wire::list_response(all, n, 1))
}

async fn resource_type(_: ScimKey, State(app): State<App>, Path(id): Path<String>) -> Result<Scim, ScimError> {
    let found = wire::resource_types(&app).into_iter().find(|r| r["id"] == id.as_str());
    found
        .map(|r| Scim(StatusCode::OK, r))
        .ok_or_else(|| ScimError::new(StatusCode::NOT_FOUND, None, "no such resource type"))
}

async fn schemas(_: ScimKey, State(app): State<App>) -> Scim {
    let all = wire::schemas(&app);
    let n = all.len() as i64;
    Scim(StatusCode::OK, wire::list_response(all, n, 1))
}

async fn schema(_: ScimKey, State(app): State<App>, Path(id): Path<String>) -> Result<Scim, ScimError> {
    let found = wire::schemas(&app).into_iter().find(|s| s["id"] == id.as_str());
    found.map(|s| Scim(StatusCode::OK, s)).ok_or_else(|| ScimError::new(StatusCode::NOT_FOUND, None, "no such schema"))
}

/// A User as an answer, with `meta`; narrowed by `attributes` / `excludedAttributes`.
fn rendered(app: &App, u: ScimUser, shape: &Shape) -> Value {
    let location = format!("{}/Users/{}", wire::base(app), u.id);
    let meta = serde_json::json!({ "resourceType": "User", "created": time_rfc3339(u.created_at),
        "lastModified": time_rfc3339(u.updated_at), "location": location });
    let mut user = doc::render(u.doc, &u.id, meta);
    doc::select(&mut user, &shape.attributes, &shape.excluded);
    user
}

/// Which attributes to return (RFC 7644 §3.4.2.5).
#[derive(Default)]
struct Shape {
    attributes: Vec<String>,
    excluded: Vec<String>,
}

fn names(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

/// `userName eq "…"` (also `externalId` and `id`): the filters identity providers send to find
/// a person before they create one.
fn parse_filter(raw: Option<&str>) -> Result<Filter, ScimError> {
    let Some(raw) = raw.map(str::trim).filter(|f| !f.is_empty()) else { return Ok(Filter::All) };
    let bad = || ScimError::bad("invalidFilter", "supported filters: userName, externalId or id eq \"value\"");
    let mut parts = raw.splitn(3, ' ');
    let (attr, op, value) =
        (parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
    if !op.eq_ignore_ascii_case("eq") {
        return Err(bad());
    }
    let value: String = serde_json::from_str(value.trim()).map_err(|_| bad())?;
    let attr = attr.rsplit(':').next().unwrap_or(attr);
    match attr.to_ascii_lowercase().as_str() {
        "username" => Ok(Filter::UserName(value)),
        "externalid" => Ok(Filter::ExternalId(value)),
        "id" => Ok(Filter::Id(value)),
        _ => Err(bad()),
    }
}

/// A page of the list: `startIndex` from 1, `count` from 0 to the maximum (RFC 7644 §3.4.2.4:
/// values out of range are taken as the nearest one allowed).
fn page(start_index: Option<i64>, count: Option<i64>) -> (i64, i64) {
    (start_index.unwrap_or(1).max(1), count.unwrap_or(wire::DEFAULT_COUNT).clamp(0, wire::MAX_RESULTS))
}

fn number(raw: Option<&str>, what: &str) -> Result<Option<i64>, ScimError> {
    raw.map(|r| r.trim().parse().map_err(|_| ScimError::bad("invalidValue", format!("{what} is a number")))).transpose()
}

async fn list(_: ScimKey, State(app): State<App>, Query(q): Query<ListQuery>) -> Result<Scim, ScimError> {
    let filter = parse_filter(q.filter.as_deref())?;
    let (start, count) = page(number(q.start_index.as_deref(), "startIndex")?, number(q.count.as_deref(), "count")?);
    let shape = Shape { attributes: names(q.attributes.as_deref()), excluded: names(q.excluded_attributes.as_deref()) };
    answer_list(&app, &filter, start, count, &shape).await
}

async fn answer_list(app: &App, filter: &Filter, start: i64, count: i64, shape: &Shape) -> Result<Scim, ScimError> {
    let (users, total) = scim::list(app, filter, start, count).await?;
    let resources = users.into_iter().map(|u| rendered(app, u, shape)).collect();
    Ok(Scim(StatusCode::OK, wire::list_response(resources, total, start)))
}

/// `POST /.search` (RFC 7644 §3.4.3): the list's parameters in a body.
async fn search(_: ScimKey, State(app): State<App>, body: Bytes) -> Result<Scim, ScimError> {
    let body = json_body(&body)?;
    let field = |name: &str| body.as_object().and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)));
    let text = |name: &str| field(name).and_then(|(_, v)| v.as_str()).map(str::to_string);
    let int = |name: &str| field(name).and_then(|(_, v)| v.as_i64());
    let list = |name: &str| -> Vec<String> {
        field(name)
            .and_then(|(_, v)| v.as_array())
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let filter = parse_filter(text("filter").as_deref())?;
    let (start, count) = page(int("startIndex"), int("count"));
    let shape = Shape { attributes: list("attributes"), excluded: list("excludedAttributes") };
    answer_list(&app, &filter, start, count, &shape).await
}

fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ShapeQuery {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl ShapeQuery {
    fn shape(&self) -> Shape {
        Shape { attributes: names(self.attributes.as_deref()), excluded: names(self.excluded_attributes.as_deref()) }
    }
}

async fn show(
    _: ScimKey,
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<ShapeQuery>,
) -> Result<Scim, ScimError> {
    let user = scim::get(&app, &id).await?;
    Ok(Scim(StatusCode::OK, rendered(&app, user, &q.shape())))
}

async fn create(ScimKey(actor): ScimKey, State(app): State<App>, body: Bytes) -> Result<Response, ScimError> {
    let user = scim::create(&app, &actor, &json_body(&body)?).await?;
    let body = rendered(&app, user, &Shape::default());
    let location = body["meta"]["location"].as_str().and_then(|l| HeaderValue::from_str(l).ok());
    let mut res = Scim(StatusCode::CREATED, body).into_response();
    if let Some(l) = location {
        res.headers_mut().insert(header::LOCATION, l);
    }
    Ok(res)
}

async fn replace(
    ScimKey(actor): ScimKey,
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<ShapeQuery>,
    body: Bytes,
) -> Result<Scim, ScimError> {
    let done = scim::replace(&app, &actor, &id, &json_body(&body)?).await;
    changed(&app, &q, done).await
}

async fn patch(
    ScimKey(actor): ScimKey,
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<ShapeQuery>,
    body: Bytes,
) -> Result<Scim, ScimError> {
    let done = scim::patch(&app, &actor, &id, &json_body(&body)?).await;
    changed(&app, &q, done).await
}

/// A changed User, answered as it now reads.
async fn changed(app: &App, q: &ShapeQuery, done: crate::app::Result<ScimUser>) -> Result<Scim, ScimError> {
    let user = done?;
    Ok(Scim(StatusCode::OK, rendered(app, user, &q.shape())))
}

/// Deactivates the person (their history stays); SCIM knows them no more.
async fn delete(
    ScimKey(actor): ScimKey,
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    scim::delete(&app, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_identity_providers_send() {
        assert_eq!(
            parse_filter(Some("userName eq \"Li.Na@x.example\"")).unwrap(),
            Filter::UserName("Li.Na@x.example".into())
        );
        assert_eq!(parse_filter(Some("externalId EQ \"E1\"")).unwrap(), Filter::ExternalId("E1".into()));
        assert_eq!(parse_filter(None).unwrap(), Filter::All);
        for bad in ["userName co \"a\"", "title eq \"x\"", "userName eq a", "userName"] {
            assert!(parse_filter(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(page(Some(0), Some(10_000)), (1, wire::MAX_RESULTS));
    }
}
