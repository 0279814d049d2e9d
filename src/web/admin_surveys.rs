//! `/admin/surveys`: create, copy and edit surveys in the browser, without JavaScript. The
//! form is the survey as the API takes it, one block per question; "Add a question" posts the
//! form back with one more block. A survey that has invitations is frozen: editing it starts a
//! copy under a new id. Saving goes through the same use case as `POST /api/v1/surveys`.
use super::admin::{csrf_fields, show_error};
use super::dashboard::{Nav, nav};
use super::extract::{AdminForm, AdminViewer, CsrfFields, SignedIn};
use super::pages::{Html, app_error};
use crate::app::{self, App, surveys};
use crate::domain::survey::{QuestionInput, QuestionType, SurveyInput, SurveyKind};
use crate::i18n::DashText;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Question blocks a form may carry (the API's own limit).
const MAX_BLOCKS: usize = crate::domain::survey::MAX_QUESTIONS;

struct Listed {
    id: String,
    kind: String,
    title: String,
}

#[derive(Template)]
#[template(path = "admin/surveys.html")]
struct ListPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    flash: Option<String>,
    surveys: Vec<Listed>,
}

/// One question block of the form, as text fields.
#[derive(Default, Clone)]
struct Block {
    id: String,
    kind: String,
    text: String,
    text_zh: String,
    min: String,
    max: String,
    indicator: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "admin/survey_edit.html")]
struct EditPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    note: Option<&'a str>,
    id: String,
    kind: String,
    title: String,
    title_zh: String,
    anonymous: bool,
    blocks: Vec<Block>,
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    saved: Option<String>,
}

pub(super) async fn list(
    State(app): State<App>,
    AdminViewer(who): AdminViewer,
    Query(q): Query<ListQuery>,
) -> Response {
    let rows = match surveys::list(&app).await {
        Ok(r) => r,
        Err(e) => return app_error(e, who.locale),
    };
    let t = who.t;
    let page = ListPage {
        t,
        page_title: t.surveys_title,
        nav: nav(&who.viewer, t, "/admin/surveys"),
        flash: q.saved.map(|id| t.survey_saved.replace("{id}", &id)),
        surveys: rows
            .into_iter()
            .map(|(id, kind, title)| {
                let kind = if kind == "peer" { t.kind_peer } else { t.kind_customer }.to_string();
                Listed { id, kind, title }
            })
            .collect(),
    };
    Html(page.render()).into_response()
}

#[derive(Deserialize, Default)]
pub(super) struct EditQuery {
    /// The survey to edit (or to copy); none for a new one.
    id: Option<String>,
    copy: Option<String>,
}

pub(super) async fn edit(
    State(app): State<App>,
    AdminViewer(who): AdminViewer,
    Query(q): Query<EditQuery>,
) -> Response {
    let Some(id) = q.id else {
        let blank = SurveyInput {
            id: String::new(),
            kind: SurveyKind::Customer,
            title: String::new(),
            title_i18n: BTreeMap::new(),
            anonymous: false,
            questions: Vec::new(),
        };
        return render(&who, StatusCode::OK, &blank, None, None);
    };
    let (mut input, frozen) = match surveys::show(&app, &id).await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    // A frozen survey, or a copy asked for, is saved under a new id.
    let note = if q.copy.is_some() || frozen {
        input.id = format!("{}-copy", input.id);
        Some(if frozen { who.t.survey_frozen_note } else { who.t.survey_copy_note })
    } else {
        None
    };
    render(&who, StatusCode::OK, &input, None, note)
}

fn render(who: &SignedIn, status: StatusCode, s: &SurveyInput, error: Option<String>, note: Option<&str>) -> Response {
    let t = who.t;
    let mut blocks: Vec<Block> = s.questions.iter().map(block_of).collect();
    // Always one empty block to fill in: a new question.
    if blocks.len() < MAX_BLOCKS {
        blocks.push(Block { kind: "scale".into(), min: "1".into(), max: "5".into(), ..Block::default() });
    }
    let page = EditPage {
        t,
        page_title: t.survey_edit_title,
        nav: nav(&who.viewer, t, "/admin/surveys/edit"),
        csrf: who.viewer.csrf.clone(),
        error,
        note,
        id: s.id.clone(),
        kind: s.kind.as_str().to_string(),
        title: s.title.clone(),
        title_zh: s.title_i18n.get("zh-CN").cloned().unwrap_or_default(),
        anonymous: s.anonymous,
        blocks,
    };
    (status, Html(page.render())).into_response()
}

