//! `/rectifications`: the 差评 loop (第二十五条) — the bureau's verification and callback, the
//! responsible department's rectification, the applicant's one appeal — each on its
//! working-day clock; and complaints (投诉), which open records of the same loop.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::blocking;
use super::cases::{owned, person};
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::{Need, Role};
use crate::ratings::rectification::Finding;
use crate::ratings::{Rectification, Source};
use crate::workflow::clocks::ClockState;

#[derive(Serialize, ToSchema)]
pub struct RectificationView {
    #[serde(flatten)]
    record: Rectification,
    /// Where the stage's clock stands today (none when no clock runs).
    clock: Option<ClockState>,
}

fn view(mut record: Rectification, clock: Option<ClockState>) -> RectificationView {
    record.rater.clear();
    RectificationView { record, clock }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only records whose clock is overdue.
    #[serde(default)]
    overdue: bool,
}

/// GET /api/v1/rectifications — the bureau: every record; a department: those naming it.
#[utoipa::path(get, path = "/rectifications", tag = "ratings",
    summary = "The 差评 rectification records with their clocks (a department sees those naming it)",
    params(ListQuery),
    responses((status = 200, description = "newest first", body = Vec<RectificationView>)))]
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<RectificationView>>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        Ok(app
            .ratings
            .rectifications()?
            .into_iter()
            .filter(|(r, _)| match &principal.role {
                Role::Department(d) => r.responsible_department.as_deref() == Some(d.as_str()),
                _ => true,
            })
            .filter(|(_, clock)| !q.overdue || *clock == Some(ClockState::Overdue))
            .map(|(r, clock)| view(r, clock))
            .collect())
    })
    .await
    .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Written {
    /// In writing, 1–2,000 characters.
    text: String,
}

fn answered(app: &AppState, record: Rectification) -> RectificationView {
    let clock = record.clock(
        app.clock.today(),
        &app.calendar.current(),
        app.workflow.yellow_share(),
    );
    view(record, clock)
}

/// POST /api/v1/rectifications/{id}/verification — the bureau's finding (核实).
#[utoipa::path(post, path = "/rectifications/{id}/verification", tag = "ratings",
    summary = "核实: upheld (naming the responsible department) or not, with the reason",
    params(("id" = u64, Path, description = "the record's number")),
    request_body = Finding,
    responses(
        (status = 200, description = "the record", body = RectificationView),
        (status = 404, description = "`unknown_rectification`", body = ErrorBody),
        (status = 409, description = "`wrong_stage`", body = ErrorBody),
        (status = 422, description = "`rating_invalid`", body = ErrorBody),
    ))]
pub async fn verify(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    JsonBody(finding): JsonBody<Finding>,
) -> Result<Json<RectificationView>, ApiError> {
    let by = caller.need(Need::Admin)?.name.clone();
    blocking(move || {
        let departments = app.catalog.departments()?;
        let record = app
            .ratings
            .verify(id, finding, |d| departments.contains_key(d), &by)?;
        Ok(answered(&app, record))
    })
    .await
    .map(Json)
}

/// POST /api/v1/rectifications/{id}/rectification — the responsible department's report.
#[utoipa::path(post, path = "/rectifications/{id}/rectification", tag = "ratings",
    summary = "整改: what the responsible department did",
    params(("id" = u64, Path, description = "the record's number")),
    request_body = Written,
    responses(
        (status = 200, description = "the record", body = RectificationView),
        (status = 403, description = "`forbidden`: not the responsible department", body = ErrorBody),
        (status = 404, description = "`unknown_rectification`", body = ErrorBody),
        (status = 409, description = "`wrong_stage`", body = ErrorBody),
        (status = 422, description = "`rating_invalid`", body = ErrorBody),
    ))]
pub async fn rectify(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<Written>,
) -> Result<Json<RectificationView>, ApiError> {
    let principal = caller.need(Need::Department)?.clone();
    let department = principal.department().unwrap_or_default().to_owned();
    blocking(move || {
        let record = app
            .ratings
            .rectify(id, &department, &body.text, &principal.name)?;
        Ok(answered(&app, record))
    })
    .await
    .map(Json)
}

