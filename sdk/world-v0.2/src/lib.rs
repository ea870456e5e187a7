//! Exports a lianban [`Rules`](lianban_sdk::Rules) type as a component of the
//! `lianban:rules@0.2.0` world (`wit/v0.2.0`): the 0.1.0 imports plus electronic certificates,
//! and a manifest that declares the capabilities the rules need.
//!
//! ```text
//! lianban_world_v0_2::export_rules!(MyMatter);
//! ```
//!
//! The rules are the same [`Rules`](lianban_sdk::Rules) as for 0.1.0; what 0.2.0 adds is read
//! from [`Rules::capabilities`](lianban_sdk::Rules::capabilities) and
//! [`Rules::exemptions`](lianban_sdk::Rules::exemptions), and lookups go through
//! [`Host::elicense`](lianban_sdk::Host::elicense). A crate of its own, apart from
//! `lianban-world-v0-1`, for the reason given there.

/// The rules API version this crate builds components for.
pub const API_VERSION: &str = "0.2.0";

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __private;

// The export macro expands through the SDK on every target (to nothing natively).
#[doc(hidden)]
pub use lianban_sdk as __sdk;

// Lets the generated bindings name this crate the same way from inside and outside it.
extern crate self as lianban_world_v0_2;

/// Exports a [`Rules`](lianban_sdk::Rules) type (which must implement `Default`) as the
/// component's rules, and records API version 0.2.0 in the component.
///
/// Invoke it once, in the plugin crate's `lib.rs`. On targets other than `wasm32` it expands to
/// nothing.
#[macro_export]
macro_rules! export_rules {
    ($rules:ty) => {
        $crate::__sdk::__export_rules!($rules, $crate, wit::MaterialReview);
    };
}
