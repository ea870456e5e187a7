//! Compiling is bounded (`host/src/runtime/compile.rs`): a compile that takes longer than the
//! limit is given up with `plugin_compile_timeout`, and a compile given up on keeps its slot
//! until it has really finished, so abandoned compiles cannot pile up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use lianban::Config;
use lianban::runtime::{LoadError, Runtime, RuntimeConfig};
use lianban_e2e::{TestHost, component, plugin};
use reqwest::StatusCode;

#[test]
fn a_slow_compile_is_given_up_and_holds_its_slot_until_it_ends() {
    let rt = Runtime::new(RuntimeConfig {
        compile_timeout: Duration::from_millis(1),
        compile_slots: 1,
        ..RuntimeConfig::default()
    })
    .unwrap();
    // The Python example takes seconds to compile.
    let python = component("lianban-example-senior-card-py");
    let started = Instant::now();
    match rt.compile(&python) {
        Err(LoadError::CompileTimeout(limit)) => assert_eq!(limit, Duration::from_millis(1)),
        Err(e) => panic!("expected a timeout, got {e}"),
        Ok(_) => panic!("an 18 MB component compiled within a millisecond"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    // Its compile still runs, in its slot: the next one finds none free.
    assert!(matches!(
        rt.compile(&component("lianban-guest-hostile")),
        Err(LoadError::CompilerBusy(1))
    ));
    // Once it has ended, the slot is free again (the small compile then runs out of time
    // itself, rather than finding the compiler busy).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match rt.compile(&component("lianban-guest-hostile")) {
            Err(LoadError::CompilerBusy(_)) => {
                assert!(Instant::now() < deadline, "the slot was never given back");
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(LoadError::CompileTimeout(_)) | Ok(_) => break,
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_past_the_compile_limit_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.runtime.compile_timeout = Duration::from_millis(1);
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let (status, body) = host
        .upload(
            "vaccination-certificate",
            host.tokens.department("cdc"),
            plugin("vaccination-certificate"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "plugin_compile_timeout");
    drop(host.stop().await);
}
