//! `/admin`'s access controls: API keys created and revoked, admin rights removed, people
//! signed out everywhere — each confirmed, each recorded in the audit log.
use super::{ConfirmForm, Notice, Typed, actor, back, not_confirmed, render, show_error_with, unconfirmed};
use crate::app::{self, App, integrations};
use crate::domain::api_key::Scope;
use crate::web::extract::AdminForm;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct KeyForm {
    name: String,
    scope: String,
}

pub(super) async fn create_key(State(app): State<App>, AdminForm(f): AdminForm<KeyForm>) -> Response {
    let typed = || {
        let values = vec![("name", f.form.name.clone()), ("scope", f.form.scope.clone())];
        Notice { typed: Typed::new("key", values), ..Notice::default() }
    };
    let Some(scope) = Scope::parse(&f.form.scope) else {
        let e = app::Error::invalid("invalid_key", "the scope is admin, scores or scim");
        return show_error_with(&app, &f.who, e, typed()).await;
    };
    match integrations::create_key(&app, &actor(&f.who), &f.form.name, scope).await {
        // Shown once, in this answer only; never in a URL.
        Ok(key) => render(&app, &f.who, StatusCode::OK, Notice { new_key: Some(key.key), ..Notice::default() }).await,
        Err(e) => show_error_with(&app, &f.who, e, typed()).await,
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
    let result = integrations::revoke_key(&app, &actor(&f.who), &id).await.map(|_| ("key_revoked", None));
    back(&app, &f.who, result).await
}

#[derive(Deserialize)]
pub(super) struct SignOutForm {
    email: String,
    confirm: Option<String>,
}

/// Signs anyone out everywhere, found by their email address, confirmed.
pub(super) async fn sign_out_person(State(app): State<App>, AdminForm(f): AdminForm<SignOutForm>) -> Response {
    let typed = Notice { typed: Typed::new("sign_out", vec![("email", f.form.email.clone())]), ..Notice::default() };
    if f.form.confirm.is_none() {
        return show_error_with(&app, &f.who, unconfirmed(), typed).await;
    }
    match app::accounts::end_sessions_of(&app, &actor(&f.who), &f.form.email).await {
        Ok(_) => back(&app, &f.who, Ok(("signed_out", None))).await,
        Err(e) => show_error_with(&app, &f.who, e, typed).await,
    }
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
            let by = &f.who.viewer.person_id;
            app::accounts::remove_admin(&app, &actor(&f.who), by, &person).await.map(|_| ("admin_removed", None))
        }
        "sign-out" => app::accounts::end_sessions(&app, &actor(&f.who), &person).await.map(|_| ("signed_out", None)),
        _ => return crate::web::pages::not_found(f.who.locale),
    };
    back(&app, &f.who, result).await
}

#[derive(Deserialize)]
pub(super) struct EraseForm {
    customer: String,
    answers: Option<String>,
    confirm: Option<String>,
}

/// Erases a customer (CONTRACT §12), confirmed; the use case records it in the audit log.
pub(super) async fn erase_customer(State(app): State<App>, AdminForm(f): AdminForm<EraseForm>) -> Response {
    use crate::app::privacy::{self, AnswersAfterErasure};
    let values = vec![("customer", f.form.customer.clone()), ("answers", f.form.answers.clone().unwrap_or_default())];
    let typed = Notice { typed: Typed::new("erase", values), ..Notice::default() };
    if f.form.confirm.is_none() {
        return show_error_with(&app, &f.who, unconfirmed(), typed).await;
    }
    let answers = match f.form.answers.as_deref() {
        Some("delete") => AnswersAfterErasure::Delete,
        _ => AnswersAfterErasure::Keep,
    };
    match privacy::erase_customer(&app, &actor(&f.who), f.form.customer.trim(), answers).await {
        Ok(_) => Redirect::to(&format!("/admin?lang={}&done=customer_erased", f.who.t.lang)).into_response(),
        Err(e) => show_error_with(&app, &f.who, e, typed).await,
    }
}
