//! `/matters/{code}/…`: rule versions of a matter — upload (department), list, activate and roll
//! back (administrator).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Binary, Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::{Need, Principal};
use crate::registry::{Activation, PluginVersion, ReplayReport, Schedule};

/// A department reads only its own matters; the bureau reads all.
pub(super) fn may_read(app: &AppState, caller: &Principal, matter: &str) -> Result<(), ApiError> {
    let owner = app
        .catalog
        .matter(matter)?
        .map(|(m, _)| m.department)
        .ok_or_else(|| unknown_matter(matter))?;
    match caller.department() {
        Some(d) if d != owner => Err(ApiError::forbidden(
            format!("事项“{matter}”属于部门 {owner}"),
            format!("matter {matter} belongs to {owner}"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn unknown_matter(matter: &str) -> ApiError {
    ApiError::not_found(
        "unknown_matter",
        format!("事项清单中没有事项“{matter}”"),
        format!("no matter {matter} in the catalog"),
    )
}

/// POST /api/v1/matters/{code}/versions — the matter's department. Body: the component.
#[utoipa::path(post, path = "/matters/{code}/versions", tag = "rules",
    summary = "Upload a rules component for one of the department's own matters",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    request_body(description = "the component", content(
        (Vec<u8> = "application/wasm"), (Vec<u8> = "application/octet-stream"))),
    responses(
        (status = 201, description = "the new version, not yet active", body = PluginVersion),
        (status = 413, description = "`payload_too_large`: larger than `--max-upload-bytes`", body = ErrorBody),
        (status = 200, description = "this component was uploaded before; its version", body = PluginVersion),
        (status = 403, description = "`forbidden`: the matter belongs to another department", body = ErrorBody),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
        (status = 409, description = "`plugin_version_exists` (another component under this version number), `version_quota_exceeded`", body = ErrorBody),
        (status = 422, description = "not a component, an unsupported API, a failed compile or first run, or an invalid manifest; `details` says which", body = ErrorBody),
        (status = 503, description = "`compiler_busy`, or the service is shutting down", body = ErrorBody),
    ))]
pub async fn upload(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
    Binary(bytes): Binary,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::Department)?.clone();
    let department = principal.department().unwrap_or_default().to_owned();
    let (now, today) = (app.clock.stamp(), app.clock.today());
    // The smoke call instantiates the component: it takes a pool slot like a pre-check.
    let uploaded = super::with_slot(app, move |app| {
        Ok(app
            .registry
            .upload(&matter, &department, &bytes, &principal.name, &now, today)?)
    })
    .await?;
    let status = if uploaded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(uploaded.version)).into_response())
}

/// GET /api/v1/matters/{code}/versions — admin, or the matter's department.
#[utoipa::path(get, path = "/matters/{code}/versions", tag = "rules",
    summary = "Every version uploaded for a matter (a department: only its own matters)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    responses(
        (status = 200, description = "the versions, oldest first", body = Vec<PluginVersion>),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
    ))]
pub async fn versions(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
) -> Result<Json<Vec<PluginVersion>>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        may_read(&app, &principal, &matter)?;
        Ok(app.registry.versions(&matter)?)
    })
    .await
    .map(Json)
}

/// GET /api/v1/matters/{code}/versions/{sha256} — admin, or the matter's department.
#[utoipa::path(get, path = "/matters/{code}/versions/{sha256}", tag = "rules",
    summary = "One version of a matter's rules (a department: only its own matters)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration"), ("sha256" = String, Path, description = "SHA-256 of the component, lowercase hex")),
    responses(
        (status = 200, description = "the version", body = PluginVersion),
        (status = 404, description = "`unknown_matter`, `unknown_version`", body = ErrorBody),
    ))]
pub async fn version(
    State(app): State<AppState>,
    caller: Caller,
    Path((matter, sha256)): Path<(String, String)>,
) -> Result<Json<Arc<PluginVersion>>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        may_read(&app, &principal, &matter)?;
        app.registry.version(&matter, &sha256)?.ok_or_else(|| {
            ApiError::not_found(
                "unknown_version",
                format!("事项“{matter}”没有版本 {sha256}"),
                format!("matter {matter} has no version {sha256}"),
            )
        })
    })
    .await
    .map(Json)
}

