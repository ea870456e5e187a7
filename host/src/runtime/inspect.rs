//! Reads what a component says about itself before anything compiles it.

use lianban_sdk::API_SECTION;
use wasmtime::wasmparser::{Encoding, Parser, Payload};

use super::LoadError;

/// The rules API version recorded by the SDK in the component's custom section.
///
/// The section lives in the embedded core module, so nested modules are searched too. Only the
/// outer header decides whether the bytes are a component at all; a plain core module is
/// refused here with a clear message rather than later as a type error.
pub fn api_version(bytes: &[u8]) -> Result<String, LoadError> {
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
                let text = std::str::from_utf8(section.data())
                    .map_err(|_| LoadError::MissingApiVersion)?
                    .trim()
                    .to_owned();
                found = Some(text);
            }
            _ => {}
        }
    }
    if first {
        return Err(LoadError::NotAComponent("empty input".into()));
    }
    found.ok_or(LoadError::MissingApiVersion)
}
