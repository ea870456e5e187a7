//! The lianban department SDK: write a matter's review rules in plain Rust, unit-test them
//! natively, and export them as a WebAssembly component for the host.
//!
//! ```
//! use lianban_sdk::dictionary::{field, material};
//! use lianban_sdk::prelude::*;
//!
//! #[derive(Default)]
//! struct MyMatter;
//!
//! impl Rules for MyMatter {
//!     fn manifest(&self) -> Manifest {
//!         Manifest {
//!             matter: "my-matter".into(),
//!             name: "示例事项".into(),
//!             department: "my-department".into(),
//!             version: "1.0.0".into(),
//!             legal_days: 20,
//!             promised_days: 5,
//!             fields: vec![field("applicant.id-number", Requirement::Always)],
//!             materials: vec![material("household-register", Requirement::Always)],
//!             review_points: vec![],
//!             basis: vec!["《示例条例》第一条".into()],
//!         }
//!     }
//!     // check_materials, review_form and deadline have defaults driven by the manifest.
//! }
//!
//! lianban_sdk::export_rules!(MyMatter);
//!
//! // Natively, the rules are plain Rust:
//! let cal = lianban_sdk::testing::official_calendar();
//! let app = Application::new("x", "my-matter", Channel::Window, Date::ymd(2026, 11, 27));
//! let findings = lianban_sdk::precheck(&MyMatter, &app, &cal).unwrap();
//! assert_eq!(findings.len(), 2); // the id number and the household register are missing
//! ```
//!
//! Built for `wasm32-wasip2`, `export_rules!` produces the component exports of the
//! `lianban:rules@0.1.0` world and records that API version in the component; built natively
//! it expands to nothing, so the same crate serves unit tests and benchmarks.

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod arena;
mod cache;
mod calendar;
mod date;
pub mod dictionary;
pub mod findings;
#[cfg(feature = "serde")]
mod merged;
pub mod standard;
pub mod testing;
mod types;
pub mod validate;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __private;

/// A rules component's heap lives for one call; see `arena`.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ARENA: arena::Arena = arena::Arena::new();

// Lets the generated bindings name this crate the same way from inside and outside it.
extern crate self as lianban_sdk;

pub use calendar::{MissingYear, WorkingCalendar};
pub use date::{Date, DateError};
#[cfg(feature = "serde")]
pub use merged::{MaterialInput, MergedApplication};
pub use types::*;

/// Version of the rules interface (`wit/v0.1.0`) this SDK builds components for. It is written
/// into every component, in a custom section named by [`API_SECTION`], and the host refuses
/// components whose version it does not serve.
pub const API_VERSION: &str = "0.1.0";

/// Name of the custom section that carries [`API_VERSION`].
pub const API_SECTION: &str = "lianban-rules-api";

/// Severity of a diagnostic message for administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// What the host offers rules: its official working-day calendar and a diagnostic log.
///
/// Inside a component this is served by the host's imports; natively a
/// [`WorkingCalendar`] is a `Host` (its log is silent).
pub trait Host {
    fn is_working_day(&self, day: Date) -> Result<bool, String>;
    fn add_working_days(&self, start: Date, days: u32) -> Result<Date, String>;
    fn log(&self, _level: LogLevel, _message: &str) {}
}

/// A matter's review rules.
///
/// Only `manifest` is required: the defaults check what the manifest declares (see
/// [`standard`]). Override a method to add the matter's own conditions, usually starting from
/// the standard findings. Rules must be deterministic: everything they know comes from the
/// application (including `today`) and the host calendar.
pub trait Rules: 'static {
    /// What the matter is and what it asks for. Called at upload and whenever the host builds
    /// the merged form or the guide.
    fn manifest(&self) -> Manifest;

    /// The manifest, built once and kept: checks consult it on every call, and building it
    /// allocates every label anew. In a component the cache lives as long as the instance
    /// (one evaluation); natively, as long as the thread.
    fn cached_manifest(&self) -> &'static Manifest {
        cache::manifest_of(self)
    }

    /// Are the materials complete and in legal form?
    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        Ok(standard::check_materials(self.cached_manifest(), app))
    }

    /// Is the form complete and consistent with the materials?
    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        Ok(standard::review_form(self.cached_manifest(), app))
    }

    /// When the decision is due if the matter is accepted on `accepted_on`.
    fn deadline(
        &self,
        _app: &Application,
        accepted_on: Date,
        host: &dyn Host,
    ) -> Result<Deadline, RuleError> {
        standard::deadline(self.cached_manifest(), accepted_on, host)
    }
}

/// Both checks together, in the order the host runs them: what the pre-check of one matter
/// finds. Used by native tests and by the benchmark baseline.
pub fn precheck(
    rules: &dyn Rules,
    app: &Application,
    host: &dyn Host,
) -> Result<Vec<Finding>, RuleError> {
    let mut findings = rules.check_materials(app, host)?;
    findings.extend(rules.review_form(app, host)?);
    Ok(findings)
}

/// What a rules crate usually needs.
pub mod prelude {
    pub use crate::dictionary;
    pub use crate::findings::{self, codes};
    pub use crate::standard;
    pub use crate::validate;
    pub use crate::{
        Application, Channel, Date, Deadline, Field, FieldKind, FieldSpec, Finding, Host, LogLevel,
        Manifest, Material, MaterialForm, MaterialSpec, PaperForm, Requirement, RuleError, Rules,
        Severity, Subject,
    };
}

/// Exports a [`Rules`] type (which must implement `Default`) as the component's rules.
///
/// Invoke it once, in the plugin crate's `lib.rs`. On targets other than `wasm32` it expands to
/// nothing.
#[macro_export]
macro_rules! export_rules {
    ($rules:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            use $crate::__private::wit;

            struct LianbanRulesExport;

            impl $crate::__private::bindings::Guest for LianbanRulesExport {
                fn manifest() -> wit::Manifest {
                    $crate::__private::manifest(&<$rules as ::core::default::Default>::default())
                }

                fn check_materials(
                    app: wit::Application,
                ) -> ::core::result::Result<::std::vec::Vec<wit::Finding>, wit::RuleError> {
                    $crate::__private::check_materials(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                    )
                }

                fn review_form(
                    app: wit::Application,
                ) -> ::core::result::Result<::std::vec::Vec<wit::Finding>, wit::RuleError> {
                    $crate::__private::review_form(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                    )
                }

                fn deadline(
                    app: wit::Application,
                    accepted_on: wit::Date,
                ) -> ::core::result::Result<wit::Deadline, wit::RuleError> {
                    $crate::__private::deadline(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                        accepted_on,
                    )
                }

                fn evaluate(app: wit::Application, accepted_on: wit::Date) -> wit::Evaluation {
                    $crate::__private::evaluate(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                        accepted_on,
                    )
                }
            }

            $crate::__private::bindings::export!(
                LianbanRulesExport with_types_in $crate::__private::bindings
            );

            #[unsafe(link_section = "lianban-rules-api")]
            #[used]
            static LIANBAN_RULES_API: [u8; $crate::API_VERSION.len()] =
                $crate::__private::api_version_bytes();
        };
    };
}
