//! The SDK as the `lianban` binary carries it (`build.rs`), made into crates that build on their
//! own.
//!
//! In this repository the SDK's manifests inherit from the workspace (`version.workspace =
//! true`, `wit-bindgen = { workspace = true }`, `[lints] workspace = true`); outside it there
//! is no such workspace. So each vendored manifest gets the inherited values written in, from
//! the workspace manifest the binary also carries, with path dependencies re-based from the
//! repository root to the vendored root. The repository's `Cargo.lock` goes into the new
//! crate as well, so that it resolves to the dependency versions the platform was tested with.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use super::DevkitError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/sdk_files.rs"));
}

/// Where the new crate keeps the SDK, relative to its root.
pub const FOLDER: &str = "vendor/lianban";

fn embedded(path: &str) -> Option<&'static [u8]> {
    embedded::SDK_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, bytes)| *bytes)
}

fn invalid(path: &str, why: impl std::fmt::Display) -> DevkitError {
    DevkitError::Fixture {
        path: PathBuf::from(path),
        reason: format!("the SDK this binary carries is unusable: {why}"),
    }
}

fn parse(path: &str) -> Result<DocumentMut, DevkitError> {
    let bytes = embedded(path).ok_or_else(|| invalid(path, "missing"))?;
    std::str::from_utf8(bytes)
        .map_err(|e| invalid(path, e))?
        .parse::<DocumentMut>()
        .map_err(|e| invalid(path, e))
}

/// Every file to write for the vendored SDK, by path under `dir`, and the lock file.
pub fn files(dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>, DevkitError> {
    let workspace = parse("Cargo.toml")?;
    let mut out = Vec::new();
    for (path, bytes) in embedded::SDK_FILES {
        let (target, bytes) = match *path {
            "Cargo.toml" => continue,
            "Cargo.lock" => (dir.join("Cargo.lock"), bytes.to_vec()),
            p if p.ends_with("/Cargo.toml") => {
                let standalone = standalone(p, &workspace)?;
                (dir.join(FOLDER).join(p), standalone.into_bytes())
            }
            p => (dir.join(FOLDER).join(p), bytes.to_vec()),
        };
        out.push((target, bytes));
    }
    Ok(out)
}

/// The manifest at `path` with everything it inherits from `workspace` written in.
fn standalone(path: &str, workspace: &DocumentMut) -> Result<String, DevkitError> {
    let mut doc = parse(path)?;
    let ws = workspace
        .get("workspace")
        .and_then(Item::as_table)
        .ok_or_else(|| invalid("Cargo.toml", "no [workspace]"))?;
    // From the crate's folder back up to the repository root (`sdk/world-v0.2` → `../..`).
    let depth = path.matches('/').count();
    let up = vec![".."; depth].join("/");

    if let Some(package) = doc.get_mut("package").and_then(Item::as_table_like_mut) {
        let keys: Vec<String> = package.iter().map(|(k, _)| k.to_owned()).collect();
        for key in keys {
            let inherited = package.get(&key).is_some_and(inherits);
            if inherited {
                let value = ws
                    .get("package")
                    .and_then(|p| p.get(&key))
                    .cloned()
                    .ok_or_else(|| invalid(path, format!("workspace.package.{key} is missing")))?;
                package.insert(&key, value);
            }
        }
    }
    for section in dependency_tables(&mut doc) {
        let names: Vec<String> = section.iter().map(|(k, _)| k.to_owned()).collect();
        for name in names {
            let Some(entry) = section.get(&name) else {
                continue;
            };
            if !inherits(entry) {
                continue;
            }
            let base = ws
                .get("dependencies")
                .and_then(|d| d.get(&name))
                .ok_or_else(|| {
                    invalid(path, format!("workspace.dependencies.{name} is missing"))
                })?;
            let merged = merge(base, entry, &up);
            section.insert(&name, merged);
        }
    }
    if doc.get("lints").is_some_and(inherits) {
        let lints = ws
            .get("lints")
            .cloned()
            .ok_or_else(|| invalid(path, "workspace.lints is missing"))?;
        doc.insert("lints", lints);
    }
    Ok(doc.to_string())
}

/// `x.workspace = true` or `x = { workspace = true, … }`.
fn inherits(item: &Item) -> bool {
    item.get("workspace")
        .and_then(Item::as_value)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Every dependency table of a manifest, target-specific ones included.
fn dependency_tables(doc: &mut DocumentMut) -> Vec<&mut Table> {
    const KINDS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables = Vec::new();
    let root = doc.as_table_mut();
    let mut targets = None;
    for (key, item) in root.iter_mut() {
        if KINDS.contains(&key.get()) {
            if let Some(t) = item.as_table_mut() {
                tables.push(t);
            }
        } else if key.get() == "target" {
            targets = item.as_table_mut();
        }
    }
    if let Some(targets) = targets {
        for (_, target) in targets.iter_mut() {
            if let Some(target) = target.as_table_mut() {
                for (key, item) in target.iter_mut() {
                    if KINDS.contains(&key.get())
                        && let Some(t) = item.as_table_mut()
                    {
                        tables.push(t);
                    }
                }
            }
        }
    }
    tables
}

/// The workspace's `base` specification of a dependency with what the crate adds to it
/// (`features`, `optional`), and a path made relative to the crate through `up`.
fn merge(base: &Item, entry: &Item, up: &str) -> Item {
    let mut spec = toml_edit::InlineTable::new();
    match base.as_value() {
        Some(Value::String(version)) => {
            spec.insert("version", Value::from(version.value().as_str()));
        }
        Some(Value::InlineTable(t)) => {
            for (k, v) in t.iter() {
                spec.insert(k, v.clone());
            }
        }
        _ => {}
    }
    if let Some(Value::String(p)) = spec.get("path") {
        let rebased = format!("{up}/{}", p.value());
        spec.insert("path", Value::from(rebased));
    }
    if let Some(extra) = entry.as_inline_table() {
        for (k, v) in extra.iter() {
            match (k, v, spec.get_mut("features")) {
                ("workspace", _, _) => {}
                ("features", Value::Array(more), Some(Value::Array(features))) => {
                    features.extend(more.iter().cloned());
                }
                _ => {
                    spec.insert(k, v.clone());
                }
            }
        }
    }
    Item::Value(Value::InlineTable(spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_manifests_inherit_nothing_and_point_inside_the_vendor_folder() {
        let dir = Path::new("/new-crate");
        let files = files(dir).unwrap_or_else(|e| panic!("{e}"));
        assert!(files.iter().any(|(p, _)| p == &dir.join("Cargo.lock")));
        assert!(files.iter().any(|(p, _)| {
            p == &dir
                .join(FOLDER)
                .join("wit/v0.2.0/deps/rules-0.1.0/rules.wit")
        }));
        for (path, bytes) in &files {
            if path.file_name().is_some_and(|n| n == "Cargo.toml") {
                let text = String::from_utf8_lossy(bytes);
                assert!(!text.contains("workspace"), "{}: {text}", path.display());
                assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "{text}");
            }
        }
        let world = files
            .iter()
            .find(|(p, _)| p.ends_with("sdk/world-v0.2/Cargo.toml"))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        assert!(world.contains("path = \"../../sdk\""), "{world}");
    }
}
