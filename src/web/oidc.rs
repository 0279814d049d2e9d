//! Sign-in with the organisation's identity provider (CONTRACT §11): `POST /login/oidc` starts
//! it (the button on `/login`), `GET /login/oidc/callback` is where the provider sends the
//! browser back. A refusal is a page in the reader's language, and never a session.
use super::WebState;
use super::auth::{Next, message, signed_in};
use super::extract::{ClientAddr, PageLocale};
use super::pages::{app_error, not_found};
use crate::app::oidc::{self, Callback, Refusal};
use crate::domain::Locale;
use crate::i18n::{dash_text, fill, identity_text};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

/// Holds the flow's `state` in the browser that started it, for the callback alone.
const FLOW_COOKIE: &str = "candor_oidc";

pub fn router() -> Router<WebState> {
    Router::new().route("/login/oidc", get(to_login).post(start)).route("/login/oidc/callback", get(callback))
}

/// Starting a sign-in writes a flow, so only the sign-in page's button (a POST) starts one.
async fn to_login(page: PageLocale, Query(next): Query<Next>) -> Redirect {
    let lang = dash_text(page.locale()).lang;
    Redirect::to(&format!("/login?lang={lang}{}", if next.to_me() { "&next=me" } else { "" }))
}

fn flow_cookie(state: &WebState, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.app.config.public_base().starts_with("https://") { "; Secure" } else { "" };
    // SameSite=Lax: the provider's redirect back is a top-level GET from its site, which Lax lets through.
    let cookie = format!("{FLOW_COOKIE}={value}; Path=/login/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&cookie).ok()
}

/// Each start asks the provider twice and keeps a flow: counted against the same per-client
/// budget as requests for sign-in links.
async fn start(
    State(state): State<WebState>,
    client: ClientAddr,
    page: PageLocale,
    Query(next): Query<Next>,
) -> Response {
    let locale = page.locale();
    let lang = dash_text(locale).lang;
    if state.login_limiter.is_blocked(client.0) {
        let (t, id) = (dash_text(locale), identity_text(locale));
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.login_title, id.too_many_sign_ins);
    }
    state.login_limiter.record_miss(client.0);
    match oidc::start(&state.app, next.to_me().then_some("me"), Some(lang)).await {
        Ok(Ok(started)) => {
            let mut res = Redirect::to(&started.url).into_response();
            let max_age = crate::app::oidc::FLOW_SECONDS;
            if let Some(c) = flow_cookie(&state, &started.state, max_age) {
                res.headers_mut().insert(header::SET_COOKIE, c);
            }
            res
        }
        Ok(Err(r)) => refused(&state, locale, r),
        Err(e) => app_error(e, locale),
    }
}

#[derive(Deserialize, Default)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}

async fn callback(
    State(state): State<WebState>,
    page: PageLocale,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let cb = Callback {
        cookie_state: cookie_value(&headers, FLOW_COOKIE),
        state: q.state.as_deref(),
        code: q.code.as_deref(),
        error: q.error.as_deref(),
    };
    let finished = match oidc::finish(&state.app, &cb).await {
        Ok(f) => f,
        Err(e) => return app_error(e, page.locale()),
    };
    let locale = page.with_stored(finished.lang.as_deref());
    let mut res = match finished.outcome {
        Ok((session, _)) => signed_in(&state, &session),
        Err(r) => refused(&state, locale, r),
    };
    // The flow is over either way: its cookie goes.
    if let Some(c) = flow_cookie(&state, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// The page that says why, in the reader's language, with a way back to the sign-in page.
fn refused(state: &WebState, locale: Locale, r: Refusal) -> Response {
    let (t, id) = (dash_text(locale), identity_text(locale));
    let name = state.app.oidc.as_ref().and_then(|p| p.name()).unwrap_or(id.your_organisation);
    let (status, body) = match r {
        Refusal::Off => return not_found(locale),
        Refusal::Unreachable => (StatusCode::BAD_GATEWAY, fill(id.unreachable_body, &[("name", name)])),
        Refusal::Mismatch => (StatusCode::FORBIDDEN, id.mismatch_body.to_string()),
        Refusal::Expired => (StatusCode::GONE, id.expired_body.to_string()),
        Refusal::Declined => (StatusCode::FORBIDDEN, fill(id.declined_body, &[("name", name)])),
        Refusal::Unverified => (StatusCode::FORBIDDEN, fill(id.unverified_body, &[("name", name)])),
        Refusal::EmailUnverified => (StatusCode::FORBIDDEN, id.email_unverified_body.to_string()),
        Refusal::Unknown(email) => (StatusCode::FORBIDDEN, fill(id.unknown_body, &[("email", &email)])),
    };
    message(status, t, id.refused_title, &body)
}
