//! CSV import on the admin page: upload, a preview with every row's problems (checked as a dry
//! run in a transaction that is rolled back), then confirm. Nothing is stored if any row is wrong.
use super::{Notice, render, show_error};
use crate::app::audit::Actor;
use crate::app::directory::{self, CustomerInput, PersonInput};
use crate::app::{self, App, RowProblem, UpsertCounts};
use crate::domain::Locale;
use crate::i18n::{self, DashText};
use crate::web::extract::{AdminForm, AdminViewer, csrf_ok};
use crate::web::pages::{refusal_text, stale_form, status_of};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

pub struct PreviewRow {
    pub number: usize,
    pub cells: Vec<String>,
    pub problem: Option<String>,
}

/// Uploads larger than this are refused with a clear message (the page says so up front).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

pub struct Preview {
    pub kind: String,
    /// The staged import to confirm (empty when there is nothing to confirm).
    pub id: String,
    pub header: Vec<String>,
    pub rows: Vec<PreviewRow>,
    pub ok: bool,
    pub summary: String,
}

/// A file's rows as the preview shows them, and the status it answers with: 200 when nothing
/// is refused so far, 422 when a row is wrong in itself, else 409 (a row that does not fit
/// what is stored). Every refused row is marked with each of its problems, in the reader's
/// language. `Err` when the file is not CSV at all.
async fn preview_csv(
    app: &App,
    kind: &str,
    csv_text: &str,
    locale: Locale,
) -> Result<(StatusCode, Vec<String>, Vec<PreviewRow>), app::Error> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let not_csv = || app::Error::invalid("invalid_csv", "not CSV");
    let header: Vec<String> = reader.headers().map_err(|_| not_csv())?.iter().map(String::from).collect();
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|_| not_csv())?;
    let hdr = csv::StringRecord::from(header.clone());
    let mut rows: Vec<PreviewRow> = records
        .iter()
        .enumerate()
        .map(|(i, rec)| PreviewRow { number: i + 1, cells: rec.iter().map(String::from).collect(), problem: None })
        .collect();
    let (read, problems) = match kind {
        "people" => {
            let (read, input) = read_rows::<PersonInput>(&records, &hdr);
            (read, directory::people_import_problems(app, &input).await?)
        }
        _ => {
            let (read, input) = read_rows::<CustomerInput>(&records, &hdr);
            (read, directory::customer_import_problems(app, &input).await?)
        }
    };
    // A row with a cell of the wrong shape (the table shows which); the others are checked.
    let mut status = StatusCode::OK;
    for (_, row) in rows.iter_mut().enumerate().filter(|(i, _)| !read.contains(i)) {
        row.problem = Some(i18n::refusal(locale, "invalid_csv", None));
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    for p in problems {
        let at = read[p.index];
        let said = with_value(&header, &records[at], &p, locale);
        let cell = &mut rows[at].problem;
        *cell = Some(cell.take().map_or(said.clone(), |before| format!("{before} {said}")));
        status = match (status, p.kind) {
            (StatusCode::OK | StatusCode::CONFLICT, app::Kind::Conflict) => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
    }
    Ok((status, header, rows))
}

/// The rows that read as import inputs, with their positions in the file.
fn read_rows<T: serde::de::DeserializeOwned>(
    records: &[csv::StringRecord],
    hdr: &csv::StringRecord,
) -> (Vec<usize>, Vec<T>) {
    records.iter().enumerate().filter_map(|(i, rec)| rec.deserialize::<T>(Some(hdr)).ok().map(|t| (i, t))).unzip()
}

/// A row's problem in the reader's language, naming the column and the value it is about, as
/// the file has it.
fn with_value(header: &[String], rec: &csv::StringRecord, p: &RowProblem, locale: Locale) -> String {
    let column = match p.code {
        "invalid_email" => "email",
        "invalid_phone" => "phone",
        "invalid_locale" => "locale",
        "invalid_id" => "id",
        "invalid_name" => "name",
        "invalid_team" => "team",
        "invalid_role" => "role",
        "unknown_manager" => "manager",
        "email_taken" | "duplicate_email" => "email",
        "duplicate_id" => "id",
        "unknown_owner" => "owner",
        _ => return i18n::refusal(locale, p.code, None),
    };
    let value = header.iter().position(|h| h == column).and_then(|i| rec.get(i)).unwrap_or_default();
    i18n::refusal(locale, p.code, Some(&format!("{column} {value:?}")))
}

fn deserialize_all<T: serde::de::DeserializeOwned>(csv_text: &str) -> app::Result<Vec<T>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    reader.deserialize().collect::<Result<Vec<T>, _>>().map_err(|e| app::Error::invalid("invalid_csv", e.to_string()))
}

async fn dry_run_or_commit(
    app: &App,
    actor: &Actor,
    kind: &str,
    csv_text: &str,
    commit: bool,
) -> app::Result<UpsertCounts> {
    match kind {
        "people" => directory::import_people(app, actor, &deserialize_all::<PersonInput>(csv_text)?, commit).await,
        "customers" => {
            directory::import_customers(app, actor, &deserialize_all::<CustomerInput>(csv_text)?, commit).await
        }
        _ => Err(app::Error::invalid("invalid_import", "unknown import kind")),
    }
}

