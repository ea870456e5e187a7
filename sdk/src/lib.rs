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
//! // Natively, the rules are plain Rust:
//! let cal = lianban_sdk::testing::official_calendar();
//! let app = Application::new("x", "my-matter", Channel::Window, Date::ymd(2026, 11, 27));
//! let findings = lianban_sdk::precheck(&MyMatter, &app, &cal).unwrap();
//! assert_eq!(findings.len(), 2); // the id number and the household register are missing
//! ```
//!
//! The SDK itself is the same for every version of the rules interface. A plugin crate picks
//! the version it is built for by the world crate it exports through —
//! `lianban_world_v0_1::export_rules!(MyMatter)` or `lianban_world_v0_2::export_rules!(MyMatter)`
//! — which, built for `wasm32-wasip2`, produces that world's component exports and records the
//! version in the component; built natively it expands to nothing, so the same crate serves
//! unit tests and benchmarks. The versions live in separate crates so that a workspace building
//! plugins of both never links one world's bindings into the other's components.

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod arena;
mod cache;
mod calendar;
mod date;
pub mod dictionary;
mod elicense;
pub mod findings;
#[cfg(feature = "serde")]
mod merged;
pub mod standard;
pub mod testing;
mod types;
pub mod validate;

#[doc(hidden)]
pub mod glue;

/// A rules component's heap lives for one call; see `arena`.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ARENA: arena::Arena = arena::Arena::new();

// Lets the generated bindings name this crate the same way from inside and outside it.
extern crate self as lianban_sdk;

pub use calendar::{MissingYear, WorkingCalendar};
pub use date::{Date, DateError};
pub use elicense::{
    Capability, Certificate, ElicenseError, Exemption, MaterialReview, exempt_by_holder,
    find_certificate, review_materials,
};
#[cfg(feature = "serde")]
pub use merged::{MaterialInput, MergedApplication};
pub use types::*;

/// Name of the custom section in which a component records the rules API version it was built
/// for (`0.1.0`, `0.2.0`). The world crates (`lianban-world-v0-1`, `lianban-world-v0-2`) write
/// it. It is optional — the host tells the API from the component's types — but where present
/// it must name an API the host serves and agree with what the component implements.
pub const API_SECTION: &str = "lianban-rules-api";

/// Severity of a diagnostic message for administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// What the host offers rules: its official working-day calendar, a diagnostic log and, from
/// rules API 0.2.0 on, electronic certificates.
///
/// Inside a component this is served by the host's imports; natively a
/// [`WorkingCalendar`] is a `Host` (its log is silent, it holds no certificates), and
/// [`testing::WithCertificates`] adds certificates for tests.
pub trait Host {
    fn is_working_day(&self, day: Date) -> Result<bool, String>;
    fn add_working_days(&self, start: Date, days: u32) -> Result<Date, String>;
    fn log(&self, _level: LogLevel, _message: &str) {}

    /// The certificates of `kind` issued to `holder`, newest first. Needs
    /// [`Capability::Elicense`]; components built for 0.1.0 have no such import, and this
    /// default answers that the service is unavailable.
    fn elicense(&self, _kind: &str, _holder: &str) -> Result<Vec<Certificate>, ElicenseError> {
        Err(ElicenseError::Unavailable(
            "此接口版本不提供电子证照查询".into(),
        ))
    }
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

    /// Host imports these rules call beyond the calendar and the log (rules API 0.2.0). The
    /// host runs the rules only once an administrator has granted every one for the matter.
    fn capabilities(&self) -> Vec<Capability> {
        Vec::new()
    }

    /// Materials an electronic certificate replaces for this application (免提交; rules API
    /// 0.2.0). [`review_materials`] drops the "missing" findings about them.
    fn exemptions(
        &self,
        _app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Exemption>, RuleError> {
        Ok(Vec::new())
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
    let mut findings = review_materials(rules, app, host)?.findings;
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
    pub use crate::{
        Capability, Certificate, ElicenseError, Exemption, exempt_by_holder, find_certificate,
    };
}
