//! `/admin`'s access controls: API keys created and revoked, admin rights removed, people
//! signed out everywhere — each confirmed, each recorded in the audit log.
use super::admin::{ConfirmForm, Notice, actor, back, csrf_fields, not_confirmed, render, show_error};
use super::extract::{AdminForm, CsrfFields};
use crate::app::{self, App, integrations};
use crate::domain::api_key::Scope;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct KeyForm {
    csrf: String,
    name: String,
    scope: String,
    lang: Option<String>,
}
csrf_fields!(KeyForm);

pub(super) async fn create_key(State(app): State<App>, AdminForm(f): AdminForm<KeyForm>) -> Response {
    let Some(scope) = Scope::parse(&f.form.scope) else {
        return show_error(&app, &f.who, app::Error::invalid("invalid_key", "the scope is admin or scores")).await;
    };
    match integrations::create_key(&app, &f.form.name, scope).await {
        // Shown once, in this answer only; never in a URL.
        Ok(key) => {
            let detail = format!("key {} ({}), scope {}", key.id, f.form.name.trim(), scope.as_str());
            crate::app::audit::record(&app, &actor(&f.who), "created_api_key", None, detail).await;
            render(&app, &f.who, StatusCode::OK, Notice { new_key: Some(key.key), ..Notice::default() }).await
        }
        Err(e) => show_error(&app, &f.who, e).await,
    }
}

pub(super) async fn revoke_key(
    State(app): State<App>,
    Path(id): Path<String>,
    AdminForm(f): AdminForm<ConfirmForm>,
) -> Response {
    if f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let result = integrations::revoke_key(&app, &id).await.map(|_| ("key_revoked", None));
    back(&app, &f.who, result).await
}

#[derive(Deserialize)]
pub(super) struct SignOutForm {
    csrf: String,
    email: String,
    confirm: Option<String>,
    lang: Option<String>,
}
csrf_fields!(SignOutForm);

/// Signs anyone out everywhere, found by their email address, confirmed.
pub(super) async fn sign_out_person(State(app): State<App>, AdminForm(f): AdminForm<SignOutForm>) -> Response {
    if f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let result = app::accounts::end_sessions_of(&app, &f.form.email).await.map(|_| ("signed_out", None));
    back(&app, &f.who, result).await
}

/// `remove-admin` or `sign-out` for one person, confirmed.
pub(super) async fn person_action(
    State(app): State<App>,
    Path((person, action)): Path<(String, String)>,
    AdminForm(f): AdminForm<ConfirmForm>,
) -> Response {
    if f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let result = match action.as_str() {
        "remove-admin" => {
            app::accounts::remove_admin(&app, &f.who.viewer.person_id, &person).await.map(|_| ("admin_removed", None))
        }
        "sign-out" => app::accounts::end_sessions(&app, &person).await.map(|_| ("signed_out", None)),
        _ => return super::pages::not_found(f.who.locale),
    };
    back(&app, &f.who, result).await
}
