//! SCIM PATCH (RFC 7644 §3.5.2): `add`, `replace` and `remove` applied to a kept User
//! document, by path (`active`, `name.givenName`, `emails[type eq "work"].value`, the
//! enterprise extension's `…:manager`) or, for add and replace, by a value object without one.
//! Operation names are read case-insensitively, as clients send `Replace` and `replace`.
use super::scim::{ENTERPRISE, Problem, USER, problem};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Where an operation points: an attribute (of the extension or not), optionally narrowed
/// to the values of a multi-valued attribute that match `attr eq value`, and a sub-attribute.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    ext: bool,
    attr: String,
    filter: Option<(String, Value)>,
    sub: Option<String>,
}

/// Applies a PatchOp request's operations, in order, to `doc`.
pub fn apply(doc: &mut Map<String, Value>, body: &Value) -> Result<(), Problem> {
    let ops = body
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Operations")))
        .and_then(|(_, v)| v.as_array())
        .ok_or_else(|| problem("invalidSyntax", "a PatchOp request carries a list of Operations"))?;
    for op in ops {
        apply_one(doc, op)?;
    }
    Ok(())
}

fn field<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    obj.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn apply_one(doc: &mut Map<String, Value>, op: &Value) -> Result<(), Problem> {
    let kind = match field(op, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
        Some("add") => Op::Add,
        Some("replace") => Op::Replace,
        Some("remove") => Op::Remove,
        _ => return Err(problem("invalidSyntax", "op is add, replace or remove")),
    };
    let value = field(op, "value").cloned().unwrap_or(Value::Null);
    match field(op, "path").and_then(Value::as_str).filter(|p| !p.trim().is_empty()) {
        Some(path) => at(doc, kind, &parse_path(path)?, value),
        None if kind == Op::Remove => Err(problem("noTarget", "remove needs a path")),
        None => {
            let obj = value.as_object().ok_or_else(|| problem("invalidValue", "without a path, value is an object"))?;
            for (k, v) in obj {
                if k.eq_ignore_ascii_case(ENTERPRISE) {
                    let ext = v.as_object().ok_or_else(|| problem("invalidValue", "the extension is an object"))?;
                    for (ek, ev) in ext {
                        at(doc, kind, &parse_path(&format!("{ENTERPRISE}:{ek}"))?, ev.clone())?;
                    }
                } else {
                    at(doc, kind, &parse_path(k)?, v.clone())?;
                }
            }
            Ok(())
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() > prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix) && s.as_bytes()[prefix.len()] == b':')
        .then(|| &s[prefix.len() + 1..])
}

fn parse_path(path: &str) -> Result<Target, Problem> {
    let path = path.trim();
    // The extension's URN alone names the extension as a whole.
    if path.eq_ignore_ascii_case(ENTERPRISE) {
        return Ok(Target { ext: false, attr: ENTERPRISE.to_string(), filter: None, sub: None });
    }
    let (ext, rest) = if let Some(r) = strip_prefix_ci(path, ENTERPRISE) {
        (true, r)
    } else if let Some(r) = strip_prefix_ci(path, USER) {
        (false, r)
    } else if path.to_ascii_lowercase().starts_with("urn:") {
        return Err(problem("invalidPath", format!("{path:?} names no schema this server serves")));
    } else {
        (false, path)
    };
    let bad = || problem("invalidPath", format!("{path:?} is not an attribute path"));
    let (attr, filter, sub) = match rest.split_once('[') {
        Some((attr, more)) => {
            let (filter, after) = more.split_once(']').ok_or_else(bad)?;
            let sub = match after {
                "" => None,
                s => Some(s.strip_prefix('.').ok_or_else(bad)?.to_string()),
            };
            (attr.to_string(), Some(parse_filter(filter)?), sub)
        }
        None => match rest.split_once('.') {
            Some((a, s)) => (a.to_string(), None, Some(s.to_string())),
            None => (rest.to_string(), None, None),
        },
    };
    let name_ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '$' || c == '_');
    if !name_ok(&attr) || sub.as_deref().is_some_and(|s| !name_ok(s)) {
        return Err(bad());
    }
    Ok(Target { ext, attr, filter, sub })
}

