use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::app::AppState;

/// Liveness and a short status, without authentication.
pub async fn healthz(State(app): State<AppState>) -> Json<Value> {
    let status = if app.load_failures.is_empty() {
        "ok"
    } else {
        "degraded"
    };
    Json(json!({
        "status": status,
        "active_plugins": app.registry.active_count(),
        "load_failures": app.load_failures,
        "calendar_years": app.calendar.summary().iter().map(|y| y.year).collect::<Vec<_>>(),
        "apis": crate::runtime::SUPPORTED_APIS,
    }))
}
