//! `/supervision/reports/{period}`: the bureau's 通报 of a month (`2026-10`) or quarter
//! (`2026-Q4`), as JSON and as a spreadsheet. A closed period's report is frozen the first
//! time it is asked for; the printable page with charts is the console's.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Path};
use crate::app::AppState;
use crate::auth::Need;
use crate::supervision::report::{Period, Report, ReportError, xlsx};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn period(text: &str) -> Result<Period, ApiError> {
    text.parse().map_err(|_| {
        ApiError::unprocessable(
            "invalid_period",
            "通报期应写作 2026-10（月）或 2026-Q4（季度）",
            "a report's period is written 2026-10 (a month) or 2026-Q4 (a quarter)",
        )
    })
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> ApiError {
        match e {
            ReportError::NotBegun(p) => ApiError::unprocessable(
                "invalid_period",
                format!("{} 尚未开始，没有通报", p.zh()),
                format!("the period {p} has not begun"),
            ),
            ReportError::Store(e) => e.into(),
        }
    }
}

/// The report of a period, for the console's page and the API alike.
pub(crate) async fn report_of(app: AppState, text: &str) -> Result<Report, ApiError> {
    let period = period(text)?;
    blocking(move || Ok(app.reports.report(period)?)).await
}

/// GET /api/v1/supervision/reports/{period} — the bureau: the period's 通报.
#[utoipa::path(get, path = "/supervision/reports/{period}", tag = "supervision",
    summary = "A month's or quarter's 通报 (第二十四条): figures by department, one-thing and clerk, daily volumes, satisfaction, scores; frozen once the period is closed",
    params(("period" = String, Path, description = "`2026-10` (a month) or `2026-Q4` (a quarter)")),
    responses(
        (status = 200, description = "the report", body = Report),
        (status = 422, description = "`invalid_period`: not a month or quarter, or one not begun", body = ErrorBody),
    ))]
pub async fn report(
    State(app): State<AppState>,
    caller: Caller,
    Path(text): Path<String>,
) -> Result<Json<Report>, ApiError> {
    caller.need(Need::Admin)?;
    report_of(app, &text).await.map(Json)
}

/// GET /api/v1/supervision/reports/{period}/xlsx — the bureau: the same report as a workbook.
#[utoipa::path(get, path = "/supervision/reports/{period}/xlsx", tag = "supervision",
    summary = "A period's 通报 as an xlsx workbook (the same bytes for a frozen report)",
    params(("period" = String, Path, description = "`2026-10` (a month) or `2026-Q4` (a quarter)")),
    responses(
        (status = 200, description = "the workbook", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`invalid_period`", body = ErrorBody),
    ))]
pub async fn workbook(
    State(app): State<AppState>,
    caller: Caller,
    Path(text): Path<String>,
) -> Result<Response, ApiError> {
    caller.need(Need::Admin)?;
    let report = report_of(app, &text).await?;
    let name = format!("tongbao-{}.xlsx", report.period);
    let bytes = blocking(move || xlsx::workbook(&report).map_err(ApiError::internal)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
