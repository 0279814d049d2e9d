//! Sign-in by emailed link and sessions in an HttpOnly cookie.
use super::WebState;
use super::extract::{ClientAddr, CsrfForm, PageLocale, SESSION_COOKIE, session_token};
use super::pages::{Brand, Html, app_error};
use crate::app::accounts::{self, SESSION_SECONDS};
use crate::i18n::{DashText, dash_text, text};
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/login", get(login_page).post(request_link))
        .route("/login/{token}", get(link_page).post(use_link))
        .route("/logout", post(logout))
        .merge(super::oidc::router())
}

#[derive(Template)]
#[template(path = "login/login.html")]
struct LoginPage<'a> {
    t: &'a DashText,
    page_title: &'a str,
    sent: bool,
    /// The form's action: `/login`, with `next=me` when signing in leads to `/me`.
    action: String,
    /// The organisation whose Candor this is.
    org: Option<Brand<'a>>,
    /// "Sign in with …", when there is an identity provider; offered first.
    provider: Option<String>,
    /// Where its button posts: `/login/oidc`, with the same `lang` and `next`.
    provider_action: String,
    /// Whether sign-in links are emailed (`CANDOR_LOGIN_LINKS`).
    links: bool,
    or_by_email: &'a str,
}

impl<'a> LoginPage<'a> {
    fn new(state: &'a WebState, t: &'a DashText, sent: bool, to_me: bool) -> LoginPage<'a> {
        let id = crate::i18n::identity_text(crate::domain::Locale::parse(t.lang).unwrap_or_default());
        let provider = state
            .app
            .oidc
            .as_ref()
            .map(|p| crate::i18n::fill(id.sign_in_with, &[("name", p.name().unwrap_or(id.your_organisation))]));
        let next = if to_me { "&next=me" } else { "" };
        LoginPage {
            t,
            page_title: t.login_title,
            sent,
            action: login_action(t, to_me),
            org: state.brand(),
            provider,
            provider_action: format!("/login/oidc?lang={}{next}", t.lang),
            links: state.app.config.login_links(),
            or_by_email: id.or_by_email,
        }
    }
}

fn login_action(t: &DashText, to_me: bool) -> String {
    format!("/login?lang={}{}", t.lang, if to_me { "&next=me" } else { "" })
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

pub(super) fn message(status: StatusCode, t: &DashText, title: &str, body: &str) -> Response {
    let mut res = (status, Html(MessagePage { t, page_title: title, body }.render())).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn login_page(State(state): State<WebState>, page: PageLocale, Query(next): Query<Next>) -> Response {
    let t = dash_text(page.locale());
    Html(LoginPage::new(&state, t, false, next.to_me()).render()).into_response()
}

/// The same answer whether or not the address belongs to someone: no account enumeration.
async fn request_link(
    State(state): State<WebState>,
    client: ClientAddr,
    page: PageLocale,
    Query(next): Query<Next>,
    body: Body,
) -> Response {
    let locale = page.locale();
    let t = dash_text(locale);
    if !state.app.config.login_links() {
        let id = crate::i18n::identity_text(locale);
        return message(StatusCode::NOT_FOUND, t, t.login_title, id.links_off_body);
    }
    // The budget first, then a body no larger than an address needs.
    if state.login_limiter.is_blocked(client.0) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.login_title, text(locale).too_many_body);
    }
    state.login_limiter.record_miss(client.0);
    let Ok(bytes) = axum::body::to_bytes(body, 4096).await else {
        return message(StatusCode::PAYLOAD_TOO_LARGE, t, t.login_title, text(locale).too_large_body);
    };
    let email = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "email").map(|(_, v)| v.into_owned());
    match accounts::request_login_link(&state.app, email.as_deref().unwrap_or(""), next.to_me()).await {
        Ok(()) => Html(LoginPage::new(&state, t, true, next.to_me()).render()).into_response(),
        // Busy, full or broken: say so (nothing was sent), the same for every address.
        Err(e) => app_error(e, locale),
    }
}

