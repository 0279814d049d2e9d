//! `/admin`: run a whole cycle from the browser. Admins only (others get 404); every form
//! carries the session's CSRF token; the actions call the same use cases as the API. A
//! success redirects with a fixed key (`?done=launched&n=5`), never with text; an error is
//! shown on the page itself, as an error.
mod access;
mod audit;
mod builder;
mod days;
mod hooks;
mod import;
mod people;
mod raters;
mod weights;
use crate::app::cycles::{CycleInput, CycleProgress};
use crate::app::invitations::{AllKeyword, Deliver, SmallGroup, Subjects};
use crate::app::{self, App, cycles, integrations, invitations, surveys};
use crate::domain::calendar::Calendar;
use crate::domain::reviews::Peers;
use crate::i18n::DashText;
use crate::web::WebState;
use crate::web::extract::{AdminForm, AdminViewer, SignedIn};
use crate::web::nav::{Nav, nav};
use crate::web::pages::{Html, app_error};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use import::Preview;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/cycles", post(create_cycle))
        .route("/admin/cycles/{cycle}/{action}", post(cycle_action))
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
        .route("/admin/schedules", post(create_schedule))
        .route("/admin/schedules/{schedule}/delete", post(delete_schedule))
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
}

pub(super) async fn render(app: &App, who: &SignedIn, status: StatusCode, notice: Notice) -> Response {
    let loaded = async {
        let cycles = cycles::overview(app).await?;
        let surveys = surveys::list(app).await?;
        let keys = integrations::keys(app).await?;
        let hooks = hooks::views(app, integrations::webhooks(app).await?).await?;
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
    let sentence = match key {
        "launched" => Some(t.launched_done),
        "invited" => Some(t.invited_done),
        "reminded" => Some(t.reminded_done),
        "closed" => Some(t.closed_done),
        "key_revoked" => Some(t.key_revoked),
        "admin_removed" => Some(t.admin_removed),
        "signed_out" => Some(t.sessions_ended),
        "customer_erased" => Some(t.customer_erased),
        _ => None,
    };
    if let Some(s) = sentence {
        return Some(s.replace("{n}", &count));
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
    show_error(app, who, app::Error::invalid("not_confirmed", who.t.not_confirmed)).await
}

/// Input and state problems are shown on the admin page; anything else gets its error page.
pub(super) async fn show_error(app: &App, who: &SignedIn, e: app::Error) -> Response {
    let status = match &e {
        app::Error::Invalid { .. } | app::Error::InvalidRows(_) => StatusCode::UNPROCESSABLE_ENTITY,
        app::Error::Conflict { .. } => StatusCode::CONFLICT,
        app::Error::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => return app_error(e, who.locale),
    };
    let message = match &e {
        app::Error::InvalidRows(rows) => rows.first().map(|p| p.message.clone()).unwrap_or_else(|| e.to_string()),
        _ => e.to_string(),
    };
    render(app, who, status, Notice { error: Some(message), ..Notice::default() }).await
}

#[derive(Deserialize)]
struct CycleForm {
    id: String,
    title: String,
    /// The title in Chinese; empty for none.
    #[serde(default)]
    title_zh: String,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`; empty for none.
    #[serde(default)]
    period: String,
    opens: String,
    closes: String,
    min_raters: Option<i64>,
    /// How the 360 groups weigh in each indicator's total; empty means 1.
    #[serde(default)]
    weight_manager: String,
    #[serde(default)]
    weight_peer: String,
    #[serde(default)]
    weight_direct_report: String,
    /// Reminder schedule: every N days, at most M reminders; empty for none.
    #[serde(default)]
    remind_every_days: String,
    #[serde(default)]
    max_reminders: String,
}

/// An optional number typed in a form: empty is none; anything else must parse.
fn optional_number<T: std::str::FromStr>(raw: &str, field: &str) -> app::Result<Option<T>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| app::Error::invalid("invalid_cycle", format!("{field}: {raw:?} is not a number")))
}

/// The form's days are local days (CONTRACT §15).
fn cycle_input(form: CycleForm, calendar: &Calendar) -> app::Result<CycleInput> {
    let weight = |raw: &str, field| optional_number::<f64>(raw, field).map(|w| w.unwrap_or(1.0));
    let (opens_at, closes_at) = days::instants(calendar, &form.opens, &form.closes)?;
    Ok(CycleInput {
        id: form.id.trim().to_string(),
        title: form.title,
        title_i18n: Some(form.title_zh.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(|t| [("zh-CN".to_string(), t)].into())
            .unwrap_or_default(),
        period: Some(form.period.trim().to_string()).filter(|p| !p.is_empty()),
        opens_at,
        closes_at,
        min_raters: Some(form.min_raters.unwrap_or(3)),
        weights: Some(crate::app::cycles::WeightsInput {
            manager: weight(&form.weight_manager, "manager weight")?,
            peer: weight(&form.weight_peer, "peer weight")?,
            direct_report: weight(&form.weight_direct_report, "direct report weight")?,
        }),
        weights_by_role: None,
        remind_every_days: optional_number(&form.remind_every_days, "remind every (days)")?,
        max_reminders: optional_number(&form.max_reminders, "reminders at most")?,
    })
}

async fn create_cycle(State(app): State<App>, AdminForm(f): AdminForm<CycleForm>) -> Response {
    let input = match cycle_input(f.form, &app.calendar) {
        Ok(i) => i,
        Err(e) => return show_error(&app, &f.who, e).await,
    };
    let result = cycles::create(&app, &actor(&f.who), &input).await.map(|_| ("cycle_created", None));
    back(&app, &f.who, result).await
}

#[derive(Deserialize)]
struct ActionForm {
    survey: Option<String>,
    peers: Option<String>,
    /// Closing and reminding ask for this box to be ticked.
    confirm: Option<String>,
}

async fn cycle_action(
    State(app): State<App>,
    Path((cycle, action)): Path<(String, String)>,
    AdminForm(f): AdminForm<ActionForm>,
) -> Response {
    let survey = f.form.survey.clone().unwrap_or_default();
    if matches!(action.as_str(), "remind" | "close") && f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let by = actor(&f.who);
    let result = match action.as_str() {
        "launch" => {
            let peers = match f.form.peers.as_deref() {
                Some("team") => Peers::Team,
                Some("nominated") => Peers::Nominated,
                _ => Peers::None,
            };
            let all = Subjects::All(AllKeyword::All);
            let what = invitations::Launch { survey: &survey, subjects: &all, peers, rule: Default::default() };
            match invitations::launch(&app, &by, &cycle, what, Deliver::Email).await {
                Ok(c) if !c.too_small.is_empty() => {
                    let note = too_small_note(&f.who, &c.too_small);
                    let notice = Notice {
                        flash: Some(f.who.t.launched_done.replace("{n}", &c.created.to_string())),
                        error: Some(note),
                        ..Notice::default()
                    };
                    return render(&app, &f.who, StatusCode::OK, notice).await;
                }
                other => other.map(|c| ("launched", Some(c.created))),
            }
        }
        "invite-customers" => invitations::invite_customers(&app, &by, &cycle, &survey, &Default::default())
            .await
            .map(|c| ("invited", Some(c.created))),
        "remind" => app::reminders::remind(&app, &by, &cycle).await.map(|q| ("reminded", Some(q.queued))),
        "close" => cycles::close(&app, &by, &cycle).await.map(|_| ("closed", None)),
        _ => return crate::web::pages::not_found(f.who.locale),
    };
    back(&app, &f.who, result).await
}

/// Which launched subjects' anonymous groups can never be shown, and why.
fn too_small_note(who: &SignedIn, groups: &[SmallGroup]) -> String {
    let t = who.t;
    let list: Vec<String> = groups
        .iter()
        .map(|g| {
            let relation = crate::i18n::relation_label(who.locale, g.relation.as_str());
            format!("{} ({relation}{}{}/{})", g.subject, t.colon, g.raters, g.min_raters)
        })
        .collect();
    format!("{} {}", t.too_small, list.join(", "))
}

#[derive(Deserialize)]
struct WebhookForm {
    url: String,
    secret: String,
}

async fn create_webhook(State(app): State<App>, AdminForm(f): AdminForm<WebhookForm>) -> Response {
    let result = integrations::create_webhook(&app, &actor(&f.who), &f.form.url, &f.form.secret)
        .await
        .map(|_| ("webhook_added", None));
    back(&app, &f.who, result).await
}

#[derive(Deserialize)]
struct ScheduleForm {
    id: String,
    title: String,
    every: String,
    survey: String,
    invite: String,
    open_days: i64,
    min_raters: Option<i64>,
    /// Ticked on the preview: a schedule is saved only once its first run has been seen.
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/schedule_confirm.html")]
struct ScheduleConfirm<'a> {
    t: &'a DashText,
    nav: Nav,
    page_title: &'a str,
    summary: String,
    fields: Vec<(&'static str, String)>,
}

async fn create_schedule(State(app): State<App>, AdminForm(f): AdminForm<ScheduleForm>) -> Response {
    let form = f.form;
    let input = app::schedules::ScheduleInput {
        id: form.id.trim().to_string(),
        title: form.title,
        every: form.every,
        survey: form.survey,
        invite: form.invite,
        peers: Some(Peers::Team),
        open_days: form.open_days,
        min_raters: form.min_raters,
    };
    if form.confirm.is_none() {
        return match app::schedules::preview(&app, &input).await {
            Ok(next) => schedule_preview(&f.who, &input, &next, &app.calendar),
            Err(e) => show_error(&app, &f.who, e).await,
        };
    }
    let result = app::schedules::save(&app, &actor(&f.who), &input).await.map(|_| ("schedule_added", None));
    back(&app, &f.who, result).await
}

/// What the schedule will do first, and the same form again with the box to confirm it.
fn schedule_preview(
    who: &SignedIn,
    input: &app::schedules::ScheduleInput,
    next: &app::schedule_next::Next,
    calendar: &Calendar,
) -> Response {
    let t = who.t;
    let now = crate::domain::time::now();
    let opens = crate::domain::time::parse_rfc3339(&next.opens_at, "opens_at").unwrap_or(now);
    let when = match opens <= now {
        true => t.schedule_now.to_string(),
        false => crate::i18n::fill(t.schedule_on, &[("day", &calendar.day(opens))]),
    };
    let summary =
        crate::i18n::fill(t.schedule_next, &[("cycle", &next.cycle), ("when", &when), ("n", &next.people.to_string())]);
    let fields = vec![
        ("id", input.id.clone()),
        ("title", input.title.clone()),
        ("every", input.every.clone()),
        ("survey", input.survey.clone()),
        ("invite", input.invite.clone()),
        ("open_days", input.open_days.to_string()),
        ("min_raters", input.min_raters.map(|n| n.to_string()).unwrap_or_default()),
    ];
    // An empty number is no number: left out, as the form leaves it out.
    let fields = fields.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let page = ScheduleConfirm { t, nav: nav(&who.viewer, t, "/admin"), page_title: t.schedule_check, summary, fields };
    Html(page.render()).into_response()
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    /// The box that says "yes": deleting needs it ticked.
    pub(super) confirm: Option<String>,
}

async fn delete_schedule(
    State(app): State<App>,
    Path(id): Path<String>,
    AdminForm(f): AdminForm<ConfirmForm>,
) -> Response {
    if f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let result = app::schedules::delete(&app, &actor(&f.who), &id).await.map(|_| ("schedule_deleted", None));
    back(&app, &f.who, result).await
}
