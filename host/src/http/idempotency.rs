//! `Idempotency-Key` on write commands: a retried request gets the first answer again instead
//! of a second effect (a rollback retried after a lost reply must not roll back twice).
//!
//! The key is scoped to the caller's token, the method and the path. The first response
//! (success or client error; never a 5xx, which may be retried for real) is stored, flushed,
//! and replayed for [`RETENTION_SECS`] (24 hours) to a request with the same key and the same
//! body; the same key with a different body is refused. Two requests with one key at the same
//! time: the second is told to retry once the first has finished. Records older than that are
//! swept in the background (`jobs.rs`) and at start.
//!
//! Only an authenticated caller's key is honoured. The token (or the session cookie with its
//! CSRF token) is checked before the body is read, and a request without a valid one runs as if
//! it carried no key: its answer (most often a 401) is not stored, so anonymous requests with
//! fresh keys cannot grow the store. The online service's keys are scoped to the person it
//! names too, so one person's answer is never replayed to another.
//! A key is held while its first request runs. That request runs to its end in a task of its
//! own even when the client goes away: its answer is then stored for the retry, and the key
//! given back. (Before, a disconnect dropped the request midway: its command could still
//! complete in a blocking thread, but the key was never given back and answered
//! `idempotency_in_progress` until a restart.) A guard gives the key back also when the request
//! panics.
//!
//! The workflow's commands (intake and the window's and departments' commands on a case) store
//! their answer in the same commit as their state change, so a retry after a crash is answered,
//! never applied again: the handler takes the [`FirstRequest`] and the workflow commits the
//! answer with the command. Known limit: the other commands (the registry's uploads,
//! activations and rollbacks) have their answer stored just after they commit, so a crash
//! between the two lets a retry run them again.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Mutex;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::app::AppState;
use crate::store::{IdempotencyStore, Remembered};

pub const HEADER: &str = "idempotency-key";
/// How long a stored response is replayed.
pub const RETENTION_SECS: i64 = 24 * 3600;

/// The first request with an `Idempotency-Key`, as the handler sees it: a handler that can
/// commit the answer together with the command's own writes does so.
#[derive(Clone, Debug)]
pub struct FirstRequest {
    pub scope: String,
    /// SHA-256 of the request body.
    pub request: String,
    /// Unix seconds.
    pub at: i64,
}

/// `Some` for the first request of an `Idempotency-Key`; `None` without a key (or for a
/// read).
pub struct Idempotent(pub Option<FirstRequest>);

impl<S: Send + Sync> FromRequestParts<S> for Idempotent {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Idempotent(parts.extensions.get::<FirstRequest>().cloned()))
    }
}

/// On a response whose answer was committed with its command: nothing left to store.
#[derive(Clone, Copy, Debug)]
pub struct AnswerCommitted;

/// The response a stored answer gives: to the first request (committed with the command) and,
/// marked as such, to every retry.
pub fn answer(r: Remembered) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    let mut response = (status, r.body).into_response();
    if let Some(ct) = r.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
}

/// Keys whose first request is still running.
#[derive(Default)]
pub struct InFlight(Mutex<HashSet<String>>);

impl InFlight {
    fn claim(&self, key: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned())
    }

    fn release(&self, key: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A claimed key, given back when the request that claimed it ends in any way.
struct Claim {
    app: AppState,
    scope: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.app.in_flight.release(&self.scope);
    }
}

fn bad_key() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_idempotency_key",
        "Idempotency-Key 应为 1 至 128 个可见 ASCII 字符",
        "Idempotency-Key must be 1 to 128 visible ASCII characters",
    )
}

