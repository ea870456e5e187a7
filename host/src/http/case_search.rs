//! GET /api/v1/cases — finding cases: the window finds any, a department those with an item
//! sent to it. Answers are summaries with the applicant's name and identity number masked; a
//! case's details are read (and the read recorded) at `GET /cases/{id}`.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Query};
use crate::app::AppState;
use crate::auth::Role;
use crate::privacy::mask;
use crate::workflow::service::search::CaseQuery;
use crate::workflow::{Case, CaseStatus};
use lianban_sdk::Channel;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A case number (`YJS-20261127-000001`) or a receipt number.
    #[serde(default)]
    number: Option<String>,
    /// The applicant's or agent's 公民身份号码.
    #[serde(default)]
    id_number: Option<String>,
    #[serde(default)]
    one_thing: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<String>)]
    status: Option<CaseStatus>,
    /// First day taken in (China Standard Time).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
    /// Last day taken in.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
    /// At most this many, newest first (1 to 200; 50 when not given).
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

/// A case as a list shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    id: String,
    receipt_number: Option<String>,
    one_thing: String,
    one_thing_name: String,
    status: CaseStatus,
    channel: Channel,
    created_at: String,
    /// The applicant's family name and stars: 李*.
    applicant: String,
    applicant_id_number: String,
}

impl CaseSummary {
    fn of(case: &Case) -> CaseSummary {
        let mut name = case.applicant.name.chars();
        let first: String = name.next().into_iter().collect();
        CaseSummary {
            id: case.id.clone(),
            receipt_number: case.receipt.as_ref().map(|r| r.number.clone()),
            one_thing: case.one_thing.clone(),
            one_thing_name: case.one_thing_name.clone(),
            status: case.status,
            channel: case.channel,
            created_at: case.created_at.clone(),
            applicant: format!("{first}{}", "*".repeat(name.count())),
            applicant_id_number: mask::id_number(&case.applicant.id_number),
        }
    }
}

fn blank(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// GET /api/v1/cases — staff find cases.
#[utoipa::path(get, path = "/cases", tag = "cases",
    summary = "Find cases by number, applicant, one-thing, status and day taken in (a department: cases sent to it)",
    params(SearchQuery),
    responses(
        (status = 200, description = "the cases found, newest first", body = Vec<CaseSummary>),
        (status = 400, description = "`invalid_query`: a parameter is malformed; `invalid_limit`", body = ErrorBody),
    ))]
pub async fn search(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<CaseSummary>>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_limit",
            format!("limit 应在 1 到 {MAX_LIMIT} 之间"),
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let department = match &caller.0.role {
        Role::Department(d) => Some(d.clone()),
        _ => None,
    };
    let query = CaseQuery {
        number: blank(q.number),
        id_number: blank(q.id_number).map(|s| s.to_uppercase()),
        one_thing: blank(q.one_thing),
        status: q.status,
        from: q.from,
        to: q.to,
        department,
        limit,
    };
    blocking(move || {
        let found = app.workflow.search(&query)?;
        Ok(found.iter().map(|c| CaseSummary::of(c)).collect())
    })
    .await
    .map(Json)
}