/// Where a sign-in link leads after signing in: `?next=me` for `/me`, else the dashboard.
/// Only known names are followed: a link can never send anyone off this site.
#[derive(Deserialize, Default)]
pub(super) struct Next {
    next: Option<String>,
}

impl Next {
    pub(super) fn to_me(&self) -> bool {
        self.next.as_deref() == Some("me")
    }
}

async fn link_page(
    State(state): State<WebState>,
    Path(raw): Path<String>,
    page: PageLocale,
    Query(next): Query<Next>,
) -> Response {
    let t = dash_text(page.locale());
    if !accounts::login_link_is_live(&state.app, &raw).await.unwrap_or(false) {
        return message(StatusCode::GONE, t, t.link_dead_title, t.link_dead_body);
    }
    let mut res = Html(
        LinkPage {
            t,
            page_title: t.sign_in_title,
            action: format!("/login/{raw}{}", if next.to_me() { "?next=me" } else { "" }),
        }
        .render(),
    )
    .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Not "no-referrer": that makes a browser send `Origin: null` with the form, which the
    // login-CSRF check must refuse from browsers without Sec-Fetch-Site. The Referer (which
    // holds the token) goes to this origin only.
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

/// Whether a form POST comes from our own pages: a browser names the page's origin (`Origin`)
/// and whether the request is cross-site (`Sec-Fetch-Site`); another site's page posting a
/// sign-in link would sign the visitor in as someone else (login CSRF).
fn from_our_pages(headers: &HeaderMap, public_url: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Browsers that send Sec-Fetch-Site say it outright ("none": typed or bookmarked).
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    match header("origin") {
        None => true,
        Some(origin) => url::Url::parse(public_url)
            .is_ok_and(|ours| ours.origin().ascii_serialization() == origin.trim_end_matches('/')),
    }
}

async fn use_link(
    State(state): State<WebState>,
    Path(raw): Path<String>,
    page: PageLocale,
    headers: HeaderMap,
) -> Response {
    let t = dash_text(page.locale());
    if !from_our_pages(&headers, state.app.config.public_base()) {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        tracing::warn!(origin = %header("origin"), fetch_site = %header("sec-fetch-site"), "refused a sign-in posted from another site");
        return message(StatusCode::FORBIDDEN, t, t.link_dead_title, t.cross_site_body);
    }
    let session = match accounts::sign_in(&state.app, &raw).await {
        Ok(s) => s,
        Err(e) => return app_error(e, page.locale()),
    };
    let Some(session) = session else {
        return message(StatusCode::GONE, t, t.link_dead_title, t.link_dead_body);
    };
    signed_in(&state, &session)
}

/// The answer that opens a session: its cookie, and a redirect to where the person was going.
pub(super) fn signed_in(state: &WebState, session: &crate::domain::Token) -> Response {
    let secure = if state.app.config.public_base().starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}",
        session.as_str()
    );
    // Everyone's home is /me: their results, their reviews and, for a manager, their team.
    let mut res = Redirect::to("/me").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct LogoutForm {}

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

#[cfg(test)]
mod tests {
    use super::from_our_pages;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn sign_in_posts_come_from_our_own_pages() {
        let ours = "https://candor.example.com";
        assert!(from_our_pages(&headers(&[]), ours), "a client that names no origin");
        assert!(from_our_pages(&headers(&[("origin", "https://candor.example.com")]), ours));
        assert!(from_our_pages(&headers(&[("sec-fetch-site", "same-origin")]), ours));
        assert!(from_our_pages(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]), ours));
        assert!(!from_our_pages(&headers(&[("sec-fetch-site", "same-site")]), ours));
        assert!(!from_our_pages(&headers(&[("origin", "https://evil.example")]), ours));
        assert!(!from_our_pages(&headers(&[("sec-fetch-site", "cross-site")]), ours));
        assert!(!from_our_pages(&headers(&[("origin", "null")]), ours));
    }
}
