//! `/calendar`: the official working-day calendar; administrators load new years.

use axum::Json;
use axum::extract::State;
use lianban_sdk::Date;
use serde::{Deserialize, Serialize};

use utoipa::{IntoParams, ToSchema};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::calendar::{YearFile, YearSummary};

/// GET /api/v1/calendar — any staff.
#[utoipa::path(get, path = "/calendar", tag = "calendar",
    summary = "The years the calendar has official data for, and where each came from",
    responses((status = 200, description = "one entry per year", body = Vec<YearSummary>)))]
pub async fn years(State(app): State<AppState>) -> Json<Vec<YearSummary>> {
    Json(app.calendar.summary())
}

fn missing_year(year: u16) -> ApiError {
    ApiError::not_found(
        "calendar_year_missing",
        format!("尚未导入 {year} 年的法定节假日安排"),
        format!("no official holiday data for {year}"),
    )
}

/// GET /api/v1/calendar/{year} — any staff. The year's notice, holiday names included.
#[utoipa::path(get, path = "/calendar/{year}", tag = "calendar",
    summary = "A year's official notice of holidays and make-up working days",
    params(("year" = u16, Path, description = "the year, e.g. 2026")),
    responses(
        (status = 200, description = "the notice in holiday-cn format", body = YearFile),
        (status = 404, description = "`calendar_year_missing`: no data for the year", body = ErrorBody),
    ))]
pub async fn year(
    State(app): State<AppState>,
    Path(year): Path<u16>,
) -> Result<Json<YearFile>, ApiError> {
    app.calendar
        .notice(year)
        .map(Json)
        .ok_or_else(|| missing_year(year))
}

/// PUT /api/v1/calendar/{year} — admin. Body: the year's notice in holiday-cn format.
#[utoipa::path(put, path = "/calendar/{year}", tag = "calendar",
    summary = "Load (or replace) a year's official notice",
    params(("year" = u16, Path, description = "the year the notice is for")),
    request_body(content = YearFile, description = "the notice in holiday-cn format",
        example = super::examples::calendar_year),
    responses(
        (status = 200, description = "every year the calendar now has", body = Vec<YearSummary>),
        (status = 422, description = "`calendar_invalid`: the notice is not a valid year, or is for another year", body = ErrorBody),
    ))]
pub async fn load_year(
    State(app): State<AppState>,
    Caller(principal): Caller,
    Path(year): Path<u16>,
    JsonBody(file): JsonBody<YearFile>,
) -> Result<Json<Vec<YearSummary>>, ApiError> {
    if file.year != year {
        return Err(ApiError::unprocessable(
            "calendar_invalid",
            format!("地址中的年份 {year} 与内容中的年份 {} 不一致", file.year),
            format!(
                "year {year} in the URL differs from {} in the body",
                file.year
            ),
        ));
    }
    let now = app.clock.stamp();
    blocking(move || {
        app.calendar.load_year(file, &principal.name, now)?;
        // Durations that reached into a year without a calendar were left out of the figures;
        // the next start counts them, now that the year is there.
        app.workflow.figures_need_rebuild()?;
        Ok(app.calendar.summary())
    })
    .await
    .map(Json)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkingDaysQuery {
    /// The day counting starts from (not counted itself), `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    from: Date,
    /// Working days to add, at most 3,650.
    #[param(maximum = 3650)]
    days: u32,
}

#[derive(Serialize, ToSchema)]
pub struct WorkingDaysAnswer {
    #[schema(value_type = String, format = Date)]
    from: Date,
    days: u32,
    /// The working day `days` working days after `from`.
    #[schema(value_type = String, format = Date)]
    due: Date,
}

/// GET /api/v1/calendar/working-days?from=YYYY-MM-DD&days=N — any staff.
#[utoipa::path(get, path = "/calendar/working-days", tag = "calendar",
    summary = "The day a number of working days after another, on the official calendar",
    params(WorkingDaysQuery),
    responses(
        (status = 200, description = "the due day", body = WorkingDaysAnswer),
        (status = 404, description = "`calendar_year_missing`: the count reaches a year without data", body = ErrorBody),
        (status = 422, description = "`invalid_request`: too many working days", body = ErrorBody),
    ))]
pub async fn working_days(
    State(app): State<AppState>,
    Query(q): Query<WorkingDaysQuery>,
) -> Result<Json<WorkingDaysAnswer>, ApiError> {
    if q.days > 3_650 {
        return Err(ApiError::unprocessable(
            "invalid_request",
            "工作日数过大",
            "too many working days",
        ));
    }
    let due = app
        .calendar
        .current()
        .add_working_days(q.from, q.days)
        .map_err(|e| missing_year(e.0))?;
    Ok(Json(WorkingDaysAnswer {
        from: q.from,
        days: q.days,
        due,
    }))
}
