//! What `POST /api/v1/surveys` takes, and how it is checked into a [`Survey`]: the API's input
//! shape, apart from the domain type it becomes.
use super::id::{ExternalId, parse_label};
use super::survey::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The request body of `POST /api/v1/surveys`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub id: String,
    pub kind: SurveyKind,
    #[schema(schema_with = crate::domain::shapes::name)]
    pub title: String,
    /// Translations of the title by locale tag (an addition to the contract).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::i18n)]
    pub title_i18n: BTreeMap<String, String>,
    #[serde(default)]
    pub anonymous: bool,
    #[schema(min_items = 1, max_items = 100)]
    pub questions: Vec<QuestionInput>,
    /// Display names of indicators by locale tag: `{"leadership":{"en":"Leadership","zh-CN":"领导力"}}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::indicator_names)]
    pub indicator_names: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// 1 to 64 of `A-Z a-z 0-9 _ -`.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::text)]
    pub text: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::domain::shapes::opt_snake)]
    pub indicator: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::i18n)]
    pub text_i18n: BTreeMap<String, String>,
    /// `choice` only: 2 to 20 options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// `choice` only: any number of options may be picked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
    /// `scale` only: offer "can't judge", an answer that does not count.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub na: bool,
    /// Peer surveys: the wording for one relation instead of `text` (`self`, `manager`,
    /// `peer`, `direct_report`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = crate::domain::shapes::text_by_relation)]
    pub text_by_relation: BTreeMap<String, RelationText>,
}

fn parse_question(q: &QuestionInput) -> Result<Question, String> {
    let id = parse_question_id(&q.id)?;
    let text = parse_label(&q.text, &format!("question {id}: text"), 1_000)?;
    let text_i18n = parse_i18n(&q.text_i18n, &format!("question {id}: text_i18n"))?;
    let indicator = q.indicator.as_deref().map(parse_indicator).transpose()?;
    let (min, max) = match q.kind {
        QuestionType::Scale => {
            let (Some(lo), Some(hi)) = (q.min, q.max) else {
                return Err(format!("question {id}: a scale needs min and max"));
            };
            if lo >= hi || hi - lo > 20 || lo < -100 || hi > 100 {
                return Err(format!(
                    "question {id}: scale range {lo}..{hi} must have min < max, at most 21 points, within -100..100"
                ));
            }
            (Some(lo), Some(hi))
        }
        QuestionType::Nps => {
            if q.min.is_some_and(|v| v != 0) || q.max.is_some_and(|v| v != 10) {
                return Err(format!("question {id}: an nps question is always 0..10"));
            }
            (Some(0), Some(10))
        }
        QuestionType::Text | QuestionType::Choice => {
            let what = q.kind.as_str();
            if q.min.is_some() || q.max.is_some() {
                return Err(format!("question {id}: a {what} question takes no min or max"));
            }
            if indicator.is_some() {
                return Err(format!("question {id}: a {what} question cannot feed an indicator"));
            }
            (None, None)
        }
    };
    let extra = parse_extra(&id, q)?;
    Ok(Question { id, kind: q.kind, min, max, indicator, required: q.required, text, text_i18n, extra })
}

const RELATIONS_WORDED: [&str; 4] = ["self", "manager", "peer", "direct_report"];

/// Options, `multiple`, `na` and per-relation wording, each only where it applies.
fn parse_extra(id: &str, q: &QuestionInput) -> Result<QuestionExtra, String> {
    if q.kind == QuestionType::Choice {
        if !(2..=20).contains(&q.options.len()) {
            return Err(format!("question {id}: a choice question has 2 to 20 options"));
        }
    } else if !q.options.is_empty() || q.multiple {
        return Err(format!("question {id}: options and multiple apply to choice questions only"));
    }
    if q.na && q.kind != QuestionType::Scale {
        return Err(format!("question {id}: na (\"can't judge\") applies to scale questions only"));
    }
    let mut seen = HashSet::new();
    let mut options = Vec::with_capacity(q.options.len());
    for o in &q.options {
        let oid = parse_question_id(&o.id).map_err(|e| format!("question {id}: option {e}"))?;
        if !seen.insert(oid.clone()) {
            return Err(format!("question {id}: option id {oid:?} is used twice"));
        }
        let text = parse_label(&o.text, &format!("question {id}: option {oid}"), 200)?;
        let text_i18n = parse_i18n(&o.text_i18n, &format!("question {id}: option {oid}"))?;
        options.push(ChoiceOption { id: oid, text, text_i18n });
    }
    let mut text_by_relation = BTreeMap::new();
    for (relation, r) in &q.text_by_relation {
        if !RELATIONS_WORDED.contains(&relation.as_str()) {
            return Err(format!(
                "question {id}: text_by_relation takes self, manager, peer or direct_report, not {relation:?}"
            ));
        }
        let what = format!("question {id}: text_by_relation.{relation}");
        let worded =
            RelationText { text: parse_label(&r.text, &what, 1_000)?, text_i18n: parse_i18n(&r.text_i18n, &what)? };
        text_by_relation.insert(relation.clone(), worded);
    }
    Ok(QuestionExtra { options, multiple: q.multiple, na: q.na, text_by_relation })
}

