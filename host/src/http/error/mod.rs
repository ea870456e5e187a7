//! The API's one error shape, `{"error": {"code", "message", "details"}}`, and, in `domain.rs`,
//! the single place where the host's error types become HTTP statuses.
//!
//! Messages are written in both languages where the error is made; the `localize` middleware
//! picks zh-CN (the default) or English per `Accept-Language`.

mod domain;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::Refusal as TokenRefusal;

#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            zh: zh.into(),
            en: en.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "缺少有效的访问令牌，请在 Authorization 头中以 Bearer 方式提供",
            "a valid bearer token is required in the Authorization header",
        )
    }

    /// A token presented but not accepted: the holder is told why, since they hold it.
    pub fn refused(refusal: TokenRefusal) -> ApiError {
        match refusal {
            TokenRefusal::Unknown => ApiError::unauthenticated(),
            TokenRefusal::Expired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "访问令牌已过期，请向管理员申请新的令牌",
                "the bearer token has expired; ask the administrator for a new one",
            ),
            TokenRefusal::Revoked => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_revoked",
                "访问令牌已被吊销",
                "the bearer token has been revoked",
            ),
        }
    }

    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", zh, en)
    }

    pub fn not_found(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, zh, en)
    }

    pub fn unprocessable(
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, zh, en)
    }

    pub fn internal(what: impl std::fmt::Display) -> ApiError {
        tracing::error!(%what, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务内部错误，请稍后重试；如持续出现请联系管理员",
            "internal error; please retry later, and contact the administrator if it persists",
        )
    }

    fn body(&self, english: bool) -> Value {
        let message = if english { &self.en } else { &self.zh };
        let mut error = json!({ "code": self.code, "message": message });
        if let Some(d) = &self.details {
            error["details"] = d.clone();
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body(false))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: how to authenticate, and for a refused token that it was the token.
            let challenge = if self.code == "unauthenticated" {
                "Bearer realm=\"lianban\""
            } else {
                "Bearer realm=\"lianban\", error=\"invalid_token\""
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(challenge),
            );
        }
        // Kept for `localize`, which knows the request's language.
        response.extensions_mut().insert(self);
        response
    }
}

/// Whether the client prefers English over Chinese. Only the primary language of each range
/// counts, and quality values decide; without a preference the answer is zh-CN.
pub fn prefers_english(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut best: Option<(f32, bool)> = None;
    for range in value.split(',') {
        let mut parts = range.trim().split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let english = match primary {
            "en" => true,
            "zh" => false,
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, english));
        }
    }
    best.is_some_and(|(_, english)| english)
}

/// Re-renders error bodies in English when the client asks for it.
pub async fn localize(request: Request, next: Next) -> Response {
    let english = prefers_english(request.headers());
    let mut response = next.run(request).await;
    if english && let Some(err) = response.extensions_mut().remove::<ApiError>() {
        return (err.status, Json(err.body(true))).into_response();
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn language_negotiation() {
        assert!(!prefers_english(&HeaderMap::new()));
        assert!(prefers_english(&headers("en")));
        assert!(prefers_english(&headers("en-US,en;q=0.9")));
        assert!(!prefers_english(&headers("zh-CN,zh;q=0.9,en;q=0.8")));
        assert!(prefers_english(&headers("zh;q=0.5, en-GB;q=0.8")));
        assert!(!prefers_english(&headers("fr")));
        assert!(!prefers_english(&headers("garbage;;;q=x")));
    }
}
