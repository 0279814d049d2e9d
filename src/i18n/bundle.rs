//! The translation files (`locales/<language>/<area>.ftl`, Fluent syntax), compiled into the
//! binary, as one Fluent bundle per language; and the typed texts the code reads (`DashText`,
//! `Text`, …), each built once per language from its bundle. A key that a struct asks for and a
//! file lacks stops the build of that struct with a panic, at the first page or test that reads
//! it (`every_text_of_the_code_is_in_both_languages` builds them all), never a blank at run time.
use crate::domain::Locale;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The areas, one file each in every language.
pub const AREAS: [&str; 14] = [
    "common",
    "respondent",
    "flow",
    "review",
    "manager",
    "admin",
    "identity",
    "analytics",
    "errors",
    "audit",
    "notices",
    "calendar",
    "email",
    "lists",
];

macro_rules! files_of {
    ($lang:literal) => {
        [
            include_str!(concat!("../../locales/", $lang, "/common.ftl")),
            include_str!(concat!("../../locales/", $lang, "/respondent.ftl")),
            include_str!(concat!("../../locales/", $lang, "/flow.ftl")),
            include_str!(concat!("../../locales/", $lang, "/review.ftl")),
            include_str!(concat!("../../locales/", $lang, "/manager.ftl")),
            include_str!(concat!("../../locales/", $lang, "/admin.ftl")),
            include_str!(concat!("../../locales/", $lang, "/identity.ftl")),
            include_str!(concat!("../../locales/", $lang, "/analytics.ftl")),
            include_str!(concat!("../../locales/", $lang, "/errors.ftl")),
            include_str!(concat!("../../locales/", $lang, "/audit.ftl")),
            include_str!(concat!("../../locales/", $lang, "/notices.ftl")),
            include_str!(concat!("../../locales/", $lang, "/calendar.ftl")),
            include_str!(concat!("../../locales/", $lang, "/email.ftl")),
            include_str!(concat!("../../locales/", $lang, "/lists.ftl")),
        ]
    };
}

/// The text of every file of `locale`, in the order of [`AREAS`].
pub fn files(locale: Locale) -> [&'static str; 14] {
    match locale {
        Locale::En => files_of!("en"),
        Locale::ZhCn => files_of!("zh-CN"),
    }
}

type Bundle = FluentBundle<FluentResource>;

/// One language: its bundle, and each of its texts without placeholders, formatted once.
struct Lang {
    bundle: Bundle,
    texts: HashMap<String, &'static str>,
}

fn lang(locale: Locale) -> &'static Lang {
    static LANGS: [OnceLock<Lang>; 2] = [const { OnceLock::new() }; 2];
    LANGS[index(locale)].get_or_init(|| load(locale))
}

fn index(locale: Locale) -> usize {
    match locale {
        Locale::En => 0,
        Locale::ZhCn => 1,
    }
}

fn load(locale: Locale) -> Lang {
    let tag = locale.as_str().parse().expect("en and zh-CN are language tags");
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // The marks Fluent puts around each value (U+2068 … U+2069) would travel into emails,
    // file names and the workbook; both languages run left to right.
    bundle.set_use_isolating(false);
    let mut keys = Vec::new();
    for (area, text) in AREAS.iter().zip(files(locale)) {
        let where_ = format!("locales/{}/{area}.ftl", locale.as_str());
        let resource =
            FluentResource::try_new(text.to_string()).unwrap_or_else(|(_, e)| panic!("{where_} does not parse: {e:?}"));
        keys.extend(resource.entries().filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        }));
        bundle.add_resource(resource).unwrap_or_else(|e| panic!("{where_} repeats a key: {e:?}"));
    }
    let mut texts = HashMap::new();
    for key in keys {
        let Some(pattern) = bundle.get_message(&key).and_then(|m| m.value()) else { continue };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
        if errors.is_empty() {
            // Once per text and language, for the life of the process: `&'static str` fields.
            texts.insert(key, &*Box::leak(text.into_boxed_str()));
        }
    }
    Lang { bundle, texts }
}

/// The text `key` of `locale`, if the files have it without placeholders.
pub fn text(locale: Locale, key: &str) -> Option<&'static str> {
    lang(locale).texts.get(key).copied()
}

