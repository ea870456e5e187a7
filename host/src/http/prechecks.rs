//! `/prechecks`: the form check at the window and the online self-check.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody};
use crate::app::AppState;
use crate::auth::Need;
use crate::precheck::{self, PrecheckReport, PrecheckRequest};

/// POST /api/v1/prechecks — clerk or admin.
pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<PrecheckRequest>,
) -> Result<Json<PrecheckReport>, ApiError> {
    let for_admin = caller.need(Need::Clerk)?.is_admin();
    precheck::validate(&request)?;
    let one_thing = {
        let app = app.clone();
        let code = request.one_thing.clone();
        super::blocking(move || Ok(app.catalog.one_thing(&code)?)).await?
    }
    .ok_or_else(|| {
        ApiError::unprocessable(
            "unknown_one_thing",
            format!("事项清单中没有一件事“{}”", request.one_thing),
            format!("no one-thing {} in the catalog", request.one_thing),
        )
    })?;
    // Each evaluation holds one pooled instance at a time; waiting here keeps the pool from
    // running dry under load.
    let permit = app.eval_slots.clone().acquire_owned().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "服务正在停止，请稍后重试",
            "the service is shutting down; retry later",
        )
    })?;
    let today = app.clock.today();
    super::blocking(move || {
        let _permit = permit;
        Ok(precheck::run(
            &app.registry,
            &app.calendar,
            &one_thing,
            &request,
            today,
            for_admin,
        ))
    })
    .await
    .map(Json)
}
