//! `/admin`: run a whole cycle from the browser. Admins only (others get 404); every form
//! carries the session's CSRF token; the actions call the same use cases as the API. A
//! success redirects with a fixed key (`?done=launched&n=5`), never with text; an error is
//! shown on the page itself, as an error.
mod access;
mod audit;
mod builder;
mod cycle_forms;
mod days;
mod hooks;
mod import;
mod people;
mod raters;
mod schedules;
mod survey_fields;
mod typed;
mod weights;
use crate::app::cycles::CycleProgress;
use crate::app::{self, App, cycles, integrations, surveys};
use crate::domain::calendar::Calendar;
use crate::i18n::DashText;
use crate::web::WebState;
use crate::web::extract::{AdminForm, AdminViewer, SignedIn};
use crate::web::nav::{Nav, nav};
use crate::web::pages::{Html, app_error, refusal_text, status_of};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use import::Preview;
use serde::Deserialize;
use typed::Typed;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/cycles", post(cycle_forms::create_cycle))
        .route("/admin/cycles/{cycle}/{action}", post(cycle_forms::cycle_action))
        .route("/admin/cycles/{cycle}/raters", get(raters::page))
        .route("/admin/cycles/{cycle}/weights", post(weights::save))
        .route("/admin/audit", get(audit::page))
        .route(
            "/admin/surveys",
            get(builder::list)
                .post(builder::save)
                .layer(axum::extract::DefaultBodyLimit::max(crate::web::LARGE_FORM_BYTES)),
        )
        .route("/admin/surveys/edit", get(builder::edit))
        .route("/admin/cycles/{cycle}/raters/{person}/remind", post(raters::remind))
        .route(
            "/admin/import",
            post(import::preview).layer(axum::extract::DefaultBodyLimit::max(import::MAX_UPLOAD_BYTES)),
        )
        .route("/admin/import/confirm", post(import::confirm))
        .route("/admin/keys", post(access::create_key))
        .route("/admin/keys/{key}/revoke", post(access::revoke_key))
        .route("/admin/people", get(people::page))
        .route("/admin/people/{person}/edit", post(people::edit))
        .route("/admin/people/{person}/{action}", post(access::person_action))
        .route("/admin/people/sign-out", post(access::sign_out_person))
        .route("/admin/customers/erase", post(access::erase_customer))
        .route("/admin/cycles/{cycle}/invitation", post(raters::invitation))
        .route("/admin/webhooks", post(create_webhook))
        .route("/admin/webhooks/{id}/test", post(hooks::test))
        .route("/admin/schedules", post(schedules::create))
        .route("/admin/schedules/{schedule}/delete", post(schedules::delete))
}

/// An API key as the page lists it.
struct KeyLine {
    id: String,
    name: String,
    scope: String,
    created: String,
    last_used: String,
}

