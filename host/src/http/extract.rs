//! Extractors whose rejections use the API's error shape, and the caller's identity.

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::sign_in::{SESSION_COOKIE, read_cookie};
use crate::app::AppState;
use crate::auth::{Need, Principal, Role, permits, token_hash};
use crate::identity::ActiveSession;

/// JSON body.
///
/// Parsed in two steps so that the status says what is wrong: bytes that are not JSON are a
/// 400; JSON that does not fit the expected shape (a missing or unknown field, a wrong type, an
/// impossible date) is a 422 naming the path of the offending value. (serde_json alone reports
/// some type errors, such as a number where an enum is expected, as syntax errors.)
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求需使用 Content-Type: application/json",
                "the request needs Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(bytes_rejection)?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("请求内容不是有效的 JSON：{e}"),
                format!("the request body is not valid JSON: {e}"),
            )
        })?;
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                ApiError::unprocessable(
                    "invalid_request",
                    format!("请求内容的字段或类型不正确（{path}）：{inner}"),
                    format!("the request body has a wrong field or type at {path}: {inner}"),
                )
                .with_details(serde_json::json!({ "path": path }))
            })
    }
}

pub(super) fn bytes_rejection(r: BytesRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求内容超过大小上限",
            "the request body is larger than allowed",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("请求内容读取失败：{}", r.body_text()),
            format!("the request body could not be read: {}", r.body_text()),
        )
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => Err(path_rejection(r)),
        }
    }
}

fn path_rejection(r: PathRejection) -> ApiError {
    let detail = r.body_text();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_path",
        format!("地址中的参数不正确：{detail}"),
        format!("a parameter in the URL is invalid: {detail}"),
    )
}

/// Query string.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    let detail = r.body_text();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        format!("查询参数不正确：{detail}"),
        format!("the query string is invalid: {detail}"),
    )
}

/// A binary body (a component upload): `application/wasm` or `application/octet-stream`.
pub struct Binary(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Binary {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !matches!(
            content_type,
            "application/wasm" | "application/octet-stream"
        ) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "上传组件需使用 Content-Type: application/wasm",
                "uploads need Content-Type: application/wasm",
            ));
        }
        Bytes::from_request(req, state)
            .await
            .map(Binary)
            .map_err(bytes_rejection)
    }
}

/// The authenticated caller.
pub struct Caller(pub Principal);

impl Caller {
    /// Refuses the request unless the caller's role meets `need`.
    pub fn need(&self, need: Need) -> Result<&Principal, ApiError> {
        if permits(&self.0.role, need) {
            Ok(&self.0)
        } else {
            // The roles that may, so a client (and the authorization walk test) can tell the
            // route's rule from a handler's finer one (another department's item, say).
            Err(ApiError::forbidden(
                format!("角色 {} 无权执行此操作", self.0.role),
                format!("role {} may not do this", self.0.role),
            )
            .with_details(serde_json::json!({ "roles": need.roles() })))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Already resolved by the route's guard (`contract.rs`).
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Caller(principal.clone()));
        }
        if let Some(token) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            let token = token
                .strip_prefix("Bearer ")
                .ok_or_else(ApiError::unauthenticated)?;
            let mut principal = match state.auth.resolve(token.trim(), state.clock.now())? {
                Ok(principal) => principal,
                Err(refusal) => return Err(ApiError::refused(refusal)),
            };
            if principal.role == Role::OnlineService {
                principal.person = on_behalf_of(parts, state)?;
            }
            return Ok(Caller(principal));
        }
        let Some(active) = SignedIn::resolve(parts, state)? else {
            return Err(ApiError::unauthenticated());
        };
        let role = active.role().cloned().ok_or_else(|| {
            ApiError::forbidden(
                "您的账号没有可用的角色，请联系数据局管理员",
                "your account holds no role; ask the bureau's administrator",
            )
        })?;
        Ok(Caller(Principal {
            name: active.session.name.clone(),
            role,
            credential: active.session.id.clone(),
            person: active.session.id_number.clone(),
        }))
    }
}

/// The person the online service says it acts for (`X-On-Behalf-Of`: their 公民身份号码, as the
/// citizens' provider vouched for it to the online service). Well-formed or refused; absent
/// is allowed here, and refused by the routes that act on a person's cases.
fn on_behalf_of(parts: &Parts, state: &AppState) -> Result<Option<String>, ApiError> {
    let Some(value) = parts.headers.get("x-on-behalf-of") else {
        return Ok(None);
    };
    let id = value.to_str().unwrap_or("").trim().to_owned();
    lianban_sdk::validate::parse_id_number(&id, state.clock.today()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_on_behalf_of",
            format!("X-On-Behalf-Of 不是有效的公民身份号码：{e}"),
            format!("X-On-Behalf-Of is not a valid identity number: {e}"),
        )
    })?;
    Ok(Some(id))
}

/// A caller signed in with a session cookie.
pub struct SignedIn(pub ActiveSession);

impl SignedIn {
    /// The session of the request's cookie, if it is in force. A write made with the cookie
    /// must carry the session's CSRF token in `X-CSRF-Token`: a page of another site can make
    /// the browser send the cookie, but cannot read the token.
    pub(super) fn resolve(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<ActiveSession>, ApiError> {
        if let Some(active) = parts.extensions.get::<ActiveSession>() {
            return Ok(Some(active.clone()));
        }
        let Some(cookie) = read_cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let Some(active) = state.identity.session(cookie)? else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_ended",
                "登录已过期或已退出，请重新登录",
                "the session has ended; sign in again",
            ));
        };
        let safe = matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
        );
        if !safe {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if token_hash(sent) != token_hash(&active.session.csrf) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "请求缺少有效的 X-CSRF-Token，请刷新页面后重试",
                    "the request lacks a valid X-CSRF-Token; reload the page and retry",
                ));
            }
        }
        parts.extensions.insert(active.clone());
        Ok(Some(active))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        SignedIn::resolve(parts, state)?
            .map(SignedIn)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "请先登录",
                    "sign in first",
                )
            })
    }
}
