use super::*;
use crate::domain::scim_patch;

fn user(v: Value) -> Map<String, Value> {
    clean(&v).expect("a valid User")
}

#[test]
fn the_mapping_of_contract_section_11() {
    let doc = user(json!({
        "schemas": [USER, ENTERPRISE],
        "userName": "Li.Na@Example.com",
        "externalId": "E1001",
        "name": {"formatted": "Li Na", "givenName": "Na", "familyName": "Li"},
        "displayName": "Nana",
        "emails": [{"value": "old@example.com"}, {"value": "li.na@example.com", "primary": true, "type": "work"}],
        "active": "False",
        "title": "Sales Manager",
        "preferredLanguage": "zh-Hans-CN",
        "phoneNumbers": [{"value": "+86 10 1234 5678"}],
        ENTERPRISE: {"manager": {"value": "E1000", "displayName": "Boss"}, "department": "East", "costCenter": "42"}
    }));
    let d = derive(&doc).unwrap();
    assert_eq!(d.email, "li.na@example.com", "the primary email, not the first");
    assert_eq!(d.user_name, "Li.Na@Example.com");
    assert_eq!(d.external_id.as_deref(), Some("E1001"));
    assert_eq!(d.name, "Li Na", "name.formatted before displayName");
    assert_eq!(d.manager.as_deref(), Some("E1000"));
    assert_eq!(d.team.as_deref(), Some("East"), "department → team");
    assert_eq!(d.role.as_deref(), Some("sales_manager"), "title → role, snake_cased");
    assert!(!d.active, "\"False\" as some clients send it");
    assert_eq!(d.locale, Some("zh-CN"));
    // What is not published is not kept.
    assert!(!doc.contains_key("phoneNumbers"));
    assert_eq!(doc[ENTERPRISE], json!({"manager": {"value": "E1000"}, "department": "East"}));
}