/// DELETE /api/v1/matters/{code}/versions/{sha256} — admin, or the matter's department.
/// Removes a version that was never in service (see `registry/quota.rs`).
#[utoipa::path(delete, path = "/matters/{code}/versions/{sha256}", tag = "rules",
    summary = "Remove a version that was never in service (a department: only its own matters)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration"), ("sha256" = String, Path, description = "SHA-256 of the component, lowercase hex")),
    responses(
        (status = 204, description = "removed"),
        (status = 404, description = "`unknown_matter`, `unknown_version`", body = ErrorBody),
        (status = 409, description = "`version_was_active`, `version_scheduled`", body = ErrorBody),
    ))]
pub async fn delete_version(
    State(app): State<AppState>,
    caller: Caller,
    Path((matter, sha256)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        may_read(&app, &principal, &matter)?;
        app.registry.delete_version(&matter, &sha256)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// GET /api/v1/matters/{code}/active — any staff: which version judges this matter now.
#[utoipa::path(get, path = "/matters/{code}/active", tag = "rules",
    summary = "The version that judges this matter now",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    responses(
        (status = 200, description = "the active version", body = PluginVersion),
        (status = 404, description = "`unknown_matter`, `no_active_version`", body = ErrorBody),
    ))]
pub async fn active(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
) -> Result<Json<PluginVersion>, ApiError> {
    caller.need(Need::Staff)?;
    if app.catalog.matter(&matter)?.is_none() {
        return Err(unknown_matter(&matter));
    }
    app.registry
        .active(&matter)
        .map(|a| Json(a.version.clone()))
        .ok_or_else(|| {
            ApiError::not_found(
                "no_active_version",
                format!("事项“{matter}”还没有启用的规则版本"),
                format!("matter {matter} has no active version"),
            )
        })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    sha256: String,
    #[serde(default)]
    reason: Option<String>,
}

/// PUT /api/v1/matters/{code}/active — admin. Hot swap to the given version.
#[utoipa::path(put, path = "/matters/{code}/active", tag = "rules",
    summary = "Put a version into service now (hot swap)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    request_body = ActivateRequest,
    responses(
        (status = 200, description = "the activation as recorded", body = Activation),
        (status = 404, description = "`unknown_matter`, `unknown_version`", body = ErrorBody),
        (status = 409, description = "`capability_not_granted`, `replay_not_reviewed`, `replay_outdated`", body = ErrorBody),
    ))]
pub async fn activate(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
    JsonBody(body): JsonBody<ActivateRequest>,
) -> Result<Json<Activation>, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
    let now = app.clock.stamp();
    blocking(move || {
        if app.catalog.matter(&matter)?.is_none() {
            return Err(unknown_matter(&matter));
        }
        Ok(app
            .registry
            .activate(&matter, &body.sha256, &principal.name, &now, body.reason)?)
    })
    .await
    .map(Json)
}

/// POST /api/v1/matters/{code}/rollback — admin. Back to the version active before this one.
#[utoipa::path(post, path = "/matters/{code}/rollback", tag = "rules",
    summary = "Back to the version that was active before this one",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    responses(
        (status = 200, description = "the activation as recorded", body = Activation),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
        (status = 409, description = "`nothing_to_roll_back`, `capability_not_granted`", body = ErrorBody),
    ))]
pub async fn rollback(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
) -> Result<Json<Activation>, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
    let now = app.clock.stamp();
    blocking(move || {
        if app.catalog.matter(&matter)?.is_none() {
            return Err(unknown_matter(&matter));
        }
        Ok(app.registry.rollback(&matter, &principal.name, &now)?)
    })
    .await
    .map(Json)
}

/// GET /api/v1/matters/{code}/activations — admin, or the matter's department.
#[utoipa::path(get, path = "/matters/{code}/activations", tag = "rules",
    summary = "Every activation and rollback of a matter (a department: only its own matters)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    responses(
        (status = 200, description = "oldest first", body = Vec<Activation>),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
    ))]
