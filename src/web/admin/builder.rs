//! `/admin/surveys`: create, copy and edit surveys in the browser, without JavaScript. The
//! form is the survey as the API takes it, one block per question; "Add a question" posts the
//! form back with one more block. A survey that has invitations is frozen: editing it starts a
//! copy under a new id. Saving goes through the same use case as `POST /api/v1/surveys`.
use super::show_error;
use super::survey_fields::from_fields;
use crate::app::{self, App, surveys};
use crate::domain::survey::{QuestionInput, SurveyInput, SurveyKind};
use crate::i18n::DashText;
use crate::web::extract::{AdminForm, AdminViewer, SignedIn};
use crate::web::nav::{Nav, nav};
use crate::web::pages::{Html, app_error, refusal_text, status_of};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Question blocks a form may carry (the API's own limit).
pub(super) const MAX_BLOCKS: usize = crate::domain::survey::MAX_QUESTIONS;

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
    /// Choice options, one per line: `id | English | 中文`.
    options: String,
    multiple: bool,
    na: bool,
    /// Wording by relation: (relation, English, 中文).
    worded: Vec<(&'static str, String, String)>,
}

pub(super) const WORDED: [&str; 4] = ["self", "manager", "peer", "direct_report"];

#[derive(Template)]
#[template(path = "admin/survey_edit.html")]
struct EditPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    csrf: String,
    editing: String,
    error: Option<String>,
    note: Option<&'a str>,
    id: String,
    kind: String,
    title: String,
    title_zh: String,
    anonymous: bool,
    /// Indicator display names, one per line: `indicator | English | 中文`.
    indicator_names: String,
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
    let rows = match surveys::list_in(&app, who.locale).await {
        Ok(r) => r,
        Err(e) => return app_error(e, who.locale),
    };
    let t = who.t;
    let page = ListPage {
        t,
        page_title: t.surveys_title,
        nav: nav(&who.viewer, t, "/admin/surveys"),
        flash: q.saved.map(|id| crate::i18n::fill(t.survey_saved, &[("id", &id)])),
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
            indicator_names: BTreeMap::new(),
        };
        return render(&who, StatusCode::OK, &blank, "", None, None);
    };
    let (mut input, frozen) = match surveys::show(&app, &id).await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    // A frozen survey, or a copy asked for, is saved under a new id.
    let editing = if q.copy.is_some() || frozen { String::new() } else { input.id.clone() };
    let note = if q.copy.is_some() || frozen {
        input.id = format!("{}-copy", input.id);
        Some(if frozen { who.t.survey_frozen_note } else { who.t.survey_copy_note })
    } else {
        None
    };
    render(&who, StatusCode::OK, &input, &editing, None, note)
}

/// The survey's own fields of the form, as text.
struct Header {
    id: String,
    kind: String,
    title: String,
    title_zh: String,
    anonymous: bool,
    indicator_names: String,
}