fn block_of(q: &QuestionInput) -> Block {
    Block {
        id: q.id.clone(),
        kind: q.kind.as_str().to_string(),
        text: q.text.clone(),
        text_zh: q.text_i18n.get("zh-CN").cloned().unwrap_or_default(),
        min: q.min.map(|v| v.to_string()).unwrap_or_default(),
        max: q.max.map(|v| v.to_string()).unwrap_or_default(),
        indicator: q.indicator.clone().unwrap_or_default(),
        required: q.required,
    }
}

#[derive(Deserialize)]
pub(super) struct SurveyForm {
    csrf: String,
    lang: Option<String>,
    /// `save`, or `add` for one more question block.
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}
csrf_fields!(SurveyForm);

pub(super) async fn save(State(app): State<App>, AdminForm(f): AdminForm<SurveyForm>) -> Response {
    let who = &f.who;
    let input = match from_fields(&f.form.fields) {
        Ok(i) => i,
        Err(e) => return show(who, &f.form.fields, e),
    };
    if f.form.action == "add" {
        return render(who, StatusCode::OK, &input, None, None);
    }
    match surveys::save(&app, &input).await {
        Ok(_) => {
            Redirect::to(&format!("/admin/surveys?lang={}&saved={}", who.t.lang, urlencoded(&input.id))).into_response()
        }
        Err(e @ (app::Error::Invalid { .. } | app::Error::Conflict { .. })) => {
            render(who, StatusCode::UNPROCESSABLE_ENTITY, &input, Some(e.to_string()), None)
        }
        Err(e) => show_error(&app, who, e).await,
    }
}

/// A form that could not even be read back into a survey: shown again with the reason.
fn show(who: &SignedIn, fields: &HashMap<String, String>, error: String) -> Response {
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let partial = SurveyInput {
        id: field("id"),
        kind: SurveyKind::parse(&field("kind")).unwrap_or(SurveyKind::Customer),
        title: field("title"),
        title_i18n: BTreeMap::new(),
        anonymous: fields.contains_key("anonymous"),
        questions: Vec::new(),
    };
    render(who, StatusCode::UNPROCESSABLE_ENTITY, &partial, Some(error), None)
}

fn urlencoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The survey the form describes: blocks left empty (no id and no text) are skipped.
fn from_fields(fields: &HashMap<String, String>) -> Result<SurveyInput, String> {
    let field = |k: &str| fields.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let kind = SurveyKind::parse(&field("kind")).ok_or("the kind is customer or peer")?;
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
        questions.push(question(k, &f, fields.contains_key(&format!("q{k}_required")))?);
    }
    Ok(SurveyInput {
        id: field("id"),
        kind,
        title: field("title"),
        title_i18n,
        anonymous: fields.contains_key("anonymous"),
        questions,
    })
}

fn question(k: usize, f: &dyn Fn(&str) -> String, required: bool) -> Result<QuestionInput, String> {
    let number = |name: &str| -> Result<Option<i64>, String> {
        let raw = f(name);
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse().map(Some).map_err(|_| format!("question {}: {name} {raw:?} is not a whole number", k + 1))
    };
    let kind = QuestionType::parse(&f("type")).ok_or_else(|| format!("question {}: choose a type", k + 1))?;
    let (min, max) = match kind {
        QuestionType::Scale => (number("min")?, number("max")?),
        _ => (None, None),
    };
    let mut text_i18n = BTreeMap::new();
    if !f("text_zh").is_empty() {
        text_i18n.insert("zh-CN".to_string(), f("text_zh"));
    }
    Ok(QuestionInput {
        id: f("id"),
        text: f("text"),
        kind,
        min,
        max,
        indicator: Some(f("indicator")).filter(|i| !i.is_empty() && kind != QuestionType::Text),
        required,
        text_i18n,
    })
}