pub async fn idempotent(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => return bad_key().into_response(),
    };
    // An unauthenticated request is answered as it would be without a key, and nothing of it
    // is kept: neither its body (read only after this) nor its answer.
    let (caller, request) = match caller(&app, request).await {
        Ok((Some(caller), request)) => (caller, request),
        Ok((None, request)) => return next.run(request).await,
        Err(response) => return *response,
    };
    let scope = format!(
        "{caller}\n{}\n{}\n{key}",
        request.method(),
        request.uri().path()
    );
    let scope = hex::encode(Sha256::digest(scope.as_bytes()));

    let (mut parts, body) = request.into_parts();
    let limit = app.config.max_upload_bytes.max(app.config.max_json_bytes) + 1;
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求内容超过大小上限",
                "the request body is larger than allowed",
            )
            .into_response();
        }
    };
    let fingerprint = hex::encode(Sha256::digest(&bytes));
    let now = app.clock.now().timestamp();

    let remembered = {
        let app = app.clone();
        let scope = scope.clone();
        super::blocking(move || Ok(app.store.remembered(&scope)?)).await
    };
    match remembered {
        Err(e) => return e.into_response(),
        Ok(Some(r)) if now - r.at <= RETENTION_SECS => {
            if r.request != fingerprint {
                return ApiError::unprocessable(
                    "idempotency_key_reused",
                    "该 Idempotency-Key 已用于另一个不同的请求",
                    "this Idempotency-Key was used for a different request",
                )
                .into_response();
            }
            return replay(r);
        }
        Ok(_) => {}
    }

    if !app.in_flight.claim(&scope) {
        return in_progress();
    }
    let claim = Claim {
        app: app.clone(),
        scope: scope.clone(),
    };
    parts.extensions.insert(FirstRequest {
        scope: scope.clone(),
        request: fingerprint.clone(),
        at: now,
    });
    let first = tokio::spawn(async move {
        let _claim = claim;
        let response = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        remember(&app, &scope, fingerprint, now, response).await
    });
    match first.await {
        Ok(response) => response,
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Who the key belongs to: the bearer token with the person the online service names, or the
/// signed-in session. `None` for a caller the host does not know.
async fn caller(
    app: &AppState,
    request: Request,
) -> Result<(Option<String>, Request), Box<Response>> {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    if let Some(token) = bearer {
        let known = {
            let app = app.clone();
            super::blocking(move || Ok(app.auth.resolve(&token, app.clock.now())?.is_ok())).await
        };
        return match known {
            Ok(true) => {
                let header = |name| {
                    request
                        .headers()
                        .get(name)
                        .map(|v| v.as_bytes().to_vec())
                        .unwrap_or_default()
                };
                let mut who = header(header::AUTHORIZATION.as_str());
                let person = header("x-on-behalf-of");
                if !person.is_empty() {
                    who.push(b'\n');
                    who.extend(person);
                }
                Ok((Some(hex::encode(Sha256::digest(&who))), request))
            }
            Ok(false) => Ok((None, request)),
            Err(e) => Err(Box::new(e.into_response())),
        };
    }
    // A cookie write: the session must be in force and the CSRF token right, as the handler
    // will check, before the key counts.
    let (mut parts, body) = request.into_parts();
    let session = super::extract::SignedIn::resolve(&mut parts, app);
    let request = Request::from_parts(parts, body);
    match session {
        Ok(Some(active)) => {
            let who = format!("session\n{}", active.session.id);
            Ok((Some(hex::encode(Sha256::digest(who.as_bytes()))), request))
        }
        // No session, or one that ended: the handler answers as it would without a key.
        Ok(None) | Err(_) => Ok((None, request)),
    }
}

fn in_progress() -> Response {
    ApiError::new(
        StatusCode::CONFLICT,
        "idempotency_in_progress",
        "使用相同 Idempotency-Key 的请求正在处理，请稍后重试",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
    .into_response()
}

fn replay(r: Remembered) -> Response {
    let mut response = answer(r);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

async fn remember(
    app: &AppState,
    scope: &str,
    request: String,
    now: i64,
    response: Response,
) -> Response {
    if response.status().is_server_error()
        || response.extensions().get::<AnswerCommitted>().is_some()
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal("response body unreadable").into_response();
    };
    let record = Remembered {
        request,
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.to_vec(),
        at: now,
    };
    let stored = {
        let app = app.clone();
        let scope = scope.to_owned();
        super::blocking(move || Ok(app.store.remember(&scope, &record)?)).await
    };
    if let Err(e) = stored {
        // The command succeeded; failing the reply now would invite a retry that repeats it.
        tracing::error!(error = %e.en, "could not store an idempotent response");
    }
    // The parts keep their extensions, so an error is still localised by the outer layer.
    Response::from_parts(parts, Body::from(body))
}
