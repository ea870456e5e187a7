//! The interface is language-neutral: 老年人优待证办理 written in Python (componentize-py,
//! `examples/senior-card-py`) and in Rust (`examples/senior-card`) run in the host's runtime on
//! the same fixtures, each gives what the fixtures expect, and the two agree finding for
//! finding and on the manifest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::devkit;
use lianban::precheck::finding_key;
use lianban_e2e::{component, workspace_root};

fn run(crate_name: &str) -> devkit::TestRun {
    let fixtures = workspace_root().join("examples/senior-card-py/fixtures");
    devkit::test_component(&component(crate_name), &fixtures).unwrap()
}

#[test]
fn the_python_rule_passes_its_fixtures_and_agrees_with_the_rust_one() {
    let python = run("lianban-example-senior-card-py");
    let rust = run("lianban-example-senior-card");
    assert!(python.passed(), "{}", python.render());
    assert!(rust.passed(), "{}", rust.render());
    assert_eq!(python.api, "0.1.0");
    assert_eq!(python.fixtures.len(), 6);

    for (p, r) in python.fixtures.iter().zip(&rust.fixtures) {
        assert_eq!(p.name, r.name);
        let keys = |run: &devkit::FixtureRun| {
            let mut k: Vec<String> = run.findings.iter().map(finding_key).collect();
            k.sort();
            k
        };
        assert_eq!(keys(p), keys(r), "{}", p.name);
        let due = |run: &devkit::FixtureRun| run.deadline.clone().map(|d| d.map(|d| d.due));
        assert_eq!(due(p), due(r), "{}", p.name);
        // Both log the applicant's age through the host's `log` import when they judge it.
        assert_eq!(
            p.logs.iter().map(|l| &l.message).collect::<Vec<_>>(),
            r.logs.iter().map(|l| &l.message).collect::<Vec<_>>(),
            "{}",
            p.name
        );
    }
    // The same matter, fields, materials and time limits, as the guide would print them.
    let mut rust_manifest = rust.manifest.clone();
    rust_manifest.version = python.manifest.version.clone();
    assert_eq!(python.manifest, rust_manifest);
}
