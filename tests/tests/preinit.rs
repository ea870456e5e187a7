//! Pre-initialisation (`host/src/runtime/preinit.rs`): every demo plugin is snapshotted after
//! its `manifest` ran, the snapshot judges every application exactly as the component as
//! uploaded does, and it does less work per evaluation. What cannot be pre-initialised is
//! compiled as uploaded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use lianban::elicense::{InMemory, demo_certificates};
use lianban::runtime::{
    Evaluation, Imports, Limits, Plugin, PluginIdent, Runtime, RuntimeConfig, declared_api,
};
use lianban_e2e::{BEREAVEMENT, BUSINESS, NEWBORN, RESTAURANT, RETIREMENT, TODAY, fixture};
use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Date, MergedApplication};

fn prepared(rt: &Runtime, component: &wasmtime::component::Component, bytes: &[u8]) -> Plugin {
    let ident = PluginIdent {
        matter: "m".into(),
        department: "d".into(),
        version: "1.0.0".into(),
        sha256: "test".into(),
    };
    let declared = declared_api(bytes).unwrap();
    rt.prepare_detected(component, declared.as_deref(), ident, Limits::default())
        .unwrap()
}

fn same_judgement(a: &Evaluation, b: &Evaluation) {
    assert_eq!(a.materials, b.materials);
    assert_eq!(a.exempt, b.exempt);
    assert_eq!(a.form, b.form);
    assert_eq!(a.deadline, b.deadline);
    assert_eq!(a.logs, b.logs);
}

#[test]
fn every_demo_plugin_is_preinitialised_and_judges_as_uploaded() {
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    let imports = Imports {
        calendar: Arc::new(official_calendar()),
        elicense: Some(Arc::new(InMemory::new(demo_certificates()))),
    };
    let accepted = Date::ymd(2026, 11, 30);
    let one_things = [
        ("newborn-window-complete", NEWBORN),
        ("business-window-complete", BUSINESS),
        ("restaurant-window-complete", RESTAURANT),
        ("retirement-window-complete", RETIREMENT),
        ("bereavement-window-complete", BEREAVEMENT),
    ];
    for (name, matters) in one_things {
        let merged: MergedApplication = serde_json::from_value(fixture(name)).unwrap();
        for matter in matters {
            let bytes = lianban_e2e::plugin(matter);
            let snapshot = rt
                .preinitialized(&bytes)
                .unwrap_or_else(|why| panic!("{matter}: {why}"));
            let warm = prepared(&rt, &snapshot, &bytes);
            let cold = prepared(&rt, &rt.compile_as_uploaded(&bytes).unwrap(), &bytes);
            assert_eq!(
                rt.manifest(&warm, &imports).unwrap(),
                rt.manifest(&cold, &imports).unwrap(),
                "{matter}"
            );

            // The complete application, and the same with its first field and first material
            // taken away, so that there are findings to compare.
            let complete = merged.for_matter(matter, TODAY);
            let mut incomplete = complete.clone();
            incomplete.fields.remove(0);
            incomplete.materials.remove(0);
            for app in [&complete, &incomplete] {
                let w = rt.evaluate(&warm, app, accepted, &imports).unwrap();
                let c = rt.evaluate(&cold, app, accepted, &imports).unwrap();
                same_judgement(&w, &c);
                // The manifest the checks consult is already built in the snapshot.
                assert!(
                    w.fuel_used < c.fuel_used,
                    "{matter}: {} instructions pre-initialised, {} as uploaded",
                    w.fuel_used,
                    c.fuel_used
                );
            }
        }
    }
}

#[test]
fn what_cannot_be_preinitialised_is_compiled_as_uploaded() {
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    // Not a component at all: compiling fails as it did before, with the compiler's reason.
    assert!(rt.preinitialized(b"\0asm garbage").is_err());
    assert!(matches!(
        rt.compile(b"\0asm garbage"),
        Err(lianban::runtime::LoadError::Compile(_))
    ));
    // An interpreter is left to its own toolchain (`tests/python.rs` runs it compiled as
    // uploaded).
    let python = lianban_e2e::component("lianban-example-senior-card-py");
    assert!(
        rt.preinitialized(&python)
            .unwrap_err()
            .to_string()
            .contains("larger than")
    );
    // The hostile guest misbehaves only when an application asks it to; its manifest is
    // ordinary, so it is pre-initialised like any plugin.
    let hostile = lianban_e2e::component("lianban-guest-hostile");
    assert!(rt.preinitialized(&hostile).is_ok());
}

#[test]
fn a_manifest_that_keeps_a_host_stream_open_is_not_snapshotted() {
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    let bytes = lianban_e2e::component("lianban-guest-stderr-manifest");
    let why = rt.preinitialized(&bytes).unwrap_err().to_string();
    assert!(why.contains("left a host resource open"), "{why}");

    // Compiled as uploaded instead, it still answers, call after call.
    let (component, _) = rt.compile(&bytes).unwrap();
    let plugin = prepared(&rt, &component, &bytes);
    let imports = Imports {
        calendar: Arc::new(official_calendar()),
        elicense: None,
    };
    let manifest = rt.manifest(&plugin, &imports).unwrap();
    assert_eq!(manifest.manifest.matter, "birth-medical-certificate");
    let merged: MergedApplication =
        serde_json::from_value(fixture("newborn-window-complete")).unwrap();
    let app = merged.for_matter("birth-medical-certificate", TODAY);
    for _ in 0..2 {
        let eval = rt
            .evaluate(&plugin, &app, Date::ymd(2026, 11, 30), &imports)
            .unwrap();
        assert_eq!(eval.form, Ok(vec![]));
    }
}
