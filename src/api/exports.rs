//! `GET /api/v1/scores.xlsx?cycle=…|period=…`: the scores of a cycle or a period (the CSV's
//! columns, numbers as numbers) and their participation, as an Excel workbook whose words
//! follow the caller's `Accept-Language` (English or Simplified Chinese).
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{ApiQuery, ReadKey};
use crate::app::{App, analytics, export};
use crate::domain::Locale;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// A cycle's id; give this or `period`, not both.
    #[param(schema_with = crate::domain::shapes::opt_id)]
    cycle: Option<String>,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`: every closed cycle inside it, pooled (CONTRACT §7); give
    /// this or `cycle`, not both.
    #[param(schema_with = crate::domain::shapes::opt_period)]
    period: Option<String>,
}

/// The workbook's bytes, as the OpenAPI document describes them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(#[allow(dead_code)] Vec<u8>);

/// Scores and participation as an Excel workbook: sheet 1 the CSV's columns (one row per
/// subject × indicator), sheet 2 invitations, answers and declines per cycle, team and relation.
#[utoipa::path(get, path = "/api/v1/scores.xlsx", operation_id = "scores_xlsx", tag = "scores", params(ExportQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The workbook (.xlsx); headers in the language of Accept-Language (en or zh-CN)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Workbook),
        (status = 404, description = "Unknown cycle", body = ErrorBody),
        (status = 422, description = "Neither or both of cycle and period, or not a period", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn scores_xlsx(
    _: ReadKey,
    State(app): State<App>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = Locale::choose(None, accept);
    let sel = analytics::select(&app, q.cycle.as_deref(), q.period.as_deref()).await?;
    let scores = analytics::scores(&app, None, &sel, None).await?;
    let lines = analytics::participation(&app, None, &sel).await?;
    let indicator = |i: &str| crate::i18n::indicator_label(locale, i);
    let (a, t) = (crate::i18n::analytics_text(locale), crate::i18n::dash_text(locale));
    let words = export::Words {
        locale,
        sheets: a.sheets,
        score_headers: a.score_headers,
        relations: analytics::RELATIONS.map(|r| crate::i18n::relation_label(locale, r.as_str())),
        relation_columns: crate::app::analytics::RELATIONS.map(|r| {
            a.relation_columns
                .map(|m| crate::i18n::fill(m, &[("relation", crate::i18n::relation_label(locale, r.as_str()))]))
        }),
        participation_headers: a.participation_headers,
        cycle_status: [t.status_open, t.status_closed],
        score_status: a.score_status,
        no_team: a.no_team,
        indicator: &indicator,
    };
    let bytes = export::workbook(&scores, &lines, &words)?;
    let disposition = format!("attachment; filename=\"{}\"", export::filename(&scores));
    Ok(([(header::CONTENT_TYPE, export::CONTENT_TYPE.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
