//! `/admin`: run a whole cycle from the browser. Admins only (others get 404); every form
//! carries the session's CSRF token; the actions call the same code as the API.
use super::auth::{LangQuery, Refused, SignedIn, check_csrf, locale_for};
use super::dash_i18n::{DashText, dash_text};
use super::dashboard::{Nav, nav, urlencode};
use super::pages::Html;
use crate::api::invitations::{Deliver, create_invitations};
use crate::api::launch::{AllKeyword, Peers, Subjects, launch_reviews, queue_reminders};
use crate::config::Scope;
use crate::db::invitations::{NewInvitation, Respondent};
use crate::db::sessions::Viewer;
use crate::domain::{Relation, time};
use crate::error::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/cycles", post(create_cycle))
        .route("/admin/cycles/{cycle}/{action}", post(cycle_action))
        .route("/admin/import", post(super::admin_import::preview))
        .route("/admin/import/confirm", post(super::admin_import::confirm))
        .route("/admin/keys", post(create_key))
        .route("/admin/webhooks", post(create_webhook))
}

pub(super) fn admin_only(viewer: &Viewer) -> Result<(), Refused> {
    if viewer.is_admin { Ok(()) } else { Err(Refused::NotFound) }
}

#[derive(Template)]
#[template(path = "admin/admin.html")]
struct AdminPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    nav: Nav,
    csrf: String,
    flash: Option<String>,
    new_key: Option<String>,
    cycles: Vec<crate::db::admin::CycleProgress>,
    peer_surveys: Vec<(String, String)>,
    customer_surveys: Vec<(String, String)>,
    keys: Vec<(String, String)>,
    webhooks: Vec<String>,
    preview: Option<super::admin_import::Preview>,
}

#[derive(Deserialize, Default)]
struct AdminQuery {
    lang: Option<String>,
    done: Option<String>,
    error: Option<String>,
}

pub(super) async fn render(
    state: &AppState,
    viewer: &Viewer,
    t: &DashText,
    flash: Option<String>,
    new_key: Option<String>,
    preview: Option<super::admin_import::Preview>,
) -> Response {
    let pool = &state.db.pool;
    let loaded = async {
        let cycles = crate::db::admin::cycles(pool, time::now()).await?;
        let surveys = crate::db::admin::surveys(pool).await?;
        let keys = crate::db::admin::api_keys(pool).await?;
        let hooks = crate::db::webhooks::list(&state.db).await?;
        Ok::<_, sqlx::Error>((cycles, surveys, keys, hooks))
    };
    let (cycles, surveys, keys, hooks) = match loaded.await {
        Ok(x) => x,
        Err(e) => return super::pages::db_error(e, super::i18n::text(crate::domain::Locale::En)),
    };
    let pick = |kind: &str| surveys.iter().filter(|s| s.1 == kind).map(|s| (s.0.clone(), s.2.clone())).collect();
    let status =
        if preview.as_ref().is_some_and(|p| !p.ok) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AdminPage {
        t,
        page_title: t.admin_title,
        nav: nav(viewer, t, "/admin"),
        csrf: viewer.csrf.clone(),
        flash,
        new_key,
        cycles,
        peer_surveys: pick("peer"),
        customer_surveys: pick("customer"),
        keys,
        webhooks: hooks.into_iter().map(|h| h.url).collect(),
        preview,
    };
    (status, Html(page.render())).into_response()
}

async fn page(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<AdminQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = admin_only(&viewer) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang: q.lang }, viewer.locale.as_deref(), &headers));
    let flash = q.error.or(q.done.map(|d| format!("{} {d}", t.done)));
    render(&state, &viewer, t, flash, None, None).await
}

pub(super) fn back(t: &DashText, result: Result<String, ApiError>) -> Response {
    let to = match result {
        Ok(done) => format!("/admin?lang={}&done={}", t.lang, urlencode(&done)),
        Err(e) => format!("/admin?lang={}&error={}", t.lang, urlencode(&e.message)),
    };
    Redirect::to(&to).into_response()
}

#[derive(Deserialize)]
struct CycleForm {
    csrf: String,
    id: String,
    title: String,
    opens: String,
    closes: String,
    min_raters: Option<i64>,
    lang: Option<String>,
}