/// `type eq "work"`, `primary eq true`: the one kind of value filter clients send in paths.
fn parse_filter(raw: &str) -> Result<(String, Value), Problem> {
    let bad = || problem("invalidFilter", format!("{raw:?}: only `attribute eq value` is supported here"));
    let mut parts = raw.trim().splitn(3, ' ');
    let (attr, op, value) =
        (parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
    if !op.eq_ignore_ascii_case("eq") {
        return Err(bad());
    }
    let value: Value = serde_json::from_str(value.trim()).map_err(|_| bad())?;
    Ok((attr.to_string(), value))
}

/// The key under which `name` is held in `obj`, matched case-insensitively.
fn key_in(obj: &Map<String, Value>, name: &str) -> String {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_string())
}

fn matches(item: &Value, (attr, value): &(String, Value)) -> bool {
    match (field(item, attr), value) {
        (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Some(a), b) => a == b,
        (None, _) => false,
    }
}

/// `value` as an object, replaced by an empty one first if it is something else.
fn object_at(value: &mut Value) -> Result<&mut Map<String, Value>, Problem> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    value.as_object_mut().ok_or_else(|| problem("invalidValue", "the target is not an object"))
}

fn at(doc: &mut Map<String, Value>, op: Op, t: &Target, value: Value) -> Result<(), Problem> {
    let container = if t.ext {
        let key = key_in(doc, ENTERPRISE);
        object_at(doc.entry(key).or_insert_with(|| Value::Object(Map::new())))?
    } else {
        doc
    };
    let key = key_in(container, &t.attr);
    match &t.filter {
        None => plain(container, op, &key, t.sub.as_deref(), value),
        Some(filter) => filtered(container, op, &key, filter, t.sub.as_deref(), value),
    }
}

fn plain(
    container: &mut Map<String, Value>,
    op: Op,
    key: &str,
    sub: Option<&str>,
    value: Value,
) -> Result<(), Problem> {
    let Some(sub) = sub else {
        match (op, container.get_mut(key), value) {
            (Op::Remove, ..) => {
                container.remove(key);
            }
            (Op::Add, Some(Value::Array(have)), Value::Array(more)) => {
                for v in more {
                    if !have.contains(&v) {
                        have.push(v);
                    }
                }
            }
            (Op::Add, Some(Value::Object(have)), Value::Object(more)) => have.extend(more),
            (_, _, value) => {
                container.insert(key.to_string(), value);
            }
        }
        return Ok(());
    };
    let target = container.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    // A sub-attribute of a multi-valued attribute without a filter means every value's.
    let objects: Vec<&mut Map<String, Value>> = match target {
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
        Value::Object(o) => vec![o],
        other => vec![object_at(other)?],
    };
    for o in objects {
        let k = key_in(o, sub);
        if op == Op::Remove {
            o.remove(&k);
        } else {
            o.insert(k, value.clone());
        }
    }
    Ok(())
}

fn filtered(
    container: &mut Map<String, Value>,
    op: Op,
    key: &str,
    filter: &(String, Value),
    sub: Option<&str>,
    value: Value,
) -> Result<(), Problem> {
    let items = container.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(items) = items else {
        return Err(problem("invalidPath", format!("{key} is not multi-valued")));
    };
    let found = items.iter().any(|i| matches(i, filter));
    match (op, sub) {
        (Op::Remove, None) => items.retain(|i| !matches(i, filter)),
        (Op::Remove, Some(s)) => {
            for o in items.iter_mut().filter(|i| matches(i, filter)).filter_map(Value::as_object_mut) {
                let k = key_in(o, s);
                o.remove(&k);
            }
        }
        // Nothing matches: the value is added with the filter's attribute, as clients that
        // address `emails[type eq "work"].value` on a user without one mean.
        (_, _) if !found => {
            let mut item = Map::new();
            item.insert(filter.0.clone(), filter.1.clone());
            match (sub, value) {
                (Some(s), v) => {
                    item.insert(s.to_string(), v);
                }
                (None, Value::Object(o)) => item.extend(o),
                (None, _) => return Err(problem("invalidValue", "the value of a filtered path is an object")),
            }
            items.push(Value::Object(item));
        }
        (_, Some(s)) => {
            for o in items.iter_mut().filter(|i| matches(i, filter)).filter_map(Value::as_object_mut) {
                let k = key_in(o, s);
                o.insert(k, value.clone());
            }
        }
        (_, None) => {
            for i in items.iter_mut().filter(|i| matches(i, filter)) {
                match (&mut *i, &value) {
                    (Value::Object(o), Value::Object(v)) if op == Op::Add => o.extend(v.clone()),
                    _ => *i = value.clone(),
                }
            }
        }
    }
    Ok(())
}
