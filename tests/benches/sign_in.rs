//! Signing in, measured: the whole round trip of a member of staff through the real OpenID
//! provider (`tests/oidc`) — the host's redirect, the provider's login and consent forms, the
//! code exchange and ID token check, the session cookie — and, side by side in the same run,
//! what a request then costs the host with the session cookie against the same request with a
//! machine token (`GET /api/v1/one-things`).
//!
//! `cargo xtask bench` runs it with the others; `--sign-ins N` (default 40), `--requests N`
//! (default 400); `--only=sign_in` runs it alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use lianban_e2e::identity::{Browser, Landing, host_with_provider};
use lianban_e2e::{bench_arg, bench_only, percentile};
use serde_json::json;

fn main() {
    if bench_only().is_some_and(|o| o != "sign_in") {
        return;
    }
    let sign_ins = bench_arg("--sign-ins", 40) as usize;
    let requests = bench_arg("--requests", 400) as usize;
    let rt = lianban_e2e::bench_runtime();
    rt.block_on(async move {
        let people = json!({ "staff": { "wang": { "name": "王敏" } }, "citizens": {} });
        let (host, _provider) =
            host_with_provider(&people, &[("wang", "王敏", &["clerk"])], |_, _| {}).await;
        let login = host.url("/api/v1/auth/staff/login?return_to=/");
        let mut round_trips = Vec::with_capacity(sign_ins);
        let mut browser = Browser::new();
        for _ in 0..sign_ins {
            browser = Browser::new();
            let start = Instant::now();
            let landing = browser.walk(&login, &host.base, "wang").await;
            round_trips.push(start.elapsed());
            assert!(matches!(landing, Landing::Redirected(_)), "{landing:?}");
        }
        let path = host.url("/api/v1/one-things");
        let mut with_cookie = Vec::with_capacity(requests);
        let mut with_token = Vec::with_capacity(requests);
        // Interleaved, so both kinds meet the same neighbours on the shared machine.
        for _ in 0..requests {
            let start = Instant::now();
            let r = browser.client.get(&path).send().await.unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            with_cookie.push(start.elapsed());
            let start = Instant::now();
            let r = host
                .client
                .get(&path)
                .bearer_auth(&host.tokens.clerk)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            with_token.push(start.elapsed());
        }
        for v in [&mut round_trips, &mut with_cookie, &mut with_token] {
            v.sort();
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!("sign-in: {sign_ins} round trips through the provider, {requests} requests of each kind");
        println!(
            "  sign-in round trip  p50 {:.1} ms  p99 {:.1} ms",
            ms(percentile(&round_trips, 0.5)),
            ms(percentile(&round_trips, 0.99))
        );
        let cookie = percentile(&with_cookie, 0.5);
        let token = percentile(&with_token, 0.5);
        println!(
            "  request with session cookie p50 {:.2} ms, with machine token p50 {:.2} ms (ratio {:.2})",
            ms(cookie),
            ms(token),
            cookie.as_secs_f64() / token.as_secs_f64()
        );
        drop(host.stop().await);
    });
}
