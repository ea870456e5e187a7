//! The departments' work queues and the bureau's view of every running clock (电子监察).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Path, Query};
use crate::app::AppState;
use crate::auth::Need;
use crate::workflow::ItemStatus;
use crate::workflow::clocks::{RunningClock, running};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    #[serde(default)]
    status: Option<ItemStatus>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    case_id: String,
    one_thing: String,
    matter: String,
    status: ItemStatus,
    distributed_at: Option<String>,
    clocks: Vec<RunningClock>,
}

/// GET /api/v1/departments/{code}/items — the department itself: its items, optionally by
/// status (e.g. `?status=distributed` for what waits for acceptance).
#[utoipa::path(get, path = "/departments/{code}/items", tag = "cases",
    summary = "A department's items, optionally by status (`distributed`: waiting for acceptance)",
    params(("code" = String, Path, description = "the department's code; only the department itself", example = "public-security"), QueueQuery),
    responses(
        (status = 200, description = "the items with their clocks", body = Vec<QueueEntry>),
        (status = 403, description = "`forbidden`: another department's queue", body = ErrorBody),
    ))]
pub async fn queue(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Vec<QueueEntry>>, ApiError> {
    let principal = caller.need(Need::Department)?;
    if principal.department() != Some(code.as_str()) {
        return Err(ApiError::forbidden(
            "只能查看本部门的待办",
            "you may only see your own department's items",
        ));
    }
    blocking(move || {
        let today = app.clock.today();
        let calendar = app.calendar.current();
        let mut out = Vec::new();
        for (case, matter) in app.workflow.department_items(&code)? {
            let Some(item) = case.item(&matter) else {
                continue;
            };
            if q.status.is_some_and(|s| s != item.status) {
                continue;
            }
            let clocks = running(&case, today, &calendar, app.workflow.yellow_share())
                .into_iter()
                .filter(|c| c.matter.as_deref() == Some(matter.as_str()))
                .collect();
            out.push(QueueEntry {
                case_id: case.id.clone(),
                one_thing: case.one_thing.clone(),
                status: item.status,
                distributed_at: item.distributed_at.clone(),
                matter,
                clocks,
            });
        }
        Ok(out)
    })
    .await
    .map(Json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SupervisionQuery {
    #[serde(default)]
    state: Option<crate::workflow::clocks::ClockState>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SupervisedClock {
    case_id: String,
    one_thing: String,
    #[serde(flatten)]
    clock: RunningClock,
}

/// GET /api/v1/supervision/clocks — admin: every running clock of every open case, optionally
/// only `?state=overdue` or `?state=warning` (电子监察, 第二十四条).
#[utoipa::path(get, path = "/supervision/clocks", tag = "supervision",
    summary = "Every running clock of every open case (电子监察, 第二十四条)",
    params(SupervisionQuery),
    responses((status = 200, description = "the clocks", body = Vec<SupervisedClock>)))]
pub async fn supervision(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<SupervisionQuery>,
) -> Result<Json<Vec<SupervisedClock>>, ApiError> {
    caller.need(Need::Admin)?;
    blocking(move || {
        let today = app.clock.today();
        let calendar = app.calendar.current();
        let mut out = Vec::new();
        for case in app.workflow.store().open_cases()? {
            for clock in running(&case, today, &calendar, app.workflow.yellow_share()) {
                if q.state.is_some_and(|s| s != clock.state) {
                    continue;
                }
                out.push(SupervisedClock {
                    case_id: case.id.clone(),
                    one_thing: case.one_thing.clone(),
                    clock,
                });
            }
        }
        Ok(out)
    })
    .await
    .map(Json)
}
