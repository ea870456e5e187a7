//! The department developer kit: fixtures run in the host's own runtime, then the component is
//! pushed to a running host, activated, and replayed — as a department developer would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::devkit;
use lianban_e2e::{TestHost, component, drop_material, fixture, plugin};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `test_component` blocks (it runs wasmtime synchronously): off the async executor.
async fn test_component(bytes: Vec<u8>, dir: &std::path::Path) -> devkit::TestRun {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || devkit::test_component(&bytes, &dir).unwrap())
        .await
        .unwrap()
}

fn write(dir: &std::path::Path, name: &str, body: Value) {
    std::fs::write(dir.join(name), serde_json::to_vec_pretty(&body).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_run_in_the_host_runtime_then_push_activate_and_replay() {
    let dir = tempfile::tempdir().unwrap();
    let complete = fixture("newborn-window-complete");
    let mut no_register = complete.clone();
    drop_material(&mut no_register, "household-register");
    // Accepted on Monday 30 November 2026; 出生登记 promises one working day.
    write(
        dir.path(),
        "01-complete.json",
        json!({"description": "材料齐全", "today": "2026-11-27", "application": complete,
               "expect": {"findings": [], "deadline_due": "2026-12-01"}}),
    );
    write(
        dir.path(),
        "02-no-register.json",
        json!({"today": "2026-11-27", "application": no_register,
               "expect": {"findings": ["blocking/material:household-register/material.missing"]}}),
    );
    // 出生登记 is built for 0.2.0: a fixture may hold the platform's certificates, and expect
    // the materials they exempt.
    let mut no_marriage_paper = complete.clone();
    drop_material(&mut no_marriage_paper, "marriage-certificate");
    let certificates: Vec<_> = lianban::elicense::demo_certificates()
        .into_iter()
        .filter(|c| c.kind == "结婚证")
        .collect();
    write(
        dir.path(),
        "00-elicense.json",
        json!({"today": "2026-11-27", "application": no_marriage_paper,
               "certificates": certificates,
               "expect": {"findings": [], "exempt": ["marriage-certificate"]}}),
    );
    let bytes = plugin("birth-registration");
    let run = test_component(bytes.clone(), dir.path()).await;
    let text = run.render();
    assert!(run.passed(), "{text}");
    assert_eq!(run.api, "0.2.0");
    assert!(text.contains("声明的能力：elicense"), "{text}");
    assert!(
        text.contains("免提交 marriage-certificate：以电子证照 结婚证 J410702-2021-000318 代替"),
        "{text}"
    );
    assert_eq!(run.manifest.matter, "birth-registration");
    assert_eq!(run.fixtures.len(), 3);
    for f in &run.fixtures {
        assert!(f.fuel_used > 1_000, "{text}");
        assert!(f.peak_memory_bytes >= 64 * 1024, "{text}");
    }
    assert!(text.contains("3 个样例，3 个通过"), "{text}");

    // A wrong expectation is reported, naming what differs.
    write(
        dir.path(),
        "03-wrong.json",
        json!({"today": "2026-11-27", "application": complete,
               "expect": {"findings": ["blocking/field:child.name/field.missing"],
                          "deadline_due": "2026-12-02"}}),
    );
    let run = test_component(bytes.clone(), dir.path()).await;
    assert!(!run.passed());
    let wrong = &run.fixtures[3].mismatches;
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(wrong[0].contains("field:child.name"), "{wrong:?}");
    assert!(wrong[1].contains("2026-12-02"), "{wrong:?}");

    // A trap is a result a fixture can expect, with the guest's message.
    let traps = tempfile::tempdir().unwrap();
    let mut panicking = complete.clone();
    lianban_e2e::set_field(&mut panicking, "hostile.mode", "panic");
    write(
        traps.path(),
        "panic.json",
        json!({"today": "2026-11-27", "application": panicking,
               "expect": {"failure": "rule_panic"}}),
    );
    let run = test_component(component("lianban-guest-hostile"), traps.path()).await;
    assert!(run.passed(), "{}", run.render());
    assert!(run.render().contains("故意触发的崩溃"), "{}", run.render());

    // Push to a running host with the department's token, activate, replay.
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    let (status, _) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK);
    let refused = devkit::push(
        &host.url(""),
        host.tokens.department("health"),
        component("lianban-guest-registration-v2"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, devkit::DevkitError::Refused { status: 403, .. }),
        "{refused}"
    );
    let pushed = devkit::push(
        &host.url(""),
        host.tokens.department("public-security"),
        component("lianban-guest-registration-v2"),
    )
    .await
    .unwrap();
    assert_eq!(pushed["version"], "2.0.0");
    let sha = pushed["sha256"].as_str().unwrap();
    let report = devkit::replay(
        &host.url(""),
        &host.tokens.admin,
        "birth-registration",
        sha,
        Some(10),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report["totals"]["inputs"], 1, "{report}");
    assert_eq!(report["live_elicense"], false, "{report}");
    assert_eq!(report["totals"]["deadlines_changed"], 1, "{report}");
    let (status, _) = host.activate("birth-registration", sha).await;
    assert_eq!(status, StatusCode::OK);
    let (_, active) = host
        .get(
            "/api/v1/matters/birth-registration/active",
            &host.tokens.clerk,
        )
        .await;
    assert_eq!(active["sha256"], sha);
    drop(host.stop().await);
}
