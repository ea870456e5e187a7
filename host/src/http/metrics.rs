//! `GET /metrics` and the layer that times every API request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// The Prometheus text exposition. Public like `/healthz`: it names matters, rule versions and
/// route templates, never an applicant or a case; deployments that want it private scrape it
/// on an internal interface.
#[utoipa::path(get, path = "/metrics", tag = "platform",
    summary = "Prometheus metrics: rules calls, latency, fuel and failures per version; API requests by route and status",
    responses(
        (status = 200, description = "the OpenMetrics text exposition", content_type = "application/openmetrics-text", body = String),
        (status = 503, description = "the exposition could not be written this time"),
    ))]
pub async fn scrape(State(app): State<AppState>) -> Response {
    match app.registry.runtime().metrics().encode() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        // Writing into a `String` does not fail; if it ever did, the scrape is simply missed.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Counts and times a request under its route template (added with `route_layer`, so the
/// template is known and unmatched paths do not create label values).
pub async fn track(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    app.registry.runtime().metrics().http_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
