//! A SCIM 2.0 User (RFC 7643) as Candor keeps it, and what it means for a person
//! (CONTRACT §11): `userName` and the primary email → email; `name.formatted` or
//! `displayName` → name; `active` → active; the enterprise extension's `manager.value` →
//! manager; `department` → team; `title` → role (snake_cased).
//!
//! The client's document is kept (only the attributes published in `/Schemas`, so nothing
//! else a client sends is stored) and read back as sent; where Candor's own record changed
//! since (an admin edited the person in the browser), the record wins.
use serde_json::{Map, Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A request SCIM refuses: its `scimType` (RFC 7644 §3.12) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub scim_type: &'static str,
    pub detail: String,
}

pub fn problem(scim_type: &'static str, detail: impl Into<String>) -> Problem {
    Problem { scim_type, detail: detail.into() }
}

/// Top-level attributes kept, by their canonical spelling (SCIM names are case-insensitive).
const KEPT: &[&str] =
    &["externalId", "userName", "name", "displayName", "emails", "active", "title", "preferredLanguage"];
const NAME_PARTS: &[&str] = &["formatted", "givenName", "familyName"];
const EMAIL_PARTS: &[&str] = &["value", "type", "primary"];
const ENTERPRISE_KEPT: &[&str] = &["department", "manager"];
const MANAGER_PARTS: &[&str] = &["value", "$ref"];

