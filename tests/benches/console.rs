//! The console's cost beside the API it is built on: each console page is the API's calls made
//! in process plus a template, so the benchmark puts a page next to the raw API call that
//! carries its main content, both with the same signed-in session cookie, interleaved so both
//! meet the same neighbours on the shared machine:
//!
//! - the window workbench (`GET /console/window`: the session, the one-things, the page)
//!   beside `GET /api/v1/one-things`;
//! - a case page (`GET /console/cases/{id}`: the session, the case, its guide for names, the
//!   page) beside `GET /api/v1/cases/{id}`.
//!
//! `cargo xtask bench` runs it with the others; `--requests N` (default 400);
//! `--only=console` runs it alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use lianban_e2e::identity::{Browser, Landing, host_with_provider};
use lianban_e2e::{NEWBORN, bench_arg, bench_only, percentile, received_case};
use serde_json::json;

fn main() {
    if bench_only().is_some_and(|o| o != "console") {
        return;
    }
    let requests = bench_arg("--requests", 400) as usize;
    let rt = lianban_e2e::bench_runtime();
    rt.block_on(async move {
        let people = json!({ "staff": { "wang": { "name": "王敏" } }, "citizens": {} });
        let (host, _provider) =
            host_with_provider(&people, &[("wang", "王敏", &["clerk"])], |_, _| {}).await;
        host.install_plugins(NEWBORN).await;
        let case = received_case(&host, &host.tokens.clerk).await;
        let browser = Browser::new();
        let login = host.url("/api/v1/auth/staff/login?return_to=/console/");
        let landing = browser.walk(&login, &host.base, "wang").await;
        assert!(matches!(landing, Landing::Redirected(_)), "{landing:?}");

        let get = |path: String| {
            let client = browser.client.clone();
            let url = host.url(&path);
            async move {
                let start = Instant::now();
                let r = client.get(&url).send().await.unwrap();
                assert!(r.status().is_success(), "{url}: {}", r.status());
                r.bytes().await.unwrap();
                start.elapsed()
            }
        };
        let pairs = [
            ("window workbench", "/console/window".to_owned(), "/api/v1/one-things".to_owned()),
            (
                "case page",
                format!("/console/cases/{case}"),
                format!("/api/v1/cases/{case}"),
            ),
        ];
        println!("console: {requests} requests of each kind, interleaved, one session cookie");
        for (what, page, api) in pairs {
            let mut pages = Vec::with_capacity(requests);
            let mut calls = Vec::with_capacity(requests);
            for _ in 0..requests {
                pages.push(get(page.clone()).await);
                calls.push(get(api.clone()).await);
            }
            pages.sort();
            calls.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1e3;
            let (p, a) = (percentile(&pages, 0.5), percentile(&calls, 0.5));
            println!(
                "  {what:<17} page p50 {:.2} ms p99 {:.2} ms | API call p50 {:.2} ms p99 {:.2} ms | ratio of medians {:.2}",
                ms(p),
                ms(percentile(&pages, 0.99)),
                ms(a),
                ms(percentile(&calls, 0.99)),
                p.as_secs_f64() / a.as_secs_f64()
            );
        }
        drop(host.stop().await);
    });
}
