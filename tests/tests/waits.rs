//! No rules call waits on real time (`host/src/runtime/waits.rs`). A rule that sleeps, or
//! waits on a timer, fails at once as `rule_would_block` — in every check, in the deadline
//! asked at acceptance, in `manifest` at upload — and the host keeps answering everyone else
//! meanwhile. Before, each of these held a host thread for the ten minutes the guest asked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lianban::runtime::{FailureKind, Imports, Limits, LoadError, Plugin, Runtime, RuntimeConfig};
use lianban_e2e::{
    BUSINESS, TODAY, TestHost, component, fixture, hostile_with_manifest, matter, set_field,
};
use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Application, Channel};
use reqwest::StatusCode;

/// Far less than the ten minutes the guest sleeps, and than any budget in use.
const AT_ONCE: Duration = Duration::from_secs(5);

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new(RuntimeConfig::default()).unwrap())
}

fn hostile() -> Plugin {
    let bytes = component("lianban-guest-hostile");
    lianban_e2e::load(
        runtime(),
        &bytes,
        "vaccination-certificate",
        Limits::default(),
    )
    .unwrap()
}

fn imports() -> Imports {
    Imports::calendar(Arc::new(official_calendar()))
}

fn app(mode: &str) -> Application {
    Application::new("newborn", "vaccination-certificate", Channel::Window, TODAY)
        .with_field("hostile.mode", mode)
}

#[test]
fn a_sleep_or_a_wait_on_a_timer_fails_at_once_in_every_check() {
    let plugin = hostile();
    for mode in [
        "sleep",
        "sleep-materials",
        "sleep-deadline",
        "poll",
        "block",
    ] {
        let started = Instant::now();
        let err = runtime()
            .evaluate(&plugin, &app(mode), TODAY, &imports())
            .expect_err(mode);
        assert!(
            started.elapsed() < AT_ONCE,
            "{mode}: {:?}",
            started.elapsed()
        );
        assert_eq!(err.kind, FailureKind::WouldBlock, "{mode}: {err}");
        assert_eq!(err.kind.code(), "rule_would_block");
        assert_eq!(err.plugin.matter, "vaccination-certificate");
    }

    // The deadline export alone, as the host asks it when a department accepts a case.
    let started = Instant::now();
    let err = runtime()
        .deadline(&plugin, &app("sleep-deadline"), TODAY, &imports())
        .expect_err("sleep-deadline");
    assert!(started.elapsed() < AT_ONCE);
    assert_eq!(
        (err.kind, err.export),
        (FailureKind::WouldBlock, "deadline")
    );

    // A blocking read of stdin is answered at once: stdin is closed.
    let started = Instant::now();
    let eval = runtime()
        .evaluate(&plugin, &app("stdin"), TODAY, &imports())
        .unwrap();
    assert!(started.elapsed() < AT_ONCE);
    let said = &eval.form.unwrap()[0].message;
    assert!(said.starts_with("stdin: "), "{said}");

    // And the same plugin serves the next application.
    let eval = runtime()
        .evaluate(&plugin, &app("none"), TODAY, &imports())
        .unwrap();
    assert_eq!(eval.form.unwrap(), vec![]);
}

#[test]
fn a_manifest_that_waits_loops_or_hoards_is_refused_within_the_evaluation_budgets() {
    for (mode, kinds) in [
        ("sleep", &[FailureKind::WouldBlock][..]),
        ("poll", &[FailureKind::WouldBlock]),
        ("loop", &[FailureKind::BudgetExceeded, FailureKind::Timeout]),
        ("memory", &[FailureKind::OutOfMemory]),
    ] {
        let bytes = hostile_with_manifest(mode);
        let started = Instant::now();
        match runtime().compile(&bytes) {
            Err(LoadError::ManifestFailed(f)) => {
                assert!(kinds.contains(&f.kind), "{mode}: {f:?}");
            }
            Err(other) => panic!("{mode}: expected the manifest to fail, got {other}"),
            Ok(_) => panic!("{mode}: a misbehaving manifest compiled"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{mode}: {:?}",
            started.elapsed()
        );
    }
    // The unpatched guest's manifest behaves: the patching is what misbehaves.
    assert!(
        runtime()
            .compile(&component("lianban-guest-hostile"))
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_uploads_and_sleeping_rules_do_not_hold_the_host() {
    let host = TestHost::start().await;
    host.install_plugins(BUSINESS.iter()).await;
    let cdc = host.tokens.department("cdc").to_owned();

    // Every department token could upload such components; all at once, they are refused in
    // seconds with a typed code, while pre-checks of another one-thing and /healthz answer.
    let uploads = ["sleep", "poll", "loop", "memory", "sleep", "poll"].map(|mode| {
        let base = host.base.clone();
        let client = host.client.clone();
        let token = cdc.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let resp = client
                .post(format!(
                    "{base}/api/v1/matters/vaccination-certificate/versions"
                ))
                .bearer_auth(token)
                .header("content-type", "application/wasm")
                .body(hostile_with_manifest(mode))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body: serde_json::Value = resp.json().await.unwrap();
            (mode, status, body, started.elapsed())
        })
    });
    for _ in 0..3 {
        let started = Instant::now();
        let (status, report) = host.precheck(&fixture("business-window-complete")).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["ready"], true, "{report:#}");
        let (status, health) = host.get("/healthz", "").await;
        assert_eq!(status, StatusCode::OK, "{health}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    for upload in uploads {
        let (mode, status, body, took) = upload.await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{mode}: {body}");
        assert_eq!(body["error"]["code"], "plugin_smoke_failed", "{mode}");
        assert_eq!(body["error"]["details"]["export"], "manifest", "{mode}");
        let failure = body["error"]["details"]["failure"].as_str().unwrap();
        let expected: &[&str] = match mode {
            "loop" => &["rule_budget_exceeded", "rule_timeout"],
            "memory" => &["rule_out_of_memory"],
            _ => &["rule_would_block"],
        };
        assert!(expected.contains(&failure), "{mode}: {failure}");
        assert!(took < Duration::from_secs(60), "{mode}: {took:?}");
    }
    // Nothing of them was stored.
    let (_, versions) = host
        .get(
            "/api/v1/matters/vaccination-certificate/versions",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 0, "{versions}");

    // A rule that sleeps in a pre-check fails alone, at once; the other matters are judged.
    host.install_plugins(
        lianban_e2e::NEWBORN
            .iter()
            .filter(|m| **m != "vaccination-certificate"),
    )
    .await;
    host.install(
        "vaccination-certificate",
        component("lianban-guest-hostile"),
    )
    .await;
    for mode in ["sleep", "poll", "sleep-deadline"] {
        let mut app = fixture("newborn-window-complete");
        set_field(&mut app, "hostile.mode", mode);
        let started = Instant::now();
        let (status, report) = host.precheck(&app).await;
        assert!(started.elapsed() < AT_ONCE, "{mode}");
        assert_eq!(status, StatusCode::OK, "{report}");
        let vac = matter(&report, "vaccination-certificate");
        assert_eq!(vac["failure"]["code"], "rule_would_block", "{mode}: {vac}");
        assert_eq!(
            matter(&report, "birth-registration")["status"],
            "checked",
            "{mode}"
        );
    }
}
