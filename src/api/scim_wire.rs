//! SCIM's side of the wire (RFC 7644): `application/scim+json` answers, error bodies with
//! `scimType`, the `scim` API key, and the discovery documents (ServiceProviderConfig,
//! ResourceTypes, Schemas).
use crate::app::{self, App, Kind, integrations};
use crate::domain::api_key::Scope;
use crate::domain::scim::{ENTERPRISE, USER};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const CONTENT_TYPE: &str = "application/scim+json";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The scimType values of RFC 7644 §3.12 this server uses.
const SCIM_TYPES: &[&str] =
    &["invalidFilter", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "uniqueness", "mutability"];

/// A SCIM answer: a status and a JSON body sent as `application/scim+json`.
pub struct Scim(pub StatusCode, pub Value);

impl IntoResponse for Scim {
    fn into_response(self) -> Response {
        let mut res = (self.0, axum::Json(self.1)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        res
    }
}

/// A SCIM error: `{"schemas":[…Error],"status":"400","scimType":"invalidValue","detail":"…"}`.
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    pub fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> ScimError {
        ScimError { status, scim_type, detail: detail.into() }
    }

    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({ "schemas": [ERROR], "status": self.status.as_str(), "detail": self.detail });
        if let Some(t) = self.scim_type {
            body["scimType"] = t.into();
        }
        Scim(self.status, body).into_response()
    }
}

impl From<app::Error> for ScimError {
    fn from(e: app::Error) -> ScimError {
        let message = match &e {
            app::Error::Rows(rows) => rows.first().map_or_else(|| "invalid".into(), |p| p.message.clone()),
            _ => e.to_string(),
        };
        // SCIM's own answer for each kind (RFC 7644 §3.12); the kind is the use case's.
        match e.kind() {
            Kind::NotFound => ScimError::new(StatusCode::NOT_FOUND, None, message),
            Kind::Invalid => {
                let code = e.code();
                ScimError::bad(SCIM_TYPES.iter().copied().find(|t| *t == code).unwrap_or("invalidValue"), message)
            }
            Kind::Conflict => ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), message),
            Kind::Busy => {
                tracing::warn!(error = %e.chain(), "database busy");
                ScimError::new(StatusCode::SERVICE_UNAVAILABLE, None, "the database is busy; try again")
            }
            Kind::StorageFull => {
                tracing::error!(error = %e.chain(), "database full");
                ScimError::new(StatusCode::INSUFFICIENT_STORAGE, None, "the database is out of storage")
            }
            Kind::Bug => {
                tracing::error!(error = %e.chain(), "SCIM request failed");
                ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error")
            }
        }
    }
}

/// A caller whose bearer key has the `scim` scope; its name is who the audit log names.
pub struct ScimKey(pub app::audit::Actor);

impl FromRequestParts<App> for ScimKey {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ScimError::new(
                StatusCode::UNAUTHORIZED,
                None,
                "send an API key of scope scim as Authorization: Bearer <key>",
            )
        };
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok());
        let key = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).ok_or_else(unauthorized)?;
        match integrations::verify_key(app, key).await? {
            Some((Scope::Scim, name)) => Ok(ScimKey(app::audit::Actor::ApiKey(name))),
            Some(_) => {
                Err(ScimError::new(StatusCode::FORBIDDEN, None, "only API keys of scope scim may call /scim/v2"))
            }
            None => Err(unauthorized()),
        }
    }
}

/// Where SCIM lives, for `meta.location`.
pub fn base(app: &App) -> String {
    format!("{}/scim/v2", app.config.public_base())
}

pub fn list_response(resources: Vec<Value>, total: i64, start_index: i64) -> Value {
    json!({ "schemas": [LIST], "totalResults": total, "startIndex": start_index,
            "itemsPerPage": resources.len(), "Resources": resources })
}

/// Page sizes: what a list returns when the client names no count, and at most.
pub const DEFAULT_COUNT: i64 = 100;
pub const MAX_RESULTS: i64 = 200;

pub fn service_provider_config(app: &App) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{ "type": "oauthbearertoken", "name": "API key",
            "description": "A Candor API key of scope scim: Authorization: Bearer <key>", "primary": true }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{}/ServiceProviderConfig", base(app)) }
    })
}

pub fn resource_types(app: &App) -> Vec<Value> {
    vec![json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User", "name": "User", "endpoint": "/Users",
        "description": "A person of the organisation", "schema": USER,
        "schemaExtensions": [{ "schema": ENTERPRISE, "required": false }],
        "meta": { "resourceType": "ResourceType", "location": format!("{}/ResourceTypes/User", base(app)) }
    })]
}

/// The User schema (only the attributes Candor keeps), the enterprise extension's two, and
/// the three schemas that describe discovery itself.
pub fn schemas(app: &App) -> Vec<Value> {
    let mut all: Vec<Value> = serde_json::from_str(include_str!("scim_schemas.json")).unwrap_or_default();
    for s in &mut all {
        let id = s["id"].as_str().unwrap_or_default().to_string();
        s["meta"] = json!({ "resourceType": "Schema", "location": format!("{}/Schemas/{id}", base(app)) });
    }
    all
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schemas_document_parses() {
        let all: Vec<serde_json::Value> = serde_json::from_str(include_str!("scim_schemas.json")).unwrap();
        let ids: Vec<&str> = all.iter().filter_map(|s| s["id"].as_str()).collect();
        assert_eq!(ids.len(), 5);
        assert_eq!(ids[..2], [super::USER, super::ENTERPRISE]);
    }
}
