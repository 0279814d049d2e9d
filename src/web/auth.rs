//! Sign-in by emailed link, sessions in an HttpOnly cookie, CSRF tokens on every form.
use super::dash_i18n::{DashText, dash_text};
use super::pages::Html;
use crate::db::sessions::{self, SESSION_SECONDS, Viewer};
use crate::domain::{EmailAddress, Locale, Token};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

const COOKIE: &str = "candor_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(request_link))
        .route("/login/{token}", get(link_page).post(use_link))
        .route("/logout", post(logout))
}

fn session_token(headers: &HeaderMap) -> Option<Token> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")).and_then(Token::parse))
}

/// The signed-in person; pages that need one redirect to `/login` without it.
pub struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(&parts.headers) else {
            return Err(Redirect::to("/login").into_response());
        };
        match sessions::viewer(&state.db, &token).await {
            Ok(Some(v)) => Ok(SignedIn(v)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(super::pages::db_error(e, super::i18n::text(Locale::En))),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// `?lang=` first, then the person's locale, then the browser's.
pub fn locale_for(q: &LangQuery, stored: Option<&str>, headers: &HeaderMap) -> Locale {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    q.lang.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_else(|| Locale::choose(stored, accept))
}

/// Why a signed-in request is turned away.
#[derive(Debug, Clone, Copy)]
pub enum Refused {
    /// Out of the viewer's reach: answered exactly like an unknown page.
    NotFound,
    /// The form's CSRF token is not the session's.
    StaleForm,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotFound => StatusCode::NOT_FOUND.into_response(),
            Refused::StaleForm => {
                (StatusCode::FORBIDDEN, "This form has expired: go back, reload the page and try again.")
                    .into_response()
            }
        }
    }
}

/// Refuses a state-changing form whose CSRF token is not the session's.
pub fn check_csrf(viewer: &Viewer, presented: &str) -> Result<(), Refused> {
    if bool::from(presented.as_bytes().ct_eq(viewer.csrf.as_bytes())) && !presented.is_empty() {
        Ok(())
    } else {
        Err(Refused::StaleForm)
    }
}

#[derive(Template)]
#[template(path = "login/login.html")]
struct LoginPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    sent: bool,
}

#[derive(Template)]
#[template(path = "login/link.html")]
struct LinkPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    action: String,
}

#[derive(Template)]
#[template(path = "login/message.html")]
struct MessagePage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    body: &'a str,
}

fn message(status: StatusCode, t: &DashText, title: &str, body: &str) -> Response {
    let mut res = (status, Html(MessagePage { t, page_title: title, body }.render())).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn login_page(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let t = dash_text(locale_for(&q, None, &headers));
    Html(LoginPage { t, page_title: t.login_title, sent: false }.render()).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
}

/// The same answer whether or not the address belongs to someone: no account enumeration.
async fn request_link(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = dash_text(locale_for(&q, None, &headers));
    if state.login_limiter.is_blocked(addr.ip()) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.login_title, super::i18n::text(Locale::En).too_many_body);
    }
    state.login_limiter.record_miss(addr.ip());
    if let Ok(email) = EmailAddress::parse(&form.email) {
        match sessions::person_by_email(&state.db, email.as_str()).await {
            Ok(Some((id, _))) => {
                if let Err(e) = sessions::queue_login_email(&state.db, &id).await {
                    tracing::error!(error = %e, "could not queue a login email");
                }
                state.outbox_wake.notify_one();
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "login lookup failed"),
        }
    }
    Html(LoginPage { t, page_title: t.login_title, sent: true }.render()).into_response()
}

async fn link_page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let t = dash_text(locale_for(&q, None, &headers));
    let live = match Token::parse(&raw) {
        Some(token) => sessions::login_link_is_live(&state.db, &token).await.unwrap_or(false),
        None => false,
    };
    if !live {
        return message(StatusCode::GONE, t, t.link_dead_title, t.link_dead_body);
    }
    let mut res =
        Html(LinkPage { t, page_title: t.sign_in_title, action: format!("/login/{raw}") }.render()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

async fn use_link(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let t = dash_text(locale_for(&q, None, &headers));
    let session = match Token::parse(&raw) {
        Some(token) => match sessions::sign_in(&state.db, &token).await {
            Ok(s) => s,
            Err(e) => return super::pages::db_error(e, super::i18n::text(Locale::En)),
        },
        None => None,
    };
    let Some(session) = session else {
        return message(StatusCode::GONE, t, t.link_dead_title, t.link_dead_body);
    };
    let secure = if state.config.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie =
        format!("{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}", session.as_str());
    let mut res = Redirect::to("/dashboard").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = check_csrf(&viewer, &form.csrf) {
        return refused.into_response();
    }
    if let Some(token) = session_token(&headers)
        && let Err(e) = sessions::sign_out(&state.db, &token).await
    {
        tracing::error!(error = %e, "sign-out failed");
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("candor_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}
