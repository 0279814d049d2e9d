//! The OpenAPI schemas of the domain's input shapes, built from the same constants as their
//! parsers (`id`, `time`, `period`, `locale`, `email`), so what the document promises and what
//! the handlers accept cannot drift apart. Field attributes name them with `schema_with`.
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};

/// Whitespace as Rust's `str::trim` removes it (Unicode White_Space).
const WS: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// Control characters and the invisible formatting characters `id::is_invisible_format` refuses.
const BAD: &str =
    r"\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb";

fn string(nullable: bool) -> ObjectBuilder {
    let ty = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::new(Type::String) };
    ObjectBuilder::new().schema_type(ty)
}

/// An id chosen by the caller ([`super::id::ExternalId`]).
fn id_of(nullable: bool) -> ObjectBuilder {
    string(nullable).pattern(Some(super::id::ID_PATTERN)).min_length(Some(1)).max_length(Some(super::id::ID_MAX))
}

pub fn id() -> ObjectBuilder {
    id_of(false)
}

pub fn opt_id() -> ObjectBuilder {
    id_of(true)
}

/// A single-line label of at most `max` characters once trimmed ([`super::id::parse_label`]).
fn label(max: usize, nullable: bool) -> ObjectBuilder {
    string(nullable)
        .pattern(Some(format!("^[{WS}]*[^{WS}{BAD}](?:[^{BAD}]*[^{WS}{BAD}])?[{WS}]*$")))
        .min_length(Some(1))
        .max_length(Some(max))
}

/// Names and titles: 200 characters.
pub fn name() -> ObjectBuilder {
    label(200, false)
}

/// Teams: 100 characters.
pub fn opt_team() -> ObjectBuilder {
    label(100, true)
}

/// Names of API keys and webhooks' labels: 100 characters.
pub fn short_name() -> ObjectBuilder {
    label(100, false)
}

/// Titles of scheduled cycles: 150 characters (the period is added).
pub fn schedule_title() -> ObjectBuilder {
    label(150, false)
}

/// Choice options: 200 characters.
pub fn option_text() -> ObjectBuilder {
    label(200, false)
}

/// Question texts: 1,000 characters.
pub fn text() -> ObjectBuilder {
    label(1_000, false)
}

fn email_of(nullable: bool) -> ObjectBuilder {
    string(nullable).format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))).max_length(Some(super::email::MAX_LEN))
}

pub fn email() -> ObjectBuilder {
    email_of(false)
}

pub fn opt_email() -> ObjectBuilder {
    email_of(true)
}

/// `en` or `zh-CN`.
pub fn opt_locale() -> ObjectBuilder {
    let ty = SchemaType::from_iter([Type::String, Type::Null]);
    ObjectBuilder::new().schema_type(ty).enum_values(Some(["en", "zh-CN"].into_iter().map(Some).chain([None])))
}

fn date_time_of(nullable: bool) -> ObjectBuilder {
    string(nullable)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some("RFC 3339, such as 2026-10-01T00:00:00Z"))
}

pub fn date_time() -> ObjectBuilder {
    date_time_of(false)
}

pub fn opt_date_time() -> ObjectBuilder {
    date_time_of(true)
}

/// A boundary of a cycle's period on the organisation's calendar (CONTRACT §15), in UTC.
pub fn opt_period_bound() -> ObjectBuilder {
    date_time_of(true).description(Some(
        "RFC 3339 in UTC: where the period starts (`period_starts_at`) or the first instant after it \
         (`period_ends_at`) at local midnight in CANDOR_TIMEZONE; null without a period",
    ))
}

fn period_of(nullable: bool) -> ObjectBuilder {
    string(nullable).pattern(Some(super::period::PERIOD_PATTERN)).description(Some("`YYYY-MM`, `YYYY-Qn` or `YYYY`"))
}

pub fn period() -> ObjectBuilder {
    period_of(false)
}

pub fn opt_period() -> ObjectBuilder {
    period_of(true)
}

/// Digits, spaces and `+ - ( ) .`, 5 to 30 characters, at least 5 digits.
pub fn opt_phone() -> ObjectBuilder {
    string(true).pattern(Some(r"^(?=(?:[^0-9]*[0-9]){5})[0-9 +().-]{5,30}$")).max_length(Some(30))
}