/// A text with placeholders (`{ $name }`), put together by [`fill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    locale: Locale,
    key: &'static str,
}

impl Msg {
    /// The message `key` of `locale`; panics if the files lack it.
    pub fn new(locale: Locale, key: &'static str) -> Msg {
        let found = lang(locale).bundle.get_message(key).and_then(|m| m.value()).is_some();
        assert!(found, "locales/{}/*.ftl has no message {key}", locale.as_str());
        Msg { locale, key }
    }
}

/// The text of `msg` with each `{ $key }` replaced by its value. A value goes in as it is, once:
/// a person named `{ $url }` or `{org}` stays that text. The result is escaped by the template
/// that shows it.
pub fn fill(msg: Msg, vars: &[(&str, &str)]) -> String {
    let bundle = &lang(msg.locale).bundle;
    let Some(pattern) = bundle.get_message(msg.key).and_then(|m| m.value()) else {
        unreachable!("Msg::new checked {}", msg.key)
    };
    let mut args = FluentArgs::with_capacity(vars.len());
    for (k, v) in vars {
        args.set(*k, FluentValue::from(*v));
    }
    let mut errors = Vec::new();
    bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned()
}

/// Reads the typed texts of one language out of its bundle.
pub struct Loader {
    locale: Locale,
}

impl Loader {
    pub fn new(locale: Locale) -> Loader {
        Loader { locale }
    }

    /// A text without placeholders; panics if the files lack it or it has placeholders.
    pub fn text(&self, key: &str) -> &'static str {
        let lang_ = self.locale.as_str();
        text(self.locale, key).unwrap_or_else(|| match lang(self.locale).bundle.has_message(key) {
            true => panic!("locales/{lang_}: {key} has placeholders, so it is a Msg"),
            false => panic!("locales/{lang_}/*.ftl has no message {key}"),
        })
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }
}

/// What a struct field can be read as: a text, a [`Msg`], or `N` of either (`key-1` … `key-N`).
pub trait Load: Sized {
    fn load(loader: &Loader, key: &str) -> Self;
}

impl Load for &'static str {
    fn load(loader: &Loader, key: &str) -> Self {
        loader.text(key)
    }
}

impl Load for Msg {
    fn load(loader: &Loader, key: &str) -> Self {
        // Once per field and language: the struct is built once and kept.
        Msg::new(loader.locale, Box::leak(key.to_string().into_boxed_str()))
    }
}

impl<T: Load, const N: usize> Load for [T; N] {
    fn load(loader: &Loader, key: &str) -> Self {
        std::array::from_fn(|i| T::load(loader, &format!("{key}-{}", i + 1)))
    }
}

/// The key of a field: its own when given, else `{section}-{field}` (or `{field}` in the
/// section `""`) with `-` for `_`.
pub fn key(section: &str, field: &str, own: &[&str]) -> String {
    let field = field.replace('_', "-");
    match (own.first(), section) {
        (Some(k), _) => (*k).to_string(),
        (None, "") => field,
        (None, _) => format!("{section}-{field}"),
    }
}

/// One value per language, built on first use and kept.
pub type PerLocale<T> = [OnceLock<T>; 2];

pub fn cached<T>(cells: &'static PerLocale<T>, locale: Locale, build: fn(&Loader) -> T) -> &'static T {
    cells[index(locale)].get_or_init(|| build(&Loader::new(locale)))
}

/// A struct of texts, every field `pub`, read from the files by [`Load`]: fields are grouped
/// under the section their keys start with, and a field may name its own key (`= "colon"`).
macro_rules! texts {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $section:literal { $( $(#[$fmeta:meta])* $field:ident : $ty:ty $(= $own:literal)? ),* $(,)? } )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $( $(#[$fmeta])* pub $field: $ty, )* )*
        }

        impl $name {
            fn load(l: &$crate::i18n::bundle::Loader) -> Self {
                use $crate::i18n::bundle::{Load, key};
                Self { $( $( $field: Load::load(l, &key($section, stringify!($field), &[$($own)?])), )* )* }
            }
        }
    };
}
pub(crate) use texts;

#[cfg(test)]
mod tests;
