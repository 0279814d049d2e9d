//! The translation files against each other and against the code.
use super::*;
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// Each message of one file: its key and the placeholders (`{ $x }`) it uses.
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(_, e)| panic!("does not parse: {e:?}"));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        if let ast::Entry::Message(m) = entry {
            let mut vars = BTreeSet::new();
            if let Some(p) = &m.value {
                pattern_vars(p, &mut vars);
            }
            assert!(out.insert(m.id.name.to_string(), vars).is_none(), "{} twice", m.id.name);
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for e in &p.elements {
        if let ast::PatternElement::Placeable { expression } = e {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(i) => inline_vars(i, out),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
    }
}

fn inline_vars(e: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        _ => {}
    }
}

/// Both languages have the same files, each with the same keys, and each message uses the same
/// placeholders in both: a translation can neither miss a text nor drop or invent a value.
#[test]
fn both_languages_have_every_key_and_placeholder() {
    let mut broken = Vec::new();
    for (i, area) in AREAS.iter().enumerate() {
        let en = messages(files(Locale::En)[i]);
        let zh = messages(files(Locale::ZhCn)[i]);
        assert!(en.len() > 2, "{area}.ftl has {} messages", en.len());
        for (key, vars) in &en {
            match zh.get(key) {
                None => broken.push(format!("zh-CN/{area}.ftl lacks {key}")),
                Some(z) if z != vars => broken.push(format!("{area}.ftl {key}: en uses {vars:?}, zh-CN {z:?}")),
                Some(_) => {}
            }
        }
        for key in zh.keys().filter(|k| !en.contains_key(*k)) {
            broken.push(format!("en/{area}.ftl lacks {key}"));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// Every file of `locales/` is compiled in: none is left out of [`AREAS`].
#[test]
fn every_file_is_compiled_in() {
    for lang in ["en", "zh-CN"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang);
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .expect("locales/<lang>")
            .map(|e| e.expect("entry").file_name().to_string_lossy().trim_end_matches(".ftl").to_string())
            .collect();
        found.sort();
        let mut areas: Vec<String> = AREAS.iter().map(|a| a.to_string()).collect();
        areas.sort();
        assert_eq!(found, areas, "locales/{lang}");
    }
}

/// Every struct the code reads is built from the files in both languages: a key the code asks
/// for and a file lacks, or a plain text that gained a placeholder, fails here.
#[test]
fn every_text_of_the_code_is_in_both_languages() {
    use crate::domain::{Relation, loop_event::Event};
    for locale in [Locale::En, Locale::ZhCn] {
        let _ = crate::i18n::text(locale);
        let _ = crate::i18n::dash_text(locale);
        let _ = crate::i18n::review_text(locale);
        let _ = crate::i18n::flow_text(locale);
        let _ = crate::i18n::identity_text(locale);
        let _ = crate::i18n::list_text(locale);
        let _ = crate::i18n::analytics_text(locale);
        let _ = crate::i18n::email_text(locale);
        for event in [
            Event::FeedbackShared,
            Event::FeedbackAmended,
            Event::FeedbackAcknowledged,
            Event::NominationSubmitted,
            Event::NominationApproved,
        ] {
            let _ = crate::i18n::notice_text(locale, event);
        }
        for relation in ["customer", "self", "manager", "peer", "direct_report"] {
            assert!(!crate::i18n::relation_label(locale, relation).is_empty(), "{relation}");
        }
        for r in [Relation::Customer, Relation::SelfReview, Relation::Manager, Relation::Peer, Relation::DirectReport] {
            assert!(!crate::i18n::review_kind(locale, r).is_empty());
        }
        let t = crate::domain::calendar::LocalTime { year: 2027, month: 12, day: 31, weekday: 5, hour: 0, minute: 0 };
        assert!(!crate::i18n::calendar::date(locale, &t).contains('{'));
        assert!(!crate::i18n::row_refusal(locale, 1, "E1", "invalid_email").contains('{'));
        assert!(!crate::i18n::audit::actor(locale, "api_key", "k").contains('{'));
    }
}

texts! {
    pub struct Missing {
        "test" {
            not_in_any_file: &'static str,
        }
    }
}

#[test]
#[should_panic(expected = "has no message test-not-in-any-file")]
fn a_key_the_files_lack_stops_the_build_of_its_struct() {
    let _ = Missing::load(&Loader::new(Locale::ZhCn)).not_in_any_file;
}

texts! {
    pub struct Placeholder {
        "" {
            /// Has `{ $name }`, so it must be read as a Msg.
            email_greeting: &'static str,
        }
    }
}

#[test]
#[should_panic(expected = "email-greeting has placeholders")]
fn a_text_with_placeholders_is_not_a_plain_text() {
    let _ = Placeholder::load(&Loader::new(Locale::En)).email_greeting;
}

/// Values go in once: a value that looks like a placeholder, in either syntax, stays as it is.
#[test]
fn placeholders_are_substituted_once() {
    let greeting = Msg::new(Locale::En, "email-greeting");
    assert_eq!(fill(greeting, &[("name", "{ $name }")]), "Hello { $name },");
    assert_eq!(fill(greeting, &[("name", "{org}")]), "Hello {org},");
    let body = Msg::new(Locale::ZhCn, "notice-feedback-shared-body");
    let out = fill(body, &[("author", "{ $cycle }"), ("cycle", "Q4")]);
    assert_eq!(out, "{ $cycle }分享了对您Q4结果的反馈，包括优点、待改进之处和下一步计划。");
}
