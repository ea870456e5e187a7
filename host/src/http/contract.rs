//! The API's contract, generated: each handler states its path, parameters, body and the
//! answers of its own (`#[utoipa::path]` next to it, with the types it really takes and
//! returns), and the route table states who may call it (`guarded`). From that one statement
//! the role is both enforced, before the handler runs, and written into the document as
//! `x-roles` with the answers every guarded or body-taking route can give.
//!
//! Handlers not converted yet are still described by the hand-written `openapi.json`; the
//! served document is that one with every generated operation put in its place.

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa_axum::router::UtoipaMethodRouter;

use super::error::ApiError;
use super::extract::Caller;
use crate::app::AppState;
use crate::auth::Need;

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
pub(super) enum Access {
    /// Anyone, without a token.
    Public,
    /// A token whose role meets the need.
    Token(Need),
}

/// The API's error body: `{"error": {"code", "message", "details"}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    #[schema(inline)]
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
struct ErrorDetail {
    /// Stable, for programs.
    code: String,
    /// For people: zh-CN, or English with `Accept-Language: en`.
    message: String,
    /// What the code's documentation says it carries, if anything.
    #[schema(value_type = Option<Object>)]
    details: Option<serde_json::Value>,
}

/// The routes of `routes`, callable only as `access` allows, and documented so.
pub(super) fn guarded(
    state: &AppState,
    access: Access,
    (schemas, mut paths, router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    for item in paths.paths.values_mut() {
        for op in operations(item) {
            describe(op, access);
        }
    }
    let router = match access {
        Access::Public => router,
        Access::Token(need) => router.route_layer(middleware::from_fn_with_state(
            state.clone(),
            move |State(app): State<AppState>, request: Request, next: Next| async move {
                match admit(&app, need, request).await {
                    Ok(request) => next.run(request).await,
                    Err(e) => e.into_response(),
                }
            },
        )),
    };
    (schemas, paths, router)
}

/// Resolves the caller and checks the need; the handler's `Caller` finds the principal again
/// without a second look-up.
async fn admit(app: &AppState, need: Need, request: Request) -> Result<Request, ApiError> {
    let (mut parts, body) = request.into_parts();
    let caller =
        <Caller as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, app)
            .await?;
    caller.need(need)?;
    parts.extensions.insert(caller.0);
    Ok(Request::from_parts(parts, body))
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Error")))
                    .build(),
            )
            .build(),
    )
}

/// Roles, security and the answers that come from the route's kind rather than its handler.
fn describe(op: &mut Operation, access: Access) {
    let mut also: Vec<(&str, &str)> = Vec::new();
    let roles: Vec<&str> = match access {
        Access::Public => Vec::new(),
        Access::Token(need) => {
            op.security = Some(vec![SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]);
            also.push(("401", "no token, or not a valid one"));
            also.push(("403", "the token's role may not do this"));
            need.roles().to_vec()
        }
    };
    let extensions = op.extensions.get_or_insert_with(Default::default);
    extensions.insert("x-roles".into(), serde_json::json!(roles));
    if op.request_body.is_some() {
        also.extend([
            (
                "400",
                "the body is not valid JSON, or a parameter is malformed",
            ),
            (
                "408",
                "the body did not arrive within the body-read timeout",
            ),
            ("413", "the body is larger than the route takes"),
            ("415", "the body is not of the content type the route takes"),
            (
                "422",
                "the body is well-formed JSON but not a valid request",
            ),
        ]);
    } else if !op.parameters.as_ref().is_none_or(Vec::is_empty) {
        also.push(("400", "a parameter is malformed"));
    }
    for (status, description) in also {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    }
}

/// The served document: the hand-written one with every generated operation, and the
/// generated schemas, put in.
pub(super) fn document(hand_written: &str, generated: &OpenApi) -> String {
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(hand_written) else {
        return hand_written.to_owned();
    };
    let Ok(generated) = serde_json::to_value(generated) else {
        return hand_written.to_owned();
    };
    if let Some(paths) = generated["paths"].as_object() {
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            let entry = &mut doc["paths"][path];
            if !entry.is_object() {
                *entry = serde_json::json!({});
            }
            for (method, op) in ops {
                entry[method] = op.clone();
            }
        }
    }
    if let Ok(error) = serde_json::to_value(<ErrorBody as utoipa::PartialSchema>::schema()) {
        doc["components"]["schemas"]["Error"] = error;
    }
    if let Some(schemas) = generated["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            doc["components"]["schemas"][name] = schema.clone();
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| hand_written.to_owned())
}
