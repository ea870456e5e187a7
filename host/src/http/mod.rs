//! The JSON API under `/api/v1`: one file per URL area, the route table in `router`.

mod base_catalog;
mod body_limit;
mod calendar;
mod capabilities;
mod cards;
mod case_reads;
mod case_search;
mod cases;
mod catalog;
mod consultation;
mod contract;
mod dictionary;
pub mod error;
mod examples;
mod extract;
mod figures;
mod files;
mod guides;
mod health;
pub mod idempotency;
mod matters;
mod metrics;
mod notifications;
mod one_things;
mod openapi;
mod people;
mod prechecks;
mod queues;
mod ratings;
mod rectifications;
pub(crate) mod reports;
mod server;
mod session;
mod sign_in;
mod staff;
mod tokens;

use std::any::Any;
use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Need;
use contract::{Access, body_limit, guarded};

pub use error::ApiError;
pub use server::HttpLimits;

use crate::app::AppState;

/// Every route of the API. The role each one needs is stated in its handler (see `auth::Need`)
/// and in the OpenAPI document as `x-roles`.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes.saturating_add(1);
    let file_limit = state.config.max_file_bytes.saturating_add(1);
    let any = Access::Token(Need::Any);
    let staff = Access::Token(Need::Staff);
    let clerk = Access::Token(Need::Clerk);
    let admin = Access::Token(Need::Admin);
    let department = Access::Token(Need::Department);
    let admin_or_department = Access::Token(Need::AdminOrDepartment);
    let clerk_or_applicant = Access::Token(Need::ClerkOrApplicant);
    let admin_or_applicant = Access::Token(Need::AdminOrApplicant);
    let applicant = Access::Token(Need::Applicant);
    let public = Access::Public;
    let session = Access::Session;
    let route = |access, routes| guarded(&state, access, routes);
    let api = OpenApiRouter::new()
        // The working-day calendar and the data dictionary.
        .routes(route(staff, routes!(calendar::years)))
        .routes(route(staff, routes!(calendar::working_days)))
        .routes(route(staff, routes!(calendar::year)))
        .routes(route(admin, routes!(calendar::load_year)))
        .routes(route(public, routes!(dictionary::show)))
        .routes(route(admin, routes!(dictionary::put_field)))
        .routes(route(admin, routes!(dictionary::put_material)))
        // Messages that leave the platform.
        .routes(route(admin, routes!(notifications::set_webhook)))
        .routes(route(admin, routes!(notifications::sent)))
        .routes(route(admin, routes!(notifications::dead)))
        .routes(route(admin, routes!(notifications::retry)))
        // The catalog: base matters, one-things, their drafts, batches and guides.
        .routes(route(staff, routes!(base_catalog::list)))
        .routes(route(admin, routes!(base_catalog::import)))
        .routes(route(staff, routes!(base_catalog::imports)))
        .routes(route(staff, routes!(one_things::list)))
        .routes(route(staff, routes!(one_things::show)))
        .routes(route(public, routes!(catalog::batches)))
        .routes(route(admin, routes!(catalog::publish)))
        .routes(route(admin_or_department, routes!(catalog::drafts)))
        .routes(route(admin_or_department, routes!(catalog::draft)))
        .routes(route(department, routes!(catalog::save_draft)))
        .routes(route(department, routes!(catalog::file)))
        .routes(route(admin, routes!(catalog::decide)))
        .routes(route(staff, routes!(catalog::history)))
        .routes(route(public, routes!(guides::json)))
        .routes(route(public, routes!(guides::html)))
        .routes(route(public, routes!(guides::flow)))
        // Public consultation on the list (第七条).
        .routes(route(public, routes!(consultation::ranking)))
        .routes(route(public, routes!(consultation::propose)))
        .routes(route(public, routes!(consultation::show)))
        .routes(route(clerk_or_applicant, routes!(consultation::support)))
        .routes(route(admin, routes!(consultation::reply)))
        .routes(route(admin, routes!(consultation::inbox)))
        // Rules: versions, activation, schedules, replays, capabilities, certificates.
        .routes(route(clerk_or_applicant, routes!(prechecks::create)))
        .routes(body_limit(
            upload_limit,
            route(department, routes!(matters::upload)),
        ))
        .routes(route(admin_or_department, routes!(matters::versions)))
        .routes(route(admin_or_department, routes!(matters::version)))
        .routes(route(admin_or_department, routes!(matters::delete_version)))
        .routes(route(admin, routes!(matters::replay)))
        .routes(route(admin, routes!(matters::latest_replay)))
        .routes(route(admin, routes!(matters::review_replay)))
        .routes(route(staff, routes!(matters::active)))
        .routes(route(admin, routes!(matters::activate)))
        .routes(route(admin, routes!(matters::rollback)))
        .routes(route(admin_or_department, routes!(matters::activations)))
        .routes(route(admin_or_department, routes!(matters::schedules)))
        .routes(route(admin, routes!(matters::schedule)))
        .routes(route(admin, routes!(matters::unschedule)))
        .routes(route(admin_or_department, routes!(capabilities::show)))
        .routes(route(admin, routes!(capabilities::put)))
        .routes(route(admin, routes!(capabilities::put_certificate)))
        .routes(route(admin, routes!(capabilities::certificates)))
        .routes(route(admin, routes!(capabilities::remove_certificate)))
        // Cases, from intake to archive, and the files they carry.
        .routes(route(clerk_or_applicant, routes!(cases::create)))
        .routes(route(staff, routes!(case_search::search)))
        .routes(route(applicant, routes!(case_reads::mine)))
        .routes(route(any, routes!(case_reads::show)))
        .routes(route(admin_or_applicant, routes!(case_reads::reads)))
        .routes(route(
            clerk_or_applicant,
            routes!(cases::update_application),
        ))
        .routes(route(clerk_or_applicant, routes!(cases::window)))
        .routes(route(department, routes!(cases::item)))
        .routes(route(clerk, routes!(cases::events)))
        .routes(route(clerk_or_applicant, routes!(cases::notice)))
        .routes(route(clerk, routes!(cases::archive_record)))
        .routes(route(clerk_or_applicant, routes!(cases::results)))
        .routes(route(
            clerk_or_applicant,
            routes!(ratings::rate, ratings::show),
        ))
        .routes(route(public, routes!(ratings::reasons)))
        .routes(route(public, routes!(ratings::link, ratings::rate_by_link)))
        .routes(route(clerk, routes!(ratings::rating_link)))
        .routes(route(public, routes!(ratings::summary)))
        .routes(route(clerk_or_applicant, routes!(rectifications::complain)))
        .routes(route(clerk_or_applicant, routes!(rectifications::of_case)))
        .routes(route(admin_or_department, routes!(rectifications::list)))
        .routes(route(admin, routes!(rectifications::verify)))
        .routes(route(department, routes!(rectifications::rectify)))
        .routes(route(admin, routes!(rectifications::call_back)))
        .routes(route(applicant, routes!(rectifications::appeal)))
        .routes(route(clerk_or_applicant, routes!(files::result_download)))
        .routes(route(department, routes!(queues::queue)))
        .routes(route(admin, routes!(queues::supervision)))
        .routes(route(admin, routes!(figures::figures)))
        .routes(route(admin, routes!(figures::check)))
        .routes(route(admin, routes!(figures::assessment)))
        .routes(route(admin, routes!(reports::report)))
        .routes(route(admin, routes!(reports::workbook)))
        .routes(route(admin, routes!(cards::list)))
        .routes(route(department, routes!(cards::explain)))
        .routes(route(admin, routes!(cards::set_duty_phone)))
        .routes(body_limit(file_limit, route(any, routes!(files::upload))))
        .routes(route(staff, routes!(files::download)))
        // People: sign-in through the identity providers, sessions, the staff directory.
        .routes(route(public, routes!(sign_in::login)))
        .routes(route(public, routes!(sign_in::callback)))
        .routes(route(public, routes!(sign_in::backchannel_logout)))
        .routes(route(session, routes!(session::show)))
        .routes(route(session, routes!(session::act_as)))
        .routes(route(session, routes!(session::logout)))
        .routes(route(admin, routes!(staff::list)))
        .routes(route(admin, routes!(staff::put, staff::remove)))
        .routes(route(admin, routes!(staff::log)))
        .routes(route(admin, routes!(people::export)))
        // Machine tokens, kept by the bureau while the host runs.
        .routes(route(admin, routes!(tokens::issue, tokens::list)))
        .routes(route(admin, routes!(tokens::rotate)))
        .routes(route(admin, routes!(tokens::revoke)));
    let (api, generated) = api.split_for_parts();
    let document = openapi::Document::new(generated);
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
    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::scrape))
        .nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_json_bytes))
        .layer(middleware::from_fn(error::localize))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state);
    // The console calls the API above in process, as its visitors' browsers would.
    crate::console::check_templates();
    let console = crate::console::router(app.clone(), upload_limit.max(file_limit))
        .layer(CatchPanicLayer::custom(panicked));
    app.merge(console)
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
