//! A respondent's submitted form, checked against the survey's questions.
use super::survey::{MAX_TEXT_ANSWER, Question, QuestionType};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    pub question_id: String,
    pub value: Option<i64>,
    pub text: Option<String>,
}

/// Why one question's answer was not accepted; the page words it in the respondent's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    Required,
    NotAChoice,
    TooLong,
    InvalidCharacters,
    Duplicated,
}

#[derive(Debug, Default)]
pub struct Rejected {
    pub problems: HashMap<String, AnswerProblem>,
    /// What the respondent typed for each question, to put back in the form.
    pub kept: HashMap<String, String>,
}

/// Checks every question; unknown fields are ignored, a field sent twice is refused.
/// Returns the answers given (unanswered optional questions are left out).
pub fn check_answers(questions: &[Question], fields: &[(String, String)]) -> Result<Vec<Answer>, Rejected> {
    let mut given: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, value) in fields {
        given.entry(name.as_str()).or_default().push(value.as_str());
    }
    let mut rejected = Rejected::default();
    let mut answers = Vec::with_capacity(questions.len());
    for q in questions {
        let values = given.get(q.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        if !values.is_empty() {
            rejected.kept.insert(q.id.clone(), values.join(","));
        }
        match check_one(q, values) {
            Ok(Some(answer)) => answers.push(answer),
            Ok(None) => {}
            Err(problem) => {
                rejected.problems.insert(q.id.clone(), problem);
            }
        }
    }
    if rejected.problems.is_empty() { Ok(answers) } else { Err(rejected) }
}

/// The value stored for "can't judge" on a scale: an answer that counts for nothing.
pub const NOT_APPLICABLE: &str = "na";

fn check_one(q: &Question, values: &[&str]) -> Result<Option<Answer>, AnswerProblem> {
    if q.kind == QuestionType::Choice && q.extra.multiple {
        return check_many(q, values);
    }
    let raw = match values {
        [] => "",
        [one] => one,
        _ => return Err(AnswerProblem::Duplicated),
    };
    if raw.contains('\0') {
        return Err(AnswerProblem::InvalidCharacters);
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return if q.required { Err(AnswerProblem::Required) } else { Ok(None) };
    }
    let answer = match q.kind {
        QuestionType::Scale if q.extra.na && trimmed == NOT_APPLICABLE => {
            Answer { question_id: q.id.clone(), value: None, text: None }
        }
        QuestionType::Choice => {
            let index = option_index(q, trimmed)?;
            Answer { question_id: q.id.clone(), value: Some(index), text: None }
        }
        QuestionType::Scale | QuestionType::Nps => {
            let v: i64 = trimmed.parse().map_err(|_| AnswerProblem::NotAChoice)?;
            let in_range = q.min.is_some_and(|lo| v >= lo) && q.max.is_some_and(|hi| v <= hi);
            if !in_range {
                return Err(AnswerProblem::NotAChoice);
            }
            Answer { question_id: q.id.clone(), value: Some(v), text: None }
        }
        QuestionType::Text => {
            if trimmed.chars().count() > MAX_TEXT_ANSWER {
                return Err(AnswerProblem::TooLong);
            }
            Answer { question_id: q.id.clone(), value: None, text: Some(trimmed.to_string()) }
        }
    };
    Ok(Some(answer))
}

/// The position of an option by its id.
fn option_index(q: &Question, id: &str) -> Result<i64, AnswerProblem> {
    q.extra.options.iter().position(|o| o.id == id).map(|i| i as i64).ok_or(AnswerProblem::NotAChoice)
}

