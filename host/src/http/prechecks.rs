//! `/prechecks`: the form check at the window and the online self-check.

use axum::Json;
use axum::extract::State;

use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody};
use crate::app::AppState;
use crate::auth::Need;
use crate::precheck::{self, PrecheckReport, PrecheckRequest};
use lianban_sdk::Channel;

/// POST /api/v1/prechecks — the window (clerk or admin), or an applicant checking their own
/// online application before they submit it (自助预审).
#[utoipa::path(post, path = "/prechecks", tag = "prechecks",
    summary = "Check one merged application against the rules of every matter of its one-thing",
    request_body(content = PrecheckRequest, description = "one form and one set of materials for the whole one-thing (一表申请)",
        example = super::examples::precheck),
    responses(
        (status = 200, description = "each matter's findings and deadlines; `ready` when nothing blocks", body = PrecheckReport),
        (status = 403, description = "`forbidden`: an applicant's caller checking a window application", body = ErrorBody),
        (status = 422, description = "`invalid_application` (too many or too long values, a bad key, a repeated material), `unknown_one_thing`", body = ErrorBody),
        (status = 503, description = "the service is shutting down", body = ErrorBody),
    ))]
pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<PrecheckRequest>,
) -> Result<Json<PrecheckReport>, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?;
    // An applicant checks what they will submit online; the window's check is the window's.
    if principal.role.is_applicant() && request.channel != Channel::Online {
        return Err(ApiError::forbidden(
            "申请人只能预审网上申请（channel 为 online）",
            "an applicant may pre-check online applications only (channel online)",
        ));
    }
    let for_admin = principal.is_admin();
    precheck::validate(&request)?;
    let today = app.clock.today();
    // The catalog read and the rules share one hop to a blocking thread. Each hand-off to
    // tokio's blocking pool and back means futex wake-ups, the pool's lock and context switches;
    // profiled with 32 clients and two hops per pre-check, that was about a fifth of the
    // process's CPU.
    super::with_slot(app, move |app| {
        let one_thing = app.catalog.one_thing(&request.one_thing)?.ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_one_thing",
                format!("事项清单中没有一件事“{}”", request.one_thing),
                format!("no one-thing {} in the catalog", request.one_thing),
            )
        })?;
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
