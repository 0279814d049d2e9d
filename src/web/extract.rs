//! The preamble every page repeats, as extractors: the page's language, the signed-in viewer,
//! admin-only access, and forms whose CSRF token must be the session's.
use super::WebState;
use super::pages;
use crate::app::accounts::{self, Viewer};
use crate::domain::{Locale, Token};
use crate::i18n::{self, DashText};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "candor_session";

/// `?lang=` of the request, if any.
fn asked_lang(parts: &Parts) -> Option<String> {
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned())
}

fn accept_language(parts: &Parts) -> Option<&str> {
    parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
}

/// The page's language from `?lang=` and the browser; pages that know the person add their
/// stored locale through [`PageLocale::with_stored`].
#[derive(Debug, Clone)]
pub struct PageLocale {
    asked: Option<String>,
    accept: Option<String>,
}

impl PageLocale {
    pub fn from_parts(parts: &Parts) -> PageLocale {
        PageLocale { asked: asked_lang(parts), accept: accept_language(parts).map(str::to_string) }
    }

    pub fn locale(&self) -> Locale {
        self.with_stored(None)
    }

    pub fn with_stored(&self, stored: Option<&str>) -> Locale {
        i18n::negotiate(self.asked.as_deref(), stored, self.accept.as_deref())
    }

    /// A form's own `lang` field wins over the URL's.
    pub fn with_form(mut self, lang: Option<&str>) -> PageLocale {
        if let Some(l) = lang {
            self.asked = Some(l.to_string());
        }
        self
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLocale::from_parts(parts))
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<Token> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{SESSION_COOKIE}=")).and_then(Token::parse))
}

/// The signed-in person and the page's language; without a session, 303 to `/login`.
pub struct SignedIn {
    pub viewer: Viewer,
    pub locale: Locale,
    pub t: &'static DashText,
    pub page: PageLocale,
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let page = PageLocale::from_parts(parts);
        // A rater's pages lead back to themselves after signing in.
        let login = if parts.uri.path().starts_with("/me") { "/login?next=me" } else { "/login" };
        let Some(token) = session_token(&parts.headers) else {
            return Err(Redirect::to(login).into_response());
        };
        match accounts::viewer(&state.app, &token).await {
            Ok(Some(viewer)) => {
                let locale = page.with_stored(viewer.locale.as_deref());
                Ok(SignedIn { t: i18n::dash_text(locale), viewer, locale, page })
            }
            Ok(None) => Err(Redirect::to(login).into_response()),
            Err(e) => Err(pages::app_error(e, page.locale())),
        }
    }
}

/// A signed-in admin; anyone else gets the page that unknown addresses get.
pub struct AdminViewer(pub SignedIn);

impl FromRequestParts<WebState> for AdminViewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let s = SignedIn::from_request_parts(parts, state).await?;
        if !s.viewer.is_admin {
            return Err(pages::not_found(s.locale));
        }
        Ok(AdminViewer(s))
    }
}

/// What every form that changes something carries beside its own fields: the session's CSRF
/// token, and the language the page was in. Read apart from the form, so no form type has to
/// carry them.
#[derive(serde::Deserialize)]
struct Guard {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
}

/// Refuses a state-changing form whose CSRF token is not the session's.
pub fn csrf_ok(viewer: &Viewer, presented: &str) -> bool {
    !presented.is_empty() && bool::from(presented.as_bytes().ct_eq(viewer.csrf.as_bytes()))
}

/// A signed-in person's form with a valid CSRF token, in the form's language.
pub struct CsrfForm<T> {
    pub who: SignedIn,
    pub form: T,
}

impl<T> FromRequest<WebState> for CsrfForm<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        csrf_form(req, state, false).await
    }
}

/// Who is asking first (an outsider learns nothing from how a form is refused), then the
/// form and its CSRF token.
async fn csrf_form<T>(req: Request, state: &WebState, admin_only: bool) -> Result<CsrfForm<T>, Response>
where
    T: DeserializeOwned + Send,
{
    let (mut parts, body) = req.into_parts();
    let mut who = SignedIn::from_request_parts(&mut parts, state).await?;
    if admin_only && !who.viewer.is_admin {
        return Err(pages::not_found(who.locale));
    }
    let req = Request::from_parts(parts, body);
    let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|_| pages::bad_form(who.locale))?;
    let guard: Guard = serde_urlencoded::from_bytes(&bytes).map_err(|_| pages::bad_form(who.locale))?;
    if !csrf_ok(&who.viewer, &guard.csrf) {
        return Err(pages::stale_form(who.locale));
    }
    let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|_| pages::bad_form(who.locale))?;
    who.page = who.page.with_form(guard.lang.as_deref());
    who.locale = who.page.with_stored(who.viewer.locale.as_deref());
    who.t = i18n::dash_text(who.locale);
    Ok(CsrfForm { who, form })
}

/// An admin's form with a valid CSRF token.
pub struct AdminForm<T>(pub CsrfForm<T>);

impl<T> FromRequest<WebState> for AdminForm<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        csrf_form(req, state, true).await.map(AdminForm)
    }
}

/// A request body of at most `limit` bytes, or `None` when it declares or sends more (or the
/// client goes away): read only once the checks a request's head allows have passed.
pub async fn body_within(headers: &HeaderMap, body: axum::body::Body, limit: usize) -> Option<axum::body::Bytes> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return None;
    }
    axum::body::to_bytes(body, limit).await.ok()
}

/// The client a request comes from, as per-client limits count it: the peer address, or the
/// address a trusted proxy names; an IPv6 client counts by its /64.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

impl FromRequestParts<WebState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        let client = crate::domain::net::client_address(peer, forwarded, &state.proxies);
        Ok(ClientAddr(crate::domain::net::limit_key(client)))
    }
}
