//! The demo's generated history: four weeks of the five one-things through the workflow's own
//! commands with the clock set back, ending where it started. What it leaves is what real use
//! would: figures that agree with the audit events, a month's 通报 with volumes on working
//! days only, deliveries, ratings and a 差评 or two in the loop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::clock::Clock;
use lianban::launch::history;
use lianban_e2e::{BEREAVEMENT, BUSINESS, NEWBORN, RESTAURANT, RETIREMENT, TestHost};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_weeks_of_history_leave_real_figures() {
    let host = TestHost::start().await;
    for matters in [NEWBORN, BUSINESS, RESTAURANT, RETIREMENT, BEREAVEMENT] {
        host.install_plugins(matters).await;
    }
    let start = host.clock.now();
    let state = host.state.clone();
    let clock = host.clock.clone();
    let began = std::time::Instant::now();
    let made = tokio::task::spawn_blocking(move || {
        history::generate(&state, 4, &|to| clock.set(to.unwrap_or(start)))
    })
    .await
    .unwrap()
    .unwrap();
    eprintln!("history: {made:?} in {:?}", began.elapsed());
    assert_eq!(host.clock.now(), start, "the clock is back where it was");
    assert!(made.cases >= 40, "{made:?}");
    assert!(made.delivered >= 10, "{made:?}");
    assert!(made.ratings >= 5, "{made:?}");

    let admin = &host.tokens.admin;
    let check = host
        .get_ok(
            "/api/v1/supervision/figures/check?from=2026-10-01&to=2026-11-30",
            admin,
        )
        .await;
    assert_eq!(check["agree"], true, "{check:#}");
    let november = host
        .get_ok("/api/v1/supervision/reports/2026-11", admin)
        .await;
    assert!(november["total"]["received"].as_u64().unwrap() >= 30);
    assert!(november["total"]["decided"].as_u64().unwrap() >= 10);
    // Nothing is taken in on a Sunday.
    let sunday = november["daily"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["day"] == "2026-11-22")
        .unwrap();
    assert_eq!(sunday["window"], 0);
    assert!(!november["satisfaction"].as_array().unwrap().is_empty());
    // Again on the same data: there are cases, so nothing more is made.
    let state = host.state.clone();
    let clock = host.clock.clone();
    let again = tokio::task::spawn_blocking(move || {
        history::generate(&state, 4, &|to| clock.set(to.unwrap_or(start)))
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(again, history::History::default());
    drop(host.stop().await);
}