/// A schedule's id: at most 48 characters, so its cycles' ids (id and period) fit in 64.
pub fn schedule_id() -> ObjectBuilder {
    id_of(false).max_length(Some(48))
}

/// A webhook receiver: an http(s) URL whose host is a name (address literals and `localhost`
/// are refused unless private receivers are allowed), without credentials.
pub fn webhook_url() -> ObjectBuilder {
    let port = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})";
    let host = r"(?!localhost(?:[:/]|$))(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?<!\.localhost)";
    string(false)
        .pattern(Some(format!(r"^https?://{host}(?::{port})?(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$")))
        .max_length(Some(2000))
}

/// Locale tags as `Locale::parse` takes them: `en` or `zh-CN`, in any case.
pub const LOCALE_TAG_PATTERN: &str = "^(?:[Ee][Nn]|[Zz][Hh]-[Cc][Nn])$";

fn map_of(keys: ObjectBuilder, values: impl Into<utoipa::openapi::RefOr<utoipa::openapi::Schema>>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .property_names(Some(keys))
        .additional_properties(Some(values.into()))
}

/// Translations by locale tag, `{"zh-CN": "…"}`: each a text of at most 1,000 characters.
pub fn i18n() -> ObjectBuilder {
    map_of(string(false).pattern(Some(LOCALE_TAG_PATTERN)), text().build())
}

/// Display names of indicators: `{"leadership": {"en": "Leadership", "zh-CN": "领导力"}}`.
pub fn indicator_names() -> ObjectBuilder {
    map_of(string(false).pattern(Some(SNAKE_PATTERN)).max_length(Some(64)), i18n().build()).description(Some(
        "Display names of indicators by locale tag: `{\"leadership\":{\"en\":\"Leadership\",\"zh-CN\":\"领导力\"}}`.",
    ))
}

/// A question's wording by relation (peer surveys).
pub fn text_by_relation() -> ObjectBuilder {
    let relations = ["self", "manager", "peer", "direct_report"];
    // Inline: a reference made here would name a component nothing else registers.
    map_of(string(false).enum_values(Some(relations)), <super::survey::RelationText as utoipa::PartialSchema>::schema())
}

/// A snake_case label (roles, indicators).
pub fn opt_snake() -> ObjectBuilder {
    string(true).pattern(Some(SNAKE_PATTERN)).max_length(Some(64))
}

pub const SNAKE_PATTERN: &str = "^[a-z][a-z0-9_]{0,63}$";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::string::string_regex;

    /// The pattern without its anchors: every pattern here matches a whole string.
    fn whole(pattern: &str) -> String {
        pattern.trim_start_matches('^').trim_end_matches('$').to_string()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn every_id_the_schema_allows_parses(s in string_regex(&whole(super::super::id::ID_PATTERN)).unwrap()) {
            prop_assert!(super::super::id::ExternalId::parse(&s).is_ok(), "{s:?}");
        }

        #[test]
        fn every_locale_tag_the_schema_allows_parses(s in string_regex(&whole(LOCALE_TAG_PATTERN)).unwrap()) {
            prop_assert!(super::super::Locale::parse(&s).is_ok(), "{s:?}");
        }

        #[test]
        fn every_period_the_schema_allows_parses(s in string_regex(&whole(super::super::period::PERIOD_PATTERN)).unwrap()) {
            prop_assert!(super::super::period::Period::parse(&s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn labels_the_schema_describes_are_the_ones_parsed() {
        // The pattern is ECMA/Python syntax; these are the cases it spells out.
        for ok in ["Li Na", "  Li Na\t", "\u{3000}李娜\u{3000}", "a b"] {
            assert!(super::super::id::parse_label(ok, "x", 200).is_ok(), "{ok:?}");
        }
        for bad in ["", "   ", "a\tb", "a\u{202E}b", "\u{200B}"] {
            assert!(super::super::id::parse_label(bad, "x", 200).is_err(), "{bad:?}");
        }
        let pattern = label(200, false).build().pattern.unwrap();
        assert!(pattern.contains(r"\u2066-\u206f") && pattern.contains(r"\x00-\x1f"));
    }
}
