//! The JSON API under `/api/v1` (CONTRACT §3). Every route is registered through
//! `OpenApiRouter`, so the OpenAPI document is generated from the same list and cannot drift.
use crate::app::App;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod audit;
mod auth;
mod cycles;
mod directory;
pub mod error;
mod exports;
mod feedback;
mod invitations;
mod keys;
mod openapi;
#[cfg(test)]
mod openapi_tests;
mod privacy;
mod schedules;
mod scim;
mod scim_wire;
mod scores;
mod surveys;
mod webhooks;

pub use auth::{AdminKey, ReadKey};
use error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "Candor API", description = "Surveys and anonymous 360-degree feedback: directory, surveys, \
        cycles, invitations and the indicator scores read by the scoring step. Every call carries \
        `Authorization: Bearer <key>`; scope `admin` may call everything, scope `scores` may only read \
        scores and progress. Errors are `{\"error\":{\"code\",\"message\"}}`."),
    components(schemas(error::ErrorBody), responses(openapi::Refused, openapi::Failed)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("cnd_…").build()),
        );
    }
}

/// The API routes and the OpenAPI document describing exactly them.
pub fn routes() -> (Router<App>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(directory::upsert_people, directory::list_people))
        .routes(routes!(directory::upsert_customers, directory::list_customers))
        .routes(routes!(privacy::export_person))
        .routes(routes!(privacy::export_customer))
        .routes(routes!(privacy::erase_customer))
        .routes(routes!(surveys::save))
        .routes(routes!(surveys::show))
        .routes(routes!(cycles::save, cycles::list))
        .routes(routes!(cycles::show))
        .routes(routes!(cycles::progress))
        .routes(routes!(cycles::close))
        .routes(routes!(invitations::create))
        .routes(routes!(invitations::launch))
        .routes(routes!(invitations::remind))
        .routes(routes!(invitations::revoke))
        .routes(routes!(invitations::reissue))
        .routes(routes!(scores::scores))
        .routes(routes!(scores::scores_csv))
        .routes(routes!(scores::comments))
        .routes(routes!(scores::period_scores))
        .routes(routes!(scores::period_scores_csv))
        .routes(routes!(exports::scores_xlsx))
        .routes(routes!(schedules::save, schedules::list))
        .routes(routes!(schedules::delete))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(feedback::list))
        .routes(routes!(audit::list))
        .routes(routes!(keys::list))
        .routes(routes!(keys::revoke))
        .split_for_parts()
}

pub fn router() -> Router<App> {
    let (api, doc) = routes();
    let doc = axum::body::Bytes::from(openapi::document(&doc).to_string());
    api.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], doc) }
        }),
    )
    .merge(scim::router())
    .route("/api/v1/{*rest}", axum::routing::any(no_route))
    .method_not_allowed_fallback(method_not_allowed)
    // Imports of tens of thousands of rows arrive in one body.
    .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
}

async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
}

/// `Path` whose rejections (a segment that is not UTF-8, say) speak the API's error shape.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))
    }
}

/// `Query` whose rejections speak the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

/// JSON Schema counts `4.0` as an integer (the OpenAPI document's `integer`), serde's `i64`
/// does not: a number without a fraction is read as the integer it is.
fn integral_floats_as_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(o) => o.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// `Json` whose rejections speak the API's error shape, so a malformed body or an unknown
/// field gets `{"error":{…}}` like every other error.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(mut v)) => {
                integral_floats_as_integers(&mut v);
                serde_path_to_error::deserialize(v)
                    .map(ApiJson)
                    .map_err(|e| ApiError::bad_request("invalid_body", format!("{}: {}", e.path(), e.inner())))
            }
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => ApiError::bad_request("invalid_body", e.body_text()),
                JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("malformed_json", e.body_text()),
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as Content-Type: application/json",
                ),
                other => ApiError::new(other.status(), "unreadable_body", other.body_text()),
            }),
        }
    }
}