#[test]
fn a_name_and_an_email_come_from_what_there_is() {
    let d = derive(&user(json!({"userName": "a@b.example", "displayName": "Ann"}))).unwrap();
    assert_eq!((d.name.as_str(), d.email.as_str(), d.active), ("Ann", "a@b.example", true));
    let d = derive(&user(json!({"userName": "ann", "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "ann@b.example"}]})))
    .unwrap();
    assert_eq!((d.name.as_str(), d.email.as_str()), ("Ann Lee", "ann@b.example"));
    let e = derive(&user(json!({"userName": "ann"}))).unwrap_err();
    assert_eq!(e.scim_type, "invalidValue");
    // A manager sent as a bare id.
    let d = derive(&user(json!({"userName": "a@b.example", ENTERPRISE: {"manager": "E7"}}))).unwrap();
    assert_eq!(d.manager.as_deref(), Some("E7"));
}

#[test]
fn titles_become_roles_only_when_they_make_a_label() {
    assert_eq!(role_of_title("Sales Manager").as_deref(), Some("sales_manager"));
    assert_eq!(role_of_title("  VP, Sales & Ops ").as_deref(), Some("vp_sales_ops"));
    assert_eq!(role_of_title("销售经理"), None);
    assert_eq!(role_of_title("3rd line"), None);
    assert_eq!(role_of_title(""), None);
}

#[test]
fn a_kept_document_reads_back_unless_candor_changed_the_person() {
    let doc = user(json!({"userName": "u1", "displayName": "Ann", "emails": [{"value": "ann@b.example", "type": "x"}],
        "title": "uuid-like-3f2a", ENTERPRISE: {"department": "East"}}));
    let rec = Record {
        name: "Ann",
        email: "ann@b.example",
        manager: None,
        team: Some("East"),
        role: role_of_title("uuid-like-3f2a").as_deref().map(|_| "uuid_like_3f2a"),
        active: true,
    };
    assert_eq!(reconcile(Some(doc.clone()), &rec, "E1"), doc, "nothing changed: as sent");
    let moved = Record { team: Some("West"), manager: Some("E9"), name: "Ann Lee", ..rec };
    let out = reconcile(Some(doc.clone()), &moved, "E1");
    assert_eq!(out[ENTERPRISE], json!({"department": "West", "manager": {"value": "E9"}}));
    assert_eq!(out["displayName"], "Ann Lee");
    assert_eq!(out["userName"], "u1");
    // A person no client wrote: userName is the email, externalId the id.
    let out = reconcile(None, &moved, "E1");
    assert_eq!((out["userName"].as_str(), out["externalId"].as_str()), (Some("ann@b.example"), Some("E1")));
}

#[test]
fn patch_operations_as_clients_send_them() {
    let mut doc = user(json!({"userName": "a@b.example", "active": true,
        "emails": [{"value": "a@b.example", "type": "work"}], ENTERPRISE: {"department": "East"}}));
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@b.example"},
        {"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": {"value": "E1"}},
        {"op": "remove", "path": format!("{ENTERPRISE}:department")},
        {"op": "add", "value": {"name.givenName": "Bo", "title": "Sales"}},
    ]});
    scim_patch::apply(&mut doc, &ops).unwrap();
    let doc = clean(&Value::Object(doc)).unwrap();
    let d = derive(&doc).unwrap();
    assert!(!d.active);
    assert_eq!(d.email, "new@b.example");
    assert_eq!(d.manager.as_deref(), Some("E1"));
    assert_eq!(d.team, None);
    assert_eq!(d.role.as_deref(), Some("sales"));
    assert_eq!(doc["name"]["givenName"], "Bo");
    // The extension as a whole, by its URN.
    let mut whole = doc.clone();
    let ops = json!({"Operations": [{"op": "replace", "path": ENTERPRISE, "value": {"department": "North"}}]});
    scim_patch::apply(&mut whole, &ops).unwrap();
    let d = derive(&clean(&Value::Object(whole)).unwrap()).unwrap();
    assert_eq!((d.team.as_deref(), d.manager), (Some("North"), None));
    // Removing the manager by its sub-attribute, as some clients do.
    let mut doc = doc;
    let ops = json!({"Operations": [{"op": "remove", "path": format!("{ENTERPRISE}:manager.value")}]});
    scim_patch::apply(&mut doc, &ops).unwrap();
    assert_eq!(derive(&clean(&Value::Object(doc)).unwrap()).unwrap().manager, None);
}

#[test]
fn bad_patches_say_why() {
    let mut doc = user(json!({"userName": "a@b.example"}));
    let bad = |ops: Value| scim_patch::apply(&mut doc.clone(), &json!({ "Operations": ops })).unwrap_err().scim_type;
    assert_eq!(bad(json!([{"op": "move", "path": "active"}])), "invalidSyntax");
    assert_eq!(bad(json!([{"op": "remove"}])), "noTarget");
    assert_eq!(bad(json!([{"op": "add", "path": "emails[type ne \"x\"]", "value": {}}])), "invalidFilter");
    assert_eq!(bad(json!([{"op": "add", "path": "urn:example:other:x", "value": 1}])), "invalidPath");
    assert_eq!(scim_patch::apply(&mut doc, &json!({})).unwrap_err().scim_type, "invalidSyntax");
}

#[test]
fn attributes_and_excluded_attributes() {
    let doc = user(json!({"userName": "a@b.example", "externalId": "x", "displayName": "A",
        ENTERPRISE: {"department": "East"}}));
    let full = render(doc, "E1", json!({"resourceType": "User"}));
    let mut only = full.clone();
    select(&mut only, &["externalId".into()], &[]);
    let mut keys: Vec<&String> = only.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["externalId", "id", "schemas"]);
    let mut less = full.clone();
    select(&mut less, &[], &["displayName".into(), format!("{ENTERPRISE}:department")]);
    assert!(less.get("displayName").is_none() && less.get("userName").is_some());
    assert_eq!(less[ENTERPRISE], json!({}));
}
