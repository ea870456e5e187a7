//! The JSON API under `/api/v1`: one file per URL area, the route table in `router`.

mod base_catalog;
mod body_limit;
mod calendar;
mod capabilities;
mod cases;
mod catalog;
mod consultation;
mod dictionary;
pub mod error;
mod extract;
mod files;
mod guides;
mod health;
pub mod idempotency;
mod matters;
mod metrics;
mod notifications;
mod one_things;
mod openapi;
mod prechecks;

use std::any::Any;
use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;

pub use error::ApiError;
pub use openapi::DOCUMENT as OPENAPI_DOCUMENT;

use crate::app::AppState;

/// Every route of the API. The role each one needs is stated in its handler (see `auth::Need`)
/// and in the OpenAPI document as `x-roles`.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes.saturating_add(1);
    let file_limit = state.config.max_file_bytes.saturating_add(1);
    let api = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route(
            "/base-catalog",
            get(base_catalog::list).put(base_catalog::import),
        )
        .route("/base-catalog/imports", get(base_catalog::imports))
        .route(
            "/catalog/batches",
            get(catalog::batches).post(catalog::publish),
        )
        .route("/catalog/drafts", get(catalog::drafts))
        .route(
            "/catalog/drafts/{code}",
            get(catalog::draft).put(catalog::save_draft),
        )
        .route("/catalog/drafts/{code}/filing", post(catalog::file))
        .route("/catalog/drafts/{code}/decision", post(catalog::decide))
        .route("/catalog/one-things/{code}/history", get(catalog::history))
        .route(
            "/consultation/proposals",
            get(consultation::ranking).post(consultation::propose),
        )
        .route("/consultation/proposals/{id}", get(consultation::show))
        .route(
            "/consultation/proposals/{id}/supports",
            post(consultation::support),
        )
        .route(
            "/consultation/proposals/{id}/replies",
            post(consultation::reply),
        )
        .route("/consultation/inbox", get(consultation::inbox))
        .route("/dictionary", get(dictionary::show))
        .route("/dictionary/fields/{key}", put(dictionary::put_field))
        .route(
            "/dictionary/materials/{code}",
            put(dictionary::put_material),
        )
        .route("/one-things", get(one_things::list))
        .route("/one-things/{code}", get(one_things::show))
        .route("/one-things/{code}/guide", get(guides::json))
        .route("/one-things/{code}/guide.html", get(guides::html))
        .route("/one-things/{code}/flow.svg", get(guides::flow))
        .route("/prechecks", post(prechecks::create))
        .route(
            "/matters/{code}/versions",
            get(matters::versions)
                .post(matters::upload)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/matters/{code}/versions/{sha256}",
            get(matters::version).delete(matters::delete_version),
        )
        .route(
            "/matters/{code}/versions/{sha256}/replay",
            get(matters::latest_replay).post(matters::replay),
        )
        .route(
            "/matters/{code}/versions/{sha256}/replay/review",
            post(matters::review_replay),
        )
        .route(
            "/matters/{code}/active",
            get(matters::active).put(matters::activate),
        )
        .route("/matters/{code}/rollback", post(matters::rollback))
        .route("/matters/{code}/activations", get(matters::activations))
        .route(
            "/matters/{code}/schedules",
            get(matters::schedules).post(matters::schedule),
        )
        .route(
            "/matters/{code}/schedules/{sha256}",
            delete(matters::unschedule),
        )
        .route(
            "/matters/{code}/capabilities",
            get(capabilities::show).put(capabilities::put),
        )
        .route("/elicenses", put(capabilities::put_certificate))
        .route(
            "/elicenses/{kind}/{holder}",
            get(capabilities::certificates),
        )
        .route(
            "/elicenses/{kind}/{holder}/{number}",
            delete(capabilities::remove_certificate),
        )
        .route("/cases", post(cases::create))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/application", put(cases::update_application))
        .route("/cases/{id}/window", post(cases::window))
        .route("/cases/{id}/items/{matter}", post(cases::item))
        .route("/cases/{id}/events", get(cases::events))
        .route("/cases/{id}/notice", get(cases::notice))
        .route("/cases/{id}/archive", get(cases::archive_record))
        .route("/cases/{id}/results", get(cases::results))
        .route("/departments/{code}/items", get(cases::queue))
        .route(
            "/files",
            post(files::upload).layer(DefaultBodyLimit::max(file_limit)),
        )
        .route("/files/{sha256}", get(files::download))
        .route(
            "/departments/{code}/webhook",
            put(notifications::set_webhook),
        )
        .route("/outbox/sent", get(notifications::sent))
        .route("/supervision/clocks", get(cases::supervision))
        .route("/calendar", get(calendar::years))
        .route("/calendar/working-days", get(calendar::working_days))
        .route(
            "/calendar/{year}",
            get(calendar::year).put(calendar::load_year),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            body_limit::enforce,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::scrape))
        .nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_json_bytes))
        .layer(middleware::from_fn(error::localize))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` completes; requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The outbox and the clocks run beside the API and stop with it, each after finishing the
    // pass it is in, so that nothing holds the database once `serve` returns (a restart in the
    // same process opens it again). Every delivery attempt is recorded durably, so a stop
    // mid-send only means one more attempt after the restart.
    let every = state.config.background_every;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let outbox = tokio::spawn(state.outbox.clone().run(every, stopped.clone()));
    let scheduler = tokio::spawn(activate_when_due(state.clone(), stopped.clone()));
    let supervisor = tokio::spawn(supervise(state.clone(), stopped));
    // Peer addresses feed the consultation's per-client limit.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop.send(true);
    let _ = outbox.await;
    let _ = scheduler.await;
    let _ = supervisor.await;
    served
}

/// Scheduled activations (effective dates): a pass right away — a moment that passed while
/// the host was down is caught up at start — and then every `background_every`.
async fn activate_when_due(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let app = state.clone();
        let pass = tokio::task::spawn_blocking(move || {
            app.registry
                .activate_due(app.clock.now(), &app.clock.stamp())
        })
        .await;
        for (schedule, outcome) in pass.unwrap_or_default() {
            match outcome {
                Ok(a) => {
                    tracing::info!(matter = %a.matter, sha256 = %a.sha256, "scheduled version activated")
                }
                Err(e) => {
                    tracing::error!(matter = %schedule.matter, sha256 = %schedule.sha256, error = %e, "scheduled activation failed; retrying")
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(state.config.background_every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// The clocks' pass every `clock_every` (电子监察, 第二十四条). After a restart it picks up where
/// the stored cases are: alerts already raised are on the cases.
async fn supervise(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(state.config.clock_every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let workflow = state.workflow.clone();
        match tokio::task::spawn_blocking(move || workflow.tick()).await {
            Ok(Ok(raised)) if !raised.is_empty() => {
                tracing::info!(count = raised.len(), "clock alerts raised")
            }
            Ok(Err(e)) => tracing::error!(error = %e, "clock pass failed"),
            _ => {}
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "没有这个地址", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "该地址不支持此请求方法",
        "this endpoint does not support the method",
    )
}

/// Last line of defence: a handler bug answers 500 in the API's shape instead of dropping the
/// connection. No request content should ever get here.
fn panicked(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}

/// Runs blocking work that may instantiate rules components, holding one evaluation slot
/// (each holds one pooled instance at a time; waiting here keeps the pool from running dry).
pub(crate) async fn with_slot<T: Send + 'static>(
    app: AppState,
    f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = app.eval_slots.clone().acquire_owned().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "服务正在停止，请稍后重试",
            "the service is shutting down; retry later",
        )
    })?;
    blocking(move || {
        let _permit = permit;
        f(&app)
    })
    .await
}

/// Runs blocking work (sled, wasmtime) off the async executor.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}
