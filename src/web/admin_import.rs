//! CSV import on the admin page: upload, a preview with every row's problems (checked as a dry
//! run in a transaction that is rolled back), then confirm. Nothing is stored if any row is wrong.
use super::admin::{admin_only, back, render};
use super::auth::{LangQuery, SignedIn, check_csrf, locale_for};
use super::dash_i18n::dash_text;
use crate::api::directory::{
    CustomerInput, PersonInput, customer_row_errors, import_customers_input, import_people_input, people_row_errors,
};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct PreviewRow {
    pub number: usize,
    pub cells: Vec<String>,
    pub problem: Option<String>,
}

pub struct Preview {
    pub kind: String,
    pub csv: String,
    pub header: Vec<String>,
    pub rows: Vec<PreviewRow>,
    pub ok: bool,
    pub summary: String,
}

type Previewed = (Vec<String>, Vec<PreviewRow>, Vec<ApiError>);

/// Reads an uploaded CSV into rows of either kind, with each row's problems.
fn preview_csv(kind: &str, csv_text: &str) -> Result<Previewed, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(String::from).collect();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let hdr = csv::StringRecord::from(header.clone());
    for (i, rec) in records.iter().enumerate() {
        let parsed: Result<Vec<ApiError>, csv::Error> = match kind {
            "people" => rec.deserialize::<PersonInput>(Some(&hdr)).map(|p| people_row_errors(std::slice::from_ref(&p))),
            _ => rec.deserialize::<CustomerInput>(Some(&hdr)).map(|c| customer_row_errors(std::slice::from_ref(&c))),
        };
        let problem = match parsed {
            Ok(errs) => errs.into_iter().next().map(|e| e.message.replacen("row 0 ", "", 1)),
            Err(e) => Some(e.to_string()),
        };
        if let Some(p) = &problem {
            problems.push(ApiError::invalid("invalid_row", p.clone()));
        }
        rows.push(PreviewRow { number: i + 1, cells: rec.iter().map(String::from).collect(), problem });
    }
    Ok((header, rows, problems))
}

fn deserialize_all<T: serde::de::DeserializeOwned>(csv_text: &str) -> Result<Vec<T>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    reader.deserialize().collect::<Result<Vec<T>, _>>().map_err(|e| e.to_string())
}

async fn dry_run_or_commit(
    state: &AppState,
    kind: &str,
    csv_text: &str,
    commit: bool,
) -> Result<crate::api::UpsertCounts, String> {
    match kind {
        "people" => {
            let rows: Vec<PersonInput> = deserialize_all(csv_text)?;
            import_people_input(state, &rows, commit).await.map_err(|e| e.message)
        }
        "customers" => {
            let rows: Vec<CustomerInput> = deserialize_all(csv_text)?;
            import_customers_input(state, &rows, commit).await.map_err(|e| e.message)
        }
        _ => Err("unknown import kind".into()),
    }
}

pub async fn preview(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    if let Err(r) = admin_only(&viewer) {
        return r.into_response();
    }
    let (mut csrf, mut kind, mut csv_text, mut lang) = (String::new(), String::new(), String::new(), None);
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => csrf = value,
            "kind" => kind = value,
            "file" => csv_text = value,
            "lang" => lang = Some(value),
            _ => {}
        }
    }
    if let Err(r) = check_csrf(&viewer, &csrf) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang }, viewer.locale.as_deref(), &headers));
    let preview = match preview_csv(&kind, &csv_text) {
        Err(e) => Preview { kind, csv: String::new(), header: Vec::new(), rows: Vec::new(), ok: false, summary: e },
        Ok((header, rows, problems)) => {
            let checked = if problems.is_empty() {
                dry_run_or_commit(&state, &kind, &csv_text, false).await
            } else {
                Err(String::new())
            };
            let (ok, summary) = match checked {
                Ok(c) => (true, format!("+{} ~{} ={}", c.created, c.updated, c.unchanged)),
                Err(e) if e.is_empty() => (false, t.nothing_stored.to_string()),
                Err(e) => (false, format!("{} {e}", t.nothing_stored)),
            };
            Preview { kind, csv: csv_text, header, rows, ok, summary }
        }
    };
    render(&state, &viewer, t, None, None, Some(preview)).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    kind: String,
    csv: String,
    lang: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Err(r) = admin_only(&viewer).and_then(|_| check_csrf(&viewer, &f.csrf)) {
        return r.into_response();
    }
    let t = dash_text(locale_for(&LangQuery { lang: f.lang.clone() }, viewer.locale.as_deref(), &headers));
    let result = dry_run_or_commit(&state, &f.kind, &f.csv, true)
        .await
        .map(|c| format!("{}: +{} ~{} ={}", t.import_title, c.created, c.updated, c.unchanged))
        .map_err(|e| ApiError::invalid("invalid_import", e));
    back(t, result)
}
