//! The OpenAPI document, written by hand next to the routes it describes (a test checks that
//! every route is documented and every documented path is routed).

use axum::http::header;
use axum::response::IntoResponse;

pub const DOCUMENT: &str = include_str!("openapi.json");

/// GET /api/v1/openapi.json — public.
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
