//! Files through the console: a material's scan or a result document for staff (the API's
//! `GET /files/{sha256}`, which decides who may read what), and the self-print download of a
//! result for the applicant (`GET /cases/{id}/results/{sha256}`, 第十七条). The console passes
//! the API's answer on, as an attachment named for what it is.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::api::segment;
use super::{Api, Failure, Me, Visitor, problem, signed_in};

pub async fn stored(
    State(api): State<Api>,
    visitor: Visitor,
    Path(sha256): Path<String>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let answer = api
        .get_file(&me.visitor, &format!("/files/{}", segment(&sha256)))
        .await;
    attachment(&me, answer, &sha256)
}

pub async fn result(
    State(api): State<Api>,
    visitor: Visitor,
    Path((id, sha256)): Path<(String, String)>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let at = format!("/cases/{}/results/{}", segment(&id), segment(&sha256));
    let answer = api.get_file(&me.visitor, &at).await;
    attachment(&me, answer, &format!("{id}-{}", short(&sha256)))
}

/// The first twelve characters of a hash: enough to tell two results of a case apart.
fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

/// The file to save (never shown inside a console page: a scan is the applicant's, not the
/// page's), or the page that says why not.
pub(super) fn attachment(
    me: &Me,
    answer: Result<(String, Bytes), Failure>,
    stem: &str,
) -> Response {
    let (kind, bytes) = match answer {
        Ok(file) => file,
        Err(f) => return problem(Some(me), &f),
    };
    let extension = match kind.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "application/ofd" => "ofd",
        crate::http::reports::XLSX => "xlsx",
        _ => "bin",
    };
    // The stem is a case number and a hash, or a hash: ASCII the API accepted, but kept to
    // safe characters all the same before it goes into a header.
    let stem: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let disposition = format!("attachment; filename=\"{stem}.{extension}\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(kind) = HeaderValue::from_str(&kind) {
        headers.insert(header::CONTENT_TYPE, kind);
    }
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
