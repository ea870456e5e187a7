//! `/files`: material scans and result documents, stored by content hash.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::blocking;
use super::cases::{actor, owned, self_print};
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Path};
use crate::app::AppState;
use crate::auth::Need;
use crate::auth::Role;
use crate::files::{FileKind, StoredFile};
use crate::store::FileUsageStore;
use crate::workflow::service::FullRead;
use sha2::Digest;

/// POST /api/v1/files — any role: the window and the online service upload materials, a
/// department its result documents. Body: the file. Its type is read from its content; names
/// are never used as paths. Each caller (token) may upload `file_quota_bytes_per_day` a day
/// (China Standard Time), refused uploads included: the quota bounds what one caller can make
/// the host receive and keep.
#[utoipa::path(post, path = "/files", tag = "files",
    summary = "Upload a material scan or a result document (PDF, JPEG, PNG or OFD, told from its content)",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file, any content type"),
    responses(
        (status = 201, description = "the stored file, named by its hash", body = StoredFile),
        (status = 413, description = "`payload_too_large`: larger than `--max-file-bytes`", body = ErrorBody),
        (status = 415, description = "`file_type_not_allowed`", body = ErrorBody),
        (status = 422, description = "`empty_file`", body = ErrorBody),
        (status = 429, description = "`file_quota_exceeded`: the caller's uploads today reached `--file-quota-bytes-per-day`", body = ErrorBody),
    ))]
pub async fn upload(
    State(app): State<AppState>,
    _caller: Caller,
    request: Request,
) -> Result<Response, ApiError> {
    // The extractor above has checked the token; the quota is kept per token, hashed.
    let caller = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| hex::encode(sha2::Sha256::digest(v.as_bytes())))
        .unwrap_or_default();
    let bytes = Bytes::from_request(request, &app).await.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "文件超过大小上限",
                "the file is larger than allowed",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "文件读取失败",
                "the file could not be read",
            )
        }
    })?;
    let day = app.clock.today().to_string();
    let stored: StoredFile = blocking(move || {
        let limit = app.config.file_quota_bytes_per_day;
        if !app
            .store
            .add_file_usage(&caller, &day, bytes.len() as u64, limit)?
        {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "file_quota_exceeded",
                format!(
                    "今天上传的文件已达上限（{} MiB），请明天再传或联系管理员",
                    limit >> 20
                ),
                format!(
                    "today's file upload quota of {} MiB is used up",
                    limit >> 20
                ),
            ));
        }
        Ok(app.workflow.files.put(&bytes)?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// Whether `department` handles an item of a case that refers to the file.
fn department_may_read(app: &AppState, department: &str, sha256: &str) -> Result<bool, ApiError> {
    for (case, matter) in app.workflow.department_items(department)? {
        let in_materials = case
            .materials
            .iter()
            .any(|m| m.files.iter().any(|f| f == sha256));
        let in_result = case
            .item(&matter)
            .and_then(|i| i.decision.as_ref())
            .is_some_and(|d| {
                d.documents
                    .iter()
                    .any(|doc| doc.file.as_deref() == Some(sha256))
            });
        if in_materials || in_result {
            return Ok(true);
        }
    }
    Ok(false)
}

/// GET /api/v1/files/{sha256} — the window and the bureau; a department for files of cases
/// it handles (第十八条: departments work from the electronic materials).
#[utoipa::path(get, path = "/files/{sha256}", tag = "files",
    summary = "A stored file (a department: only files of cases it handles; not the online service)",
    params(("sha256" = String, Path, description = "SHA-256 of the file, lowercase hex")),
    responses(
        (status = 200, description = "the file, with its content type", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/ofd"), (Vec<u8> = "application/octet-stream"))),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`unknown_file`", body = ErrorBody),
    ))]
pub async fn download(
    State(app): State<AppState>,
    caller: Caller,
    Path(sha256): Path<String>,
) -> Result<Response, ApiError> {
    let principal = caller.0.clone();
    let not_found = || {
        ApiError::not_found(
            "unknown_file",
            format!("没有文件 {sha256}"),
            format!("no file {sha256}"),
        )
    };
    let bytes = blocking({
        let app = app.clone();
        let sha256 = sha256.clone();
        move || {
            let allowed = match &principal.role {
                Role::Clerk | Role::Admin => true,
                Role::Department(d) => department_may_read(&app, d, &sha256)?,
                Role::OnlineService | Role::Citizen => false,
            };
            if !allowed {
                return Err(ApiError::forbidden(
                    "无权读取该文件",
                    "you may not read this file",
                ));
            }
            Ok(app.workflow.files.get(&sha256)?)
        }
    })
    .await?
    .ok_or_else(not_found)?;
    Ok(served(bytes))
}

/// A stored file's bytes with the type their content shows.
fn served(bytes: Vec<u8>) -> Response {
    let content_type =
        FileKind::sniff(&bytes).map_or("application/octet-stream", FileKind::content_type);
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

/// GET /api/v1/cases/{id}/results/{sha256} — self-print (第十七条): the applicant (or the
/// window) downloads a result document of the case once it has reached the window. A file
/// that is not such a document of this case, or a case that is not the caller's, answers
/// `unknown_file` alike, so the route tells nobody which files exist.
#[utoipa::path(get, path = "/cases/{id}/results/{sha256}", tag = "cases",
    summary = "A result document of the case, for applicants who chose self-print, once it reached the window (第十七条)",
    params(("id" = String, Path, description = "the case number"),
           ("sha256" = String, Path, description = "SHA-256 of the result document, lowercase hex")),
    responses(
        (status = 200, description = "the document, with its content type", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/ofd"), (Vec<u8> = "application/octet-stream"))),
        (status = 404, description = "`unknown_case` or `unknown_file`", body = ErrorBody),
        (status = 409, description = "`not_self_print`", body = ErrorBody),
    ))]
pub async fn result_download(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    let bytes = blocking(move || {
        let case = app.workflow.case(&id)?;
        owned(&principal, &case)?;
        self_print(&case)?;
        let matter = case
            .items
            .iter()
            .filter(|i| i.window_received_at.is_some())
            .find(|i| {
                i.decision.as_ref().is_some_and(|d| {
                    d.documents
                        .iter()
                        .any(|doc| doc.file.as_deref() == Some(sha256.as_str()))
                })
            })
            .map(|i| i.matter.clone());
        let file = match matter {
            Some(matter) => {
                // A result names the applicant in full: its download is a full read of the
                // case's personal data, recorded before the file is given.
                let read = FullRead {
                    purpose: "self_print",
                    matter: Some(matter),
                };
                app.workflow
                    .record_read(&actor(&principal), &case, Some(&read))?;
                app.workflow.files.get(&sha256)?
            }
            None => None,
        };
        file.ok_or_else(|| {
            ApiError::not_found(
                "unknown_file",
                format!("该办件没有可下载的结果文件 {sha256}"),
                format!("the case has no downloadable result {sha256}"),
            )
        })
    })
    .await?;
    Ok(served(bytes))
}
