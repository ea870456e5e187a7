//! lianban host: the rules runtime, plugin registry, catalog, calendar and pre-check API of the
//! 政务服务“一件事一次办” platform.
//!
//! [`app::open`] builds the services on a data directory, [`router`] is the HTTP API and
//! [`serve`] runs it; `main.rs` only parses the command line.

pub mod app;
pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod console;
pub mod consultation;
pub mod devkit;
pub mod elicense;
pub mod files;
pub mod guide;
pub mod http;
pub mod identity;
mod jobs;
pub mod keys;
pub mod launch;
pub mod metrics;
pub mod notify;
pub mod precheck;
pub mod privacy;
pub mod ratings;
pub mod registry;
pub mod retention;
pub mod runtime;
pub mod secret;
pub mod store;
pub mod supervision;
pub mod workflow;

pub use app::{AppState, Config, open};
pub use http::{router, serve};