/// The form for `s`; `editing` is the id of the survey it changes (empty for a new one or a
/// copy), so saving under another survey's id is refused instead of replacing it.
fn render(
    who: &SignedIn,
    status: StatusCode,
    s: &SurveyInput,
    editing: &str,
    error: Option<String>,
    note: Option<&str>,
) -> Response {
    let header = Header {
        id: s.id.clone(),
        kind: s.kind.as_str().to_string(),
        title: s.title.clone(),
        title_zh: s.title_i18n.get("zh-CN").cloned().unwrap_or_default(),
        anonymous: s.anonymous,
        indicator_names: s
            .indicator_names
            .iter()
            .map(|(i, n)| lines_entry(i, n.get("en"), n.get("zh-CN")))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let blocks = s.questions.iter().map(block_of).collect();
    page(who, status, header, blocks, editing, error, note)
}

fn page(
    who: &SignedIn,
    status: StatusCode,
    header: Header,
    mut blocks: Vec<Block>,
    editing: &str,
    error: Option<String>,
    note: Option<&str>,
) -> Response {
    let t = who.t;
    // Always one empty block to fill in: a new question.
    if blocks.len() < MAX_BLOCKS {
        let worded = WORDED.iter().map(|r| (*r, String::new(), String::new())).collect();
        blocks.push(Block { kind: "scale".into(), min: "1".into(), max: "5".into(), worded, ..Block::default() });
    }
    let Header { id, kind, title, title_zh, anonymous, indicator_names } = header;
    let page = EditPage {
        t,
        page_title: t.survey_edit_title,
        nav: nav(&who.viewer, t, "/admin/surveys/edit"),
        csrf: who.viewer.csrf.clone(),
        editing: editing.to_string(),
        error,
        note,
        id,
        kind,
        title,
        title_zh,
        anonymous,
        indicator_names,
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
        options: q
            .options
            .iter()
            .map(|o| lines_entry(&o.id, Some(&o.text), o.text_i18n.get("zh-CN")))
            .collect::<Vec<_>>()
            .join("\n"),
        multiple: q.multiple,
        na: q.na,
        worded: WORDED
            .iter()
            .map(|r| {
                let w = q.text_by_relation.get(*r);
                (
                    *r,
                    w.map(|w| w.text.clone()).unwrap_or_default(),
                    w.and_then(|w| w.text_i18n.get("zh-CN").cloned()).unwrap_or_default(),
                )
            })
            .collect(),
    }
}

/// `key | English | 中文`, the Chinese left out when there is none.
fn lines_entry(key: &str, en: Option<&String>, zh: Option<&String>) -> String {
    let mut line = format!("{key} | {}", en.map(String::as_str).unwrap_or_default());
    if let Some(zh) = zh {
        line.push_str(&format!(" | {zh}"));
    }
    line
}

#[derive(Deserialize)]
pub(super) struct SurveyForm {
    /// `save`, or `add` for one more question block.
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

pub(super) async fn save(State(app): State<App>, AdminForm(f): AdminForm<SurveyForm>) -> Response {
    let who = &f.who;
    let input = match from_fields(&f.form.fields) {
        Ok(i) => i,
        Err(e) => return show(who, &f.form.fields, e),
    };
    let editing = f.form.fields.get("editing").map(String::as_str).unwrap_or_default();
    if f.form.action == "add" {
        return render(who, StatusCode::OK, &input, editing, None, None);
    }
    if input.id != editing && surveys::show(&app, &input.id).await.is_ok() {
        let taken = crate::i18n::fill(who.t.survey_exists, &[("id", &input.id)]);
        return render(who, StatusCode::CONFLICT, &input, editing, Some(taken), None);
    }
    match surveys::save(&app, &super::actor(who), &input).await {
        Ok(_) => {
            Redirect::to(&format!("/admin/surveys?lang={}&saved={}", who.t.lang, urlencoded(&input.id))).into_response()
        }
        Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
            render(who, status_of(e.kind()), &input, editing, Some(refusal_text(&e, who.locale)), None)
        }
        Err(e) => show_error(&app, who, e).await,
    }
}

/// A form that could not even be read back into a survey (a type not chosen, a number that is
/// not one): shown again as typed, every block kept, naming the question at fault.
fn show(who: &SignedIn, fields: &HashMap<String, String>, at_fault: Option<usize>) -> Response {
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let header = Header {
        id: field("id"),
        kind: field("kind"),
        title: field("title"),
        title_zh: field("title_zh"),
        anonymous: fields.contains_key("anonymous"),
        indicator_names: field("indicator_names"),
    };
    let question = at_fault.map(|n| format!("{} {n}", who.t.question));
    let error = crate::i18n::refusal(who.locale, "invalid_survey", question.as_deref());
    let editing = fields.get("editing").map(String::as_str).unwrap_or_default();
    page(who, StatusCode::UNPROCESSABLE_ENTITY, header, typed_blocks(fields), editing, Some(error), None)
}

/// The question blocks as typed, the empty ones left out.
fn typed_blocks(fields: &HashMap<String, String>) -> Vec<Block> {
    let mut blocks = Vec::new();
    for k in 0..MAX_BLOCKS {
        let f = |name: &str| fields.get(&format!("q{k}_{name}")).cloned().unwrap_or_default();
        if !fields.contains_key(&format!("q{k}_id")) {
            break;
        }
        if f("id").trim().is_empty() && f("text").trim().is_empty() {
            continue;
        }
        let ticked = |name: &str| fields.contains_key(&format!("q{k}_{name}"));
        blocks.push(Block {
            id: f("id"),
            kind: f("type"),
            text: f("text"),
            text_zh: f("text_zh"),
            min: f("min"),
            max: f("max"),
            indicator: f("indicator"),
            required: ticked("required"),
            options: f("options"),
            multiple: ticked("multiple"),
            na: ticked("na"),
            worded: WORDED.iter().map(|r| (*r, f(r), f(&format!("{r}_zh")))).collect(),
        });
    }
    blocks
}

fn urlencoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
