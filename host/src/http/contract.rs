//! The API's contract, generated: each handler states its path, parameters, body and the
//! answers of its own (`#[utoipa::path]` next to it, with the types it really takes and
//! returns), and the route table states who may call it (`guarded`). From that one statement
//! the role is both enforced, before the handler runs, and written into the document as
//! `x-roles` with the answers every guarded or body-taking route can give.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Ref, RefOr, ResponseBuilder};
use utoipa_axum::router::UtoipaMethodRouter;

use super::error::ApiError;
use super::extract::{Caller, SignedIn};
use crate::app::AppState;
use crate::auth::Need;

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
pub(super) enum Access {
    /// Anyone, without a token.
    Public,
    /// A token, or a signed-in person's session, whose role meets the need.
    Token(Need),
    /// A signed-in person's session (`/session`): what it is and how it ends.
    Session,
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
        for (write, op) in operations(item) {
            describe(op, access, write);
        }
    }
    let router = match access {
        Access::Public => router,
        Access::Session => router.route_layer(middleware::from_fn_with_state(
            state.clone(),
            |State(app): State<AppState>, request: Request, next: Next| async move {
                let (mut parts, body) = request.into_parts();
                match <SignedIn as axum::extract::FromRequestParts<AppState>>::from_request_parts(
                    &mut parts, &app,
                )
                .await
                {
                    Ok(_) => next.run(Request::from_parts(parts, body)).await,
                    Err(e) => e.into_response(),
                }
            },
        )),
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

/// The routes of `routes`, taking bodies of up to `max` bytes instead of the API's default.
pub(super) fn body_limit(
    max: usize,
    (schemas, paths, router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    (schemas, paths, router.layer(DefaultBodyLimit::max(max)))
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

/// Each operation of `item`, and whether it writes (and so honours `Idempotency-Key`).
fn operations(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (false, &mut item.get),
        (true, &mut item.put),
        (true, &mut item.post),
        (true, &mut item.delete),
        (true, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(write, op)| op.as_mut().map(|op| (write, op)))
}

/// The `Idempotency-Key` header a write command takes (`idempotency.rs`).
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "Retrying with the same key within 24 hours replays the first answer instead of \
             running the command again. 1 to 128 visible ASCII characters.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(128))
                .pattern(Some("^[!-~]+$")),
        ))
        .build()
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
fn describe(op: &mut Operation, access: Access, write: bool) {
    let mut also: Vec<(&str, &str)> = Vec::new();
    let roles: Vec<&str> = match access {
        Access::Public => Vec::new(),
        Access::Token(need) => {
            op.security = Some(vec![
                SecurityRequirement::new("bearer", Vec::<String>::new()),
                SecurityRequirement::new("session", Vec::<String>::new()),
            ]);
            also.push(("401", "no token or session, or not a valid one"));
            also.push((
                "403",
                "the role may not do this; `csrf_failed`: a write with the session cookie lacks X-CSRF-Token",
            ));
            need.roles().to_vec()
        }
        Access::Session => {
            op.security = Some(vec![SecurityRequirement::new(
                "session",
                Vec::<String>::new(),
            )]);
            also.push(("401", "not signed in, or the session has ended"));
            also.push((
                "403",
                "`csrf_failed`: a write with the session cookie lacks X-CSRF-Token",
            ));
            vec!["session"]
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
    if write && matches!(access, Access::Token(_) | Access::Session) {
        op.parameters
            .get_or_insert_with(Vec::new)
            .push(idempotency_key());
        also.extend([
            ("400", "`invalid_idempotency_key`"),
            (
                "409",
                "`idempotency_in_progress`: a request with this key is still running",
            ),
            ("413", "the body is larger than the route takes"),
            (
                "422",
                "`idempotency_key_reused`: the key came with another body",
            ),
        ]);
    }
    for (status, description) in also {
        match op.responses.responses.get_mut(status) {
            // The handler's own answer with this status: it can also come for this reason.
            Some(RefOr::T(response)) if !response.description.contains(description) => {
                response.description = format!("{}; or {description}", response.description);
            }
            Some(_) => {}
            None => {
                op.responses
                    .responses
                    .insert(status.to_owned(), error_response(description));
            }
        }
    }
}