fn key_lines(keys: Vec<integrations::KeyRow>, t: &DashText, calendar: &Calendar) -> Vec<KeyLine> {
    let day = |secs: i64| calendar.day(secs);
    keys.into_iter()
        .map(|k| KeyLine {
            created: day(k.created_at),
            last_used: k.last_used_at.map(day).unwrap_or_else(|| t.never.to_string()),
            id: k.id,
            name: k.name,
            scope: k.scope,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/admin.html")]
struct AdminPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    csrf: String,
    flash: Option<String>,
    error: Option<String>,
    new_key: Option<String>,
    cycles: Vec<CycleProgress>,
    peer_surveys: Vec<(String, String)>,
    customer_surveys: Vec<(String, String)>,
    keys: Vec<KeyLine>,
    admins: Vec<(String, String, String)>,
    me: String,
    webhooks: Vec<hooks::HookView>,
    schedules: Vec<crate::app::schedules::ScheduleView>,
    preview: Option<Preview>,
    /// The link to the people directory.
    people_link: &'a str,
    /// What a refused form had typed, shown back in its fields.
    typed: Typed,
    /// The cycle form's day labels and hint, naming the organisation's zone.
    days: days::DayLabels,
}

/// What the page shows besides its lists.
#[derive(Default)]
pub(super) struct Notice {
    pub flash: Option<String>,
    pub error: Option<String>,
    pub new_key: Option<String>,
    pub preview: Option<Preview>,
    pub typed: Typed,
}

pub(super) async fn render(app: &App, who: &SignedIn, status: StatusCode, notice: Notice) -> Response {
    let loaded = async {
        let mut cycles = cycles::overview(app).await?;
        // Each cycle by its title in the reader's language.
        for c in &mut cycles {
            c.title = crate::domain::cycle::title_in(&c.title, &c.title_i18n, who.locale).to_string();
        }
        let surveys = surveys::list_in(app, who.locale).await?;
        let keys = integrations::keys(app).await?;
        let hooks = hooks::views(app, who.t, integrations::webhooks(app).await?).await?;
        let schedules = app::schedules::list(app).await?;
        let admins = app::accounts::admins(app).await?;
        Ok::<_, app::Error>((cycles, surveys, keys, hooks, schedules, admins))
    };
    let (cycles, surveys, keys, hooks, schedules, admins) = match loaded.await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    let t = who.t;
    let pick = |kind: &str| surveys.iter().filter(|s| s.1 == kind).map(|s| (s.0.clone(), s.2.clone())).collect();
    let page = AdminPage {
        t,
        page_title: t.admin_title,
        nav: nav(&who.viewer, t, "/admin"),
        csrf: who.viewer.csrf.clone(),
        flash: notice.flash,
        error: notice.error,
        new_key: notice.new_key,
        cycles,
        peer_surveys: pick("peer"),
        customer_surveys: pick("customer"),
        keys: key_lines(keys, t, &app.calendar),
        admins,
        me: who.viewer.person_id.clone(),
        webhooks: hooks,
        schedules,
        preview: notice.preview,
        people_link: crate::i18n::identity_text(who.locale).people_title,
        typed: notice.typed,
        days: days::DayLabels::new(t, &app.calendar),
    };
    (status, Html(page.render())).into_response()
}

#[derive(Deserialize, Default)]
struct AdminQuery {
    done: Option<String>,
    n: Option<usize>,
}

/// The words for a `?done=` key; unknown keys say nothing.
fn done_text(t: &DashText, key: &str, n: Option<usize>) -> Option<String> {
    let count = n.unwrap_or(0).to_string();
    let counted = match key {
        "launched" => Some(t.launched_done),
        "invited" => Some(t.invited_done),
        "reminded" => Some(t.reminded_done),
        _ => None,
    };
    if let Some(m) = counted {
        return Some(crate::i18n::fill(m, &[("n", &count)]));
    }
    let sentence = match key {
        "closed" => Some(t.closed_done),
        "key_revoked" => Some(t.key_revoked),
        "admin_removed" => Some(t.admin_removed),
        "signed_out" => Some(t.sessions_ended),
        "customer_erased" => Some(t.customer_erased),
        _ => None,
    };
    if let Some(s) = sentence {
        return Some(s.to_string());
    }
    let label = match key {
        "cycle_created" => t.create_cycle,
        "imported" => t.import_title,
        "webhook_added" => t.add_webhook,
        "webhook_tested" => t.test_webhook,
        "schedule_added" => t.add_schedule,
        "schedule_deleted" => t.delete,
        _ => return None,
    };
    Some(match n {
        Some(n) => format!("{} {label}{}{n}", t.done, t.colon),
        None => format!("{} {label}", t.done),
    })
}

async fn page(State(app): State<App>, AdminViewer(who): AdminViewer, Query(q): Query<AdminQuery>) -> Response {
    let flash = q.done.as_deref().and_then(|d| done_text(who.t, d, q.n));
    render(&app, &who, StatusCode::OK, Notice { flash, ..Notice::default() }).await
}

/// After an action (which the use case recorded in the audit log): a redirect that names what
/// was done, or the page with the error on it.
pub(super) async fn back(app: &App, who: &SignedIn, result: app::Result<(&'static str, Option<usize>)>) -> Response {
    match result {
        Ok((key, n)) => done(who, key, n),
        Err(e) => show_error(app, who, e).await,
    }
}

/// Who did something on an admin page, for the audit log.
pub(super) fn actor(who: &SignedIn) -> crate::app::audit::Actor {
    crate::app::audit::Actor::Person(who.viewer.person_id.clone())
}

/// Back to the admin page saying what was done (`key`, with its count).
pub(super) fn done(who: &SignedIn, key: &str, n: Option<usize>) -> Response {
    let count = n.map(|n| format!("&n={n}")).unwrap_or_default();
    Redirect::to(&format!("/admin?lang={}&done={key}{count}", who.t.lang)).into_response()
}

/// A destructive action whose "yes, really" box was not ticked: nothing is done, the page says so.
pub(super) async fn not_confirmed(app: &App, who: &SignedIn) -> Response {
    show_error(app, who, unconfirmed()).await
}

/// The refusal of an action whose confirmation box was not ticked.
pub(super) fn unconfirmed() -> app::Error {
    app::Error::invalid("not_confirmed", "tick the box to confirm; nothing was changed")
}

/// Input and state problems are shown on the admin page, in its language; anything else gets
/// its error page.
pub(super) async fn show_error(app: &App, who: &SignedIn, e: app::Error) -> Response {
    show_error_with(app, who, e, Notice::default()).await
}

/// [`show_error`] with the rest of the page's notice (what a form had typed, say).
pub(super) async fn show_error_with(app: &App, who: &SignedIn, e: app::Error, notice: Notice) -> Response {
    match e.kind() {
        app::Kind::Invalid | app::Kind::Conflict | app::Kind::NotFound => {
            let error = Some(refusal_text(&e, who.locale));
            render(app, who, status_of(e.kind()), Notice { error, ..notice }).await
        }
        _ => app_error(e, who.locale),
    }
}

#[derive(Deserialize)]
struct WebhookForm {
    url: String,
    secret: String,
}

async fn create_webhook(State(app): State<App>, AdminForm(f): AdminForm<WebhookForm>) -> Response {
    match integrations::create_webhook(&app, &actor(&f.who), &f.form.url, &f.form.secret).await {
        Ok(_) => back(&app, &f.who, Ok(("webhook_added", None))).await,
        // The address comes back; the secret is typed again, never written into a page.
        Err(e) => {
            let typed = Typed::new("webhook", vec![("url", f.form.url)]);
            show_error_with(&app, &f.who, e, Notice { typed, ..Notice::default() }).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    /// The box that says "yes": deleting needs it ticked.
    pub(super) confirm: Option<String>,
}
