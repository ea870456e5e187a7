//! The generated bindings of `lianban:rules@0.2.0` and the glue between them and the SDK.

pub use lianban_sdk as sdk;
pub use wit_bindgen;

#[allow(unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.2.0",
        world: "lianban:rules/rules@0.2.0",
        // The 0.1.0 interfaces this world uses are generated here too, as this crate's own.
        generate_all,
        pub_export_macro: true,
        export_macro_name: "export",
        runtime_path: "::lianban_world_v0_2::__private::wit_bindgen::rt",
    });
}

use bindings::lianban::rules0_1_0::types as wit_v0_1;
use bindings::lianban::rules0_1_0::{calendar, log};
use bindings::lianban::rules0_2_0::elicense;
use bindings::lianban::rules0_2_0::types as wit_v0_2;

/// The types the exports speak, as one module for the export macro: those of 0.1.0 (all of
/// them, for the shared glue) and those new in 0.2.0.
pub mod wit {
    pub use super::wit_v0_1::*;
    pub use super::wit_v0_2::{Evaluation, Manifest, MaterialReview};
}

use lianban_sdk::{
    Application, Capability, Certificate, ElicenseError, Exemption, Host, MaterialReview,
    RuleError, Rules,
};

lianban_sdk::__wit_v0_1_glue!(super::wit_v0_1);

/// The host's imports, seen through the SDK's `Host` trait.
struct ComponentHost;

impl Host for ComponentHost {
    lianban_sdk::__wit_v0_1_host_methods!();

    fn elicense(&self, kind: &str, holder: &str) -> Result<Vec<Certificate>, ElicenseError> {
        match elicense::lookup(kind, holder) {
            Ok(found) => Ok(found.into_iter().map(certificate).collect()),
            Err(elicense::LookupError::Unavailable(d)) => Err(ElicenseError::Unavailable(d)),
            Err(elicense::LookupError::InvalidRequest(d)) => Err(ElicenseError::InvalidRequest(d)),
        }
    }
}

fn certificate(c: elicense::Certificate) -> Certificate {
    Certificate {
        kind: c.kind,
        number: c.number,
        holder: c.holder,
        issuer: c.issuer,
        issued_on: c.issued_on.map(Into::into),
        valid_until: c.valid_until.map(Into::into),
        attributes: c.attributes.into_iter().map(Into::into).collect(),
    }
}

fn review(r: Result<MaterialReview, RuleError>) -> Result<wit::MaterialReview, wit::RuleError> {
    r.map(|review| wit::MaterialReview {
        findings: review.findings.into_iter().map(Into::into).collect(),
        exempt: review.exempt.into_iter().map(exemption).collect(),
    })
    .map_err(Into::into)
}

fn exemption(e: Exemption) -> wit_v0_2::Exemption {
    wit_v0_2::Exemption {
        material: e.material,
        elicense: e.elicense,
        number: e.number,
    }
}

/// Through the cache: the host runs this export once before snapshotting the component, so
/// every instance starts with the manifest the checks consult already built.
pub fn manifest<R: Rules>(rules: &R) -> wit::Manifest {
    wit::Manifest {
        matter: rules.cached_manifest().clone().into(),
        capabilities: rules
            .capabilities()
            .into_iter()
            .map(|c| match c {
                Capability::Elicense => wit_v0_2::Capability::Elicense,
            })
            .collect(),
    }
}

pub fn check_materials<R: Rules>(
    rules: &R,
    app: wit::Application,
) -> Result<wit::MaterialReview, wit::RuleError> {
    review(lianban_sdk::review_materials(
        rules,
        &app.into(),
        &ComponentHost,
    ))
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
        materials: review(lianban_sdk::review_materials(rules, &app, &host)),
        form: findings(rules.review_form(&app, &host)),
        deadline: rules
            .deadline(&app, accepted_on.into(), &host)
            .map(Into::into)
            .map_err(Into::into),
    }
}