fn canonical(name: &str, among: &[&'static str]) -> Option<&'static str> {
    among.iter().copied().find(|k| k.eq_ignore_ascii_case(name))
}

/// The named attributes of an object, spelled canonically; anything else is left out.
fn keep(obj: &Map<String, Value>, among: &[&'static str]) -> Map<String, Value> {
    obj.iter().filter_map(|(k, v)| canonical(k, among).map(|c| (c.to_string(), v.clone()))).collect()
}

/// A client's User (POST, PUT, or the result of a PATCH) reduced to what Candor keeps, with
/// values in their types (`"True"` as sent by some clients becomes `true`).
pub fn clean(body: &Value) -> Result<Map<String, Value>, Problem> {
    let obj = body.as_object().ok_or_else(|| problem("invalidSyntax", "a User is a JSON object"))?;
    let mut doc = keep(obj, KEPT);
    if let Some(Value::Object(name)) = doc.get("name") {
        let name = keep(name, NAME_PARTS);
        doc.insert("name".into(), Value::Object(name));
    }
    if let Some(emails) = doc.get("emails") {
        let list = emails.as_array().ok_or_else(|| problem("invalidValue", "emails is a list"))?;
        let list = list
            .iter()
            .map(|e| e.as_object().map(|o| Value::Object(keep(o, EMAIL_PARTS))))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| problem("invalidValue", "each of emails is an object with a value"))?;
        doc.insert("emails".into(), Value::Array(list));
    }
    if let Some(active) = doc.get("active") {
        let active = as_bool(active).ok_or_else(|| problem("invalidValue", "active is true or false"))?;
        doc.insert("active".into(), Value::Bool(active));
    }
    let ext = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(ENTERPRISE)).map(|(_, v)| v);
    if let Some(ext) = ext.and_then(Value::as_object) {
        let mut ext = keep(ext, ENTERPRISE_KEPT);
        match ext.get("manager") {
            // Some clients send the manager's id alone.
            Some(Value::String(id)) => {
                ext.insert("manager".into(), json!({ "value": id }));
            }
            Some(Value::Object(m)) => {
                ext.insert("manager".into(), Value::Object(keep(m, MANAGER_PARTS)));
            }
            _ => {}
        }
        doc.insert(ENTERPRISE.into(), Value::Object(ext));
    }
    doc.retain(|_, v| !unassigned(v));
    Ok(doc)
}

/// RFC 7643 §2.5: null and an empty list or object stand for an unassigned attribute.
fn unassigned(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(unassigned),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn text<'a>(doc: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let mut cur = doc.get(path[0])?;
    for p in &path[1..] {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// What a User says of a person, before the directory's own checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub user_name: String,
    pub external_id: Option<String>,
    pub name: String,
    pub email: String,
    pub manager: Option<String>,
    pub team: Option<String>,
    pub role: Option<String>,
    pub active: bool,
    /// `en` or `zh-CN` from `preferredLanguage`; none when it names neither.
    pub locale: Option<&'static str>,
}

/// The email that names the person: the primary one, else the first, else the userName.
fn email_of(doc: &Map<String, Value>, user_name: &str) -> Option<String> {
    let emails = doc.get("emails").and_then(Value::as_array).cloned().unwrap_or_default();
    let value = |e: &Value| e.get("value").and_then(Value::as_str).map(str::to_string);
    let primary = emails.iter().find(|e| e.get("primary").and_then(as_bool) == Some(true));
    primary.or(emails.first()).and_then(value).or_else(|| user_name.contains('@').then(|| user_name.to_string()))
}

pub fn derive(doc: &Map<String, Value>) -> Result<Derived, Problem> {
    let user_name = text(doc, &["userName"]).ok_or_else(|| problem("invalidValue", "userName is required"))?;
    let email = email_of(doc, user_name)
        .ok_or_else(|| problem("invalidValue", "a User needs an email address (emails, or a userName that is one)"))?;
    let full = match (text(doc, &["name", "givenName"]), text(doc, &["name", "familyName"])) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (g, f) => g.or(f).map(str::to_string),
    };
    let name = text(doc, &["name", "formatted"])
        .or_else(|| text(doc, &["displayName"]))
        .map(str::to_string)
        .or(full)
        .unwrap_or_else(|| user_name.to_string());
    let language = text(doc, &["preferredLanguage"]).unwrap_or("").to_ascii_lowercase();
    Ok(Derived {
        user_name: user_name.to_string(),
        external_id: text(doc, &["externalId"]).map(str::to_string),
        name,
        email,
        manager: text(doc, &[ENTERPRISE, "manager", "value"]).map(str::to_string),
        team: text(doc, &[ENTERPRISE, "department"]).map(str::to_string),
        role: text(doc, &["title"]).and_then(role_of_title),
        active: doc.get("active").and_then(as_bool).unwrap_or(true),
        locale: if language.starts_with("zh") {
            Some("zh-CN")
        } else if language.starts_with("en") {
            Some("en")
        } else {
            None
        },
    })
}

/// A job title as a role label: `Sales Manager` → `sales_manager`. A title that makes no
/// snake_case label (one in Chinese, one that starts with a digit) gives no role; the title
/// itself is kept.
pub fn role_of_title(title: &str) -> Option<String> {
    let mut out = String::new();
    for c in title.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    let ok = out.len() <= 64 && out.starts_with(|c: char| c.is_ascii_lowercase()) && title.is_ascii();
    ok.then_some(out)
}

/// Candor's record of a person, to correct a kept document with.
pub struct Record<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub manager: Option<&'a str>,
    pub team: Option<&'a str>,
    pub role: Option<&'a str>,
    pub active: bool,
}

/// The kept document, corrected wherever the record changed since the client wrote it; for a
/// person no client wrote, the document the record makes.
pub fn reconcile(doc: Option<Map<String, Value>>, rec: &Record<'_>, id: &str) -> Map<String, Value> {
    let Some(mut doc) = doc else {
        let mut doc = Map::new();
        doc.insert("userName".into(), rec.email.into());
        doc.insert("externalId".into(), id.into());
        return fix(doc, rec, None);
    };
    let was = derive(&doc).ok();
    doc = fix(doc, rec, was.as_ref());
    doc
}

