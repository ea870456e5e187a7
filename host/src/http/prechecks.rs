//! `/prechecks`: the form check at the window and the online self-check.

use axum::Json;
use axum::extract::State;

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
    let today = app.clock.today();
    super::with_slot(app, move |app| {
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
