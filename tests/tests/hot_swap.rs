//! Activating versions while pre-checks run: requests in flight finish on the version they
//! started with, new ones see the new version, and not one request fails in between.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lianban_e2e::{NEWBORN, TestHost, component, fixture, plugin};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_swap_under_load_fails_no_request() {
    let host = Arc::new(TestHost::start().await);
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let v1 = host
        .install("birth-registration", plugin("birth-registration"))
        .await;
    let (_, v2) = host
        .upload(
            "birth-registration",
            host.tokens.department("public-security"),
            component("lianban-guest-registration-v2"),
        )
        .await;
    let v2 = v2["sha256"].as_str().unwrap().to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let app = Arc::new(fixture("newborn-window-complete"));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (host, stop, app) = (host.clone(), stop.clone(), app.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            let mut done = 0u32;
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let (status, report) = host.precheck(&app).await;
                done += 1;
                if status != StatusCode::OK {
                    failures.push(format!("{status}: {report}"));
                    continue;
                }
                for m in report["matters"].as_array().unwrap() {
                    if m["status"] != "checked" {
                        failures.push(format!("{}: {}", m["matter"], m));
                    }
                    if m["matter"] == "birth-registration" {
                        seen.insert(m["version"].as_str().unwrap().to_owned());
                    }
                }
            }
            (done, seen, failures)
        }));
    }

    // Swap back and forth while the clients run.
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let sha = if i % 2 == 0 { &v2 } else { &v1 };
        let (status, body) = host.activate("birth-registration", sha).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    stop.store(true, Ordering::Relaxed);

    let mut total = 0;
    let mut versions = BTreeSet::new();
    for c in clients {
        let (done, seen, failures) = c.await.unwrap();
        assert!(
            failures.is_empty(),
            "{} failed requests, first: {}",
            failures.len(),
            failures[0]
        );
        total += done;
        versions.extend(seen);
    }
    assert!(total > 20, "only {total} pre-checks ran");
    let expected: BTreeSet<String> = ["1.1.0".to_owned(), "2.0.0".to_owned()].into();
    assert_eq!(
        versions, expected,
        "both versions judged some of the {total} pre-checks"
    );
}