/// `{"leadership":{"en":"Leadership","zh-CN":"领导力"}}`: snake_case indicators, known locales.
fn parse_indicator_names(
    names: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, String> {
    let mut out = BTreeMap::new();
    for (indicator, by_locale) in names {
        let indicator = parse_indicator(indicator)?;
        let parsed = parse_i18n(by_locale, &format!("indicator_names.{indicator}"))?;
        out.insert(indicator, parsed);
    }
    Ok(out)
}

impl SurveyInput {
    pub fn parse(&self) -> Result<Survey, String> {
        let id = ExternalId::parse(&self.id)?.into_string();
        let title = parse_label(&self.title, "title", 200)?;
        let title_i18n = parse_i18n(&self.title_i18n, "title_i18n")?;
        if self.anonymous && self.kind == SurveyKind::Peer {
            return Err("anonymous applies to customer surveys only: peer and direct-report \
                        answers are always anonymous, self and manager answers never are"
                .into());
        }
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return Err(format!("a survey has 1 to {MAX_QUESTIONS} questions"));
        }
        let mut seen = HashSet::new();
        let mut questions = Vec::with_capacity(self.questions.len());
        for q in &self.questions {
            if !q.text_by_relation.is_empty() && self.kind != SurveyKind::Peer {
                return Err(format!("question {}: text_by_relation applies to peer (360) surveys", q.id));
            }
            let q = parse_question(q)?;
            if !seen.insert(q.id.clone()) {
                return Err(format!("question id {:?} is used twice", q.id));
            }
            questions.push(q);
        }
        let indicator_names = parse_indicator_names(&self.indicator_names)?;
        Ok(Survey { id, kind: self.kind, title, title_i18n, anonymous: self.anonymous, questions, indicator_names })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Locale;

    fn input(questions: serde_json::Value) -> Result<Survey, String> {
        let v = serde_json::json!({"id":"csat","kind":"customer","title":"How did we do?","questions":questions});
        serde_json::from_value::<SurveyInput>(v).map_err(|e| e.to_string())?.parse()
    }

    #[test]
    fn the_contract_example_parses() {
        let s = input(serde_json::json!([
            {"id":"q1","text":"Overall satisfaction","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction","required":true},
            {"id":"q2","text":"Recommend?","type":"nps","indicator":"customer_satisfaction","text_i18n":{"zh-CN":"推荐吗？"}},
            {"id":"q3","text":"Anything else?","type":"text"}
        ]))
        .unwrap();
        assert_eq!(s.questions.len(), 3);
        assert_eq!(s.questions[1].choices(), (0..=10).collect::<Vec<_>>());
        assert_eq!(s.questions[1].text_in(Locale::ZhCn), "推荐吗？");
        assert_eq!(s.questions[0].text_in(Locale::ZhCn), "Overall satisfaction");
        assert!(!s.questions[2].required);
    }

    #[test]
    fn bad_questions_are_refused_with_a_reason() {
        let cases = [
            (serde_json::json!([{"id":"q1","text":"x","type":"scale","min":5,"max":1}]), "min < max"),
            (serde_json::json!([{"id":"q1","text":"x","type":"scale"}]), "needs min and max"),
            (serde_json::json!([{"id":"q1","text":"x","type":"nps","max":5}]), "0..10"),
            (serde_json::json!([{"id":"q1","text":"x","type":"text","indicator":"teamwork"}]), "cannot feed"),
            (
                serde_json::json!([{"id":"q1","text":"x","type":"scale","min":1,"max":5,"indicator":"Team Work"}]),
                "snake_case",
            ),
            (
                serde_json::json!([{"id":"q1","text":"x","type":"text"},{"id":"q1","text":"y","type":"text"}]),
                "used twice",
            ),
            (serde_json::json!([{"id":"q 1","text":"x","type":"text"}]), "question id"),
            (serde_json::json!([{"id":"q1","text":"x","type":"text","text_i18n":{"fr":"y"}}]), "not supported"),
            (serde_json::json!([]), "1 to 100"),
        ];
        for (questions, expected) in cases {
            let err = input(questions.clone()).unwrap_err();
            assert!(err.contains(expected), "{questions}: {err}");
        }
    }

    #[test]
    fn choices_can_t_judge_and_wording_by_relation() {
        let v = serde_json::json!({"id":"p","kind":"peer","title":"360",
            "indicator_names":{"leadership":{"en":"Leadership","zh-CN":"领导力"}},
            "questions":[
              {"id":"l1","text":"Leads the team","type":"scale","min":1,"max":5,"indicator":"leadership","na":true},
              {"id":"c1","text":"Works best in","type":"choice","multiple":true,
               "options":[{"id":"office","text":"The office","text_i18n":{"zh-CN":"办公室"}},{"id":"field","text":"The field"}]},
              {"id":"k1","text":"What should this person keep doing?","type":"text",
               "text_by_relation":{"self":{"text":"What should you keep doing?","text_i18n":{"zh-CN":"你应该继续做什么？"}}}}]});
        let s = serde_json::from_value::<SurveyInput>(v).unwrap().parse().unwrap();
        assert!(s.questions[0].extra.na);
        assert_eq!(s.questions[1].extra.options.len(), 2);
        assert_eq!(s.questions[2].text_for("self", Locale::En), "What should you keep doing?");
        assert_eq!(s.questions[2].text_for("self", Locale::ZhCn), "你应该继续做什么？");
        assert_eq!(s.questions[2].text_for("peer", Locale::En), "What should this person keep doing?");
        assert_eq!(s.indicator_name("leadership", Locale::ZhCn), Some("领导力"));
        assert_eq!(s.indicator_name("teamwork", Locale::En), None);
        let refused = [
            (
                serde_json::json!([{"id":"c","text":"x","type":"choice","options":[{"id":"a","text":"A"}]}]),
                "2 to 20 options",
            ),
            (
                serde_json::json!([{"id":"c","text":"x","type":"choice","options":[{"id":"a","text":"A"},{"id":"a","text":"B"}]}]),
                "used twice",
            ),
            (serde_json::json!([{"id":"c","text":"x","type":"nps","na":true}]), "scale questions only"),
            (serde_json::json!([{"id":"c","text":"x","type":"text","multiple":true}]), "choice questions only"),
            (
                serde_json::json!([{"id":"c","text":"x","type":"choice","indicator":"teamwork",
                   "options":[{"id":"a","text":"A"},{"id":"b","text":"B"}]}]),
                "cannot feed",
            ),
        ];
        for (questions, expected) in refused {
            let err = input(questions.clone()).unwrap_err();
            assert!(err.contains(expected), "{questions}: {err}");
        }
        // Wording by relation is for 360 surveys; customers have one relation.
        let err =
            input(serde_json::json!([{"id":"k","text":"x","type":"text","text_by_relation":{"self":{"text":"y"}}}]))
                .unwrap_err();
        assert!(err.contains("peer (360) surveys"), "{err}");
    }

    #[test]
    fn peer_surveys_cannot_be_flagged_anonymous() {
        let v = serde_json::json!({"id":"p","kind":"peer","title":"t","anonymous":true,
            "questions":[{"id":"q1","text":"x","type":"text"}]});
        let err = serde_json::from_value::<SurveyInput>(v).unwrap().parse().unwrap_err();
        assert!(err.contains("customer surveys only"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let v = serde_json::json!({"id":"p","kind":"peer","title":"t","colour":"red","questions":[]});
        assert!(serde_json::from_value::<SurveyInput>(v).unwrap_err().to_string().contains("colour"));
    }
}
