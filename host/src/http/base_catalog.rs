//! `/base-catalog`: the provincial base catalog of matters (同源, 第九条). The bureau imports
//! the province's CSV; everyone on staff can read it and the reports of past imports.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use bytes::Bytes;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, bytes_rejection};
use crate::app::AppState;
use crate::catalog::base::{BaseEntry, ImportReport, parse_csv};

/// GET /api/v1/base-catalog — any staff.
#[utoipa::path(get, path = "/base-catalog", tag = "catalog",
    summary = "The provincial base catalog of matters (同源, 第九条)",
    responses((status = 200, description = "every entry", body = Vec<BaseEntry>)))]
pub async fn list(State(app): State<AppState>) -> Result<Json<Vec<BaseEntry>>, ApiError> {
    blocking(move || Ok(app.catalog.base()?.into_values().collect()))
        .await
        .map(Json)
}

/// GET /api/v1/base-catalog/imports — any staff. Oldest first.
#[utoipa::path(get, path = "/base-catalog/imports", tag = "catalog",
    summary = "The reports of past imports of the base catalog, oldest first",
    responses((status = 200, description = "one report per import", body = Vec<ImportReport>)))]
pub async fn imports(State(app): State<AppState>) -> Result<Json<Vec<ImportReport>>, ApiError> {
    blocking(move || Ok(app.catalog.base_imports()?))
        .await
        .map(Json)
}

/// PUT /api/v1/base-catalog — admin. Body: the whole catalog as `text/csv` (UTF-8, header
/// `code,name,department,level,legal_days,basis`). Replies with the import's report.
#[utoipa::path(put, path = "/base-catalog", tag = "catalog",
    summary = "Import the province's base catalog, replacing the one held",
    request_body(content = String, content_type = "text/csv",
        description = "UTF-8, header `code,name,department,level,legal_days,basis`"),
    responses(
        (status = 200, description = "the import's report, with the one-things it affects", body = ImportReport),
        (status = 422, description = "`base_catalog_invalid`: not UTF-8, or rows with problems (`details.problems`)", body = ErrorBody),
    ))]
pub async fn import(
    State(app): State<AppState>,
    Caller(principal): Caller,
    request: Request,
) -> Result<Json<ImportReport>, ApiError> {
    let by = principal.name;
    let is_csv = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim() == "text/csv"));
    if !is_csv {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "基本目录请以 Content-Type: text/csv 上传",
            "upload the base catalog with Content-Type: text/csv",
        ));
    }
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(bytes_rejection)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        ApiError::unprocessable(
            "base_catalog_invalid",
            "文件不是 UTF-8 编码",
            "the file is not UTF-8",
        )
    })?;
    let entries = parse_csv(text).map_err(|problems| {
        ApiError::unprocessable(
            "base_catalog_invalid",
            format!("基本目录有误：{}", problems.join("；")),
            format!("the base catalog has {} problem(s)", problems.len()),
        )
        .with_details(serde_json::json!({ "problems": problems }))
    })?;
    let at = app.clock.stamp();
    blocking(move || Ok(app.catalog.import_base(entries, &by, &at)?))
        .await
        .map(Json)
}
