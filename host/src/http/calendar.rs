//! `/calendar`: the official working-day calendar; administrators load new years.

use axum::Json;
use axum::extract::State;
use lianban_sdk::Date;
use serde::{Deserialize, Serialize};

use super::blocking;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::Need;
use crate::calendar::{YearFile, YearSummary};

/// GET /api/v1/calendar — any staff.
pub async fn years(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<YearSummary>>, ApiError> {
    caller.need(Need::Staff)?;
    Ok(Json(app.calendar.summary()))
}

fn missing_year(year: u16) -> ApiError {
    ApiError::not_found(
        "calendar_year_missing",
        format!("尚未导入 {year} 年的法定节假日安排"),
        format!("no official holiday data for {year}"),
    )
}

/// GET /api/v1/calendar/{year} — any staff. The year's notice, holiday names included.
pub async fn year(
    State(app): State<AppState>,
    caller: Caller,
    Path(year): Path<u16>,
) -> Result<Json<YearFile>, ApiError> {
    caller.need(Need::Staff)?;
    app.calendar
        .notice(year)
        .map(Json)
        .ok_or_else(|| missing_year(year))
}

/// PUT /api/v1/calendar/{year} — admin. Body: the year's notice in holiday-cn format.
pub async fn load_year(
    State(app): State<AppState>,
    caller: Caller,
    Path(year): Path<u16>,
    JsonBody(file): JsonBody<YearFile>,
) -> Result<Json<Vec<YearSummary>>, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
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
        Ok(app.calendar.summary())
    })
    .await
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingDaysQuery {
    from: Date,
    days: u32,
}

#[derive(Serialize)]
pub struct WorkingDaysAnswer {
    from: Date,
    days: u32,
    due: Date,
}

/// GET /api/v1/calendar/working-days?from=YYYY-MM-DD&days=N — any staff.
pub async fn working_days(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<WorkingDaysQuery>,
) -> Result<Json<WorkingDaysAnswer>, ApiError> {
    caller.need(Need::Staff)?;
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
