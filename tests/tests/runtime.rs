//! The sandbox: hostile components built from source in this test suite are stopped with a
//! typed error that names the plugin, and the runtime keeps answering normal calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lianban::runtime::{
    FailureKind, Imports, Limits, LoadError, Plugin, Runtime, RuntimeConfig, declared_api,
};
use lianban_e2e::{TODAY, component};
use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Application, Channel, WorkingCalendar};

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new(RuntimeConfig::default()).unwrap())
}

fn calendar() -> Arc<WorkingCalendar> {
    Arc::new(official_calendar())
}

fn prepare(bytes: &[u8], limits: Limits) -> Result<Plugin, LoadError> {
    lianban_e2e::load(runtime(), bytes, "vaccination-certificate", limits)
}

fn hostile(limits: Limits) -> Plugin {
    prepare(&component("lianban-guest-hostile"), limits).unwrap()
}

fn app(mode: &str) -> Application {
    Application::new("newborn", "vaccination-certificate", Channel::Window, TODAY)
        .with_field("hostile.mode", mode)
}

fn failure_of(plugin: &Plugin, mode: &str) -> Box<lianban::runtime::RuleFailure> {
    let err = runtime()
        .evaluate(plugin, &app(mode), TODAY, &Imports::calendar(calendar()))
        .expect_err("the hostile call must fail");
    // Every failure names the plugin it came from.
    assert_eq!(err.plugin.matter, "vaccination-certificate");
    assert_eq!(err.plugin.department, "dept");
    assert_eq!(err.plugin.version, "9.9.9");
    assert_eq!(err.export, "evaluate");
    err
}

/// After a failure, a normal call on the same plugin still answers.
fn still_serves(plugin: &Plugin) {
    let eval = runtime()
        .evaluate(plugin, &app("none"), TODAY, &Imports::calendar(calendar()))
        .unwrap();
    assert_eq!(eval.form.unwrap(), vec![]);
}

#[test]
fn an_endless_loop_hits_the_wall_time_deadline() {
    let plugin = hostile(Limits {
        timeout_ms: 100,
        fuel: u64::MAX / 4,
        ..Limits::default()
    });
    let started = Instant::now();
    let err = failure_of(&plugin, "spin");
    assert_eq!(err.kind, FailureKind::Timeout, "{err}");
    assert_eq!(err.kind.code(), "rule_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    still_serves(&plugin);
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let plugin = hostile(Limits {
        timeout_ms: 60_000,
        fuel: 20_000_000,
        ..Limits::default()
    });
    let err = failure_of(&plugin, "spin");
    assert_eq!(err.kind, FailureKind::BudgetExceeded, "{err}");
    assert_eq!(err.kind.code(), "rule_budget_exceeded");
    still_serves(&plugin);
}

#[test]
fn a_memory_bomb_is_capped() {
    let plugin = hostile(Limits::default());
    let err = failure_of(&plugin, "memory");
    assert_eq!(err.kind, FailureKind::OutOfMemory, "{err}");
    assert_eq!(err.kind.code(), "rule_out_of_memory");
    still_serves(&plugin);
}

#[test]
fn a_smaller_memory_cap_is_honoured() {
    // 4 MiB holds the guest's own data and stack but only a couple of its 1 MiB blocks.
    let plugin = hostile(Limits {
        memory_bytes: 4 << 20,
        ..Limits::default()
    });
    assert_eq!(failure_of(&plugin, "memory").kind, FailureKind::OutOfMemory);
}

#[test]
fn runaway_recursion_overflows_the_stack() {
    let plugin = hostile(Limits::default());
    let err = failure_of(&plugin, "recursion");
    assert_eq!(err.kind, FailureKind::StackOverflow, "{err}");
    still_serves(&plugin);
}

#[test]
fn a_panic_comes_back_with_its_message() {
    let plugin = hostile(Limits::default());
    let err = failure_of(&plugin, "panic");
    assert_eq!(err.kind, FailureKind::Panic, "{err}");
    assert_eq!(err.kind.code(), "rule_panic");
    assert!(
        err.stderr.contains("故意触发的崩溃"),
        "stderr: {}",
        err.stderr
    );
    still_serves(&plugin);
}

#[test]
fn an_oversized_result_is_refused() {
    let plugin = hostile(Limits::default());
    let err = failure_of(&plugin, "flood");
    assert_eq!(err.kind, FailureKind::OutputTooLarge, "{err}");
    assert_eq!(err.kind.code(), "rule_output_too_large");
    still_serves(&plugin);
    // With a larger cap the same output is copied out, and then refused for what it is:
    // more findings than one check may give (`runtime/output.rs`).
    let roomy = hostile(Limits {
        output_bytes: 64 << 20,
        ..Limits::default()
    });
    let err = runtime()
        .evaluate(&roomy, &app("flood"), TODAY, &Imports::calendar(calendar()))
        .unwrap_err();
    assert_eq!(err.kind, FailureKind::InvalidOutput, "{err}");
    assert!(
        err.detail.starts_with("form.findings: 20000 findings"),
        "{}",
        err.detail
    );
}

#[test]
fn logs_are_captured_and_bounded() {
    let plugin = hostile(Limits::default());
    let eval = runtime()
        .evaluate(&plugin, &app("log"), TODAY, &Imports::calendar(calendar()))
        .unwrap();
    assert_eq!(eval.logs.len(), RuntimeConfig::default().max_log_lines);
    assert_eq!(eval.logs[0].message, "第 0 条日志");
    assert_eq!(eval.logs[0].level, "info");
}

#[test]
fn a_component_of_another_world_is_refused_by_type() {
    let bytes = component("lianban-guest-wrong-world");
    // It claims the right API version, so only the type check can catch it.
    assert_eq!(declared_api(&bytes).unwrap().as_deref(), Some("0.1.0"));
    match prepare(&bytes, Limits::default()) {
        Err(LoadError::WrongWorld(detail)) => assert!(!detail.is_empty()),
        Err(other) => panic!("expected a world mismatch, got {other}"),
        Ok(_) => panic!("a component of another world was accepted"),
    }
}

#[test]
fn random_bytes_and_core_modules_are_not_components() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    assert!(matches!(
        declared_api(&random),
        Err(LoadError::NotAComponent(_))
    ));
    assert!(runtime().compile(&random).is_err());
    assert!(matches!(
        declared_api(&[]),
        Err(LoadError::NotAComponent(_))
    ));
    let core_module = b"\0asm\x01\0\0\0";
    assert!(matches!(
        declared_api(core_module),
        Err(LoadError::NotAComponent(_))
    ));
    // A valid, empty component: it records no API version, which is allowed, and implements
    // no world, which is not.
    let empty_component = b"\0asm\x0d\0\x01\0";
    assert_eq!(declared_api(empty_component).unwrap(), None);
    assert!(matches!(
        prepare(empty_component, Limits::default()),
        Err(LoadError::WrongWorld(_))
    ));
}

