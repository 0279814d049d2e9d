//! Helpers shared by the HTML pages.
use super::i18n::Text;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A rendered template; a rendering failure becomes a logged 500.
pub struct Html(pub Result<String, askama::Error>);

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(body) => axum::response::Html(body).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    t: &'a Text,
    page_title: &'a str,
    body: &'a str,
}

/// A page with a heading and one paragraph, in the respondent's language.
pub fn message(status: StatusCode, t: &Text, title: &str, body: &str) -> Response {
    (status, Html(MessagePage { t, page_title: title, body }.render())).into_response()
}

/// A database failure on a page: busy means 503 with Retry-After (nothing was consumed); a
/// full disk says so (507); anything else is logged and answered like busy.
pub fn db_error(e: sqlx::Error, t: &Text) -> Response {
    if crate::db::is_full(&e) {
        tracing::error!(error = %e, "database full");
        return message(StatusCode::INSUFFICIENT_STORAGE, t, t.full_title, t.full_body);
    }
    if crate::db::is_busy(&e) {
        tracing::warn!(error = %e, "database busy");
    } else {
        tracing::error!(error = %e, "database error");
    }
    let mut res = message(StatusCode::SERVICE_UNAVAILABLE, t, t.busy_title, t.busy_body);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    res
}
