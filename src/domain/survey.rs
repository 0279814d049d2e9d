//! Surveys and their questions: what the API accepts and what a form is built from.
use super::id::parse_label;
use super::locale::Locale;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// What `POST /api/v1/surveys` takes, and how it becomes a [`Survey`], lives in `survey_input.rs`.
pub use super::survey_input::{QuestionInput, SurveyInput};

pub const MAX_TEXT_ANSWER: usize = 5_000;
pub const MAX_QUESTIONS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    Customer,
    Peer,
}

impl SurveyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::Customer => "customer",
            SurveyKind::Peer => "peer",
        }
    }

    pub fn parse(raw: &str) -> Option<SurveyKind> {
        match raw {
            "customer" => Some(SurveyKind::Customer),
            "peer" => Some(SurveyKind::Peer),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    Scale,
    Nps,
    Text,
    /// One option (or several, with `multiple`) from a list; feeds no indicator.
    Choice,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Scale => "scale",
            QuestionType::Nps => "nps",
            QuestionType::Text => "text",
            QuestionType::Choice => "choice",
        }
    }

    pub fn parse(raw: &str) -> Option<QuestionType> {
        match raw {
            "scale" => Some(QuestionType::Scale),
            "nps" => Some(QuestionType::Nps),
            "text" => Some(QuestionType::Text),
            "choice" => Some(QuestionType::Choice),
            _ => None,
        }
    }
}

/// One option of a choice question.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// 1 to 64 of `A-Z a-z 0-9 _ -`, unique in its question.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::option_text)]
    pub text: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::i18n)]
    pub text_i18n: BTreeMap<String, String>,
}

/// A question's wording for one relation (`self`, `manager`, `peer`, `direct_report`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationText {
    #[schema(schema_with = crate::domain::shapes::text)]
    pub text: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::i18n)]
    pub text_i18n: BTreeMap<String, String>,
}

/// What a question carries besides its type and range (stored as one JSON document).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct QuestionExtra {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub na: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub text_by_relation: BTreeMap<String, RelationText>,
}

/// A validated survey, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub id: String,
    pub kind: SurveyKind,
    pub title: String,
    pub title_i18n: BTreeMap<String, String>,
    pub anonymous: bool,
    pub questions: Vec<Question>,
    pub indicator_names: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub kind: QuestionType,
    /// Inclusive bounds of a scale or NPS answer (NPS is 0..10); none for text.
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub indicator: Option<String>,
    pub required: bool,
    pub text: String,
    /// Translations by locale tag (`zh-CN`).
    pub text_i18n: BTreeMap<String, String>,
    pub extra: QuestionExtra,
}

impl Survey {
    /// The largest form body an honest answer to this survey can make: every text answer at its
    /// longest, in 4-byte UTF-8, percent-encoded (×3), plus room for names and separators.
    pub fn max_form_bytes(&self) -> usize {
        let per_question = |q: &Question| match q.kind {
            QuestionType::Text => MAX_TEXT_ANSWER * 4 * 3 + 256,
            _ => 256,
        };
        4096 + self.questions.iter().map(per_question).sum::<usize>()
    }

    pub fn title_in(&self, locale: Locale) -> &str {
        self.title_i18n.get(locale.as_str()).map(String::as_str).unwrap_or(&self.title)
    }

    /// An indicator's display name in `locale`, when the survey gives one.
    pub fn indicator_name(&self, indicator: &str, locale: Locale) -> Option<&str> {
        self.indicator_names.get(indicator)?.get(locale.as_str()).map(String::as_str)
    }
}

/// Validates a `{"zh-CN": "…"}` map of translations.
pub fn parse_i18n(map: &BTreeMap<String, String>, what: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (tag, value) in map {
        let locale = Locale::parse(tag).map_err(|e| format!("{what}: {e}"))?;
        let value = parse_label(value, &format!("{what}[{tag}]"), 1_000)?;
        out.insert(locale.as_str().to_string(), value);
    }
    Ok(out)
}

impl Question {
    pub fn text_in(&self, locale: Locale) -> &str {
        self.text_i18n.get(locale.as_str()).map(String::as_str).unwrap_or(&self.text)
    }

    /// The wording for a respondent of this relation (`self`, `manager`…), else the text.
    pub fn text_for(&self, relation: &str, locale: Locale) -> &str {
        match self.extra.text_by_relation.get(relation) {
            Some(r) => r.text_i18n.get(locale.as_str()).map(String::as_str).unwrap_or(&r.text),
            None => self.text_in(locale),
        }
    }

    /// The integer choices a scale or NPS question offers.
    pub fn choices(&self) -> Vec<i64> {
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => (lo..=hi).collect(),
            _ => Vec::new(),
        }
    }
}

/// A question id doubles as a form field name: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub(super) fn parse_question_id(raw: &str) -> Result<String, String> {
    let ok =
        !raw.is_empty() && raw.len() <= 64 && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok { Ok(raw.to_string()) } else { Err(format!("question id {raw:?} must be 1 to 64 letters, digits, _ or -")) }
}

/// Indicator names are snake_case: `customer_satisfaction`, `teamwork`, `product_knowledge`.
pub fn parse_indicator(raw: &str) -> Result<String, String> {
    let mut chars = raw.chars();
    let ok = raw.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok { Ok(raw.to_string()) } else { Err(format!("indicator {raw:?} must be snake_case, such as \"teamwork\"")) }
}
