//! `/supervision/figures`: the 电子监察 figures of a period for the bureau (第二十四条), and the
//! same figures rebuilt from the audit events beside the stored ones.

use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use lianban_sdk::Date;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Query};
use crate::app::AppState;
use crate::auth::Need;
use crate::supervision::report::Period;
use crate::supervision::{Grouping, Summary};

/// The longest period one query covers: a year, the span of an annual report.
const MAX_DAYS: i64 = 366;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// First day of the period: the figures are those of the cases received from this day.
    /// The first day of this month when left out.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date, example = "2026-10-01")]
    from: Option<NaiveDate>,
    /// Last day of the period (at most 366 days after `from`); today when left out.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    to: Option<NaiveDate>,
    /// Groups besides the total: `one_thing` (the default), `matter`, `department`, `clerk`
    /// or `channel`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    by: Option<Grouping>,
}

fn period(from: NaiveDate, to: NaiveDate) -> Result<(Date, Date), ApiError> {
    let span = (to - from).num_days();
    if !(0..MAX_DAYS).contains(&span) {
        return Err(ApiError::unprocessable(
            "invalid_period",
            format!("统计期须从 from 到 to，且不超过 {MAX_DAYS} 天"),
            format!("the period must run from `from` to `to`, at most {MAX_DAYS} days"),
        ));
    }
    match (Date::from_naive(from), Date::from_naive(to)) {
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(ApiError::unprocessable(
            "invalid_period",
            "统计期的日期超出范围",
            "the period's days are out of range",
        )),
    }
}

/// GET /api/v1/supervision/figures — the bureau: the period's figures, total and grouped.
#[utoipa::path(get, path = "/supervision/figures", tag = "supervision",
    summary = "The 电子监察 figures of the cases received in a period (第二十四条), total and grouped; definitions in docs/supervision-figures.md",
    params(FiguresQuery),
    responses(
        (status = 200, description = "the figures", body = Summary),
        (status = 422, description = "`invalid_period`", body = ErrorBody),
    ))]
pub async fn figures(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<FiguresQuery>,
) -> Result<Json<Summary>, ApiError> {
    caller.need(Need::Admin)?;
    let today = app.clock.today().to_naive();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    let (from, to) = period(from, to)?;
    let by = q.by.unwrap_or(Grouping::OneThing);
    blocking(move || Ok(app.workflow.figures(from, to, by)?))
        .await
        .map(Json)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    #[param(value_type = String, format = Date)]
    from: NaiveDate,
    #[param(value_type = String, format = Date)]
    to: NaiveDate,
}

/// The stored figures against the same figures rebuilt from the audit events.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FiguresCheck {
    /// Rows stored and rows rebuilt for the period.
    stored_rows: usize,
    rebuilt_rows: usize,
    /// Whether every row agrees.
    agree: bool,
    /// The rows that differ: their key, and the stored and rebuilt counters.
    #[schema(value_type = Vec<Object>)]
    differences: Vec<serde_json::Value>,
}

/// GET /api/v1/supervision/figures/check — the bureau: rebuilds the period's figures from
/// every case's audit events and compares them with the stored ones. Reads every case: for
/// an audit, not a dashboard.
#[utoipa::path(get, path = "/supervision/figures/check", tag = "supervision",
    summary = "The stored figures of a period against the same figures rebuilt from every case's audit events",
    params(CheckQuery),
    responses(
        (status = 200, description = "the comparison", body = FiguresCheck),
        (status = 422, description = "`invalid_period`", body = ErrorBody),
    ))]
pub async fn check(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<CheckQuery>,
) -> Result<Json<FiguresCheck>, ApiError> {
    caller.need(Need::Admin)?;
    let (from, to) = period(q.from, q.to)?;
    blocking(move || {
        let check = app.workflow.check_figures(from, to)?;
        let differences: Vec<serde_json::Value> = check
            .differences()
            .into_iter()
            .map(|(key, stored, rebuilt)| {
                serde_json::json!({ "key": key, "stored": stored, "rebuilt": rebuilt })
            })
            .collect();
        Ok(FiguresCheck {
            stored_rows: check.stored.len(),
            rebuilt_rows: check.rebuilt.len(),
            agree: differences.is_empty(),
            differences,
        })
    })
    .await
    .map(Json)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    #[param(example = 2026)]
    year: i32,
    /// 1 to 4.
    #[param(minimum = 1, maximum = 4)]
    quarter: u32,
}

/// A quarter's scores.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Assessment {
    #[schema(value_type = String, format = Date)]
    from: Date,
    #[schema(value_type = String, format = Date)]
    to: Date,
    weights: crate::supervision::assessment::Weights,
    /// Lowest score first.
    departments: Vec<crate::supervision::assessment::Score>,
    clerks: Vec<crate::supervision::assessment::Score>,
}

/// GET /api/v1/supervision/assessment — the bureau: a quarter's scores of departments and
/// window clerks from the figures (第二十三条, 第十一条), with the weights they used.
#[utoipa::path(get, path = "/supervision/assessment", tag = "supervision",
    summary = "A quarter's scores of departments and window clerks (考核), lowest first",
    params(AssessmentQuery),
    responses(
        (status = 200, description = "the scores", body = Assessment),
        (status = 422, description = "`invalid_period`", body = ErrorBody),
    ))]
pub async fn assessment(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessmentQuery>,
) -> Result<Json<Assessment>, ApiError> {
    caller.need(Need::Admin)?;
    let quarter = Period::quarter(q.year, q.quarter).map_err(|_| {
        ApiError::unprocessable(
            "invalid_period",
            "季度应为 2000 至 2100 年的第 1 到 4 季度",
            "the quarter must be 1 to 4 of a year from 2000 to 2100",
        )
    })?;
    let (from, to) = quarter.days();
    let weights = app.config.assessment;
    blocking(move || {
        let (departments, clerks) = app.workflow.assess(from, to, &weights)?;
        Ok(Assessment {
            from,
            to,
            weights,
            departments,
            clerks,
        })
    })
    .await
    .map(Json)
}
