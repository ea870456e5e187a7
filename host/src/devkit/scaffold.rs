//! `lianban plugin new`: a plugin crate that builds on a department's machine.
//!
//! The crate needs the SDK (`lianban-sdk`) and the world crate it exports through. The binary
//! carries both, with the WIT and the dependency versions this platform was tested with
//! (`build.rs`), and writes them into the new crate under `vendor/lianban/` (`vendor.rs`): a
//! department with the `lianban` binary and a Rust toolchain needs nothing else, and nothing
//! in the crate points at the tree the binary was built from. Inside this repository, `--sdk
//! PATH` points the crate at a working copy of the SDK instead.

use std::path::{Path, PathBuf};

use super::{DevkitError, vendor};

/// The template every new plugin starts from: the example crate of this repository.
const TEMPLATE_LIB: &str = include_str!("../../../examples/senior-card/src/lib.rs");

/// Where the new crate takes the SDK from.
#[derive(Debug, Clone)]
pub enum SdkSource {
    /// The SDK this binary carries, written into the crate (`vendor/lianban/`), with the
    /// platform's `Cargo.lock`.
    Embedded,
    /// A working copy of the SDK crate (its world crates beside it), by path.
    Path(PathBuf),
}

/// What `plugin new` writes.
#[derive(Debug)]
pub struct Scaffold {
    pub matter: String,
    pub department: String,
    pub name: String,
    pub sdk: SdkSource,
}

impl Scaffold {
    /// Writes a plugin crate into `dir` (which must not exist yet or be empty): the example's
    /// rules renamed for the matter, a standalone `Cargo.toml`, a fixture `plugin test` runs,
    /// and, unless the SDK is given by path, the SDK itself.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, DevkitError> {
        if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
            return Err(DevkitError::Fixture {
                path: dir.to_path_buf(),
                reason: "the folder is not empty".into(),
            });
        }
        let lib = TEMPLATE_LIB
            .replace("\"senior-card\"", &format!("{:?}", self.matter))
            .replace("老年人优待证办理", &self.name)
            .replace("\"civil-affairs\"", &format!("{:?}", self.department))
            .replace("SeniorCard", "MatterRules");
        let (sdk, world) = match &self.sdk {
            SdkSource::Embedded => (
                format!("{}/sdk", vendor::FOLDER),
                format!("{}/sdk/world-v0.2", vendor::FOLDER),
            ),
            SdkSource::Path(sdk) => (
                sdk.display().to_string(),
                sdk.join("world-v0.2").display().to_string(),
            ),
        };
        let crate_name = format!("lianban-plugin-{}", self.matter);
        let manifest = format!(
            "[package]\n\
             name = \"{crate_name}\"\n\
             version = \"1.0.0\"\n\
             edition = \"2024\"\n\
             publish = false\n\n\
             # cdylib is the component (`cargo build --release --target wasm32-wasip2`); rlib lets\n\
             # the native tests link the same rules.\n\
             [lib]\n\
             crate-type = [\"cdylib\", \"rlib\"]\n\n\
             [dependencies]\n\
             lianban-sdk = {{ path = {sdk:?} }}\n\
             # The rules API the component is built for: the newest, 0.2.0.\n\
             lianban-world-v0-2 = {{ path = {world:?} }}\n\n\
             # A crate of its own, not a member of an enclosing workspace.\n\
             [workspace]\n"
        );
        let fixture = serde_json::json!({
            "description": "模板样例：材料齐全，申请人年满六十周岁",
            "today": "2026-11-27",
            "application": {
                "one_thing": "senior-services",
                "channel": "window",
                "fields": {
                    "applicant.name": "张秀兰",
                    "applicant.id-number": "11010519491231002X",
                    "applicant.mobile": "13812345678"
                },
                "materials": [
                    {"code": "applicant-id-card", "form": "original", "pages": 1,
                     "attributes": {"holder.id-number": "11010519491231002X"}},
                    {"code": "photo", "form": "copy", "pages": 2}
                ]
            },
            "expect": {"findings": [], "deadline_due": "2026-12-03"}
        });
        let mut files = vec![
            (dir.join("Cargo.toml"), manifest.into_bytes()),
            (dir.join("src/lib.rs"), lib.into_bytes()),
            (
                dir.join("fixtures/01-complete.json"),
                (serde_json::to_string_pretty(&fixture).unwrap_or_default() + "\n").into_bytes(),
            ),
        ];
        if let SdkSource::Embedded = self.sdk {
            files.extend(vendor::files(dir)?);
        }
        let mut written = Vec::new();
        for (path, bytes) in files {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
            written.push(path);
        }
        Ok(written)
    }
}
