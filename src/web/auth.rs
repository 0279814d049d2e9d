//! Sign-in by emailed link and sessions in an HttpOnly cookie.
use super::WebState;
use super::extract::{CsrfFields, CsrfForm, PageLocale, SESSION_COOKIE, session_token};
use super::pages::{Html, app_error};
use crate::app::accounts::{self, SESSION_SECONDS};
use crate::i18n::{DashText, dash_text, text};
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/login", get(login_page).post(request_link))
        .route("/login/{token}", get(link_page).post(use_link))
        .route("/logout", post(logout))
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

async fn login_page(page: PageLocale) -> Response {
    let t = dash_text(page.locale());
    Html(LoginPage { t, page_title: t.login_title, sent: false }.render()).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
}

/// The same answer whether or not the address belongs to someone: no account enumeration.
async fn request_link(
    State(state): State<WebState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: PageLocale,
    Form(form): Form<LoginForm>,
) -> Response {
    let locale = page.locale();
    let t = dash_text(locale);
    if state.login_limiter.is_blocked(addr.ip()) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.login_title, text(locale).too_many_body);
    }
    state.login_limiter.record_miss(addr.ip());
    if let Err(e) = accounts::request_login_link(&state.app, &form.email).await {
        tracing::error!(error = %e.chain(), "could not queue a login email");
    }
    Html(LoginPage { t, page_title: t.login_title, sent: true }.render()).into_response()
}

async fn link_page(State(state): State<WebState>, Path(raw): Path<String>, page: PageLocale) -> Response {
    let t = dash_text(page.locale());
    if !accounts::login_link_is_live(&state.app, &raw).await.unwrap_or(false) {
        return message(StatusCode::GONE, t, t.link_dead_title, t.link_dead_body);
    }
    let mut res =
        Html(LinkPage { t, page_title: t.sign_in_title, action: format!("/login/{raw}") }.render()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

async fn use_link(State(state): State<WebState>, Path(raw): Path<String>, page: PageLocale) -> Response {
    let t = dash_text(page.locale());
    let session = match accounts::sign_in(&state.app, &raw).await {
        Ok(s) => s,
        Err(e) => return app_error(e, page.locale()),
    };
    let Some(session) = session else {
        return message(StatusCode::GONE, t, t.link_dead_title, t.link_dead_body);
    };
    let secure = if state.app.config.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}",
        session.as_str()
    );
    let mut res = Redirect::to("/dashboard").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

impl CsrfFields for LogoutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn lang(&self) -> Option<&str> {
        None
    }
}

async fn logout(State(state): State<WebState>, headers: HeaderMap, _: CsrfForm<LogoutForm>) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = accounts::sign_out(&state.app, &token).await
    {
        tracing::error!(error = %e.chain(), "sign-out failed");
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("candor_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}
