//! The console's only way to the platform: the public API, called in process with the
//! visitor's own session cookie. The console therefore holds no privilege of its own — what a
//! page shows is what the visitor's role may read, and what a form does is what that role may
//! do, decided by the API's guards exactly as for any other client.

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde::Serialize;
use serde_json::Value;
use tower::ServiceExt;

/// Answers larger than this are not read into a page (a queue of thousands would be).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// The API router, shared by every console handler.
#[derive(Clone)]
pub struct Api {
    router: Router,
    /// The largest file the host stores, so a download is never cut short.
    file_limit: usize,
}

/// Who is asking: the visitor's cookie and address, passed on to the API unchanged, and the
/// CSRF token a form carried (the API checks it on every write made with the cookie).
#[derive(Clone, Debug, Default)]
pub struct Visitor {
    cookie: Option<HeaderValue>,
    peer: Option<SocketAddr>,
    csrf: Option<String>,
}

impl Visitor {
    /// The same visitor without their session: for public routes whose writes carry their
    /// own proof (a signed rating link), which a staff cookie must not turn into its own.
    pub fn anonymous(&self) -> Visitor {
        Visitor {
            peer: self.peer,
            ..Visitor::default()
        }
    }

    pub fn with_csrf(&self, csrf: &str) -> Visitor {
        Visitor {
            csrf: Some(csrf.to_owned()),
            ..self.clone()
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor {
            cookie: parts.headers.get(header::COOKIE).cloned(),
            peer: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            csrf: None,
        })
    }
}

/// An API answer that was not a success, as the API put it.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Value,
}

impl Failure {
    /// A failure of the console's own (a missing page, an unreadable upload), shaped like the
    /// API's so one page shows both.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code: code.to_owned(),
            message: message.into(),
            details: Value::Null,
        }
    }

    /// A multipart upload the console could not read.
    pub fn unreadable_upload(e: &axum::extract::multipart::MultipartError) -> Failure {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Failure::new(413, "payload_too_large", "上传的文件过大，请压缩或分开上传");
        }
        Failure::new(
            e.status().as_u16(),
            "bad_upload",
            format!("上传内容无法读取：{}", e.body_text()),
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY)
    }
}

impl Api {
    pub fn new(router: Router, file_limit: usize) -> Api {
        Api { router, file_limit }
    }

    pub async fn get(&self, visitor: &Visitor, path: &str) -> Result<Value, Failure> {
        self.call(visitor, Method::GET, path, None).await
    }

    pub async fn post(
        &self,
        visitor: &Visitor,
        path: &str,
        body: &Value,
    ) -> Result<Value, Failure> {
        self.call(visitor, Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, visitor: &Visitor, path: &str, body: &Value) -> Result<Value, Failure> {
        self.call(visitor, Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, visitor: &Visitor, path: &str) -> Result<Value, Failure> {
        self.call(visitor, Method::DELETE, path, None).await
    }

    /// Sends bytes as they are (a rules component) with `content_type`.
    pub async fn post_bytes(
        &self,
        visitor: &Visitor,
        path: &str,
        bytes: bytes::Bytes,
        content_type: &str,
    ) -> Result<Value, Failure> {
        self.send(
            visitor,
            Method::POST,
            path,
            Body::from(bytes),
            Some(content_type),
        )
        .await
    }

    /// One request to `/api/v1{path}`. The console always reads the zh-CN messages: its pages
    /// are in zh-CN throughout.
    async fn call(
        &self,
        visitor: &Visitor,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let (body, kind) = match body {
            Some(value) => (Body::from(value.to_string()), Some("application/json")),
            None => (Body::empty(), None),
        };
        self.send(visitor, method, path, body, kind).await
    }

    /// A stored file as the API serves it: its content type and bytes.
    pub async fn get_file(
        &self,
        visitor: &Visitor,
        path: &str,
    ) -> Result<(String, bytes::Bytes), Failure> {
        let (status, kind, bytes) = self
            .exchange(
                visitor,
                Method::GET,
                path,
                Body::empty(),
                None,
                self.file_limit,
            )
            .await?;
        if status.is_success() {
            Ok((kind, bytes))
        } else {
            Err(failure(status, &bytes))
        }
    }

    async fn send(
        &self,
        visitor: &Visitor,
        method: Method,
        path: &str,
        body: Body,
        content_type: Option<&str>,
    ) -> Result<Value, Failure> {
        let (status, _, bytes) = self
            .exchange(visitor, method, path, body, content_type, MAX_ANSWER)
            .await?;
        if !status.is_success() {
            return Err(failure(status, &bytes));
        }
        Ok(if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        })
    }

    /// One request and its answer: status, content type and body.
    async fn exchange(
        &self,
        visitor: &Visitor,
        method: Method,
        path: &str,
        body: Body,
        content_type: Option<&str>,
        limit: usize,
    ) -> Result<(StatusCode, String, bytes::Bytes), Failure> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::ACCEPT, "application/json");
        if let Some(kind) = content_type {
            request = request.header(header::CONTENT_TYPE, kind);
        }
        if let Some(cookie) = &visitor.cookie {
            request = request.header(header::COOKIE, cookie.clone());
        }
        if let Some(csrf) = &visitor.csrf {
            request = request.header("x-csrf-token", csrf.as_str());
        }
        let mut request = request
            .body(body)
            .map_err(|_| Failure::new(400, "bad_path", "地址不正确"))?;
        if let Some(peer) = visitor.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .map_err(|never| match never {})?;
        let status = response.status();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = to_bytes(response.into_body(), limit)
            .await
            .map_err(|_| Failure::new(502, "answer_too_large", "平台的答复过大，无法显示"))?;
        Ok((status, kind, bytes))
    }
}

/// An API answer that was not a success, as its error body put it.
fn failure(status: StatusCode, bytes: &[u8]) -> Failure {
    let value: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let error = &value["error"];
    Failure {
        status: status.as_u16(),
        code: error["code"].as_str().unwrap_or("error").to_owned(),
        message: error["message"]
            .as_str()
            .unwrap_or("平台暂时无法处理，请稍后重试")
            .to_owned(),
        details: error["details"].clone(),
    }
}

/// Percent-encodes one path segment (a case number, a department code) for an API path.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