pub async fn activations(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
) -> Result<Json<Vec<Activation>>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        may_read(&app, &principal, &matter)?;
        Ok(app.registry.activations(&matter)?)
    })
    .await
    .map(Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    sha256: String,
    /// The moment, RFC 3339 with an offset: `2027-01-01T00:00:00+08:00`.
    #[serde(default)]
    at: Option<String>,
    /// Or the day it takes effect: from 00:00 China Standard Time.
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl ScheduleRequest {
    fn moment(&self) -> Result<chrono::DateTime<chrono::FixedOffset>, ApiError> {
        let invalid = |zh: &str, en: &str| ApiError::unprocessable("invalid_schedule", zh, en);
        match (&self.at, &self.on) {
            (Some(at), None) => chrono::DateTime::parse_from_rfc3339(at).map_err(|_| {
                invalid(
                    "生效时间须写成带时区的 RFC 3339 格式，例如 2027-01-01T00:00:00+08:00",
                    "`at` must be RFC 3339 with an offset, e.g. 2027-01-01T00:00:00+08:00",
                )
            }),
            (None, Some(on)) => on
                .parse::<lianban_sdk::Date>()
                .ok()
                .and_then(|d| d.to_naive().and_hms_opt(0, 0, 0))
                .and_then(|t| t.and_local_timezone(crate::clock::china()).single())
                .ok_or_else(|| {
                    invalid(
                        "生效日期须写成 YYYY-MM-DD，例如 2027-01-01",
                        "`on` must be a date, YYYY-MM-DD",
                    )
                }),
            _ => Err(invalid(
                "请给出生效时间 at 或生效日期 on 之一",
                "give exactly one of `at` (a moment) or `on` (a day)",
            )),
        }
    }
}

/// POST /api/v1/matters/{code}/schedules — admin. The version becomes active on its own at
/// the given moment (a regulation's effective date); the same version again moves it.
#[utoipa::path(post, path = "/matters/{code}/schedules", tag = "rules",
    summary = "Have a version become active on its own at a moment (a regulation's effective date)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    request_body = ScheduleRequest,
    responses(
        (status = 201, description = "the schedule", body = Schedule),
        (status = 404, description = "`unknown_matter`, `unknown_version`", body = ErrorBody),
        (status = 409, description = "`capability_not_granted`, `replay_not_reviewed`", body = ErrorBody),
        (status = 422, description = "`invalid_schedule`, `schedule_in_past`", body = ErrorBody),
    ))]
pub async fn schedule(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
    JsonBody(body): JsonBody<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
    let at = body.moment()?;
    let now = app.clock.now();
    blocking(move || {
        if app.catalog.matter(&matter)?.is_none() {
            return Err(unknown_matter(&matter));
        }
        Ok(app
            .registry
            .schedule(&matter, &body.sha256, at, &principal.name, now, body.reason)?)
    })
    .await
    .map(|s| (StatusCode::CREATED, Json(s)).into_response())
}

/// GET /api/v1/matters/{code}/schedules — admin, or the matter's department.
#[utoipa::path(get, path = "/matters/{code}/schedules", tag = "rules",
    summary = "A matter's pending schedules (a department: only its own matters)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    responses(
        (status = 200, description = "soonest first", body = Vec<Schedule>),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
    ))]
pub async fn schedules(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
) -> Result<Json<Vec<Schedule>>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        may_read(&app, &principal, &matter)?;
        Ok(app.registry.schedules(Some(&matter))?)
    })
    .await
    .map(Json)
}

/// DELETE /api/v1/matters/{code}/schedules/{sha256} — admin. Cancels a pending schedule.
#[utoipa::path(delete, path = "/matters/{code}/schedules/{sha256}", tag = "rules",
    summary = "Cancel a pending schedule",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration"), ("sha256" = String, Path, description = "SHA-256 of the component, lowercase hex")),
    responses(
        (status = 204, description = "cancelled"),
        (status = 404, description = "`unknown_schedule`", body = ErrorBody),
    ))]