async fn create_cycle(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(f): Form<CycleForm>,
) -> Response {
    if let Err(r) = admin_only(&viewer).and_then(|_| check_csrf(&viewer, &f.csrf)) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang: f.lang.clone() }, viewer.locale.as_deref(), &headers));
    let input = serde_json::json!({"id": f.id.trim(), "title": f.title, "opens_at": format!("{}T00:00:00Z", f.opens),
        "closes_at": format!("{}T23:59:59Z", f.closes), "min_raters": f.min_raters.unwrap_or(3)});
    let result = match serde_json::from_value(input) {
        Ok(input) => {
            crate::api::cycles::save_cycle(&state, &input).await.map(|_| format!("{} {}", t.create_cycle, f.id))
        }
        Err(e) => Err(ApiError::invalid("invalid_cycle", e.to_string())),
    };
    back(t, result)
}

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    survey: Option<String>,
    peers: Option<String>,
    lang: Option<String>,
}

async fn cycle_action(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((cycle, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Response {
    if let Err(r) = admin_only(&viewer).and_then(|_| check_csrf(&viewer, &f.csrf)) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang: f.lang.clone() }, viewer.locale.as_deref(), &headers));
    let survey = f.survey.clone().unwrap_or_default();
    let result = match action.as_str() {
        "launch" => {
            let peers = if f.peers.is_some() { Peers::Team } else { Peers::None };
            launch_reviews(&state, &cycle, &survey, &Subjects::All(AllKeyword::All), peers, Deliver::Email)
                .await
                .map(|c| format!("{}: {} + {}", t.launch, c.created, c.existing))
        }
        "invite-customers" => {
            invite_customers(&state, &cycle, &survey).await.map(|n| format!("{}: {n}", t.invite_customers))
        }
        "remind" => queue_reminders(&state, &cycle).await.map(|q| format!("{}: {}", t.remind, q.queued)),
        "close" => match crate::db::cycles::close(&state.db, &cycle, time::now()).await {
            Ok(_) => {
                state.outbox_wake.notify_one();
                Ok(format!("{}: {cycle}", t.close))
            }
            Err(e) => Err(e.into()),
        },
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    back(t, result)
}

async fn invite_customers(state: &AppState, cycle: &str, survey: &str) -> Result<usize, ApiError> {
    let rows: Vec<NewInvitation> = crate::db::admin::owned_customers(&state.db.pool)
        .await?
        .into_iter()
        .map(|(customer, owner)| NewInvitation {
            survey_id: survey.to_string(),
            subject_id: owner,
            relation: Relation::Customer,
            respondent: Respondent::Customer(customer),
        })
        .collect();
    create_invitations(state, cycle, rows, Deliver::Email).await.map(|c| c.created)
}

#[derive(Deserialize)]
struct KeyForm {
    csrf: String,
    name: String,
    scope: String,
    lang: Option<String>,
}

async fn create_key(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(f): Form<KeyForm>,
) -> Response {
    if let Err(r) = admin_only(&viewer).and_then(|_| check_csrf(&viewer, &f.csrf)) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang: f.lang.clone() }, viewer.locale.as_deref(), &headers));
    let (Some(scope), Ok(name)) = (Scope::parse(&f.scope), crate::domain::id::parse_label(&f.name, "name", 100)) else {
        return back(t, Err(ApiError::invalid("invalid_key", "a key needs a name and the scope admin or scores")));
    };
    match crate::db::api_keys::create(&state.db.pool, &name, scope).await {
        // Shown once, in this answer only; never in a URL.
        Ok(key) => render(&state, &viewer, t, None, Some(key.key), None).await,
        Err(e) => back(t, Err(e.into())),
    }
}

#[derive(Deserialize)]
struct WebhookForm {
    csrf: String,
    url: String,
    secret: String,
    lang: Option<String>,
}

async fn create_webhook(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(f): Form<WebhookForm>,
) -> Response {
    if let Err(r) = admin_only(&viewer).and_then(|_| check_csrf(&viewer, &f.csrf)) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang: f.lang.clone() }, viewer.locale.as_deref(), &headers));
    let ok = url::Url::parse(&f.url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        && (16..=256).contains(&f.secret.len());
    if !ok {
        return back(t, Err(ApiError::invalid("invalid_webhook", "url must be http(s); secret 16 to 256 characters")));
    }
    let result =
        crate::db::webhooks::create(&state.db, &f.url, &f.secret, time::now()).await.map(|_| t.add_webhook.to_string());
    back(t, result.map_err(Into::into))
}
