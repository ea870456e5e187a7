//! A body larger than its route allows gets its 413 as an answer the client reads.
//!
//! axum's body limit stops reading at the limit and answers 413, and the server then closes
//! the connection with the rest of the body unread. The kernel answers the client's next
//! segments with a reset, and an ordinary client (curl, reqwest, a browser) reports "connection
//! reset" rather than the 413: an 80 MiB upload just failed, with nothing to tell the
//! department why. So the limit is enforced here, before any extractor runs:
//!
//! - a client that asked `Expect: 100-continue` for a declared length over the limit is
//!   answered at once and never sends the body;
//! - any other oversized body is read and discarded, up to [`DRAIN_BYTES`] and for at most
//!   [`DRAIN_TIME`], then answered 413 — the connection is closed after it, and a client that
//!   sends more than that bound still sees the reset;
//! - a body within the limit is read whole and handed on, so the handler's extractor finds it
//!   complete (its own limit is the same) — if it arrives within the body-read timeout
//!   (`server.rs`); a body still trickling in after that is answered 408 `request_timeout`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use http_body_util::BodyExt;

use super::error::ApiError;
use crate::app::AppState;

/// Most bytes of an oversized body read and thrown away so that its 413 can be delivered.
pub const DRAIN_BYTES: usize = 256 << 20;
/// Longest an oversized body is read for.
pub const DRAIN_TIME: Duration = Duration::from_secs(30);

/// The largest body the matched route takes.
fn limit(app: &AppState, method: &Method, route: Option<&str>) -> usize {
    let route = route.unwrap_or_default();
    if *method == Method::POST && route.ends_with("/matters/{code}/versions") {
        app.config.max_upload_bytes
    } else if *method == Method::POST && route.ends_with("/files") {
        app.config.max_file_bytes
    } else {
        app.config.max_json_bytes
    }
}

pub(super) async fn enforce(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let limit = limit(&app, request.method(), route.as_deref());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let waits_for_go_ahead = request
            .headers()
            .get(header::EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        if !waits_for_go_ahead {
            drain(request.into_body()).await;
        }
        return too_large(limit);
    }

    let (parts, body) = request.into_parts();
    // A client that sends its body a byte at a time holds a connection and a task; the whole
    // body is due within `body_read` of its headers (`server.rs` bounds the headers).
    let read = tokio::time::timeout(app.config.http.body_read, read_whole(body, limit)).await;
    match read {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(response)) => response,
        Err(_) => too_slow(app.config.http.body_read),
    }
}

/// The body, read whole; or the answer when it cannot be read or is over `limit`.
async fn read_whole(mut body: Body, limit: usize) -> Result<bytes::Bytes, Response> {
    let mut read = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "请求内容读取失败",
                "the request body could not be read",
            )
            .into_response());
        };
        if let Ok(data) = frame.into_data() {
            if read.len() + data.len() > limit {
                drain(body).await;
                return Err(too_large(limit));
            }
            read.extend_from_slice(&data);
        }
    }
    Ok(read.freeze())
}

/// Reads and discards what is left of `body`, within the bounds above.
async fn drain(mut body: Body) {
    let mut left = DRAIN_BYTES;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            let n = frame.data_ref().map_or(0, |d| d.len());
            if n >= left {
                return;
            }
            left -= n;
        }
    })
    .await;
}

fn too_slow(allowed: Duration) -> Response {
    let secs = allowed.as_secs();
    closing(
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("请求内容未在 {secs} 秒内传完"),
            format!("the request body did not arrive within {secs} seconds"),
        )
        .with_details(serde_json::json!({ "body_read_secs": secs }))
        .into_response(),
    )
}

fn too_large(limit: usize) -> Response {
    let response = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("请求内容超过大小上限（{limit} 字节）"),
        format!("the request body is larger than the {limit} bytes allowed"),
    )
    .with_details(serde_json::json!({ "max_bytes": limit }))
    .into_response();
    closing(response)
}

/// What is left of the body was not read: the connection cannot carry another request.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