pub async fn unschedule(
    State(app): State<AppState>,
    caller: Caller,
    Path((matter, sha256)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.need(Need::Admin)?;
    blocking(move || {
        app.registry.unschedule(&matter, &sha256)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReplayQuery {
    /// How many of the most recent inputs; at most what the host keeps.
    #[serde(default)]
    limit: Option<usize>,
    /// Give both versions the live certificate source. Off by default: a version nobody has
    /// put into service reads no real certificates unless an administrator asks for it.
    #[serde(default)]
    live_elicense: bool,
}

/// POST /api/v1/matters/{code}/versions/{sha256}/replay?limit=N&live_elicense=true — admin.
/// Runs the version beside the one in service on the N most recent inputs (default 100) and
/// reports what would change; with live certificates only when asked.
#[utoipa::path(post, path = "/matters/{code}/versions/{sha256}/replay", tag = "rules",
    summary = "Run a version beside the one in service on recent inputs and report what would change",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration"), ("sha256" = String, Path, description = "SHA-256 of the component, lowercase hex"), ReplayQuery),
    responses(
        (status = 200, description = "the report", body = ReplayReport),
        (status = 404, description = "`unknown_matter`, `unknown_version`", body = ErrorBody),
        (status = 409, description = "`capability_not_granted`", body = ErrorBody),
        (status = 503, description = "the service is shutting down", body = ErrorBody),
    ))]
pub async fn replay(
    State(app): State<AppState>,
    caller: Caller,
    Path((matter, sha256)): Path<(String, String)>,
    Query(query): Query<ReplayQuery>,
) -> Result<Json<ReplayReport>, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
    let limit = query.limit.unwrap_or(100).min(app.config.replay_inputs);
    let now = app.clock.stamp();
    super::with_slot(app, move |app| {
        if app.catalog.matter(&matter)?.is_none() {
            return Err(unknown_matter(&matter));
        }
        Ok(app.registry.replay(
            &matter,
            &sha256,
            limit,
            query.live_elicense,
            &principal.name,
            &now,
        )?)
    })
    .await
    .map(Json)
}

/// GET /api/v1/matters/{code}/versions/{sha256}/replay — admin. The latest replay report.
#[utoipa::path(get, path = "/matters/{code}/versions/{sha256}/replay", tag = "rules",
    summary = "The latest replay report of a version",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration"), ("sha256" = String, Path, description = "SHA-256 of the component, lowercase hex")),
    responses(
        (status = 200, description = "the report", body = ReplayReport),
        (status = 404, description = "`no_replay`", body = ErrorBody),
    ))]
pub async fn latest_replay(
    State(app): State<AppState>,
    caller: Caller,
    Path((matter, sha256)): Path<(String, String)>,
) -> Result<Json<ReplayReport>, ApiError> {
    caller.need(Need::Admin)?;
    blocking(move || {
        app.registry
            .latest_replay(&matter, &sha256)?
            .ok_or_else(|| {
                crate::registry::RegistryError::NoReplay {
                    matter: matter.clone(),
                    sha256: sha256.clone(),
                }
                .into()
            })
    })
    .await
    .map(Json)
}

/// POST /api/v1/matters/{code}/versions/{sha256}/replay/review — admin. Records that the
/// latest report was read.
#[utoipa::path(post, path = "/matters/{code}/versions/{sha256}/replay/review", tag = "rules",
    summary = "Record that the latest replay report was read",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration"), ("sha256" = String, Path, description = "SHA-256 of the component, lowercase hex")),
    responses(
        (status = 200, description = "the report, reviewed", body = ReplayReport),
        (status = 404, description = "`no_replay`", body = ErrorBody),
    ))]
pub async fn review_replay(
    State(app): State<AppState>,
    caller: Caller,
    Path((matter, sha256)): Path<(String, String)>,
) -> Result<Json<ReplayReport>, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
    let now = app.clock.stamp();
    blocking(move || {
        Ok(app
            .registry
            .review_replay(&matter, &sha256, &principal.name, &now)?)
    })
    .await
    .map(Json)
}