/// A multiple choice: each ticked option once; stored as a bit per option (at most 20).
fn check_many(q: &Question, values: &[&str]) -> Result<Option<Answer>, AnswerProblem> {
    let mut bits = 0i64;
    for raw in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let bit = 1i64 << option_index(q, raw)?;
        if bits & bit != 0 {
            return Err(AnswerProblem::Duplicated);
        }
        bits |= bit;
    }
    match bits {
        0 if q.required => Err(AnswerProblem::Required),
        0 => Ok(None),
        _ => Ok(Some(Answer { question_id: q.id.clone(), value: Some(bits), text: None })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn q(id: &str, kind: QuestionType, min: Option<i64>, max: Option<i64>, required: bool) -> Question {
        Question {
            id: id.into(),
            kind,
            min,
            max,
            indicator: None,
            required,
            text: id.into(),
            text_i18n: BTreeMap::new(),
            extra: Default::default(),
        }
    }

    fn survey() -> Vec<Question> {
        vec![
            q("q1", QuestionType::Scale, Some(1), Some(5), true),
            q("q2", QuestionType::Nps, Some(0), Some(10), false),
            q("q3", QuestionType::Text, None, None, false),
        ]
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn valid_answers_pass_and_unknown_fields_are_ignored() {
        let a = check_answers(&survey(), &form(&[("q1", "4"), ("q3", " Thanks "), ("x", "y")])).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].value, Some(4));
        assert_eq!(a[1].text.as_deref(), Some("Thanks"));
    }

    #[test]
    fn each_problem_is_reported_beside_its_question_and_input_kept() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, AnswerProblem);
        let cases: [Case; 7] = [
            (&[], "q1", AnswerProblem::Required),
            (&[("q1", "6")], "q1", AnswerProblem::NotAChoice),
            (&[("q1", "2.5")], "q1", AnswerProblem::NotAChoice),
            (&[("q1", "3"), ("q2", "11")], "q2", AnswerProblem::NotAChoice),
            (&[("q1", "3"), ("q1", "4")], "q1", AnswerProblem::Duplicated),
            (&[("q1", "3"), ("q3", "a\0b")], "q3", AnswerProblem::InvalidCharacters),
            (&[("q1", "3"), ("q3", &"é".repeat(5_001))], "q3", AnswerProblem::TooLong),
        ];
        for (fields, id, problem) in cases {
            let r = check_answers(&survey(), &form(fields)).unwrap_err();
            assert_eq!(r.problems.get(id), Some(&problem), "{fields:?}");
            assert_eq!(r.problems.len(), 1, "{fields:?}");
        }
        let r = check_answers(&survey(), &form(&[("q1", "9"), ("q3", "keep me")])).unwrap_err();
        assert_eq!(r.kept.get("q3").map(String::as_str), Some("keep me"));
    }

    proptest::proptest! {
        /// Whatever a form carries, checking never panics, and what it accepts fits the survey.
        #[test]
        fn any_form_is_checked_safely(fields in proptest::collection::vec(
            (proptest::prop_oneof![proptest::strategy::Just("q1".to_string()), proptest::strategy::Just("q2".to_string()),
                                   proptest::strategy::Just("q3".to_string()), "[a-z0-9]{0,4}"],
             proptest::prop_oneof!["-?[0-9]{1,3}", ".{0,40}", "[ \\t]*[0-9][ \\t]*"]),
            0..8)) {
            let survey = survey();
            if let Ok(answers) = check_answers(&survey, &fields) {
                for a in &answers {
                    let q = survey.iter().find(|q| q.id == a.question_id).unwrap();
                    match q.kind {
                        QuestionType::Text => proptest::prop_assert!(a.text.as_ref().is_some_and(|t| !t.contains('\0') && t.chars().count() <= MAX_TEXT_ANSWER)),
                        _ => proptest::prop_assert!(a.value.is_some_and(|v| q.min.unwrap() <= v && v <= q.max.unwrap())),
                    }
                }
                proptest::prop_assert!(answers.iter().any(|a| a.question_id == "q1"), "q1 is required");
            }
        }
    }

    proptest::proptest! {
        /// Raw request bodies, decoded the way the form handler decodes them, never panic.
        #[test]
        fn any_raw_body_is_checked_safely(body in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let fields: Vec<(String, String)> =
                url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            let _ = check_answers(&survey(), &fields);
        }
    }

    #[test]
    fn a_text_of_exactly_the_limit_is_accepted() {
        let long = "字".repeat(MAX_TEXT_ANSWER);
        let a = check_answers(&survey(), &form(&[("q1", "1"), ("q3", &long)])).unwrap();
        assert_eq!(a[1].text.as_ref().map(|t| t.chars().count()), Some(MAX_TEXT_ANSWER));
    }

    fn choice(id: &str, multiple: bool, required: bool) -> Question {
        let mut c = q(id, QuestionType::Choice, None, None, required);
        c.extra.multiple = multiple;
        c.extra.options = ["office", "field", "home"]
            .iter()
            .map(|o| crate::domain::survey::ChoiceOption {
                id: o.to_string(),
                text: o.to_string(),
                text_i18n: BTreeMap::new(),
            })
            .collect();
        c
    }

    #[test]
    fn choices_and_can_t_judge() {
        let mut scale = q("s", QuestionType::Scale, Some(1), Some(5), true);
        scale.extra.na = true;
        let questions = [scale, choice("one", false, true), choice("many", true, true)];
        let a =
            check_answers(&questions, &form(&[("s", "na"), ("one", "field"), ("many", "office"), ("many", "home")]))
                .unwrap();
        assert_eq!((a[0].value, &a[0].text), (None, &None), "can't judge: answered, counts for nothing");
        assert_eq!(a[1].value, Some(1));
        assert_eq!(a[2].value, Some(0b101));
        let r =
            check_answers(&questions, &form(&[("s", "na"), ("one", "garden"), ("many", "office"), ("many", "office")]))
                .unwrap_err();
        assert_eq!(r.problems.get("one"), Some(&AnswerProblem::NotAChoice));
        assert_eq!(r.problems.get("many"), Some(&AnswerProblem::Duplicated));
        assert_eq!(r.kept.get("many").map(String::as_str), Some("office,office"));
        let r = check_answers(&questions, &form(&[("s", "na"), ("one", "home")])).unwrap_err();
        assert_eq!(r.problems.get("many"), Some(&AnswerProblem::Required));
        // "na" is no answer where the survey does not offer it.
        let plain = [q("s", QuestionType::Scale, Some(1), Some(5), true)];
        assert!(check_answers(&plain, &form(&[("s", "na")])).is_err());
    }
}