/// The WASI context is built only when a guest first reaches for it (`runtime/state.rs`);
/// when it is, it is the empty one the design promises.
#[test]
fn a_guest_sees_a_frozen_clock_no_environment_no_files_and_fixed_randomness() {
    let plugin = hostile(Limits::default());
    let seen = || {
        let eval = runtime()
            .evaluate(
                &plugin,
                &app("sandbox"),
                TODAY,
                &Imports::calendar(calendar()),
            )
            .unwrap();
        let form = eval.form.unwrap();
        assert_eq!(form.len(), 1, "{form:?}");
        form[0].message.clone()
    };
    let first = seen();
    assert!(
        first.starts_with("clock=0 env=0 files=false hash="),
        "{first}"
    );
    assert_eq!(seen(), first, "randomness differs between two calls");
}

#[test]
fn rules_are_deterministic() {
    let bytes = lianban_e2e::plugin("birth-registration");
    let plugin = prepare(&bytes, Limits::default()).unwrap();
    let fixture = lianban_e2e::fixture("newborn-window-complete");
    let merged: lianban_sdk::MergedApplication = serde_json::from_value(fixture).unwrap();
    let app = merged
        .for_matter("birth-registration", TODAY)
        .with_field("child.name", "张小雨")
        .without_material("marriage-certificate");
    // 出生登记 looks the missing marriage certificate up (and finds none here).
    let imports = Imports {
        calendar: calendar(),
        elicense: Some(Arc::new(lianban::elicense::InMemory::default())),
    };
    let a = runtime().evaluate(&plugin, &app, TODAY, &imports).unwrap();
    let b = runtime().evaluate(&plugin, &app, TODAY, &imports).unwrap();
    assert_eq!(a.materials, b.materials);
    assert_eq!(a.form, b.form);
    assert_eq!(a.deadline, b.deadline);
    assert_eq!(a.fuel_used, b.fuel_used, "same input, same instructions");
    assert!(!a.materials.unwrap().is_empty());
}
