//! What the OpenAPI document needs beyond each handler's `#[utoipa::path]` (which gives its
//! `operationId`, its answers and its links): the error answers every operation shares, and the
//! rewrites utoipa 5 cannot express, each with the reason.
use super::error::ErrorBody;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{ToResponse, ToSchema};

/// The refusals and failures every operation can answer, always with the error body: each is
/// written once under `components/responses` and referenced by every operation, which adds the
/// statuses whose meaning is its own (409 against 422, say). Written out rather than derived:
/// the derives want a variant or field holding the body, which nothing would ever build.
pub struct ErrorResponses;

impl utoipa::IntoResponses for ErrorResponses {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            ("4XX".to_string(), Ref::from_response_name(Refused::response().0).into()),
            ("5XX".to_string(), Ref::from_response_name(Failed::response().0).into()),
        ])
    }
}

pub struct Refused;

impl<'s> ToResponse<'s> for Refused {
    fn response() -> (&'s str, RefOr<Response>) {
        let about = "Refused, see `error.code`: 400 a body or query the operation does not take (malformed JSON, \
            an unknown field, a wrong type), 401 no or a wrong API key, 403 a key whose scope is too narrow, 404 an \
            unknown id in the path, 409 a request that does not fit what is stored, 413 a body over 32 MiB, 415 a \
            body without `Content-Type: application/json`, 422 a value that breaks a rule";
        ("Refused", error_body(about))
    }
}

pub struct Failed;

impl<'s> ToResponse<'s> for Failed {
    fn response() -> (&'s str, RefOr<Response>) {
        ("Failed", error_body("Busy (503, with Retry-After), out of space (507) or failed (500)"))
    }
}

fn error_body(description: &str) -> RefOr<Response> {
    let body = Content::new(Some(Ref::from_schema_name(ErrorBody::name())));
    ResponseBuilder::new().description(description).content("application/json", body).build().into()
}

/// The document as served at `/api/v1/openapi.json`.
pub fn document(generated: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(generated).expect("the OpenAPI document serializes");
    if let Some(schemas) = doc.pointer_mut("/components/schemas") {
        ids_in_enums(schemas);
        flatten_all_of(schemas);
        close_objects(schemas);
        rules_between_fields(schemas);
    }
    if let Some(paths) = doc.get_mut("paths") {
        link_field_names(paths);
    }
    doc
}

/// utoipa 5.5 writes a link's `operationId`, `operationRef` and `requestBody` in snake case
/// (its `Link` lacks `rename_all = "camelCase"`, which utoipa 6 adds), and a client looks for
/// the names the specification gives.
fn link_field_names(paths: &mut Value) {
    let operations = paths.as_object_mut().into_iter().flat_map(Map::values_mut).filter_map(Value::as_object_mut);
    let responses = operations.flat_map(Map::values_mut).filter_map(|op| op.get_mut("responses")?.as_object_mut());
    let links = responses.flat_map(Map::values_mut).filter_map(|r| r.get_mut("links")?.as_object_mut());
    for link in links.flat_map(Map::values_mut).filter_map(Value::as_object_mut) {
        for (utoipa, spec) in
            [("operation_id", "operationId"), ("operation_ref", "operationRef"), ("request_body", "requestBody")]
        {
            if let Some(v) = link.remove(utoipa) {
                link.insert(spec.into(), v);
            }
        }
    }
}

/// The ids inside enum variants: a respondent (`{"person": id}` or `{"customer": id}`) and a
/// launch's listed subjects. utoipa's attributes on a tuple variant take a `value_type` but no
/// `schema_with` or `pattern`, so the id's rules cannot be attached where the variant is.
fn ids_in_enums(schemas: &mut Value) {
    let id = serde_json::to_value(utoipa::openapi::schema::Schema::Object(crate::domain::shapes::id().build()))
        .expect("a schema serializes");
    if let Some(Value::Array(variants)) = schemas.pointer_mut("/RespondentInput/oneOf") {
        for v in variants.iter_mut() {
            if let Some(Value::Object(props)) = v.get_mut("properties") {
                props.values_mut().for_each(|p| *p = id.clone());
            }
        }
    }
    if let Some(Value::Array(variants)) = schemas.pointer_mut("/Subjects/oneOf") {
        for v in variants.iter_mut().filter(|v| v.get("type") == Some(&json!("array"))) {
            v["items"] = id.clone();
        }
    }
}

/// `#[serde(flatten)]` comes out of utoipa as `allOf` of the inner type and the outer fields,
/// and closed objects cannot be combined so (each part would refuse the other's fields): each
/// such schema becomes the one object it describes.
fn flatten_all_of(schemas: &mut Value) {
    let Value::Object(all) = schemas else { return };
    let names: Vec<String> = all.iter().filter(|(_, s)| s.get("allOf").is_some()).map(|(k, _)| k.clone()).collect();
    for name in names {
        let parts = all[&name]["allOf"].as_array().cloned().unwrap_or_default();
        let (mut properties, mut required) = (Map::new(), Vec::new());
        for part in parts {
            let part = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => all.get(r.trim_start_matches("#/components/schemas/")).cloned().unwrap_or_default(),
                None => part,
            };
            if let Some(Value::Object(p)) = part.get("properties") {
                properties.extend(p.clone());
            }
            if let Some(Value::Array(r)) = part.get("required") {
                required.extend(r.iter().cloned());
            }
        }
        let mut merged = json!({"type": "object", "properties": properties, "required": required});
        if let Some(d) = all[&name].get("description") {
            merged["description"] = d.clone();
        }
        all.insert(name, merged);
    }
}

/// Objects with named properties take no others, including the inline variants of `oneOf`.
/// utoipa closes only the types that `deny_unknown_fields` (the requests); the responses never
/// carry more than they declare either, and one rule over the whole document keeps a new
/// response type from being left open by forgetting an attribute.
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.contains_key("properties") && !o.contains_key("additionalProperties") {
                o.insert("additionalProperties".into(), Value::Bool(false));
            }
            o.values_mut().for_each(close_objects);
        }
        Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// Rules between fields that JSON Schema can state, added once the objects are closed (their
/// alternatives name properties without closing the object): a customer is reached by email
/// or by phone, so one of the two is given and not null.
fn rules_between_fields(schemas: &mut Value) {
    let given = |field: &str| json!({"required": [field], "properties": {field: {"type": "string"}}});
    if let Some(Value::Object(customer)) = schemas.get_mut("CustomerInput") {
        customer.insert("anyOf".into(), json!([given("email"), given("phone")]));
    }
}
