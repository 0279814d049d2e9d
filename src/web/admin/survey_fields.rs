//! The survey builder's form read back into a survey: the header, each question block, its
//! options and per-relation wordings in two languages.
use super::builder::{MAX_BLOCKS, WORDED};
use crate::domain::survey::{ChoiceOption, QuestionInput, QuestionType, RelationText, SurveyInput, SurveyKind};
use std::collections::{BTreeMap, HashMap};

/// Lines of `key | English | 中文` (the Chinese optional), blank lines skipped; `Err` when a
/// line is not written so.
fn parse_lines(raw: &str) -> Result<Vec<(String, String, Option<String>)>, ()> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            match parts.as_slice() {
                [key, en] => Ok((key.to_string(), en.to_string(), None)),
                [key, en, zh] => Ok((key.to_string(), en.to_string(), Some(zh.to_string()).filter(|z| !z.is_empty()))),
                _ => Err(()),
            }
        })
        .collect()
}

fn zh_map(zh: Option<String>) -> BTreeMap<String, String> {
    zh.map(|z| BTreeMap::from([("zh-CN".to_string(), z)])).unwrap_or_default()
}

/// The survey the form describes: blocks left empty (no id and no text) are skipped. `Err` names
/// the question at fault (from 1), or none when it is the survey's own fields.
pub(super) fn from_fields(fields: &HashMap<String, String>) -> Result<SurveyInput, Option<usize>> {
    let field = |k: &str| fields.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let kind = SurveyKind::parse(&field("kind")).ok_or(None)?;
    let mut title_i18n = BTreeMap::new();
    if !field("title_zh").is_empty() {
        title_i18n.insert("zh-CN".to_string(), field("title_zh"));
    }
    let mut questions = Vec::new();
    for k in 0..MAX_BLOCKS {
        let f = |name: &str| field(&format!("q{k}_{name}"));
        if !fields.contains_key(&format!("q{k}_id")) {
            break;
        }
        if f("id").is_empty() && f("text").is_empty() {
            continue;
        }
        let ticked = |name: &str| fields.contains_key(&format!("q{k}_{name}"));
        let typed = question(&f, [ticked("required"), ticked("multiple"), ticked("na")]).map_err(|()| Some(k + 1))?;
        questions.push(typed);
    }
    let mut indicator_names = BTreeMap::new();
    for (indicator, en, zh) in parse_lines(&field("indicator_names")).map_err(|()| None)? {
        let mut names = zh_map(zh);
        names.insert("en".to_string(), en);
        indicator_names.insert(indicator, names);
    }
    Ok(SurveyInput {
        id: field("id"),
        kind,
        title: field("title"),
        title_i18n,
        anonymous: fields.contains_key("anonymous"),
        questions,
        indicator_names,
    })
}

/// One block's question; `[required, multiple, na]` are its ticked boxes. `Err` when a number
/// is not one, no type is chosen, or an option line is not `id | English | 中文`.
fn question(f: &dyn Fn(&str) -> String, ticked: [bool; 3]) -> Result<QuestionInput, ()> {
    let [required, multiple, na] = ticked;
    let number = |name: &str| -> Result<Option<i64>, ()> {
        let raw = f(name);
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse().map(Some).map_err(|_| ())
    };
    let kind = QuestionType::parse(&f("type")).ok_or(())?;
    let (min, max) = match kind {
        QuestionType::Scale => (number("min")?, number("max")?),
        _ => (None, None),
    };
    let mut text_i18n = BTreeMap::new();
    if !f("text_zh").is_empty() {
        text_i18n.insert("zh-CN".to_string(), f("text_zh"));
    }
    let options = parse_lines(&f("options"))?
        .into_iter()
        .map(|(id, text, zh)| ChoiceOption { id, text, text_i18n: zh_map(zh) })
        .collect();
    let mut text_by_relation = BTreeMap::new();
    for relation in WORDED {
        let (en, zh) = (f(relation), f(&format!("{relation}_zh")));
        if !en.is_empty() {
            text_by_relation.insert(
                relation.to_string(),
                RelationText { text: en, text_i18n: zh_map(Some(zh).filter(|z| !z.is_empty())) },
            );
        }
    }
    let scored = matches!(kind, QuestionType::Scale | QuestionType::Nps);
    Ok(QuestionInput {
        id: f("id"),
        text: f("text"),
        kind,
        min,
        max,
        indicator: Some(f("indicator")).filter(|i| !i.is_empty() && scored),
        required,
        text_i18n,
        options: if kind == QuestionType::Choice { options } else { Vec::new() },
        multiple: multiple && kind == QuestionType::Choice,
        na: na && kind == QuestionType::Scale,
        text_by_relation,
    })
}
