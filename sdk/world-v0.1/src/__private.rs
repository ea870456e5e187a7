//! The generated bindings of `lianban:rules@0.1.0` and the glue between them and the SDK.

pub use lianban_sdk as sdk;
pub use wit_bindgen;

#[allow(unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.1.0",
        world: "lianban:rules/rules",
        pub_export_macro: true,
        export_macro_name: "export",
        runtime_path: "::lianban_world_v0_1::__private::wit_bindgen::rt",
    });
}

pub use bindings::lianban::rules::types as wit;

use bindings::lianban::rules::{calendar, log};
use lianban_sdk::{Application, Host, Rules};

lianban_sdk::__wit_v0_1_glue!(super::wit);

/// The host's imports, seen through the SDK's `Host` trait. A 0.1.0 component has no
/// certificate import: `elicense` keeps its default answer.
struct ComponentHost;

impl Host for ComponentHost {
    lianban_sdk::__wit_v0_1_host_methods!();
}

/// Through the cache: the host runs this export once before snapshotting the component, so
/// every instance starts with the manifest the checks consult already built.
pub fn manifest<R: Rules>(rules: &R) -> wit::Manifest {
    rules.cached_manifest().clone().into()
}

pub fn check_materials<R: Rules>(
    rules: &R,
    app: wit::Application,
) -> Result<Vec<wit::Finding>, wit::RuleError> {
    findings(rules.check_materials(&app.into(), &ComponentHost))
}

pub fn evaluate<R: Rules>(
    rules: &R,
    app: wit::Application,
    accepted_on: wit::Date,
) -> wit::Evaluation {
    // Never dropped: the instance is thrown away after this one call, so walking the
    // application to free each of its strings (into an arena that does not reuse them) is
    // wasted work on every pre-check.
    let app = core::mem::ManuallyDrop::new(Application::from(app));
    let host = ComponentHost;
    wit::Evaluation {
        materials: findings(rules.check_materials(&app, &host)),
        form: findings(rules.review_form(&app, &host)),
        deadline: rules
            .deadline(&app, accepted_on.into(), &host)
            .map(Into::into)
            .map_err(Into::into),
    }
}
