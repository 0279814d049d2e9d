//! The published OpenAPI document: what utoipa generates from the handlers' annotations, made
//! complete in one place — unique operation ids, every operation's error responses, request
//! objects closed as `deny_unknown_fields` makes them, and links from the operations that create
//! a resource to those that use its id (so a stateful client or fuzzer can chain them).
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document as served at `/api/v1/openapi.json`.
pub fn document(generated: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(generated).expect("the OpenAPI document serializes");
    unique_operation_ids(&mut doc);
    error_responses(&mut doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas") {
        ids_in_enums(schemas);
        flatten_all_of(schemas);
        close_objects(schemas);
        rules_between_fields(schemas);
    }
    required_query_parameters(&mut doc);
    add_links(&mut doc);
    doc
}

fn operations(doc: &mut Value) -> Vec<(String, String, &mut Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            if let Value::Object(item) = item {
                for (method, op) in item.iter_mut() {
                    if let (true, Value::Object(op)) = (METHODS.contains(&method.as_str()), op) {
                        out.push((path.clone(), method.clone(), op));
                    }
                }
            }
        }
    }
    out
}

/// Handlers in different modules share names (`list`, `save`): such ids take the resource
/// their path names, as in `list_cycles` and `list_schedules`, so a generated client gets one
/// method per operation.
fn unique_operation_ids(doc: &mut Value) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (_, _, op) in operations(doc) {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            *seen.entry(id.to_string()).or_default() += 1;
        }
    }
    for (path, _, op) in operations(doc) {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_string();
        if seen.get(&id).copied().unwrap_or(0) > 1 {
            let resource = path
                .split('/')
                .rfind(|s| !s.is_empty() && !s.starts_with('{') && *s != id)
                .unwrap_or("api")
                .replace(['-', '.'], "_");
            op.insert("operationId".into(), Value::String(format!("{id}_{resource}")));
        }
    }
}

/// Every operation can answer a client error (400 malformed, 401, 403, 404, 409, 413, 415,
/// 422, 429) and a server one (503 busy with `Retry-After`, 507 full, 500), always with the
/// error body; the annotations name the usual ones, these ranges cover the rest.
fn error_responses(doc: &mut Value) {
    let body = json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
    for (_, _, op) in operations(doc) {
        let responses = op.entry("responses").or_insert_with(|| json!({}));
        if let Value::Object(r) = responses {
            r.entry("4XX").or_insert_with(|| json!({"description": "Refused: see `error.code`", "content": body}));
            r.entry("5XX").or_insert_with(|| {
                json!({"description": "Busy (503, with Retry-After), out of space (507) or failed (500)", "content": body})
            });
        }
    }
}

/// The ids inside enum variants, which field attributes cannot reach: a respondent
/// (`{"person": id}` or `{"customer": id}`) and a launch's listed subjects.
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

/// `#[serde(flatten)]` comes out as `allOf` of the inner type and the outer fields; closed
/// objects cannot be combined so, so each such schema becomes the one object it describes.
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

/// Query parameters that must be given (utoipa marks a field with its own schema optional).
const REQUIRED_QUERY: &[(&str, &str)] = &[("/api/v1/scores", "period"), ("/api/v1/scores.csv", "period")];

fn required_query_parameters(doc: &mut Value) {
    for (path, name) in REQUIRED_QUERY {
        let pointer = format!("/paths/{}/get/parameters", path.replace('/', "~1"));
        if let Some(Value::Array(params)) = doc.pointer_mut(&pointer) {
            for p in params.iter_mut().filter(|p| p["name"] == *name) {
                p["required"] = Value::Bool(true);
            }
        }
    }
}

/// Objects with named properties take no others (the request types deny unknown fields; the
/// responses never carry more than they declare), including the inline variants of `oneOf`.
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

/// (operation that creates, its status, the id's place in its answer, the parameter name, the
/// operations that take it).
type LinkRule = (&'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const LINKS: &[LinkRule] = &[
    (
        "post /api/v1/cycles",
        "200",
        "$request.body#/id",
        "cycle",
        &[
            ("get", "/api/v1/cycles/{cycle}"),
            ("get", "/api/v1/cycles/{cycle}/progress"),
            ("get", "/api/v1/cycles/{cycle}/scores"),
            ("get", "/api/v1/cycles/{cycle}/scores.csv"),
            ("get", "/api/v1/cycles/{cycle}/comments"),
            ("get", "/api/v1/cycles/{cycle}/feedback"),
            ("post", "/api/v1/cycles/{cycle}/invitations"),
            ("post", "/api/v1/cycles/{cycle}/launch"),
            ("post", "/api/v1/cycles/{cycle}/reminders"),
            ("post", "/api/v1/cycles/{cycle}/invitations/revoke"),
            ("post", "/api/v1/cycles/{cycle}/invitations/reissue"),
            ("post", "/api/v1/cycles/{cycle}/close"),
        ],
    ),
    (
        "post /api/v1/people",
        "200",
        "$request.body#/people/0/id",
        "person",
        &[("get", "/api/v1/people/{person}/export")],
    ),
    (
        "post /api/v1/customers",
        "200",
        "$request.body#/customers/0/id",
        "customer",
        &[("get", "/api/v1/customers/{customer}/export"), ("delete", "/api/v1/customers/{customer}")],
    ),
    ("post /api/v1/surveys", "200", "$request.body#/id", "survey", &[("get", "/api/v1/surveys/{survey}")]),
    ("post /api/v1/schedules", "201", "$request.body#/id", "schedule", &[("delete", "/api/v1/schedules/{schedule}")]),
    (
        "post /api/v1/webhooks",
        "201",
        "$response.body#/id",
        "webhook",
        &[
            ("post", "/api/v1/webhooks/{webhook}/test"),
            ("get", "/api/v1/webhooks/{webhook}/deliveries"),
            ("delete", "/api/v1/webhooks/{webhook}"),
        ],
    ),
];

fn add_links(doc: &mut Value) {
    let ids: HashMap<String, String> = operations(doc)
        .into_iter()
        .filter_map(|(path, method, op)| {
            Some((format!("{method} {path}"), op.get("operationId")?.as_str()?.to_string()))
        })
        .collect();
    for (source, status, expression, param, targets) in LINKS {
        let mut links = Map::new();
        for (method, path) in *targets {
            if let Some(id) = ids.get(&format!("{method} {path}")) {
                links.insert(id.clone(), json!({"operationId": id, "parameters": {*param: expression}}));
            }
        }
        let (method, path) = source.split_once(' ').expect("method and path");
        let pointer = format!("/paths/{}/{method}/responses/{status}", path.replace('~', "~0").replace('/', "~1"));
        if let Some(Value::Object(response)) = doc.pointer_mut(&pointer) {
            response.insert("links".into(), Value::Object(links));
        }
    }
}