/// POST /api/v1/rectifications/{id}/callback — the bureau's callback to the applicant (回访).
#[utoipa::path(post, path = "/rectifications/{id}/callback", tag = "ratings",
    summary = "回访: what the applicant said when called back; closes the record",
    params(("id" = u64, Path, description = "the record's number")),
    request_body = Written,
    responses(
        (status = 200, description = "the record", body = RectificationView),
        (status = 404, description = "`unknown_rectification`", body = ErrorBody),
        (status = 409, description = "`wrong_stage`", body = ErrorBody),
        (status = 422, description = "`rating_invalid`", body = ErrorBody),
    ))]
pub async fn call_back(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<Written>,
) -> Result<Json<RectificationView>, ApiError> {
    let by = caller.need(Need::Admin)?.name.clone();
    blocking(move || {
        let record = app.ratings.call_back(id, &body.text, &by)?;
        Ok(answered(&app, record))
    })
    .await
    .map(Json)
}

/// POST /api/v1/rectifications/{id}/appeal — the applicant who rated, once, against a finding
/// of not upheld.
#[utoipa::path(post, path = "/rectifications/{id}/appeal", tag = "ratings",
    summary = "The applicant's one appeal against a finding of not upheld",
    params(("id" = u64, Path, description = "the record's number")),
    request_body = Written,
    responses(
        (status = 200, description = "the record, being verified again", body = RectificationView),
        (status = 403, description = "`forbidden`: not the person who rated", body = ErrorBody),
        (status = 404, description = "`unknown_rectification`", body = ErrorBody),
        (status = 409, description = "`wrong_stage`", body = ErrorBody),
        (status = 422, description = "`rating_invalid`: appealed already, or no reason", body = ErrorBody),
    ))]
pub async fn appeal(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<Written>,
) -> Result<Json<RectificationView>, ApiError> {
    let principal = caller.need(Need::Applicant)?.clone();
    let who = person(&principal)?.to_owned();
    blocking(move || {
        let record = app.ratings.appeal(id, &who, &body.text)?;
        Ok(answered(&app, record))
    })
    .await
    .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    /// What the complaint is about, in writing, 1–2,000 characters.
    text: String,
}

/// POST /api/v1/cases/{id}/complaint — a complaint (投诉) about the case, at any stage: by the
/// applicant online, or taken down for them at the window, or passed on by the bureau from
/// the 12345 hotline. It opens a record of the 差评 loop, verified like a 差评 (第二十五条).
#[utoipa::path(post, path = "/cases/{id}/complaint", tag = "ratings",
    summary = "A complaint (投诉) about a case, opening a record of the 差评 loop",
    params(("id" = String, Path, description = "the case number")),
    request_body = NewComplaint,
    responses(
        (status = 201, description = "the record opened", body = RectificationView),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
        (status = 409, description = "`complaint_in_hand`: one of this person on the case is being verified", body = ErrorBody),
        (status = 422, description = "`rating_invalid`: no text, or too long", body = ErrorBody),
    ))]
pub async fn complain(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewComplaint>,
) -> Result<(StatusCode, Json<RectificationView>), ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        owned(&principal, &case)?;
        let (person, source) = match principal.role {
            Role::Clerk => (case.applicant.id_number.as_str(), Source::ComplaintWindow),
            Role::Admin => (case.applicant.id_number.as_str(), Source::ComplaintHotline),
            _ => (person(&principal)?, Source::ComplaintOnline),
        };
        let record =
            app.ratings
                .complain((&case.id, &case.one_thing), person, source, &body.text)?;
        Ok((StatusCode::CREATED, Json(answered(&app, record))))
    })
    .await
}

/// GET /api/v1/cases/{id}/rectifications — the case's records of the 差评 loop: an applicant
/// sees the ones they opened (to follow them and appeal), the window and the bureau all.
#[utoipa::path(get, path = "/cases/{id}/rectifications", tag = "ratings",
    summary = "The 差评 and complaint records of a case (an applicant: their own)",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "newest first", body = Vec<RectificationView>),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
    ))]
pub async fn of_case(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<RectificationView>>, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        owned(&principal, &case)?;
        let who = if principal.role.is_applicant() {
            Some(person(&principal)?.to_owned())
        } else {
            None
        };
        Ok(app
            .ratings
            .rectifications_of(&case.id, who.as_deref())?
            .into_iter()
            .map(|(r, clock)| view(r, clock))
            .collect())
    })
    .await
    .map(Json)
}
