//! `/one-things/{code}/guide…`: the guide of a one-thing (第八条), public like the guides on a
//! service hall's wall — JSON, a printable page, and the flow chart.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::Path;
use crate::app::AppState;
use crate::guide::{self, Guide};

/// The guide as it stands now: the catalog's one-thing and the rules active at this moment.
pub(crate) fn current(app: &AppState, code: &str) -> Result<Guide, ApiError> {
    let one_thing = app.catalog.one_thing(code)?.ok_or_else(|| {
        ApiError::not_found(
            "unknown_one_thing",
            format!("事项清单中没有一件事“{code}”"),
            format!("no one-thing {code} in the catalog"),
        )
    })?;
    let active: Vec<_> = one_thing
        .matters
        .iter()
        .map(|m| app.registry.active(&m.code))
        .collect();
    let rules: Vec<_> = active
        .iter()
        .map(|a| a.as_ref().map(|a| &a.version))
        .collect();
    Ok(guide::build(
        &one_thing,
        &app.catalog.departments()?,
        &rules,
        &app.catalog.dictionary()?,
    ))
}

/// GET /api/v1/one-things/{code}/guide — public.
#[utoipa::path(get, path = "/one-things/{code}/guide", tag = "guides",
    summary = "The guide of a one-thing (第八条): conditions, materials, time limits, fees, the flow",
    params(("code" = String, Path, description = "the one-thing's code in the catalog", example = "newborn")),
    responses(
        (status = 200, description = "the guide", body = Guide),
        (status = 404, description = "`unknown_one_thing`", body = ErrorBody),
    ))]
pub async fn json(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Guide>, ApiError> {
    blocking(move || current(&app, &code)).await.map(Json)
}

/// GET /api/v1/one-things/{code}/guide.html — public.
#[utoipa::path(get, path = "/one-things/{code}/guide.html", tag = "guides",
    summary = "The guide as a printable page",
    params(("code" = String, Path, description = "the one-thing's code in the catalog", example = "newborn")),
    responses(
        (status = 200, description = "the page", content_type = "text/html", body = String),
        (status = 404, description = "`unknown_one_thing`", body = ErrorBody),
    ))]
pub async fn html(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Html<String>, ApiError> {
    let g = blocking(move || current(&app, &code)).await?;
    let svg = guide::flow_svg(&g.name, &g.flow);
    Ok(Html(guide::html_page(&g, &svg)))
}

/// GET /api/v1/one-things/{code}/flow.svg — public.
#[utoipa::path(get, path = "/one-things/{code}/flow.svg", tag = "guides",
    summary = "The flow chart of a one-thing",
    params(("code" = String, Path, description = "the one-thing's code in the catalog", example = "newborn")),
    responses(
        (status = 200, description = "the chart", content_type = "image/svg+xml", body = String),
        (status = 404, description = "`unknown_one_thing`", body = ErrorBody),
    ))]
pub async fn flow(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let g = blocking(move || current(&app, &code)).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        guide::flow_svg(&g.name, &g.flow),
    )
        .into_response())
}
