//! The served OpenAPI document, generated entirely from the code: the operations and types
//! from the handlers (`#[utoipa::path]`) and the route table (`contract.rs`), and here what
//! belongs to the document as a whole. A test checks that every route is documented and every
//! documented path is routed.

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi};
use utoipa::{OpenApi as _, PartialSchema, ToSchema};

use super::contract::ErrorBody;

/// The routes outside `/api/v1`, and the document itself.
#[derive(utoipa::OpenApi)]
#[openapi(paths(super::health::healthz, super::metrics::scrape, serve))]
struct Outside;

/// The document, built once when the router is.
#[derive(Clone)]
pub(super) struct Document(Arc<str>);

impl Document {
    /// `api` holds the operations of `/api/v1`, with paths relative to it.
    pub(super) fn new(api: OpenApi) -> Document {
        let mut doc = api;
        doc.paths.paths = std::mem::take(&mut doc.paths.paths)
            .into_iter()
            .map(|(path, item)| (format!("/api/v1{path}"), item))
            .collect();
        let mut outside = Outside::openapi();
        for item in outside.paths.paths.values_mut() {
            if let Some(op) = item.get.as_mut() {
                op.extensions
                    .get_or_insert_with(Default::default)
                    .insert("x-roles".into(), serde_json::json!([]));
            }
        }
        doc.merge(outside);
        doc.info = InfoBuilder::new()
            .title("lianban 联办平台 API")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(
                "政务服务“一件事一次办”：事项清单、规则插件、预审、办件与工作日历。\
                 每个操作的 x-roles 列出可调用的角色。错误统一为 \
                 {\"error\":{\"code\",\"message\",\"details\"}}；默认中文，\
                 Accept-Language: en 返回英文。",
            ))
            .build();
        let components = doc.components.get_or_insert_with(Default::default);
        components.security_schemes.insert(
            "bearer".to_owned(),
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // A signed-in person's session (`/auth/{issuer}/login`): the cookie, and for writes
        // the session's `X-CSRF-Token`.
        components.security_schemes.insert(
            "session".to_owned(),
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("lb_session"))),
        );
        components
            .schemas
            .insert(ErrorBody::name().into_owned(), ErrorBody::schema());
        let json = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
        Document(json.into())
    }
}

/// GET /api/v1/openapi.json — public.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "platform",
    summary = "This document",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub(super) async fn serve(document: Document) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.0.to_string(),
    )
}
