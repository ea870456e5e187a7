//! `/healthz`: liveness and a short status, without authentication.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when a stored rules version failed to load at start.
    #[schema(example = "ok")]
    status: &'static str,
    /// Matters with a version in service.
    active_plugins: usize,
    /// What failed to load at start, one line each.
    load_failures: Vec<String>,
    /// The years the calendar has official data for.
    calendar_years: Vec<u16>,
    /// The rules APIs components may be written against.
    apis: &'static [&'static str],
}

/// GET /healthz — public.
#[utoipa::path(get, path = "/healthz", tag = "platform",
    summary = "Liveness and a short status",
    responses((status = 200, description = "the status", body = Health)))]
pub async fn healthz(State(app): State<AppState>) -> Json<Health> {
    let status = if app.load_failures.is_empty() {
        "ok"
    } else {
        "degraded"
    };
    Json(Health {
        status,
        active_plugins: app.registry.active_count(),
        load_failures: app.load_failures.clone(),
        calendar_years: app.calendar.summary().iter().map(|y| y.year).collect(),
        apis: crate::runtime::SUPPORTED_APIS,
    })
}
