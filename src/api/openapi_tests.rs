//! The published document as a whole: any change to the contract shows up in review as a diff
//! of `snapshots/candor__api__openapi_tests__openapi.snap`; and the references inside it (links,
//! `$ref`s, operation ids) hold, so a renamed operation or parameter fails here, not in a client.
use super::{openapi, routes};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

fn document() -> Value {
    openapi::document(&routes().1)
}

/// (method and path, operation) for every operation in the document.
fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().iter().map(move |(m, op)| (format!("{m} {path}"), op)))
        .collect()
}

#[test]
fn the_document_is_the_reviewed_contract() {
    insta::assert_json_snapshot!("openapi", document());
}

#[test]
fn every_operation_has_its_own_id() {
    let doc = document();
    let mut seen = HashMap::new();
    for (route, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{route} has no operationId"));
        if let Some(other) = seen.insert(id.to_string(), route.clone()) {
            panic!("{route} and {other} share the operationId {id}");
        }
    }
    assert_eq!(seen.len(), 37, "every operation of the router, once");
}

#[test]
fn every_operation_answers_the_shared_errors() {
    let doc = document();
    for (route, op) in operations(&doc) {
        assert_eq!(op["responses"]["4XX"]["$ref"], "#/components/responses/Refused", "{route}");
        assert_eq!(op["responses"]["5XX"]["$ref"], "#/components/responses/Failed", "{route}");
    }
}

/// A link names its target by operation id and fills that operation's path parameter: renaming
/// either without the link fails here.
#[test]
fn links_lead_to_operations_that_take_the_id() {
    let doc = document();
    let ops: HashMap<&str, &Value> =
        operations(&doc).into_iter().map(|(_, op)| (op["operationId"].as_str().unwrap(), op)).collect();
    let mut count = 0;
    for (route, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target =
                    link["operationId"].as_str().unwrap_or_else(|| panic!("{route} {status} {name}: no operationId"));
                let target = ops.get(target).unwrap_or_else(|| panic!("{route} {status} links to unknown {target}"));
                let takes: HashSet<&str> = target["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect();
                let gives: HashSet<&str> = link["parameters"].as_object().unwrap().keys().map(String::as_str).collect();
                assert_eq!(gives, takes, "{route} {status} link {name}: the parameters it fills");
                count += 1;
            }
        }
    }
    assert_eq!(count, 20, "the links from the operations that create an id");
}

#[test]
fn every_reference_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(o) => {
                out.extend(o.get("$ref").and_then(Value::as_str));
                o.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let doc = document();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 100, "the document refers to its components");
    for r in found {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }
}
