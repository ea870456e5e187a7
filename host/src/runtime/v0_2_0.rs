//! Bindings for components built against `lianban:rules@0.2.0` (`wit/v0.2.0`).
//!
//! That world uses the 0.1.0 types, calendar and log as they are, so the bindings below map
//! them onto the 0.1.0 module: one set of conversions, one calendar and one log implementation
//! serve both versions. What is new is the `elicense` import — a capability, answered only when
//! the call's imports carry a certificate source — and the richer manifest and material review.

use lianban_sdk as sdk;
use wasmtime::component::{HasSelf, Linker};

use super::state::CallState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "lianban:rules/rules@0.2.0",
        imports: {
            // A call without the capability traps: the rules did not declare what they use,
            // or the grant was withdrawn, and neither is a condition a rule should handle.
            "lianban:rules/elicense@0.2.0.lookup": trappable,
        },
        with: {
            "lianban:rules/types@0.1.0": crate::runtime::v0_1_0::bindings::lianban::rules::types,
            "lianban:rules/calendar@0.1.0": crate::runtime::v0_1_0::bindings::lianban::rules::calendar,
            "lianban:rules/log@0.1.0": crate::runtime::v0_1_0::bindings::lianban::rules::log,
        },
    });
    crate::runtime::instantiate::instantiate_prechecked!();
}

use crate::runtime::v0_1_0::bindings::lianban::rules::types as wit;
use bindings::lianban::rules0_2_0::{elicense, types as wit2};
pub(crate) use bindings::{Rules, RulesPre};

pub const API_VERSION: &str = "0.2.0";

/// Adds what 0.2.0 imports beyond 0.1.0: the calendar and the log are already in the linker.
pub(crate) fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    elicense::add_to_linker::<CallState, HasSelf<CallState>>(linker, |state| state)
}

/// Why a call was stopped at the `elicense` import.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CapabilityDenied {
    #[error("the rules called the elicense import, which is not granted for this matter")]
    NotGranted,
    #[error(
        "the rules looked up the certificates of a holder the application does not name; only the applicant and the identifiers in the form and materials may be looked up"
    )]
    HolderNotNamed,
    #[error("the rules made more than {0} certificate lookups in one call")]
    TooManyLookups(u32),
}

impl elicense::Host for CallState {
    fn lookup(
        &mut self,
        kind: String,
        holder: String,
    ) -> wasmtime::Result<Result<Vec<elicense::Certificate>, elicense::LookupError>> {
        let Some(source) = self.elicense.clone() else {
            return Err(wasmtime::Error::new(CapabilityDenied::NotGranted));
        };
        if self.elicense_lookups >= self.max_elicense_lookups {
            return Err(wasmtime::Error::new(CapabilityDenied::TooManyLookups(
                self.max_elicense_lookups,
            )));
        }
        if !self
            .elicense_holders
            .as_ref()
            .is_some_and(|named| named.contains(&holder))
        {
            return Err(wasmtime::Error::new(CapabilityDenied::HolderNotNamed));
        }
        self.elicense_lookups += 1;
        Ok(match source.lookup(&kind, &holder) {
            Ok(found) => Ok(found.into_iter().map(certificate).collect()),
            Err(sdk::ElicenseError::Unavailable(d)) => Err(elicense::LookupError::Unavailable(d)),
            Err(sdk::ElicenseError::InvalidRequest(d)) => {
                Err(elicense::LookupError::InvalidRequest(d))
            }
        })
    }
}

fn certificate(c: sdk::Certificate) -> elicense::Certificate {
    let field = |f: sdk::Field| wit::Field {
        key: f.key,
        value: f.value,
    };
    elicense::Certificate {
        kind: c.kind,
        number: c.number,
        holder: c.holder,
        issuer: c.issuer,
        issued_on: c.issued_on.map(Into::into),
        valid_until: c.valid_until.map(Into::into),
        attributes: c.attributes.into_iter().map(field).collect(),
    }
}

pub(crate) fn manifest(
    rules: &Rules,
    store: &mut wasmtime::Store<CallState>,
) -> wasmtime::Result<super::Described> {
    let m = rules.call_manifest(store)?;
    Ok(super::Described {
        manifest: m.matter.into(),
        capabilities: m
            .capabilities
            .into_iter()
            .map(|c| match c {
                wit2::Capability::Elicense => sdk::Capability::Elicense,
            })
            .collect(),
    })
}

fn review(
    r: Result<wit2::MaterialReview, wit::RuleError>,
) -> Result<sdk::MaterialReview, sdk::RuleError> {
    r.map(|review| sdk::MaterialReview {
        findings: review.findings.into_iter().map(Into::into).collect(),
        exempt: review
            .exempt
            .into_iter()
            .map(|e| sdk::Exemption {
                material: e.material,
                elicense: e.elicense,
                number: e.number,
            })
            .collect(),
    })
    .map_err(Into::into)
}

pub(crate) fn evaluate(
    rules: &Rules,
    store: &mut wasmtime::Store<CallState>,
    app: &wit::Application,
    accepted_on: sdk::Date,
) -> wasmtime::Result<super::Checks> {
    let e = rules.call_evaluate(store, app, accepted_on.into())?;
    Ok(super::Checks {
        materials: review(e.materials),
        form: super::v0_1_0::findings(e.form),
        deadline: e.deadline.map(Into::into).map_err(Into::into),
    })
}
