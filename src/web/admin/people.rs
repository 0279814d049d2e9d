//! `/admin/people`: the people directory in the browser (CONTRACT §11). Admins search and page
//! through everyone in the org chart, see who manages whom, and edit a person's name, email,
//! manager, team, role and active flag with the API's own checks; a refusal is shown on that
//! person's line, in the reader's language, with what was typed kept. Deactivating asks for a
//! ticked box first. Every change is in the audit log.
use super::actor;
use crate::app::people::{self, Choices, PeoplePage, PersonEdit};
use crate::app::{self, App};
use crate::i18n::{DashText, IdentityText, fill, identity_text};
use crate::web::extract::{AdminForm, AdminViewer, SignedIn};
use crate::web::nav::{Nav, nav};
use crate::web::pages::{Html, app_error, not_found, status_of};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// One person's line: what is stored, and the form as it stands (typed, after a refusal).
struct Line {
    id: String,
    name: String,
    email: String,
    team: String,
    role: String,
    active: bool,
    manager: Option<(String, String)>,
    reports: Vec<(String, String)>,
    form: PersonEdit,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/people.html")]
struct Page<'a> {
    t: &'a DashText,
    id: &'a IdentityText,
    page_title: &'a str,
    nav: Nav,
    csrf: String,
    q: String,
    page: i64,
    count: String,
    page_of: String,
    prev: Option<String>,
    next: Option<String>,
    flash: Option<String>,
    lines: Vec<Line>,
    choices: Choices,
}

#[derive(Deserialize, Default)]
pub(super) struct PeopleQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
    /// The person just saved.
    saved: Option<String>,
}

fn list_url(lang: &str, q: &str, page: i64) -> String {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    format!("/admin/people?lang={lang}&q={q}&page={page}")
}

/// A refused edit: whose line, what they typed, and why.
struct Refused {
    form: PersonEdit,
    message: String,
    status: StatusCode,
}

async fn render(app: &App, who: &SignedIn, q: &str, page: i64, flash: Flash, refused: Option<Refused>) -> Response {
    let loaded = async { Ok::<_, app::Error>((people::page(app, q, page).await?, people::choices(app).await?)) };
    let (found, choices): (PeoplePage, Choices) = match loaded.await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    let (t, id) = (who.t, identity_text(who.locale));
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let mut refused = refused;
    let mut lines: Vec<Line> = found.lines.into_iter().map(line).collect();
    let mut flash = match flash {
        Flash::Saved(Some(saved)) => {
            let name = lines.iter().find(|l| l.id == saved).map_or(saved.as_str(), |l| l.name.as_str());
            Some(fill(id.saved, &[("name", name)]))
        }
        _ => None,
    };
    if let Some(r) = refused.take() {
        match lines.iter_mut().find(|l| l.id == r.form.id) {
            Some(l) => {
                l.form = r.form;
                l.error = Some(r.message);
            }
            None => flash = Some(r.message),
        }
    }
    let page = found.page;
    let body = Page {
        t,
        id,
        page_title: id.people_title,
        nav: nav(&who.viewer, t, "/admin"),
        csrf: who.viewer.csrf.clone(),
        count: fill(id.people_count, &[("n", &found.total.to_string())]),
        page_of: fill(id.page_of, &[("page", &page.to_string()), ("pages", &found.pages.to_string())]),
        prev: (page > 1).then(|| list_url(t.lang, q, page - 1)),
        next: (page < found.pages).then(|| list_url(t.lang, q, page + 1)),
        q: q.to_string(),
        page,
        flash,
        lines,
        choices,
    };
    (status, Html(body.render())).into_response()
}

fn line(l: people::PersonLine) -> Line {
    let p = l.person;
    let form = PersonEdit {
        id: p.id.clone(),
        name: p.name.clone(),
        email: p.email.clone(),
        manager: p.manager_id.clone().unwrap_or_default(),
        team: p.team.clone().unwrap_or_default(),
        role: p.role.clone().unwrap_or_default(),
        active: p.active,
    };
    Line {
        manager: p.manager_id.map(|m| (l.manager_name.clone().unwrap_or_else(|| m.clone()), m)),
        reports: l.reports,
        id: p.id,
        name: p.name,
        email: p.email,
        team: p.team.unwrap_or_default(),
        role: p.role.unwrap_or_default(),
        active: p.active,
        form,
        error: None,
    }
}

pub(super) async fn page(
    State(app): State<App>,
    AdminViewer(who): AdminViewer,
    Query(q): Query<PeopleQuery>,
) -> Response {
    render(&app, &who, &q.q, q.page.unwrap_or(1), Flash::Saved(q.saved), None).await
}

/// What the page says at its top.
enum Flash {
    /// The person saved just before (by id; the page names them).
    Saved(Option<String>),
    None,
}

#[derive(Deserialize)]
pub(super) struct EditForm {
    #[serde(default)]
    q: String,
    page: Option<i64>,
    name: String,
    email: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    role: String,
    active: Option<String>,
    /// The box that says "yes, deactivate".
    confirm: Option<String>,
}

pub(super) async fn edit(
    State(app): State<App>,
    Path(person): Path<String>,
    AdminForm(f): AdminForm<EditForm>,
) -> Response {
    let (who, form) = (f.who, f.form);
    let (lang, q, page) = (who.t.lang, form.q.clone(), form.page.unwrap_or(1));
    let edit = PersonEdit {
        id: person,
        name: form.name,
        email: form.email,
        manager: form.manager.trim().to_string(),
        team: form.team,
        role: form.role.trim().to_string(),
        active: form.active.is_some(),
    };
    let id = identity_text(who.locale);
    // The import records the change in the audit log, in its own transaction.
    let result = people::edit(&app, &actor(&who), &edit, form.confirm.is_some()).await;
    match result {
        Ok(_) => {
            let saved: String = url::form_urlencoded::byte_serialize(edit.id.as_bytes()).collect();
            Redirect::to(&format!("{}&saved={saved}#p-{saved}", list_url(lang, &q, page))).into_response()
        }
        Err(app::Error::NotFound { .. }) => not_found(who.locale),
        Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
            let refused = Refused { message: refusal(&e, who.locale, id), status: status_of(e.kind()), form: edit };
            render(&app, &who, &q, page, Flash::None, Some(refused)).await
        }
        Err(e) => app_error(e, who.locale),
    }
}

/// A refusal in the reader's words, by its code; this form's own wording where it says more.
fn refusal(e: &app::Error, locale: crate::domain::Locale, id: &'static IdentityText) -> String {
    match e.code() {
        // The only id this form takes is the manager's.
        "invalid_id" => id.err_invalid_id.to_string(),
        "not_confirmed" => id.deactivate_unconfirmed.to_string(),
        // One person: the sentence and the value it names, no row number.
        _ => crate::i18n::refusal(locale, e.code(), e.value()),
    }
}
