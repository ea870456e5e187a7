//! Which rules API a component implements, read from the component itself.
//!
//! A component built from the published WIT with any toolchain — `wit-bindgen` for Rust or C,
//! componentize-py, a Go or JavaScript component toolchain — implements one of the worlds in
//! `wit/` and says nothing else about itself. So the host type-checks the compiled component
//! against each world it serves, newest first, and the first that fits is its API. The
//! `lianban-rules-api` custom section the Rust SDK writes is optional: when present, it must
//! name a served API and agree with what the component implements.

use lianban_sdk::API_SECTION;
use wasmtime::component::Component;
use wasmtime::wasmparser::{Encoding, Parser, Payload};

use super::{Limits, LoadError, Plugin, PluginIdent, Runtime, SUPPORTED_APIS};

/// The rules API version recorded in the component's custom section, if it has one.
///
/// The section lives in the embedded core module, so nested modules are searched too. Only the
/// outer header decides whether the bytes are a component at all; a plain core module is
/// refused here with a clear message rather than later as a type error.
pub fn declared_api(bytes: &[u8]) -> Result<Option<String>, LoadError> {
    let mut first = true;
    let mut found = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| LoadError::NotAComponent(e.to_string()))?;
        match payload {
            Payload::Version { encoding, .. } if first => {
                first = false;
                if encoding != Encoding::Component {
                    return Err(LoadError::NotAComponent(
                        "this is a core module; build with --target wasm32-wasip2".into(),
                    ));
                }
            }
            Payload::CustomSection(section) if section.name() == API_SECTION && found.is_none() => {
                let text = String::from_utf8_lossy(section.data()).trim().to_owned();
                found = Some(text);
            }
            _ => {}
        }
    }
    if first {
        return Err(LoadError::NotAComponent("empty input".into()));
    }
    Ok(found)
}

impl Runtime {
    /// Prepares a new component for the newest served world it implements. `declared` is what
    /// its custom section says ([`declared_api`]), if anything.
    pub fn prepare_detected(
        &self,
        component: &Component,
        declared: Option<&str>,
        ident: PluginIdent,
        limits: Limits,
    ) -> Result<Plugin, LoadError> {
        if let Some(api) = declared
            && !SUPPORTED_APIS.contains(&api)
        {
            return Err(LoadError::UnsupportedApi(api.to_owned()));
        }
        let mut refusals = Vec::new();
        for api in SUPPORTED_APIS.iter().rev() {
            match self.link(component, api) {
                Ok(pre) => {
                    if let Some(declared) = declared
                        && declared != *api
                    {
                        return Err(LoadError::ApiMismatch {
                            declared: declared.to_owned(),
                            found: (*api).to_owned(),
                        });
                    }
                    return Ok(self.plugin(pre, api, ident, limits));
                }
                Err(LoadError::WrongWorld(why)) => refusals.push(format!("{api}: {why}")),
                Err(other) => return Err(other),
            }
        }
        Err(LoadError::WrongWorld(refusals.join("; ")))
    }
}