fn fix(mut doc: Map<String, Value>, rec: &Record<'_>, was: Option<&Derived>) -> Map<String, Value> {
    let changed = |f: &dyn Fn(&Derived) -> bool| was.is_none_or(|d| !f(d));
    if changed(&|d| d.name == rec.name) {
        // displayName is what most clients write; name.formatted only where the client had one.
        doc.insert("displayName".into(), rec.name.into());
        if let Some(Value::Object(name)) = doc.get_mut("name")
            && name.contains_key("formatted")
        {
            name.insert("formatted".into(), rec.name.into());
        }
    }
    if changed(&|d| d.email.eq_ignore_ascii_case(rec.email)) {
        doc.insert("emails".into(), json!([{ "value": rec.email, "primary": true }]));
    }
    if changed(&|d| d.active == rec.active) {
        doc.insert("active".into(), rec.active.into());
    }
    if changed(&|d| d.role.as_deref() == rec.role) {
        match rec.role {
            Some(r) => doc.insert("title".into(), r.into()),
            None => doc.remove("title"),
        };
    }
    let ext_changed = changed(&|d| d.team.as_deref() == rec.team && d.manager.as_deref() == rec.manager);
    if ext_changed {
        let mut ext = Map::new();
        if let Some(t) = rec.team {
            ext.insert("department".into(), t.into());
        }
        if let Some(m) = rec.manager {
            ext.insert("manager".into(), json!({ "value": m }));
        }
        if ext.is_empty() {
            doc.remove(ENTERPRISE)
        } else {
            doc.insert(ENTERPRISE.into(), Value::Object(ext))
        };
    }
    doc
}

/// The User as a response: the document with `schemas`, `id` and `meta`.
pub fn render(doc: Map<String, Value>, id: &str, meta: Value) -> Value {
    let mut schemas = vec![Value::from(USER)];
    if doc.contains_key(ENTERPRISE) {
        schemas.push(ENTERPRISE.into());
    }
    let mut out = Map::new();
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), id.into());
    out.extend(doc);
    out.insert("meta".into(), meta);
    Value::Object(out)
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) applied to a rendered User: names
/// are top-level attributes, `name.givenName` sub-attributes, or either with a schema URN in
/// front. `id` and `schemas` are always returned.
pub fn select(user: &mut Value, attributes: &[String], excluded: &[String]) {
    let Some(obj) = user.as_object_mut() else { return };
    let split = |a: &str| -> (Option<String>, String, Option<String>) {
        let (urn, rest) = match a.rfind(':') {
            Some(i) if a.to_ascii_lowercase().starts_with("urn:") => (Some(a[..i].to_string()), a[i + 1..].to_string()),
            _ => (None, a.to_string()),
        };
        match rest.split_once('.') {
            Some((top, sub)) => (urn, top.to_string(), Some(sub.to_string())),
            None => (urn, rest, None),
        }
    };
    let matches = |key: &str, wanted: &(Option<String>, String, Option<String>)| -> bool {
        match &wanted.0 {
            Some(urn) if urn.eq_ignore_ascii_case(ENTERPRISE) => key.eq_ignore_ascii_case(ENTERPRISE),
            _ => key.eq_ignore_ascii_case(&wanted.1),
        }
    };
    if !attributes.is_empty() {
        let wanted: Vec<_> = attributes.iter().map(|a| split(a)).collect();
        obj.retain(|k, _| {
            k == "id" || k == "schemas" || wanted.iter().any(|w| matches(k, w) || k.eq_ignore_ascii_case(&w.1))
        });
    }
    for e in excluded.iter().map(|a| split(a)) {
        let keys: Vec<String> = obj.keys().filter(|k| *k != "id" && *k != "schemas").cloned().collect();
        for k in keys {
            let in_ext = e.0.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE)) && k == ENTERPRISE;
            if in_ext {
                if let Some(Value::Object(ext)) = obj.get_mut(&k) {
                    ext.retain(|a, _| !a.eq_ignore_ascii_case(&e.1));
                }
            } else if k.eq_ignore_ascii_case(&e.1) && e.0.is_none() {
                match (&e.2, obj.get_mut(&k)) {
                    (Some(sub), Some(Value::Object(o))) => o.retain(|a, _| !a.eq_ignore_ascii_case(sub)),
                    _ => {
                        obj.remove(&k);
                    }
                }
            }
        }
    }
}

/// What a SCIM list may be narrowed to: one attribute equal to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All,
    /// Case-insensitive, as RFC 7643 defines userName (caseExact false).
    UserName(String),
    ExternalId(String),
    Id(String),
}

#[cfg(test)]
#[path = "scim_tests.rs"]
mod tests;
