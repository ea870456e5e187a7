//! The JSON API under `/api/v1`: one file per URL area, the route table in `router`.

mod base_catalog;
mod body_limit;
mod calendar;
mod capabilities;
mod cases;
mod catalog;
mod consultation;
mod contract;
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
pub mod schemas;
mod server;

use std::any::Any;
use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Need;
use contract::{Access, guarded};

pub use error::ApiError;
pub use server::HttpLimits;

use crate::app::AppState;

/// Every route of the API. The role each one needs is stated in its handler (see `auth::Need`)
/// and in the OpenAPI document as `x-roles`.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes.saturating_add(1);
    let file_limit = state.config.max_file_bytes.saturating_add(1);
    let staff = Access::Token(Need::Staff);
    let admin = Access::Token(Need::Admin);
    let api = OpenApiRouter::new()
        .routes(guarded(&state, staff, routes!(calendar::years)))
        .routes(guarded(&state, staff, routes!(calendar::working_days)))
        .routes(guarded(&state, staff, routes!(calendar::year)))
        .routes(guarded(&state, admin, routes!(calendar::load_year)))
        .routes(guarded(&state, Access::Public, routes!(dictionary::show)))
        .routes(guarded(&state, admin, routes!(dictionary::put_field)))
        .routes(guarded(&state, admin, routes!(dictionary::put_material)))
        .routes(guarded(&state, admin, routes!(notifications::set_webhook)))
        .routes(guarded(&state, admin, routes!(notifications::sent)))
        .routes(guarded(&state, admin, routes!(notifications::dead)))
        .routes(guarded(&state, admin, routes!(notifications::retry)))
        .routes(guarded(&state, staff, routes!(base_catalog::list)))
        .routes(guarded(&state, admin, routes!(base_catalog::import)))
        .routes(guarded(&state, staff, routes!(base_catalog::imports)))
        .routes(guarded(&state, staff, routes!(one_things::list)))
        .routes(guarded(
            &state,
            Access::Public,
            routes!(consultation::ranking),
        ))
        .routes(guarded(
            &state,
            Access::Public,
            routes!(consultation::propose),
        ))
        .routes(guarded(&state, Access::Public, routes!(consultation::show)))
        .routes(guarded(
            &state,
            Access::Token(Need::ClerkOrApplicant),
            routes!(consultation::support),
        ))
        .routes(guarded(&state, admin, routes!(consultation::reply)))
        .routes(guarded(&state, admin, routes!(consultation::inbox)))
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
        .route("/supervision/clocks", get(cases::supervision));
    let (api, generated) = api.split_for_parts();
    let document = openapi::Document::new(&generated);
    let api = api
        .route(
            "/openapi.json",
            get(move || openapi::serve(document.clone())),
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

/// Serves the API on `listener` until `shutdown` completes; requests in flight finish. The
/// background work (`jobs.rs`) runs beside it and has stopped when this returns, so that
/// nothing holds the database any more (a restart in the same process opens it again).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let jobs = crate::jobs::Jobs::start(&state);
    let limits = state.config.http.clone();
    server::run(listener, router(state), &limits, shutdown).await;
    jobs.stop().await;
    Ok(())
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
