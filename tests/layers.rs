//! The import rule of `src/lib.rs` (and ARCHITECTURE.md), checked on the source itself:
//! each layer imports only from the layers below it, transports never import each other, only
//! `app` (and the outbox's own bookkeeping) reaches `db`, and no SQL lives outside `db/`.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Which `crate::` modules each top-level module may name.
fn allowed(layer: &str) -> &'static [&'static str] {
    match layer {
        "domain" | "redact" => &["domain"],
        "scoring" | "i18n" => &["domain"],
        "db" => &["domain", "scoring", "redact"],
        "config" => &["domain", "redact"],
        "app" => &["domain", "scoring", "db", "config", "redact"],
        "api" | "web" => &["domain", "scoring", "i18n", "app", "config", "redact"],
        "outbox" => &["domain", "scoring", "i18n", "app", "db", "config", "redact"],
        _ => &[
            "domain",
            "scoring",
            "i18n",
            "db",
            "app",
            "api",
            "web",
            "outbox",
            "config",
            "redact",
            "startup",
            "demo",
            "server",
            "key_rotation",
            "observability",
            "config_check",
        ],
    }
}

/// The `crate::db::x` modules a file names, outside its tests.
fn named_db_modules(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    code.match_indices("crate::db::")
        .map(|(i, _)| {
            code[i + "crate::db::".len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
        })
        .collect()
}

/// Crates a pure layer must not use.
const IMPURE: &[&str] = &["sqlx::", "axum::", "askama::", "tokio::", "reqwest::"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn layer_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component").as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// The `crate::x` modules a file names, outside its tests.
fn named_modules(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

fn has_sql(text: &str) -> bool {
    ["\"SELECT ", "\"INSERT INTO ", "\"DELETE FROM ", "\"UPDATE "].iter().any(|s| text.contains(s))
}

#[test]
fn every_module_imports_only_from_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let layer = layer_of(&src, file);
        let rel = file.strip_prefix(&src).expect("under src").display().to_string();
        for name in named_modules(&text) {
            if name != layer && !allowed(&layer).contains(&name.as_str()) {
                broken.push(format!("{rel} imports crate::{name}"));
            }
        }
        if matches!(layer.as_str(), "domain" | "scoring" | "i18n" | "redact") {
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            for c in IMPURE.iter().filter(|c| code.contains(*c)) {
                broken.push(format!("{rel} is pure but uses {c}"));
            }
        }
        if layer == "app" && (text.contains("axum::") || text.contains("askama::")) {
            broken.push(format!("{rel}: use cases know no transport"));
        }
        // No db types in transports: the outbox names its own queue only; the rest it reaches
        // through app (app/delivery.rs).
        if layer == "outbox" {
            for m in named_db_modules(&text) {
                if m != "outbox" {
                    broken.push(format!("{rel} names crate::db::{m}; reach it through app"));
                }
            }
        }
        // Transports call the use cases with &App, never its storage.
        if matches!(layer.as_str(), "api" | "web") {
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            for reach in ["app.db", "state.db", ".db.pool", ".db()"].iter().filter(|r| code.contains(*r)) {
                broken.push(format!("{rel} reaches the storage ({reach}); call a use case in app"));
            }
        }
        // Rows are not wire types: what the API documents and answers is an app view.
        if layer == "db" && text.contains("ToSchema") {
            broken.push(format!("{rel}: a db row is documented for the API; convert it to an app view"));
        }
        if layer != "db" && has_sql(&text) {
            broken.push(format!("{rel} holds SQL; it belongs in src/db"));
        }
    }
    assert!(files.len() > 40, "found only {} files under {}", files.len(), src.display());
    assert!(broken.is_empty(), "the layer rule is broken:\n{}", broken.join("\n"));
}

#[test]
fn the_check_itself_sees_a_violation() {
    assert!(named_modules("use crate::db::Db;\nfn f() { crate::api::router(); }").contains("api"));
    assert!(!allowed("web").contains(&"db"));
    assert!(has_sql("sqlx::query(\"SELECT 1\")"));
    assert_eq!(
        named_db_modules("use crate::db::outbox;\nlet x = crate::db::people::load();"),
        ["outbox", "people"].map(String::from).into()
    );
}
