//! Exports a lianban [`Rules`](lianban_sdk::Rules) type as a component of the
//! `lianban:rules@0.1.0` world (`wit/v0.1.0`): calendar and log imports, findings only.
//!
//! ```text
//! lianban_world_v0_1::export_rules!(MyMatter);
//! ```
//!
//! This crate holds only that world's generated bindings and the glue to the SDK. It is a crate
//! of its own, apart from `lianban-world-v0-2`, because a component must carry exactly one
//! world's type information: were both generated in one crate, every component linking it would
//! describe both worlds and fail to build.

/// The rules API version this crate builds components for.
pub const API_VERSION: &str = "0.1.0";

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __private;

// The export macro expands through the SDK on every target (to nothing natively).
#[doc(hidden)]
pub use lianban_sdk as __sdk;

// Lets the generated bindings name this crate the same way from inside and outside it.
extern crate self as lianban_world_v0_1;

/// Exports a [`Rules`](lianban_sdk::Rules) type (which must implement `Default`) as the
/// component's rules, and records API version 0.1.0 in the component.
///
/// Invoke it once, in the plugin crate's `lib.rs`. On targets other than `wasm32` it expands to
/// nothing.
#[macro_export]
macro_rules! export_rules {
    ($rules:ty) => {
        $crate::__sdk::__export_rules!($rules, $crate, ::std::vec::Vec<wit::Finding>);
    };
}