/// What the preview says, in the page's words, and the status it answers with: with rows
/// refused, how many (their status); else what the dry run says: 200 when it can be
/// confirmed, else its refusal's (a row wrong in itself 422, one that does not fit what is
/// stored 409).
async fn check(
    app: &App,
    who: &Actor,
    (t, locale): (&DashText, Locale),
    kind: &str,
    csv_text: &str,
    (status, rows): (StatusCode, &[PreviewRow]),
) -> (StatusCode, String) {
    let refused = rows.iter().filter(|r| r.problem.is_some()).count();
    if refused > 0 {
        let lists = i18n::list_text(locale);
        let said = if refused == 1 { lists.rows_refused_one } else { lists.rows_refused };
        return (status, format!("{} {}", crate::i18n::fill(said, &[("n", &refused.to_string())]), t.nothing_stored));
    }
    match dry_run_or_commit(app, who, kind, csv_text, false).await {
        Ok(c) => (
            StatusCode::OK,
            crate::i18n::fill(
                t.import_summary,
                &[
                    ("created", &c.created.to_string()),
                    ("updated", &c.updated.to_string()),
                    ("unchanged", &c.unchanged.to_string()),
                ],
            ),
        ),
        // Rows are numbered as the preview numbers them: the first data row is 1.
        Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
            (status_of(e.kind()), format!("{} {}", t.nothing_stored, refusal_text(&e, locale)))
        }
        Err(e) => {
            tracing::error!(error = %e.chain(), "import preview failed");
            (status_of(e.kind()), t.nothing_stored.to_string())
        }
    }
}

/// The upload's fields; `Err` says why it could not be read (too large, cut off, not UTF-8).
async fn read_upload(form: &mut Multipart) -> Result<Upload, String> {
    let mut up = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(up),
            Err(e) => return Err(e.body_text()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let value = field.text().await.map_err(|e| e.body_text())?;
        match name.as_str() {
            "csrf" => up.csrf = value,
            "kind" => up.kind = value,
            "file" => up.csv = value,
            "lang" => up.lang = Some(value),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    csv: String,
    lang: Option<String>,
}

pub async fn preview(State(app): State<App>, AdminViewer(mut who): AdminViewer, mut form: Multipart) -> Response {
    let upload = match read_upload(&mut form).await {
        Ok(u) => u,
        Err(why) => {
            // axum's reason is English: logged, and the page says it in its own words.
            tracing::info!(reason = %why, "an upload could not be read");
            let summary = format!("{} {}", who.t.nothing_stored, who.t.upload_unreadable);
            let preview = Preview {
                kind: String::new(),
                id: String::new(),
                header: Vec::new(),
                rows: Vec::new(),
                ok: false,
                summary,
            };
            return render(
                &app,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                Notice { preview: Some(preview), ..Notice::default() },
            )
            .await;
        }
    };
    let Upload { csrf, kind, csv: csv_text, lang } = upload;
    if !csrf_ok(&who.viewer, &csrf) {
        return stale_form(who.locale);
    }
    who.page = who.page.with_form(lang.as_deref());
    who.locale = who.page.with_stored(who.viewer.locale.as_deref());
    who.t = i18n::dash_text(who.locale);
    let (status, preview) = match preview_csv(&app, &kind, &csv_text, who.locale).await {
        Err(e) if e.code() != "invalid_csv" => return show_error(&app, &who, e).await,
        Err(_) => {
            let summary = format!("{} {}", who.t.nothing_stored, i18n::refusal(who.locale, "invalid_csv", None));
            let preview = Preview { kind, id: String::new(), header: Vec::new(), rows: Vec::new(), ok: false, summary };
            (StatusCode::UNPROCESSABLE_ENTITY, preview)
        }
        Ok((status, header, rows)) => {
            let (status, summary) =
                check(&app, &super::actor(&who), (who.t, who.locale), &kind, &csv_text, (status, &rows)).await;
            let ok = status == StatusCode::OK;
            // Confirmed by this id: the file is not posted a second time.
            let id = if ok {
                match directory::stage_import(&app, &who.viewer.person_id, &kind, &csv_text).await {
                    Ok(id) => id,
                    Err(e) => return show_error(&app, &who, e).await,
                }
            } else {
                String::new()
            };
            (status, Preview { kind, id, header, rows, ok, summary })
        }
    };
    render(&app, &who, status, Notice { preview: Some(preview), ..Notice::default() }).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    import: String,
}

pub async fn confirm(State(app): State<App>, AdminForm(f): AdminForm<ConfirmForm>) -> Response {
    let imported = async {
        let (kind, csv) = directory::staged_import(&app, &f.who.viewer.person_id, &f.form.import).await?;
        let counts = dry_run_or_commit(&app, &super::actor(&f.who), &kind, &csv, true).await?;
        directory::forget_import(&app, &f.form.import).await?;
        Ok::<_, app::Error>(counts)
    };
    match imported.await {
        // The import recorded itself in the audit log, in its own transaction.
        Ok(c) => super::done(&f.who, "imported", Some(c.created + c.updated)),
        Err(e) => show_error(&app, &f.who, e).await,
    }
}
